//! Block flow: the tree's blocks → a vertical list of lines and spaces.
//!
//! Paragraphs are shaped word by word, hyphenation points become flagged
//! penalties, and the Knuth–Plass breaker ([`super::linebreak`]) picks the
//! lines. Each line is a box of positioned glyph runs with everything the
//! page builder needs: its height, whether a page may break after it
//! (widows, orphans, headings kept with their text), the notes it refers to,
//! and where in the tree it starts (for the EPUB's page-list).

use hypher::Lang;
use std::sync::Arc;

use super::fonts::FaceId;
use super::frame::{GlyphRun, Item, LinkDest, PlacedGlyph, Pt};
use super::hyphenate;
use super::linebreak::{self, Item as LbItem, Params};
use super::shape::Shaper;
use super::{Report, Settings};
use crate::doc::{plain_text, Align, Block, BlockKind, Inline, LinkTarget, Pos};
use crate::highlight::TokenKind;

/// One element of a chapter's vertical list.
#[derive(Clone, Debug)]
pub enum VItem {
    /// A line of text or any other unbreakable box.
    Line(Line),
    /// Vertical space; discarded at the top of a page.
    Space(f64),
    /// A forced page break (`\\newpage`): the page ends here, unfilled.
    PageBreak,
}

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
}

impl Line {
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

/// An image set in a line, scaled as a figure's image would be.
#[derive(Clone, Debug)]
struct InlineImage {
    src: String,
    width: f64,
    height: f64,
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
}

/// Inline content flattened to words.
#[derive(Clone, Debug, Default)]
struct Word {
    segments: Vec<Segment>,
    /// Followed by a forced line break.
    hard_break: bool,
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
    /// Anywhere in a word too long for the measure.
    Anywhere,
    /// The end of the segment.
    End,
}

/// A box of glyphs: part of a word in one style.
#[derive(Clone, Debug)]
struct Piece {
    style: Style,
    glyphs: Vec<PlacedGlyph>,
    width: f64,
    note: Option<usize>,
    /// An image set in place of glyphs.
    image: Option<InlineImage>,
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
}

impl ItemList {
    fn push(&mut self, item: LbItem, piece: Option<Piece>, hyphen: Option<Piece>, word: usize) {
        self.items.push(item);
        self.pieces.push(piece);
        self.hyphens.push(hyphen);
        self.words.push(word);
    }
}

impl<'a> Flow<'a> {
    /// Lays out a paragraph of `inlines`; returns its lines.
    pub fn paragraph(&mut self, inlines: &[Inline], style: &ParStyle, block: &Block) -> Vec<Line> {
        let words = flatten(inlines, style, self.shaper, self.images, self.settings);
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
                0,
            );
        }
        let space = self.shaper.width(style.face, " ") * style.size;
        let mut text_word = 0usize; // index among words of the block's text
        for (w, word) in words.iter().enumerate() {
            let is_text_word = word.segments.iter().any(|s| s.note.is_none());
            let word_index = text_word;
            if is_text_word {
                text_word += 1;
            }
            let seg_count = word.segments.len();
            for (si, segment) in word.segments.iter().enumerate() {
                if let Some(image) = &segment.image {
                    let width = image.width;
                    let box_ = LbItem::Box {
                        width,
                        hang_left: 0.0,
                        hang_right: 0.0,
                    };
                    let piece = Piece {
                        style: segment.style.clone(),
                        glyphs: Vec::new(),
                        width,
                        note: None,
                        image: Some(image.clone()),
                    };
                    list.push(box_, Some(piece), None, word_index);
                    continue;
                }
                let shaped = if segment.style.small_caps {
                    self.shaper
                        .shape_small_caps(segment.style.face, &segment.text)
                } else {
                    self.shaper.shape(segment.style.face, &segment.text)
                };
                if !shaped.missing.is_empty() {
                    for c in &shaped.missing {
                        self.report.missing_glyph(*c, block.pos, self.files);
                    }
                }
                if segment.style.face.is_fallback() {
                    let family = self.shaper.family(segment.style.face);
                    self.report.fallback(family, shaped.glyphs.len());
                }
                let size = segment.style.size;
                // where the segment may break, at glyph boundaries: hyphenation
                // points (a hyphen is added), Unicode line-break opportunities
                // (UAX #14: after a hyphen or dash, between ideographs), and,
                // for a word longer than the measure, anywhere
                let mut cuts: Vec<(usize, Cut)> = Vec::new();
                let bounds = shaped.boundaries();
                let boundary_at = |offset: usize| {
                    bounds
                        .binary_search_by_key(&(offset as u32), |&(cluster, _)| cluster)
                        .ok()
                        .map(|i| bounds[i].1)
                };
                if segment.note.is_none() {
                    if style.mode == Mode::Justified {
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
                    for (offset, _) in unicode_linebreak::linebreaks(&segment.text) {
                        if offset < segment.text.len() {
                            if let Some(g) = boundary_at(offset) {
                                cuts.push((g, Cut::Opportunity));
                            }
                        }
                    }
                    // a piece between break points still wider than the measure
                    cuts.sort_by_key(|&(g, kind)| (g, kind));
                    let mut edges: Vec<usize> = cuts.iter().map(|c| c.0).collect();
                    edges.push(shaped.glyphs.len());
                    let mut from = 0;
                    let too_wide = edges.iter().any(|&to| {
                        let wide = to > from && shaped.width_of(from..to) * size > style.measure;
                        from = to;
                        wide
                    });
                    if too_wide {
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
                    cuts.retain(|&(g, _)| g > 0 && g < shaped.glyphs.len());
                }
                cuts.push((shaped.glyphs.len(), Cut::End));
                let mut start = 0;
                for &(cut, kind) in &cuts {
                    let glyphs: Vec<PlacedGlyph> = shaped.glyphs[start..cut]
                        .iter()
                        .map(|g| PlacedGlyph {
                            id: g.id,
                            advance: (g.advance * size) as f32,
                            rise: (segment.style.rise + g.y_offset * size) as f32,
                        })
                        .collect();
                    let width: f64 = glyphs.iter().map(|g| f64::from(g.advance)).sum();
                    let text: String = shaped.glyphs[start..cut].iter().map(|g| &*g.text).collect();
                    let first = si == 0 && start == 0;
                    let last = si + 1 == seg_count && cut == shaped.glyphs.len();
                    let hl = if first && style.mode == Mode::Justified {
                        text.chars().next().map_or(0.0, hang_left)
                            * glyphs.first().map_or(0.0, |g| f64::from(g.advance))
                    } else {
                        0.0
                    };
                    let hr = if last && style.mode == Mode::Justified {
                        text.chars().last().map_or(0.0, hang_right)
                            * glyphs.last().map_or(0.0, |g| f64::from(g.advance))
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
                            style: segment.style.clone(),
                            glyphs,
                            width,
                            note: segment.note,
                            image: None,
                        }),
                        None,
                        word_index,
                    );
                    match kind {
                        Cut::Hyphen => {
                            let hyphen = self.hyphen(&segment.style);
                            list.push(
                                // TeX's \hyphenpenalty
                                LbItem::Penalty {
                                    width: hyphen.width,
                                    penalty: 50.0,
                                    flagged: true,
                                    hang_right: hyphen.width * hang_right('-'),
                                },
                                None,
                                Some(hyphen),
                                word_index,
                            );
                        }
                        Cut::Opportunity | Cut::Anywhere => {
                            // after an explicit hyphen TeX charges \exhyphenpenalty
                            // (50, flagged); between ideographs a break is free;
                            // breaking a word anywhere is a last resort
                            let after_hyphen = shaped.glyphs[..cut].last().is_some_and(|g| {
                                g.text.ends_with(['-', '\u{2010}', '\u{2013}', '\u{2014}'])
                            });
                            let (penalty, flagged) = match kind {
                                Cut::Anywhere => (5000.0, false),
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
                                word_index,
                            );
                        }
                        Cut::End => {}
                    }
                    start = cut;
                }
                // an explicit hyphen or dash inside a word is a break point
                if si + 1 < seg_count {
                    // where a fallback face takes over inside a word (Latin
                    // then Chinese), a line may break as it could in one face
                    let next = &word.segments[si + 1];
                    if segment.note.is_none()
                        && next.note.is_none()
                        && (segment.style.face.is_fallback() || next.style.face.is_fallback())
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
                            word_index,
                        );
                    }
                    continue;
                }
            }
            if word.hard_break {
                for item in forced_line_end() {
                    list.push(item, None, None, word_index);
                }
            } else if w + 1 < words.len() {
                let (stretch, shrink) = match style.mode {
                    // TeX's interword glue for a roman font: stretch 1/2, shrink 1/3 of the space
                    Mode::Justified => (space / 2.0, space / 3.0),
                    Mode::Ragged | Mode::Centered => (0.0, 0.0),
                };
                list.push(
                    LbItem::Glue {
                        width: space,
                        stretch,
                        shrink,
                    },
                    None,
                    None,
                    word_index + usize::from(is_text_word),
                );
            }
        }
        if list.items.is_empty() {
            return Vec::new();
        }
        // the end of a paragraph, as TeX ends one: \penalty10000 \hfil \penalty-10000
        let n_words = text_word;
        for item in forced_line_end() {
            list.push(item, None, None, n_words);
        }
        let ItemList {
            items,
            pieces,
            hyphens: hyphen_glyphs,
            words: word_of_item,
        } = list;
        let measure = style.measure;
        let params = Params {
            emergency_stretch: 1.5 * style.size,
            // every line has the measure (a first-line indent is a box)
            same_width_from: 0,
            ..Params::default()
        };
        let breaks = match style.mode {
            Mode::Justified => linebreak::break_lines(&items, &|_| measure, &params),
            Mode::Ragged => linebreak::first_fit(&items, &|_| measure, &params),
            Mode::Centered => balanced(&items, measure, &params),
        };
        let mut lines = Vec::with_capacity(breaks.lines.len());
        let ascent = style.leading * 0.75;
        let descent = style.leading - ascent;
        let mut hyphen_run = 0usize;
        // span anchors already placed (a span over two lines has one)
        let mut anchored: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (li, lb) in breaks.lines.iter().enumerate() {
            let last_line = li + 1 == breaks.lines.len();
            let mut x = style.indent_left;
            let mut first_box = true;
            let mut runs: Vec<Item> = Vec::new();
            let mut run_end = 0.0;
            let mut line_notes = Vec::new();
            let mut line_ascent = ascent;
            let mut link_spans: Vec<(f64, f64, LinkDest, f64)> = Vec::new();
            // highlights, drawn before the line's text
            let mut shades: Vec<Item> = Vec::new();
            let justify = style.mode == Mode::Justified && !last_line;
            let ratio = if justify {
                lb.ratio
            } else {
                lb.ratio.clamp(-1.0, 0.0)
            };
            // natural width for centring
            for (i, item) in items.iter().enumerate().take(lb.end).skip(lb.start) {
                match item {
                    LbItem::Box { hang_left, .. } => {
                        if first_box && style.mode == Mode::Justified {
                            x -= hang_left;
                        }
                        first_box = false;
                        if let Some(piece) = &pieces[i] {
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
                                link_spans.push((
                                    x,
                                    x + piece.width,
                                    link.clone(),
                                    piece.style.size,
                                ));
                            }
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
                            } else {
                                push_run(
                                    &mut runs,
                                    &mut run_end,
                                    (piece.style.face, piece.style.size),
                                    x,
                                    &piece.glyphs,
                                    piece.width,
                                );
                            }
                            x += piece.width;
                        } else if let LbItem::Box { width, .. } = item {
                            x += width;
                        }
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
                            x += w;
                        }
                    }
                    LbItem::Penalty { .. } => {}
                }
            }
            // the hyphen at a hyphenated break
            if lb.hyphenated {
                if let Some(Some(h)) = hyphen_glyphs.get(lb.end) {
                    // (a struck, underlined or marked word is so to its hyphen)
                    decorate(&h.style, (x, h.width), style.size, &mut runs, &mut shades);
                    push_run(
                        &mut runs,
                        &mut run_end,
                        (h.style.face, h.style.size),
                        x,
                        &h.glyphs,
                        h.width,
                    );
                    x += h.width;
                }
                hyphen_run += 1;
                self.report.hyphenated_lines += 1;
                self.report.longest_hyphen_run = self.report.longest_hyphen_run.max(hyphen_run);
            } else {
                hyphen_run = 0;
            }
            let width = x - style.indent_left;
            if style.mode == Mode::Centered {
                let shift = ((measure - width) / 2.0).max(0.0);
                shift_items(&mut runs, shift);
                for span in &mut link_spans {
                    span.0 += shift;
                    span.1 += shift;
                }
            }
            for (x0, x1, target, size) in link_spans {
                runs.push(Item::Link {
                    rect: [x0, -size * 0.8, x1 - x0, size * 1.05],
                    target,
                });
            }
            if !shades.is_empty() {
                if style.mode == Mode::Centered {
                    shift_items(&mut shades, ((measure - width) / 2.0).max(0.0));
                }
                shades.append(&mut runs);
                runs = shades;
            }
            // protrusion may take a line up to 0.6 em past the measure
            if lb.overfull || Pt(width).exceeds(Pt(measure + style.size * 0.6)) {
                self.report.overfull(block.pos, self.files, width - measure);
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

    /// The hyphen glyph for a style.
    fn hyphen(&mut self, style: &Style) -> Piece {
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
            style: style.clone(),
            glyphs,
            width,
            note: None,
            image: None,
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
        for (i, block) in note.blocks.iter().enumerate() {
            let mut inlines = Vec::new();
            if i == 0 {
                inlines.push(Inline::Superscript {
                    content: vec![Inline::Text {
                        text: n.to_string(),
                    }],
                });
                inlines.push(Inline::Text {
                    text: "\u{a0}".to_string(),
                });
            }
            let content = match &block.kind {
                BlockKind::Paragraph { content } => content.clone(),
                other => vec![Inline::Text {
                    text: plain_text_of_block(other),
                }],
            };
            inlines.extend(content);
            let style = ParStyle {
                face: FaceId::Regular,
                size,
                leading: s.note_leading,
                measure: s.measure,
                indent_left: 0.0,
                first_indent: if i == 0 { 0.0 } else { size },
                mode: Mode::Justified,
            };
            self.note_stack.push(n);
            let mut par = self.paragraph(&inlines, &style, block);
            self.note_stack.pop();
            for line in &mut par {
                line.mark = None;
                line.break_after = true;
                hosted.extend(line.notes.drain(..).flatten());
            }
            if i == 0 {
                if let Some(first) = par.first_mut() {
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

    /// Lays out a block and everything in it at `indent`.
    pub fn block(&mut self, block: &Block, ctx: &BlockCtx, out: &mut Vec<VItem>) {
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
            let right = ctx.indent_right.min(s.measure * 0.25);
            bounded = BlockCtx {
                indent_left: ctx.indent_left.min(s.measure * 0.5 - right),
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
                let (face, size) = match level {
                    2 => (FaceId::Bold, ctx.size * 1.1),
                    3 => (FaceId::BoldItalic, ctx.size),
                    _ => (FaceId::Italic, ctx.size),
                };
                out.push(VItem::Space(
                    ctx.leading * if *level == 2 { 1.0 } else { 0.5 },
                ));
                let style = ParStyle {
                    face,
                    size,
                    leading: ctx.leading,
                    mode: Mode::Ragged,
                    ..body
                };
                let styled = restyle(content, face);
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
                out.push(VItem::Space(ctx.leading * 0.25));
            }
            BlockKind::BlockQuote { blocks } => {
                let inner = BlockCtx {
                    indent_left: ctx.indent_left + ctx.size * 1.5,
                    indent_right: ctx.indent_right + ctx.size * 1.5,
                    size: ctx.size * 0.95,
                    leading: ctx.leading * 0.95,
                    indent_first: false,
                };
                out.push(VItem::Space(ctx.leading * 0.5));
                self.blocks(blocks, &inner, out);
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::List {
                start,
                items,
                numbering,
                ..
            } => {
                out.push(VItem::Space(ctx.leading * 0.3));
                let label_width = ctx.size * 1.6;
                for (i, item) in items.iter().enumerate() {
                    let label = match (item.checked, start) {
                        (Some(true), _) => "\u{d7}".to_string(),
                        (Some(false), _) => String::new(),
                        // a tree may start a list anywhere, even at u64::MAX
                        (None, Some(n)) => numbering.label(n.saturating_add(i as u64)),
                        (None, None) => "\u{2022}".to_string(),
                    };
                    let inner = BlockCtx {
                        indent_left: ctx.indent_left + label_width,
                        indent_first: false,
                        ..*ctx
                    };
                    let before = out.len();
                    self.blocks(&item.blocks, &inner, out);
                    // hang the label on the item's first line
                    if let Some(VItem::Line(first)) = out[before..]
                        .iter_mut()
                        .find(|v| matches!(v, VItem::Line(_)))
                    {
                        let mut run = self.run(&label, FaceId::Regular, ctx.size);
                        if item.checked.is_some() {
                            // a task: a square drawn with rules, a cross inside when done
                            let side = ctx.size * 0.62;
                            let x = ctx.indent_left + label_width - side - ctx.size * 0.4;
                            let top = -side - ctx.size * 0.02;
                            let t = ctx.size * 0.05;
                            for (rx, ry, w, h) in [
                                (x, top, side, t),
                                (x, top + side - t, side, t),
                                (x, top, t, side),
                                (x + side - t, top, t, side),
                            ] {
                                first.items.push(Item::Rule {
                                    x: rx,
                                    y: ry,
                                    width: w,
                                    height: h,
                                });
                            }
                            run.x = x + (side - run.width()) / 2.0;
                        } else {
                            run.x = ctx.indent_left + label_width - run.width() - ctx.size * 0.4;
                        }
                        first.items.push(Item::Glyphs(run));
                    }
                }
                out.push(VItem::Space(ctx.leading * 0.3));
            }
            BlockKind::CodeBlock { lang, code } => {
                out.push(VItem::Space(ctx.leading * 0.4));
                let size = ctx.size * 0.82;
                let leading = ctx.leading * 0.85;
                let char_w = self.shaper.width(FaceId::Mono, "0") * size;
                let cols = ((measure - ctx.size * 0.5) / char_w).floor().max(8.0) as usize;
                debug_assert!(cols > 2);
                let mut lines = Vec::new();
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
                    // wrapped code: continuation lines start with an arrow and
                    // two columns of indent, so they are two columns shorter
                    let mut chunks: Vec<&[(char, TokenKind)]> = Vec::new();
                    let mut rest: &[(char, TokenKind)] = &chars;
                    while !rest.is_empty() || chunks.is_empty() {
                        let take = if chunks.is_empty() { cols } else { cols - 2 }.min(rest.len());
                        chunks.push(&rest[..take]);
                        rest = &rest[take..];
                    }
                    if chunks.len() > 1 {
                        self.report.wrapped_code_lines += 1;
                    }
                    for (ci, chunk) in chunks.into_iter().enumerate() {
                        let mut items = Vec::new();
                        let mut indent = ctx.indent_left + ctx.size * 0.5;
                        if ci > 0 {
                            // continuation mark: an arrow where the indent is
                            let mut mark = self.run("\u{2192}", FaceId::Regular, size * 0.8);
                            mark.x = indent;
                            items.push(Item::Glyphs(mark));
                            indent += 2.0 * char_w;
                        }
                        // one glyph run per stretch of one token kind, in its colour
                        let mut x = indent;
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
                        for piece in chunk.chunk_by(|a, b| a.1 == b.1) {
                            let text: String = piece.iter().map(|(c, _)| c).collect();
                            if x > indent && piece[0].0.is_whitespace() {
                                shift += 0.002;
                            }
                            for mut run in self.runs(&text, FaceId::Mono, size, block.pos) {
                                run.x = x - shift;
                                run.color = piece[0].1.print_rgb();
                                x += run.width();
                                items.push(Item::Glyphs(run));
                            }
                        }
                        lines.push(Line {
                            ascent: leading * 0.75,
                            descent: leading * 0.25,
                            items,
                            break_after: true,
                            notes: Vec::new(),
                            mark: (ci == 0 && lines.is_empty()).then(|| (block.id.clone(), 0)),
                            headings: Vec::new(),
                            pos: Some(block.pos),
                            repeat: None,
                        });
                    }
                }
                let n = lines.len();
                if n >= 2 {
                    lines[0].break_after = false;
                    lines[n - 2].break_after = false;
                }
                out.extend(lines.into_iter().map(VItem::Line));
                out.push(VItem::Space(ctx.leading * 0.4));
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
                    out.push(VItem::Space(ctx.leading * 0.5));
                    let mut lines =
                        self.paragraph(&restyle(caption, FaceId::Italic), &style, block);
                    for line in &mut lines {
                        line.mark = None;
                        line.break_after = false;
                    }
                    out.extend(lines.into_iter().map(VItem::Line));
                }
                self.table(block, (aligns, spans), head, rows, ctx, out);
            }
            BlockKind::Figure {
                caption, alt, src, ..
            } => {
                out.push(VItem::Space(ctx.leading * 0.5));
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
                if let Some(image) = image {
                    let (width, height) = image_size(image, measure, s);
                    out.push(VItem::Line(Line {
                        ascent: height,
                        descent: ctx.leading * 0.4,
                        items: vec![Item::Image {
                            src: src.clone(),
                            x: ctx.indent_left + (measure - width) / 2.0,
                            y: -height,
                            width,
                            height,
                        }],
                        // the image keeps with its caption
                        break_after: caption.is_empty(),
                        mark: Some((block.id.clone(), 0)),
                        pos: Some(block.pos),
                        ..Line::default()
                    }));
                }
                if image.is_none() || !caption.is_empty() {
                    let style = ParStyle {
                        face: FaceId::Italic,
                        size: ctx.size * 0.9,
                        mode: Mode::Centered,
                        ..body
                    };
                    let mut lines = self.paragraph(&restyle(&text, FaceId::Italic), &style, block);
                    if image.is_some() {
                        for line in &mut lines {
                            line.mark = None;
                        }
                    }
                    out.extend(lines.into_iter().map(VItem::Line));
                }
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::ThematicBreak => {
                let mut run = self.run("\u{2042}", FaceId::Regular, ctx.size);
                if run.glyphs.iter().any(|g| g.id == 0) {
                    run = self.run("*\u{2003}*\u{2003}*", FaceId::Regular, ctx.size);
                }
                run.x = ctx.indent_left + (measure - run.width()) / 2.0;
                out.push(VItem::Space(ctx.leading * 0.5));
                out.push(VItem::Line(Line {
                    ascent: ctx.leading * 0.75,
                    descent: ctx.leading * 0.25,
                    items: vec![Item::Glyphs(run)],
                    break_after: true,
                    mark: Some((block.id.clone(), 0)),
                    pos: Some(block.pos),
                    ..Line::default()
                }));
                out.push(VItem::Space(ctx.leading * 0.5));
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    let term_style = ParStyle {
                        face: FaceId::Bold,
                        mode: Mode::Ragged,
                        ..body.clone()
                    };
                    let mut lines =
                        self.paragraph(&restyle(&item.term, FaceId::Bold), &term_style, block);
                    for line in &mut lines {
                        line.break_after = false;
                    }
                    out.extend(lines.into_iter().map(VItem::Line));
                    let inner = BlockCtx {
                        indent_left: ctx.indent_left + ctx.size * 1.5,
                        indent_first: false,
                        ..*ctx
                    };
                    for def in &item.definitions {
                        self.blocks(def, &inner, out);
                    }
                }
            }
            BlockKind::RawHtml { .. } => {}
            BlockKind::PageBreak => out.push(VItem::PageBreak),
            BlockKind::Div { blocks, .. } => self.blocks(blocks, ctx, out),
            BlockKind::Callout { kind, blocks } => {
                // set off as a quotation is, under a bold title, with a rule
                // down its left side
                let inner = BlockCtx {
                    indent_left: ctx.indent_left + ctx.size * 1.5,
                    indent_right: ctx.indent_right,
                    indent_first: false,
                    ..*ctx
                };
                out.push(VItem::Space(ctx.leading * 0.5));
                let start = out.len();
                let title_style = ParStyle {
                    face: FaceId::Bold,
                    mode: Mode::Ragged,
                    indent_left: inner.indent_left,
                    measure: measure - ctx.size * 1.5,
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
                let x = ctx.indent_left + ctx.size * 0.3;
                let width = ctx.size * 0.08;
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
                // the space between its paragraphs is ruled too
                if let Some(last) = last_line {
                    for i in start..last {
                        if let VItem::Space(h) = out[i] {
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
        for block in blocks {
            let is_paragraph = matches!(block.kind, BlockKind::Paragraph { .. });
            let ctx = BlockCtx {
                indent_first: is_paragraph && previous_was_paragraph,
                ..*ctx
            };
            self.block(block, &ctx, out);
            previous_was_paragraph = is_paragraph;
        }
    }

    /// `text` in `face` as glyph runs, unpositioned (to be set one after
    /// the other): one run, or several where a fallback face sets what
    /// `face` lacks. What no face has is reported at `pos`.
    pub fn runs(&mut self, text: &str, face: FaceId, size: f64, pos: Pos) -> Vec<GlyphRun> {
        let mut out = Vec::new();
        for (f, range) in self.shaper.split(face, text) {
            let part = &text[range];
            let shaped = self.shaper.shape(f, part);
            for &c in &shaped.missing {
                self.report.missing_glyph(c, pos, self.files);
            }
            if f.is_fallback() {
                let family = self.shaper.family(f);
                self.report.fallback(family, shaped.glyphs.len());
            }
            out.push(self.run(part, f, size));
        }
        out
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
        // column widths from content: natural widths, scaled down to fit
        let mut natural = vec![size * 2.0; ncols];
        let head_row = std::iter::once((head, FaceId::Bold));
        for (row, face) in head_row.chain(rows.iter().map(|r| (r.as_slice(), FaceId::Regular))) {
            for (c, cell) in row.iter().enumerate().take(ncols) {
                let w = self.shaper.width(face, &plain_text(cell)) * size;
                natural[c] = natural[c].max(w.min(measure));
            }
        }
        let available = measure - gap * (ncols as f64 - 1.0);
        let total: f64 = natural.iter().sum();
        let widths: Vec<f64> = if total <= available {
            natural
        } else {
            // share the width: each column gets at least an equal part of what
            // is left after short columns take their natural width
            let fair = available / ncols as f64;
            let short: f64 = natural.iter().filter(|&&w| w <= fair).sum();
            let long: f64 = natural.iter().filter(|&&w| w > fair).sum();
            let rest = available - short;
            natural
                .iter()
                .map(|&w| if w <= fair { w } else { w / long * rest })
                .collect()
        };
        let total_width: f64 = widths.iter().sum::<f64>() + gap * (ncols as f64 - 1.0);
        let rule = |y: f64, thick: f64| Item::Rule {
            x: ctx.indent_left,
            y,
            width: total_width,
            height: thick,
        };
        out.push(VItem::Space(leading * 0.5));
        // a table written without a header (pandoc's headerless tables) has none
        let header = if head.is_empty() {
            Vec::new()
        } else {
            self.table_row(
                head,
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
            let mut lines = self.table_row(
                row,
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
        }
        if header_rows == 0 {
            if let Some(first) = all.first_mut() {
                first.items.push(rule(-first.ascent - 2.0, 0.6));
            }
        }
        if let Some(last) = all.last_mut() {
            last.items.push(rule(last.descent + 1.0, 0.6));
        }
        if let Some(first) = all.first_mut() {
            first.mark = Some((block.id.clone(), 0));
        }
        // the header may not be left alone at a page foot
        for line in all.iter_mut().take(header_rows) {
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
        out.push(VItem::Space(leading * 0.5));
    }

    /// One table row: its cells set ragged in their columns, as lines.
    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        cells: &[Vec<Inline>],
        widths: &[f64],
        aligns: &[Align],
        gap: f64,
        face: FaceId,
        size: f64,
        leading: f64,
        ctx: &BlockCtx,
        block: &Block,
    ) -> Vec<Line> {
        let mut columns: Vec<Vec<Line>> = Vec::new();
        let mut x = ctx.indent_left;
        for (c, width) in widths.iter().enumerate() {
            if *width <= 0.0 {
                // covered by a cell spanning columns
                x += width + gap;
                continue;
            }
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
            };
            let mut lines = self.paragraph(&restyle(&cell, face), &style, block);
            if align == Align::Right {
                for line in &mut lines {
                    let w = line_width(&line.items, x);
                    shift_items(&mut line.items, (width - w).max(0.0));
                }
            }
            columns.push(lines);
            x += width + gap;
        }
        let height = columns.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut out = Vec::with_capacity(height);
        for i in 0..height {
            let mut line = Line {
                ascent: leading * 0.75,
                descent: leading * 0.25,
                break_after: i + 1 == height,
                pos: Some(block.pos),
                ..Line::default()
            };
            for column in &mut columns {
                if let Some(cell_line) = column.get_mut(i) {
                    // a cell's line made taller by an image makes the row so
                    line.ascent = line.ascent.max(cell_line.ascent);
                    line.items.append(&mut cell_line.items);
                    line.notes.append(&mut cell_line.notes);
                }
            }
            out.push(line);
        }
        out
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

/// Adds `glyphs` at `x` on a line's baseline: to the run before when it is
/// in the same face and size, the space between them added to its last
/// glyph's advance (as TeX's output moves the pen between words), else as
/// a run of their own. A line is then a run per change of style, not a run
/// per word: a long book holds a tenth of the runs.
///
/// `end` is where the last run pushed ends; it is moved past `glyphs`
/// (`width` wide).
fn push_run(
    runs: &mut Vec<Item>,
    end: &mut f64,
    (face, size): (FaceId, f64),
    x: f64,
    glyphs: &[PlacedGlyph],
    width: f64,
) {
    let gap = x - *end;
    *end = x + width;
    if let Some(Item::Glyphs(last)) = runs.last_mut() {
        if last.face == face && last.size == size && last.color.is_none() && last.y == 0.0 {
            // the line's own run: not shared yet, so not copied
            let own = Arc::make_mut(&mut last.glyphs);
            if let Some(final_glyph) = own.last_mut() {
                final_glyph.advance += gap as f32;
                own.extend_from_slice(glyphs);
                return;
            }
        }
    }
    runs.push(Item::Glyphs(GlyphRun {
        face,
        size,
        x,
        y: 0.0,
        glyphs: Arc::new(glyphs.to_vec()),
        color: None,
    }));
}

/// An image's size on the page, in points: its natural size at 150 pixels
/// per inch, at most `measure` wide and 60 % of the text block high.
fn image_size(image: &crate::images::Image, measure: f64, s: &Settings) -> (f64, f64) {
    let width = f64::from(image.width) * 72.0 / 150.0;
    let height = f64::from(image.height) * 72.0 / 150.0;
    let scale = (measure / width).min(s.text_height * 0.6 / height).min(1.0);
    (width * scale, height * scale)
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

/// The letters of a word without leading and trailing punctuation, with the
/// byte offset where they start.
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

/// Wraps inline content so its plain text is set in `face` (for headings).
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
        }),
    };
    let mut push_text = |words: &mut Vec<Word>, text: &str, style: &Style| {
        for (i, part) in text
            .split(|c: char| c.is_whitespace() && c != '\u{a0}')
            .enumerate()
        {
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
                    let fallback = Style {
                        face,
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
                let s = Style {
                    face: FaceId::Mono,
                    size: style.size * 0.9,
                    ..style.clone()
                };
                push_text(&mut words, code, &s)
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
                    face: if style.face == FaceId::Mono {
                        FaceId::Mono
                    } else {
                        FaceId::styled(bold, !italic)
                    },
                    ..style.clone()
                };
                stack.extend(content.iter().rev().map(|i| (i, s.clone())));
            }
            Inline::Strong { content } => {
                let s = Style {
                    face: if style.face == FaceId::Mono {
                        FaceId::Mono
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
                    (FaceId::Mono, style.size * 0.9)
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
            Inline::Image { alt, src, .. } => match images.get(src) {
                // sized as a figure's image, its foot on the baseline
                Some(image) => {
                    let (width, height) = image_size(image, base.measure, settings);
                    let word = words.last_mut().expect("a word");
                    word.segments.push(Segment {
                        image: Some(InlineImage {
                            src: src.clone(),
                            width,
                            height,
                        }),
                        text: String::new(),
                        style: style.clone(),
                        note: None,
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
