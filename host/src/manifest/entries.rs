//! Definition files: namespace, file meta, the `entries` list or a single
//! top-level entry, entry data and `file://` interpolation (manifest.md §2).

use super::fields::{Field, Section};
use super::graph;
use super::kinds::{self, EntryContext, Reference};
use super::source::{ReferencedFile, SourceRoot};
use super::yaml::{self, pairs_to_mapping, Content, Node, Problem};
use super::{Entry, LoadError, Origin};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Keys of an entry that are not its data.
const ENTRY_KEYS: &[&str] = &["name", "kind", "meta", "data"];

/// Keys of a single-entry file that are neither entry keys nor data.
const FILE_KEYS: &[&str] = &["namespace", "version"];

/// Entries collected so far, with the references to check once all files are in.
#[derive(Default)]
pub(crate) struct Registry {
    entries: BTreeMap<String, Entry>,
    references: BTreeMap<String, Vec<Reference>>,
}

impl Registry {
    /// Loads one definition file; its entries replace earlier ones with the same ID.
    pub fn load_file(&mut self, root: &SourceRoot, relative: &Path) -> Result<(), LoadError> {
        let shown = root.shown(relative);
        let file = DefinitionFile {
            root,
            relative,
            shown: &shown,
        };
        let decoded = file
            .decode()
            .map_err(|problem| LoadError::at(&shown, problem))?;
        for (entry, references) in decoded {
            self.references.insert(entry.id.clone(), references);
            self.entries.insert(entry.id.clone(), entry);
        }
        Ok(())
    }

    /// Checks references between entries and dependency cycles; returns the entries.
    pub fn finish(self) -> Result<BTreeMap<String, Entry>, LoadError> {
        graph::check(&self.entries, &self.references)?;
        Ok(self.entries)
    }
}

/// One definition file being decoded.
struct DefinitionFile<'a> {
    root: &'a SourceRoot,
    /// Path relative to the source root (base of `file://` references).
    relative: &'a Path,
    /// Project-relative path for origins.
    shown: &'a Path,
}

/// Entry data after `file://` interpolation.
struct EntryData {
    pairs: Vec<(Node, Node)>,
    /// Project-relative path of the file `source` referenced, if it did.
    source_path: Option<PathBuf>,
}

/// How a file lays out its entries.
enum Layout<'a> {
    /// `entries:` list.
    List(&'a [Node]),
    /// `name` + `kind` (+ data) at top level.
    Single(&'a Node),
}

impl DefinitionFile<'_> {
    /// Every entry the file defines; a file without a namespace defines none.
    fn decode(&self) -> Result<Vec<(Entry, Vec<Reference>)>, Problem> {
        let text = self.root.read_definition(self.relative)?;
        let document = yaml::parse(&text)?;
        let Content::Mapping(pairs) = &document.content else {
            return Ok(Vec::new());
        };
        let top = Section::new("", document.pos, pairs);
        let Some((namespace_field, namespace)) = namespace(&top)? else {
            return Ok(Vec::new());
        };
        if let Some(version) = top.get("version") {
            if !matches!(
                version.node.content,
                Content::String(_) | Content::Number(_)
            ) {
                return Err(version.mismatch("a version string"));
            }
        }
        let file_meta = mapping_pairs(top.get("meta"))?;
        match layout(&document, &namespace_field, namespace)? {
            Layout::List(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let label = format!("entry {}", index + 1);
                    self.decode_entry(&label, item, namespace, &file_meta, ENTRY_KEYS)
                })
                .collect(),
            Layout::Single(node) => {
                let excluded = [ENTRY_KEYS, FILE_KEYS].concat();
                let entry = self.decode_entry("entry", node, namespace, &file_meta, &excluded)?;
                Ok(vec![entry])
            }
        }
    }

    /// Decodes one entry mapping; `excluded` keys are not part of its data.
    fn decode_entry(
        &self,
        label: &str,
        node: &Node,
        namespace: &str,
        file_meta: &[(Node, Node)],
        excluded: &[&str],
    ) -> Result<(Entry, Vec<Reference>), Problem> {
        let Content::Mapping(pairs) = &node.content else {
            return Err(Problem::new(
                node.pos,
                format!(
                    "{label}: expected a mapping with 'name' and 'kind', found {}",
                    node.describe()
                ),
            ));
        };
        let fields = Section::new("", node.pos, pairs);
        let name = required_text(&fields, "name", label)?;
        let kind = required_text(&fields, "kind", label)?;
        let meta = merge_meta(file_meta, &mapping_pairs(fields.get("meta"))?);
        let (data_pos, raw_data) = match node.get("data") {
            Some(data) => (data.pos, mapping_pairs(fields.get("data"))?),
            None => (node.pos, data_pairs(pairs, excluded)),
        };
        let data = self.interpolate_data(&raw_data)?;
        let context = EntryContext {
            namespace,
            source_path: data.source_path,
        };
        let (kind, references) = kinds::decode(
            kind,
            &Section::new("", data_pos, &data.pairs),
            &Section::new("meta", node.pos, &meta),
            context,
        )?;
        let entry = Entry {
            id: format!("{namespace}:{name}"),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            kind,
            meta: pairs_to_mapping(&meta),
            origin: Origin {
                file: self.shown.to_path_buf(),
                line: node.pos.line,
                column: node.pos.column,
            },
        };
        Ok((entry, references))
    }

    /// Replaces `file://` strings in entry data; also returns where `source` came from.
    fn interpolate_data(&self, pairs: &[(Node, Node)]) -> Result<EntryData, Problem> {
        let mut source_path = None;
        let mut interpolated = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let value = match self.referenced_file(value)? {
                Some(file) => {
                    if key.as_str() == Some("source") {
                        source_path = Some(file.shown);
                    }
                    replaced(value, file.text)
                }
                None => self.interpolate(value)?,
            };
            interpolated.push((key.clone(), value));
        }
        Ok(EntryData {
            pairs: interpolated,
            source_path,
        })
    }

    /// Replaces `file://` strings anywhere inside a value (map keys are left alone).
    fn interpolate(&self, node: &Node) -> Result<Node, Problem> {
        let content = match &node.content {
            Content::String(_) => match self.referenced_file(node)? {
                Some(file) => Content::String(file.text),
                None => return Ok(node.clone()),
            },
            Content::Sequence(items) => Content::Sequence(
                items
                    .iter()
                    .map(|item| self.interpolate(item))
                    .collect::<Result<_, _>>()?,
            ),
            Content::Mapping(pairs) => Content::Mapping(
                pairs
                    .iter()
                    .map(|(key, value)| Ok((key.clone(), self.interpolate(value)?)))
                    .collect::<Result<_, Problem>>()?,
            ),
            _ => return Ok(node.clone()),
        };
        Ok(Node {
            pos: node.pos,
            content,
        })
    }

    /// The file a string node references, read; `None` for anything else.
    fn referenced_file(&self, node: &Node) -> Result<Option<ReferencedFile>, Problem> {
        let Some(text) = node.as_str() else {
            return Ok(None);
        };
        self.root
            .read_reference(self.relative, text)
            .transpose()
            .map_err(|message| Problem::new(node.pos, message))
    }
}

/// The file's `namespace` field and its text; `None` (not a definition file) when
/// absent or empty.
fn namespace<'a>(top: &Section<'a>) -> Result<Option<(Field<'a>, &'a str)>, Problem> {
    let Some(field) = top.get("namespace") else {
        return Ok(None);
    };
    let namespace = field.string()?;
    if namespace.contains(':') {
        return Err(field.problem("must not contain ':' (it separates namespace and name in IDs)"));
    }
    Ok((!namespace.is_empty()).then_some((field, namespace)))
}

/// Decides between an `entries` list and a single top-level entry.
fn layout<'a>(document: &'a Node, namespace: &Field, name: &str) -> Result<Layout<'a>, Problem> {
    let top_level_entry = document.get("name").or_else(|| document.get("kind"));
    match (document.get("entries"), top_level_entry) {
        (Some(_), Some(stray)) => Err(Problem::new(
            stray.pos,
            "a file with an 'entries' list cannot also have a top-level 'name' or 'kind'",
        )),
        (Some(entries), None) => match &entries.content {
            Content::Sequence(items) => Ok(Layout::List(items)),
            _ => Err(Problem::new(
                entries.pos,
                format!(
                    "entries: expected a list of entries, found {}",
                    entries.describe()
                ),
            )),
        },
        (None, Some(_)) => Ok(Layout::Single(document)),
        (None, None) => Err(Problem::new(
            namespace.node.pos,
            format!(
                "namespace '{name}' is set but the file has neither an 'entries' list \
                 nor a top-level 'name' and 'kind'"
            ),
        )),
    }
}

/// A required non-empty string field of an entry.
fn required_text<'a>(fields: &Section<'a>, key: &str, label: &str) -> Result<&'a str, Problem> {
    match fields.get(key) {
        Some(field) => field.non_empty_string(),
        None => Err(Problem::new(
            fields.pos(),
            format!("{label} has no '{key}' (expected a non-empty string)"),
        )),
    }
}

/// The pairs of an optional mapping field (`meta`, `data`); absent gives none.
fn mapping_pairs(field: Option<Field>) -> Result<Vec<(Node, Node)>, Problem> {
    let Some(field) = field else {
        return Ok(Vec::new());
    };
    match &field.node.content {
        Content::Mapping(pairs) => Ok(pairs.clone()),
        _ => Err(field.mismatch("a mapping")),
    }
}

/// File meta overlaid with the entry's meta (entry keys win, file order kept).
fn merge_meta(file_meta: &[(Node, Node)], entry_meta: &[(Node, Node)]) -> Vec<(Node, Node)> {
    let mut merged = file_meta.to_vec();
    for (key, value) in entry_meta {
        let key_value = key.to_value();
        match merged.iter_mut().find(|(k, _)| k.to_value() == key_value) {
            Some(slot) => slot.1 = value.clone(),
            None => merged.push((key.clone(), value.clone())),
        }
    }
    merged
}

/// The entry's own keys minus the non-data ones.
fn data_pairs(pairs: &[(Node, Node)], excluded: &[&str]) -> Vec<(Node, Node)> {
    pairs
        .iter()
        .filter(|(key, _)| !key.as_str().is_some_and(|key| excluded.contains(&key)))
        .cloned()
        .collect()
}

/// A string node with new text at the same position.
fn replaced(node: &Node, text: String) -> Node {
    Node {
        pos: node.pos,
        content: Content::String(text),
    }
}
