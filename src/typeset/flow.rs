//! Block flow: the tree's blocks → a vertical list of lines and spaces.
//!
//! Paragraphs are shaped word by word, hyphenation points become flagged
//! penalties, and the Knuth–Plass breaker ([`super::linebreak`]) picks the
//! lines; right-to-left text is shaped and reordered as [`super::bidi`]
//! says. Each line is a box of positioned glyph runs with everything the
//! page builder needs: its height, whether a page may break after it
//! (widows, orphans, headings kept with their text), the notes it refers to,
//! and where in the tree it starts (for the EPUB's page-list).

use hypher::Lang;
use std::sync::Arc;

use super::bidi;
use super::fonts::FaceId;
use super::frame::{ActualText, GlyphRun, Item, LinkDest, PlacedGlyph, Pt};
use super::hyphenate;
use super::image_size::{placed_size, Room};
use super::linebreak::{self, Item as LbItem, Params};
use super::shape::{Glyph, Shaped, Shaper};
use super::structure::{Node, Role, Tag};
use super::{Report, Settings};
use crate::doc::direction::Dir;
use crate::doc::words;
use crate::doc::{plain_text, Align, Block, BlockKind, ImageSize, Inline, LinkTarget, Pos};
use crate::highlight::TokenKind;

/// One element of a chapter's vertical list.
#[derive(Clone, Debug)]
pub enum VItem {
    /// A line of text or any other unbreakable box.
    Line(Line),
    /// Vertical space between blocks; discarded at the top and the foot of
    /// a page. On a page that must be filled to the foot it stretches, after
    /// [`VItem::Display`] space, by up to half a line.
    Space(f64),
    /// Space around a display (code, a table, a figure): the first to
    /// stretch when a page is filled to the foot, by up to a line.
    Display(f64),
    /// Space that never stretches: under a chapter title, inside a callout
    /// (whose rule runs through it).
    Fixed(f64),
    /// Space above or below a heading: its own fixed amount, except that
    /// on a page nothing else can fill, the heading spaces take the
    /// fraction of a line that brings the text after them back onto the
    /// page's grid of lines (so facing pages end on the same line).
    Heading(f64),
    /// A figure with its caption: set where it stands when it fits there,
    /// else at the top of the next page while the text goes on filling this
    /// one (LaTeX's floats, placement `[htp]`).
    Float(Float),
    /// A forced page break (`\\newpage`): the page ends here, unfilled.
    PageBreak,
}

/// A float's lines (the image, then the caption) and the space set between
/// it and the text.
#[derive(Clone, Debug)]
pub struct Float {
    /// The lines, kept together on one page.
    pub lines: Vec<Line>,
    /// Space above and below it where it meets text.
    pub space: f64,
}

impl Float {
    /// The float's height, without its space.
    pub fn height(&self) -> f64 {
        self.lines.iter().map(Line::height).sum()
    }
}

/// A line of text's depth below its baseline, as a fraction of its leading
/// (its ascent is the rest); the page breaker sets a full page's last
/// baseline where a line of text's would stand.
pub const TEXT_DEPTH: f64 = 0.25;

/// A line (or other box) ready to be placed on a page.
#[derive(Clone, Debug, Default)]
pub struct Line {
    /// Height above the baseline (what it needs from the previous line).
    pub ascent: f64,
    /// Distance from the baseline to the next line's top (leading − ascent).
    pub descent: f64,
    /// Items positioned relative to the text block's left edge and this
    /// line's baseline (y = 0).
    pub items: Vec<Item>,
    /// Whether a page may end after this line.
    pub break_after: bool,
    /// Notes referenced on this line (their typeset lines).
    pub notes: Vec<Vec<Line>>,
    /// Where this line starts in the tree: block id and word index.
    pub mark: Option<(String, usize)>,
    /// Outline entries that start on this line (title, level, id).
    pub headings: Vec<(String, u8, String)>,
    /// Source position (for the report).
    pub pos: Option<Pos>,
    /// For a table row: the table's header lines, repeated when this row
    /// starts a page.
    pub repeat: Option<std::sync::Arc<Vec<Line>>>,
    /// Characters no font has, set on this line as boxes (the report says
    /// on which page).
    pub missing: Vec<char>,
    /// Whether the line ends in a hyphen the breaker added: a page or a
    /// note split after it breaks a word across the page turn.
    pub hyphenated: bool,
    /// The structure element the line's items belong to.
    pub tag: Tag,
    /// Items that belong elsewhere (a list item's label, a table's
    /// cells): the tag of each item by index, [`Tag::Untagged`] (or none,
    /// past the end) for the line's own.
    pub item_tags: Vec<Tag>,
}

impl Line {
    /// The tag of item `i`.
    pub fn tag_of(&self, i: usize) -> &Tag {
        match self.item_tags.get(i) {
            Some(Tag::Untagged) | None => &self.tag,
            Some(tag) => tag,
        }
    }

    /// Adds `item` at the end of the line, tagged `tag`.
    pub fn push_tagged(&mut self, item: Item, tag: Tag) {
        self.item_tags.resize(self.items.len(), Tag::Untagged);
        self.items.push(item);
        self.item_tags.push(tag);
    }

    /// Puts `item` first on the line, tagged `tag` (a label reads before
    /// the text it labels).
    pub fn insert_tagged(&mut self, item: Item, tag: Tag) {
        self.item_tags.resize(self.items.len(), Tag::Untagged);
        self.items.insert(0, item);
        self.item_tags.insert(0, tag);
    }

    /// Total height of the line.
    pub fn height(&self) -> f64 {
        self.ascent + self.descent
    }
}

/// Text style of a stretch of inline content.
#[derive(Clone, Debug, PartialEq)]
struct Style {
    face: FaceId,
    size: f64,
    rise: f64,
    link: Option<LinkDest>,
    strike: bool,
    /// Underlined (a span of class `underline`: HTML's `<u>`, `<ins>`).
    underline: bool,
    /// Highlighted (a span of class `mark`: HTML's `<mark>`).
    mark: bool,
    /// Set in the face's small capitals (`[text]{.smallcaps}`).
    small_caps: bool,
    /// A link target in the text (`[text]{#id}`).
    anchor: Option<String>,
    /// The hyphenation language of text in another language
    /// (`[text]{lang=fr}`): `Some(None)` for one without patterns.
    lang: Option<Option<hypher::Lang>>,
    /// Inline code: never hyphenated; `Some(true)` for a span short enough
    /// ([`CODE_KEPT_WHOLE`]) to be kept whole, `Some(false)` for one that
    /// may break after `::`, `_`, `.`, `/` or `-` ([`code_cut`]).
    code: Option<bool>,
}

/// Inline code spans shorter than this (in characters) never break.
pub const CODE_KEPT_WHOLE: usize = 15;

/// Whether inline code may break after the character ending at byte `end`
/// of `text`: after `::`, `_`, `.`, `/` or `-`, with two characters or more
/// before and three or more after, no hyphen added (a reader must not take an added hyphen for code).
fn code_cut(text: &str, end: usize) -> bool {
    let (before, after) = text.split_at(end);
    // as TeX's \lefthyphenmin and \righthyphenmin: no stub of one
    // character before the break, nor of one or two after (`tool_0.` | `rs`)
    if before.chars().count() < 2 || after.chars().count() < 3 {
        return false;
    }
    let next = after.chars().next();
    match before.chars().last() {
        // inside a name or path (`tool_0`, `src/`), not after a prefix
        // (`--input`, `__init`)
        Some('_' | '.' | '/' | '-') => {
            next.is_some_and(|c| !matches!(c, '_' | '.' | '/' | '-'))
                && before
                    .chars()
                    .rev()
                    .nth(1)
                    .is_some_and(char::is_alphanumeric)
        }
        Some(':') => before.ends_with("::") && next.is_some_and(|c| c != ':'),
        _ => false,
    }
}

/// The lines and boxes a piece of text in `style` at `x`, `width` wide,
/// has: a strike-through and an underline as rules in `runs`, a highlight
/// in `shades` (drawn before the line's text); `size` is the paragraph's.
fn decorate(
    style: &Style,
    (x, width): (f64, f64),
    size: f64,
    runs: &mut Vec<Item>,
    shades: &mut Vec<Item>,
) {
    if style.strike {
        runs.push(Item::Rule {
            x,
            y: -style.size * 0.25,
            width,
            height: style.size * 0.05,
        });
    }
    // below the baseline, clear of most descenders' bowls, as thick as the
    // strike-through
    if style.underline {
        runs.push(Item::Rule {
            x,
            y: style.size * 0.1,
            width,
            height: style.size * 0.05,
        });
    }
    if style.mark {
        // from the descenders to the ascenders of the line's size
        let size = style.size.max(size);
        shades.push(Item::Shade {
            x,
            y: -size * 0.8,
            width,
            height: size * 1.05,
            color: MARK_COLOR,
        });
    }
}

/// The highlight behind marked text (`<mark>`): a pale yellow, as a
/// highlighter pen leaves (and as browsers show `<mark>`, lighter); black
/// text keeps a contrast of about 19:1 on it.
const MARK_COLOR: [f32; 3] = [1.0, 0.95, 0.6];

/// An image set in a line, at the size asked or its natural size.
#[derive(Clone, Debug)]
struct InlineImage {
    src: String,
    width: f64,
    height: f64,
    /// Its resolution as printed (raster images).
    ppi: Option<f64>,
    /// Where it is in the source.
    pos: Pos,
}

/// A piece of a word in one style.
#[derive(Clone, Debug)]
struct Segment {
    /// An image in place of text (`text` is then empty).
    image: Option<InlineImage>,
    text: String,
    style: Style,
    /// A footnote mark (not a word of the text).
    note: Option<usize>,
    /// `text` is one character no font has, set as a box.
    missing: bool,
    /// The bidi level (UAX #9): odd levels run right to left.
    level: u8,
    /// `text` shaped, once it is known that it needs no box.
    shaped: Option<std::rc::Rc<Shaped>>,
}

/// Inline content flattened to words.
#[derive(Clone, Debug, Default)]
struct Word {
    segments: Vec<Segment>,
    /// Followed by a forced line break.
    hard_break: bool,
    /// Followed by a space inside inline code: a fixed space, and no break
    /// there when `Some(true)` (a span kept whole).
    code_space: Option<bool>,
}

/// How a paragraph is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Justified, hyphenated, with margin kerning.
    Justified,
    /// Ragged right, no hyphenation (headings, table cells, narrow measures).
    Ragged,
    /// Centred lines.
    Centered,
}

/// Everything a paragraph needs to know about its context.
#[derive(Clone, Debug)]
pub struct ParStyle {
    /// Base face.
    pub face: FaceId,
    /// Size in points.
    pub size: f64,
    /// Baseline-to-baseline distance.
    pub leading: f64,
    /// Width of the lines.
    pub measure: f64,
    /// Left edge of the lines relative to the text block.
    pub indent_left: f64,
    /// First-line indent.
    pub first_indent: f64,
    /// Justified or not.
    pub mode: Mode,
    /// The writing direction around the paragraph.
    pub dir: Dir,
}

/// Lays out blocks; shared state for a chapter.
pub struct Flow<'a> {
    /// The shaper (with its cache).
    pub shaper: &'a mut Shaper,
    /// Page and type settings.
    pub settings: &'a Settings,
    /// Hyphenation patterns, if the language has them.
    pub lang: Option<Lang>,
    /// The chapter's notes, as tree blocks, in number order.
    pub notes: &'a [crate::doc::Footnote],
    /// For each note (by number − 1), the note it is printed after when
    /// only notes cite it ([`note_hosts`]).
    pub note_hosts: &'a [Option<usize>],
    /// The notes being laid out, outermost first (a note's own references
    /// are inside it).
    pub note_stack: Vec<usize>,
    /// The report the typesetter fills.
    pub report: &'a mut Report,
    /// Source file names (for the report).
    pub files: &'a [String],
    /// The book's images (for their sizes).
    pub images: &'a crate::images::Images,
    /// The book's writing direction (of its language).
    pub dir: Dir,
    /// The spacing of the last justified paragraph of the text (not of a
    /// note): the mean adjustment ratio of its justified lines. The next
    /// paragraph is evened out against it ([`linebreak::break_evened`]).
    pub colour: Option<f64>,
    /// The structure element the blocks being laid out stand in.
    pub node: Arc<Node>,
    /// The level of the last heading element (1 after a chapter's title):
    /// a heading's element is at most one level below it, so that the
    /// tagged PDF's headings never skip a level (PDF/UA-1, 7.4.2).
    pub heading: u8,
}

/// Where each of `chapter`'s notes (by number − 1) is printed when the
/// text does not cite it but other notes do: after the lowest-numbered note
/// that cites it (`Some(host)`, 1-based), on that note's page. `None` for a
/// note the text cites (printed with its reference) or nothing cites.
pub fn note_hosts(chapter: &crate::doc::Chapter) -> Vec<Option<usize>> {
    use crate::doc::{cited_notes, cited_notes_in};
    let n = chapter.footnotes.len();
    let mut hosts = vec![None; n];
    for (m, note) in chapter.footnotes.iter().enumerate() {
        for k in cited_notes(&note.blocks) {
            let k = k as usize;
            if (1..=n).contains(&k) && k != m + 1 && hosts[k - 1].is_none() {
                hosts[k - 1] = Some(m + 1);
            }
        }
    }
    let in_text = cited_notes(&chapter.blocks)
        .into_iter()
        .chain(cited_notes_in(&chapter.title));
    for k in in_text {
        if let Some(host) = hosts.get_mut((k as usize).wrapping_sub(1)) {
            *host = None;
        }
    }
    hosts
}

/// How far (in points) a line may pass its measure before it is reported
/// overfull: plain TeX's `\hfuzz` (0.1pt, *The TeXbook*, ch. 12). Less is
/// invisible, and the report's one decimal would print it as "0.0pt".
pub const HFUZZ: f64 = 0.1;

/// Characters that may hang into the right margin, and by how much of their
/// advance: hyphens, dashes, stops and closing quotes, after the character
/// protrusion of pdfTeX and microtype (Hàn Thế Thành, "Micro-typographic
/// extensions to the TeX typesetting system", 2000). The values are ours.
fn hang_right(c: char) -> f64 {
    match c {
        '-' | '\u{2010}' | '\u{2011}' => 0.7,
        '.' | ',' => 0.7,
        ':' | ';' => 0.5,
        '!' | '?' => 0.2,
        '\u{2019}' | '\u{201D}' | '\'' | '"' => 0.7,
        '\u{2013}' => 0.5,
        '\u{2014}' => 0.3,
        _ => 0.0,
    }
}

/// Characters that may hang into the left margin: opening quotes.
fn hang_left(c: char) -> f64 {
    match c {
        '\u{2018}' | '\u{201C}' | '\'' | '"' => 0.7,
        _ => 0.0,
    }
}

/// Why a word may break at a glyph boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cut {
    /// A hyphenation point: a hyphen is set when the line breaks here.
    Hyphen,
    /// A Unicode line-break opportunity inside the word.
    Opportunity,
    /// After `::`, `_`, `.`, `/` or `-` in inline code ([`code_cut`]).
    Code,
    /// Anywhere in a word too long for the measure.
    Anywhere,
    /// The end of the segment.
    End,
}

/// A box of glyphs: part of a word in one style.
#[derive(Clone, Debug)]
struct Piece {
    style: Style,
    /// In visual order.
    glyphs: Vec<PlacedGlyph>,
    width: f64,
    note: Option<usize>,
    /// An image set in place of glyphs.
    image: Option<InlineImage>,
    /// A character no font has, set as a box in place of glyphs.
    missing: Option<char>,
    /// The actual texts of stretches of `glyphs`.
    actual: Vec<ActualText>,
    /// How far right of the piece's place the first glyph is drawn (its
    /// shaped x offset: a mark).
    lead: f64,
    /// The bidi level.
    level: u8,
}

impl Piece {
    /// An empty piece `width` wide.
    fn new(style: Style, width: f64, level: u8) -> Piece {
        Piece {
            style,
            glyphs: Vec::new(),
            width,
            note: None,
            image: None,
            missing: None,
            actual: Vec::new(),
            lead: 0.0,
            level,
        }
    }
}

/// A paragraph's line-breaking items, with what goes with each (in
/// parallel vectors, as the line breaker wants the items alone).
#[derive(Default)]
struct ItemList {
    items: Vec<LbItem>,
    /// The glyphs of a box.
    pieces: Vec<Option<Piece>>,
    /// The hyphen set when the line breaks at a penalty.
    hyphens: Vec<Option<Piece>>,
    /// The index of the word the item belongs to (for the page map).
    words: Vec<usize>,
    /// The bidi level of each item (a space's is that of its character).
    levels: Vec<u8>,
}

impl ItemList {
    fn push(
        &mut self,
        item: LbItem,
        piece: Option<Piece>,
        hyphen: Option<Piece>,
        (word, level): (usize, u8),
    ) {
        self.items.push(item);
        self.pieces.push(piece);
        self.hyphens.push(hyphen);
        self.words.push(word);
        self.levels.push(level);
    }
}

impl<'a> Flow<'a> {
    /// Lays out a paragraph of `inlines`; returns its lines.
    ///
    /// Its base direction comes from `style.dir` (UAX #9's first strong
    /// character, else the context); stretches of one bidi level are shaped
    /// in their direction, lines are broken in logical order and each is
    /// reordered (rule L2) when it is set: a right-to-left paragraph's
    /// lines fill the measure from the right, its last line flush right.
    pub fn paragraph(&mut self, inlines: &[Inline], style: &ParStyle, block: &Block) -> Vec<Line> {
        let mut words = flatten(inlines, style, self.shaper, self.images, self.settings);
        let rtl = style.dir.paragraph_rtl(inlines);
        let base_level = u8::from(rtl);
        // the level of the space after each word; segments split where the
        // level changes
        let space_levels = bidi_levels(&mut words, rtl);
        // characters no font has: a segment of their own, set as a box
        self.set_apart_missing(&mut words, block);
        // the pieces (boxes) and the break-point items, in parallel
        let mut list = ItemList::default();
        if style.first_indent > 0.0 {
            list.push(
                LbItem::Box {
                    width: style.first_indent,
                    hang_left: 0.0,
                    hang_right: 0.0,
                },
                None,
                None,
                (0, base_level),
            );
        }
        let space = self.shaper.width(style.face, " ") * style.size;
        // margin kerning only where lines start and end with left-to-right
        // text on the left-to-right margins
        let protrude = style.mode == Mode::Justified && !rtl;
        let mut text_word = 0usize; // index among words of the block's text
        for (w, word) in words.iter().enumerate() {
            let is_text_word = word.segments.iter().any(|s| s.note.is_none());
            let word_index = text_word;
            if is_text_word {
                text_word += 1;
            }
            let seg_count = word.segments.len();
            for (si, segment) in word.segments.iter().enumerate() {
                let level = segment.level;
                if let Some(image) = &segment.image {
                    if let Some(ppi) = image.ppi {
                        self.report
                            .printed_at(&image.src, ppi, image.pos, self.files);
                    }
                    let width = image.width;
                    let box_ = LbItem::Box {
                        width,
                        hang_left: 0.0,
                        hang_right: 0.0,
                    };
                    let piece = Piece {
                        image: Some(image.clone()),
                        ..Piece::new(segment.style.clone(), width, level)
                    };
                    list.push(box_, Some(piece), None, (word_index, level));
                    continue;
                }
                if segment.missing {
                    let c = segment.text.chars().next().unwrap_or('\u{FFFD}');
                    let width =
                        missing_box_width(self.shaper, segment.style.face, c, segment.style.size);
                    let piece = Piece {
                        missing: Some(c),
                        ..Piece::new(segment.style.clone(), width, level)
                    };
                    list.push(LbItem::boxed(width), Some(piece), None, (word_index, level));
                    if si + 1 < seg_count {
                        join_break(word, si, &mut list, (word_index, level));
                    }
                    continue;
                }
                let shaped = match &segment.shaped {
                    Some(shaped) => shaped.clone(),
                    None => shape_segment(self.shaper, segment),
                };
                for c in &shaped.missing {
                    self.report.missing_glyph(*c, block.pos, self.files);
                }
                if segment.style.face.is_fallback() {
                    let family = self.shaper.family(segment.style.face);
                    self.report.fallback(family, shaped.glyphs.len());
                }
                let size = segment.style.size;
                let n_glyphs = shaped.glyphs.len();
                // where the segment may break, at glyph boundaries (glyph
                // indexes in logical order): hyphenation points (a hyphen is
                // added), Unicode line-break opportunities (UAX #14: after a
                // hyphen or dash, between ideographs), and, for a word
                // longer than the measure, anywhere
                let mut cuts: Vec<(usize, Cut)> = Vec::new();
                let bounds = shaped.boundaries();
                let boundary_at = |offset: usize| {
                    bounds
                        .binary_search_by_key(&(offset as u32), |&(cluster, _)| cluster)
                        .ok()
                        .map(|i| bounds[i].1)
                };
                if let (None, Some(whole)) = (segment.note, segment.style.code) {
                    // inline code: no hyphens, breaks only after `::`, `_`,
                    // `.`, `/` or `-`, none in a short span
                    let text = &segment.text;
                    for (i, c) in text.char_indices().filter(|_| !whole) {
                        let end = i + c.len_utf8();
                        if code_cut(text, end) {
                            if let Some(g) = boundary_at(end) {
                                cuts.push((g, Cut::Code));
                            }
                        }
                    }
                }
                if segment.note.is_none() {
                    if style.mode == Mode::Justified && segment.style.code.is_none() {
                        // a span in another language is hyphenated as that language
                        let lang = match segment.style.lang {
                            Some(lang) => lang,
                            None => self.lang,
                        };
                        if let Some(lang) = lang {
                            let (core_start, core) = word_core(&segment.text);
                            for p in hyphenate::break_points(core, lang) {
                                if let Some(g) = boundary_at(core_start + p) {
                                    cuts.push((g, Cut::Hyphen));
                                }
                            }
                        }
                    }
                    for (offset, _) in unicode_linebreak::linebreaks(&segment.text)
                        .filter(|_| segment.style.code.is_none())
                    {
                        if offset < segment.text.len() {
                            if let Some(g) = boundary_at(offset) {
                                cuts.push((g, Cut::Opportunity));
                            }
                        }
                    }
                    // a piece between break points still wider than the measure
                    cuts.sort_by_key(|&(g, kind)| (g, kind));
                    let mut edges: Vec<usize> = cuts.iter().map(|c| c.0).collect();
                    edges.push(n_glyphs);
                    let mut from = 0;
                    let too_wide = edges.iter().any(|&to| {
                        let wide = to > from && shaped.width_of(from..to) * size > style.measure;
                        from = to;
                        wide
                    });
                    // (a single cluster cannot be broken: it is an overfull
                    // line, not a broken word)
                    if too_wide && bounds.len() > 1 {
                        self.report.broken_words.push(super::Spot {
                            file: self
                                .files
                                .get(block.pos.file as usize)
                                .cloned()
                                .unwrap_or_default(),
                            line: block.pos.line,
                        });
                        cuts.extend(bounds.iter().skip(1).map(|&(_, g)| (g, Cut::Anywhere)));
                    }
                    cuts.sort_by_key(|&(g, kind)| (g, kind));
                    cuts.dedup_by_key(|c| c.0);
                    cuts.retain(|&(g, _)| g > 0 && g < n_glyphs);
                }
                cuts.push((n_glyphs, Cut::End));
                let mut start = 0;
                for &(cut, kind) in &cuts {
                    // the glyphs of logical `start..cut`, in visual order
                    let visual = if shaped.rtl {
                        &shaped.glyphs[n_glyphs - cut..n_glyphs - start]
                    } else {
                        &shaped.glyphs[start..cut]
                    };
                    let placed = place_glyphs(visual, shaped.rtl, size, segment.style.rise);
                    let width: f64 = visual.iter().map(|g| g.advance * size).sum();
                    let first = si == 0 && start == 0;
                    let last = si + 1 == seg_count && cut == n_glyphs;
                    // (protrusion only happens in left-to-right text)
                    let hl = if first && protrude && level == 0 {
                        visual.first().map_or(0.0, |g| {
                            g.text.chars().next().map_or(0.0, hang_left) * g.advance * size
                        })
                    } else {
                        0.0
                    };
                    let hr = if last && protrude && level == 0 {
                        let text: String = visual.iter().map(|g| &*g.text).collect();
                        text.chars().last().map_or(0.0, hang_right)
                            * visual.last().map_or(0.0, |g| g.advance * size)
                    } else {
                        0.0
                    };
                    list.push(
                        LbItem::Box {
                            width,
                            hang_left: hl,
                            hang_right: hr,
                        },
                        Some(Piece {
                            glyphs: placed.glyphs,
                            actual: placed.actual,
                            lead: placed.lead,
                            note: segment.note,
                            ..Piece::new(segment.style.clone(), width, level)
                        }),
                        None,
                        (word_index, level),
                    );
                    match kind {
                        Cut::Hyphen => {
                            let hyphen = self.hyphen(&segment.style, level);
                            list.push(
                                // TeX's \hyphenpenalty
                                LbItem::Penalty {
                                    width: hyphen.width,
                                    penalty: 50.0,
                                    flagged: true,
                                    hang_right: if protrude {
                                        hyphen.width * hang_right('-')
                                    } else {
                                        0.0
                                    },
                                },
                                None,
                                Some(hyphen),
                                (word_index, level),
                            );
                        }
                        Cut::Opportunity | Cut::Code | Cut::Anywhere => {
                            // after an explicit hyphen TeX charges \exhyphenpenalty
                            // (50, flagged); between ideographs a break is free;
                            // inside inline code it costs what a hyphen does
                            // (though none is set); breaking a word anywhere
                            // is a last resort
                            let after_hyphen = cut > 0
                                && shaped
                                    .logical(cut - 1)
                                    .text
                                    .ends_with(['-', '\u{2010}', '\u{2013}', '\u{2014}']);
                            let (penalty, flagged) = match kind {
                                Cut::Anywhere => (5000.0, false),
                                Cut::Code => (50.0, false),
                                _ if after_hyphen => (50.0, true),
                                _ => (0.0, false),
                            };
                            list.push(
                                LbItem::Penalty {
                                    width: 0.0,
                                    penalty,
                                    flagged,
                                    hang_right: 0.0,
                                },
                                None,
                                None,
                                (word_index, level),
                            );
                        }
                        Cut::End => {}
                    }
                    start = cut;
                }
                if si + 1 < seg_count {
                    join_break(word, si, &mut list, (word_index, level));
                    continue;
                }
            }
            if word.hard_break {
                for item in forced_line_end() {
                    list.push(item, None, None, (word_index, base_level));
                }
            } else if let (Some(whole), true) = (word.code_space, w + 1 < words.len()) {
                // a space inside inline code: as wide as the code's, fixed
                let size = word.segments.last().map_or(style.size, |s| s.style.size);
                if whole {
                    list.push(
                        LbItem::Penalty {
                            width: 0.0,
                            penalty: linebreak::INF_PENALTY,
                            flagged: false,
                            hang_right: 0.0,
                        },
                        None,
                        None,
                        (word_index, base_level),
                    );
                }
                list.push(
                    LbItem::Glue {
                        width: self.shaper.width(FaceId::Mono, " ") * size,
                        stretch: 0.0,
                        shrink: 0.0,
                    },
                    None,
                    None,
                    (
                        word_index + usize::from(is_text_word),
                        space_levels.get(w).copied().unwrap_or(base_level),
                    ),
                );
            } else if w + 1 < words.len() {
                let (stretch, shrink) = match style.mode {
                    // TeX's interword glue for a roman font: stretch 1/2, shrink 1/3 of the space
                    Mode::Justified => (space / 2.0, space / 3.0),
                    Mode::Ragged | Mode::Centered => (0.0, 0.0),
                };
                let at = (
                    word_index + usize::from(is_text_word),
                    space_levels.get(w).copied().unwrap_or(base_level),
                );
                if tied(word, &words[w + 1]) {
                    // TeX's tie `~` (\penalty10000\ ): glue after a
                    // penalty is no legal break (the text keeps its space)
                    list.push(LbItem::penalty(linebreak::INF_PENALTY), None, None, at);
                }
                list.push(
                    LbItem::Glue {
                        width: space,
                        stretch,
                        shrink,
                    },
                    None,
                    None,
                    at,
                );
            }
        }
        if list.items.is_empty() {
            return Vec::new();
        }
        // the end of a paragraph, as TeX ends one: \penalty10000 \hfil \penalty-10000
        let n_words = text_word;
        for item in forced_line_end() {
            list.push(item, None, None, (n_words, base_level));
        }
        let ItemList {
            items,
            pieces,
            hyphens: hyphen_glyphs,
            words: word_of_item,
            levels,
        } = list;
        let measure = style.measure;
        let params = Params {
            emergency_stretch: 1.5 * style.size,
            // every line has the measure (a first-line indent is a box)
            same_width_from: 0,
            final_hyphen_demerits: FINAL_HYPHEN_DEMERITS,
            ..Params::default()
        };
        let breaks = match style.mode {
            Mode::Justified => {
                // notes are set on their own: they neither take nor give
                // a colour
                let text = self.note_stack.is_empty();
                let before = self.colour.filter(|_| text);
                let breaks = linebreak::break_evened(&items, &|_| measure, &params, before);
                if let Some(c) = linebreak::colour(&breaks).filter(|_| text) {
                    self.colour = Some(c);
                }
                breaks
            }
            Mode::Ragged => linebreak::first_fit(&items, &|_| measure, &params),
            Mode::Centered => balanced(&items, measure, &params),
        };
        let mut lines = Vec::with_capacity(breaks.lines.len());
        let ascent = style.leading * (1.0 - TEXT_DEPTH);
        let descent = style.leading - ascent;
        let mut hyphen_run = 0usize;
        // span anchors already placed (a span over two lines has one)
        let mut anchored: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (li, lb) in breaks.lines.iter().enumerate() {
            let last_line = li + 1 == breaks.lines.len();
            let justify = style.mode == Mode::Justified && !last_line;
            let ratio = if justify {
                lb.ratio
            } else {
                lb.ratio.clamp(-1.0, 0.0)
            };
            // 1. the line's material in logical order: (item, width, level);
            //    the hyphen of a hyphenated line is `lb.end`
            let mut atoms: Vec<(usize, f64, u8)> = Vec::new();
            let mut hang = 0.0;
            let mut first_box = true;
            for (i, item) in items.iter().enumerate().take(lb.end).skip(lb.start) {
                match item {
                    LbItem::Box {
                        width, hang_left, ..
                    } => {
                        if first_box && protrude {
                            hang = *hang_left;
                        }
                        first_box = false;
                        let width = pieces[i].as_ref().map_or(*width, |p| p.width);
                        atoms.push((i, width, levels[i]));
                    }
                    LbItem::Glue {
                        width,
                        stretch,
                        shrink,
                    } => {
                        if !first_box {
                            let adjust = if ratio >= 0.0 {
                                ratio * stretch
                            } else {
                                ratio * shrink
                            };
                            let w = if justify || ratio < 0.0 {
                                width + adjust
                            } else {
                                *width
                            };
                            atoms.push((i, w, levels[i]));
                        }
                    }
                    LbItem::Penalty { .. } => {}
                }
            }
            let hyphen = if lb.hyphenated {
                hyphen_glyphs.get(lb.end).and_then(Option::as_ref)
            } else {
                None
            };
            if let Some(h) = hyphen {
                atoms.push((lb.end, h.width, h.level));
                hyphen_run += 1;
                self.report.hyphenated_lines += 1;
                self.report.longest_hyphen_run = self.report.longest_hyphen_run.max(hyphen_run);
            } else {
                hyphen_run = 0;
            }
            // 2. where each goes: visual order (UAX #9, L2), from the left
            //    margin, or from the right in a right-to-left paragraph
            let width: f64 = atoms.iter().map(|a| a.1).sum();
            let mut x = if rtl && style.mode != Mode::Centered {
                style.indent_left + measure - width
            } else {
                style.indent_left - hang
            };
            let atom_levels: Vec<u8> = atoms.iter().map(|a| a.2).collect();
            let mut xs = vec![0.0; atoms.len()];
            for k in bidi::visual_order(&atom_levels) {
                xs[k] = x;
                x += atoms[k].1;
            }
            // 3. the runs, in logical order (what text extraction that keeps
            //    the content's order reads), each at its place
            let mut runs: Vec<Item> = Vec::new();
            let mut run_end = f64::NEG_INFINITY;
            let mut line_notes = Vec::new();
            let mut line_missing = Vec::new();
            let mut line_ascent = ascent;
            let mut link_spans: Vec<(f64, f64, LinkDest, f64)> = Vec::new();
            // highlights, drawn before the line's text
            let mut shades: Vec<Item> = Vec::new();
            for (&(i, _, _), &x) in atoms.iter().zip(&xs) {
                let piece = if i == lb.end {
                    hyphen
                } else {
                    pieces[i].as_ref()
                };
                let Some(piece) = piece else { continue };
                if let Some(note) = piece.note {
                    line_notes.push(note);
                }
                if let Some(id) = &piece.style.anchor {
                    if anchored.insert(id.clone()) {
                        runs.push(Item::Anchor {
                            id: id.clone(),
                            y: -piece.style.size,
                        });
                    }
                }
                if let Some(link) = &piece.style.link {
                    link_spans.push((x, x + piece.width, link.clone(), piece.style.size));
                }
                // (a struck, underlined or marked word is so to its hyphen)
                decorate(
                    &piece.style,
                    (x, piece.width),
                    style.size,
                    &mut runs,
                    &mut shades,
                );
                if let Some(image) = &piece.image {
                    runs.push(Item::Image {
                        src: image.src.clone(),
                        x,
                        y: -image.height,
                        width: image.width,
                        height: image.height,
                    });
                    // the line makes room above for it
                    line_ascent = line_ascent.max(image.height);
                } else if let Some(c) = piece.missing {
                    line_missing.push(c);
                    let size = piece.style.size;
                    let face = piece.style.face;
                    for item in missing_box(self.shaper, face, c, size, piece.width) {
                        runs.push(super::pages::offset(item, x, -piece.style.rise));
                    }
                    run_end = f64::NEG_INFINITY;
                } else {
                    push_run(&mut runs, &mut run_end, piece, x);
                }
            }
            if style.mode == Mode::Centered {
                let shift = ((measure - width) / 2.0).max(0.0);
                shift_items(&mut runs, shift);
                shift_items(&mut shades, shift);
                for span in &mut link_spans {
                    span.0 += shift;
                    span.1 += shift;
                }
            }
            if !shades.is_empty() {
                shades.append(&mut runs);
                runs = shades;
            }
            for (x0, x1, target, size) in link_spans {
                runs.push(Item::Link {
                    rect: [x0, -size * 0.8, x1 - x0, size * 1.05],
                    target,
                });
            }
            // protrusion may take a line up to 0.6 em past the measure; a
            // line is reported only when it is past the measure by more than
            // TeX's \hfuzz, so every finding is a line the page shows too wide
            let excess = width - hang - measure;
            if (lb.overfull && excess > HFUZZ) || excess > style.size * 0.6 + HFUZZ {
                self.report.overfull(block.pos, self.files, excess);
            } else if justify && lb.ratio > 1.0 {
                self.report.underfull_lines += 1;
            }
            let mark_word = word_of_item.get(lb.start).copied().unwrap_or(0);
            lines.push(Line {
                ascent: line_ascent,
                descent,
                items: runs,
                break_after: true,
                notes: line_notes
                    .into_iter()
                    .filter_map(|n| self.note_lines(n))
                    .collect(),
                mark: Some((block.id.clone(), if li == 0 { 0 } else { mark_word })),
                headings: Vec::new(),
                pos: Some(block.pos),
                repeat: None,
                missing: line_missing,
                hyphenated: lb.hyphenated,
                tag: Tag::Untagged,
                item_tags: Vec::new(),
            });
        }
        if breaks.pass == linebreak::Pass::Emergency {
            self.report.emergency_breaks += 1;
        }
        // widows and orphans: never break after the first line or before the last
        let n = lines.len();
        if n >= 2 {
            lines[0].break_after = false;
            lines[n - 2].break_after = false;
        }
        lines
    }

    /// Gives each character of `words` that no font has a segment of its
    /// own, set as a box ([`missing_box`]), and reports it.
    fn set_apart_missing(&mut self, words: &mut [Word], block: &Block) {
        for word in words.iter_mut() {
            let mut lacks = false;
            for segment in &mut word.segments {
                if segment.image.is_none() && segment.note.is_none() && !segment.missing {
                    let shaped = shape_segment(self.shaper, segment);
                    lacks |= !shaped.missing.is_empty();
                    segment.shaped = Some(shaped);
                }
            }
            if !lacks {
                continue;
            }
            let mut out = Vec::with_capacity(word.segments.len() + 2);
            for mut segment in word.segments.drain(..) {
                let lacking = match segment.shaped.take() {
                    Some(shaped) if !shaped.missing.is_empty() => shaped.missing.clone(),
                    shaped => {
                        segment.shaped = shaped;
                        out.push(segment);
                        continue;
                    }
                };
                let mut start = 0;
                for (i, c) in segment.text.char_indices() {
                    if !lacking.contains(&c) {
                        continue;
                    }
                    self.report.missing_glyph(c, block.pos, self.files);
                    if i > start {
                        out.push(Segment {
                            text: segment.text[start..i].to_string(),
                            ..segment.clone()
                        });
                    }
                    out.push(Segment {
                        text: c.to_string(),
                        missing: true,
                        ..segment.clone()
                    });
                    start = i + c.len_utf8();
                }
                if start < segment.text.len() {
                    out.push(Segment {
                        text: segment.text[start..].to_string(),
                        ..segment
                    });
                }
            }
            word.segments = out;
        }
    }

    /// The hyphen glyph for a style, at bidi level `level`.
    fn hyphen(&mut self, style: &Style, level: u8) -> Piece {
        let shaped = self.shaper.shape(style.face, "-");
        let glyphs: Vec<PlacedGlyph> = shaped
            .glyphs
            .iter()
            .map(|g| PlacedGlyph {
                id: g.id,
                advance: (g.advance * style.size) as f32,
                rise: (style.rise) as f32,
            })
            .collect();
        let width = glyphs.iter().map(|g| f64::from(g.advance)).sum();
        Piece {
            glyphs,
            ..Piece::new(style.clone(), width, level)
        }
    }

    /// The typeset lines of note number `n` (1-based) of the chapter, with
    /// the notes printed after it (cited only from it, see [`note_hosts`]).
    /// A reference inside a note yields nothing unless that note hosts it.
    fn note_lines(&mut self, n: usize) -> Option<Vec<Line>> {
        if let Some(&outer) = self.note_stack.last() {
            let hosted = self.note_hosts.get(n.checked_sub(1)?).copied().flatten() == Some(outer);
            // a note that (in)directly cites itself is printed once
            if !hosted || self.note_stack.contains(&n) {
                return None;
            }
        }
        let note = self.notes.get(n.checked_sub(1)?)?.clone();
        let mut hosted = Vec::new();
        let s = self.settings;
        let size = s.note_size;
        let mut lines = Vec::new();
        // the note's text a block of its own, its number hanging in front
        // of it (at the left, or the right in a right-to-left book), set
        // at the note's size and flush with the end of the hang
        let hang = size * 1.8;
        let rtl = self.dir.rtl();
        // a Note element (with the note's id) where the reference is, a
        // paragraph in it for each of its blocks
        let element = Arc::new(Node {
            role: Role::Note,
            parent: Some(self.node.clone()),
            alt: None,
            id: Some(note.id.clone()),
        });
        for (i, block) in note.blocks.iter().enumerate() {
            let inlines = match &block.kind {
                BlockKind::Paragraph { content } => content.clone(),
                other => vec![Inline::Text {
                    text: plain_text_of_block(other),
                }],
            };
            // (the page map counts the note's own words: its number, set
            // apart, is not one of them)
            // a paragraph's or code block's words are its own; a list or
            // quote flattened into the note starts where it does
            let counted = matches!(
                block.kind,
                BlockKind::Paragraph { .. } | BlockKind::CodeBlock { .. }
            );
            let style = ParStyle {
                face: FaceId::Regular,
                size,
                leading: s.note_leading,
                measure: s.measure - hang,
                indent_left: if rtl { 0.0 } else { hang },
                first_indent: if i == 0 { 0.0 } else { size },
                mode: Mode::Justified,
                dir: self.dir,
            };
            let paragraph = Tag::Node(Node::child(&element, Role::P));
            self.note_stack.push(n);
            let mut par = self.paragraph(&inlines, &style, block);
            self.note_stack.pop();
            for line in &mut par {
                line.tag = paragraph.clone();
                line.mark = Some(match line.mark.take() {
                    Some((id, word)) if counted => (id, word),
                    _ => (block.id.clone(), 0),
                });
                line.break_after = true;
                hosted.extend(line.notes.drain(..).flatten());
            }
            if i == 0 {
                if let Some(first) = par.first_mut() {
                    let mut number = self.run(&n.to_string(), FaceId::Regular, size);
                    let gap = size * 0.5;
                    number.x = if rtl {
                        s.measure - hang + gap
                    } else {
                        hang - gap - number.width()
                    };
                    first.items.insert(0, Item::Glyphs(number));
                    first.items.push(Item::Anchor {
                        id: note.id.clone(),
                        y: -size,
                    });
                }
            }
            lines.extend(par);
        }
        lines.extend(hosted);
        Some(lines)
    }

    /// Lays out a block and everything in it at `indent`, its lines
    /// tagged with an element of the block's role in [`Flow::node`] (the
    /// lines of blocks inside it carry their own elements, made in this
    /// one). A thematic break's ornament is a layout artifact.
    pub fn block(&mut self, block: &Block, ctx: &BlockCtx, out: &mut Vec<VItem>) {
        let tag = match role_of(&block.kind) {
            Some(Role::H(level)) => {
                let level = level.min(self.heading + 1);
                self.heading = level;
                Tag::Node(Node::child(&self.node, Role::H(level)))
            }
            Some(role) => Tag::Node(Arc::new(Node {
                role,
                parent: Some(self.node.clone()),
                alt: alternative(&block.kind),
                id: None,
            })),
            None => Tag::Layout,
        };
        self.within(tag, out, |flow, out| flow.block_content(block, ctx, out));
    }

    /// Lays out with `lay` inside the element of `tag` (what `lay` makes
    /// is in that element), then gives `tag` to the lines it made that
    /// have no element of their own.
    fn within(
        &mut self,
        tag: Tag,
        out: &mut Vec<VItem>,
        lay: impl FnOnce(&mut Self, &mut Vec<VItem>),
    ) {
        let start = out.len();
        let outer = self.node.clone();
        if let Tag::Node(node) = &tag {
            self.node = node.clone();
        }
        lay(self, out);
        self.node = outer;
        tag_lines(&mut out[start..], &tag);
    }

    /// [`Flow::block`]'s work: the lines of `block`.
    fn block_content(&mut self, block: &Block, ctx: &BlockCtx, out: &mut Vec<VItem>) {
        let s = self.settings;
        // quotes and lists nested dozens deep (up to MAX_DEPTH): a container
        // past half the measure indents no further, and type shrinks no
        // further than 60 %, so the innermost text is still set in words
        let bounded;
        let ctx = if matches!(
            block.kind,
            BlockKind::BlockQuote { .. }
                | BlockKind::List { .. }
                | BlockKind::DefinitionList { .. }
        ) && (ctx.indent_left + ctx.indent_right > s.measure * 0.5
            || ctx.size < s.size * 0.6)
        {
            // (the end side's indent is held to a quarter, the start
            // side's to what leaves half the measure)
            let (start, end) = if ctx.dir.rtl() {
                (ctx.indent_right, ctx.indent_left)
            } else {
                (ctx.indent_left, ctx.indent_right)
            };
            let end = end.min(s.measure * 0.25);
            let start = start.min(s.measure * 0.5 - end);
            let (left, right) = if ctx.dir.rtl() {
                (end, start)
            } else {
                (start, end)
            };
            bounded = BlockCtx {
                indent_left: left,
                indent_right: right,
                size: ctx.size.max(s.size * 0.6),
                leading: ctx.leading.max(s.leading * 0.6),
                ..*ctx
            };
            &bounded
        } else {
            ctx
        };
        let measure = s.measure - ctx.indent_left - ctx.indent_right;
        let body = ParStyle {
            face: FaceId::Regular,
            size: ctx.size,
            leading: ctx.leading,
            measure,
            indent_left: ctx.indent_left,
            first_indent: 0.0,
            mode: if measure < ctx.size * 12.0 {
                Mode::Ragged
            } else {
                Mode::Justified
            },
            dir: ctx.dir,
        };
        match &block.kind {
            BlockKind::Paragraph { content } => {
                let style = ParStyle {
                    first_indent: if ctx.indent_first {
                        ctx.size * 1.2
                    } else {
                        0.0
                    },
                    ..body
                };
                let lines = self.paragraph(content, &style, block);
                out.extend(lines.into_iter().map(VItem::Line));
            }
            BlockKind::Heading { level, content, .. } => {
                // (a level-1 heading inside a chapter ranks under its title,
                // as in the EPUB)
                let design = crate::style::heading((*level).clamp(2, 6));
                let size = ctx.size * design.size;
                out.push(heading_space(ctx.leading * design.above));
                let style = ParStyle {
                    face: heading_face(design.face),
                    size,
                    leading: ctx.leading.max(size * 1.2),
                    mode: Mode::Ragged,
                    ..body
                };
                let styled = styled_heading(content, design.face);
                let mut lines = self.paragraph(&styled, &style, block);
                for line in &mut lines {
                    line.break_after = false;
                }
                if let Some(first) = lines.first_mut() {
                    first
                        .headings
                        .push((plain_text(content), *level, block.id.clone()));
                    first.items.push(Item::Anchor {
                        id: block.id.clone(),
                        y: -ctx.leading,
                    });
                }
                out.extend(lines.into_iter().map(VItem::Line));
                out.push(heading_space(ctx.leading * design.below));
            }
            BlockKind::BlockQuote { blocks } => {
                let inner = BlockCtx {
                    indent_left: ctx.indent_left + ctx.size * 1.5,
                    indent_right: ctx.indent_right + ctx.size * 1.5,
                    size: ctx.size * 0.95,
                    leading: ctx.leading * 0.95,
                    indent_first: false,
                    ..*ctx
                };
                out.push(VItem::Space(ctx.leading * 0.5));
                // a last paragraph that starts with a dash is the
                // quotation's attribution: flush right (to the end side)
                let attribution = blocks.split_last().filter(|(last, _)| {
                    matches!(&last.kind, BlockKind::Paragraph { content }
                        if crate::style::is_attribution(&plain_text(content)))
                });
                match attribution {
                    Some((last, rest)) => {
                        self.blocks(rest, &inner, out);
                        let start = out.len();
                        self.block(last, &inner, out);
                        let inner_measure = s.measure - inner.indent_left - inner.indent_right;
                        for item in &mut out[start..] {
                            if let VItem::Line(line) = item {
                                let left = inner.indent_left;
                                let by = if ctx.dir.rtl() {
                                    let first = line.items.iter().filter_map(|i| match i {
                                        Item::Glyphs(g) => Some(g.x),
                                        _ => None,
                                    });
                                    left - first.fold(f64::INFINITY, f64::min).max(left)
                                } else {
                                    inner_measure - line_width(&line.items, left)
                                };
                                shift_items(&mut line.items, by);
                            }
                        }
                    }
                    None => self.blocks(blocks, &inner, out),
                }
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::List {
                start,
                items,
                numbering,
                ..
            } => {
                // a nested list is part of its item: no space around it
                let around = (!ctx.in_list).then_some(VItem::Space(ctx.leading * 0.3));
                out.extend(around.clone());
                let label_width = ctx.size * 1.6;
                for (i, item) in items.iter().enumerate() {
                    let label = match (item.checked, start) {
                        (Some(true), _) => "\u{d7}".to_string(),
                        (Some(false), _) => String::new(),
                        // a tree may start a list anywhere, even at u64::MAX
                        (None, Some(n)) => numbering.label(n.saturating_add(i as u64)),
                        (None, None) => crate::style::list_mark(ctx.list_depth.into()).to_string(),
                    };
                    let mut inner = ctx.start_indented(label_width);
                    inner.in_list = true;
                    if start.is_none() {
                        inner.list_depth = ctx.list_depth.saturating_add(1);
                    }
                    let before = out.len();
                    // an item: its label, then its body
                    let element = Node::child(&self.node, Role::LI);
                    let label_tag = Tag::Node(Node::child(&element, Role::Lbl));
                    let body = Tag::Node(Node::child(&element, Role::LBody));
                    self.within(body, out, |flow, out| {
                        flow.blocks(&item.blocks, &inner, out)
                    });
                    // hang the label on the item's first line
                    if let Some(VItem::Line(first)) = out[before..]
                        .iter_mut()
                        .find(|v| matches!(v, VItem::Line(_)))
                    {
                        let mut run = self.run(&label, FaceId::Regular, ctx.size);
                        // (a label `width` wide ends 0.4 em before the text,
                        // right of it in a right-to-left list)
                        let label_x = |width: f64| {
                            if ctx.dir.rtl() {
                                s.measure - ctx.indent_right - label_width + ctx.size * 0.4
                            } else {
                                ctx.indent_left + label_width - width - ctx.size * 0.4
                            }
                        };
                        if item.checked.is_some() {
                            // a task: a square drawn with rules, a cross inside when done
                            let side = ctx.size * 0.62;
                            let x = label_x(side);
                            let top = -side - ctx.size * 0.02;
                            let t = ctx.size * 0.05;
                            for (rx, ry, w, h) in [
                                (x, top, side, t),
                                (x, top + side - t, side, t),
                                (x, top, t, side),
                                (x + side - t, top, t, side),
                            ] {
                                let rule = Item::Rule {
                                    x: rx,
                                    y: ry,
                                    width: w,
                                    height: h,
                                };
                                first.insert_tagged(rule, Tag::Layout);
                            }
                            run.x = x + (side - run.width()) / 2.0;
                        } else {
                            run.x = label_x(run.width());
                        }
                        first.insert_tagged(Item::Glyphs(run), label_tag);
                    }
                }
                out.extend(around);
            }
            BlockKind::CodeBlock { lang, code } => {
                out.push(VItem::Display(ctx.leading * 0.4));
                let size = ctx.size * 0.82;
                let leading = ctx.leading * 0.85;
                let char_w = self.shaper.width(FaceId::Mono, "0") * size;
                let cols = ((measure - ctx.size * 0.5) / char_w).floor().max(8.0) as usize;
                debug_assert!(cols > 2);
                let mut lines = Vec::new();
                // words started in the lines before (the page map's count,
                // as `doc::words` counts a code block's words)
                let mut words_before = 0usize;
                // each source line as (character, token kind), tabs expanded
                for source_line in crate::highlight::highlight(lang.as_deref(), code) {
                    let chars: Vec<(char, TokenKind)> = source_line
                        .iter()
                        .flat_map(|(kind, text)| {
                            text.chars().flat_map(move |c| {
                                let (c, n) = if c == '\t' { (' ', 4) } else { (c, 1) };
                                std::iter::repeat_n((c, *kind), n)
                            })
                        })
                        .collect();
                    // wrapped code: each piece ends at a token boundary (see
                    // `code_wraps`); continuations are indented under the
                    // line's own indentation plus a step, an arrow before them
                    let (ranges, cont) =
                        code_wraps(&chars.iter().map(|c| c.0).collect::<Vec<_>>(), cols);
                    if ranges.len() > 1 {
                        self.report.wrapped_code_lines += 1;
                    }
                    // the word each piece starts in: the one going on at its
                    // first character, else the next to start
                    let mut chunk_words = Vec::with_capacity(ranges.len());
                    let mut started = words_before;
                    for range in &ranges {
                        let at = range.start;
                        let inside = at > 0
                            && chars.get(at).is_some_and(|c| !words::is_space(c.0))
                            && !words::is_space(chars[at - 1].0);
                        chunk_words.push(if inside { started - 1 } else { started });
                        for i in range.clone() {
                            let prev = i.checked_sub(1).map(|j| chars[j].0);
                            if !words::is_space(chars[i].0) && prev.is_none_or(words::is_space) {
                                started += 1;
                            }
                        }
                    }
                    words_before = started;
                    for (ci, range) in ranges.into_iter().enumerate() {
                        let chunk = &chars[range];
                        let mut items = Vec::new();
                        let mut indent = ctx.indent_left + ctx.size * 0.5;
                        if ci > 0 {
                            // continuation mark: an arrow in the two columns
                            // before the continued text
                            let mut mark = self.run("\u{2192}", FaceId::Regular, size * 0.8);
                            mark.x = indent + (cont - 2) as f64 * char_w;
                            items.push(Item::Glyphs(mark));
                            indent += cont as f64 * char_w;
                        }
                        // one glyph run per stretch of one token kind, in its colour
                        let mut x = indent;
                        let mut missing = Vec::new();
                        let mut chunk = chunk.to_vec();
                        let mut next = TokenKind::Plain;
                        for (c, kind) in chunk.iter_mut().rev() {
                            if c.is_whitespace() {
                                *kind = next;
                            } else {
                                next = *kind;
                            }
                        }
                        // Two spaces are exactly 1 em of Inconsolata, which is
                        // poppler's column gap: whether `pdftotext` keeps
                        // `done  # c` on one line would be left to rounding. So a
                        // run that starts with white space (the gap before its
                        // token) moves a hair (0.002 pt, cumulative) to the left.
                        let mut shift = 0.0;
                        let tokens: Vec<(String, TokenKind)> = chunk
                            .chunk_by(|a, b| a.1 == b.1)
                            .map(|piece| (piece.iter().map(|(c, _)| c).collect(), piece[0].1))
                            .collect();
                        let colored = |item: Item, color: Option<[f32; 3]>| match item {
                            Item::Glyphs(mut run) => {
                                run.color = color;
                                Item::Glyphs(run)
                            }
                            other => other,
                        };
                        let line_text: String = tokens.iter().map(|t| t.0.as_str()).collect();
                        if bidi::has_rtl(&line_text) {
                            // right-to-left text in code (a string, a
                            // comment): the line left to right, its runs in
                            // display order (UAX #9)
                            let set =
                                set_line(self.shaper, &tokens, (FaceId::Mono, size, false), false);
                            self.count(&set.missing, &set.fallback, block.pos);
                            missing.extend(set.missing);
                            for (drawn, width, kind) in set.pieces {
                                for item in drawn {
                                    let item = super::pages::offset(item, x, 0.0);
                                    items.push(colored(item, kind.print_rgb()));
                                }
                                x += width;
                            }
                        }
                        for (text, kind) in tokens.iter().filter(|_| !bidi::has_rtl(&line_text)) {
                            if x > indent && text.starts_with(char::is_whitespace) {
                                shift += 0.002;
                            }
                            let set = self.set(text, FaceId::Mono, size, block.pos, &mut missing);
                            for (drawn, width) in set {
                                for item in drawn {
                                    let item = super::pages::offset(item, x - shift, 0.0);
                                    items.push(colored(item, kind.print_rgb()));
                                }
                                x += width;
                            }
                        }
                        lines.push(Line {
                            ascent: leading * (1.0 - TEXT_DEPTH),
                            descent: leading * TEXT_DEPTH,
                            items,
                            break_after: true,
                            notes: Vec::new(),
                            mark: Some((block.id.clone(), chunk_words[ci])),
                            headings: Vec::new(),
                            pos: Some(block.pos),
                            repeat: None,
                            missing,
                            hyphenated: false,
                            tag: Tag::Untagged,
                            item_tags: Vec::new(),
                        });
                    }
                }
                let n = lines.len();
                if n >= 2 {
                    lines[0].break_after = false;
                    lines[n - 2].break_after = false;
                }
                out.extend(lines.into_iter().map(VItem::Line));
                out.push(VItem::Display(ctx.leading * 0.4));
            }
            BlockKind::Table {
                caption,
                spans,
                aligns,
                head,
                rows,
            } => {
                if !caption.is_empty() {
                    // above the table and flush with its left edge, as a
                    // book sets a table's caption
                    let style = ParStyle {
                        face: FaceId::Italic,
                        size: ctx.size * 0.9,
                        mode: Mode::Ragged,
                        ..body.clone()
                    };
                    out.push(VItem::Display(ctx.leading * 0.5));
                    // (in the italic face: emphasis in it is upright)
                    let mut lines = self.paragraph(caption, &style, block);
                    for line in &mut lines {
                        line.break_after = false;
                    }
                    out.extend(lines.into_iter().map(VItem::Line));
                }
                let start = out.len();
                self.table(block, (aligns, spans), head, rows, ctx, out);
                if !caption.is_empty() {
                    // the caption keeps its distance to the table it names
                    if let Some(VItem::Display(h)) = out.get(start) {
                        out[start] = VItem::Fixed(*h);
                    }
                }
            }
            BlockKind::Figure {
                caption,
                alt,
                src,
                size,
            } => {
                let text = if caption.is_empty() {
                    vec![Inline::Text {
                        text: if alt.is_empty() {
                            src.clone()
                        } else {
                            alt.clone()
                        },
                    }]
                } else {
                    caption.clone()
                };
                let image = self.images.get(src);
                // the caption is set first: the image leaves it room on its page
                let style = ParStyle {
                    face: FaceId::Italic,
                    size: ctx.size * 0.9,
                    mode: Mode::Centered,
                    ..body
                };
                let mut lines = if image.is_none() || !caption.is_empty() {
                    // italic from the style (emphasis inside turns roman), as
                    // the EPUB's figcaption
                    self.paragraph(&text, &style, block)
                } else {
                    Vec::new()
                };
                if let Some(image) = image {
                    let below: f64 = lines.iter().map(|l| l.ascent + l.descent).sum();
                    let room = Room {
                        measure,
                        text_height: s.text_height,
                        // (a caption of many lines leaves the image a quarter
                        // of the page at least: the page breaker splits what
                        // then does not fit)
                        max_height: (s.text_height - below - ctx.leading * 1.5)
                            .max(s.text_height * 0.25),
                    };
                    let (width, height) = placed_size(image.natural_size(), *size, room);
                    if let Some(ppi) = image.ppi_at(width) {
                        self.report.printed_at(src, ppi, block.pos, self.files);
                    }
                    let image_line = Line {
                        ascent: height,
                        descent: ctx.leading * 0.4,
                        items: vec![
                            Item::Image {
                                src: src.clone(),
                                x: ctx.indent_left + (measure - width) / 2.0,
                                y: -height,
                                width,
                                height,
                            },
                            // a link to the figure (`{#fig-id}`) goes to its top
                            Item::Anchor {
                                id: block.id.clone(),
                                y: -height,
                            },
                        ],
                        // the image keeps with its caption
                        break_after: caption.is_empty(),
                        mark: Some((block.id.clone(), 0)),
                        pos: Some(block.pos),
                        ..Line::default()
                    };
                    // the caption's lines keep their marks: its words are
                    // the figure's text (doc::words)
                    lines.insert(0, image_line);
                    out.push(VItem::Float(Float {
                        lines,
                        space: ctx.leading * 0.5,
                    }));
                    return;
                } else {
                    if caption.is_empty() {
                        // the alternative text or file name a missing image
                        // leaves is not the figure's text (its caption is)
                        for line in &mut lines {
                            line.mark = Some((block.id.clone(), 0));
                        }
                    }
                    if let Some(first) = lines.first_mut() {
                        // the alternative text stands in, and is the link target
                        first.items.push(Item::Anchor {
                            id: block.id.clone(),
                            y: -ctx.leading,
                        });
                    }
                }
                out.push(VItem::Display(ctx.leading * 0.5));
                out.extend(lines.into_iter().map(VItem::Line));
                out.push(VItem::Display(ctx.leading * 0.5));
            }
            BlockKind::ThematicBreak => {
                let mut run = self.run("\u{2042}", FaceId::Regular, ctx.size);
                if run.glyphs.iter().any(|g| g.id == 0) {
                    run = self.run("*\u{2003}*\u{2003}*", FaceId::Regular, ctx.size);
                }
                run.x = ctx.indent_left + (measure - run.width()) / 2.0;
                out.push(VItem::Space(ctx.leading * 0.5));
                out.push(VItem::Line(Line {
                    ascent: ctx.leading * (1.0 - TEXT_DEPTH),
                    descent: ctx.leading * TEXT_DEPTH,
                    items: vec![Item::Glyphs(run)],
                    break_after: true,
                    mark: Some((block.id.clone(), 0)),
                    pos: Some(block.pos),
                    ..Line::default()
                }));
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::DefinitionList { items } => {
                let has_image = |src: &str| self.images.contains_key(src);
                let starts = words::unit_starts(block, &has_image);
                // space above and below the list, as around a bulleted one;
                // each definition a block indented under its term
                out.push(VItem::Space(ctx.leading * 0.3));
                for (item, start) in items.iter().zip(starts) {
                    // an item: the term its label, the definitions its body
                    let element = Node::child(&self.node, Role::LI);
                    let term = Tag::Node(Node::child(&element, Role::Lbl));
                    let term_style = ParStyle {
                        face: FaceId::Bold,
                        mode: Mode::Ragged,
                        ..body.clone()
                    };
                    let mut lines =
                        self.paragraph(&restyle(&item.term, FaceId::Bold), &term_style, block);
                    for line in &mut lines {
                        line.break_after = false;
                        line.tag = term.clone();
                    }
                    shift_marks(&mut lines, start);
                    out.extend(lines.into_iter().map(VItem::Line));
                    let inner = ctx.start_indented(ctx.size * 1.5);
                    let body = Tag::Node(Node::child(&element, Role::LBody));
                    self.within(body, out, |flow, out| {
                        for def in &item.definitions {
                            flow.blocks(def, &inner, out);
                        }
                    });
                }
                out.push(VItem::Space(ctx.leading * 0.3));
            }
            BlockKind::RawHtml { .. } => {}
            BlockKind::PageBreak => out.push(VItem::PageBreak),
            BlockKind::Div {
                blocks, lang, dir, ..
            } => {
                let inner = BlockCtx {
                    dir: ctx.dir.inside(dir.as_deref(), lang.as_deref()),
                    ..*ctx
                };
                self.blocks(blocks, &inner, out)
            }
            BlockKind::Callout { kind, blocks } => {
                // set off as a quotation is, under a bold title, with a rule
                // down its left side (its right in a right-to-left context)
                let inner = ctx.start_indented(ctx.size * 1.5);
                out.push(VItem::Space(ctx.leading * 0.5));
                let start = out.len();
                // (the title, generated, runs as the context does)
                let title_style = ParStyle {
                    face: FaceId::Bold,
                    mode: Mode::Ragged,
                    indent_left: inner.indent_left,
                    measure: measure - ctx.size * 1.5,
                    dir: Dir::Fixed(ctx.dir.rtl()),
                    ..body.clone()
                };
                let title = vec![Inline::Text {
                    text: kind.title().to_string(),
                }];
                let mut lines = self.paragraph(&title, &title_style, block);
                for line in &mut lines {
                    line.break_after = false;
                }
                out.extend(lines.into_iter().map(VItem::Line));
                self.blocks(blocks, &inner, out);
                let width = ctx.size * 0.08;
                let x = if ctx.dir.rtl() {
                    s.measure - ctx.indent_right - ctx.size * 0.3 - width
                } else {
                    ctx.indent_left + ctx.size * 0.3
                };
                let mut last_line = None;
                for (i, item) in out[start..].iter_mut().enumerate() {
                    if let VItem::Line(line) = item {
                        line.items.push(Item::Rule {
                            x,
                            y: -line.ascent,
                            width,
                            height: line.ascent + line.descent,
                        });
                        last_line = Some(start + i);
                    }
                }
                // the space between its paragraphs is ruled too (and so
                // never stretches: the rule would break)
                for item in &mut out[start..] {
                    if let VItem::Space(h) | VItem::Display(h) | VItem::Heading(h) = *item {
                        *item = VItem::Fixed(h);
                    }
                }
                if let Some(last) = last_line {
                    for i in start..last {
                        if let VItem::Fixed(h) = out[i] {
                            if let Some(VItem::Line(prev)) = out[start..i]
                                .iter_mut()
                                .rev()
                                .find(|v| matches!(v, VItem::Line(_)))
                            {
                                prev.items.push(Item::Rule {
                                    x,
                                    y: prev.descent,
                                    width,
                                    height: h,
                                });
                            }
                        }
                    }
                }
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::Math { source } => {
                let style = ParStyle {
                    face: FaceId::Italic,
                    mode: Mode::Centered,
                    ..body
                };
                let content = vec![Inline::Text {
                    text: source.trim().to_string(),
                }];
                let lines = self.paragraph(&restyle(&content, FaceId::Italic), &style, block);
                out.extend(lines.into_iter().map(VItem::Line));
            }
        }
    }

    /// Lays out a sequence of blocks; paragraphs after paragraphs get a first-line indent.
    pub fn blocks(&mut self, blocks: &[Block], ctx: &BlockCtx, out: &mut Vec<VItem>) {
        let mut previous_was_paragraph = false;
        for (i, block) in blocks.iter().enumerate() {
            let is_paragraph = matches!(block.kind, BlockKind::Paragraph { .. });
            let ctx = BlockCtx {
                indent_first: is_paragraph && previous_was_paragraph,
                ..*ctx
            };
            let start = out.len();
            self.block(block, &ctx, out);
            previous_was_paragraph = is_paragraph;
            // a listing keeps its label: its file name above it, its
            // caption below it, on the page its code starts or ends on
            let is_code = |b: Option<&Block>| {
                b.is_some_and(|b| matches!(b.kind, BlockKind::CodeBlock { .. }))
            };
            let next = blocks.get(i + 1);
            let lines = out[start..].iter_mut().filter_map(|v| match v {
                VItem::Line(line) => Some(line),
                _ => None,
            });
            if is_code(Some(block)) && next.is_some_and(is_listing_label) {
                if let Some(last) = lines.last() {
                    last.break_after = false;
                }
            } else if is_listing_label(block) && is_code(next) {
                lines.for_each(|line| line.break_after = false);
            }
        }
    }

    /// `text` in `face` at `size`, set piece after piece from x = 0 on a
    /// baseline at y = 0, as [`set_text`] sets it (without scaling fallback
    /// faces: code keeps its grid); the characters no font has are
    /// reported at `pos` and added to `missing`, what a fallback face sets
    /// is counted.
    pub fn set(
        &mut self,
        text: &str,
        face: FaceId,
        size: f64,
        pos: Pos,
        missing: &mut Vec<char>,
    ) -> Vec<(Vec<Item>, f64)> {
        let set = set_text(self.shaper, text, face, size, false, None);
        self.count(&set.missing, &set.fallback, pos);
        missing.extend(set.missing);
        set.pieces
    }

    /// Reports characters no font has at `pos`, and counts the glyphs set
    /// in each fallback face.
    fn count(&mut self, missing: &[char], fallback: &[(FaceId, usize)], pos: Pos) {
        for &c in missing {
            self.report.missing_glyph(c, pos, self.files);
        }
        for &(f, glyphs) in fallback {
            let family = self.shaper.family(f);
            self.report.fallback(family, glyphs);
        }
    }

    /// A run of `text` in one face, unpositioned.
    pub fn run(&mut self, text: &str, face: FaceId, size: f64) -> GlyphRun {
        glyph_run(self.shaper, text, face, size)
    }

    fn table(
        &mut self,
        block: &Block,
        (aligns, spans): (&[Align], &[crate::doc::CellSpan]),
        head: &[Vec<Inline>],
        rows: &[Vec<Vec<Inline>>],
        ctx: &BlockCtx,
        out: &mut Vec<VItem>,
    ) {
        let s = self.settings;
        let measure = s.measure - ctx.indent_left - ctx.indent_right;
        let size = ctx.size * 0.9;
        let leading = ctx.leading * 0.9;
        let ncols = aligns
            .len()
            .max(head.len())
            .max(rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let gap = size;
        // column widths from content: natural widths when they fit, else
        // shared in proportion to content, no column under its widest word
        let mut natural = vec![size * 2.0; ncols];
        let mut minimum = vec![size * 2.0; ncols];
        let head_row = std::iter::once((head, FaceId::Bold));
        for (row, face) in head_row.chain(rows.iter().map(|r| (r.as_slice(), FaceId::Regular))) {
            for (c, cell) in row.iter().enumerate().take(ncols) {
                let (w, least) = self.cell_width(cell, face, size, measure);
                natural[c] = natural[c].max(w.min(measure));
                minimum[c] = minimum[c].max(least.min(measure));
            }
        }
        let available = measure - gap * (ncols as f64 - 1.0);
        let widths = column_widths(&natural, &minimum, available);
        let total_width: f64 = widths.iter().sum::<f64>() + gap * (ncols as f64 - 1.0);
        // a right-to-left table stands at the right, its first column
        // rightmost
        let placed;
        let ctx = if ctx.dir.rtl() {
            placed = BlockCtx {
                indent_left: s.measure - ctx.indent_right - total_width,
                ..*ctx
            };
            &placed
        } else {
            ctx
        };
        let rule = |y: f64, thick: f64| Item::Rule {
            x: ctx.indent_left,
            y,
            width: total_width,
            height: thick,
        };
        out.push(VItem::Display(leading * 0.5));
        // the number of each cell's first word (the caption's words first)
        let has_image = |src: &str| self.images.contains_key(src);
        let starts = crate::doc::words::unit_starts(block, &has_image);
        let mut cell_starts = starts.get(1..).unwrap_or_default().iter().copied();
        // a table written without a header (pandoc's headerless tables) has none
        let header = if head.is_empty() {
            Vec::new()
        } else {
            let starts: Vec<usize> = cell_starts.by_ref().take(head.len()).collect();
            self.table_row(
                (head, &starts, Role::TH),
                &widths,
                aligns,
                gap,
                FaceId::Bold,
                size,
                leading,
                ctx,
                block,
            )
        };
        let header_rows = header.len();
        let mut all = header;
        if let Some(first) = all.first_mut() {
            first.items.push(rule(-first.ascent - 2.0, 0.6));
        }
        if let Some(last) = all.last_mut() {
            last.items.push(rule(last.descent, 0.4));
        }
        // the header as repeated on later pages: no anchors or page-map marks
        let repeat: Vec<Line> = all
            .iter()
            .map(|l| Line {
                mark: None,
                headings: Vec::new(),
                notes: Vec::new(),
                break_after: false,
                items: l
                    .items
                    .iter()
                    .filter(|i| !matches!(i, Item::Anchor { .. }))
                    .cloned()
                    .collect(),
                ..l.clone()
            })
            .collect();
        let repeat = std::sync::Arc::new(repeat);
        let mut row_ends = Vec::with_capacity(rows.len());
        for (r, row) in rows.iter().enumerate() {
            // a cell spanning columns takes their widths and the gaps
            // between; a cell spanning rows keeps its text in its first row
            let mut row_widths = widths.clone();
            for s in spans.iter().filter(|s| s.row == r && s.cols > 1) {
                let end = (s.col + s.cols).min(row_widths.len());
                let joined: f64 = widths[s.col..end].iter().sum::<f64>()
                    + gap * (end - s.col).saturating_sub(1) as f64;
                row_widths[s.col] = joined;
                for w in &mut row_widths[s.col + 1..end] {
                    *w = -gap; // covered: no width of its own
                }
            }
            let starts: Vec<usize> = cell_starts.by_ref().take(row.len()).collect();
            let mut lines = self.table_row(
                (row, &starts, Role::TD),
                &row_widths,
                aligns,
                gap,
                FaceId::Regular,
                size,
                leading,
                ctx,
                block,
            );
            if header_rows > 0 {
                for line in &mut lines {
                    line.repeat = Some(repeat.clone());
                }
            }
            all.extend(lines);
            row_ends.push(all.len());
        }
        if header_rows == 0 {
            if let Some(first) = all.first_mut() {
                first.items.push(rule(-first.ascent - 2.0, 0.6));
            }
        }
        if let Some(last) = all.last_mut() {
            last.items.push(rule(last.descent + 1.0, 0.6));
        }
        // the header (and the caption above it) may not be left at a page
        // foot without the first two rows
        let kept = row_ends.get(1).or(row_ends.last()).copied().unwrap_or(0);
        for line in all.iter_mut().take(kept.saturating_sub(1).max(header_rows)) {
            line.break_after = false;
        }
        let n = all.len();
        for (i, line) in all.into_iter().enumerate() {
            let mut line = line;
            if i + 1 == n {
                line.break_after = true;
            }
            out.push(VItem::Line(line));
        }
        out.push(VItem::Display(leading * 0.5));
    }

    /// The widths of a table cell set in `face` at `size`: natural (its
    /// longest line unwrapped, images at the size they ask for) and minimum
    /// (its widest word), each text measured in the face and size it is set
    /// in (code in the mono face, bold, italic, scripts smaller).
    fn cell_width(&mut self, cell: &[Inline], face: FaceId, size: f64, measure: f64) -> (f64, f64) {
        let mut widths = CellWidths::default();
        self.measure_inlines(cell, face, size, measure, &mut widths);
        widths.end_word();
        widths.end_line();
        // a little room for kerning across the pieces measured apart
        let slack = size * 0.1;
        (widths.longest_line + slack, widths.widest_word + slack)
    }

    fn measure_inlines(
        &mut self,
        inlines: &[Inline],
        face: FaceId,
        size: f64,
        measure: f64,
        widths: &mut CellWidths,
    ) {
        let (bold, italic) = match face {
            FaceId::Bold => (true, false),
            FaceId::Italic => (false, true),
            FaceId::BoldItalic => (true, true),
            _ => (false, false),
        };
        let styled = |b: bool, i: bool| {
            if face.is_mono() {
                face
            } else {
                FaceId::styled(b, i)
            }
        };
        for inline in inlines {
            match inline {
                Inline::Text { text } => widths.text(self.shaper, text, face, size),
                Inline::Code { code } => widths.text(self.shaper, code, face.code(), size * 0.9),
                Inline::Math { source } => {
                    widths.text(self.shaper, source, FaceId::styled(bold, true), size)
                }
                Inline::SoftBreak => widths.text(self.shaper, " ", face, size),
                Inline::HardBreak => {
                    widths.end_word();
                    widths.end_line();
                }
                Inline::Emph { content } => {
                    self.measure_inlines(content, styled(bold, !italic), size, measure, widths)
                }
                Inline::Strong { content } => {
                    self.measure_inlines(content, styled(true, italic), size, measure, widths)
                }
                Inline::Superscript { content } | Inline::Subscript { content } => {
                    self.measure_inlines(content, face, size * 0.7, measure, widths)
                }
                Inline::Strikethrough { content } | Inline::Link { content, .. } => {
                    self.measure_inlines(content, face, size, measure, widths)
                }
                Inline::Span {
                    content, classes, ..
                } => {
                    let has = |name: &str| classes.iter().any(|c| c == name);
                    let (face, size) = if has("kbd") {
                        (face.code(), size * 0.9)
                    } else if has("small") {
                        (face, size * 0.83)
                    } else {
                        (face, size)
                    };
                    self.measure_inlines(content, face, size, measure, widths)
                }
                Inline::Image {
                    src, size: asked, ..
                } => match self.images.get(src) {
                    Some(image) => {
                        let w = inline_image_size(image, *asked, measure, self.settings).0;
                        widths.word += w;
                        widths.line += w;
                    }
                    None => {
                        let text = plain_text(std::slice::from_ref(inline));
                        widths.text(self.shaper, &text, face, size)
                    }
                },
                Inline::FootnoteRef { number, .. } => {
                    widths.text(self.shaper, &number.to_string(), face, size * 0.7)
                }
                Inline::RawHtml { .. } => {}
            }
        }
    }

    /// One table row: its cells set ragged in their columns, as lines.
    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        (cells, starts, cell_role): (&[Vec<Inline>], &[usize], Role),
        widths: &[f64],
        aligns: &[Align],
        gap: f64,
        face: FaceId,
        size: f64,
        leading: f64,
        ctx: &BlockCtx,
        block: &Block,
    ) -> Vec<Line> {
        let mut columns: Vec<(Vec<Line>, Tag)> = Vec::new();
        // a row element, a cell element in it for each cell
        let row = Node::child(&self.node, Role::TR);
        let total: f64 = widths.iter().sum::<f64>() + gap * (widths.len() as f64 - 1.0);
        let mut offset = 0.0;
        for (c, width) in widths.iter().enumerate() {
            if *width <= 0.0 {
                // covered by a cell spanning columns
                offset += width + gap;
                continue;
            }
            // columns from the left, or from the right in a right-to-left
            // context
            let x = if ctx.dir.rtl() {
                ctx.indent_left + total - offset - width
            } else {
                ctx.indent_left + offset
            };
            let cell = cells.get(c).cloned().unwrap_or_default();
            let align = aligns.get(c).copied().unwrap_or(Align::None);
            let style = ParStyle {
                face,
                size,
                leading,
                measure: *width,
                indent_left: x,
                first_indent: 0.0,
                mode: if align == Align::Center {
                    Mode::Centered
                } else {
                    Mode::Ragged
                },
                dir: ctx.dir,
            };
            let mut lines = self.paragraph(&restyle(&cell, face), &style, block);
            shift_marks(&mut lines, starts.get(c).copied().unwrap_or(0));
            if align == Align::Right {
                for line in &mut lines {
                    let w = line_width(&line.items, x);
                    shift_items(&mut line.items, (width - w).max(0.0));
                }
            }
            columns.push((lines, Tag::Node(Node::child(&row, cell_role))));
            offset += width + gap;
        }
        let height = columns.iter().map(|c| c.0.len()).max().unwrap_or(0).max(1);
        let mut out = Vec::with_capacity(height);
        // a row with no words starts where its first cell would
        let row_start = starts.first().copied().unwrap_or(0);
        for i in 0..height {
            let mut line = Line {
                ascent: leading * (1.0 - TEXT_DEPTH),
                descent: leading * TEXT_DEPTH,
                break_after: i + 1 == height,
                pos: Some(block.pos),
                tag: Tag::Node(row.clone()),
                ..Line::default()
            };
            for (column, cell) in &mut columns {
                if i == 0 && column.is_empty() {
                    // an empty cell is still a cell of its row: empty
                    // marked content stands for it
                    let empty = GlyphRun {
                        face,
                        size,
                        x: 0.0,
                        y: 0.0,
                        glyphs: Arc::new(Vec::new()),
                        color: None,
                        actual: Vec::new(),
                    };
                    line.push_tagged(Item::Glyphs(empty), cell.clone());
                }
                if let Some(cell_line) = column.get_mut(i) {
                    // a cell's line made taller by an image makes the row so
                    line.ascent = line.ascent.max(cell_line.ascent);
                    for item in cell_line.items.drain(..) {
                        line.push_tagged(item, cell.clone());
                    }
                    line.notes.append(&mut cell_line.notes);
                    // the line starts where its leftmost cell's line does
                    if line.mark.is_none() {
                        line.mark = cell_line.mark.take();
                    }
                }
            }
            if line.mark.is_none() {
                line.mark = Some((block.id.clone(), row_start));
            }
            out.push(line);
        }
        out
    }
}

/// What measuring a table cell has found so far ([`Flow::cell_width`]).
#[derive(Default)]
struct CellWidths {
    /// The line being measured, and the word at its end.
    line: f64,
    word: f64,
    /// The longest line and the widest word so far.
    longest_line: f64,
    widest_word: f64,
}

impl CellWidths {
    /// Adds `text` set in `face` at `size`: its words' widths to the
    /// current word (ended at each space) and the whole to the line.
    fn text(&mut self, shaper: &mut Shaper, text: &str, face: FaceId, size: f64) {
        for piece in text.split_inclusive(char::is_whitespace) {
            let word = piece.trim_end_matches(char::is_whitespace);
            self.word += shaper.width(face, word) * size;
            self.line += shaper.width(face, piece) * size;
            if word.len() < piece.len() {
                self.end_word();
            }
        }
    }

    fn end_word(&mut self) {
        self.widest_word = self.widest_word.max(self.word);
        self.word = 0.0;
    }

    fn end_line(&mut self) {
        self.longest_line = self.longest_line.max(self.line);
        self.line = 0.0;
    }
}

/// Column widths for a table `available` wide from its columns' natural
/// (unwrapped) and minimum (widest word) widths, as CSS 2.1's automatic
/// table layout (§17.5.2.2, after the HTML 4 algorithm) shares them: all
/// natural widths when they fit, so a narrow table wraps no cell; else each
/// column its minimum plus a share of the room left in proportion to how
/// much more it wants; the minima when even they do not fit.
fn column_widths(natural: &[f64], minimum: &[f64], available: f64) -> Vec<f64> {
    let total: f64 = natural.iter().sum();
    if total <= available {
        return natural.to_vec();
    }
    let least: f64 = minimum.iter().sum();
    if least >= available || total <= least {
        // (words wider than their column then break or stick out of
        // it, but the table stays in the measure)
        let scale = (available / least).min(1.0);
        return minimum.iter().map(|m| m * scale).collect();
    }
    let share = (available - least) / (total - least);
    natural
        .iter()
        .zip(minimum)
        .map(|(&n, &m)| m + (n - m) * share)
        .collect()
}

/// Moves the page-map marks of `lines` on by `by` words (lines of a part
/// of a block's text: a table cell, a definition list's term).
fn shift_marks(lines: &mut [Line], by: usize) {
    for line in lines {
        if let Some((_, word)) = &mut line.mark {
            *word += by;
        }
    }
}

/// The end of a line that must end here, as TeX ends a paragraph:
/// `\penalty10000 \hfil \penalty-10000` (the last line is set at its
/// natural width, the rest of the measure left empty).
fn forced_line_end() -> [LbItem; 3] {
    [
        LbItem::Penalty {
            width: 0.0,
            penalty: linebreak::INF_PENALTY,
            flagged: false,
            hang_right: 0.0,
        },
        LbItem::Glue {
            width: 0.0,
            stretch: linebreak::FILL_STRETCH,
            shrink: 0.0,
        },
        LbItem::Penalty {
            width: 0.0,
            penalty: linebreak::EJECT_PENALTY,
            flagged: false,
            hang_right: 0.0,
        },
    ]
}

/// Adds a piece's glyphs at `x` on a line's baseline: to the run before
/// when it is in the same face and size and the piece starts where it ends
/// or to its right, the space between them added to its last glyph's
/// advance (as TeX's output moves the pen between words), else as a run of
/// their own. A line is then a run per change of style, not a run per
/// word: a long book holds a tenth of the runs. (Right-to-left pieces come
/// in logical order, right to left: each is a run of its own.)
///
/// `end` is where the last run pushed ends; it is moved past the piece.
fn push_run(runs: &mut Vec<Item>, end: &mut f64, piece: &Piece, x: f64) {
    let (face, size) = (piece.style.face, piece.style.size);
    let x0 = x + piece.lead;
    let gap = x0 - *end;
    *end = x + piece.width;
    if gap.is_finite() && gap > -Pt::EPSILON {
        if let Some(Item::Glyphs(last)) = runs.last_mut() {
            if last.face == face && last.size == size && last.color.is_none() && last.y == 0.0 {
                // the line's own run: not shared yet, so not copied
                let own = Arc::make_mut(&mut last.glyphs);
                if let Some(final_glyph) = own.last_mut() {
                    final_glyph.advance += gap as f32;
                    let offset = own.len() as u32;
                    own.extend_from_slice(&piece.glyphs);
                    last.actual.extend(piece.actual.iter().map(|a| ActualText {
                        glyphs: a.glyphs.start + offset..a.glyphs.end + offset,
                        text: a.text.clone(),
                    }));
                    return;
                }
            }
        }
    }
    if piece.glyphs.is_empty() {
        return;
    }
    runs.push(Item::Glyphs(GlyphRun {
        face,
        size,
        x: x0,
        y: 0.0,
        glyphs: Arc::new(piece.glyphs.clone()),
        color: None,
        actual: piece.actual.clone(),
    }));
}

/// The size of an image set in a line `measure` wide: as asked, else
/// natural, at most the measure wide and the text block less two lines
/// high.
fn inline_image_size(
    image: &crate::images::Image,
    size: ImageSize,
    measure: f64,
    s: &Settings,
) -> (f64, f64) {
    let room = Room {
        measure,
        text_height: s.text_height,
        max_height: s.text_height - 2.0 * s.leading,
    };
    placed_size(image.natural_size(), size, room)
}

/// A piece of shaped glyphs ready to set: in visual order, with the
/// actual texts of its clusters and the offset of its first glyph.
struct PlacedPiece {
    glyphs: Vec<PlacedGlyph>,
    actual: Vec<ActualText>,
    lead: f64,
}

/// `visual`, glyphs of one shaped run in visual order, set at `size` and
/// `rise`: each glyph's shaped x offset folded into the advances around it
/// (the pen lands on every glyph where the shaper put it, and ends where
/// the advances do: `lead` is the first glyph's offset), and an actual text
/// for each cluster of several glyphs (a Devanagari syllable whose vowel
/// sign comes first, a base and its marks), whose glyphs' own texts cannot
/// say it in order, or of a glyph that does not stand for its character (a
/// mirrored bracket). In a right-to-left run (`rtl`) that text is in visual
/// order, as its glyphs' are ([`Glyph::unicode`]).
fn place_glyphs(visual: &[Glyph], rtl: bool, size: f64, rise: f64) -> PlacedPiece {
    let dx = |i: usize| visual.get(i).map_or(0.0, |g| g.x_offset * size);
    let glyphs = visual
        .iter()
        .enumerate()
        .map(|(i, g)| PlacedGlyph {
            id: g.id,
            advance: (g.advance * size - dx(i) + dx(i + 1)) as f32,
            rise: (rise + g.y_offset * size) as f32,
        })
        .collect();
    let mut actual = Vec::new();
    let mut i = 0;
    while i < visual.len() {
        let cluster = visual[i].cluster;
        let n = visual[i..]
            .iter()
            .take_while(|g| g.cluster == cluster)
            .count();
        // several glyphs, or one that does not stand for its character
        // (a mirrored bracket)
        if n > 1 || visual[i].unicode.is_empty() {
            let text: String = visual[i..i + n].iter().map(|g| &*g.text).collect();
            let text: String = if rtl {
                text.chars().rev().collect()
            } else {
                text
            };
            if !text.is_empty() {
                actual.push(ActualText {
                    glyphs: i as u32..(i + n) as u32,
                    text: Arc::from(text),
                });
            }
        }
        i += n;
    }
    PlacedPiece {
        glyphs,
        actual,
        lead: dx(0),
    }
}

/// A text segment shaped in its face, in the direction of its bidi level
/// (small capitals for left-to-right text that asks for them).
fn shape_segment(shaper: &mut Shaper, segment: &Segment) -> std::rc::Rc<Shaped> {
    let rtl = segment.level % 2 == 1;
    if segment.style.small_caps && !rtl {
        shaper.shape_small_caps(segment.style.face, &segment.text)
    } else {
        shaper.shape_directed(segment.style.face, &segment.text, rtl)
    }
}

/// Resolves the bidi levels of a paragraph of `words` (`rtl`: its base
/// direction): each segment gets its level, split where the level changes
/// inside it. Returns the level of the space after each word. A paragraph
/// without right-to-left text in a left-to-right context is all level 0.
fn bidi_levels(words: &mut [Word], rtl: bool) -> Vec<u8> {
    const OBJECT: char = '\u{FFFC}';
    let mut text = String::new();
    let mut spaces = Vec::with_capacity(words.len());
    for word in words.iter() {
        for segment in &word.segments {
            if segment.image.is_some() {
                text.push(OBJECT);
            } else {
                text.push_str(&segment.text);
            }
        }
        spaces.push(text.len());
        text.push(' ');
    }
    if !rtl && !bidi::has_rtl(&text) {
        return vec![0; words.len()];
    }
    let levels = bidi::levels(&text, rtl);
    let mut at = 0;
    for word in words.iter_mut() {
        let mut out = Vec::with_capacity(word.segments.len());
        for segment in word.segments.drain(..) {
            if segment.image.is_some() {
                out.push(Segment {
                    level: levels[at],
                    ..segment
                });
                at += OBJECT.len_utf8();
                continue;
            }
            let len = segment.text.len();
            let mut start = 0;
            for (i, _) in segment.text.char_indices().skip(1) {
                if levels[at + i] != levels[at + start] && segment.note.is_none() {
                    out.push(Segment {
                        text: segment.text[start..i].to_string(),
                        level: levels[at + start],
                        ..segment.clone()
                    });
                    start = i;
                }
            }
            out.push(Segment {
                text: segment.text[start..].to_string(),
                level: levels.get(at + start).copied().unwrap_or(u8::from(rtl)),
                ..segment
            });
            at += len;
        }
        word.segments = out;
        at += 1; // the space
    }
    spaces.iter().map(|&i| levels[i]).collect()
}

/// Text set piece after piece ([`set_text`]).
pub struct SetText {
    /// (items, width) for each piece, from x = 0 on a baseline at y = 0.
    pub pieces: Vec<(Vec<Item>, f64)>,
    /// The characters no font has (each set as a box).
    pub missing: Vec<char>,
    /// The glyphs set in each fallback face.
    pub fallback: Vec<(FaceId, usize)>,
}

/// `text` in `face` at `size`, set piece after piece: a glyph run per
/// face (a fallback face sets what `face` lacks, at the size that matches
/// its x-height to the text's when `scale`) and the box that stands for
/// each character no font has ([`missing_box`]); shaped right to left when
/// `rtl` says so, else in its script's direction.
pub fn set_text(
    shaper: &mut Shaper,
    text: &str,
    face: FaceId,
    size: f64,
    scale: bool,
    rtl: Option<bool>,
) -> SetText {
    let mut out = SetText {
        pieces: Vec::new(),
        missing: Vec::new(),
        fallback: Vec::new(),
    };
    for (f, range) in shaper.split(face, text) {
        let part = &text[range];
        let size = if scale { size * shaper.scale(f) } else { size };
        let shaped = match rtl {
            Some(rtl) => shaper.shape_directed(f, part, rtl),
            None => shaper.shape(f, part),
        };
        if f.is_fallback() {
            out.fallback.push((f, shaped.glyphs.len()));
        }
        let lacking = shaped.missing.clone();
        let mut start = 0;
        let mut pieces: Vec<(&str, Option<char>)> = Vec::new();
        for (i, c) in part.char_indices() {
            if lacking.contains(&c) {
                if i > start {
                    pieces.push((&part[start..i], None));
                }
                pieces.push((&part[i..i + c.len_utf8()], Some(c)));
                start = i + c.len_utf8();
            }
        }
        if start < part.len() {
            pieces.push((&part[start..], None));
        }
        for (piece, lacks) in pieces {
            match lacks {
                Some(c) => {
                    out.missing.push(c);
                    let width = missing_box_width(shaper, f, c, size);
                    out.pieces
                        .push((missing_box(shaper, f, c, size, width), width));
                }
                None => {
                    let run = match rtl {
                        Some(rtl) => directed_run(shaper, piece, f, size, rtl),
                        None => glyph_run(shaper, piece, f, size),
                    };
                    // (a run whose first glyph is drawn right of its
                    // place starts there: `x` is that offset)
                    let width = run.x + run.width();
                    out.pieces.push((vec![Item::Glyphs(run)], width));
                }
            }
        }
    }
    out
}

/// A line of `parts` (text, and a tag such as its token kind) set in
/// display order (UAX #9, `rtl` its base direction): each part cut where the
/// bidi level changes, each stretch set by [`set_text`] in its direction
/// (fallback faces scaled when `scale`), and the pieces ordered left to
/// right (rule L2), each with its part's tag.
pub fn set_line<T: Copy>(
    shaper: &mut Shaper,
    parts: &[(String, T)],
    (face, size, scale): (FaceId, f64, bool),
    rtl: bool,
) -> SetLine<T> {
    let text: String = parts.iter().map(|p| p.0.as_str()).collect();
    let levels = bidi::levels(&text, rtl);
    let mut out = SetLine {
        pieces: Vec::new(),
        missing: Vec::new(),
        fallback: Vec::new(),
    };
    let mut piece_levels = Vec::new();
    let mut at = 0;
    for (part, tag) in parts.iter().filter(|p| !p.0.is_empty()) {
        let mut start = 0;
        let bounds = part
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain([part.len()]);
        for end in bounds {
            if end < part.len() && levels[at + end] == levels[at + start] {
                continue;
            }
            let level = levels[at + start];
            let set = set_text(
                shaper,
                &part[start..end],
                face,
                size,
                scale,
                Some(level % 2 == 1),
            );
            for (items, width) in set.pieces {
                out.pieces.push((items, width, *tag));
                piece_levels.push(level);
            }
            out.missing.extend(set.missing);
            out.fallback.extend(set.fallback);
            start = end;
        }
        at += part.len();
    }
    let order = bidi::visual_order(&piece_levels);
    let mut pieces: Vec<Option<(Vec<Item>, f64, T)>> = out.pieces.into_iter().map(Some).collect();
    out.pieces = order.into_iter().filter_map(|i| pieces[i].take()).collect();
    out
}

/// A line set by [`set_line`].
pub struct SetLine<T> {
    /// (items, width, tag) for each piece, left to right.
    pub pieces: Vec<(Vec<Item>, f64, T)>,
    /// The characters no font has (each set as a box).
    pub missing: Vec<char>,
    /// The glyphs set in each fallback face.
    pub fallback: Vec<(FaceId, usize)>,
}

/// `text` shaped in one face at `size` in a given direction, as an
/// unpositioned run (right-to-left glyphs in visual order, each cluster of
/// several glyphs or mirrored bracket with its actual text).
fn directed_run(shaper: &mut Shaper, text: &str, face: FaceId, size: f64, rtl: bool) -> GlyphRun {
    let shaped = shaper.shape_directed(face, text, rtl);
    let placed = place_glyphs(&shaped.glyphs, shaped.rtl, size, 0.0);
    GlyphRun {
        face,
        size,
        x: placed.lead,
        y: 0.0,
        glyphs: Arc::new(placed.glyphs),
        color: None,
        actual: placed.actual,
    }
}

/// The width of the box that stands for `c`, a character no font has, in
/// text of `face` at `size`: about 0.7 em (0.8 em for a character beyond
/// the Basic Multilingual Plane, whose code has six digits), a whole number
/// of the face's spaces (two columns of code).
pub fn missing_box_width(shaper: &mut Shaper, face: FaceId, c: char, size: f64) -> f64 {
    let wanted = if u32::from(c) > 0xFFFF { 0.8 } else { 0.7 };
    let space = shaper.width(face, " ");
    if space <= 0.0 {
        return wanted * size;
    }
    (wanted / space).ceil() * space * size
}

/// The box set for `c`, a character no font has, in text of `face` at
/// `size`, `width` wide ([`missing_box_width`]), on a baseline at y = 0
/// from x = 0: a frame around the character's code in hexadecimal, in two
/// rows (as browsers draw one), so that the reader sees that something is
/// missing and what. It extracts as the character itself (as nothing for
/// a control or noncharacter, which are not text), never as its digits.
pub fn missing_box(shaper: &mut Shaper, face: FaceId, c: char, size: f64, width: f64) -> Vec<Item> {
    let code = u32::from(c);
    let digits = if code > 0xFFFF {
        format!("{code:06X}")
    } else {
        format!("{code:04X}")
    };
    let cols = digits.len() / 2;
    let digit_size = if cols > 2 { size * 0.27 } else { size * 0.34 };
    // the lower row sits on the baseline, the upper above it; the frame
    // reaches below the baseline as a descender does
    let upper_rise = size * 0.29;
    let (top, bottom) = (-size * 0.64, size * 0.14);
    let t = size * 0.045;
    let inset = size * 0.06;
    let (left, right) = (inset, width - inset);
    let mut items = vec![
        Item::Rule {
            x: left,
            y: top,
            width: right - left,
            height: t,
        },
        Item::Rule {
            x: left,
            y: bottom - t,
            width: right - left,
            height: t,
        },
        Item::Rule {
            x: left,
            y: top,
            width: t,
            height: bottom - top,
        },
        Item::Rule {
            x: right - t,
            y: top,
            width: t,
            height: bottom - top,
        },
    ];
    // the lower row's digits first: the pen goes back to the row's start
    // for the upper
    let (upper, lower) = digits.split_at(cols);
    let mut run = glyph_run(shaper, &format!("{lower}{upper}"), FaceId::Mono, digit_size);
    let row: f64 = run
        .glyphs
        .iter()
        .take(cols)
        .map(|g| f64::from(g.advance))
        .sum();
    let glyphs = Arc::make_mut(&mut run.glyphs);
    for (i, g) in glyphs.iter_mut().enumerate() {
        g.rise = if i < cols { 0.0 } else { upper_rise as f32 };
        if i + 1 == cols {
            g.advance -= row as f32;
        }
    }
    // the digits stand for nothing; the text's spaces across the box stand
    // for the character (so that text extraction sees a character as wide
    // as the box, of the text's face and size, which keeps with its
    // words), except a control or noncharacter, which is not text
    run.actual = vec![ActualText {
        glyphs: 0..run.glyphs.len() as u32,
        text: Arc::from(""),
    }];
    run.x = (width - row) / 2.0;
    items.push(Item::Glyphs(run));
    if !(c.is_control() || (code & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&code)) {
        let space = glyph_run(shaper, " ", face, size);
        let n = (width / space.width()).round().max(1.0) as usize;
        if space.glyphs.len() == 1 {
            let glyphs: Vec<PlacedGlyph> =
                std::iter::repeat_n(space.glyphs[0].clone(), n).collect();
            items.push(Item::Glyphs(GlyphRun {
                glyphs: Arc::new(glyphs),
                actual: vec![ActualText {
                    glyphs: 0..n as u32,
                    text: Arc::from(c.to_string()),
                }],
                ..space
            }));
        }
    }
    items
}

/// `text` shaped in one face at `size`, as an unpositioned run.
pub fn glyph_run(shaper: &mut Shaper, text: &str, face: FaceId, size: f64) -> GlyphRun {
    let shaped = shaper.shape(face, text);
    GlyphRun {
        face,
        size,
        x: 0.0,
        y: 0.0,
        glyphs: Arc::new(
            shaped
                .glyphs
                .iter()
                .map(|g| PlacedGlyph {
                    id: g.id,
                    advance: (g.advance * size) as f32,
                    rise: (g.y_offset * size) as f32,
                })
                .collect(),
        ),
        color: None,
        actual: Vec::new(),
    }
}

/// Centred lines of even length: the narrowest measure that still gives as
/// few lines as the full one (a title of two lines breaks near its middle,
/// not with one word left over).
fn balanced(items: &[LbItem], measure: f64, params: &Params) -> linebreak::Breaks {
    let full = linebreak::first_fit(items, &|_| measure, params);
    let n = full.lines.len();
    if !(2..=4).contains(&n) || full.lines.iter().any(|l| l.overfull) {
        return full;
    }
    let (mut lo, mut hi) = (measure / n as f64, measure);
    let mut best = full;
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        let trial = linebreak::first_fit(items, &|_| mid, params);
        if trial.lines.len() == n && !trial.lines.iter().any(|l| l.overfull) {
            best = trial;
            hi = mid;
        } else {
            lo = mid;
        }
    }
    best
}

impl BlockCtx {
    /// The context of a chapter's own blocks: the whole measure, the
    /// text's size and leading, the book's direction.
    pub fn chapter(s: &Settings, dir: Dir) -> BlockCtx {
        BlockCtx {
            indent_left: 0.0,
            indent_right: 0.0,
            size: s.size,
            leading: s.leading,
            indent_first: false,
            dir,
            list_depth: 0,
            in_list: false,
        }
    }

    /// The context inside a list item, a definition or a callout: indented
    /// by `by` at the side lines start from (the right in a right-to-left
    /// context), without a first-line indent.
    fn start_indented(&self, by: f64) -> BlockCtx {
        if self.dir.rtl() {
            BlockCtx {
                indent_right: self.indent_right + by,
                indent_first: false,
                ..*self
            }
        } else {
            BlockCtx {
                indent_left: self.indent_left + by,
                indent_first: false,
                ..*self
            }
        }
    }
}

/// Layout context of a block: indents, size, leading.
#[derive(Clone, Copy, Debug)]
pub struct BlockCtx {
    /// Left indent from the text block's edge.
    pub indent_left: f64,
    /// Right indent.
    pub indent_right: f64,
    /// Text size.
    pub size: f64,
    /// Baseline distance.
    pub leading: f64,
    /// Whether a paragraph here gets a first-line indent.
    pub indent_first: bool,
    /// The writing direction of the paragraphs here.
    pub dir: Dir,
    /// How many bulleted lists deep this is (0 outside any): the mark of
    /// a bulleted list here ([`crate::style::list_mark`]).
    pub list_depth: u8,
    /// Whether this is inside a list item (a list here is nested: no space
    /// of its own above and below).
    pub in_list: bool,
}

fn line_width(items: &[Item], left: f64) -> f64 {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(g) => Some(g.x + g.width()),
            _ => None,
        })
        .fold(left, f64::max)
        - left
}

fn shift_items(items: &mut [Item], dx: f64) {
    for item in items {
        match item {
            Item::Glyphs(g) => g.x += dx,
            Item::Rule { x, .. } => *x += dx,
            Item::Link { rect, .. } => rect[0] += dx,
            Item::Image { x, .. } => *x += dx,
            Item::Shade { x, .. } => *x += dx,
            Item::Anchor { .. } => {}
        }
    }
}

/// How many columns a wrapped code line's continuations are indented
/// beyond the line's own indentation (the last two hold the arrow).
pub const CODE_STEP: usize = 4;

/// Where a code line of `chars` (tabs expanded) wraps in lines of `cols`
/// columns: the ranges of its printed pieces, and the column continuations
/// start at (the line's own indentation plus [`CODE_STEP`], or the step
/// alone when that would pass half the line).
///
/// Each piece but the last ends at the latest token boundary that fits
/// ([`code_break`]), or at a space a little before it; only a token longer than the line is cut inside, at
/// the last column. The spaces a continuation would start with are
/// dropped (they stay, unseen, at the end of the piece before when they
/// fit). The same rule as a programmer's editor that wraps at word
/// boundaries, with a hanging indent as `fmt`-style tools do.
pub fn code_wraps(chars: &[char], cols: usize) -> (Vec<std::ops::Range<usize>>, usize) {
    let lead = chars.iter().take_while(|c| **c == ' ').count();
    let cont = if lead + CODE_STEP <= cols / 2 {
        lead + CODE_STEP
    } else {
        CODE_STEP.min(cols / 2)
    };
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let avail = if out.is_empty() { cols } else { cols - cont }.max(1);
        if chars.len() - at <= avail {
            out.push(at..chars.len());
            return (out, cont);
        }
        // some text on every piece: a break only after its first character
        let text_from = if out.is_empty() {
            lead.min(at + avail - 1)
        } else {
            at
        };
        let limit = at + avail;
        let mut breaks = (text_from + 1..=limit)
            .rev()
            .filter(|&b| code_break(chars, b));
        let latest = breaks.next();
        // a space within the last quarter of the line is preferred to a
        // later break inside an expression (`x *` | `item.count`, not
        // `x * item.` | `count`)
        let near = limit.saturating_sub(avail / 4);
        let at_space = |b: &usize| chars[*b - 1] == ' ' || chars[*b] == ' ';
        let end = match latest {
            Some(b) if !at_space(&b) => std::iter::once(b)
                .chain(breaks)
                .take_while(|b| *b >= near)
                .find(at_space)
                .unwrap_or(b),
            Some(b) => b,
            None => limit,
        };
        out.push(at..end);
        at = end;
        while chars.get(at) == Some(&' ') {
            at += 1;
        }
        if at == chars.len() {
            return (out, cont);
        }
    }
}

/// Whether a code line may break before `chars[b]`: at a space, or after
/// a comma, a semicolon, an opening bracket, `.`, `::` or an infix
/// operator; never inside a word, an identifier, a number or an operator
/// (`->`, `==`), after a prefix (`--input`, `&mut`), or before a closing
/// bracket or a separator.
pub fn code_break(chars: &[char], b: usize) -> bool {
    let (Some(&p), Some(&n)) = (b.checked_sub(1).and_then(|i| chars.get(i)), chars.get(b)) else {
        return false;
    };
    let operator = |c: char| "+-*/=|&<>!^%~".contains(c);
    if n == ' ' || p == ' ' {
        return p != n;
    }
    if ")]},;.:?".contains(n) {
        return false;
    }
    // the character before `p`, to tell a prefix (`-x`, `&mut`) and a
    // decimal point from an operator and a member access
    let before = b.checked_sub(2).map(|i| chars[i]);
    match p {
        ',' | ';' | '(' | '[' | '{' => true,
        '.' => !(n.is_ascii_digit() && before.is_some_and(|c| c.is_ascii_digit())),
        ':' => n != ':',
        c if operator(c) => !operator(n) && before.is_some_and(|c| c != ' ' && !operator(c)),
        _ => false,
    }
}

/// The letters of a word without leading and trailing punctuation, with the
/// byte offset where they start.
/// Whether `block` labels a listing: a paragraph that is a span of class
/// `caption` or `filename` (as the Rust book writes them), or that starts
/// with "Listing 1-1" or "Filename:".
fn is_listing_label(block: &Block) -> bool {
    let BlockKind::Paragraph { content } = &block.kind else {
        return false;
    };
    if let [Inline::Span { classes, .. }] = content.as_slice() {
        if classes.iter().any(|c| c == "caption" || c == "filename") {
            return true;
        }
    }
    let text = plain_text(content);
    let numbered = text
        .strip_prefix("Listing ")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    numbered || text.starts_with("Filename:")
}

fn word_core(word: &str) -> (usize, &str) {
    let start = word
        .char_indices()
        .find(|(_, c)| c.is_alphabetic())
        .map_or(word.len(), |(i, _)| i);
    let end = word
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphabetic())
        .map_or(start, |(i, c)| i + c.len_utf8());
    (start, &word[start..end.max(start)])
}

/// The vertical space above or below a heading (one place, so that what
/// the page makeup makes of a heading's space is decided once).
fn heading_space(amount: f64) -> VItem {
    VItem::Heading(amount)
}

/// The face a heading of the shared design ([`crate::style`]) is set in.
pub fn heading_face(face: crate::style::HeadingFace) -> FaceId {
    use crate::style::HeadingFace;
    match face {
        HeadingFace::Regular | HeadingFace::SmallCaps => FaceId::Regular,
        HeadingFace::Bold => FaceId::Bold,
        HeadingFace::Italic => FaceId::Italic,
        HeadingFace::BoldItalic => FaceId::BoldItalic,
    }
}

/// A heading's content, in small capitals where the design asks for them
/// (its face is the paragraph's: [`heading_face`]; restyled as well, an
/// italic heading would come out upright, as emphasis inside italic does).
pub fn styled_heading(content: &[Inline], face: crate::style::HeadingFace) -> Vec<Inline> {
    if face == crate::style::HeadingFace::SmallCaps {
        vec![Inline::Span {
            id: None,
            classes: vec!["smallcaps".to_string()],
            lang: None,
            content: content.to_vec(),
        }]
    } else {
        content.to_vec()
    }
}

fn restyle(content: &[Inline], face: FaceId) -> Vec<Inline> {
    match face {
        FaceId::Bold => vec![Inline::Strong {
            content: content.to_vec(),
        }],
        FaceId::Italic => vec![Inline::Emph {
            content: content.to_vec(),
        }],
        FaceId::BoldItalic => vec![Inline::Strong {
            content: vec![Inline::Emph {
                content: content.to_vec(),
            }],
        }],
        _ => content.to_vec(),
    }
}

fn plain_text_of_block(kind: &BlockKind) -> String {
    let block = Block {
        id: String::new(),
        pos: Pos::default(),
        kind: kind.clone(),
    };
    let mut out = String::new();
    crate::doc::walk_blocks(std::slice::from_ref(&block), &mut |b| {
        if let BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } = &b.kind {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&plain_text(content));
        }
        if let BlockKind::CodeBlock { code, .. } = &b.kind {
            out.push_str(code);
        }
    });
    out
}

/// `\finalhyphendemerits` for body text: far above plain TeX's 5000, so
/// that a paragraph's penultimate line ends in a hyphen only when no other
/// breaks are feasible in the same pass. 10⁷ outweighs the demerits of
/// any feasible reflow (a line at the tolerance costs (10 + 200)² ≈ 4·10⁴,
/// with `\adjdemerits` 10⁴ more), yet stays below the 10⁸ of an
/// infinitely bad line, so it never buys an overfull or unjustifiable line.
const FINAL_HYPHEN_DEMERITS: f64 = 1.0e7;

/// The structure element a block makes (`None`: its lines are artifacts
/// or it makes none).
fn role_of(kind: &BlockKind) -> Option<Role> {
    Some(match kind {
        BlockKind::Paragraph { .. } => Role::P,
        // (a level-1 heading inside a chapter ranks under its title)
        BlockKind::Heading { level, .. } => Role::H((*level).clamp(2, 6)),
        BlockKind::BlockQuote { .. } => Role::BlockQuote,
        BlockKind::List { .. } | BlockKind::DefinitionList { .. } => Role::L,
        BlockKind::CodeBlock { .. } => Role::Code,
        BlockKind::Table { .. } => Role::Table,
        BlockKind::Figure { .. } => Role::Figure,
        BlockKind::Div { .. } | BlockKind::Callout { .. } => Role::Div,
        BlockKind::Math { .. } => Role::Formula,
        BlockKind::ThematicBreak | BlockKind::RawHtml { .. } | BlockKind::PageBreak => return None,
    })
}

/// The alternative text of a block's element: a figure's alt text, else
/// its caption, else at least its file's name; a formula's TeX (until math
/// is set).
fn alternative(kind: &BlockKind) -> Option<String> {
    match kind {
        BlockKind::Figure {
            alt, caption, src, ..
        } => {
            let caption = plain_text(caption);
            let described = [alt.trim(), caption.trim()]
                .into_iter()
                .find(|t| !t.is_empty());
            let name = src.rsplit('/').next().unwrap_or(src);
            Some(described.unwrap_or(name).to_string())
        }
        BlockKind::Math { source } => Some(source.clone()),
        _ => None,
    }
}

/// Gives `tag` to the lines in `items` (floats' lines too) that have none
/// yet.
pub fn tag_lines(items: &mut [VItem], tag: &Tag) {
    let untagged = |line: &mut Line| {
        if line.tag == Tag::Untagged {
            line.tag = tag.clone();
        }
    };
    for item in items {
        match item {
            VItem::Line(line) => untagged(line),
            VItem::Float(float) => float.lines.iter_mut().for_each(untagged),
            _ => {}
        }
    }
}

/// Words after which the space before a number is a tie, compared without
/// regard to case: "Listing 1-1", "Chapter 12", "p. 42" never break
/// between the word and its number (the usual `~` of TeX manuscripts,
/// The TeXbook ch. 14, "ties").
const TIE_BEFORE_NUMBER: [&str; 18] = [
    "listing", "chapter", "figure", "fig.", "table", "section", "sect.", "part", "appendix",
    "example", "equation", "eq.", "p.", "pp.", "no.", "vol.", "step", "§",
];

/// Whether the space between `word` and `next` is a tie (a no-break space
/// in the line breaking, not in the text): a reference word before its
/// number ([`TIE_BEFORE_NUMBER`]), or a space before a dash, so that a
/// spaced em or en dash (French, Russian, or English text set with spaced
/// dashes) never starts a line.
fn tied(word: &Word, next: &Word) -> bool {
    let text = |w: &Word| -> String {
        w.segments
            .iter()
            .filter(|s| s.note.is_none() && s.image.is_none())
            .map(|s| s.text.as_str())
            .collect()
    };
    let next = text(next);
    if next.starts_with(['\u{2014}', '\u{2013}']) {
        return true;
    }
    // (a footnote mark after the word breaks the tie: "Figure¹ 3" is no reference)
    if word.segments.last().is_some_and(|s| s.note.is_some()) {
        return false;
    }
    // ("(see p. 4)", "(pp. 4–5)": an opening bracket or quote aside)
    let before = text(word).to_lowercase();
    let before = before.trim_start_matches(['(', '[', '\u{201c}', '\u{2018}', '"', '\'']);
    next.starts_with(|c: char| c.is_ascii_digit()) && TIE_BEFORE_NUMBER.contains(&before)
}

/// A break between segment `si` of `word` and the next where UAX #14
/// allows one: where a fallback face takes over inside a word (Latin then
/// Chinese), or a box stands for a character no font has, a line may break
/// as it could in one face (after a hyphen, a flagged break).
fn join_break(word: &Word, si: usize, list: &mut ItemList, at: (usize, u8)) {
    let (segment, next) = (&word.segments[si], &word.segments[si + 1]);
    if segment.note.is_none()
        && next.note.is_none()
        && segment.image.is_none()
        && next.image.is_none()
        && (segment.style.face.is_fallback()
            || next.style.face.is_fallback()
            || segment.missing
            || next.missing)
        && at_join(&segment.text, &next.text)
    {
        let after_hyphen = segment
            .text
            .ends_with(['-', '\u{2010}', '\u{2013}', '\u{2014}']);
        list.push(
            LbItem::Penalty {
                width: 0.0,
                penalty: if after_hyphen { 50.0 } else { 0.0 },
                flagged: after_hyphen,
                hang_right: 0.0,
            },
            None,
            None,
            at,
        );
    }
}

/// Whether UAX #14 allows a line break between `before` and `after`.
fn at_join(before: &str, after: &str) -> bool {
    let joined = format!("{before}{after}");
    let found = unicode_linebreak::linebreaks(&joined).any(|(offset, _)| offset == before.len());
    found
}

/// Flattens inline markup into words of styled segments. A segment is cut
/// where a character its face lacks is set in a fallback face
/// ([`Shaper::split`]): same size, rise and link, another face.
fn flatten(
    inlines: &[Inline],
    base: &ParStyle,
    shaper: &mut Shaper,
    images: &crate::images::Images,
    settings: &Settings,
) -> Vec<Word> {
    let mut words = vec![Word::default()];
    let style = Style {
        face: base.face,
        size: base.size,
        rise: 0.0,
        link: None,
        strike: false,
        underline: false,
        mark: false,
        small_caps: false,
        anchor: None,
        lang: None,
        code: None,
    };
    // (inline, style) stack, processed in document order
    let mut stack: Vec<(&Inline, Style)> =
        inlines.iter().rev().map(|i| (i, style.clone())).collect();
    let append = |word: &mut Word, part: &str, style: &Style| match word.segments.last_mut() {
        Some(seg) if seg.style == *style && seg.note.is_none() && seg.image.is_none() => {
            seg.text.push_str(part)
        }
        _ => word.segments.push(Segment {
            image: None,
            text: part.to_string(),
            style: style.clone(),
            note: None,
            missing: false,
            level: 0,
            shaped: None,
        }),
    };
    let mut push_text = |words: &mut Vec<Word>, text: &str, style: &Style| {
        for (i, part) in text.split(words::is_space).enumerate() {
            if i > 0 && !words.last().is_some_and(|w| w.segments.is_empty()) {
                words.push(Word::default());
            }
            if part.is_empty() {
                continue;
            }
            let word = words.last_mut().expect("a word");
            if !shaper.has_fallbacks() {
                append(word, part, style);
                continue;
            }
            for (face, range) in shaper.split(style.face, part) {
                if face == style.face {
                    append(word, &part[range], style);
                } else {
                    // at the size that matches its x-height to the text's
                    let fallback = Style {
                        face,
                        size: style.size * shaper.scale(face),
                        ..style.clone()
                    };
                    append(word, &part[range], &fallback);
                }
            }
        }
    };
    while let Some((inline, style)) = stack.pop() {
        let bold = matches!(style.face, FaceId::Bold | FaceId::BoldItalic);
        let italic = matches!(style.face, FaceId::Italic | FaceId::BoldItalic);
        match inline {
            Inline::Text { text } => push_text(&mut words, text, &style),
            Inline::Code { code } => {
                let whole = code.chars().count() < CODE_KEPT_WHOLE;
                // (bold code in bold text: a heading's, a strong span's)
                let s = Style {
                    face: style.face.code(),
                    size: style.size * 0.9,
                    code: Some(whole),
                    ..style.clone()
                };
                let first = words.len() - 1;
                push_text(&mut words, code, &s);
                // the spaces inside the span: fixed, and kept in a short one
                let last = words.len() - 1;
                for word in &mut words[first..last] {
                    word.code_space = Some(whole);
                }
            }
            Inline::Math { source } => {
                let s = Style {
                    face: FaceId::styled(bold, true),
                    ..style.clone()
                };
                push_text(&mut words, source, &s)
            }
            Inline::Emph { content } => {
                let s = Style {
                    face: if style.face.is_mono() {
                        style.face
                    } else {
                        FaceId::styled(bold, !italic)
                    },
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Strong { content } => {
                let s = Style {
                    face: if style.face.is_mono() {
                        FaceId::MonoBold
                    } else {
                        FaceId::styled(true, italic)
                    },
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Span {
                content,
                classes,
                id,
                lang: span_lang,
            } => {
                let has = |name: &str| classes.iter().any(|c| c == name);
                // HTML's `<kbd>`, `<small>` (the classes pandoc gives them):
                // monospace as code is set, and smaller as CSS's `smaller`
                let (face, size) = if has("kbd") {
                    (style.face.code(), style.size * 0.9)
                } else if has("small") {
                    (style.face, style.size * 0.83)
                } else {
                    (style.face, style.size)
                };
                let s = Style {
                    face,
                    size,
                    underline: style.underline || has("underline"),
                    mark: style.mark || has("mark"),
                    small_caps: style.small_caps
                        || classes
                            .iter()
                            .any(|c| c == "smallcaps" || c == "small-caps"),
                    anchor: id.clone().or_else(|| style.anchor.clone()),
                    lang: match span_lang {
                        Some(tag) => Some(hyphenate::language(tag)),
                        None => style.lang,
                    },
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Strikethrough { content } => {
                let s = Style {
                    strike: true,
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Superscript { content } => {
                let s = Style {
                    size: style.size * 0.7,
                    rise: style.rise + style.size * 0.35,
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Subscript { content } => {
                let s = Style {
                    size: style.size * 0.7,
                    rise: style.rise - style.size * 0.15,
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Link {
                target, content, ..
            } => {
                let link = match target {
                    LinkTarget::Internal { id } => LinkDest::Internal(id.clone()),
                    LinkTarget::External { url } => LinkDest::External(url.clone()),
                };
                let s = Style {
                    link: Some(link),
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Image {
                alt,
                src,
                size,
                pos,
            } => match images.get(src) {
                // its foot on the baseline
                Some(image) => {
                    let (width, height) = inline_image_size(image, *size, base.measure, settings);
                    let word = words.last_mut().expect("a word");
                    word.segments.push(Segment {
                        image: Some(InlineImage {
                            src: src.clone(),
                            width,
                            height,
                            ppi: image.ppi_at(width),
                            pos: *pos,
                        }),
                        text: String::new(),
                        style: style.clone(),
                        note: None,
                        missing: false,
                        level: 0,
                        shaped: None,
                    });
                }
                // an image that could not be read: its alternative text
                None => {
                    let s = Style {
                        face: FaceId::styled(bold, true),
                        ..style.clone()
                    };
                    push_text(&mut words, alt, &s)
                }
            },
            Inline::FootnoteRef { number, id } => {
                let s = Style {
                    size: style.size * 0.7,
                    rise: style.rise + style.size * 0.35,
                    link: Some(LinkDest::Internal(id.clone())),
                    face: FaceId::Regular,
                    ..style.clone()
                };
                let word = words.last_mut().expect("a word");
                word.segments.push(Segment {
                    image: None,
                    text: number.to_string(),
                    style: s,
                    note: Some(*number as usize),
                    missing: false,
                    level: 0,
                    shaped: None,
                });
            }
            Inline::SoftBreak => push_text(&mut words, " ", &style),
            Inline::HardBreak => {
                if let Some(w) = words.last_mut() {
                    w.hard_break = true;
                }
                words.push(Word::default());
            }
            Inline::RawHtml { .. } => {}
        }
    }
    words.retain(|w| !w.segments.is_empty() || w.hard_break);
    words
}

#[cfg(test)]
mod code_wrap_tests {
    use super::{code_break, code_cut, code_wraps, CODE_STEP};

    fn pieces(line: &str, cols: usize) -> (Vec<String>, usize) {
        let chars: Vec<char> = line.chars().collect();
        let (ranges, cont) = code_wraps(&chars, cols);
        let text = ranges
            .into_iter()
            .map(|r| chars[r].iter().collect())
            .collect();
        (text, cont)
    }

    #[test]
    fn a_long_line_wraps_at_token_boundaries_under_its_indent() {
        let line = "    let mut username_file = File::open(path).expect(\"the configuration file should be readable\");";
        let (p, cont) = pieces(line, 40);
        assert_eq!(cont, 4 + CODE_STEP);
        assert!(p.len() > 2, "{p:?}");
        assert_eq!(p.concat().replace(' ', ""), line.replace(' ', ""));
        for (i, piece) in p.iter().enumerate() {
            let room = if i == 0 { 40 } else { 40 - cont };
            assert!(piece.chars().count() <= room, "{piece:?}");
            assert!(i == 0 || !piece.starts_with(' '), "{piece:?}");
        }
        // no piece ends inside an identifier
        for w in p.windows(2) {
            let (a, b) = (w[0].chars().last().unwrap(), w[1].chars().next().unwrap());
            assert!(
                !(a.is_alphanumeric() && b.is_alphanumeric()) || w[0].ends_with(' '),
                "{p:?}"
            );
        }
    }

    #[test]
    fn boundaries() {
        let ok = |s: &str, b: usize| code_break(&s.chars().collect::<Vec<_>>(), b);
        assert!(ok("a, b", 2)); // after the comma (before the space)
        assert!(ok("a, b", 3)); // after the space
        assert!(ok("std::io", 5)); // after `::`
        assert!(!ok("std::io", 4)); // inside `::`
        assert!(ok("x.expect", 2)); // after `.`
        assert!(ok("open(path", 5)); // after `(`
        assert!(ok("a*b", 2)); // after an infix operator
        assert!(!ok("identifier", 4)); // inside a word
        assert!(!ok("a->b", 2)); // inside an operator
        assert!(!ok(" --input", 3)); // after a prefix
        assert!(!ok("2.85", 2)); // inside a number
        assert!(!ok("f(x)", 3)); // before a closing bracket
        assert!(!ok("open(path).x", 9)); // before `.`
    }

    #[test]
    fn inline_code_breaks() {
        let cuts = |s: &str| -> Vec<usize> { (1..s.len()).filter(|&i| code_cut(s, i)).collect() };
        assert_eq!(cuts("std::collections::HashMap"), [5, 18]);
        assert_eq!(cuts("src/bin/tool_0.rs"), [4, 8, 13]);
        assert_eq!(cuts("read_username"), [5]);
        assert!(cuts("IpAddrKind").is_empty());
        assert!(cuts("--input").is_empty());
    }

    #[test]
    fn a_token_longer_than_the_line_is_cut_at_the_last_column() {
        let long = "x".repeat(50);
        let (p, cont) = pieces(&format!("  {long}()"), 20);
        assert_eq!(p[0].chars().count(), 20);
        assert!(p[1..].iter().all(|x| x.chars().count() <= 20 - cont));
        assert_eq!(p.concat(), format!("  {long}()"));
        // a short line, and an empty one, are one piece
        assert_eq!(pieces("fn f() {}", 20).0, ["fn f() {}"]);
        assert_eq!(pieces("", 20).0, [""]);
    }
}
