//! Page makeup: a chapter's vertical list → pages, then the book around
//! them (front matter, table of contents, blank versos so chapters open on
//! rectos, running heads, folios, page labels, the page map).
//!
//! Page breaking is greedy with backtracking to the last legal break: lines
//! mark whether a page may end after them (no orphans, no widows, headings
//! kept with what follows). Notes go to the foot of the page that carries
//! their reference; a note too long for the space left continues on the
//! next page.

use super::flow::{Float, Line, VItem, TEXT_DEPTH};
use super::fonts::FaceId;
use super::frame::{Item, OutlineEntry, Page, Pt};
use super::structure::Tag;
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
    /// On a page filled to its foot, the room left above the text block's
    /// foot that stretching the spaces could not fill (points).
    pub short: f64,
}

/// The page builder's state for one page.
#[derive(Default)]
struct Build {
    items: Vec<VItem>,
    /// Where each of `items` came from in the chapter's list (`None`: a
    /// repeated table header, a deferred float, space set around a float).
    sources: Vec<Option<usize>>,
    /// Note lines carried over from the previous page.
    carry: Vec<Line>,
}

fn note_height(lines: &[Line]) -> f64 {
    lines.iter().map(Line::height).sum()
}

/// Height of a space item (zero for anything else).
fn space_of(item: &VItem) -> Option<f64> {
    match item {
        VItem::Space(h) | VItem::Display(h) | VItem::Fixed(h) | VItem::Heading(h) => Some(*h),
        _ => None,
    }
}

impl Build {
    fn body_height(&self) -> f64 {
        let mut h = 0.0;
        let mut started = false;
        for item in &self.items {
            match item {
                VItem::Line(l) => {
                    started = true;
                    h += l.height();
                }
                VItem::Float(f) => {
                    started = true;
                    h += f.height();
                }
                other => {
                    if started {
                        h += space_of(other).unwrap_or(0.0);
                    }
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

    /// How much of the page's last note may run on to the next page: all
    /// but its first two lines.
    fn note_run_on(&self) -> f64 {
        let last = self.items.iter().rev().find_map(|i| match i {
            VItem::Line(l) => l.notes.last(),
            _ => None,
        });
        last.map_or(0.0, |note| note.iter().skip(2).map(Line::height).sum())
    }

    fn is_empty(&self) -> bool {
        !self
            .items
            .iter()
            .any(|i| matches!(i, VItem::Line(_) | VItem::Float(_)))
    }

    /// Whether `float`, with `spaces` times its space, goes on this page:
    /// it fits, or nothing is on the page yet.
    fn takes(&self, float: &Float, spaces: f64, cap: f64, separator: f64) -> bool {
        let h = self.body_height() + float.height() + float.space * spaces;
        self.is_empty() || !Pt(h + self.notes_height(separator)).exceeds(Pt(cap))
    }

    fn push(&mut self, item: VItem, source: Option<usize>) {
        self.items.push(item);
        self.sources.push(source);
    }
}

/// Where page breaking stands between two pages.
#[derive(Clone, Default)]
struct Cursor {
    /// The next item of the chapter's list to set.
    next: usize,
    /// Note lines still to set.
    carry: Vec<Line>,
    /// Floats that did not fit where they stand, oldest first, with the
    /// index they have in the chapter's list.
    floats: Vec<(usize, Float)>,
    /// Floats set ahead of where they stand (at the top of the page that
    /// cites them): skipped when the list reaches them.
    ahead: Vec<usize>,
}

impl Cursor {
    fn done(&self, items: &[VItem]) -> bool {
        self.next >= items.len() && self.carry.is_empty() && self.floats.is_empty()
    }
}

/// One page as the breaker set it, before it is kept or tried again.
struct Trial {
    page: BodyPage,
    /// Where breaking goes on.
    after: Cursor,
    /// Space left at the foot that stretching could not fill.
    short: f64,
}

/// Breaks a chapter's vertical list into pages. The chapter opens on a
/// recto: its second and third pages face each other, and so on.
pub fn break_pages(items: Vec<VItem>, s: &Settings) -> Vec<BodyPage> {
    Breaker { items: &items, s }.chapter(true)
}

/// Breaks the pages of a chapter that may open on either side (`openany`):
/// every page is filled to its foot, none runs long or short, as no page
/// knows the one it faces.
pub fn break_pages_anywhere(items: Vec<VItem>, s: &Settings) -> Vec<BodyPage> {
    Breaker { items: &items, s }.chapter(false)
}

/// Lines a chapter's last page holds at least, when the chapter is longer.
const MIN_LAST_LINES: f64 = 5.0;

/// Room at the foot of a page that still counts as full (points).
const FULL: f64 = 0.25;

struct Breaker<'a> {
    items: &'a [VItem],
    s: &'a Settings,
}

impl Breaker<'_> {
    /// The chapter's pages. With `spreads`, facing pages end on the same
    /// line: both pages of a spread are set to the text block's height, or
    /// both one line longer or shorter when that fills them where the
    /// normal height cannot (the practice of TeX's `\enlargethispage`);
    /// and a chapter's last page that would hold fewer than
    /// [`MIN_LAST_LINES`] lines gets more by running the spreads before it
    /// a line short.
    fn chapter(&self, spreads: bool) -> Vec<BodyPage> {
        let mut pages = Vec::new();
        let mut cursor = Cursor::default();
        // (the cursor at each page's start)
        let mut starts = Vec::new();
        // (where the group of pages set last began: the opening, or a spread)
        let mut group = 0;
        while !cursor.done(self.items) || pages.is_empty() {
            let set = if !spreads {
                vec![self.page(&cursor, 0)]
            } else if pages.is_empty() {
                // the opening stands alone
                self.choose(&cursor, &[0, -1, 1], 1)
            } else {
                let set = self.choose(&cursor, &[0, 1, -1], 2);
                // a spread no height fills: the pages before it may end a
                // line higher or lower, so that both it and they are full
                let again = (self.unfilled(&set) > FULL)
                    .then(|| self.rebalance(&starts[group], pages.len() - group))
                    .flatten();
                match again {
                    Some((before, set)) => {
                        cursor = starts[group].clone();
                        pages.truncate(group);
                        starts.truncate(group);
                        for trial in before {
                            starts.push(cursor.clone());
                            cursor = trial.after;
                            pages.push(trial.page);
                        }
                        set
                    }
                    None => set,
                }
            };
            group = pages.len();
            for trial in set {
                starts.push(cursor.clone());
                cursor = trial.after;
                pages.push(trial.page);
            }
        }
        if spreads {
            self.fill_last_page(&mut pages, &starts);
        }
        if let Some(first) = pages.first_mut() {
            first.opening = true;
        }
        pages
    }

    /// The first of `deltas` (lines added to the text block's height) with
    /// which `count` pages from `cursor` are all full; else the one that
    /// leaves the least unfilled.
    fn choose(&self, cursor: &Cursor, deltas: &[i32], count: usize) -> Vec<Trial> {
        let mut best: Option<(f64, Vec<Trial>)> = None;
        for &delta in deltas {
            let set = self.run(cursor, delta, count);
            // the chapter's last page need not be full
            let short = self.unfilled(&set);
            if short <= FULL {
                return set;
            }
            // (unfilled, a page run short is no better: it is compared by
            // what it leaves above the text block's own foot)
            let short = short + f64::from(-delta.min(0)) * self.s.leading;
            if best.as_ref().is_none_or(|(s, _)| short < *s - FULL) {
                best = Some((short, set));
            }
        }
        // a spread whose first page ends a whole line short, where no break
        // fills it, is level when its second page runs that much shorter
        if count == 2 {
            if let Some(set) = self.level_with_first(cursor, deltas) {
                return set;
            }
        }
        best.map(|(_, set)| set).unwrap_or_default()
    }

    /// A spread whose first page, `delta` lines taller, ends a line short
    /// of it, and whose second page is full one line shorter still: both
    /// end on the same line, a line above the text block's foot at most.
    fn level_with_first(&self, cursor: &Cursor, deltas: &[i32]) -> Option<Vec<Trial>> {
        // (no page of it more than a line above the foot)
        for &delta in deltas.iter().filter(|&&d| d >= 0) {
            let first = self.page(cursor, delta);
            if first.after.done(self.items) {
                continue;
            }
            let lines = (first.short / self.s.leading).round();
            let whole = (first.short - lines * self.s.leading).abs() <= FULL;
            if lines != 1.0 || !whole {
                continue;
            }
            let second = self.page(&first.after, delta - 1);
            if self.unfilled(std::slice::from_ref(&second)) <= FULL {
                return Some(vec![first, second]);
            }
        }
        None
    }

    /// The most a set of pages leaves unfilled at a foot, the chapter's
    /// last page aside.
    fn unfilled(&self, set: &[Trial]) -> f64 {
        set.iter()
            .filter(|t| !t.after.done(self.items))
            .map(|t| t.short)
            .fold(0.0, f64::max)
    }

    /// The `count` pages set last (from `start`) set again a line longer
    /// or shorter, so that both they and the spread after them are full:
    /// those pages and that spread, if any height does it.
    fn rebalance(&self, start: &Cursor, count: usize) -> Option<(Vec<Trial>, Vec<Trial>)> {
        for delta in [-1, 1] {
            let before = self.run(start, delta, count);
            let Some(last) = before.last() else { continue };
            if before.len() < count || last.after.done(self.items) || self.unfilled(&before) > FULL
            {
                continue;
            }
            let after = self.choose(&last.after, &[0, 1, -1], 2);
            if self.unfilled(&after) <= FULL {
                return Some((before, after));
            }
        }
        None
    }

    /// `count` pages from `cursor`, each `delta` lines longer than the text
    /// block; fewer if the chapter ends.
    fn run(&self, cursor: &Cursor, delta: i32, count: usize) -> Vec<Trial> {
        let mut out: Vec<Trial> = Vec::new();
        let mut at = cursor.clone();
        for _ in 0..count {
            let trial = self.page(&at, delta);
            at = trial.after.clone();
            out.push(trial);
            if at.done(self.items) {
                break;
            }
        }
        out
    }

    /// Gives a chapter's last page at least [`MIN_LAST_LINES`] lines: the
    /// pages before it run a line short (whole spreads, the nearest first,
    /// up to three), or, when that cannot fill them, the spread before it
    /// runs a line long and takes the last page's lines in. When none of
    /// these gives it that many without a page more than two lines short
    /// or a widow, it gets as many as one of them gives.
    fn fill_last_page(&self, pages: &mut Vec<BodyPage>, starts: &[Cursor]) {
        let min = MIN_LAST_LINES * self.s.leading - FULL;
        let n = pages.len();
        if n < 2 || page_text_height(&pages[n - 1]) >= min {
            return;
        }
        // pages 1–2, 3–4 … face each other (page 0 is the opening, alone):
        // from the last page's partner, or a spread before it, or the
        // opening, every page up to the last runs a line short (the last
        // page's partner two, if one is not enough: a chapter's last
        // spread need not end level)
        let last = n - 1;
        let spread = if last % 2 == 1 { last } else { last - 1 };
        let mut firsts = Vec::new();
        if last.is_multiple_of(2) {
            firsts.push(last - 1);
        }
        firsts.extend(
            (1..=3)
                .filter_map(|k| spread.checked_sub(2 * k))
                .filter(|&f| f >= 1),
        );
        if firsts.last().is_none_or(|&f| f <= 3) {
            firsts.push(0);
        }
        // (a chapter of two pages: the opening, alone on its spread, may
        // end as short as a partner)
        let partner = match last {
            1 => Some(0),
            _ => last.is_multiple_of(2).then_some(last - 1),
        };
        let attempts = firsts
            .iter()
            .flat_map(|&first| [(first, -1, -1), (first, -1, -2)])
            .chain(
                firsts
                    .iter()
                    .filter(|&&f| f % 2 == 1)
                    .take(1)
                    .map(|&f| (f, 1, 1)),
            );
        let now = page_text_height(&pages[last]);
        let mut best: Option<(f64, usize, Vec<BodyPage>)> = None;
        for (first, delta, partner_delta) in attempts {
            if partner.is_none() && partner_delta != delta {
                continue;
            }
            let mut cursor = starts[first].clone();
            let mut tail: Vec<BodyPage> = Vec::new();
            let mut full = true;
            while !cursor.done(self.items) {
                let index = first + tail.len();
                let changed = if delta < 0 {
                    index < last
                } else {
                    index < first + 2
                };
                let delta = match () {
                    _ if !changed => 0,
                    _ if Some(index) == partner => partner_delta,
                    _ => delta,
                };
                let trial = self.page(&cursor, delta);
                let ends = trial.after.done(self.items);
                // (the partner of the last page need not be full, but may
                // not end more than two lines short)
                let unfilled = if Some(index) == partner {
                    trial.page.short > PARTNER_SHORT_LINES * self.s.leading + FULL
                } else {
                    trial.short > FULL
                };
                if changed && !ends && unfilled {
                    full = false;
                    break;
                }
                cursor = trial.after;
                tail.push(trial.page);
            }
            let height = tail.last().map_or(0.0, page_text_height);
            if full && height >= min {
                pages.truncate(first);
                pages.extend(tail);
                return;
            }
            // (else the most the last page can get without a page run more
            // than two lines short or a widow)
            if full && height > best.as_ref().map_or(now, |b| b.0) + FULL {
                best = Some((height, first, tail));
            }
        }
        if let Some((_, first, tail)) = best {
            pages.truncate(first);
            pages.extend(tail);
        }
    }

    /// One page from `cursor`, its text block `delta` lines taller. A page
    /// whose text would end more than [`MAX_SHORT_LINES`] short above its
    /// notes (the next block cannot break and does not fit) lets its last
    /// note run on to the next page instead, its first two lines kept with
    /// their reference (as TeX splits an insertion, `\vsplit`, when the
    /// page cannot hold it whole).
    fn page(&self, cursor: &Cursor, delta: i32) -> Trial {
        let whole = self.page_notes(cursor, delta, false);
        let limit = MAX_SHORT_LINES * self.s.leading + FULL;
        if whole.page.short <= limit || whole.page.notes.is_empty() {
            return whole;
        }
        let split = self.page_notes(cursor, delta, true);
        if split.page.short < whole.page.short - FULL {
            split
        } else {
            whole
        }
    }

    /// One page from `cursor`, its text block `delta` lines taller; with
    /// `split_notes`, its last note may run on to the next page.
    fn page_notes(&self, cursor: &Cursor, delta: i32, split_notes: bool) -> Trial {
        let s = self.s;
        let cap = s.text_height + f64::from(delta) * s.leading;
        let separator = s.leading;
        let mut cur = Build {
            carry: cursor.carry.clone(),
            ..Build::default()
        };
        let mut floats = cursor.floats.clone();
        // floats left from the page before open this one
        while let Some((_, float)) = floats.first() {
            if cur.takes(float, 1.0, cap, separator) {
                let (_, float) = floats.remove(0);
                let space = float.space;
                cur.push(VItem::Float(float), None);
                cur.push(VItem::Display(space), None);
            } else {
                break;
            }
        }
        let mut next = cursor.next;
        // how many lines at the top of `cur` are a repeated table header
        let mut header_lines = 0;
        let end = |cur: Build, next: usize, floats, bad, flush| {
            let (page, carry, short) = finish(cur, s, cap, bad, flush);
            Trial {
                page,
                after: Cursor {
                    next,
                    carry,
                    floats,
                    ahead: cursor.ahead.clone(),
                },
                short,
            }
        };
        while let Some(item) = self.items.get(next) {
            let here = next;
            next += 1;
            match item {
                VItem::Space(_) | VItem::Display(_) | VItem::Fixed(_) | VItem::Heading(_) => {
                    if !cur.is_empty() {
                        cur.push(item.clone(), Some(here));
                    }
                }
                VItem::PageBreak => {
                    // the page ends here, as it stands (not filled to the foot)
                    if !cur.is_empty() {
                        return end(cur, next, floats, false, false);
                    }
                }
                VItem::Float(_) if cursor.ahead.contains(&here) => {}
                VItem::Float(float) => {
                    // floats keep their order: none passes one waiting
                    if floats.is_empty() && cur.takes(float, 2.0, cap, separator) {
                        if !cur.is_empty() {
                            cur.push(VItem::Display(float.space), None);
                        }
                        cur.push(item.clone(), Some(here));
                        cur.push(VItem::Display(float.space), None);
                    } else {
                        floats.push((here, float.clone()));
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
                                for h in header.iter() {
                                    // (read once, where the table starts:
                                    // its repetition is an artifact)
                                    let repeated = Line {
                                        tag: Tag::Layout,
                                        item_tags: Vec::new(),
                                        ..h.clone()
                                    };
                                    cur.push(VItem::Line(repeated), None);
                                }
                                header_lines = header.len();
                            }
                        }
                    }
                    let body = cur.body_height() + line.height();
                    let own_notes: f64 = line.notes.iter().map(|n| note_height(n)).sum();
                    let before = cur.notes_height(separator);
                    let notes = before
                        + own_notes
                        + if own_notes > 0.0 && before == 0.0 {
                            separator
                        } else {
                            0.0
                        };
                    // (its baseline no lower than a line of text's at the
                    // foot, as `finish` sets the last line: a code line,
                    // shallower than text, would hang below the grid)
                    let depth = line.descent - s.leading * TEXT_DEPTH;
                    let give = if split_notes { cur.note_run_on() } else { 0.0 };
                    let fits = !Pt(body - depth + notes - give).exceeds(Pt(cap));
                    // a line with a long note may still go here if two lines of the note fit
                    let fits_split = !fits
                        && own_notes > 0.0
                        && body
                            + before.max(separator)
                            + line.notes[0].iter().take(2).map(Line::height).sum::<f64>()
                            <= cap;
                    // a page never holds a repeated header alone (no progress)
                    let lines = cur.items.iter().filter(|i| matches!(i, VItem::Line(_)));
                    let header_only = header_lines > 0 && lines.count() <= header_lines;
                    if fits || fits_split || cur.is_empty() || header_only {
                        cur.push(item.clone(), Some(here));
                        if fits_split {
                            return end(cur, next, floats, false, true);
                        }
                        continue;
                    }
                    // find the last legal break on the page
                    let last_ok = cur.items.iter().rposition(|i| match i {
                        VItem::Line(l) => l.break_after,
                        VItem::Float(_) => true,
                        _ => false,
                    });
                    let (keep, bad) = match last_ok {
                        Some(j) => (j + 1, false),
                        None => (cur.items.len(), true),
                    };
                    // what does not stay is set again on the next page
                    let resume = cur.sources[keep..]
                        .iter()
                        .flatten()
                        .copied()
                        .min()
                        .unwrap_or(here)
                        .min(here);
                    cur.items.truncate(keep);
                    cur.sources.truncate(keep);
                    // (floats met after the break come again too)
                    floats.retain(|(at, _)| *at < resume);
                    return end(cur, resume, floats, bad, true);
                }
            }
        }
        // the chapter's end: floats still waiting follow its text; one that
        // would stand alone on a page after the chapter's text goes to the
        // top of this page, where it is cited, instead
        if let Some(&(at, ref float)) = floats.first() {
            if !cur.takes(float, 2.0, cap, separator) && !cursor.ahead.contains(&at) {
                let mut ahead = cursor.clone();
                let float = floats.remove(0).1;
                ahead.floats.insert(0, (at, float));
                ahead.ahead.push(at);
                return self.page_notes(&ahead, delta, split_notes);
            }
        }
        let waiting = std::mem::take(&mut floats);
        let mut rest = Vec::new();
        for (at, float) in waiting {
            if rest.is_empty() && cur.takes(&float, 2.0, cap, separator) {
                if !cur.is_empty() {
                    cur.push(VItem::Display(float.space), None);
                }
                cur.push(VItem::Float(float), Some(at));
            } else {
                rest.push((at, float));
            }
        }
        let flush = !rest.is_empty();
        end(cur, next, rest, false, flush)
    }
}

/// The height of a page's text (its lines, not the space between them).
fn page_text_height(page: &BodyPage) -> f64 {
    page.lines.iter().map(|(_, l)| l.height()).sum()
}

/// How far each kind of space may grow when a page is filled to its foot,
/// in lines: space around displays first, then between blocks; space
/// around headings never.
const DISPLAY_STRETCH: f64 = 1.0;
const BLOCK_STRETCH: f64 = 0.5;
/// How far the gap before a line set closer than the text (code) may open,
/// in lines, when the spaces could not fill a page.
const TIGHT_STRETCH: f64 = 0.1;

/// Places a page's lines and notes in a text block `cap` high; returns the
/// page, the note lines that did not fit and the room left at the foot
/// (when the page is filled to it).
fn finish(
    build: Build,
    s: &Settings,
    cap: f64,
    bad_break: bool,
    flush: bool,
) -> (BodyPage, Vec<Line>, f64) {
    let mut page = BodyPage::default();
    if bad_break {
        let last = build.items.iter().rev().find_map(|i| match i {
            VItem::Line(l) => Some(l.pos.unwrap_or_default()),
            _ => None,
        });
        page.bad_break = last;
    }
    let mut notes: Vec<Line> = build.carry;
    let mut items = build.items;
    // space at the top and the foot of a page is dropped
    while items.last().and_then(space_of).is_some() {
        items.pop();
    }
    let first_line = items
        .iter()
        .position(|i| space_of(i).is_none() && !matches!(i, VItem::PageBreak))
        .unwrap_or(items.len());
    items.drain(..first_line);
    // the natural height, and how much of it may stretch
    let (mut body, mut display, mut block, mut heading) = (0.0, 0.0, 0.0, 0.0);
    // lines set closer than the text (code): the gaps before them may open
    // a little when nothing else can fill the page
    let tight = |line: &Line| line.height() < s.leading - 0.01;
    let mut tight_gaps = 0.0;
    let mut previous_line = false;
    for item in &items {
        let is_line = matches!(item, VItem::Line(_));
        if let VItem::Line(line) = item {
            if previous_line && tight(line) {
                tight_gaps += 1.0;
            }
        }
        previous_line = is_line;
        match item {
            VItem::Space(h) => {
                body += h;
                block += 1.0;
            }
            VItem::Display(h) => {
                body += h;
                display += 1.0;
            }
            VItem::Fixed(h) => body += h,
            VItem::Heading(h) => {
                body += h;
                heading += h;
            }
            VItem::Line(line) => {
                body += line.height();
                notes.extend(line.notes.iter().flatten().cloned());
            }
            VItem::Float(f) => body += f.height(),
            VItem::PageBreak => {}
        }
    }
    // notes from the bottom of the text block upwards
    let available = cap - body - s.leading;
    let mut used = 0.0;
    let mut placed = 0;
    for line in &notes {
        if Pt(used + line.height()).exceeds(Pt(available)) && placed > 0 {
            break;
        }
        used += line.height();
        placed += 1;
    }
    // a note split across the page turn not inside a hyphenated word
    // (TeX's \brokenpenalty), when a line of it can go over
    if placed > 1 && placed < notes.len() && notes[placed - 1].hyphenated {
        placed -= 1;
        used -= notes[placed].height();
    }
    let rest = notes.split_off(placed);
    // vertical justification (LaTeX's \flushbottom): on a page that is not a
    // chapter's last, the spaces between blocks grow so the text block is
    // full: space around displays by up to a line each, then space between
    // blocks by up to half a line each
    // (a full page's last baseline stands where a line of text's would,
    // whatever the last line's own depth: code's, a note's, a table row's)
    let depth = |item: &VItem| match item {
        VItem::Line(line) => Some(line.descent),
        VItem::Float(f) => f.lines.last().map(|l| l.descent),
        _ => None,
    };
    let last_depth = items.iter().rev().find_map(depth).unwrap_or(0.0);
    let text_depth = s.leading * TEXT_DEPTH;
    let room = (cap - body - if placed > 0 { used + s.leading } else { 0.0 } + last_depth
        - text_depth)
        .max(0.0);
    let (mut grow_display, mut grow_block, mut grow_tight) = (0.0, 0.0, 0.0);
    let mut short = room;
    if flush && room > 0.0 {
        if display > 0.0 {
            grow_display = (room / display).min(DISPLAY_STRETCH * s.leading);
            short -= grow_display * display;
        }
        if block > 0.0 && short > 0.0 {
            grow_block = (short / block).min(BLOCK_STRETCH * s.leading);
            short -= grow_block * block;
        }
        if tight_gaps > 0.0 && short > 0.0 {
            grow_tight = (short / tight_gaps).min(TIGHT_STRETCH * s.leading);
            short -= grow_tight * tight_gaps;
        }
    }
    // last, the spaces around headings take the fraction of a line that
    // puts the text's last line back on the grid of whole lines (each in
    // proportion to its own amount, so more above a heading than below)
    let mut grow_heading = 0.0;
    if flush && short > FULL && heading > 0.0 {
        let end = body + grow_display * display + grow_block * block + grow_tight * tight_gaps
            - last_depth
            + text_depth;
        let off = end.rem_euclid(s.leading);
        let fraction = if off > 0.01 { s.leading - off } else { 0.0 };
        if fraction <= short + 0.01 {
            grow_heading = fraction / heading;
            short = (short - fraction).max(0.0);
        }
    }
    let mut y = 0.0;
    let set = |line: Line, y: &mut f64, page: &mut BodyPage| {
        let mut line = line;
        *y += line.ascent;
        line.notes.clear();
        let descent = line.descent;
        page.lines.push((*y, line));
        *y += descent;
    };
    let mut previous_line = false;
    for item in items {
        let is_line = matches!(item, VItem::Line(_));
        match item {
            VItem::Space(h) => y += h + grow_block,
            VItem::Display(h) => y += h + grow_display,
            VItem::Fixed(h) => y += h,
            VItem::Heading(h) => y += h * (1.0 + grow_heading),
            VItem::PageBreak => {}
            VItem::Line(line) => {
                if previous_line && tight(&line) {
                    y += grow_tight;
                }
                set(line, &mut y, &mut page);
            }
            VItem::Float(f) => {
                for line in f.lines {
                    set(line, &mut y, &mut page);
                }
            }
        }
        previous_line = is_line;
    }
    // (the last note's baseline on the text's last line)
    let note_depth = notes.last().map_or(text_depth, |l| l.descent);
    let mut ny = cap - used + note_depth - text_depth;
    for line in notes {
        ny += line.ascent;
        let descent = line.descent;
        page.notes.push((ny, line));
        ny += descent;
    }
    // (above notes, whose lines are not the text's, the text ends on its
    // grid: less than a line between it and the notes is no shortness)
    if placed > 0 {
        short = ((short + FULL) / s.leading).floor() * s.leading;
    }
    if flush {
        // (measured from the text block's own foot: a page run a line
        // short is a line short)
        page.short = (short + s.text_height - cap).max(0.0);
    }
    (page, rest, short.max(0.0))
}

/// Lines the page facing a chapter's last may end short (above its text
/// block's foot) when the pages before run short to fill the last page.
const PARTNER_SHORT_LINES: f64 = 2.0;

/// Lines a page other than a chapter's last may end short (above its text
/// block's foot) before its last note runs on to the next page: one, as a
/// spread run a line short is full.
const MAX_SHORT_LINES: f64 = 1.0;

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
        page.tags
            .extend((0..line.items.len()).map(|i| line.tag_of(i).clone()));
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
