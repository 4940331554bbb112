//! Layout tests with the bundled fonts: what lands where on the page.

use super::flow::{Line, VItem};
use super::fonts::{FaceId, Fonts};
use super::frame::{Item, LinkDest, Page};
use super::pages::{break_pages, break_pages_anywhere};
use super::{typeset, Layout, Settings};
use crate::config::PdfConfig;

fn settings() -> Settings {
    Settings::from_config(&PdfConfig::default()).unwrap()
}

/// Typesets a one-file manuscript.
fn layout_of(markdown: &str) -> (Layout, crate::doc::Book) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), markdown).unwrap();
    layout_of_dir(dir.path())
}

fn layout_of_dir(dir: &std::path::Path) -> (Layout, crate::doc::Book) {
    let manuscript = crate::manuscript::load(dir).unwrap();
    let read = crate::markdown::read(&manuscript).unwrap();
    let settings = Settings::from_config(&read.config.pdf).unwrap();
    let layout = typeset(
        &read.book,
        &settings,
        &Fonts::bundled().unwrap(),
        &crate::images::NO_IMAGES,
    )
    .unwrap();
    (layout, read.book)
}

/// Body lines of a page: glyph runs grouped by baseline, inside the text block.
fn body_lines(page: &Page, s: &Settings) -> Vec<(f64, Vec<super::frame::GlyphRun>)> {
    let mut lines: Vec<(f64, Vec<super::frame::GlyphRun>)> = Vec::new();
    for item in &page.items {
        if let Item::Glyphs(run) = item {
            if run.y < s.margin_top || run.y > s.margin_top + s.text_height {
                continue; // running head, folio
            }
            let base = run.y;
            match lines.iter_mut().find(|(y, _)| {
                (y - base).abs() < 0.01
                    || (y - base).abs() < run.size * 0.5 && run.glyphs.iter().any(|g| g.rise != 0.0)
            }) {
                Some((_, runs)) => runs.push(run.clone()),
                None => lines.push((base, vec![run.clone()])),
            }
        }
    }
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    lines
}

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed.txt"
    ))
    .unwrap()
}

#[test]
fn justified_lines_end_at_the_measure() {
    let (layout, _) = layout_of(&format!("# Test\n\n{}", seed()));
    let s = settings();
    let mut checked = 0;
    for (index, page) in layout.pages.iter().enumerate().skip(layout.front_pages) {
        let left = s.left_margin(index + 1);
        let lines = body_lines(page, &s);
        for (i, (_, runs)) in lines.iter().enumerate() {
            if runs
                .iter()
                .any(|r| r.size != s.size || r.face != FaceId::Regular)
            {
                continue; // headings, titles, notes
            }
            // the last line of a paragraph is followed by a taller gap or is the page's last
            let next_gap = lines.get(i + 1).map(|(y, _)| y - lines[i].0);
            if next_gap.is_none_or(|g| g > s.leading + 0.01) {
                continue;
            }
            let last = runs
                .iter()
                .max_by(|a, b| (a.x + a.width()).total_cmp(&(b.x + b.width())))
                .unwrap();
            let end = last.x + last.width() - left;
            let last_glyph = last.glyphs.last().unwrap();
            let hang = 0.7 * f64::from(last_glyph.advance); // the most any character protrudes
            let is_last_of_paragraph = end < s.measure - 20.0;
            if is_last_of_paragraph {
                continue;
            }
            assert!(
                end >= s.measure - 0.5 && end <= s.measure + hang + 0.5,
                "line ends at {end:.2}, measure {:.2} (page {index}, text {:?})",
                s.measure,
                runs.iter().map(|r| layout.run_text(r)).collect::<String>()
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} lines checked");
}

#[test]
fn nothing_is_set_outside_the_text_block() {
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_large_book(dir.path(), 6).unwrap();
    let (layout, _) = layout_of_dir(dir.path());
    let s = settings();
    for (index, page) in layout.pages.iter().enumerate() {
        let left = s.left_margin(index + 1);
        for item in &page.items {
            if let Item::Glyphs(run) = item {
                let hang = run.size * 0.5;
                assert!(
                    run.x >= left - hang,
                    "page {index}: run starts at {} < {left}",
                    run.x
                );
                assert!(
                    run.x + run.width() <= left + s.measure + hang,
                    "page {index}: run ends at {} > {}",
                    run.x + run.width(),
                    left + s.measure
                );
                assert!(
                    run.y > s.margin_top - s.leading * 2.0
                        && run.y < s.margin_top + s.text_height + s.leading * 2.5
                );
            }
        }
    }
}

/// Synthetic lines of one paragraph, with the widow and orphan rules.
fn paragraph(n: usize, tag: &str) -> Vec<VItem> {
    (0..n)
        .map(|i| {
            VItem::Line(Line {
                ascent: 10.0,
                descent: 4.0,
                break_after: !(n >= 2 && (i == 0 || i + 2 == n)),
                mark: Some((tag.to_string(), i)),
                ..Line::default()
            })
        })
        .collect()
}

fn lines_per_page(pages: &[super::pages::BodyPage]) -> Vec<Vec<(String, usize)>> {
    pages
        .iter()
        .map(|p| {
            p.lines
                .iter()
                .map(|(_, l)| l.mark.clone().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn an_orphan_moves_to_the_next_page() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // paragraph A fills all but one line; B's first line would be alone at the foot
    let mut items = paragraph(per_page - 1, "a");
    items.extend(paragraph(5, "b"));
    // (the rule alone: every page at the text block's height, none run a
    // line long to take B's first two lines in)
    let pages = lines_per_page(&break_pages_anywhere(items, &s));
    assert_eq!(pages[0].len(), per_page - 1);
    assert_eq!(pages[1][0], ("b".to_string(), 0));
}

#[test]
fn a_widow_is_pulled_with_a_line_for_company() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // one line more than a page: the last line would be alone at the top
    // (pages filled to the text block's height, as with `openany`)
    let pages = lines_per_page(&break_pages_anywhere(paragraph(per_page + 1, "a"), &s));
    assert_eq!(pages[0].len(), per_page - 1);
    assert_eq!(pages[1].len(), 2);
    // an opening instead runs a line long and keeps the widow
    let pages = lines_per_page(&break_pages(paragraph(per_page + 1, "a"), &s));
    assert_eq!(pages.len(), 1);
}

#[test]
fn facing_pages_end_on_the_same_line() {
    let s = settings();
    let lines_of = |pages: &[super::pages::BodyPage]| -> Vec<usize> {
        pages.iter().map(|p| p.lines.len()).collect()
    };
    let per_page = (s.text_height / s.leading).round() as usize;
    // paragraphs of seven lines after a one-line opening: somewhere a
    // page's foot falls where a widow or an orphan would be
    for first in 2..8 {
        let mut items = paragraph(first, "o");
        for k in 0..40 {
            items.extend(paragraph(7, &format!("p{k}")));
        }
        for line in items.iter_mut() {
            if let VItem::Line(l) = line {
                l.ascent = s.leading * 0.75;
                l.descent = s.leading * 0.25;
            }
        }
        let pages = break_pages(items, &s);
        let counts = lines_of(&pages);
        // pages 1–2, 3–4 … face each other; the last page is free
        for spread in counts[1..counts.len() - 1].chunks(2) {
            if let [verso, recto] = spread {
                assert_eq!(verso, recto, "first {first}: {counts:?}");
                assert!(verso.abs_diff(per_page) <= 1, "first {first}: {counts:?}");
            }
        }
        assert!(*counts.last().unwrap() >= 5, "first {first}: {counts:?}");
    }
}

#[test]
fn a_heading_at_the_foot_moves_to_the_next_page() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    let mut items = paragraph(per_page - 1, "a");
    // the heading: never the last line of a page
    items.push(VItem::Line(Line {
        ascent: 10.0,
        descent: 4.0,
        break_after: false,
        mark: Some(("h".to_string(), 0)),
        ..Line::default()
    }));
    items.extend(paragraph(4, "b"));
    let pages = lines_per_page(&break_pages(items, &s));
    assert_eq!(pages[1][0], ("h".to_string(), 0), "{pages:?}");
    // the same with the real flow: no page of a generated book ends with a heading
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_large_book(dir.path(), 12).unwrap();
    let (layout, _) = layout_of_dir(dir.path());
    for (index, page) in layout.pages.iter().enumerate().skip(layout.front_pages) {
        let lines = body_lines(page, &s);
        if let Some((_, runs)) = lines.last() {
            let all_bold_heading =
                runs.iter().all(|r| r.face == FaceId::Bold) && runs[0].size > s.size;
            assert!(!all_bold_heading, "page {index} ends with a heading");
        }
    }
}

#[test]
fn a_note_runs_on_rather_than_leave_its_page_short() {
    let s = settings();
    let text = |line: &mut Line| {
        line.ascent = s.leading * 0.75;
        line.descent = s.leading * 0.25;
    };
    let per_page = (s.text_height / s.leading).round() as usize;
    // A fills half the page; its last line cites a note of eight lines;
    // B (six lines that keep together, as a heading with its first lines
    // or a listing under its caption) fits under A only if the note runs on
    let mut items = paragraph(per_page / 2, "a");
    let note: Vec<Line> = (0..8)
        .map(|i| Line {
            ascent: s.note_leading * 0.75,
            descent: s.note_leading * 0.25,
            mark: Some(("n".to_string(), i)),
            ..Line::default()
        })
        .collect();
    let room = per_page - per_page / 2;
    let mut b = paragraph(room - 4, "b");
    for line in b.iter_mut() {
        if let VItem::Line(l) = line {
            l.break_after = false;
        }
    }
    if let Some(VItem::Line(l)) = b.last_mut() {
        l.break_after = true;
    }
    items.extend(b);
    items.extend(paragraph(30, "c"));
    for item in items.iter_mut() {
        if let VItem::Line(l) = item {
            text(l);
        }
    }
    if let Some(VItem::Line(l)) = items.get_mut(per_page / 2 - 1) {
        l.notes = vec![note];
    }
    for pages in [
        break_pages(items.clone(), &s),
        break_pages_anywhere(items.clone(), &s),
    ] {
        let marks = |lines: &[(f64, Line)], tag: &str| {
            lines
                .iter()
                .filter(|(_, l)| l.mark.as_ref().is_some_and(|m| m.0 == tag))
                .count()
        };
        // B is on the first page, under A; the note's first lines with it,
        // the rest at the foot of the next page
        assert_eq!(marks(&pages[0].lines, "b"), room - 4);
        let (here, there) = (marks(&pages[0].notes, "n"), marks(&pages[1].notes, "n"));
        assert!(
            here >= 2 && there >= 1 && here + there == 8,
            "{here} + {there}"
        );
        assert!(pages[0].short <= s.leading, "{}", pages[0].short);
    }
    // a split never follows a hyphenated line when a line can go over
    let split = |items: Vec<VItem>| {
        let pages = break_pages_anywhere(items, &s);
        pages[0].notes.len()
    };
    let here = split(items.clone());
    if let Some(VItem::Line(l)) = items.get_mut(per_page / 2 - 1) {
        l.notes[0][here - 1].hyphenated = true;
    }
    assert_eq!(split(items), here - 1);
}

#[test]
fn a_footnote_lands_on_the_page_of_its_reference() {
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_large_book(dir.path(), 10).unwrap();
    let (layout, _) = layout_of_dir(dir.path());
    let mut notes = 0;
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Link {
                target: LinkDest::Internal(id),
                ..
            } = item
            {
                if id.starts_with("fn-") {
                    notes += 1;
                    let here = page
                        .items
                        .iter()
                        .any(|i| matches!(i, Item::Anchor { id: a, .. } if a == id));
                    assert!(here, "note {id} is not on its reference's page");
                }
            }
        }
    }
    assert_eq!(notes, 10);
}

#[test]
fn a_note_cited_only_from_a_note_follows_it_on_its_page() {
    let (layout, book) = layout_of(
        "# A\n\nText with a note.[^a] More text, citing the second again.[^c]\n\n\
         [^a]: The first note, which cites another.[^b]\n\n\
         [^b]: Cited only from the first note.[^a]\n\n\
         [^c]: Cited from the text, and from the second note too.\n",
    );
    let ids: Vec<&str> = book.chapters[0]
        .footnotes
        .iter()
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    // every note is printed once, the one cited only from a note on the
    // page of the note that cites it
    for id in &ids {
        let pages: Vec<usize> = layout
            .pages
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.items.iter().map(move |item| (i, item)))
            .filter(|(_, item)| matches!(item, Item::Anchor { id: a, .. } if a == id))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(pages.len(), 1, "note {id} printed {} times", pages.len());
    }
    let text: String = layout
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|item| match item {
            Item::Glyphs(run) => Some(layout.run_text(run)),
            _ => None,
        })
        .collect();
    // (word spaces are pen moves, not glyphs)
    assert!(text.contains("Citedonlyfromthefirstnote"), "{text}");
}

#[test]
fn a_table_split_across_pages_repeats_its_header() {
    let mut md = String::from("# T\n\n| Name | Value |\n|---|--:|\n");
    for i in 0..90 {
        md.push_str(&format!("| row {i} | {i} |\n"));
    }
    let (layout, _) = layout_of(&md);
    let s = settings();
    let body: Vec<&Page> = layout.pages[layout.front_pages..]
        .iter()
        .filter(|p| !body_lines(p, &s).is_empty())
        .collect();
    assert!(body.len() >= 3, "{} pages", body.len());
    for page in body {
        let first = &body_lines(page, &s)[0].1;
        let text: String = first.iter().map(|r| layout.run_text(r)).collect();
        assert!(
            text.starts_with("Name") || text == "T",
            "page starts with {text:?}"
        );
    }
}

#[test]
fn the_report_counts_real_decisions() {
    // a token wider than the measure is broken anywhere, not left overfull, and reported
    let token = "x".repeat(300);
    let (layout, _) = layout_of(&format!("# T\n\nA paragraph.\n\nAnd {token} here.\n"));
    assert_eq!(
        layout.report.overfull.len(),
        0,
        "{:?}",
        layout.report.overfull
    );
    assert_eq!(layout.report.broken_words.len(), 1);
    assert_eq!(layout.report.broken_words[0].line, 5);
    let s = settings();
    for (index, page) in layout.pages.iter().enumerate().skip(layout.front_pages) {
        for (_, runs) in body_lines(page, &s) {
            let end = runs.iter().map(|r| r.x + r.width()).fold(0.0, f64::max);
            assert!(
                end <= s.left_margin(index + 1) + s.measure + 1.0,
                "past the measure: {end}"
            );
        }
    }
    // a character the fonts lack is reported, not dropped silently
    let (layout, _) = layout_of("# T\n\nA \u{4e2d} character.\n");
    assert_eq!(layout.report.missing_glyphs.len(), 1);
    assert_eq!(layout.report.missing_glyphs[0].character, '\u{4e2d}');
    // the seed text hyphenates, never more than two lines in a row
    let (layout, _) = layout_of(&format!("# T\n\n{}", seed()));
    assert!(layout.report.hyphenated_lines > 0);
    assert!(layout.report.longest_hyphen_run <= 2);
    assert_eq!(layout.report.overfull.len(), 0);
}

#[test]
fn chapters_open_on_rectos_and_labels_run_roman_then_arabic() {
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_large_book(dir.path(), 3).unwrap();
    let (layout, book) = layout_of_dir(dir.path());
    assert_eq!(layout.front_pages % 2, 0);
    assert_eq!(layout.pages[0].label, "i");
    assert_eq!(layout.pages[layout.front_pages].label, "1");
    for chapter in &book.chapters {
        let page = layout
            .pages
            .iter()
            .position(|p| {
                p.items
                    .iter()
                    .any(|i| matches!(i, Item::Anchor { id, .. } if *id == chapter.id))
            })
            .unwrap();
        assert_eq!(
            (page + 1) % 2,
            1,
            "{} opens on physical page {}",
            chapter.id,
            page + 1
        );
    }
    // the page map has one entry per body page, in order
    let body = layout.pages.len() - layout.front_pages;
    assert_eq!(layout.page_map.pages.len(), body);
    for (i, start) in layout.page_map.pages.iter().enumerate() {
        assert_eq!(start.label, (i + 1).to_string());
    }
}

#[test]
fn explicit_hyphens_and_ideographs_are_break_opportunities() {
    // a paragraph of hyphenated compounds only: with no break after the
    // hyphens, these lines could not be justified
    let words = "long-term urban-rural eco-civilization law-based self-governance ".repeat(12);
    let (layout, _) = layout_of(&format!("# T\n\n{words}\n"));
    assert_eq!(layout.report.overfull.len(), 0);
    assert!(layout.report.broken_words.is_empty());
    // CJK text without spaces breaks between ideographs
    let cjk = "\u{4e2d}\u{6587}".repeat(200);
    let (layout, _) = layout_of(&format!("# T\n\n{cjk}\n"));
    assert!(
        layout.report.broken_words.is_empty(),
        "ideographs need no emergency"
    );
    assert!(layout.report.lines > 3);
}

#[test]
fn an_impossible_break_is_made_and_reported() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // lines none of which may end a page, longer than a page
    let items: Vec<VItem> = (0..per_page + 5)
        .map(|i| {
            VItem::Line(Line {
                ascent: 10.0,
                descent: 4.0,
                break_after: false,
                mark: Some(("k".to_string(), i)),
                pos: Some(crate::doc::Pos {
                    file: 0,
                    line: 7,
                    col: 1,
                }),
                ..Line::default()
            })
        })
        .collect();
    let pages = break_pages(items, &s);
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].bad_break.map(|p| p.line), Some(7));
    assert!(pages[1].bad_break.is_none());
    // and a normal paragraph never reports one
    assert!(break_pages(paragraph(per_page * 2, "a"), &s)
        .iter()
        .all(|p| p.bad_break.is_none()));
}

// ---------------------------------------------------------------------------
// fallback fonts: what the bundled faces lack comes from another font, or is
// reported

/// A folder of "system fonts" holding a copy of bundled `file`.
fn font_dir(file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fonts")
        .join(file);
    std::fs::copy(from, dir.path().join(file)).unwrap();
    dir
}

/// A "system" whose only fonts are copies of `fonts`: the directory (kept
/// while it is used) and the font directories that name it.
fn system_of(fonts: &[&std::path::Path]) -> (tempfile::TempDir, super::fonts::FontDirs) {
    let dir = tempfile::tempdir().unwrap();
    for font in fonts {
        std::fs::copy(font, dir.path().join(font.file_name().unwrap())).unwrap();
    }
    let dirs = super::fonts::FontDirs::Only(vec![dir.path().to_path_buf()]);
    (dir, dirs)
}

/// A letter Linux Libertine has and Inconsolata lacks: code that needs a
/// fallback, which a copy of Libertine can be.
fn letter_mono_lacks(fonts: &Fonts) -> char {
    use read_fonts::TableProvider;
    let has = |face: FaceId, c: char| {
        fonts
            .face(face)
            .font_ref()
            .cmap()
            .unwrap()
            .map_codepoint(c)
            .is_some_and(|g| g.to_u32() != 0)
    };
    "λπΩЖжĀ"
        .chars()
        .find(|&c| has(FaceId::Regular, c) && !has(FaceId::Mono, c))
        .expect("a letter Libertine has and Inconsolata lacks")
}

/// Typesets `markdown` with the bundled fonts and the fallbacks its
/// characters need from `dirs`.
fn layout_with_fallbacks(markdown: &str, dirs: &super::fonts::FontDirs) -> (Layout, Fonts) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), markdown).unwrap();
    let manuscript = crate::manuscript::load(dir.path()).unwrap();
    let read = crate::markdown::read(&manuscript).unwrap();
    let fonts = Fonts::bundled().unwrap();
    let (text, code) = fonts.uncovered(&read.book);
    let fonts = fonts.with_fallbacks(&text, &code, dirs, &read.book.meta.language);
    let settings = Settings::from_config(&read.config.pdf).unwrap();
    let layout = typeset(&read.book, &settings, &fonts, &crate::images::NO_IMAGES).unwrap();
    (layout, fonts)
}

#[test]
fn a_character_the_code_face_lacks_comes_from_a_fallback_font() {
    let lambda = letter_mono_lacks(&Fonts::bundled().unwrap());
    let fonts_dir = font_dir("LinLibertine_R.otf");
    let dirs = super::fonts::FontDirs::Only(vec![fonts_dir.path().to_path_buf()]);
    let markdown = format!("# T\n\nInline `f {lambda} x` code.\n\n```\nlet {lambda} = 1;\n```\n");
    let (layout, fonts) = layout_with_fallbacks(&markdown, &dirs);
    assert_eq!(
        fonts.faces.len(),
        FaceId::ALL.len() + 1,
        "one fallback face"
    );
    let fallback = FaceId::Fallback(0);
    assert_eq!(fonts.face(fallback).family, "Linux Libertine O");
    assert!(fonts.face(fallback).file.is_none());
    assert_eq!(
        fonts.files().len(),
        FaceId::ALL.len(),
        "the EPUB embeds only the bundled fonts"
    );
    // set, twice (inline and in the block), as a real glyph of the fallback
    let set: Vec<_> = layout
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Glyphs(run) if run.face == fallback => Some(run),
            _ => None,
        })
        .flat_map(|run| run.glyphs.iter())
        .collect();
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(set
        .iter()
        .all(|g| g.id != 0 && layout.glyph_texts.get(fallback, g.id) == lambda.to_string()));
    // the rest of the code stays in Inconsolata
    assert!(layout.pages.iter().flat_map(|p| &p.items).any(
        |i| matches!(i, Item::Glyphs(run) if run.face == FaceId::Mono
            && run.glyphs.iter().any(|g| layout.glyph_texts.get(run.face, g.id) == "="))
    ));
    assert!(
        layout.report.missing_glyphs.is_empty(),
        "{:?}",
        layout.report.missing_glyphs
    );
    assert_eq!(layout.report.fallback_glyphs, 2);
    assert_eq!(layout.report.fallback_fonts, vec!["Linux Libertine O"]);
    assert!(layout
        .report
        .summary()
        .contains("2 glyphs from fallback fonts"));
    // and the PDF embeds it: a sixth font resource
    let pdf = crate::pdf::write(
        layout,
        &crate::doc::Metadata::default(),
        &fonts,
        crate::date::Timestamp::for_build(Some(0), None),
    )
    .unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let font_names: std::collections::BTreeSet<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Font"))
        .filter_map(|d| d.get(b"BaseFont").and_then(|n| n.as_name()).ok())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let libertine = font_names
        .iter()
        .filter(|n| n.ends_with("+LinLibertineO"))
        .count();
    assert!(libertine >= 2, "{font_names:?}");
}

#[test]
fn a_character_no_font_has_is_still_reported_with_its_line() {
    // the "system" has Inconsolata only: no font has U+4E2D, and a
    // private-use character is never taken from another font
    let fonts_dir = font_dir("Inconsolata.otf");
    let dirs = super::fonts::FontDirs::Only(vec![fonts_dir.path().to_path_buf()]);
    let (layout, fonts) =
        layout_with_fallbacks("# T\n\nFirst.\n\nA \u{4e2d} and \u{10FFFD}.\n", &dirs);
    assert_eq!(fonts.faces.len(), FaceId::ALL.len(), "no fallback found");
    let missing: Vec<(char, u32)> = layout
        .report
        .missing_glyphs
        .iter()
        .map(|m| (m.character, m.line))
        .collect();
    assert_eq!(missing, vec![('\u{4e2d}', 5), ('\u{10FFFD}', 5)]);
    assert_eq!(layout.report.fallback_glyphs, 0);
    // and with no fonts at all, the same
    let (layout, _) = layout_with_fallbacks(
        "# T\n\nA \u{4e2d}.\n",
        &super::fonts::FontDirs::Only(Vec::new()),
    );
    assert_eq!(layout.report.missing_glyphs.len(), 1);
}

#[test]
fn a_book_the_bundled_fonts_cover_needs_no_fallback() {
    let dir = tempfile::tempdir().unwrap();
    crate::sample::write_large_book(dir.path(), 3).unwrap();
    let manuscript = crate::manuscript::load(dir.path()).unwrap();
    let read = crate::markdown::read(&manuscript).unwrap();
    let (text, code) = Fonts::bundled().unwrap().uncovered(&read.book);
    assert!(text.is_empty() && code.is_empty(), "{text:?} {code:?}");
    // nor does text with controls, private-use and ignorable characters
    // (they stay with the bundled faces: hidden, or reported)
    let (_, book) = layout_of("# T\n\nA\u{1}b\u{E000}c\u{200D}d\u{FE0F}e\u{FFFD}f\u{00AD}g.\n");
    let (text, code) = Fonts::bundled().unwrap().uncovered(&book);
    assert!(text.is_empty() && code.is_empty(), "{text:?} {code:?}");
}

#[test]
fn a_line_is_one_run_per_style() {
    // (that the words stay apart in the PDF is checked end to end, with
    // pdftotext, in tests/default_book.rs)
    let (layout, _) = layout_of(&format!(
        "# Test\n\n{}\n\nPlain words then *italic words* then plain again, long enough to fill a line or two of the page.",
        seed()
    ));
    let s = settings();
    let mut plain_lines = 0;
    for page in &layout.pages[layout.front_pages..] {
        for (_, runs) in body_lines(page, &s) {
            // consecutive runs never share face and size: they would have merged
            for pair in runs.windows(2) {
                assert!(
                    pair[0].face != pair[1].face || pair[0].size != pair[1].size,
                    "two runs in {:?} at {}pt on one line",
                    pair[0].face,
                    pair[0].size
                );
            }
            if runs.len() == 1 && runs[0].face == FaceId::Regular && runs[0].size == s.size {
                plain_lines += 1;
            }
        }
    }
    assert!(plain_lines > 30, "{plain_lines} single-run lines");
}

#[test]
fn small_capitals_are_the_fonts_own_and_keep_their_text() {
    let fonts = Fonts::bundled().unwrap();
    let mut shaper = super::shape::Shaper::new(&fonts, "en");
    let plain = shaper.shape(FaceId::Regular, "Small caps");
    let small = shaper.shape_small_caps(FaceId::Regular, "Small caps");
    let ids = |s: &super::shape::Shaped| s.glyphs.iter().map(|g| g.id).collect::<Vec<_>>();
    // the capital S is the same glyph; the lower-case letters are not
    assert_eq!(ids(&plain)[0], ids(&small)[0]);
    assert_ne!(ids(&plain)[1..], ids(&small)[1..]);
    // each glyph still stands for its letter (ToUnicode, text extraction)
    let text: String = small.glyphs.iter().map(|g| &*g.text).collect();
    assert_eq!(text, "Small caps");
    // cached apart: the plain shaping is unchanged
    assert_eq!(
        ids(&shaper.shape(FaceId::Regular, "Small caps")),
        ids(&plain)
    );
}

#[test]
fn a_span_in_another_language_is_hyphenated_as_that_language() {
    let words = "Donaudampfschifffahrtsgesellschaft Haftpflichtversicherungsbedingungen \
                 Rechtsschutzversicherungsgesellschaften Geschwindigkeitsbegrenzung "
        .repeat(6);
    let hyphenated = |lang: &str| {
        let (layout, _) = layout_of(&format!("# A\n\nSome words: [{words}]{{lang={lang}}}\n"));
        layout.report.hyphenated_lines
    };
    // German patterns break the compounds; a language without patterns
    // (here a made-up one) breaks none, though the book is English
    assert!(hyphenated("de") > 0);
    assert_eq!(hyphenated("zz"), 0);
}

#[test]
fn table_cells_at_their_natural_width_are_not_overfull() {
    // columns as wide as their widest cell: the f32 glyph advances of a
    // cell's words must not make it "overfull" by a rounding error
    let mut md = String::from("# T\n\n| Area | Measure | Change |\n|:--|:-:|--:|\n");
    for n in 0..40 {
        md.push_str(&format!(
            "| Income {n} | distribution reformed | +{n}.{n}% |\n| Health | overall level of health | 100% |\n"
        ));
    }
    let (layout, _) = layout_of(&md);
    assert!(
        layout.report.overfull.is_empty(),
        "{:?}",
        layout.report.overfull
    );
    assert!(layout.report.broken_words.is_empty());
    // and none wraps: a line per row, the header and the chapter title
    let (title, _) = layout_of("# T\n");
    assert_eq!(layout.report.lines - title.report.lines, 81);
}

#[test]
fn a_glyph_wider_than_its_cell_is_overfull_by_what_the_page_shows() {
    // 25 columns leave each about 2.5pt: a bold W cannot be broken, and the
    // last column's W passes the measure by the excess the report gives
    let n = 25;
    let md = format!(
        "# T\n\n|{}|\n|{}|\n|{}|\n",
        vec!["W"; n].join("|"),
        vec!["-"; n].join("|"),
        vec!["x"; n].join("|")
    );
    let (layout, _) = layout_of(&md);
    let s = settings();
    assert_eq!(layout.report.overfull.len(), 2 * n, "one per cell");
    // a single glyph is not a word that was broken
    assert!(layout.report.broken_words.is_empty());
    let widest = layout
        .report
        .overfull
        .iter()
        .map(|o| o.excess)
        .fold(0.0, f64::max);
    assert!(widest > 3.0, "{widest}");
    let page = layout.pages.len();
    let right = s.left_margin(page) + s.measure;
    let end = body_lines(&layout.pages[page - 1], &s)
        .iter()
        .flat_map(|(_, runs)| runs.iter().map(|r| r.x + r.width()))
        .fold(0.0, f64::max);
    assert!(
        (end - right - widest).abs() < 0.01,
        "the last W ends {}pt past the measure, the report says {widest}",
        end - right
    );
}

/// The glyphs of each body line of the first body page below its title,
/// left to right: (x, its own text).
fn visual_lines(layout: &Layout) -> Vec<Vec<(f64, String)>> {
    let s = settings();
    body_lines(&layout.pages[layout.front_pages], &s)
        .into_iter()
        .skip(1) // the chapter's title
        .map(|(_, runs)| {
            let mut glyphs = Vec::new();
            for run in &runs {
                let mut x = run.x;
                for g in run.glyphs.iter() {
                    glyphs.push((x, layout.glyph_texts.get(run.face, g.id).to_string()));
                    x += f64::from(g.advance);
                }
            }
            glyphs.sort_by(|a, b| a.0.total_cmp(&b.0));
            glyphs
        })
        .collect()
}

/// Where a line's glyphs start and end (of the glyphs' pens: the last
/// glyph's advance added).
fn extent(layout: &Layout, line: &[(f64, String)]) -> (f64, f64) {
    let page = &layout.pages[layout.front_pages];
    let first = line[0].0;
    let last = line.last().unwrap().0;
    let advance = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(r) => {
                let mut x = r.x;
                r.glyphs.iter().find_map(|g| {
                    let here = x;
                    x += f64::from(g.advance);
                    ((here - last).abs() < 1e-9).then_some(f64::from(g.advance))
                })
            }
            _ => None,
        })
        .next()
        .unwrap_or(0.0);
    (first, last + advance)
}

#[test]
fn a_right_to_left_paragraph_is_set_from_the_right_in_uax9_order() {
    // Libertine has Hebrew: no fallback font is involved
    let logical = "שלום עולם with Latin 123, and more עברית.";
    let (layout, _) = layout_of(&format!("# T\n\nHebrew: {logical}\n\n{logical}\n"));
    let lines = visual_lines(&layout);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let s = settings();
    let left = s.left_margin(layout.front_pages + 1);
    // after a Latin word, a left-to-right paragraph: only the Hebrew runs
    // turn (read left to right, each glyph standing for its letter), the
    // full stop stays at the end
    let visual: String = lines[0].iter().map(|g| g.1.as_str()).collect();
    assert_eq!(visual, "Hebrew:םלועםולשwithLatin123,andmoreתירבע.");
    assert!((extent(&layout, &lines[0]).0 - left).abs() < 1e-6);
    // starting with Hebrew, a right-to-left paragraph: the glyphs spell
    // UAX #9's visual order, the full stop that ends the sentence at the
    // left
    let visual: String = lines[1].iter().map(|g| g.1.as_str()).collect();
    let expected = ".תירבע with Latin 123, and more םלוע םולש";
    assert_eq!(visual, expected.replace(' ', ""));
    // a one-line paragraph's line is its last: flush right, its first-line
    // indent at the right
    let (start, end) = extent(&layout, &lines[1]);
    assert!(start > left + 10.0, "{start} {left}");
    let indent = s.size * 1.2;
    assert!((end - (left + s.measure - indent)).abs() < 0.05, "{end}");
}

#[test]
fn a_justified_right_to_left_paragraph_fills_the_measure_and_ends_flush_right() {
    let words = "שלום עולם זהו משפט ארוך בעברית ".repeat(12);
    let (layout, _) = layout_of(&format!("# T\n\n{words}סוף.\n"));
    let s = settings();
    let left = s.left_margin(layout.front_pages + 1);
    let lines = visual_lines(&layout);
    assert!(lines.len() >= 3, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        let (start, end) = extent(&layout, line);
        // every line ends at the right edge (protrusion is for
        // left-to-right text only)
        assert!((end - (left + s.measure)).abs() < 0.05, "line {i}: {end}");
        if i + 1 < lines.len() {
            assert!((start - left).abs() < 0.05, "line {i} starts at {start}");
        } else {
            assert!(start > left + 1.0, "the last line is flush right");
        }
    }
}

#[test]
fn a_cluster_whose_glyphs_are_reordered_extracts_in_logical_order() {
    // a base and a combining mark Libertine composes as two glyphs: one
    // cluster of two glyphs, with an actual text
    let (layout, _) = layout_of("# T\n\nq\u{301}x\n");
    let runs: Vec<&super::frame::GlyphRun> = layout.pages[layout.front_pages]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(r) if layout.run_text(r).contains('x') => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(layout.run_text(runs[0]), "q\u{301}x");
    assert_eq!(runs[0].actual.len(), 1, "{:?}", runs[0].actual);
    assert_eq!(&*runs[0].actual[0].text, "q\u{301}");
    assert_eq!(runs[0].actual[0].glyphs, 0..2);
}

/// The text of the copyright page (its runs' texts, in order).
fn copyright_text(layout: &Layout) -> String {
    layout.pages[3]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(r) => Some(layout.run_text(r)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_colophon_names_the_faces_the_pages_show() {
    let (layout, _) = layout_of("# T\n\nProse only.\n");
    let text = copyright_text(&layout);
    assert!(text.contains("SetinLinuxLibertineOwithquire."), "{text}");
    let (layout, _) = layout_of("# T\n\nProse and `code`.\n");
    let text = copyright_text(&layout);
    assert!(
        text.contains("SetinLinuxLibertineOandInconsolatawithquire."),
        "{text}"
    );
}

#[test]
fn a_character_no_font_has_is_a_box_that_extracts_as_itself_on_its_page() {
    let (layout, _) = layout_of("# T\n\nA \u{4e2d} here.\n\n```\nx = \"\u{4e2d}\u{1}\"\n```\n");
    let page = &layout.pages[layout.front_pages];
    // drawn: a frame of four rules and the code's digits, never .notdef
    let runs: Vec<&super::frame::GlyphRun> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(r) => Some(r),
            _ => None,
        })
        .collect();
    assert!(runs.iter().all(|r| r.glyphs.iter().all(|g| g.id != 0)));
    let rules = page
        .items
        .iter()
        .filter(|i| matches!(i, Item::Rule { .. }))
        .count();
    assert_eq!(rules, 4 * 3, "three boxes");
    let digits: String = runs
        .iter()
        .filter(|r| r.face == FaceId::Mono && r.size < settings().size * 0.5)
        .flat_map(|r| {
            r.glyphs
                .iter()
                .map(|g| layout.glyph_texts.get(r.face, g.id))
        })
        .collect();
    assert_eq!(digits, "2D4E2D4E0100", "lower row first");
    // what a reader extracts: the character in text and code, nothing for
    // the control
    let text: String = runs.iter().map(|r| layout.run_text(r)).collect();
    assert!(text.contains("A\u{4e2d}here."), "{text}");
    assert!(text.contains("x = \"\u{4e2d}\""), "{text}");
    // reported with the page it is printed on
    let missing: Vec<(char, Option<&str>)> = layout
        .report
        .missing_glyphs
        .iter()
        .map(|m| (m.character, m.page.as_deref()))
        .collect();
    assert_eq!(
        missing,
        vec![
            ('\u{4e2d}', Some("1")),
            ('\u{4e2d}', Some("1")),
            ('\u{1}', Some("1"))
        ]
    );
}

/// A font of the Noto packages (fonts-noto-core, fonts-noto-cjk), which
/// `.ci/run` installs: `None` (and a note) when it is not here, a failure
/// under CI.
fn noto(file: &str) -> Option<std::path::PathBuf> {
    let found = [
        "/usr/share/fonts/opentype/noto",
        "/usr/share/fonts/truetype/noto",
    ]
    .iter()
    .map(|dir| std::path::Path::new(dir).join(file))
    .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{file} is required in CI (.ci/run installs fonts-noto-core and fonts-noto-cjk)"
        );
        eprintln!("note: {file} is not installed; skipping");
    }
    found
}

#[test]
fn a_fallback_face_is_scaled_to_the_text_faces_x_height() {
    let (Some(cjk), Some(devanagari)) = (
        noto("NotoSerifCJK-Regular.ttc"),
        noto("NotoSerifDevanagari-Regular.ttf"),
    ) else {
        return;
    };
    let (_dir, dirs) = system_of(&[&cjk, &devanagari]);
    let (layout, fonts) = layout_with_fallbacks(
        "# T\n\nKorean 안녕 and Hindi नमस्ते.\n\n```\nlet s = \"안녕\";\n```\n",
        &dirs,
    );
    let s = settings();
    let main = fonts.face(FaceId::Regular).x_height_em().unwrap();
    let mut seen = Vec::new();
    for item in &layout.pages[layout.front_pages].items {
        let Item::Glyphs(run) = item else { continue };
        if !run.face.is_fallback() {
            continue;
        }
        let face = fonts.face(run.face);
        if run.size < s.size * 0.85 && run.color.is_some() {
            // code keeps its columns: the fallback at the code's size
            assert_eq!(run.size, s.size * 0.82, "{}", face.family);
            continue;
        }
        match face.x_height_em() {
            // a CJK face has a Latin x: set so that its x-height is the text's
            Some(own) => {
                assert!(run.size < s.size * 0.95, "{}", face.family);
                assert!((run.size * own - s.size * main).abs() < 0.01 * s.size);
            }
            // a Devanagari face has none: set at the text's size
            None => assert_eq!(run.size, s.size, "{}", face.family),
        }
        seen.push(face.family.clone());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, ["Noto Serif CJK KR", "Noto Serif Devanagari"]);
}

#[test]
fn a_script_is_set_in_one_face_and_its_punctuation_with_it() {
    // the danda (U+0964) is common to Devanagari and Bengali: it stays with
    // the Devanagari face, though a Bengali face (first by name) has it too
    let (Some(devanagari), Some(bengali)) = (
        noto("NotoSerifDevanagari-Regular.ttf"),
        noto("NotoSerifBengali-Regular.ttf"),
    ) else {
        return;
    };
    let (_dir, dirs) = system_of(&[&devanagari, &bengali]);
    let (layout, fonts) = layout_with_fallbacks("# T\n\nनमस्ते दुनिया।\n", &dirs);
    assert_eq!(layout.report.fallback_fonts, ["Noto Serif Devanagari"]);
    assert_eq!(
        fonts.fallbacks.get(FaceId::Regular, '\u{964}'),
        fonts.fallbacks.get(FaceId::Regular, 'न')
    );
}

#[test]
fn arabic_letters_join_when_their_run_is_shaped_right_to_left() {
    let Some(naskh) = noto("NotoNaskhArabic-Regular.ttf") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&naskh, dir.path().join("naskh.ttf")).unwrap();
    let word = "مرحبا";
    let fonts = Fonts::bundled().unwrap().with_fallbacks(
        &word.chars().collect(),
        &Default::default(),
        &super::fonts::FontDirs::Only(vec![dir.path().to_path_buf()]),
        "ar",
    );
    let face = FaceId::Fallback(0);
    assert_eq!(fonts.face(face).family, "Noto Naskh Arabic");
    let mut shaper = super::shape::Shaper::new(&fonts, "ar");
    let shaped = shaper.shape_directed(face, word, true);
    assert_eq!(shaped.glyphs.len(), 5);
    // each letter takes its joining form (initial, final, initial, medial,
    // final): none is the glyph the letter has alone
    for (i, c) in word.chars().enumerate() {
        let alone = shaper.shape_directed(face, &c.to_string(), true).glyphs[0].id;
        let joined = shaped.logical(i);
        assert_ne!(joined.id, alone, "{c} at {i}");
        assert_eq!(&*joined.unicode, c.to_string());
    }
}

/// Typesets a one-file manuscript with the settings `quire build` takes for
/// its language.
fn layout_for_language(markdown: &str) -> Layout {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), markdown).unwrap();
    let manuscript = crate::manuscript::load(dir.path()).unwrap();
    let read = crate::markdown::read(&manuscript).unwrap();
    let settings = Settings::from_config(&read.config.pdf)
        .unwrap()
        .for_language(&read.book.meta.language);
    typeset(
        &read.book,
        &settings,
        &Fonts::bundled().unwrap(),
        &crate::images::NO_IMAGES,
    )
    .unwrap()
}

#[test]
fn a_right_to_left_book_runs_from_the_right() {
    let layout = layout_for_language(&format!(
        "---\ntitle: ספר\nlanguage: he\n---\n\n# פרק\n\n- פריט ראשון\n\n\
         | עמודה | ערך |\n|---|---|\n| אחת | שתיים |\n\n> [!NOTE]\n> הערה.\n\n{}\n",
        "מילים רבות בעמוד הבא ".repeat(300)
    ));
    let s = settings().for_language("he");
    let page = &layout.pages[layout.front_pages];
    let physical = layout.front_pages + 1;
    // bound on the right: a recto's wider (spine) margin is its right one
    assert!(physical % 2 == 1);
    let left = s.left_margin(physical);
    assert_eq!(left, s.margin_outer);
    assert!(s.margin_outer < s.margin_inner);
    // the folio at the fore-edge, now the left (the opening page has it
    // centred: look at a running page's)
    let text_of = |r: &super::frame::GlyphRun| layout.run_text(r);
    let runs: Vec<&super::frame::GlyphRun> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Glyphs(r) => Some(r),
            _ => None,
        })
        .collect();
    let at = |text: &str| {
        let visual: String = text.chars().rev().collect();
        runs.iter()
            .find(|r| text_of(r) == text || text_of(r) == visual)
            .unwrap_or_else(|| panic!("no {text}"))
    };
    // the list's bullet right of its item
    let bullet = at("\u{2022}");
    let item = at("פריט"); // the item's first word, its rightmost
    assert!(bullet.x > item.x + item.width(), "{} {}", bullet.x, item.x);
    // the table's first column at the right
    let first = at("אחת");
    let second = at("שתיים");
    assert!(first.x > second.x + second.width());
    // the callout's rule at the right of its text
    let note = at("הערה.");
    let rule = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Rule {
                x, width, height, ..
            } if *width < 1.0 && *height > 5.0 => Some(*x),
            _ => None,
        })
        .next()
        .expect("the callout's rule");
    assert!(rule > note.x + note.width(), "{rule}");
    // a left-to-right book, for comparison: recto spine at the left
    assert_eq!(settings().left_margin(physical), s.margin_inner);
    let running = layout
        .pages
        .iter()
        .enumerate()
        .skip(layout.front_pages + 1)
        .find(|(_, p)| p.decoration.is_some_and(|d| d < p.items.len()))
        .map(|(i, _)| i);
    assert!(running.is_some(), "a page after the opening");
    if let Some(i) = running {
        let page = &layout.pages[i];
        let folio = page.items[page.decoration.unwrap()].clone();
        let Item::Glyphs(folio) = folio else { panic!() };
        let left = s.left_margin(i + 1);
        let outside_left = (i + 1) % 2 == 1;
        if outside_left {
            assert!((folio.x - left).abs() < 1e-6);
        } else {
            assert!((folio.x + folio.width() - (left + s.measure)).abs() < 1e-6);
        }
    }
}

#[test]
fn a_div_with_dir_sets_its_paragraphs_in_that_direction() {
    let (layout, _) = layout_of("# T\n\n::: {dir=rtl}\nLatin, right to left.\n:::\n\nLatin.\n");
    let s = settings();
    let left = s.left_margin(layout.front_pages + 1);
    let lines = visual_lines(&layout);
    assert_eq!(lines.len(), 2);
    // the Latin words keep their order; the full stop moves to the left,
    // and the line is flush right
    let visual: String = lines[0].iter().map(|g| g.1.as_str()).collect();
    assert_eq!(visual, ".Latin,righttoleft");
    let (start, end) = extent(&layout, &lines[0]);
    assert!(start > left + 10.0 && (end - (left + s.measure)).abs() < 0.05);
    // after the div, left to right again
    let visual: String = lines[1].iter().map(|g| g.1.as_str()).collect();
    assert_eq!(visual, "Latin.");
    assert!((extent(&layout, &lines[1]).0 - left).abs() < 1e-6);
}

#[test]
fn html_phrase_elements_are_set_as_a_browser_shows_them() {
    let (layout, _) = layout_of(
        "# A\n\nPlain <mark>marked</mark> <u>up</u> <small>tiny</small> <kbd>Ctrl</kbd> and 2<sup>8</sup> end.\n",
    );
    let s = settings();
    let page = &layout.pages[layout.front_pages];
    let runs: Vec<(usize, &super::frame::GlyphRun, String)> = page
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Glyphs(run) => Some((i, run, layout.run_text(run))),
            _ => None,
        })
        .collect();
    // the text of a run, glyph by glyph, with each glyph's left edge
    let glyphs_of = |word: &str| {
        runs.iter()
            .find_map(|(i, run, text)| {
                let at = text.find(word)?;
                let mut x = run.x;
                let before = text[..at].chars().count();
                for g in &run.glyphs[..before] {
                    x += f64::from(g.advance);
                }
                let width: f64 = run.glyphs[before..before + word.chars().count()]
                    .iter()
                    .map(|g| f64::from(g.advance))
                    .sum();
                Some((*i, *run, x, width))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no run holds {word:?}: {:?}",
                    runs.iter().map(|r| &r.2).collect::<Vec<_>>()
                )
            })
    };
    // <mark>: a coloured box behind the word (drawn before it)
    let (index, run, x, width) = glyphs_of("marked");
    let shade = page.items[..index].iter().find_map(|item| match item {
        Item::Shade {
            x: sx,
            y,
            width: w,
            height,
            color,
        } => Some((*sx, *y, *w, *height, *color)),
        _ => None,
    });
    let (sx, sy, sw, sh, color) = shade.expect("a shade before the marked word");
    assert!(
        (sx - x).abs() < 0.01 && (sw - width).abs() < 0.01,
        "{sx} {sw} vs {x} {width}"
    );
    assert!(sy < run.y && sy + sh > run.y, "the box spans the baseline");
    assert_ne!(color, [0.0, 0.0, 0.0]);
    // <u>: a rule under the baseline, as wide as the word
    let (_, run, x, width) = glyphs_of("up");
    assert!(page.items.iter().any(|item| matches!(item,
        Item::Rule { x: rx, y, width: w, .. }
            if (rx - x).abs() < 0.01 && (w - width).abs() < 0.01 && *y > run.y)));
    // <small>: smaller; <kbd>: monospaced
    let (_, small, ..) = glyphs_of("tiny");
    assert!(small.size < s.size * 0.9, "{} vs {}", small.size, s.size);
    let (_, kbd, ..) = glyphs_of("Ctrl");
    assert_eq!(kbd.face, FaceId::Mono);
    // <sup>: raised and smaller
    let (_, sup, ..) = glyphs_of("8");
    assert!(sup.size < s.size && sup.glyphs[0].rise > 0.0);
}

#[test]
fn a_line_of_nothing_is_set_as_nothing() {
    let fonts = Fonts::bundled().unwrap();
    let mut shaper = super::shape::Shaper::new(&fonts, "en");
    for rtl in [false, true] {
        let parts = [
            (String::new(), ()),
            ("a".to_string(), ()),
            (String::new(), ()),
        ];
        let line = super::flow::set_line(&mut shaper, &parts, (FaceId::Regular, 10.0, true), rtl);
        assert_eq!(line.pieces.len(), 1);
        let line =
            super::flow::set_line(&mut shaper, &parts[..1], (FaceId::Regular, 10.0, true), rtl);
        assert!(line.pieces.is_empty());
    }
}

#[test]
fn right_to_left_text_in_code_is_shown_in_display_order() {
    // (Inconsolata has no Hebrew: a copy of Libertine stands in for it)
    let fonts_dir = font_dir("LinLibertine_R.otf");
    let dirs = super::fonts::FontDirs::Only(vec![fonts_dir.path().to_path_buf()]);
    let (layout, _) = layout_with_fallbacks("# T\n\n```\nx = \"שלום עולם\";\n```\n", &dirs);
    let lines = visual_lines(&layout);
    // the line runs left to right; the Hebrew string reads from the right
    // (UAX #9 with a left-to-right base, as editors show it)
    let visual: String = lines[0].iter().map(|g| g.1.as_str()).collect();
    assert_eq!(visual, "x = \"םלוע םולש\";");
    let left = settings().left_margin(layout.front_pages + 1);
    assert!(lines[0][0].0 < left + settings().size);
}

/// A float of `height` points whose one line is marked `tag`.
fn float(height: f64, tag: &str) -> VItem {
    VItem::Float(super::flow::Float {
        lines: vec![Line {
            ascent: height,
            descent: 0.0,
            mark: Some((tag.to_string(), 0)),
            ..Line::default()
        }],
        space: 6.0,
    })
}

#[test]
fn a_figure_that_does_not_fit_waits_for_the_next_page_top() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // half a page of text, a figure two thirds of a page tall, more text
    let mut items = paragraph(per_page / 2, "a");
    items.push(float(s.text_height * 0.66, "f"));
    items.extend(paragraph(per_page * 2, "b"));
    let pages = lines_per_page(&break_pages_anywhere(items, &s));
    // the text goes on filling the first page …
    assert!(pages[0].len() >= per_page - 1, "{pages:?}");
    assert!(!pages[0].contains(&("f".to_string(), 0)));
    // … and the figure opens the second
    assert_eq!(pages[1][0], ("f".to_string(), 0), "{pages:?}");
}

#[test]
fn a_figure_waiting_at_a_chapters_end_goes_to_the_top_of_its_page() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // the figure is cited near the foot and the chapter ends soon after:
    // it goes to the top of the page that cites it, not to a page of its
    // own after the chapter's text
    let mut items = paragraph(per_page - 6, "a");
    items.push(float(s.text_height * 0.4, "f"));
    items.extend(paragraph(4, "b"));
    let pages = lines_per_page(&break_pages_anywhere(items, &s));
    assert_eq!(pages[0][0], ("f".to_string(), 0), "{pages:?}");
    assert!(pages.iter().all(|p| p.len() > 1), "{pages:?}");
    assert!(
        pages.last().unwrap().iter().any(|m| m.0 == "b"),
        "{pages:?}"
    );
}

#[test]
fn a_figure_caption_is_italic_as_the_epubs_figcaption() {
    // (the image is not loaded: the caption is set all the same)
    let (layout, _) = layout_of("# T\n\nText.\n\n![Figure 1: an ellipse of 1960](e.png)\n");
    let page = &layout.pages[layout.front_pages];
    let face_of = |word: &str| {
        page.items.iter().find_map(|i| match i {
            Item::Glyphs(run) => {
                let text: String = run
                    .glyphs
                    .iter()
                    .map(|g| layout.glyph_texts.get(run.face, g.id).to_string())
                    .collect();
                text.contains(word).then_some(run.face)
            }
            _ => None,
        })
    };
    assert_eq!(face_of("Figure"), Some(FaceId::Italic));
    assert_eq!(face_of("1960"), Some(FaceId::Italic));
    let css = include_str!("../epub/style.css");
    let rule = &css[css.find("figcaption {").unwrap()..];
    let rule = &rule[..rule.find('}').unwrap()];
    assert!(
        rule.contains("font-style: italic") && rule.contains("lining-nums"),
        "{rule}"
    );
    assert!(css.contains("figcaption em {\n  font-style: normal;"));
}

#[test]
fn code_in_a_bold_heading_is_bold_code() {
    let (layout, _) =
        layout_of("# T\n\n## Running `cargo`\n\nText with `cargo` and **strong `code`**.\n");
    let faces_of = |word: &str| -> Vec<FaceId> {
        layout
            .pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Glyphs(run) if layout.run_text(run) == word => Some(run.face),
                _ => None,
            })
            .collect()
    };
    // the heading's and the strong span's code bold, the text's regular
    let cargo = faces_of("cargo");
    assert!(cargo.contains(&FaceId::MonoBold), "{cargo:?}");
    assert!(cargo.contains(&FaceId::Mono), "{cargo:?}");
    assert!(faces_of("code").contains(&FaceId::MonoBold));
}

#[test]
fn code_in_the_contents_keeps_its_face() {
    let (layout, _) = layout_of("# T\n\n## Running `cargo`\n\nText.\n");
    // the contents stand before the body
    let faces: Vec<FaceId> = layout.pages[..layout.front_pages]
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Glyphs(run) if layout.run_text(run) == "cargo" => Some(run.face),
            _ => None,
        })
        .collect();
    assert_eq!(faces, vec![FaceId::Mono], "{faces:?}");
}

#[test]
fn a_chapter_title_breaks_before_its_code_not_inside_it() {
    let (layout, _) = layout_of(
        "# Chapter 7: Working with `std::collections::HashMap`\n\nText.\n\n\
         # Chapter 21: Working with `read_username_from_file`\n\nText.\n",
    );
    let s = settings();
    for page in &layout.pages[layout.front_pages..] {
        // the title's lines: runs set larger than the text
        let mut lines: Vec<(f64, String)> = Vec::new();
        for item in &page.items {
            if let Item::Glyphs(run) = item {
                if run.size > s.size * 1.5 {
                    let text = layout.run_text(run);
                    match lines.iter_mut().find(|(y, _)| (y - run.y).abs() < 0.5) {
                        Some(line) => line.1.push_str(&text),
                        None => lines.push((run.y, text)),
                    }
                }
            }
        }
        for (_, line) in &lines {
            assert!(!line.ends_with("::") && !line.ends_with('_'), "{lines:?}");
        }
        if let Some(code) = lines.iter().find(|(_, l)| l.contains("std::")) {
            assert_eq!(code.1, "std::collections::HashMap", "{lines:?}");
        }
    }
}

#[test]
fn a_table_caption_is_italic_and_flush_left_in_both_outputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"T\"\n\n[markdown]\nflavor = \"pandoc\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.md"),
        "# T\n\nText.\n\nTable: Table 1, changes since 1960\n\n\
         | Area | Change |\n|------|-------:|\n| Income | +1% |\n",
    )
    .unwrap();
    let (layout, _) = layout_of_dir(dir.path());
    let page = &layout.pages[layout.front_pages];
    let run_of = |word: &str| {
        page.items.iter().find_map(|i| match i {
            Item::Glyphs(run) if layout.run_text(run).contains(word) => Some(run.clone()),
            _ => None,
        })
    };
    let (caption, cell) = (run_of("Table").unwrap(), run_of("Area").unwrap());
    assert_eq!(caption.face, FaceId::Italic);
    assert!(caption.y < cell.y, "the caption stands above the table");
    assert!(
        (caption.x - cell.x).abs() < 0.5,
        "{} vs {}",
        caption.x,
        cell.x
    );
    // the EPUB's <caption> the same
    let css = include_str!("../epub/style.css");
    let rule = &css[css.find("\ncaption {").unwrap()..];
    let rule = &rule[..rule.find('}').unwrap()];
    for declaration in [
        "caption-side: top",
        "font-style: italic",
        "text-align: left",
    ] {
        assert!(rule.contains(declaration), "{rule}");
    }
}
