//! A YAML document as a tree of nodes that remember their line and column.
//!
//! serde_yaml 0.9's `Value` carries no positions and the crate exposes no event
//! stream. What it does do is stamp every error raised by a visitor with the
//! position of the event being deserialized (`fix_mark`). The tree builder uses
//! that: a scalar is read by a visitor that stores the scalar aside and then
//! *fails* with a marker message; the builder catches that error, reads the
//! "at line L column C" suffix from it and keeps going. By then serde_yaml has
//! consumed exactly that scalar, so the parser state stays consistent.
//! Collections cannot be probed that way without desynchronising the parser, so
//! a mapping or sequence takes the position of its first key or item (which is
//! where libyaml itself places a block collection), and an empty one the position
//! of the scalar read just before it (normally its key).
//!
//! serde_yaml is pinned to 0.9 (the final, deprecated release line), so the error
//! text this relies on cannot change underneath; the unit tests pin it too.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_yaml::{Mapping, Number, Value};
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Pos {
    /// The first character of a file, the fallback when nothing better is known.
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// A problem found in one file, with the position it refers to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// Where the offending node is.
    pub pos: Pos,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Problem {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            pos,
            message: message.into(),
        }
    }
}

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Where the node starts (see the module comment for collections).
    pub pos: Pos,
    /// The node's value.
    pub content: Content,
}

/// The value of a node; mappings keep their keys' positions and source order.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or float.
    Number(Number),
    /// Any other scalar, or a quoted one.
    String(String),
    /// A list.
    Sequence(Vec<Node>),
    /// A mapping as (key, value) pairs in source order.
    Mapping(Vec<(Node, Node)>),
}

impl Node {
    /// The value under a string key, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.content {
            Content::Mapping(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// The text of a string node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.content {
            Content::String(text) => Some(text),
            _ => None,
        }
    }

    /// True for `~`, `null` and empty values.
    pub fn is_null(&self) -> bool {
        matches!(self.content, Content::Null)
    }

    /// How the node reads in a "found ..." message: `string "yes"`, `a list`, ...
    pub fn describe(&self) -> String {
        match &self.content {
            Content::Null => "null".to_owned(),
            Content::Bool(value) => format!("boolean {value}"),
            Content::Number(number) if number.is_f64() => format!("float {number}"),
            Content::Number(number) => format!("integer {number}"),
            Content::String(text) => format!("string {:?}", shortened(text)),
            Content::Sequence(_) => "a list".to_owned(),
            Content::Mapping(_) => "a mapping".to_owned(),
        }
    }

    /// The node as a plain serde_yaml value (positions dropped).
    pub fn to_value(&self) -> Value {
        match &self.content {
            Content::Null => Value::Null,
            Content::Bool(value) => Value::Bool(*value),
            Content::Number(number) => Value::Number(number.clone()),
            Content::String(text) => Value::String(text.clone()),
            Content::Sequence(items) => Value::Sequence(items.iter().map(Node::to_value).collect()),
            Content::Mapping(pairs) => Value::Mapping(pairs_to_mapping(pairs)),
        }
    }
}

/// Longest string quoted whole in a message; `file://` text can be a whole file.
const DESCRIBED_TEXT_LIMIT: usize = 60;

/// `text`, cut to the message limit with a trailing `...` when longer.
fn shortened(text: &str) -> String {
    if text.chars().count() <= DESCRIBED_TEXT_LIMIT {
        return text.to_owned();
    }
    let kept: String = text.chars().take(DESCRIBED_TEXT_LIMIT - 3).collect();
    format!("{kept}...")
}

/// Converts mapping pairs into a serde_yaml mapping, keeping their order.
pub(crate) fn pairs_to_mapping(pairs: &[(Node, Node)]) -> Mapping {
    pairs
        .iter()
        .map(|(key, value)| (key.to_value(), value.to_value()))
        .collect()
}

/// Parses one YAML (or JSON) document into a positioned tree.
///
/// Duplicate keys are rejected and `<<` merge keys applied, as Go's yaml.v3 does.
pub(crate) fn parse(text: &str) -> Result<Node, Problem> {
    let cursor = Cell::new(Pos::START);
    let root = NodeSeed { cursor: &cursor }
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .map_err(|err| syntax_problem(&err))?;
    if !matches!(root.content, Content::Sequence(_) | Content::Mapping(_)) {
        // A scalar root leaves serde_yaml through the probe error, which skips its
        // end-of-document checks (trailing syntax errors, a second document).
        serde_yaml::from_str::<de::IgnoredAny>(text).map_err(|err| syntax_problem(&err))?;
    }
    resolve_mappings(root)
}

/// Marks the errors the scalar visitor raises on purpose (see the module comment).
const SCALAR_PROBE: &str = "\u{0}wippy-wasm scalar probe";

/// Reads a node; scalars are taken back from the probe error that carries their position.
struct NodeSeed<'a> {
    /// Position of the last scalar read, lent to empty collections.
    cursor: &'a Cell<Pos>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        let mut scalar = None;
        let visitor = NodeVisitor {
            cursor: self.cursor,
            scalar: &mut scalar,
        };
        // Catching the probe error is safe: serde_yaml raises it right after consuming
        // the scalar's single event, so the next read starts at the next node.
        match deserializer.deserialize_any(visitor) {
            Ok(collection) => Ok(collection),
            Err(err) => match (scalar, probe_position(&err)) {
                (Some(content), Some(pos)) => {
                    self.cursor.set(pos);
                    Ok(Node { pos, content })
                }
                _ => Err(err),
            },
        }
    }
}

/// Builds collections directly and stores scalars aside before failing with the probe.
struct NodeVisitor<'a> {
    cursor: &'a Cell<Pos>,
    scalar: &'a mut Option<Content>,
}

impl NodeVisitor<'_> {
    /// Parks a scalar and raises the probe error so serde_yaml attaches its position.
    fn park<E: de::Error>(self, content: Content) -> Result<Node, E> {
        *self.scalar = Some(content);
        Err(E::custom(SCALAR_PROBE))
    }

    /// Position for a collection: its first child's, else the last scalar's.
    fn collection_pos(&self, first_child: Option<Pos>) -> Pos {
        first_child.unwrap_or_else(|| self.cursor.get())
    }
}

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.park(Content::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.park(Content::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        self.park(Content::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        self.park(Content::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        self.park(Content::Number(value.into()))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Node, E> {
        // Beyond 64 bits: keep it as an (inexact) float, which any integer field rejects.
        self.park(Content::Number((value as f64).into()))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Node, E> {
        self.park(Content::Number((value as f64).into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        self.park(Content::Number(value.into()))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        self.park(Content::String(value.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element_seed(NodeSeed {
            cursor: self.cursor,
        })? {
            items.push(item);
        }
        let pos = self.collection_pos(items.first().map(|item| item.pos));
        Ok(Node {
            pos,
            content: Content::Sequence(items),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = access.next_key_seed(NodeSeed {
            cursor: self.cursor,
        })? {
            let value = access.next_value_seed(NodeSeed {
                cursor: self.cursor,
            })?;
            pairs.push((key, value));
        }
        let pos = self.collection_pos(pairs.first().map(|(key, _)| key.pos));
        Ok(Node {
            pos,
            content: Content::Mapping(pairs),
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, access: A) -> Result<Node, A::Error> {
        // serde_yaml reports local tags (`!name value`) as enums; manifests have no use for them.
        let (tag, _) = access.variant::<String>()?;
        Err(de::Error::custom(format!("unsupported YAML tag !{tag}")))
    }
}

/// Recovers the position from a probe error's text ("... at line L column C").
fn probe_position(err: &impl fmt::Display) -> Option<Pos> {
    let text = err.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, location)) if message.ends_with(SCALAR_PROBE) => parse_location(location),
        // serde_yaml omits the location when it is line 1, column 1.
        None if text.ends_with(SCALAR_PROBE) => Some(Pos::START),
        _ => None,
    }
}

/// Parses "L column C" into a position.
fn parse_location(location: &str) -> Option<Pos> {
    let (line, column) = location.split_once(" column ")?;
    Some(Pos {
        line: line.parse().ok()?,
        column: column.parse().ok()?,
    })
}

/// Turns a serde_yaml error (syntax, tag, recursion limit, ...) into a positioned problem.
fn syntax_problem(err: &serde_yaml::Error) -> Problem {
    let text = err.to_string();
    let Some(location) = err.location() else {
        return Problem::new(Pos::START, format!("invalid YAML: {text}"));
    };
    // The position goes in front of the message; drop serde_yaml's own copy of it.
    let own_suffix = format!(" at line {} column {}", location.line(), location.column());
    Problem::new(
        Pos {
            line: location.line(),
            column: location.column(),
        },
        format!("invalid YAML: {}", text.replacen(&own_suffix, "", 1)),
    )
}

/// Applies `<<` merge keys and rejects duplicate keys, recursively.
fn resolve_mappings(node: Node) -> Result<Node, Problem> {
    let content = match node.content {
        Content::Sequence(items) => Content::Sequence(
            items
                .into_iter()
                .map(resolve_mappings)
                .collect::<Result<_, _>>()?,
        ),
        Content::Mapping(pairs) => Content::Mapping(resolve_pairs(pairs)?),
        scalar => scalar,
    };
    Ok(Node {
        pos: node.pos,
        content,
    })
}

/// Resolves one mapping: explicit keys first, then keys merged in by `<<` that are still missing.
fn resolve_pairs(pairs: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, Problem> {
    let mut seen = HashSet::new();
    let mut resolved = Vec::with_capacity(pairs.len());
    let mut merge_sources = Vec::new();
    for (key, value) in pairs {
        let value = resolve_mappings(value)?;
        if key.as_str() == Some("<<") {
            merge_sources.push(value);
            continue;
        }
        let key = resolve_mappings(key)?;
        if !seen.insert(key.to_value()) {
            return Err(Problem::new(
                key.pos,
                format!("duplicate key {}", describe_key(&key)),
            ));
        }
        resolved.push((key, value));
    }
    for source in merge_sources {
        for (key, value) in merged_pairs(source)? {
            if seen.insert(key.to_value()) {
                resolved.push((key, value));
            }
        }
    }
    Ok(resolved)
}

/// The pairs a `<<` value contributes: a mapping, or a list of mappings (earlier ones win).
fn merged_pairs(source: Node) -> Result<Vec<(Node, Node)>, Problem> {
    let expected = || {
        Problem::new(
            source.pos,
            format!(
                "merge key '<<': expected a mapping or a list of mappings, found {}",
                source.describe()
            ),
        )
    };
    match &source.content {
        Content::Mapping(pairs) => Ok(pairs.clone()),
        Content::Sequence(items) => {
            let mut pairs = Vec::new();
            for item in items {
                match &item.content {
                    Content::Mapping(item_pairs) => pairs.extend(item_pairs.iter().cloned()),
                    _ => return Err(expected()),
                }
            }
            Ok(pairs)
        }
        _ => Err(expected()),
    }
}

/// A key as shown in messages: `'name'` for strings, the YAML description otherwise.
fn describe_key(key: &Node) -> String {
    match key.as_str() {
        Some(text) => format!("'{text}'"),
        None => key.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    fn parsed(text: &str) -> Node {
        match parse(text) {
            Ok(node) => node,
            Err(problem) => panic!("unexpected problem {problem:?}"),
        }
    }

    fn at<'a>(node: &'a Node, path: &[&str]) -> &'a Node {
        path.iter()
            .fold(node, |node, step| match step.parse::<usize>() {
                Ok(index) => match &node.content {
                    Content::Sequence(items) => &items[index],
                    _ => panic!("not a list at {step}"),
                },
                Err(_) => node.get(step).unwrap_or_else(|| panic!("no key {step}")),
            })
    }

    #[test]
    fn block_style_positions_point_at_values_and_items() {
        let text = "namespace: app\nentries:\n  - name: relay\n    kind: process.lua\n    modules:\n      - time\n      - io\n    lifecycle:\n      auto_start: \"yes\"\n";
        let root = parsed(text);
        assert_eq!(root.pos, pos(1, 1));
        assert_eq!(at(&root, &["namespace"]).pos, pos(1, 12));
        assert_eq!(at(&root, &["entries", "0"]).pos, pos(3, 5));
        assert_eq!(at(&root, &["entries", "0", "kind"]).pos, pos(4, 11));
        assert_eq!(at(&root, &["entries", "0", "modules", "1"]).pos, pos(7, 9));
        let auto_start = at(&root, &["entries", "0", "lifecycle", "auto_start"]);
        assert_eq!(auto_start.pos, pos(9, 19));
        assert_eq!(auto_start.describe(), "string \"yes\"");
    }

    #[test]
    fn flow_style_and_json_positions() {
        let root = parsed("{namespace: app, entries: [{name: a, kind: k}, {name: b}]}");
        assert_eq!(at(&root, &["entries", "1", "name"]).pos, pos(1, 55));
        let json = "{\n\t\"namespace\": \"app\",\n\t\"entries\": [\n\t\t{\"name\": \"a\", \"kind\": 5}\n\t]\n}\n";
        let root = parsed(json);
        assert_eq!(at(&root, &["entries", "0", "kind"]).pos, pos(4, 25));
        assert_eq!(at(&root, &["entries", "0", "kind"]).describe(), "integer 5");
    }

    #[test]
    fn scalar_types_follow_yaml_core_schema() {
        let root = parsed(
            "a: yes\nb: true\nc: 3\nd: -4\ne: 1.5\nf: ~\ng:\nh: '3'\ni: 99999999999999999999999\n",
        );
        let described: Vec<String> = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .map(|key| at(&root, &[key]).describe())
            .collect();
        assert_eq!(
            described,
            [
                "string \"yes\"",
                "boolean true",
                "integer 3",
                "integer -4",
                "float 1.5",
                "null",
                "null",
                "string \"3\"",
                "float 1e23",
            ]
        );
    }

    #[test]
    fn long_strings_are_shortened_in_descriptions() {
        let root = parsed(&format!("a: {}\n", "x".repeat(100)));
        assert_eq!(
            at(&root, &["a"]).describe(),
            format!("string \"{}...\"", "x".repeat(57))
        );
    }

    #[test]
    fn empty_collections_take_the_position_of_their_key() {
        let root = parsed("a: 1\nlifecycle: {}\nlist: []\n");
        assert_eq!(at(&root, &["lifecycle"]).pos, pos(2, 1));
        assert_eq!(at(&root, &["list"]).pos, pos(3, 1));
    }

    #[test]
    fn empty_document_is_null() {
        assert!(parsed("").is_null());
        assert!(parsed("# only a comment\n").is_null());
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let problem = parse("namespace: app\nentries:\n  - name: a\n   kind: b\n").unwrap_err();
        assert_eq!(problem.pos.line, 4);
        assert!(problem.message.starts_with("invalid YAML: "), "{problem:?}");
        assert!(!problem.message.contains("at line 4"), "{problem:?}");
        let problem = parse("a: [1, 2\n").unwrap_err();
        assert_eq!(problem.pos.line, 2);
    }

    #[test]
    fn tags_are_rejected_at_their_node() {
        let problem = parse("a: 1\nb: !custom x\n").unwrap_err();
        assert_eq!(problem.pos, pos(2, 4));
        assert!(
            problem.message.contains("unsupported YAML tag !custom"),
            "{problem:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_at_the_second_key() {
        let problem = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(problem, Problem::new(pos(3, 1), "duplicate key 'a'"));
    }

    #[test]
    fn aliases_and_merge_keys_resolve() {
        let root = parsed(
            "defaults: &d\n  auto_start: true\n  stop_timeout: 5s\nx:\n  <<: *d\n  stop_timeout: 1s\ny: *d\nz: [*d]\n",
        );
        assert_eq!(
            at(&root, &["x", "auto_start"]).to_value(),
            Value::Bool(true)
        );
        assert_eq!(at(&root, &["x", "stop_timeout"]).as_str(), Some("1s"));
        assert_eq!(at(&root, &["y", "stop_timeout"]).as_str(), Some("5s"));
        assert_eq!(
            at(&root, &["z", "0", "auto_start"]).to_value(),
            Value::Bool(true)
        );
        let problem = parse("x:\n  <<: 5\n").unwrap_err();
        assert_eq!(problem.pos, pos(2, 7));
    }

    #[test]
    fn alias_to_scalar_keeps_parser_in_step() {
        let root = parsed("a: &v hello\nb: *v\nc: after\n");
        assert_eq!(at(&root, &["b"]).as_str(), Some("hello"));
        assert_eq!(at(&root, &["c"]).pos, pos(3, 4));
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).is_err());
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        assert!(parse(laughs).is_err());
        assert!(parse("a: *missing\n").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert!(parse("hello\n---\nworld\n").is_err());
        assert!(parse("? [a, b]\n: c\n").is_ok());
        assert!(parse("\u{feff}a: 1\n").is_ok());
    }
}
