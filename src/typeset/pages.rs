//! Page makeup: a chapter's vertical list → pages, then the book around
//! them (front matter, table of contents, blank versos so chapters open on
//! rectos, running heads, folios, page labels, the page map).
//!
//! Page breaking is greedy with backtracking to the last legal break: lines
//! mark whether a page may end after them (no orphans, no widows, headings
//! kept with what follows). Notes go to the foot of the page that carries
//! their reference; a note too long for the space left continues on the
//! next page.

use super::flow::{Line, VItem};
use super::fonts::FaceId;
use super::frame::{Item, OutlineEntry, Page, Pt};
use super::Settings;
use crate::doc::PageStart;

/// A body page before the book is assembled: lines with baselines relative to
/// the top of the text block.
#[derive(Clone, Debug, Default)]
pub struct BodyPage {
    /// (baseline, line) pairs of the main text.
    pub lines: Vec<(f64, Line)>,
    /// Note lines at the foot, baselines relative to the text block top.
    pub notes: Vec<(f64, Line)>,
    /// `true` on a chapter's first page (no running head).
    pub opening: bool,
    /// Where the page had to end although no break was allowed there (a
    /// widow, an orphan or a heading left at the foot): the last line's source.
    pub bad_break: Option<crate::doc::Pos>,
}

/// The page builder's state for one page.
#[derive(Default)]
struct Build {
    items: Vec<VItem>,
    /// Note lines carried over from the previous page.
    carry: Vec<Line>,
}

fn note_height(lines: &[Line]) -> f64 {
    lines.iter().map(Line::height).sum()
}

impl Build {
    fn body_height(&self) -> f64 {
        let mut h = 0.0;
        let mut started = false;
        for item in &self.items {
            match item {
                VItem::Space(s) if started => h += s,
                VItem::Space(_) | VItem::PageBreak => {}
                VItem::Line(l) => {
                    started = true;
                    h += l.height();
                }
            }
        }
        h
    }

    fn notes_height(&self, separator: f64) -> f64 {
        let mut h = note_height(&self.carry);
        for item in &self.items {
            if let VItem::Line(l) = item {
                for note in &l.notes {
                    h += note_height(note);
                }
            }
        }
        if h > 0.0 {
            h + separator
        } else {
            0.0
        }
    }

    fn is_empty(&self) -> bool {
        !self.items.iter().any(|i| matches!(i, VItem::Line(_)))
    }
}

/// Breaks a chapter's vertical list into pages.
pub fn break_pages(items: Vec<VItem>, s: &Settings) -> Vec<BodyPage> {
    let cap = s.text_height;
    let separator = s.leading;
    let mut pages = Vec::new();
    let mut cur = Build::default();
    let mut queue: std::collections::VecDeque<VItem> = items.into();
    // how many lines at the top of `cur` are a repeated table header
    let mut header_lines = 0;
    while let Some(item) = queue.pop_front() {
        match item {
            VItem::Space(h) => {
                if !cur.is_empty() {
                    cur.items.push(VItem::Space(h));
                }
            }
            VItem::PageBreak => {
                // the page ends here, as it stands (not filled to the foot)
                if !cur.is_empty() {
                    header_lines = 0;
                    let (page, carry) = finish(std::mem::take(&mut cur), s, false, false);
                    pages.push(page);
                    cur.carry = carry;
                }
            }
            VItem::Line(line) => {
                // a table row opening a page brings its table's header along
                if cur.is_empty() {
                    header_lines = 0;
                    if let Some(header) = &line.repeat {
                        // not when it leaves no room for the row: a header
                        // taller than the page would open every page, forever
                        let height: f64 = header.iter().map(Line::height).sum();
                        if !Pt(height + line.height()).exceeds(Pt(cap)) {
                            cur.items.extend(header.iter().cloned().map(VItem::Line));
                            header_lines = header.len();
                        }
                    }
                }
                let body = cur.body_height() + line.height();
                let own_notes: f64 = line.notes.iter().map(|n| note_height(n)).sum();
                let notes = cur.notes_height(separator)
                    + own_notes
                    + if own_notes > 0.0 && cur.notes_height(separator) == 0.0 {
                        separator
                    } else {
                        0.0
                    };
                let fits = !Pt(body + notes).exceeds(Pt(cap));
                // a line with a long note may still go here if two lines of the note fit
                let fits_split = !fits
                    && own_notes > 0.0
                    && body
                        + cur.notes_height(separator).max(separator)
                        + line.notes[0].iter().take(2).map(Line::height).sum::<f64>()
                        <= cap;
                // a page never holds a repeated header alone (no progress)
                let lines = cur.items.iter().filter(|i| matches!(i, VItem::Line(_)));
                let header_only = header_lines > 0 && lines.count() <= header_lines;
                if fits || fits_split || cur.is_empty() || header_only {
                    cur.items.push(VItem::Line(line));
                    if fits_split {
                        header_lines = 0;
                        let (page, carry) = finish(std::mem::take(&mut cur), s, false, true);
                        pages.push(page);
                        cur.carry = carry;
                    }
                    continue;
                }
                // find the last legal break on the page
                let last_ok = cur.items.iter().rposition(|i| match i {
                    VItem::Line(l) => l.break_after,
                    VItem::Space(_) | VItem::PageBreak => false,
                });
                let (keep, bad) = match last_ok {
                    Some(j) => (j + 1, false),
                    None => (cur.items.len(), true),
                };
                let moved: Vec<VItem> = cur.items.split_off(keep);
                header_lines = 0;
                let (page, carry) = finish(std::mem::take(&mut cur), s, bad, true);
                pages.push(page);
                cur.carry = carry;
                queue.push_front(VItem::Line(line));
                for item in moved.into_iter().rev() {
                    queue.push_front(item);
                }
            }
        }
    }
    // the last page, and any notes still carried
    loop {
        let (page, carry) = finish(std::mem::take(&mut cur), s, false, false);
        pages.push(page);
        if carry.is_empty() {
            break;
        }
        cur.carry = carry;
    }
    if let Some(first) = pages.first_mut() {
        first.opening = true;
    }
    pages
}

/// Places a page's lines and notes; returns the page and the note lines that
/// did not fit.
/// Largest gap at a page foot that vertical justification closes, in lines.
/// A larger one (a page ended early to keep a heading with its text) stays
/// ragged rather than pulling headings and lists far apart.
const MAX_FLUSH_LINES: f64 = 4.0;

fn finish(build: Build, s: &Settings, bad_break: bool, flush: bool) -> (BodyPage, Vec<Line>) {
    let mut page = BodyPage::default();
    if bad_break {
        let last = build.items.iter().rev().find_map(|i| match i {
            VItem::Line(l) => Some(l.pos.unwrap_or_default()),
            VItem::Space(_) | VItem::PageBreak => None,
        });
        page.bad_break = last;
    }
    let mut notes: Vec<Line> = build.carry;
    let mut items = build.items;
    // space at the top and the foot of a page is dropped
    while matches!(items.last(), Some(VItem::Space(_))) {
        items.pop();
    }
    let first_line = items
        .iter()
        .position(|i| matches!(i, VItem::Line(_)))
        .unwrap_or(items.len());
    items.drain(..first_line);
    // the natural height, and how much of it is stretchable space
    let (mut body, mut spaces) = (0.0, 0.0);
    for item in &items {
        match item {
            VItem::Space(h) => {
                body += h;
                spaces += h;
            }
            VItem::Line(line) => {
                body += line.height();
                notes.extend(line.notes.iter().flatten().cloned());
            }
            VItem::PageBreak => {}
        }
    }
    // notes from the bottom of the text block upwards
    let available = s.text_height - body - s.leading;
    let mut used = 0.0;
    let mut placed = 0;
    for line in &notes {
        if Pt(used + line.height()).exceeds(Pt(available)) && placed > 0 {
            break;
        }
        used += line.height();
        placed += 1;
    }
    let rest = notes.split_off(placed);
    // vertical justification (LaTeX's \flushbottom): on a page that is not a
    // chapter's last, the spaces between blocks grow so the text block is full
    let room = s.text_height - body - if placed > 0 { used + s.leading } else { 0.0 };
    let grow = if flush && spaces > 0.0 && room > 0.0 && room <= MAX_FLUSH_LINES * s.leading {
        1.0 + room / spaces
    } else {
        1.0
    };
    let mut y = 0.0;
    for item in items {
        match item {
            VItem::Space(h) => y += h * grow,
            VItem::PageBreak => {}
            VItem::Line(mut line) => {
                y += line.ascent;
                line.notes.clear();
                let descent = line.descent;
                page.lines.push((y, line));
                y += descent;
            }
        }
    }
    let mut ny = s.text_height - used;
    for line in notes {
        ny += line.ascent;
        let descent = line.descent;
        page.notes.push((ny, line));
        ny += descent;
    }
    (page, rest)
}

pub use crate::doc::roman;

/// Places a body page's lines on a real page: margins, mirrored by parity.
pub fn place(
    body: &BodyPage,
    page_number: usize,
    s: &Settings,
) -> (Page, Vec<(String, u8, String, f64)>) {
    let left = s.left_margin(page_number);
    let top = s.margin_top;
    let mut page = Page::default();
    let mut headings = Vec::new();
    for (baseline, line) in body.lines.iter().chain(&body.notes) {
        let y = top + baseline;
        for (title, level, id) in &line.headings {
            headings.push((title.clone(), *level, id.clone(), y - line.ascent));
        }
        page.items
            .extend(line.items.iter().map(|item| offset(item.clone(), left, y)));
    }
    (page, headings)
}

/// Moves an item from line coordinates to page coordinates.
pub fn offset(item: Item, dx: f64, dy: f64) -> Item {
    match item {
        Item::Glyphs(mut g) => {
            g.x += dx;
            g.y += dy;
            Item::Glyphs(g)
        }
        Item::Rule {
            x,
            y,
            width,
            height,
        } => Item::Rule {
            x: x + dx,
            y: y + dy,
            width,
            height,
        },
        Item::Link { rect, target } => Item::Link {
            rect: [rect[0] + dx, rect[1] + dy, rect[2], rect[3]],
            target,
        },
        Item::Anchor { id, y } => Item::Anchor { id, y: y + dy },
        Item::Shade {
            x,
            y,
            width,
            height,
            color,
        } => Item::Shade {
            x: x + dx,
            y: y + dy,
            width,
            height,
            color,
        },
        Item::Image {
            src,
            x,
            y,
            width,
            height,
        } => Item::Image {
            src,
            x: x + dx,
            y: y + dy,
            width,
            height,
        },
    }
}

/// The page-map entry of `page`: where the reader sees it start. That is
/// its first line of text that has a place in the tree (a table header
/// repeated at the top is not one), else, on a page that holds only the
/// rest of a note, the note's first line there; a chapter's opening page
/// starts with the chapter.
pub fn page_start(label: String, chapter_id: &str, page: &BodyPage) -> PageStart {
    let marked = |lines: &[(f64, Line)]| lines.iter().find_map(|(_, line)| line.mark.clone());
    let first = marked(&page.lines).or_else(|| marked(&page.notes));
    match first {
        Some((block_id, word)) if !page.opening => PageStart {
            label,
            chapter_id: chapter_id.to_string(),
            block_id,
            word,
        },
        _ => PageStart {
            label,
            chapter_id: chapter_id.to_string(),
            block_id: chapter_id.to_string(),
            word: 0,
        },
    }
}

/// Outline entries from the headings placed on a page.
pub fn outline_entries(headings: &[(String, u8, String, f64)], page: usize) -> Vec<OutlineEntry> {
    headings
        .iter()
        .map(|(title, level, _, y)| OutlineEntry {
            title: title.clone(),
            level: *level,
            page,
            y: *y,
        })
        .collect()
}

/// The face used for running heads.
pub const HEAD_FACE: FaceId = FaceId::Italic;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman_numerals() {
        assert_eq!(roman(1), "i");
        assert_eq!(roman(4), "iv");
        assert_eq!(roman(9), "ix");
        assert_eq!(roman(14), "xiv");
        assert_eq!(roman(1994), "mcmxciv");
    }
}
