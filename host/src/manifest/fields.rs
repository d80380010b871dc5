//! Typed reads of manifest fields, with messages that name the field and say
//! what was expected and what was found.
//!
//! A `null` or empty value counts as absent, as it does for Go's decoder upstream.

use super::yaml::{Content, Node, Pos, Problem};
use crate::duration::parse_std_duration;
use std::time::Duration;

/// A mapping being decoded, named by its dotted path for messages.
pub(crate) struct Section<'a> {
    path: String,
    pos: Pos,
    pairs: &'a [(Node, Node)],
}

/// One present (non-null) field value and its dotted path.
#[derive(Debug)]
pub(crate) struct Field<'a> {
    /// Dotted path for messages, e.g. `lifecycle.requires[1]`.
    pub path: String,
    /// The value.
    pub node: &'a Node,
}

impl<'a> Section<'a> {
    /// A section over known pairs; `pos` is where a missing field is reported.
    pub fn new(path: &str, pos: Pos, pairs: &'a [(Node, Node)]) -> Section<'a> {
        Section {
            path: path.to_owned(),
            pos,
            pairs,
        }
    }

    /// Where problems about this section as a whole are reported.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// The field under `key`, unless it is absent or null.
    pub fn get(&self, key: &str) -> Option<Field<'a>> {
        self.pairs
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, node)| node)
            .filter(|node| !node.is_null())
            .map(|node| Field {
                path: self.child_path(key),
                node,
            })
    }

    /// The nested mapping under `key`; absent or null gives an empty section here.
    pub fn section(&self, key: &str) -> Result<Section<'a>, Problem> {
        match self.get(key) {
            None => Ok(Section::new(&self.child_path(key), self.pos, &[])),
            Some(field) => field.section(),
        }
    }

    /// A boolean field, `default` when absent.
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, Problem> {
        self.get(key).map_or(Ok(default), |field| field.bool())
    }

    /// A duration field; absent or zero gives `default`.
    pub fn duration_or(&self, key: &str, default: Duration) -> Result<Duration, Problem> {
        let value = self.get(key).map_or(Ok(Duration::ZERO), |f| f.duration())?;
        Ok(if value.is_zero() { default } else { value })
    }

    /// A non-negative integer field; absent or zero gives `default`.
    pub fn count_or(&self, key: &str, default: u64) -> Result<u64, Problem> {
        let value = self.get(key).map_or(Ok(0), |field| field.count())?;
        Ok(if value == 0 { default } else { value })
    }

    /// A list field as its items; absent gives no items.
    pub fn list(&self, key: &str) -> Result<Vec<Field<'a>>, Problem> {
        self.get(key).map_or(Ok(Vec::new()), |field| field.items())
    }

    /// The dotted path of a child key.
    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'a> Field<'a> {
    /// "`path`: expected `expected`, found `what the node is`", at the node.
    pub fn mismatch(&self, expected: &str) -> Problem {
        self.problem(format!(
            "expected {expected}, found {}",
            self.node.describe()
        ))
    }

    /// A problem with this field: its path, then `detail`, at the node.
    pub fn problem(&self, detail: impl std::fmt::Display) -> Problem {
        Problem::new(self.node.pos, format!("{}: {detail}", self.path))
    }

    /// The value as a mapping section.
    pub fn section(&self) -> Result<Section<'a>, Problem> {
        match &self.node.content {
            Content::Mapping(pairs) => Ok(Section::new(&self.path, self.node.pos, pairs)),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    /// The value as a string.
    pub fn string(&self) -> Result<&'a str, Problem> {
        self.node.as_str().ok_or_else(|| self.mismatch("a string"))
    }

    /// The value as a non-empty string.
    pub fn non_empty_string(&self) -> Result<&'a str, Problem> {
        match self.node.as_str() {
            Some(text) if !text.is_empty() => Ok(text),
            _ => Err(self.mismatch("a non-empty string")),
        }
    }

    /// The value as a boolean (`true`/`false` only; `yes`/`no` are strings in YAML 1.2).
    pub fn bool(&self) -> Result<bool, Problem> {
        match self.node.content {
            Content::Bool(value) => Ok(value),
            _ => Err(self.mismatch("a boolean")),
        }
    }

    /// The value as a non-negative integer.
    pub fn count(&self) -> Result<u64, Problem> {
        match &self.node.content {
            Content::Number(number) => number.as_u64(),
            _ => None,
        }
        .ok_or_else(|| self.mismatch("a non-negative integer"))
    }

    /// The value as a finite number (integers allowed).
    pub fn number(&self) -> Result<f64, Problem> {
        match &self.node.content {
            Content::Number(number) => number.as_f64().filter(|value| value.is_finite()),
            _ => None,
        }
        .ok_or_else(|| self.mismatch("a number"))
    }

    /// The value as a duration: a Go duration string or integer nanoseconds.
    pub fn duration(&self) -> Result<Duration, Problem> {
        match &self.node.content {
            Content::String(text) => parse_std_duration(text).map_err(|err| self.problem(err)),
            Content::Number(number) => number
                .as_u64()
                .map(Duration::from_nanos)
                .ok_or_else(|| self.mismatch(DURATION_EXPECTED)),
            _ => Err(self.mismatch(DURATION_EXPECTED)),
        }
    }

    /// The value as a list, each item a field named `path[index]`.
    pub fn items(&self) -> Result<Vec<Field<'a>>, Problem> {
        match &self.node.content {
            Content::Sequence(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(index, node)| Field {
                    path: format!("{}[{index}]", self.path),
                    node,
                })
                .collect()),
            _ => Err(self.mismatch("a list")),
        }
    }
}

/// What a duration field accepts, for messages.
const DURATION_EXPECTED: &str =
    "a duration such as \"10s\" or a non-negative integer of nanoseconds";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::yaml::parse;

    fn with_section<T>(text: &str, check: impl FnOnce(Section) -> T) -> T {
        let root = parse(text).expect("valid YAML");
        match &root.content {
            Content::Mapping(pairs) => check(Section::new("", root.pos, pairs)),
            _ => panic!("not a mapping"),
        }
    }

    #[test]
    fn absent_and_null_fields_take_defaults() {
        with_section("a: 1\nb:\nc: ~\n", |section| {
            assert!(section.bool_or("b", true).unwrap());
            assert_eq!(
                section.duration_or("c", Duration::from_secs(10)).unwrap(),
                Duration::from_secs(10)
            );
            assert_eq!(section.count_or("zz", 7).unwrap(), 7);
            assert!(section.list("b").unwrap().is_empty());
        });
    }

    #[test]
    fn zero_means_default() {
        with_section("t: 0\nz: 0s\nn: 0\n", |section| {
            let ten = Duration::from_secs(10);
            assert_eq!(section.duration_or("t", ten).unwrap(), ten);
            assert_eq!(section.duration_or("z", ten).unwrap(), ten);
            assert_eq!(section.count_or("n", 3).unwrap(), 3);
        });
    }

    #[test]
    fn mismatches_name_the_path_expectation_and_value() {
        with_section(
            "lifecycle:\n  auto_start: \"yes\"\n  stop_timeout: 1d\n  requires: x\n",
            |section| {
                let lifecycle = section.section("lifecycle").unwrap();
                let problem = lifecycle.bool_or("auto_start", false).unwrap_err();
                assert_eq!(
                    problem,
                    Problem::new(
                        Pos {
                            line: 2,
                            column: 15
                        },
                        "lifecycle.auto_start: expected a boolean, found string \"yes\""
                    )
                );
                let problem = lifecycle
                    .duration_or("stop_timeout", Duration::ZERO)
                    .unwrap_err();
                assert_eq!(
                    problem.message,
                    "lifecycle.stop_timeout: time: unknown unit \"d\" in duration \"1d\""
                );
                assert_eq!(
                    problem.pos,
                    Pos {
                        line: 3,
                        column: 17
                    }
                );
                let problem = lifecycle.list("requires").unwrap_err();
                assert_eq!(
                    problem.message,
                    "lifecycle.requires: expected a list, found string \"x\""
                );
            },
        );
    }

    #[test]
    fn durations_accept_integer_nanoseconds_only() {
        with_section("a: 1500\nb: -5\nc: 1.5\nd: -1s\n", |section| {
            assert_eq!(
                section.duration_or("a", Duration::ZERO).unwrap(),
                Duration::from_nanos(1500)
            );
            assert!(section.duration_or("b", Duration::ZERO).is_err());
            assert!(section.duration_or("c", Duration::ZERO).is_err());
            assert_eq!(
                section
                    .duration_or("d", Duration::ZERO)
                    .unwrap_err()
                    .message,
                "d: negative duration \"-1s\""
            );
        });
    }

    #[test]
    fn list_items_are_named_by_index() {
        with_section("modules: [time, 5]\n", |section| {
            let items = section.list("modules").unwrap();
            assert_eq!(
                items[1].string().unwrap_err(),
                Problem::new(
                    Pos {
                        line: 1,
                        column: 17
                    },
                    "modules[1]: expected a string, found integer 5"
                )
            );
        });
    }
}
