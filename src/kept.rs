//! What `quire watch` keeps from one build to the next: results by a 64-bit
//! key of everything they were made from. A build takes what it finds
//! ([`Kept::get`]) and leaves what it made ([`Kept::replace`]), so what an
//! edit made stale is dropped with the next build.
//!
//! The stages say what they keep and how they key it: chapter layouts in
//! [`crate::typeset::cache`], compressed PDF pages in `pdf::content`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Results of the last build, by key.
pub struct Kept<T> {
    map: Mutex<HashMap<u64, Arc<T>>>,
    /// How many the current (or last) build took.
    reused: AtomicUsize,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            map: Mutex::new(HashMap::new()),
            reused: AtomicUsize::new(0),
        }
    }
}

impl<T> std::fmt::Debug for Kept<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.map.lock().map_or(0, |m| m.len());
        write!(f, "Kept({len} results)")
    }
}

impl<T> Kept<T> {
    /// How many results the last build took from here.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// Starts a build's count of reused results.
    pub fn start(&self) {
        self.reused.store(0, Ordering::Relaxed);
    }

    /// The result kept under `key`.
    pub fn get(&self, key: u64) -> Option<Arc<T>> {
        let hit = self.map.lock().ok()?.get(&key).cloned();
        if hit.is_some() {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Keeps `made` (this build's results) in place of what was kept.
    pub fn replace(&self, made: HashMap<u64, Arc<T>>) {
        if let Ok(mut map) = self.map.lock() {
            *map = made;
        }
    }
}

/// A fast 64-bit hash for keys (and the PDF's file ID): the multiply–rotate
/// step of rustc's FxHash over 8-byte words, then MurmurHash3's 64-bit
/// finaliser (Appleby) so that every input bit reaches every output bit.
/// Not for untrusted keys in a shared table; enough to tell one build's
/// inputs from another's.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mix(pub u64);

impl Mix {
    /// Mixes in one word.
    pub fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.add(u64::from_le_bytes(w));
        }
        let rest = words.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // the length, so that trailing zero bytes still count
        self.add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// What `quire watch` keeps.
#[derive(Debug, Default)]
pub struct WatchCache {
    /// Chapter layouts.
    pub chapters: crate::typeset::ChapterCache,
    /// Compressed PDF content streams.
    pub pages: crate::pdf::StreamCache,
    /// Compressed EPUB entries (chapters, fonts, images).
    pub entries: crate::epub::EntryCache,
    /// The EPUB's font subsets.
    pub fonts: crate::epub::FontCache,
}
