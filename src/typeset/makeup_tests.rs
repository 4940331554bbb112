//! Page makeup measured on the laid-out pages of generated books: chapter
//! openings, facing pages, short pages, chapters' last pages (issue 14).
//! Each figure is taken from where the glyphs stand on the page, not from
//! what the page breaker meant to do.

use super::fonts::Fonts;
use super::frame::{Item, Page};
use super::{typeset, Layout, Settings};

pub(super) fn layout_of_dir(dir: &std::path::Path) -> (Layout, Settings) {
    let manuscript = crate::manuscript::load(dir).unwrap();
    let read = crate::markdown::read(&manuscript).unwrap();
    let settings = Settings::from_config(&read.config.pdf).unwrap();
    let (images, _) = crate::images::load(&read.book, &manuscript);
    let layout = typeset(&read.book, &settings, &Fonts::bundled().unwrap(), &images).unwrap();
    (layout, settings)
}

/// Whether a baseline at `y` is in the text block: running heads stand
/// above it, folios two lines below it (a page run a line long has a line
/// below it).
fn in_text_block(y: f64, s: &Settings) -> bool {
    (s.margin_top..=s.margin_top + s.text_height + s.leading * 1.5).contains(&y)
}

/// The top of a page's notes: the rule a third of the measure wide above
/// them, below which only note-size text stands.
fn notes_top(page: &Page, s: &Settings) -> Option<f64> {
    let rule = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Rule { y, width, .. } if (width - s.measure / 3.0).abs() < 0.01 => Some(*y),
            _ => None,
        })
        .fold(None, |a: Option<f64>, y| Some(a.map_or(y, |a| a.max(y))))?;
    let only_notes = page.items.iter().all(|i| match i {
        Item::Glyphs(run) => run.y < rule || !in_text_block(run.y, s) || run.size <= s.note_size,
        _ => true,
    });
    only_notes.then_some(rule)
}

/// A page's lines of main text inside the text block (not its notes):
/// (baseline, largest size).
fn lines(page: &Page, s: &Settings) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let notes = notes_top(page, s).unwrap_or(f64::MAX);
    for item in &page.items {
        if let Item::Glyphs(run) = item {
            if !in_text_block(run.y, s) || run.y > notes {
                continue;
            }
            if run.glyphs.iter().any(|g| g.rise != 0.0) {
                continue; // a superscript is on its line's baseline
            }
            match out.iter_mut().find(|(y, _)| (y - run.y).abs() < 0.5) {
                Some(line) => line.1 = line.1.max(run.size),
                None => out.push((run.y, run.size)),
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// What the page-makeup checks found in a book.
#[derive(Debug, Default)]
struct Makeup {
    openings: usize,
    /// max − min of the first text line's baseline on openings.
    first_line_spread: f64,
    /// max − min of the title-to-text distance on openings.
    gap_spread: f64,
    /// (page, lines) of spreads whose last lines differ, in lines.
    uneven_spreads: Vec<(usize, f64)>,
    /// (page, lines short) of pages other than a chapter's last more than
    /// a line short (physical page numbers, from 1).
    short_pages: Vec<(usize, f64)>,
    /// (page, lines) of chapters' last pages with fewer than five lines.
    thin_last_pages: Vec<(usize, usize)>,
}

fn measure(layout: &Layout, s: &Settings) -> Makeup {
    let mut m = Makeup::default();
    let openings: Vec<usize> = layout
        .outline
        .iter()
        .filter(|e| e.level == 1 && e.page >= layout.front_pages)
        .map(|e| e.page)
        .collect();
    let (mut firsts, mut gaps) = (Vec::new(), Vec::new());
    for &page in &openings {
        let lines = lines(&layout.pages[page], s);
        // the title: the lines set larger than the text
        let Some(title) = lines.iter().rposition(|l| l.1 > s.size * 1.5) else {
            continue;
        };
        if let Some(first) = lines[title + 1..]
            .iter()
            .find(|l| (l.1 - s.size).abs() < 0.01)
        {
            firsts.push(first.0);
            gaps.push(first.0 - lines[title].0);
        }
    }
    let spread = |v: &[f64]| {
        v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
    };
    m.openings = firsts.len();
    m.first_line_spread = spread(&firsts);
    m.gap_spread = spread(&gaps);
    // a chapter's last page: the last page with text before the next opening
    let body = layout.front_pages..layout.pages.len();
    let has_text = |p: usize| !lines(&layout.pages[p], s).is_empty();
    let mut last_pages = Vec::new();
    for (i, &open) in openings.iter().enumerate() {
        let end = openings.get(i + 1).copied().unwrap_or(layout.pages.len());
        if let Some(last) = (open..end).rev().find(|&p| has_text(p)) {
            last_pages.push((open, last));
        }
    }
    let is_last = |p: usize| last_pages.iter().any(|&(_, l)| l == p);
    // the foot of a full page: the baseline of the text block's last line
    // of text (on a grid of whole lines from its top); on a page with
    // notes, a line (the rule halfway) above the notes' first line, whose
    // last line's baseline stands where the text's would
    let foot_of = |p: usize| {
        let foot = s.margin_top + s.text_height - s.leading * 0.25;
        match notes_top(&layout.pages[p], s) {
            Some(rule) => {
                let notes_top = rule + (s.leading + 0.4) / 2.0;
                notes_top - s.leading - s.note_leading * 0.25
            }
            None => foot,
        }
    };
    let last_line = |p: usize| lines(&layout.pages[p], s).last().map(|l| l.0);
    for p in body.clone() {
        let Some(y) = last_line(p) else { continue };
        if !is_last(p) {
            let short = (foot_of(p) - y) / s.leading;
            if short > 1.0 + 0.01 {
                m.short_pages.push((p + 1, short));
            }
        }
        // a verso (even page number, p + 1) and the recto after it end
        // as far above their feet (the notes' tops, where they have notes)
        if (p + 1) % 2 == 0 && p + 1 < body.end && !is_last(p) && !is_last(p + 1) {
            if let Some(other) = last_line(p + 1) {
                let lift = (foot_of(p) - y) - (foot_of(p + 1) - other);
                if !openings.contains(&(p + 1)) && lift.abs() > 0.5 {
                    m.uneven_spreads.push((p + 1, lift / s.leading));
                }
            }
        }
    }
    for &(open, last) in &last_pages {
        // (a figure counts as the lines it stands for)
        let images: f64 = layout.pages[last]
            .items
            .iter()
            .map(|i| match i {
                Item::Image { height, .. } => height / s.leading,
                _ => 0.0,
            })
            .sum();
        let n = lines(&layout.pages[last], s).len() + images.round() as usize;
        if last > open && n < 5 {
            m.thin_last_pages.push((last + 1, n));
        }
    }
    m
}

/// Checks the bar: openings alike, pages at most `short` lines short,
/// facing pages ending at most `uneven` lines apart and on the same grid of
/// whole lines, chapters' last pages with at least `last_lines` lines.
fn check(m: &Makeup, short: f64, uneven: f64, last_lines: usize) {
    eprintln!("{m:?}");
    assert!(m.openings > 3, "{m:?}");
    assert!(m.first_line_spread <= 0.5, "{m:?}");
    assert!(m.gap_spread <= 0.5, "{m:?}");
    let whole = |l: f64| (l - l.round()).abs() < 0.05;
    assert!(
        m.uneven_spreads
            .iter()
            .all(|&(_, l)| l.abs() <= uneven + 0.01 && whole(l)),
        "{m:?}"
    );
    assert!(m.short_pages.iter().all(|&(_, l)| l <= short), "{m:?}");
    assert!(
        m.thin_last_pages.iter().all(|&(_, n)| n >= last_lines),
        "{m:?}"
    );
}

#[test]
fn a_listing_keeps_its_file_name_and_caption() {
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_code_heavy_book(dir.path(), 40).unwrap();
    let (layout, s) = layout_of_dir(dir.path());
    // the text of each line of a page, top to bottom (its words run
    // together: spaces are not glyphs)
    let texts = |page: &Page| -> Vec<String> {
        let mut lines: Vec<(f64, String)> = Vec::new();
        for item in &page.items {
            if let Item::Glyphs(run) = item {
                if !in_text_block(run.y, &s) {
                    continue;
                }
                let text = layout.run_text(run);
                match lines.iter_mut().find(|(y, _)| (y - run.y).abs() < 0.5) {
                    Some(line) => line.1.push_str(&text),
                    None => lines.push((run.y, text)),
                }
            }
        }
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        lines.into_iter().map(|(_, t)| t).collect()
    };
    let (mut captions, mut names) = (0, 0);
    for (index, page) in layout.pages.iter().enumerate() {
        let lines = texts(page);
        captions += lines.iter().filter(|l| l.starts_with("Listing")).count();
        names += lines.iter().filter(|l| l.starts_with("Filename:")).count();
        let first = lines.first().map(String::as_str).unwrap_or_default();
        let last = lines.last().map(String::as_str).unwrap_or_default();
        assert!(!first.starts_with("Listing"), "page {}: {first}", index + 1);
        assert!(!last.starts_with("Filename:"), "page {}: {last}", index + 1);
    }
    assert_eq!((captions, names), (40, 40));
}

/// The makeup of a generated book of `chapters` chapters (`write` writes
/// its manuscript), and its page count.
fn makeup_of(
    write: fn(&std::path::Path, usize) -> std::io::Result<()>,
    chapters: usize,
) -> (Makeup, usize) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), chapters).unwrap();
    let (layout, s) = layout_of_dir(dir.path());
    (measure(&layout, &s), layout.pages.len())
}

#[test]
fn a_generated_book_is_made_up_to_a_designers_standard() {
    let (m, _) = makeup_of(crate::sample::write_large_book, 100);
    check(&m, 2.0, 0.0, 5);
}

#[test]
fn a_code_heavy_book_is_made_up_to_a_designers_standard() {
    let (m, _) = makeup_of(crate::sample::write_code_heavy_book, 40);
    check(&m, 2.0, 0.0, 5);
}

#[test]
fn a_book_of_varied_chapters_keeps_its_pages_on_the_grid() {
    let (m, pages) = makeup_of(crate::sample::write_varied_book, 60);
    // (a plain prose book has no space between blocks to stretch: where a
    // section heading and the two lines kept with it fit on neither page
    // of a spread, the spread, or the opening, ends a line or two higher;
    // still on the grid of whole lines, and never a chapter's last page
    // of a line or two)
    check(&m, 3.0, 1.0, 3);
    // (such places are few: at most one spread in twenty)
    assert!(m.uneven_spreads.len() * 20 <= pages / 2, "{m:?}");
}
