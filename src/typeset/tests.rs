//! Layout tests with the bundled fonts: what lands where on the page.

use super::flow::{Line, VItem};
use super::fonts::{FaceId, Fonts};
use super::frame::{Item, LinkDest, Page};
use super::pages::break_pages;
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
    let pages = lines_per_page(&break_pages(items, &s));
    assert_eq!(pages[0].len(), per_page - 1);
    assert_eq!(pages[1][0], ("b".to_string(), 0));
}

#[test]
fn a_widow_is_pulled_with_a_line_for_company() {
    let s = settings();
    let per_page = (s.text_height / 14.0).floor() as usize;
    // one line more than a page: the last line would be alone at the top
    let pages = lines_per_page(&break_pages(paragraph(per_page + 1, "a"), &s));
    assert_eq!(pages[0].len(), per_page - 1);
    assert_eq!(pages[1].len(), 2);
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
    let fonts = fonts.with_fallbacks(&text, &code, dirs);
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
    assert_eq!(fonts.faces.len(), 6, "one fallback face");
    let fallback = FaceId::Fallback(0);
    assert_eq!(fonts.face(fallback).family, "Linux Libertine O");
    assert!(fonts.face(fallback).file.is_none());
    assert_eq!(
        fonts.files().len(),
        5,
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
    assert_eq!(fonts.faces.len(), 5, "no fallback found");
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
