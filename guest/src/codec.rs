//! The payload codec: deep copies of Lua values across process boundaries
//! (process.md §10).
//!
//! A payload is a flat list of nodes; tables point at other nodes by index, so shared
//! sub-tables and cycles survive and no recursion is needed on either side (a deeply
//! nested value cannot overflow the wasm stack).

use piccolo::{Context, Table, Value};
use rustc_hash::FxHashMap;

use crate::api::errors;
use crate::bindings::{ErrorNode, Node, Payload, TableEntry};
use crate::env::Env;

/// Copies one Lua value into a payload. Functions, coroutines and userdata other than
/// error objects become `nil`; metatables are dropped.
pub fn encode<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Payload {
    let mut encoder = Encoder {
        ctx,
        nodes: Vec::new(),
        seen: FxHashMap::default(),
        pending: Vec::new(),
    };
    encoder.node(value);
    while let Some((table, index)) = encoder.pending.pop() {
        let mut entries = Vec::new();
        for (key, value) in table.iter() {
            let key = encoder.node(key);
            let value = encoder.node(value);
            entries.push(TableEntry { key, value });
        }
        encoder.nodes[index as usize] = Node::Table(entries);
    }
    Payload {
        nodes: encoder.nodes,
    }
}

struct Encoder<'gc> {
    ctx: Context<'gc>,
    nodes: Vec<Node>,
    seen: FxHashMap<*const (), u32>,
    pending: Vec<(Table<'gc>, u32)>,
}

impl<'gc> Encoder<'gc> {
    /// The node index for `value`, allocating it (tables are filled in later).
    fn node(&mut self, value: Value<'gc>) -> u32 {
        let node = match value {
            Value::Nil | Value::Function(_) | Value::Thread(_) => Node::Nil,
            Value::Boolean(b) => Node::Boolean(b),
            Value::Integer(i) => Node::Integer(i),
            Value::Number(n) => Node::Float(n),
            Value::String(s) => Node::Text(s.as_bytes().to_vec()),
            Value::UserData(_) => match errors::as_error(value) {
                Some(error) => {
                    let index = self.push(Node::Nil);
                    let details = error
                        .details
                        .as_ref()
                        .map(|details| self.node(Value::Table(self.ctx.fetch(details))));
                    self.nodes[index as usize] = Node::Error(ErrorNode {
                        info: error.info.clone(),
                        details,
                    });
                    return index;
                }
                None => Node::Nil,
            },
            Value::Table(table) => {
                let key = gc_arena::Gc::as_ptr(table.into_inner()) as *const ();
                if let Some(&index) = self.seen.get(&key) {
                    return index;
                }
                let index = self.push(Node::Table(Vec::new()));
                self.seen.insert(key, index);
                self.pending.push((table, index));
                return index;
            }
        };
        self.push(node)
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }
}

/// Rebuilds the Lua value of a payload. A malformed payload (an index out of range)
/// is reported, never trusted.
pub fn decode<'gc>(ctx: Context<'gc>, env: &Env, payload: &Payload) -> Result<Value<'gc>, String> {
    if payload.nodes.is_empty() {
        return Ok(Value::Nil);
    }
    let tables: Vec<Option<Table<'gc>>> = payload
        .nodes
        .iter()
        .map(|node| matches!(node, Node::Table(_)).then(|| Table::new(&ctx)))
        .collect();
    let value_at = |index: u32| -> Result<Value<'gc>, String> {
        let node = payload
            .nodes
            .get(index as usize)
            .ok_or_else(|| format!("malformed payload: node {index} does not exist"))?;
        Ok(match node {
            Node::Nil => Value::Nil,
            Node::Boolean(b) => Value::Boolean(*b),
            Node::Integer(i) => Value::Integer(*i),
            Node::Float(n) => Value::Number(*n),
            Node::Text(bytes) => Value::String(piccolo::String::from_slice(&ctx, bytes)),
            Node::Error(error) => {
                let details = match error
                    .details
                    .map(|index| (index, tables.get(index as usize)))
                {
                    Some((_, Some(Some(table)))) => Some(*table),
                    Some((index, _)) => {
                        return Err(format!(
                            "malformed payload: error details {index} is not a table"
                        ))
                    }
                    None => None,
                };
                errors::new_error_with_details(ctx, env, &error.info, details)
            }
            Node::Table(_) => tables[index as usize].map_or(Value::Nil, Value::Table),
        })
    };
    for (node, table) in payload.nodes.iter().zip(&tables) {
        if let (Node::Table(entries), Some(table)) = (node, table) {
            for entry in entries {
                let key = value_at(entry.key)?;
                let value = value_at(entry.value)?;
                table
                    .set(ctx, key, value)
                    .map_err(|e| format!("malformed payload: {e}"))?;
            }
        }
    }
    value_at(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_lua;

    #[test]
    fn cycles_and_shared_tables_survive_a_round_trip() {
        let out = run_lua(
            r#"
            local t = {name = "x", n = 1, f = 1.5, list = {1, 2, 3}}
            t.self = t
            t.a = {}; t.b = t.a
            local c = __roundtrip(t)
            return c ~= t, c.self == c, c.a == c.b, c.name, math.type(c.n), math.type(c.f), #c.list
            "#,
        );
        assert_eq!(out, "true\ttrue\ttrue\tx\tinteger\tfloat\t3");
    }

    #[test]
    fn error_objects_keep_their_fields_and_details() {
        let out = run_lua(
            r#"
            local e = errors.new({message = "m", kind = errors.INVALID, retryable = true, details = {n = 1}})
            local c = __roundtrip({e = e}).e
            return tostring(c), c:kind(), c:retryable(), c:details().n, c:details() ~= e:details()
            "#,
        );
        assert_eq!(out, "m\tInvalid\ttrue\t1\ttrue");
    }

    #[test]
    fn functions_and_userdata_arrive_as_nil() {
        let out = run_lua("local c = __roundtrip({f = print, n = 2}) return c.f, c.n");
        assert_eq!(out, "nil\t2");
    }

    #[test]
    fn malformed_payloads_are_rejected() {
        let payload = Payload {
            nodes: vec![Node::Table(vec![TableEntry { key: 5, value: 0 }])],
        };
        let error = crate::testing::with_ctx(|ctx, env| decode(ctx, env, &payload).err());
        assert_eq!(
            error.as_deref(),
            Some("malformed payload: node 5 does not exist")
        );
    }
}
