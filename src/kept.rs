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

/// What `quire watch` keeps.
#[derive(Debug, Default)]
pub struct WatchCache {
    /// Chapter layouts.
    pub chapters: crate::typeset::ChapterCache,
    /// Compressed PDF content streams.
    pub pages: crate::pdf::StreamCache,
}
