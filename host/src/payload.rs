//! Building payloads on the host side: service `input` from YAML and command-line
//! arguments (process.md §10).

use serde_yaml::Value;

use crate::bindings::{Node, Payload, TableEntry};

/// A YAML value as a payload: sequences become arrays, mappings tables.
pub fn from_yaml(value: &Value) -> Payload {
    let mut nodes = Vec::new();
    push_yaml(value, &mut nodes);
    Payload { nodes }
}

fn push_yaml(value: &Value, nodes: &mut Vec<Node>) -> u32 {
    let index = nodes.len() as u32;
    nodes.push(Node::Nil);
    let node = match value {
        Value::Null => Node::Nil,
        Value::Bool(b) => Node::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Node::Integer(i),
            None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Node::Text(s.as_bytes().to_vec()),
        Value::Sequence(items) => {
            let mut entries = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let key = nodes.len() as u32;
                nodes.push(Node::Integer(i as i64 + 1));
                let value = push_yaml(item, nodes);
                entries.push(TableEntry { key, value });
            }
            Node::Table(entries)
        }
        Value::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                let key = push_yaml(key, nodes);
                let value = push_yaml(item, nodes);
                entries.push(TableEntry { key, value });
            }
            Node::Table(entries)
        }
        Value::Tagged(tagged) => return replace_with(nodes, index, &tagged.value),
    };
    nodes[index as usize] = node;
    index
}

/// A tagged value is its inner value; the placeholder slot is reused.
fn replace_with(nodes: &mut Vec<Node>, index: u32, value: &Value) -> u32 {
    nodes.truncate(index as usize);
    push_yaml(value, nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lists_become_lua_arrays() {
        let value: Value = serde_yaml::from_str("[a, 2, {k: true}]").unwrap();
        let payload = from_yaml(&value);
        let Node::Table(entries) = &payload.nodes[0] else {
            panic!("not a table")
        };
        assert_eq!(entries.len(), 3);
        assert!(matches!(
            payload.nodes[entries[0].key as usize],
            Node::Integer(1)
        ));
        assert!(matches!(&payload.nodes[entries[0].value as usize], Node::Text(t) if t == b"a"));
        assert!(matches!(
            payload.nodes[entries[1].value as usize],
            Node::Integer(2)
        ));
    }
}
