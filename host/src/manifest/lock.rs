//! `wippy.lock`: where the source root is (manifest.md §5).

use super::fields::Section;
use super::yaml::{self, Content, Pos, Problem};
use super::LoadError;
use anyhow::Context;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

/// File name of the lock, looked up in the project directory only.
pub const LOCK_FILE: &str = "wippy.lock";

/// Source directory used when the lock names none.
pub(crate) const DEFAULT_SRC_DIR: &str = "./src";

/// The parts of the lock the loader uses.
#[derive(Debug)]
pub(crate) struct Lock {
    /// `directories.src` as written.
    pub src_dir: String,
    /// Where `directories.src` (or what stands for it) is, for errors about the directory.
    pub src_pos: Pos,
}

/// Reads `dir/wippy.lock`; `None` when there is no lock file.
pub(crate) fn read(dir: &Path) -> Result<Option<Lock>, LoadError> {
    let shown = Path::new(LOCK_FILE);
    let text = match fs::read_to_string(dir.join(LOCK_FILE)) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            let problem = Problem::new(Pos::START, format!("cannot read the lock file: {err}"));
            return Err(LoadError::at(shown, problem));
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|problem| LoadError::at(shown, problem))
}

/// Decodes the lock's text.
fn parse(text: &str) -> Result<Lock, Problem> {
    let root = yaml::parse(text)?;
    let pairs = match &root.content {
        Content::Mapping(pairs) => pairs.as_slice(),
        Content::Null => &[],
        _ => {
            return Err(Problem::new(
                root.pos,
                format!(
                    "expected a mapping with 'directories', found {}",
                    root.describe()
                ),
            ))
        }
    };
    let directories = Section::new("", root.pos, pairs).section("directories")?;
    if let Some(modules) = directories.get("modules") {
        modules.string()?;
    }
    match directories.get("src") {
        Some(src) => Ok(Lock {
            src_dir: src.non_empty_string()?.to_owned(),
            src_pos: src.node.pos,
        }),
        None => Ok(Lock {
            src_dir: DEFAULT_SRC_DIR.to_owned(),
            src_pos: directories.pos(),
        }),
    }
}

/// Writes a new lock for `wippy-wasm init`; refuses to replace an existing one.
pub fn write_lock(path: &Path, src_dir: &str, modules_dir: &str) -> anyhow::Result<()> {
    let mut directories = serde_yaml::Mapping::new();
    directories.insert("modules".into(), modules_dir.into());
    directories.insert("src".into(), src_dir.into());
    let mut lock = serde_yaml::Mapping::new();
    lock.insert("directories".into(), directories.into());
    let text = serde_yaml::to_string(&lock)?;
    let mut file = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::AlreadyExists => {
            anyhow::bail!("{} already exists; not overwriting it", path.display())
        }
        Err(err) => return Err(err).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_src_with_default() {
        let lock = parse("directories:\n  modules: .wippy\n  src: ./app\n").unwrap();
        assert_eq!(lock.src_dir, "./app");
        assert_eq!(lock.src_pos, Pos { line: 3, column: 8 });
        assert_eq!(parse("").unwrap().src_dir, "./src");
        assert_eq!(
            parse("directories:\n  modules: .wippy\n").unwrap().src_dir,
            "./src"
        );
    }

    #[test]
    fn rejects_wrong_types() {
        assert_eq!(
            parse("directories:\n  src: 5\n").unwrap_err().message,
            "directories.src: expected a non-empty string, found integer 5"
        );
        assert_eq!(
            parse("directories: [src]\n").unwrap_err().message,
            "directories: expected a mapping, found a list"
        );
        assert!(parse("- a\n").is_err());
    }

    #[test]
    fn write_lock_round_trips_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        write_lock(&path, "./src", ".wippy").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, "directories:\n  modules: .wippy\n  src: ./src\n");
        assert_eq!(read(dir.path()).unwrap().unwrap().src_dir, "./src");
        let err = write_lock(&path, "./other", ".wippy").unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn missing_lock_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
    }
}
