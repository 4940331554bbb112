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

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::pages::BodyPage;
use super::shape::GlyphTexts;
use super::{Report, Settings};
use crate::doc::{Book, Chapter};
use crate::typeset::fonts::Fonts;

/// A laid-out chapter: its body pages, its report, its glyphs' texts.
pub type Laid = (Vec<BodyPage>, Report, GlyphTexts);

/// Chapter layouts by [`key`], from the last build.
pub type ChapterCache = crate::kept::Kept<Laid>;

/// Feeds formatted text to a hasher, without building the string.
struct HashWriter<'a, H>(&'a mut H);

impl<H: Hasher> std::fmt::Write for HashWriter<'_, H> {
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
        // the natural size follows the density and an SVG's own size
        let (width, height) = image.natural_size();
        (src, image.width, image.height, image.bytes.len()).hash(&mut h);
        (width.to_bits(), height.to_bits()).hash(&mut h);
    }
    h.finish()
}

/// The cache key of `chapter`, set with `label`, in `context`.
pub(super) fn key(chapter: &Chapter, label: Option<&str>, context: u64) -> u64 {
    let mut h = crate::kept::Mix::default();
    context.hash(&mut h);
    label.hash(&mut h);
    let _ = write!(HashWriter(&mut h), "{chapter:?}");
    h.finish()
}
