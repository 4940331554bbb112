//! Shaping: text → positioned glyphs, with harfrust (the Rust port of
//! HarfBuzz). Kerning and standard ligatures come from the fonts' GPOS/GSUB
//! tables. Each distinct (face, text) pair is shaped once and cached.
//!
//! Text is shaped in the face its style asks for; characters that face lacks
//! and a fallback face has are given that face first ([`Shaper::split`]).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use harfrust::font::Font;
use harfrust::{shape, Buffer, Direction, Feature, Language, ShapeOptions, ShaperFont, Tag};

use super::fonts::{FaceId, Fallbacks, Fonts};

/// One glyph of a shaped run. Lengths are in ems (multiply by the size).
#[derive(Clone, Debug, PartialEq)]
pub struct Glyph {
    /// Glyph id in the face.
    pub id: u16,
    /// Horizontal advance.
    pub advance: f64,
    /// Horizontal offset from the pen position.
    pub x_offset: f64,
    /// Vertical offset (up) from the baseline.
    pub y_offset: f64,
    /// The text of the glyph's cluster (the characters it was shaped
    /// from, in logical order) on the cluster's first glyph, empty on the
    /// others. Shared, so that copying a glyph into a line never allocates.
    pub text: std::sync::Arc<str>,
    /// What the PDF's ToUnicode map says this glyph stands for: the
    /// cluster's text when the cluster is this glyph alone (nothing for a
    /// bracket mirrored in right-to-left text: the PDF gives its character
    /// as `/ActualText`, as its glyph stands for the mirror); in a cluster of
    /// several glyphs (a Devanagari syllable with its reordered vowel sign,
    /// a base and its marks) the one character of the cluster the font
    /// maps to this glyph, if any (the PDF gives the whole cluster as
    /// `/ActualText`). In a right-to-left run a glyph standing for several
    /// characters (the lam-alef ligature) has them in visual order, as text
    /// extractors read glyphs left to right and then reverse right-to-left
    /// stretches (poppler's `reorderText`, pdf.js's `bidi`).
    pub unicode: std::sync::Arc<str>,
    /// Byte offset of the cluster in the shaped text.
    pub cluster: u32,
}

/// A shaped piece of text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shaped {
    /// The glyphs in visual order (for right-to-left text, the last
    /// character's glyphs first).
    pub glyphs: Vec<Glyph>,
    /// Sum of the advances, in ems.
    pub width: f64,
    /// Characters the face has no glyph for.
    pub missing: Vec<char>,
    /// Shaped right to left.
    pub rtl: bool,
}

impl Shaped {
    /// The width of glyphs `range` (in logical order) in ems.
    pub fn width_of(&self, range: std::ops::Range<usize>) -> f64 {
        range.map(|i| self.logical(i).advance).sum()
    }

    /// Index of the first glyph whose cluster starts at byte `offset`, when a
    /// glyph boundary falls exactly there (not inside a ligature).
    pub fn glyph_boundary_at(&self, offset: u32) -> Option<usize> {
        let bounds = self.boundaries();
        bounds
            .binary_search_by_key(&offset, |&(cluster, _)| cluster)
            .ok()
            .map(|i| bounds[i].1)
    }

    /// Glyph `i` in logical order: the `i`th from the right in a
    /// right-to-left run.
    pub fn logical(&self, i: usize) -> &Glyph {
        if self.rtl {
            &self.glyphs[self.glyphs.len() - 1 - i]
        } else {
            &self.glyphs[i]
        }
    }

    /// The glyph boundaries where text may be split: (byte offset of the
    /// cluster, index of its first glyph in logical order, see
    /// [`Shaped::logical`]), in order. None for a run whose clusters do not
    /// follow the text (glyphs reordered across clusters).
    pub fn boundaries(&self) -> Vec<(u32, usize)> {
        let n = self.glyphs.len();
        let ascending = (1..n).all(|i| self.logical(i - 1).cluster <= self.logical(i).cluster);
        if !ascending {
            return Vec::new();
        }
        let mut out = Vec::new();
        for i in 0..n {
            let g = self.logical(i);
            if i == 0 || g.cluster > self.logical(i - 1).cluster {
                out.push((g.cluster, i));
            }
        }
        out
    }
}

/// What each glyph stands for: (face, glyph id) → text, for the PDF's
/// ToUnicode map (text extraction, copy and paste). A glyph shaped from
/// several texts (a space for U+0020 and U+00A0) keeps the shortest, then
/// the smallest: a rule that does not depend on the order glyphs were
/// recorded in, so chapters shaped on different threads give the same map.
/// A glyph that stands for no character of its own (a Devanagari half
/// form; a bracket mirrored in right-to-left text) is mapped, by the same
/// rule, to the text of a cluster it was shaped in: PDF/A wants every glyph
/// mapped (ISO 19005-2, 6.2.11.7.2), and text extraction reads the
/// cluster's `/ActualText` instead.
#[derive(Clone, Debug, Default)]
pub struct GlyphTexts {
    own: BTreeMap<(FaceId, u16), Arc<str>>,
    cluster: BTreeMap<(FaceId, u16), Arc<str>>,
}

/// Keeps in `map` the shortest, then smallest, text recorded for a glyph.
fn keep(map: &mut BTreeMap<(FaceId, u16), Arc<str>>, key: (FaceId, u16), text: &Arc<str>) {
    match map.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(text.clone());
        }
        Entry::Occupied(mut slot) => {
            if (text.len(), &**text) < (slot.get().len(), &**slot.get()) {
                slot.insert(text.clone());
            }
        }
    }
}

impl GlyphTexts {
    /// Records that glyph `id` of `face` stands for `text` (the .notdef
    /// glyph and glyphs that continue a cluster stand for nothing).
    pub fn record(&mut self, face: FaceId, id: u16, text: &Arc<str>) {
        if id == 0 || text.is_empty() {
            return;
        }
        keep(&mut self.own, (face, id), text);
    }

    /// Records the glyphs of a shaped text: each one's own text, and for
    /// one with none, its cluster's.
    pub fn record_shaped(&mut self, face: FaceId, glyphs: &[Glyph]) {
        for g in glyphs {
            self.record(face, g.id, &g.unicode);
            if g.unicode.is_empty() && g.id != 0 {
                let text = glyphs
                    .iter()
                    .find(|o| o.cluster == g.cluster && !o.text.is_empty())
                    .map(|o| &o.text);
                if let Some(text) = text {
                    keep(&mut self.cluster, (face, g.id), text);
                }
            }
        }
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: &GlyphTexts) {
        for (&key, text) in &other.own {
            keep(&mut self.own, key, text);
        }
        for (&key, text) in &other.cluster {
            keep(&mut self.cluster, key, text);
        }
    }

    /// The text glyph `id` of `face` stands for (empty if none).
    pub fn get(&self, face: FaceId, id: u16) -> &str {
        self.own.get(&(face, id)).map_or("", |t| t)
    }

    /// What the PDF's ToUnicode map says glyph `id` of `face` stands for:
    /// its own text, else the text of a cluster it was shaped in (empty
    /// only for the .notdef glyph).
    pub fn unicode(&self, face: FaceId, id: u16) -> &str {
        match self.get(face, id) {
            "" => self.cluster.get(&(face, id)).map_or("", |t| t),
            own => own,
        }
    }
}

/// Shaped texts, with the record each was last recorded in.
type Cache = HashMap<String, (Rc<Shaped>, u32)>;

/// Shapes text with the book's faces; caches results.
pub struct Shaper {
    fonts: Vec<Font>,
    upem: Vec<f64>,
    families: Vec<String>,
    scales: Vec<f64>,
    fallbacks: Arc<Fallbacks>,
    /// Which face sets a character that has a fallback, by the face asked for.
    chosen: HashMap<(FaceId, char), FaceId>,
    language: Option<Language>,
    /// Shaped texts by face and mode (direction guessed, left to right,
    /// right to left; small capitals).
    cache: HashMap<(FaceId, u8), Cache>,
    /// The text of every glyph shaped since the last [`Shaper::take_texts`].
    texts: GlyphTexts,
    /// The current record (see [`Shaper::new_record`]).
    record: u32,
}

/// Characters that belong with the character before them: combining marks
/// (and variation selectors), joiners.
fn attaches(c: char) -> bool {
    use unicode_linebreak::{break_property, BreakClass};
    c != '\u{FFFD}'
        && matches!(
            break_property(c as u32),
            BreakClass::CombiningMark | BreakClass::ZeroWidthJoiner
        )
}

impl Shaper {
    /// A shaper for `fonts`, for text in `language` (BCP 47).
    pub fn new(fonts: &Fonts, language: &str) -> Shaper {
        let faces: Vec<Font> = fonts
            .faces
            .iter()
            .map(|f| Font::new(f.blob(), f.index).expect("checked when loaded"))
            .collect();
        Shaper {
            upem: fonts
                .faces
                .iter()
                .map(|f| f64::from(f.units_per_em))
                .collect(),
            families: fonts.faces.iter().map(|f| f.family.clone()).collect(),
            scales: fonts.faces.iter().map(|f| f.scale).collect(),
            fallbacks: fonts.fallbacks.clone(),
            chosen: HashMap::new(),
            fonts: faces,
            language: language.parse().ok(),
            cache: HashMap::new(),
            texts: GlyphTexts::default(),
            record: 0,
        }
    }

    /// Starts a record of glyph texts that is complete on its own: every
    /// glyph shaped from now on is recorded, even one whose text was shaped
    /// (and recorded) before. Without it, a glyph is recorded the first time
    /// only.
    pub fn new_record(&mut self) {
        self.record += 1;
        self.texts = GlyphTexts::default();
    }

    /// What the glyphs shaped so far stand for; starts a new record.
    pub fn take_texts(&mut self) -> GlyphTexts {
        std::mem::take(&mut self.texts)
    }

    /// Whether any fallback face is loaded (if not, every text is set in
    /// the face its style asks for).
    pub fn has_fallbacks(&self) -> bool {
        !self.fallbacks.is_empty()
    }

    /// The family name of a face (for the report).
    pub fn family(&self, face: FaceId) -> &str {
        &self.families[face.index()]
    }

    /// What the size of text set in `face` is multiplied by (a fallback
    /// face's, to match the text face's x-height; see
    /// [`super::fonts::Face::scale`]).
    pub fn scale(&self, face: FaceId) -> f64 {
        self.scales[face.index()]
    }

    /// Whether `face` maps `c` to a glyph.
    fn covers(&self, face: FaceId, c: char) -> bool {
        self.fonts[face.index()]
            .charmap()
            .map_unicode(c as u32)
            .is_some_and(|g| g.to_u32() != 0)
    }

    /// The face that sets `c` in text styled `primary`: `primary` when it
    /// has it (or nobody does), else a fallback.
    pub fn face_for(&mut self, primary: FaceId, c: char) -> FaceId {
        let Some(fallback) = self.fallbacks.get(primary, c) else {
            return primary;
        };
        if let Some(&face) = self.chosen.get(&(primary, c)) {
            return face;
        }
        let face = if self.covers(primary, c) {
            primary
        } else {
            fallback
        };
        self.chosen.insert((primary, c), face);
        face
    }

    /// `text` styled `primary` cut where the face changes: (face, byte
    /// range) in order. A combining mark or joiner stays in the face of the
    /// character before it when that face has it (or it is one the shaper
    /// hides). Without fallbacks, the whole text in `primary`.
    pub fn split(&mut self, primary: FaceId, text: &str) -> Vec<(FaceId, std::ops::Range<usize>)> {
        let mut out: Vec<(FaceId, std::ops::Range<usize>)> = Vec::new();
        if !self.has_fallbacks() {
            if !text.is_empty() {
                out.push((primary, 0..text.len()));
            }
            return out;
        }
        for (i, c) in text.char_indices() {
            let end = i + c.len_utf8();
            let face = match out.last() {
                Some(&(before, _))
                    if attaches(c)
                        && (super::fonts::is_default_ignorable(c) || self.covers(before, c)) =>
                {
                    before
                }
                _ => self.face_for(primary, c),
            };
            match out.last_mut() {
                Some((f, range)) if *f == face => range.end = end,
                _ => out.push((face, i..end)),
            }
        }
        out
    }

    /// Shapes `text` in `face` (cached), in the direction of its script
    /// (right to left for Arabic or Hebrew letters).
    pub fn shape(&mut self, face: FaceId, text: &str) -> Rc<Shaped> {
        self.shape_with(face, text, false, None)
    }

    /// Shapes `text` in `face` in a given direction: a run of one bidi
    /// level (UAX #9), right to left when the level is odd. Shaping the
    /// whole run right to left is what joins Arabic letters and mirrors
    /// brackets.
    pub fn shape_directed(&mut self, face: FaceId, text: &str, rtl: bool) -> Rc<Shaped> {
        self.shape_with(face, text, false, Some(rtl))
    }

    /// Shapes `text` in `face` with the font's small capitals (OpenType
    /// `smcp`; a face without them sets the text as it is). The glyphs
    /// keep the text they stand for, so it extracts as written.
    pub fn shape_small_caps(&mut self, face: FaceId, text: &str) -> Rc<Shaped> {
        self.shape_with(face, text, true, None)
    }

    fn shape_with(
        &mut self,
        face: FaceId,
        text: &str,
        small_caps: bool,
        direction: Option<bool>,
    ) -> Rc<Shaped> {
        // small capitals and each direction are cached apart
        let mode = match direction {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        } | if small_caps { 4 } else { 0 };
        if let Some((shaped, recorded)) = self
            .cache
            .get_mut(&(face, mode))
            .and_then(|c| c.get_mut(text))
        {
            if *recorded != self.record {
                *recorded = self.record;
                self.texts.record_shaped(face, &shaped.glyphs);
            }
            return shaped.clone();
        }
        let shaped = Rc::new(self.shape_uncached(face, text, small_caps, direction));
        self.texts.record_shaped(face, &shaped.glyphs);
        self.cache
            .entry((face, mode))
            .or_default()
            .insert(text.to_string(), (shaped.clone(), self.record));
        shaped
    }

    /// Width of `text` in `face`, in ems (with what a fallback face sets
    /// in it).
    pub fn width(&mut self, face: FaceId, text: &str) -> f64 {
        if !self.has_fallbacks() {
            return self.shape(face, text).width;
        }
        self.split(face, text)
            .into_iter()
            .map(|(f, range)| self.shape(f, &text[range]).width)
            .sum()
    }

    fn shape_uncached(
        &self,
        face: FaceId,
        text: &str,
        small_caps: bool,
        direction: Option<bool>,
    ) -> Shaped {
        let font = &self.fonts[face.index()];
        let upem = self.upem[face.index()];
        let mut buffer = Buffer::new();
        buffer.push_str(text);
        match direction {
            Some(true) => buffer.set_direction(Direction::RightToLeft),
            Some(false) => buffer.set_direction(Direction::LeftToRight),
            None => {}
        }
        buffer.guess_segment_properties();
        if buffer.direction() == Direction::Invalid {
            buffer.set_direction(Direction::LeftToRight);
        }
        buffer.set_language(self.language.clone());
        let shaper = ShaperFont::new(font);
        let smcp = [Feature::new(Tag::new(b"smcp"), 1, ..)];
        let features: &[Feature] = if small_caps { &smcp } else { &[] };
        if shape(&shaper, &mut buffer, ShapeOptions::new().features(features)).is_err() {
            return Shaped::default();
        }
        let rtl = buffer.direction() == Direction::RightToLeft;
        let infos = buffer.glyph_infos();
        let positions = buffer.glyph_positions();
        // where each cluster ends: the next larger cluster start (clusters
        // descend in a right-to-left run)
        let mut starts: Vec<u32> = infos.iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let cluster_end = |start: u32| {
            let i = starts.partition_point(|&c| c <= start);
            starts.get(i).map_or(text.len(), |&c| c as usize)
        };
        let charmap = font.charmap();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut missing = Vec::new();
        let mut i = 0;
        while i < infos.len() {
            let cluster = infos[i].cluster;
            let n = infos[i..]
                .iter()
                .take_while(|g| g.cluster == cluster)
                .count();
            let start = cluster as usize;
            let cluster_text = text.get(start..cluster_end(cluster)).unwrap_or("");
            let text_arc: Arc<str> = Arc::from(cluster_text);
            if infos[i..i + n].iter().any(|g| g.glyph_id == 0) {
                // a joiner or selector in the cluster is not what is missing
                missing.extend(
                    cluster_text
                        .chars()
                        .filter(|&c| !c.is_whitespace() && !super::fonts::is_default_ignorable(c)),
                );
            }
            for (k, (info, pos)) in infos[i..i + n].iter().zip(&positions[i..i + n]).enumerate() {
                // a bracket in a right-to-left run is drawn with its
                // mirror's glyph, which stands for the mirror elsewhere: it
                // has no text of its own (its actual text says it)
                let mirrored = rtl && n == 1 && {
                    let mut chars = cluster_text.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => {
                            !c.is_alphanumeric()
                                && charmap
                                    .map_unicode(c as u32)
                                    .is_some_and(|g| g.to_u32() != info.glyph_id)
                        }
                        _ => false,
                    }
                };
                let unicode: Arc<str> = if mirrored {
                    Arc::from("")
                } else if n == 1 {
                    if rtl && cluster_text.chars().nth(1).is_some() {
                        Arc::from(cluster_text.chars().rev().collect::<String>())
                    } else {
                        text_arc.clone()
                    }
                } else {
                    // the character of the cluster the font maps to this glyph
                    cluster_text
                        .chars()
                        .find(|&c| {
                            charmap
                                .map_unicode(c as u32)
                                .is_some_and(|g| g.to_u32() == info.glyph_id)
                        })
                        .map_or_else(|| Arc::from(""), |c| Arc::from(c.to_string()))
                };
                glyphs.push(Glyph {
                    id: u16::try_from(info.glyph_id).unwrap_or(0),
                    advance: f64::from(pos.x_advance) / upem,
                    x_offset: f64::from(pos.x_offset) / upem,
                    y_offset: f64::from(pos.y_offset) / upem,
                    text: if k == 0 {
                        text_arc.clone()
                    } else {
                        Arc::from("")
                    },
                    unicode,
                    cluster,
                });
            }
            i += n;
        }
        let width = glyphs.iter().map(|g| g.advance).sum();
        Shaped {
            glyphs,
            width,
            missing,
            rtl,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaper() -> Shaper {
        Shaper::new(&Fonts::bundled().unwrap(), "en")
    }

    #[test]
    fn ligatures_keep_their_letters() {
        let mut s = shaper();
        let shaped = s.shape(FaceId::Regular, "efficient");
        // "ffi" is one glyph: fewer glyphs than letters
        assert!(shaped.glyphs.len() < "efficient".len(), "{shaped:?}");
        let text: String = shaped.glyphs.iter().map(|g| &*g.text).collect();
        assert_eq!(text, "efficient");
        assert!(shaped.missing.is_empty());
    }

    #[test]
    fn kerning_changes_widths() {
        let mut s = shaper();
        let pair = s.width(FaceId::Regular, "AV");
        let apart = s.width(FaceId::Regular, "A") + s.width(FaceId::Regular, "V");
        assert!(pair < apart - 0.01, "AV {pair} vs {apart}");
    }

    #[test]
    fn missing_glyphs_are_reported() {
        let mut s = shaper();
        let shaped = s.shape(FaceId::Regular, "a\u{4e2d}b");
        assert_eq!(shaped.missing, vec!['\u{4e2d}']);
    }

    #[test]
    fn split_gives_a_fallback_what_the_face_lacks_and_keeps_marks_with_their_base() {
        // a copy of Libertine as the only "system font": a fallback for
        // Greek in code (Inconsolata has none)
        let dir = tempfile::tempdir().unwrap();
        let libertine = concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/LinLibertine_R.otf");
        std::fs::copy(libertine, dir.path().join("copy.otf")).unwrap();
        let code: std::collections::BTreeSet<char> = ['\u{3bb}', '\u{301}'].into();
        let fonts = Fonts::bundled().unwrap().with_fallbacks(
            &Default::default(),
            &code,
            &super::super::fonts::FontDirs::Only(vec![dir.path().to_path_buf()]),
            "en",
        );
        let mut s = Shaper::new(&fonts, "en");
        assert!(s.has_fallbacks());
        let f = FaceId::Fallback(0);
        let text = "x\u{3bb}\u{301}y";
        let parts = s.split(FaceId::Mono, text);
        // the accent stays on its lambda, in the face that has both
        assert_eq!(
            parts,
            vec![(FaceId::Mono, 0..1), (f, 1..5), (FaceId::Mono, 5..6)]
        );
        // a mark whose base's face lacks it goes to the fallback
        assert_eq!(
            s.split(FaceId::Mono, "a\u{301}"),
            vec![(FaceId::Mono, 0..1), (f, 1..3)]
        );
        // text faces are left alone: the fallbacks were for code
        assert_eq!(
            s.split(FaceId::Regular, text),
            vec![(FaceId::Regular, 0..6)]
        );
        let shaped = s.shape(f, "\u{3bb}");
        assert!(shaped.missing.is_empty() && shaped.glyphs[0].id != 0);
        let width = s.width(FaceId::Mono, text);
        let parts_width = s.width(FaceId::Mono, "x") * 2.0 + s.shape(f, "\u{3bb}\u{301}").width;
        assert!((width - parts_width).abs() < 1e-9, "{width} {parts_width}");
    }

    #[test]
    fn right_to_left_text_is_shaped_right_to_left_each_glyph_standing_for_its_letter() {
        let mut s = shaper();
        let word = "\u{5E9}\u{5DC}\u{5D5}\u{5DD}"; // shalom
        let shaped = s.shape_directed(FaceId::Regular, word, true);
        assert!(shaped.rtl && shaped.missing.is_empty());
        // glyphs in visual order: the last letter first
        let visual: String = shaped.glyphs.iter().map(|g| &*g.unicode).collect();
        assert_eq!(visual, word.chars().rev().collect::<String>());
        // in logical order, the clusters follow the text
        let logical: String = (0..4).map(|i| &*shaped.logical(i).text).collect();
        assert_eq!(logical, word);
        assert_eq!(shaped.boundaries().len(), 4);
        // a bracket in a right-to-left run is mirrored: "(" is drawn as ")"
        let paren = s.shape_directed(FaceId::Regular, "(", true);
        let close = s.shape_directed(FaceId::Regular, ")", false);
        assert_eq!(paren.glyphs[0].id, close.glyphs[0].id);
        assert_eq!(&*paren.glyphs[0].text, "(");
        // and is not what that glyph stands for (the ToUnicode map keeps
        // it for the closing bracket)
        assert_eq!(&*paren.glyphs[0].unicode, "");
        assert_eq!(&*close.glyphs[0].unicode, ")");
    }

    #[test]
    fn boundaries_inside_ligatures_are_refused() {
        let mut s = shaper();
        let shaped = s.shape(FaceId::Regular, "office");
        // o|ffi|c|e: a boundary at byte 1 exists, inside "ffi" (byte 2) does not
        assert!(shaped.glyph_boundary_at(1).is_some());
        assert!(shaped.glyph_boundary_at(2).is_none());
    }
}
