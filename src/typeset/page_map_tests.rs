//! The page map's numbering, checked against both writers on random blocks:
//! every line the typesetter marks with (block, word) shows that word's
//! text (or its end, where the line starts inside a hyphenated word or a
//! wrapped code line), and the EPUB writer's marker for (block, word) stands
//! right before that word. Both sides count with [`crate::doc::words`].

use proptest::prelude::*;
use std::collections::HashMap;

use super::flow::{BlockCtx, Flow, Line, VItem};
use super::fonts::Fonts;
use super::shape::{GlyphTexts, Shaper};
use super::{Report, Settings};
use crate::config::PdfConfig;
use crate::doc::direction::Dir;
use crate::doc::words::{is_space, words};
use crate::doc::{
    Block, BlockKind, Book, Chapter, DefinitionItem, Footnote, Inline, PageMap, PageStart, Pos,
};
use crate::images::{Format, Image, Images};

fn fonts() -> &'static Fonts {
    static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| Fonts::bundled().expect("bundled fonts"))
}

fn images() -> Images {
    let (format, width, height, components) =
        crate::images::sniff(crate::sample::IMAGE).expect("a PNG");
    assert_eq!(format, Format::Png);
    let mut images = Images::new();
    images.insert(
        "dot.png".to_string(),
        Image {
            format,
            width,
            height,
            components,
            bytes: crate::sample::IMAGE.to_vec(),
            density: None,
            vector: None,
        },
    );
    images
}

/// A word: short ones, ones that hyphenate, ones joined by no-break
/// spaces, ones too long for the measure.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,7}",
        2 => prop::sample::select(vec![
            "extraordinarily", "responsibilities", "establishment", "characteristic",
            "10\u{a0}kg", "Mr.\u{a0}Li", "5\u{202f}%", "figure\u{2007}2", "well-known",
        ]).prop_map(str::to_string),
        1 => "[a-z]{30,60}",
    ]
}

/// Text: words with white space of several kinds between (and around).
fn text() -> impl Strategy<Value = String> {
    let sep = prop::sample::select(vec![" ", " ", " ", "  ", "\n", "\t"]);
    (
        prop::collection::vec((word(), sep), 1..12),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(parts, lead, trail)| {
            let mut out = String::new();
            if lead {
                out.push(' ');
            }
            for (i, (w, s)) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(s);
                }
                out.push_str(w);
            }
            if trail {
                out.push(' ');
            }
            out
        })
}

fn t(text: String) -> Inline {
    Inline::Text { text }
}

fn inline() -> impl Strategy<Value = Inline> {
    prop_oneof![
        6 => text().prop_map(t),
        1 => text().prop_map(|s| Inline::Emph { content: vec![t(s)] }),
        1 => text().prop_map(|s| Inline::Strong { content: vec![t(s)] }),
        1 => "[a-z]{1,8}( [a-z]{1,5})?".prop_map(|code| Inline::Code { code }),
        1 => "[a-z]{1,3}".prop_map(|source| Inline::Math { source }),
        1 => "[0-9]".prop_map(|s| Inline::Subscript { content: vec![t(s)] }),
        1 => Just(Inline::SoftBreak),
        1 => Just(Inline::HardBreak),
        1 => Just(Inline::FootnoteRef { id: "fn-1".into(), number: 1 }),
        1 => prop::sample::select(vec!["dot.png", "gone.png"]).prop_flat_map(|src| {
            "([a-z]{1,6}( [a-z]{1,6}){0,2})?".prop_map(move |alt| Inline::Image {
                src: src.to_string(),
                alt,
                size: Default::default(),
                pos: Pos::default(),
            })
        }),
    ]
}

fn inlines() -> impl Strategy<Value = Vec<Inline>> {
    prop::collection::vec(inline(), 1..10)
}

/// A table cell short enough for one line.
fn cell() -> impl Strategy<Value = Vec<Inline>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => "[a-z]{1,6}( [a-z]{1,5})?".prop_map(|s| vec![t(s)]),
        1 => Just(vec![t("10\u{a0}%".into())]),
    ]
}

fn code_line() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        3 => "[ \t]{0,6}[a-z(){};=.]{1,12}( [a-z(){};=.]{1,12}){0,4}",
        // longer than the measure: wrapped, perhaps inside a word
        1 => "[a-z]{5,12}( [a-z.]{3,20}){8,14}",
        1 => "[a-z]{90,140}",
    ]
}

fn kind() -> impl Strategy<Value = BlockKind> {
    prop_oneof![
        5 => inlines().prop_map(|content| BlockKind::Paragraph { content }),
        1 => inlines().prop_map(|content| BlockKind::Heading { level: 2, classes: Vec::new(), content }),
        2 => prop::collection::vec(code_line(), 1..30).prop_map(|lines| BlockKind::CodeBlock {
            lang: None,
            code: lines.join("\n") + "\n",
        }),
        2 => (
            prop::collection::vec(inline(), 0..3),
            prop::collection::vec(cell(), 1..4),
            prop::collection::vec(prop::collection::vec(cell(), 1..4), 1..12),
        )
            .prop_map(|(caption, head, rows)| {
                let n = head.len();
                BlockKind::Table {
                    caption,
                    spans: Vec::new(),
                    aligns: vec![crate::doc::Align::Left; n],
                    head,
                    rows: rows.into_iter().map(|mut r| { r.resize(n, Vec::new()); r }).collect(),
                }
            }),
        1 => prop::collection::vec(inlines(), 1..4).prop_map(|terms| BlockKind::DefinitionList {
            items: terms
                .into_iter()
                .map(|term| DefinitionItem { term, definitions: Vec::new() })
                .collect(),
        }),
        1 => text().prop_map(|source| BlockKind::Math { source }),
        1 => (prop::sample::select(vec!["dot.png", "gone.png"]), prop::collection::vec(inline(), 0..3))
            .prop_map(|(src, caption)| BlockKind::Figure {
                src: src.to_string(),
                alt: "an alt text".into(),
                caption,
                size: Default::default(),
            }),
    ]
}

fn book(kinds: Vec<BlockKind>, note: Vec<Inline>) -> Book {
    let block = |id: String, kind| Block {
        id,
        pos: Pos::default(),
        kind,
    };
    let blocks = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| block(format!("b-{i}"), kind))
        .collect();
    Book {
        meta: crate::doc::Metadata {
            title: "T".into(),
            language: "en".into(),
            ..Default::default()
        },
        files: vec!["a.md".into()],
        flavors: Vec::new(),
        chapters: vec![Chapter {
            id: "ch".into(),
            title: vec![t("Chapter".into())],
            short_title: "Chapter".into(),
            blocks,
            footnotes: vec![Footnote {
                id: "fn-1".into(),
                label: "1".into(),
                pos: Pos::default(),
                blocks: vec![block("n-1".into(), BlockKind::Paragraph { content: note })],
            }],
            ..Default::default()
        }],
    }
}

/// The chapter's lines (and its notes' lines) with their glyphs' texts.
fn lines_of(book: &Book, images: &Images) -> (Vec<Line>, GlyphTexts) {
    let s = Settings::from_config(&PdfConfig::default()).unwrap();
    let chapter = &book.chapters[0];
    let mut shaper = Shaper::new(fonts(), "en");
    let mut report = Report::default();
    let hosts = super::flow::note_hosts(chapter);
    let mut flow = Flow {
        shaper: &mut shaper,
        settings: &s,
        lang: super::hyphenate::language("en"),
        notes: &chapter.footnotes,
        note_hosts: &hosts,
        note_stack: Vec::new(),
        report: &mut report,
        files: &book.files,
        images,
        dir: Dir::of_book("en"),
        colour: None,
        heading: 1,
        node: super::structure::Node::root(super::structure::Role::Sect),
    };
    let ctx = BlockCtx::chapter(&s, Dir::of_book("en"));
    let mut items = Vec::new();
    flow.blocks(&chapter.blocks, &ctx, &mut items);
    let mut lines = Vec::new();
    for item in items {
        if let VItem::Line(line) = item {
            for note in &line.notes {
                for note_line in note {
                    let mut note_line = note_line.clone();
                    // a note's number, hanging before its first line (the
                    // one anchored with the note's id), is no word of its text
                    let first_of_note = note_line.items.iter().any(|i| {
                        matches!(i, super::frame::Item::Anchor { id, .. }
                            if chapter.footnotes.iter().any(|n| &n.id == id))
                    });
                    if first_of_note {
                        note_line.items.remove(0);
                    }
                    lines.push(note_line);
                }
            }
            // a repeated table header is not a place in the text
            if let Some(header) = &line.repeat {
                assert!(header.iter().all(|l| l.mark.is_none()));
            }
            lines.push(line);
        }
    }
    (lines, shaper.take_texts())
}

/// What a line shows, white space dropped: its glyphs' texts, without the
/// raised note references and the arrow of a wrapped code line.
fn shown(line: &Line, texts: &GlyphTexts) -> String {
    let mut out = String::new();
    for item in &line.items {
        if let super::frame::Item::Glyphs(run) = item {
            for g in run.glyphs.iter().filter(|g| g.rise <= 0.0) {
                out.push_str(texts.get(run.face, g.id));
            }
        }
    }
    let out: String = out.chars().filter(|c| !c.is_whitespace()).collect();
    out.strip_prefix('\u{2192}')
        .map(str::to_string)
        .unwrap_or(out)
}

/// The text after each page-break marker of an XHTML chapter, by label:
/// tags dropped, the note references and notes' numbers (which print
/// raises) left out.
fn after_markers(xhtml: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (at, _) in xhtml.match_indices("epub:type=\"pagebreak\"") {
        let label = xhtml[at..]
            .split("aria-label=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let rest = &xhtml[at + xhtml[at..].find("</span>").unwrap() + 7..];
        let mut text = String::new();
        let mut r = rest;
        let mut last = "";
        while let Some(open) = r.find('<') {
            text.push_str(&r[..open]);
            let close = open + r[open..].find('>').unwrap();
            let tag = &r[open + 1..close];
            r = &r[close + 1..];
            let previous = std::mem::replace(&mut last, tag);
            if tag.contains("class=\"noteref\"") || tag.contains("class=\"note-number\"") {
                r = &r[r.find('<').unwrap()..];
            } else if tag.contains("class=\"image-alt\"")
                && (previous.starts_with("figure") || r.starts_with('['))
            {
                // what stands in for a figure's missing image (print sets
                // the caption alone), or for an image without alt text
                // (`[file]`): not the block's text
                r = &r[r.find("</span>").unwrap()..];
            } else if tag.starts_with("img") && !previous.starts_with("figure") {
                // an image in the text: a word without text (a figure's
                // image is not: its caption is the figure's text)
                text.push('\u{1}');
            } else if matches!(
                tag.split(|c: char| c.is_whitespace() || c == '/').next(),
                Some("p" | "td" | "th" | "caption" | "dt" | "h2" | "h3" | "figcaption" | "br")
            ) || tag.starts_with('/')
                && matches!(
                    &tag[1..],
                    "p" | "td" | "th" | "caption" | "dt" | "h2" | "h3" | "figcaption"
                )
            {
                text.push(' ');
            }
        }
        text.push_str(r);
        out.insert(
            label,
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">"),
        );
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn typesetter_and_epub_writer_number_words_alike(
        kinds in prop::collection::vec(kind(), 1..6),
        note in inlines(),
    ) {
        let book = book(kinds, note);
        let images = images();
        let has_image = |src: &str| images.contains_key(src);
        let mut blocks: HashMap<&str, &Block> = HashMap::new();
        crate::doc::walk_blocks(&book.chapters[0].blocks, &mut |b| { blocks.insert(&b.id, b); });
        for note in &book.chapters[0].footnotes {
            for b in &note.blocks {
                blocks.insert(&b.id, b);
            }
        }
        let (lines, texts) = lines_of(&book, &images);
        // print: each marked line shows its word, or the end of it
        let mut starts = Vec::new();
        for line in &lines {
            let Some((id, word)) = &line.mark else {
                prop_assert!(false, "a line without a place in the text");
                continue;
            };
            let block = blocks[id.as_str()];
            let words = words(block, &has_image);
            starts.push((id.clone(), *word, words.get(*word).cloned()));
            let seen = shown(line, &texts);
            if *word >= words.len() {
                // past the last word: a line with no text of the block's own
                // (an empty code line at the end, a missing image's alt text)
                let figure_alt = matches!(block.kind, BlockKind::Figure { .. });
                prop_assert!(seen.is_empty() || figure_alt, "line {seen:?} past the words of {id}");
                continue;
            }
            let stream: String = words[*word..].concat().chars().filter(|c| !c.is_whitespace()).collect();
            let first: String = words[*word].chars().filter(|c| !c.is_whitespace()).collect();
            let fits = |shown: &str| {
                (0..first.len().max(1))
                    .filter(|&k| stream.is_char_boundary(k))
                    .any(|k| stream[k..].starts_with(shown))
            };
            let ok = fits(&seen) || seen.strip_suffix('-').is_some_and(fits);
            prop_assert!(ok, "{id} word {word} ({first:?}): the line shows {seen:?}, the words from there are {stream:?}");
        }
        // the EPUB: a marker for each of those places stands before its word
        let map = PageMap {
            pages: starts
                .iter()
                .enumerate()
                .map(|(n, (id, word, _))| PageStart {
                    label: (n + 1).to_string(),
                    chapter_id: "ch".into(),
                    block_id: id.clone(),
                    word: *word,
                })
                .collect(),
        };
        let options = crate::epub::Options {
            modified: crate::date::Timestamp::parse_date("2021-08-12").unwrap(),
            fonts: Vec::new(),
            subset_fonts: false,
            cover: None,
            page_map: Some(&map),
            images: &images,
            kept: None,
        kept_fonts: None,
        };
        let (epub, _) = crate::epub::write(&book, &options).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(epub)).unwrap();
        let mut xhtml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("OEBPS/chapter-01.xhtml").unwrap(), &mut xhtml).unwrap();
        let after = after_markers(&xhtml);
        for (n, (id, word, expected)) in starts.iter().enumerate() {
            let Some(expected) = expected else { continue };
            let text = &after[&(n + 1).to_string()];
            let next: String = text
                .trim_start_matches(|c: char| is_space(c))
                .chars()
                .take_while(|&c| !is_space(c))
                .collect();
            if expected.is_empty() {
                prop_assert!(next.starts_with('\u{1}'), "{id} word {word}: an image, but the EPUB has {next:?}");
            } else {
                prop_assert_eq!(next.replace('\u{1}', ""), expected.clone(), "{} word {}", id, word);
            }
        }
    }
}
