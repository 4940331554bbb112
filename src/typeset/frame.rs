//! The typesetter's output: pages of positioned items. This is all the PDF
//! writer sees. Coordinates are points from the page's top-left corner, y
//! growing downwards (the PDF writer flips them).

use std::sync::Arc;

use super::fonts::FaceId;

/// A length in points, compared with a tolerance.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Pt(pub f64);

impl Pt {
    /// Lengths closer than this are equal (1/1000 pt, far below a device pixel).
    pub const EPSILON: f64 = 1e-3;

    /// `self ≈ other` within [`Pt::EPSILON`].
    pub fn approx_eq(self, other: Pt) -> bool {
        (self.0 - other.0).abs() <= Self::EPSILON
    }

    /// `self` is greater than `other` by more than the tolerance.
    pub fn exceeds(self, other: Pt) -> bool {
        self.0 > other.0 + Self::EPSILON
    }
}

/// A laid-out page.
#[derive(Clone, Debug, Default)]
pub struct Page {
    /// The label shown by viewers (`iii`, `12`).
    pub label: String,
    /// What is on it.
    pub items: Vec<Item>,
    /// Where the folio and running head start in `items`, if the page has
    /// them. The PDF writes them as a content stream of their own, so that
    /// when an edit moves the pages after it (a chapter's pages keep their
    /// parity: chapters open on rectos) `quire watch` keeps their text.
    pub decoration: Option<usize>,
    /// What each item is in the book's structure (as many as `items`;
    /// fewer when the page was not tagged, the rest untagged).
    pub tags: Vec<super::structure::Tag>,
}

impl Page {
    /// Adds `item`, tagged `tag` (the items before it that have no tag
    /// stay untagged).
    pub fn push(&mut self, item: Item, tag: super::structure::Tag) {
        self.tags
            .resize(self.items.len(), super::structure::Tag::Untagged);
        self.items.push(item);
        self.tags.push(tag);
    }
}

/// One positioned item.
#[derive(Clone, Debug)]
pub enum Item {
    /// A run of glyphs in one face and size.
    Glyphs(GlyphRun),
    /// A filled rectangle (rules).
    Rule {
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
        /// Width.
        width: f64,
        /// Height (thickness).
        height: f64,
    },
    /// A filled rectangle in a colour, behind the text drawn after it
    /// (highlighted text).
    Shade {
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
        /// Width.
        width: f64,
        /// Height.
        height: f64,
        /// Fill colour (RGB, 0–1).
        color: [f32; 3],
    },
    /// A clickable area.
    Link {
        /// Left, top, width, height.
        rect: [f64; 4],
        /// Where it goes.
        target: LinkDest,
    },
    /// An image, scaled into its box.
    Image {
        /// The image's `src` (a key of [`super::Layout::images`]).
        src: String,
        /// Left edge.
        x: f64,
        /// Top edge.
        y: f64,
        /// Width.
        width: f64,
        /// Height.
        height: f64,
    },
    /// A named place on the page (a link target).
    Anchor {
        /// The tree id.
        id: String,
        /// Vertical position (top of what it marks).
        y: f64,
    },
}

/// Where a link goes.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkDest {
    /// A place in the book, by tree id.
    Internal(String),
    /// A URL.
    External(String),
}

/// Glyphs set on one baseline.
#[derive(Clone, Debug)]
pub struct GlyphRun {
    /// The face.
    pub face: FaceId,
    /// Size in points.
    pub size: f64,
    /// Pen position of the first glyph.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    /// The glyphs with their advances in points (after justification);
    /// shared, so that placing a kept chapter's lines on a page again
    /// (`quire watch`) copies no glyphs.
    pub glyphs: Arc<Vec<PlacedGlyph>>,
    /// Fill colour (RGB, 0–1) for highlighted code; `None` is black.
    pub color: Option<[f32; 3]>,
    /// Stretches of the glyphs whose text their own ToUnicode entries do
    /// not give (a Devanagari syllable whose vowel sign is drawn before its
    /// consonant, a box standing for a character no font has), in order
    /// and not overlapping.
    pub actual: Vec<ActualText>,
}

/// What a stretch of glyphs stands for, written around them as marked
/// content with `/ActualText` (ISO 32000-1, 14.9.4): text extraction, search
/// and copy give this text instead of the glyphs' own.
#[derive(Clone, Debug, PartialEq)]
pub struct ActualText {
    /// The glyphs, as indexes into the run's glyphs.
    pub glyphs: std::ops::Range<u32>,
    /// The text they stand for.
    pub text: Arc<str>,
}

/// A glyph with its advance, in points. Twelve bytes: a book holds millions.
/// What it stands for (for text extraction) is in
/// [`super::Layout::glyph_texts`].
#[derive(Clone, Debug)]
pub struct PlacedGlyph {
    /// Glyph id.
    pub id: u16,
    /// How far the pen moves after it: the shaped advance, kerning
    /// included (justification moves runs, not glyphs). Single precision:
    /// a book holds millions of glyphs, and 1e-6 pt is far below any device.
    pub advance: f32,
    /// Vertical offset from the baseline (up).
    pub rise: f32,
}

impl GlyphRun {
    /// Width of the run in points.
    pub fn width(&self) -> f64 {
        self.glyphs.iter().map(|g| f64::from(g.advance)).sum()
    }
}

/// An entry of the PDF outline (bookmarks).
#[derive(Clone, Debug)]
pub struct OutlineEntry {
    /// The title.
    pub title: String,
    /// 1 for chapters, 2 for sections, …
    pub level: u8,
    /// The 0-based page index.
    pub page: usize,
    /// The vertical position on the page.
    pub y: f64,
}

#[cfg(test)]
mod tests {
    use super::Pt;

    #[test]
    fn lengths_compare_with_a_tolerance() {
        // 0.1 + 0.2 is not 0.3 in binary floating point; as lengths they are equal
        assert!(Pt(0.1 + 0.2).approx_eq(Pt(0.3)));
        assert!(!Pt(0.1 + 0.2).exceeds(Pt(0.3)));
        assert!(Pt(10.002).exceeds(Pt(10.0)));
        assert!(!Pt(10.0005).exceeds(Pt(10.0)));
        assert!(!Pt(9.0).approx_eq(Pt(9.01)));
    }
}
