//! Compiled chunks, one per entry: the host side of `process.chunk-compiled` and
//! `start-info.compiled` (`guest/src/chunk.rs` says why).
//!
//! The first process of an entry hands its chunk over right after compiling it and
//! before any of its Lua code has run, so what later processes of the entry load is
//! what the compiler made of the manifest's source, not something process code
//! could have shaped. Only that first offer counts, kept or not: a later one could
//! come from a guest that Lua code has taken over. The guest checks the bytes as
//! it decodes them and compiles the source instead when they do not decode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Largest compiled chunk kept; a larger one is compiled by every process of its
/// entry (a chunk compiles to a few times the size of its source).
const MAX_CHUNK_BYTES: usize = 4 << 20;

/// The compiled chunk of every entry that has started a process; `None` for an
/// entry whose first offer was too large.
#[derive(Default)]
pub struct CompiledChunks {
    chunks: Mutex<HashMap<String, Option<Arc<[u8]>>>>,
}

impl CompiledChunks {
    /// Keeps `chunk` for `entry` if it is the entry's first offer and not too
    /// large; whether it was kept.
    pub fn offer(&self, entry: &str, chunk: Vec<u8>) -> bool {
        let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        if chunks.contains_key(entry) {
            return false;
        }
        let kept = (chunk.len() <= MAX_CHUNK_BYTES).then(|| Arc::from(chunk));
        let is_kept = kept.is_some();
        chunks.insert(entry.to_string(), kept);
        is_kept
    }

    /// The compiled chunk of `entry`, if a process of it has compiled one.
    pub fn get(&self, entry: &str) -> Option<Vec<u8>> {
        let chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        chunks.get(entry)?.as_ref().map(|chunk| chunk.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_offer_of_an_entry_counts_and_oversized_ones_are_not_kept() {
        let chunks = CompiledChunks::default();
        assert_eq!(chunks.get("app:a"), None);
        assert!(chunks.offer("app:a", vec![1, 2]));
        assert!(!chunks.offer("app:a", vec![3]));
        assert!(!chunks.offer("app:b", vec![0; MAX_CHUNK_BYTES + 1]));
        // A later, smaller offer may come from a guest taken over by Lua code.
        assert!(!chunks.offer("app:b", vec![4]));
        assert_eq!(chunks.get("app:a"), Some(vec![1, 2]));
        assert_eq!(chunks.get("app:b"), None);
    }
}
