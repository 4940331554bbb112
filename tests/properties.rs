//! Property tests (issue 6): random document trees, built with the tree's own
//! constructors (`quire::doc`), with hostile text in every string, always
//! give an EPUB whose XML is well-formed and that EPUBCheck accepts, and a
//! PDF that `qpdf --check` accepts.
//!
//! - `epub_xml_is_well_formed`: 64 trees, every XHTML/OPF/NCX file of the
//!   EPUB parsed (fast, in process);
//! - `epub_passes_epubcheck`: 8 trees through EPUBCheck (one warm JVM);
//! - `pdf_passes_qpdf`: 16 trees typeset and written as PDF, `qpdf --check`.

mod common;
#[path = "hostile/support.rs"]
mod support;

use std::io::Read as _;
use std::process::Command;
use std::sync::OnceLock;

use proptest::prelude::*;
use quire::date::Timestamp;
use quire::doc::{
    Align, Block, BlockKind, Book, Chapter, DefinitionItem, Footnote, Inline, LinkTarget, ListItem,
    Metadata, Pos,
};
use quire::typeset::fonts::Fonts;

use common::have;
use support::{epubcheck_warm, well_formed};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::bundled().expect("bundled fonts"))
}

// ---------------------------------------------------------------------------
// strategies

/// Pieces of text, many of them hostile: markup characters, controls,
/// noncharacters, a BOM, combining marks, emoji, right-to-left and CJK
/// text, `]]>`, entity look-alikes, long words.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z]{1,12}",
        2 => Just(" ".to_string()),
        1 => prop::sample::select(vec![
            "&", "<", ">", "\"", "'", "]]>", "&amp;", "&#0;", "&bogus;", "<script>", "-->",
            "\u{0}", "\u{1}", "\u{7}", "\u{B}", "\u{C}", "\u{1B}", "\u{7F}", "\u{80}", "\u{85}",
            "\u{9F}", "\u{FFFE}", "\u{FFFF}", "\u{FDD0}", "\u{1FFFE}", "\u{FEFF}", "\u{200B}",
            "\u{200D}", "\u{AD}", "\u{A0}", "\u{2028}", "e\u{301}", "a\u{308}\u{308}", "😀",
            "👩\u{200D}💻", "مرحبا", "שלום", "中文", "한국어", "\t", "\n", "\r", "\r\n",
            "—", "“", "”", "’", "fi", "ffl",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => "[a-z]{40,120}",
    ];
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

/// URLs and link targets, including ones the EPUB must not carry.
fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://example.com/a?b=1&c=<2>".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("JaVaScRiPt:x".to_string()),
        Just("data:text/html,<script>".to_string()),
        Just("mailto:a@b.c".to_string()),
        Just("".to_string()),
        Just("#".to_string()),
        Just("missing.png".to_string()),
        Just("../outside.md".to_string()),
        text().prop_map(|t| format!("https://example.com/{t}")),
        text(),
    ]
}

/// Raw HTML, balanced or not, safe or not.
fn html() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div>".to_string()),
        Just("</div></section>".to_string()),
        Just("<p onclick=\"alert(1)\">x</p>".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("<iframe src=\"https://evil\"></iframe>".to_string()),
        Just("<b><i>unclosed".to_string()),
        Just("<a href=\"javascript:x\">a</a>".to_string()),
        Just("<br>".to_string()),
        Just("<!-- comment -- -->".to_string()),
        Just("<![CDATA[ x ]]>".to_string()),
        Just("&#0;&#xD800;&#x110000;&bogus;&nbsp;".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        text().prop_map(|t| format!("<span title=\"{t}\">{t}</span>")),
        text(),
    ]
}

fn pos() -> Pos {
    Pos {
        file: 0,
        line: 1,
        col: 1,
    }
}

/// Inlines: leaves, and styles/links nesting a few levels deep. Footnote
/// references are added per chapter (they must match its notes), internal
/// links point at the first chapter.
fn inline() -> impl Strategy<Value = Inline> {
    let leaf = prop_oneof![
        6 => text().prop_map(|text| Inline::Text { text }),
        1 => text().prop_map(|code| Inline::Code { code }),
        1 => Just(Inline::SoftBreak),
        1 => Just(Inline::HardBreak),
        1 => text().prop_map(|source| Inline::Math { source }),
        1 => html().prop_map(|html| Inline::RawHtml { html }),
        1 => (url(), text()).prop_map(|(src, alt)| Inline::Image { src, alt, size: Default::default(), pos: pos() }),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        let content = prop::collection::vec(inner, 0..4);
        prop_oneof![
            content.clone().prop_map(|content| Inline::Emph { content }),
            content
                .clone()
                .prop_map(|content| Inline::Strong { content }),
            content
                .clone()
                .prop_map(|content| Inline::Strikethrough { content }),
            content
                .clone()
                .prop_map(|content| Inline::Superscript { content }),
            content
                .clone()
                .prop_map(|content| Inline::Subscript { content }),
            (url(), text(), content.clone()).prop_map(|(url, title, content)| Inline::Link {
                target: LinkTarget::External { url },
                title,
                content,
                pos: pos(),
            }),
            (text(), content).prop_map(|(title, content)| Inline::Link {
                target: LinkTarget::Internal {
                    id: "ch-1".to_string()
                },
                title,
                content,
                pos: pos(),
            }),
        ]
    })
}

fn inlines() -> impl Strategy<Value = Vec<Inline>> {
    prop::collection::vec(inline(), 0..5)
}

fn block_of(kind: BlockKind) -> Block {
    Block {
        id: String::new(),
        pos: pos(),
        kind,
    }
}

/// Blocks: leaves, and quotes, lists and definition lists a few levels deep.
fn block() -> impl Strategy<Value = Block> {
    let align = prop::sample::select(vec![Align::None, Align::Left, Align::Center, Align::Right]);
    let leaf = prop_oneof![
        6 => inlines().prop_map(|content| BlockKind::Paragraph { content }),
        2 => (1u8..=6, prop::collection::vec("[a-z-]{0,8}", 0..2), inlines()).prop_map(
            |(level, classes, content)| BlockKind::Heading { level, classes, content }
        ),
        1 => (prop::option::of(prop_oneof![Just("rust".to_string()), text()]), text())
            .prop_map(|(lang, code)| BlockKind::CodeBlock { lang, code: format!("{code}\n") }),
        1 => Just(BlockKind::ThematicBreak),
        1 => html().prop_map(|html| BlockKind::RawHtml { html }),
        1 => text().prop_map(|source| BlockKind::Math { source }),
        1 => (url(), text(), inlines()).prop_map(|(src, alt, caption)| BlockKind::Figure { src, alt, caption, size: Default::default() }),
        2 => (1usize..5, prop::collection::vec(prop::collection::vec(inlines(), 0..6), 0..5), align)
            .prop_flat_map(|(cols, rows, align)| {
                (
                    Just(vec![align; cols]),
                    prop::collection::vec(inlines(), cols..=cols),
                    Just(rows),
                )
            })
            .prop_map(|(aligns, head, rows)| BlockKind::Table {
                caption: Vec::new(),
                spans: Vec::new(),
                aligns,
                head,
                rows,
            }),
    ]
    .prop_map(block_of);
    leaf.prop_recursive(4, 32, 4, |inner| {
        let blocks = prop::collection::vec(inner, 0..4);
        prop_oneof![
            blocks
                .clone()
                .prop_map(|blocks| block_of(BlockKind::BlockQuote { blocks })),
            (
                prop::option::of(prop_oneof![0u64..1000, Just(u64::MAX - 1), Just(u64::MAX)]),
                any::<bool>(),
                prop::collection::vec(
                    (prop::option::of(any::<bool>()), blocks.clone())
                        .prop_map(|(checked, blocks)| ListItem { checked, blocks }),
                    0..4
                )
            )
                .prop_map(|(start, tight, items)| block_of(BlockKind::List {
                    numbering: Default::default(),
                    start,
                    tight,
                    items
                })),
            prop::collection::vec(
                (inlines(), prop::collection::vec(blocks, 0..3))
                    .prop_map(|(term, definitions)| DefinitionItem { term, definitions }),
                0..3
            )
            .prop_map(|items| block_of(BlockKind::DefinitionList { items })),
        ]
    })
}

/// (title, classes, blocks, note contents) of a chapter.
type ChapterParts = (Vec<Inline>, Vec<String>, Vec<Block>, Vec<Vec<Block>>);

fn chapter() -> impl Strategy<Value = ChapterParts> {
    (
        inlines(),
        prop::collection::vec(prop_oneof![Just("unnumbered".to_string()), text()], 0..2),
        prop::collection::vec(block(), 0..6),
        prop::collection::vec(prop::collection::vec(block(), 0..3), 0..3),
    )
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (
        text(),
        prop::option::of(text()),
        prop::collection::vec(text(), 0..3),
        prop::sample::select(vec![
            "en", "en-GB", "fr", "de", "ar", "he", "zh", "", "x<&>\"",
        ]),
        prop::option::of(text()),
        prop::option::of(prop_oneof![Just("2021-05-06".to_string()), text()]),
        (
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
        ),
    )
        .prop_map(
            |(
                title,
                subtitle,
                authors,
                language,
                identifier,
                date,
                (publisher, description, rights),
            )| {
                Metadata {
                    title,
                    subtitle,
                    authors,
                    language: language.to_string(),
                    identifier,
                    publisher,
                    date,
                    description,
                    rights,
                    ..Metadata::default()
                }
            },
        )
}

/// A whole book: ids made unique the way the reader makes them, footnote
/// references that match each chapter's notes.
fn book() -> impl Strategy<Value = Book> {
    (metadata(), prop::collection::vec(chapter(), 1..4)).prop_map(|(meta, parts)| {
        let mut next = 0usize;
        let mut chapters = Vec::new();
        for (c, (title, classes, mut blocks, notes)) in parts.into_iter().enumerate() {
            let c = c + 1;
            // every note referenced once, in order, from a paragraph of its own
            let refs: Vec<Inline> = (1..=notes.len())
                .map(|n| Inline::FootnoteRef {
                    id: format!("fn-{c}-{n}"),
                    number: n as u32,
                })
                .collect();
            if !refs.is_empty() {
                blocks.push(block_of(BlockKind::Paragraph { content: refs }));
            }
            let mut footnotes: Vec<Footnote> = notes
                .into_iter()
                .enumerate()
                .map(|(n, blocks)| Footnote {
                    id: format!("fn-{c}-{}", n + 1),
                    label: format!("note{}", n + 1),
                    pos: pos(),
                    blocks,
                })
                .collect();
            number(&mut blocks, c, &mut next);
            for note in &mut footnotes {
                number(&mut note.blocks, c, &mut next);
            }
            chapters.push(Chapter {
                id: format!("ch-{c}"),
                title,
                classes,
                pos: pos(),
                blocks,
                footnotes,
                ..Chapter::default()
            });
        }
        Book {
            flavors: Vec::new(),
            meta,
            files: vec!["a.md".to_string()],
            chapters,
        }
    })
}

/// Gives every block a unique id (`b-<chapter>-<n>`).
fn number(blocks: &mut [Block], chapter: usize, next: &mut usize) {
    for block in blocks {
        *next += 1;
        block.id = format!("b-{chapter}-{next}");
        match &mut block.kind {
            BlockKind::BlockQuote { blocks } => number(blocks, chapter, next),
            BlockKind::List { items, .. } => {
                for item in items {
                    number(&mut item.blocks, chapter, next);
                }
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    for def in &mut item.definitions {
                        number(def, chapter, next);
                    }
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// the writers

/// The book typeset and written both ways: (PDF, EPUB). `embed_fonts`:
/// whether the EPUB carries the fonts (compressing them is most of the
/// writer's time in a debug build, and they are the same in every book).
fn write_both(book: &Book, want_pdf: bool, embed_fonts: bool) -> (Option<Vec<u8>>, Vec<u8>) {
    let fonts = fonts();
    let settings =
        quire::typeset::Settings::from_config(&quire::config::PdfConfig::default()).unwrap();
    let images = quire::images::Images::new();
    let layout = quire::typeset::typeset(book, &settings, fonts, &images).expect("typeset");
    let date = Timestamp::for_build(Some(1_700_000_000), None);
    let pdf =
        want_pdf.then(|| quire::pdf::write(layout.clone(), &book.meta, fonts, date).expect("pdf"));
    let options = quire::epub::Options {
        modified: date,
        fonts: if embed_fonts {
            fonts.files()
        } else {
            Vec::new()
        },
        subset_fonts: true,
        cover: None,
        page_map: Some(&layout.page_map),
        images: &images,
        kept: None,
        kept_fonts: None,
    };
    let (epub, _) = quire::epub::write(book, &options).expect("epub");
    (pdf, epub)
}

/// Every XML file of the EPUB: (name, text).
fn xml_files(epub: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(epub)).expect("a zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().to_string();
        if [".xhtml", ".opf", ".ncx", ".xml"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            let mut text = String::new();
            file.read_to_string(&mut text).expect("UTF-8");
            out.push((name, text));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn epub_xml_is_well_formed(book in book()) {
        let (_, epub) = write_both(&book, false, false);
        let files = xml_files(&epub);
        prop_assert!(files.iter().any(|(n, _)| n.ends_with(".opf")));
        for (name, text) in files {
            if let Err(e) = well_formed(&text) {
                prop_assert!(false, "{} is not well-formed: {}\n{}", name, e, text);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn epub_passes_epubcheck(book in book()) {
        let (_, epub) = write_both(&book, false, true);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("random.epub");
        std::fs::write(&path, &epub).unwrap();
        if let Some((errors, warnings, messages)) = epubcheck_warm(&path) {
            prop_assert_eq!((errors, warnings), (0, 0), "EPUBCheck:\n{}", messages);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn pdf_passes_qpdf(book in book()) {
        let (pdf, _) = write_both(&book, true, false);
        let pdf = pdf.unwrap();
        prop_assert!(pdf.starts_with(b"%PDF-"));
        if have("qpdf") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("random.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let out = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
            prop_assert_eq!(
                out.status.code(),
                Some(0),
                "qpdf --check:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
