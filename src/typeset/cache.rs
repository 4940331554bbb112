//! Chapter layouts kept between the builds of `quire watch`: a chapter whose
//! tree, chapter label and surroundings (settings, fonts, images, file list,
//! language) are unchanged is not laid out again. Only its pages are kept;
//! folios, running heads, the contents and cross-references are made afresh
//! by every build, since an edit elsewhere moves them.
//!
//! A chapter laid out for the cache starts a new record of what its glyphs
//! stand for ([`super::shape::Shaper::new_record`]), so that its
//! [`GlyphTexts`] are complete on their own; the output is then the same,
//! byte for byte, as a build without the cache.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::pages::BodyPage;
use super::shape::GlyphTexts;
use super::{Report, Settings};
use crate::doc::{Book, Chapter};
use crate::typeset::fonts::Fonts;

/// A laid-out chapter: its body pages, its report, its glyphs' texts.
pub(super) type Laid = (Vec<BodyPage>, Report, GlyphTexts);

/// Chapter layouts by [`key`], from the last build.
#[derive(Default)]
pub struct ChapterCache {
    map: Mutex<HashMap<u64, Arc<Laid>>>,
    /// Chapters taken from the cache by the last build.
    reused: AtomicUsize,
}

impl std::fmt::Debug for ChapterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.map.lock().map_or(0, |m| m.len());
        write!(f, "ChapterCache({len} chapters)")
    }
}

impl ChapterCache {
    /// An empty cache.
    pub fn new() -> ChapterCache {
        ChapterCache::default()
    }

    /// How many chapters the last build took from the cache.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// The layout kept under `key`.
    pub(super) fn get(&self, key: u64) -> Option<Arc<Laid>> {
        let hit = self.map.lock().ok()?.get(&key).cloned();
        if hit.is_some() {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Starts a build's count of reused chapters.
    pub(super) fn start(&self) {
        self.reused.store(0, Ordering::Relaxed);
    }

    /// Keeps `laid` (this build's chapters) in place of what was kept.
    pub(super) fn replace(&self, laid: HashMap<u64, Arc<Laid>>) {
        if let Ok(mut map) = self.map.lock() {
            *map = laid;
        }
    }
}

/// Feeds formatted text to a hasher, without building the string.
struct HashWriter<'a>(&'a mut DefaultHasher);

impl std::fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// What every chapter's layout depends on besides the chapter itself.
pub(super) fn context(
    book: &Book,
    settings: &Settings,
    fonts: &Fonts,
    images: &crate::images::Images,
) -> u64 {
    let mut h = DefaultHasher::new();
    let _ = write!(HashWriter(&mut h), "{settings:?}");
    book.meta.language.hash(&mut h);
    book.files.hash(&mut h);
    for face in &fonts.faces {
        (
            &face.name,
            &face.postscript_name,
            face.index,
            face.bytes().len(),
        )
            .hash(&mut h);
    }
    for (src, image) in images {
        (src, image.width, image.height, image.bytes.len()).hash(&mut h);
    }
    h.finish()
}

/// The cache key of `chapter`, set with `label`, in `context`.
pub(super) fn key(chapter: &Chapter, label: Option<&str>, context: u64) -> u64 {
    let mut h = DefaultHasher::new();
    context.hash(&mut h);
    label.hash(&mut h);
    let _ = write!(HashWriter(&mut h), "{chapter:?}");
    h.finish()
}
