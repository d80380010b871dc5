//! The source root: finding definition files and resolving `file://` references
//! without ever reading outside the root (manifest.md §1, §2.1).

use super::lock::{Lock, LOCK_FILE};
use super::yaml::{Pos, Problem};
use super::LoadError;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Prefix of a string value that is replaced by a file's text.
const FILE_SCHEME: &str = "file://";

/// File name endings of definition files.
const DEFINITION_SUFFIXES: [&[u8]; 3] = [b".yaml", b".yml", b".json"];

/// Directories never scanned.
const SKIPPED_DIRECTORY: &str = "node_modules";

/// The scanned directory, known both by its real path and as shown in messages.
pub(crate) struct SourceRoot {
    /// Canonical path; every file read must lie inside it.
    real: PathBuf,
    /// The lock's `directories.src`, lexically normalised (e.g. `src`).
    shown: PathBuf,
}

/// A `file://` reference resolved and read.
pub(crate) struct ReferencedFile {
    /// Project-relative path, e.g. `src/cli.lua`.
    pub shown: PathBuf,
    /// The file's text.
    pub text: String,
}

impl SourceRoot {
    /// Opens the root named by the lock, relative to the project directory.
    pub fn open(dir: &Path, lock: &Lock) -> Result<SourceRoot, LoadError> {
        let problem = |detail: &str| {
            let message = format!(
                "directories.src: source directory {:?} {detail}",
                lock.src_dir
            );
            LoadError::at(Path::new(LOCK_FILE), Problem::new(lock.src_pos, message))
        };
        let real = match fs::canonicalize(dir.join(&lock.src_dir)) {
            Ok(real) => real,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(problem("does not exist"))
            }
            Err(err) => return Err(problem(&format!("cannot be opened: {err}"))),
        };
        if !real.is_dir() {
            return Err(problem("is not a directory"));
        }
        Ok(SourceRoot {
            real,
            shown: normalise(Path::new(&lock.src_dir)),
        })
    }

    /// The canonical path of the root.
    pub fn real_root(&self) -> &Path {
        &self.real
    }

    /// How a path relative to the root is shown in messages (project-relative).
    pub fn shown(&self, relative: &Path) -> PathBuf {
        let shown: PathBuf = self
            .shown
            .components()
            .chain(relative.components())
            .collect();
        if shown.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            shown
        }
    }

    /// Every definition file, relative to the root, in Go `WalkDir` order.
    pub fn definition_files(&self) -> Result<Vec<PathBuf>, LoadError> {
        let mut found = Vec::new();
        self.collect_definitions(Path::new(""), &mut found)?;
        Ok(found)
    }

    /// Reads a definition file (relative to the root) as text.
    pub fn read_definition(&self, relative: &Path) -> Result<String, Problem> {
        self.read_inside(relative)
            .map_err(|detail| Problem::new(Pos::START, detail))
    }

    /// Resolves and reads a `file://` reference found in the file at `from_file`.
    /// `None` when `value` is not a reference; the error text is the whole message.
    pub fn read_reference(
        &self,
        from_file: &Path,
        value: &str,
    ) -> Option<Result<ReferencedFile, String>> {
        let target = value.strip_prefix(FILE_SCHEME)?;
        let base = from_file.parent().unwrap_or(Path::new(""));
        Some(
            self.resolve_reference(base, target)
                .and_then(|relative| {
                    let text = self.read_inside(&relative)?;
                    Ok(ReferencedFile {
                        shown: self.shown(&relative),
                        text,
                    })
                })
                .map_err(|detail| format!("{value}: {detail}")),
        )
    }

    /// The root-relative path a reference names, rejecting any that climbs out of the root.
    /// `file:///x` is relative to the root, `file://x` to the referring file's directory.
    fn resolve_reference(&self, base: &Path, target: &str) -> Result<PathBuf, String> {
        if target.is_empty() {
            return Err("missing path after file://".to_owned());
        }
        let start = if target.starts_with('/') {
            Path::new("")
        } else {
            base
        };
        let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
        for component in start.components().chain(Path::new(target).components()) {
            match component {
                Component::Normal(name) => parts.push(name),
                Component::ParentDir => {
                    parts.pop().ok_or("path escapes the source root")?;
                }
                Component::CurDir | Component::RootDir => {}
                Component::Prefix(_) => return Err("path escapes the source root".to_owned()),
            }
        }
        Ok(parts.iter().collect())
    }

    /// Reads a root-relative file, refusing symlinks that lead outside the root.
    fn read_inside(&self, relative: &Path) -> Result<String, String> {
        let shown = self.shown(relative);
        let real = match fs::canonicalize(self.real.join(relative)) {
            Ok(real) => real,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("file not found ({})", shown.display()))
            }
            Err(err) => return Err(format!("cannot open {}: {err}", shown.display())),
        };
        if !real.starts_with(&self.real) {
            return Err("path escapes the source root".to_owned());
        }
        if !real.is_file() {
            return Err(format!("{} is not a file", shown.display()));
        }
        let bytes =
            fs::read(&real).map_err(|err| format!("cannot read {}: {err}", shown.display()))?;
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", shown.display()))
    }

    /// Depth-first walk of one directory, entries sorted by name like Go's `WalkDir`.
    fn collect_definitions(
        &self,
        relative: &Path,
        found: &mut Vec<PathBuf>,
    ) -> Result<(), LoadError> {
        let unreadable = |err: std::io::Error| {
            let shown = self.shown(relative);
            let problem = Problem::new(Pos::START, format!("cannot read directory: {err}"));
            LoadError::at(&shown, problem)
        };
        let mut children = fs::read_dir(self.real.join(relative))
            .and_then(|listing| listing.collect::<Result<Vec<_>, _>>())
            .map_err(unreadable)?;
        children.sort_by_key(|child| child.file_name());
        for child in children {
            let name = child.file_name();
            let path = relative.join(&name);
            // `file_type` does not follow symlinks: linked directories are skipped as
            // upstream does; linked files are read (and must stay inside the root).
            let file_type = child.file_type().map_err(unreadable)?;
            if file_type.is_dir() {
                if name != SKIPPED_DIRECTORY {
                    self.collect_definitions(&path, found)?;
                }
            } else if is_definition_name(name.as_encoded_bytes())
                && (file_type.is_file() || self.real.join(&path).is_file())
            {
                found.push(path);
            }
        }
        Ok(())
    }
}

/// True for `*.yaml`, `*.yml` and `*.json`.
fn is_definition_name(name: &[u8]) -> bool {
    DEFINITION_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Drops `.` components so `./src` is shown as `src`.
fn normalise(path: &Path) -> PathBuf {
    path.components()
        .filter(|component| *component != Component::CurDir)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(files: &[(&str, &str)]) -> (tempfile::TempDir, SourceRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join("src").join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        }
        let lock = Lock {
            src_dir: "./src".to_owned(),
            src_pos: Pos::START,
        };
        let root = SourceRoot::open(dir.path(), &lock).unwrap();
        (dir, root)
    }

    fn read(root: &SourceRoot, from: &str, value: &str) -> Result<(String, String), String> {
        root.read_reference(Path::new(from), value)
            .expect("a reference")
            .map(|file| (file.shown.display().to_string(), file.text))
    }

    #[test]
    fn walks_in_go_order_skipping_node_modules() {
        let (_dir, root) = root_with(&[
            ("b.yaml", ""),
            ("a/x.yml", ""),
            ("a.yaml", ""),
            ("a/node_modules/p.yaml", ""),
            ("c.json", ""),
            ("notes.txt", ""),
            ("_index.yaml", ""),
        ]);
        let found: Vec<String> = root
            .definition_files()
            .unwrap()
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        assert_eq!(
            found,
            ["_index.yaml", "a/x.yml", "a.yaml", "b.yaml", "c.json"]
        );
    }

    #[test]
    fn resolves_relative_and_root_references() {
        let (_dir, root) = root_with(&[("cli.lua", "top"), ("w/job.lua", "job"), ("w/x.yaml", "")]);
        assert_eq!(
            read(&root, "w/x.yaml", "file://job.lua"),
            Ok(("src/w/job.lua".into(), "job".into()))
        );
        assert_eq!(
            read(&root, "w/x.yaml", "file://../cli.lua"),
            Ok(("src/cli.lua".into(), "top".into()))
        );
        assert_eq!(
            read(&root, "w/x.yaml", "file:///cli.lua"),
            Ok(("src/cli.lua".into(), "top".into()))
        );
        assert_eq!(
            read(&root, "w/x.yaml", "file://./job.lua"),
            Ok(("src/w/job.lua".into(), "job".into()))
        );
        assert!(root
            .read_reference(Path::new("x.yaml"), "inline code")
            .is_none());
    }

    #[test]
    fn rejects_missing_escaping_and_odd_references() {
        let (dir, root) = root_with(&[("_index.yaml", "")]);
        fs::write(dir.path().join("secret.lua"), "s").unwrap();
        assert_eq!(
            read(&root, "_index.yaml", "file://missing.lua"),
            Err("file://missing.lua: file not found (src/missing.lua)".into())
        );
        assert_eq!(
            read(&root, "_index.yaml", "file://../secret.lua"),
            Err("file://../secret.lua: path escapes the source root".into())
        );
        assert_eq!(
            read(&root, "_index.yaml", "file:///../secret.lua"),
            Err("file:///../secret.lua: path escapes the source root".into())
        );
        assert_eq!(
            read(&root, "_index.yaml", "file://"),
            Err("file://: missing path after file://".into())
        );
        assert_eq!(
            read(&root, "_index.yaml", "file://."),
            Err("file://.: src is not a file".into())
        );
    }

    #[cfg(unix)]
    #[test]
    fn rejects_symlinks_out_of_the_root() {
        let (dir, root) = root_with(&[("_index.yaml", "")]);
        fs::write(dir.path().join("secret.lua"), "s").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("secret.lua"),
            dir.path().join("src/link.lua"),
        )
        .unwrap();
        assert_eq!(
            read(&root, "_index.yaml", "file://link.lua"),
            Err("file://link.lua: path escapes the source root".into())
        );
    }

    #[test]
    fn reports_non_utf8_files() {
        let (dir, root) = root_with(&[("_index.yaml", "")]);
        fs::write(dir.path().join("src/bin.lua"), [0xff, 0xfe]).unwrap();
        assert_eq!(
            read(&root, "_index.yaml", "file://bin.lua"),
            Err("file://bin.lua: src/bin.lua is not UTF-8 text".into())
        );
    }

    #[test]
    fn missing_source_directory_names_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock {
            src_dir: "./src".to_owned(),
            src_pos: Pos { line: 3, column: 8 },
        };
        let err = SourceRoot::open(dir.path(), &lock).err().unwrap();
        assert_eq!(
            err.to_string(),
            "wippy.lock:3:8: directories.src: source directory \"./src\" does not exist"
        );
    }
}
