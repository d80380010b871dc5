//! Compiled chunks, one per entry: the host side of `process.chunk-compiled` and
//! `start-info.compiled` (`guest/src/chunk.rs` says why).
//!
//! The first process of an entry hands its chunk over right after compiling it and
//! before any of its Lua code has run, so what later processes of the entry load is
//! what the compiler made of the manifest's source, not something process code
//! could have shaped. The guest checks the bytes as it decodes them and compiles
//! the source instead when they do not decode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Largest compiled chunk kept; a larger one is compiled by every process of its
/// entry (a chunk compiles to a few times the size of its source).
const MAX_CHUNK_BYTES: usize = 4 << 20;

/// The compiled chunk of every entry that has started a process.
#[derive(Default)]
pub struct CompiledChunks {
    chunks: Mutex<HashMap<String, Arc<[u8]>>>,
}

impl CompiledChunks {
    /// Keeps `chunk` for `entry` unless it already has one or it is too large;
    /// whether it was kept.
    pub fn offer(&self, entry: &str, chunk: Vec<u8>) -> bool {
        if chunk.len() > MAX_CHUNK_BYTES {
            return false;
        }
        let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        if chunks.contains_key(entry) {
            return false;
        }
        chunks.insert(entry.to_string(), chunk.into());
        true
    }

    /// The compiled chunk of `entry`, if a process of it has compiled one.
    pub fn get(&self, entry: &str) -> Option<Vec<u8>> {
        let chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        chunks.get(entry).map(|chunk| chunk.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_chunk_of_an_entry_is_kept_and_oversized_ones_are_not() {
        let chunks = CompiledChunks::default();
        assert_eq!(chunks.get("app:a"), None);
        assert!(chunks.offer("app:a", vec![1, 2]));
        assert!(!chunks.offer("app:a", vec![3]));
        assert!(!chunks.offer("app:b", vec![0; MAX_CHUNK_BYTES + 1]));
        assert_eq!(chunks.get("app:a"), Some(vec![1, 2]));
        assert_eq!(chunks.get("app:b"), None);
    }
}
