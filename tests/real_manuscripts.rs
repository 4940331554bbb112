//! Books as their authors already wrote them: an mdBook project, a pandoc
//! manuscript, and `quire check` reporting every broken link and missing
//! image in one run. The projects are generated here, not copied.

mod common;

use std::path::Path;

use common::{epub_chapters, epub_entry, epubcheck, have, pdftotext, run_in, stderr};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An mdBook project with every construct of SUMMARY.md and the links
/// preprocessor.
fn mdbook_project(dir: &Path) {
    write(
        dir,
        "book.toml",
        "[book]\ntitle = \"The Generated Book\"\nauthors = [\"Ann Author\"]\ndescription = \"A test book\"\nlanguage = \"en\"\nsrc = \"src\"\nmultilingual = false\n\n[output.html]\ngit-repository-url = \"https://example.org/book\"\n[output.html.playground]\nrunnable = false\n\n[preprocessor.listing]\ncommand = \"mdbook-listing\"\n\n[rust]\nedition = \"2021\"\n",
    );
    write(
        dir,
        "src/SUMMARY.md",
        "# Summary\n\n[Foreword](foreword.md)\n[Introduction](intro.md)\n\n---\n\n# Basics\n\n- [Getting Started](ch01-00-getting-started.md)\n    - [Installation](ch01-01-installation.md)\n    - [Hello, World!](ch01-02-hello-world.md)\n- [A Draft Chapter]()\n- [Ownership](ch02/ownership.md)\n\n# Advanced\n\n- [Where’s the Operator](ch03.md)\n\n---\n\n[Appendix: Keywords](appendix.md)\n",
    );
    write(
        dir,
        "src/foreword.md",
        "# Foreword\n\nWritten before the rest, by someone else.\n",
    );
    write(
        dir,
        "src/intro.md",
        "# Introduction\n\nWhat this book is about. See [the operator](ch03.md#wheres-the---operator) and [a file not in the book](unlisted.md).\n",
    );
    write(
        dir,
        "src/ch01-00-getting-started.md",
        "# Getting Started\n\nLet us start.\n",
    );
    write(
        dir,
        "src/ch01-01-installation.md",
        "## Installation\n\nInstall it with the listing below.\n\n```console\n$ curl --proto '=https' https://example.org | sh\n```\n",
    );
    write(
        dir,
        "src/ch01-02-hello-world.md",
        "## Hello, World!\n\n<Listing number=\"1-1\" file-name=\"main.rs\" caption=\"Printing text\">\n\n```rust,ignore\n{{#rustdoc_include ../listings/hello/src/main.rs:body}}\n```\n\n</Listing>\n\nThe whole file:\n\n```rust\n{{#include ../listings/hello/src/main.rs}}\n```\n\nLines two to three:\n\n```rust\n{{#include ../listings/hello/src/main.rs:2:3}}\n```\n\nWritten literally: \\{{#include not/a/file.rs}}.\n\n```rust\n# fn hidden_helper() {}\nfn shown() {\n    # let hidden = 1;\n    println!(\"shown\");\n}\n```\n",
    );
    write(
        dir,
        "listings/hello/src/main.rs",
        "// ANCHOR: all\nuse std::io;\n// ANCHOR: body\nfn main() {\n    println!(\"Hello, world!\");\n}\n// ANCHOR_END: body\n// ANCHOR_END: all\n",
    );
    write(
        dir,
        "src/ch02/ownership.md",
        "# Ownership\n\nSee [installation](../ch01-01-installation.md#installation) and [the stack](#the-stack-and-the-heap).\n\n## The Stack and the Heap\n\n![A diagram](img/stack.png)\n",
    );
    // a 1×1 PNG next to the chapter that names it
    std::fs::create_dir_all(dir.join("src/ch02/img")).unwrap();
    std::fs::write(dir.join("src/ch02/img/stack.png"), common_png()).unwrap();
    write(
        dir,
        "src/ch03.md",
        "# Where’s the `->` Operator?\n\nNowhere.\n",
    );
    write(
        dir,
        "src/appendix.md",
        "# Appendix: Keywords\n\nThe keywords.\n",
    );
    // not in SUMMARY.md: never read
    write(dir, "src/unlisted.md", "# Unlisted\n\nNEVERPRINTED\n");
}

/// A small valid PNG (4×4, grey).
fn common_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 4, 4);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[128u8; 16]).unwrap();
    }
    out
}

#[test]
fn an_mdbook_project_builds_as_its_summary_says() {
    let dir = tempfile::tempdir().unwrap();
    mdbook_project(dir.path());
    let out = run_in(dir.path(), &["build", ".", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
    // mdBook's own tables: one info line, no error
    assert_eq!(err.matches("info[mdbook-settings]").count(), 1, "{err}");
    assert!(err.contains("[output], [preprocessor], [rust]"), "{err}");
    assert!(
        err.contains("info[draft-chapter]") && err.contains("A Draft Chapter"),
        "{err}"
    );
    // the custom element: one warning for its two tags
    assert_eq!(err.matches("warning[unknown-element]").count(), 1, "{err}");
    // a link to a Markdown file SUMMARY.md does not list: its text stays
    assert_eq!(
        err.matches("warning[link-outside-book]").count(),
        1,
        "{err}"
    );

    let name = common::book_name(dir.path());
    let pdf = dir.path().join("out").join(format!("{name}.pdf"));
    let epub = dir.path().join("out").join(format!("{name}.epub"));
    if have("pdftotext") {
        let text = pdftotext(&pdf);
        // chapters in SUMMARY order, numbered from the first numbered one
        let order = [
            "Foreword",
            "Introduction",
            "Part I",
            "Basics",
            "Chapter 1",
            "Getting Started",
            "Installation",
            "Hello, World!",
            "Chapter 2",
            "Ownership",
            "Part II",
            "Advanced",
            "Chapter 3",
            "Where’s the -> Operator?",
            "Appendix: Keywords",
        ];
        let body = &text
            [text.find("Written before the rest").expect("the foreword") - "Foreword\n\n".len()..];
        let mut at = 0;
        for title in order {
            let found = body[at..]
                .find(title)
                .unwrap_or_else(|| panic!("`{title}` after byte {at} in:\n{body}"));
            at += found + title.len();
        }
        // prefix chapters are not numbered: Getting Started is Chapter 1
        assert!(!text.contains("Chapter 4"), "{text}");
        assert!(
            !body[..body.find("Part I").unwrap()].contains("Chapter"),
            "{body}"
        );
        // every included line, no directive, no anchor, no hidden line
        for line in [
            "fn main() {",
            "println!(\"Hello, world!\");",
            "use std::io;",
            "println!(\"shown\");",
            "{{#include not/a/file.rs}}",
        ] {
            assert!(text.contains(line), "`{line}` missing:\n{text}");
        }
        assert_eq!(text.matches("use std::io;").count(), 2, "{text}");
        for absent in [
            "{{#include ../",
            "{{#rustdoc_include",
            "ANCHOR",
            "hidden_helper",
            "let hidden",
            "NEVERPRINTED",
            "Listing",
            "A Draft Chapter",
        ] {
            assert!(!text.contains(absent), "`{absent}` printed:\n{text}");
        }
    }
    // the EPUB: valid, the same structure
    let xhtml = epub_chapters(&epub);
    assert!(
        xhtml.contains("<span class=\"chapter-label\">Chapter 1</span> Getting Started"),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("epub:type=\"part\" role=\"doc-part\""),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("epub:type=\"foreword\" role=\"doc-foreword\""),
        "{xhtml}"
    );
    assert!(
        !xhtml.contains("hidden_helper") && !xhtml.contains("ANCHOR"),
        "{xhtml}"
    );
    assert!(xhtml.contains("id=\"wheres-the---operator\""), "{xhtml}");
    let nav = epub_entry(&epub, "OEBPS/nav.xhtml");
    // chapters listed under their part
    let basics = nav.find("Part I: Basics").expect("the part in the nav");
    let advanced = nav.find("Part II: Advanced").expect("the second part");
    let ch2 = nav
        .find("Chapter 2: Ownership")
        .expect("chapter 2 in the nav");
    assert!(basics < ch2 && ch2 < advanced, "{nav}");
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

#[test]
fn mdbook_include_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "book.toml", "[book]\ntitle = \"T\"\n");
    write(dir.path(), "src/SUMMARY.md", "- [A](a.md)\n- [B](b.md)\n");
    write(
        dir.path(),
        "src/a.md",
        "# A\n\nx {{#include missing.rs}}\n\n{{#include b.md}}\n",
    );
    write(dir.path(), "src/b.md", "# B\n\n{{#include a.md}}\n");
    let out = run_in(dir.path(), &["check", "."]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("--> src/a.md:3:3"), "{err}");
    assert!(err.contains("error[include-cycle]"), "{err}");
    assert!(err.contains("src/b.md → src/a.md → src/b.md"), "{err}");
}

#[test]
fn a_pandoc_manuscript_builds_with_warnings_only_for_unused_keys() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "paper.md",
        "---\ntitle: A Pandoc Paper\nauthor:\n  - name: Ann Lee\n    affiliation: Somewhere\n  - Bo Chen\nabstract: |\n  This paper has an abstract.\nkeywords: [typesetting, markdown]\nlang: en-GB\ntoc: true\ngeometry: margin=1in\n---\n\n# Preface {-}\n\nUnnumbered preface.\n\n# Methods\n\nWe used [small capitals]{.smallcaps} and [du français]{lang=fr}.\n\n::: warning\nMind the gap.\n:::\n\n::: {.sidebar}\nA plain block.\n:::\n\n> [!TIP]\n> Use the tool.\n\n\\newpage\n\nAfter the break.\n\n# Results\n\nPlain [brackets] stay.\n",
    );
    let out = run_in(dir.path(), &["build", "paper.md", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings
            .iter()
            .all(|w| w.starts_with("warning[unused-front-matter]")),
        "{err}"
    );

    let pdf = dir.path().join("out/paper.pdf");
    let epub = dir.path().join("out/paper.epub");
    if have("pdftotext") {
        let text = pdftotext(&pdf);
        for want in [
            "Ann Lee",
            "Bo Chen",
            "Abstract",
            "This paper has an abstract.",
            "Chapter 1",
            "Methods",
            "Chapter 2",
            "Results",
            "small capitals",
            "du français",
            "Warning",
            "Mind the gap.",
            "A plain block.",
            "Tip",
            "Use the tool.",
            "Plain [brackets] stay.",
        ] {
            assert!(text.contains(want), "`{want}` missing:\n{text}");
        }
        for absent in [
            "{.smallcaps}",
            "{lang=fr}",
            ":::",
            "[!TIP]",
            "\\newpage",
            "Chapter 3",
        ] {
            assert!(!text.contains(absent), "`{absent}` printed:\n{text}");
        }
        // the preface is not numbered: Methods is Chapter 1
        let preface = text.find("Unnumbered preface").unwrap();
        assert!(!text[..preface].contains("Chapter"), "{text}");
        // `\newpage`: the text after it starts a page of its own
        let pages: Vec<&str> = text.split('\u{c}').collect();
        let page = pages
            .iter()
            .position(|p| p.contains("After the break."))
            .unwrap();
        assert!(!pages[page].contains("Use the tool."), "{}", pages[page]);
        assert!(
            pages[page - 1].contains("Use the tool."),
            "{}",
            pages[page - 1]
        );
        // keywords in the document information
        let info = common::tool("pdfinfo", &[pdf.to_str().unwrap()]);
        assert!(
            info.lines()
                .any(|l| l.starts_with("Keywords:") && l.ends_with(" typesetting, markdown")),
            "{info}"
        );
    }
    let xhtml = epub_chapters(&epub);
    for want in [
        "epub:type=\"abstract\" role=\"doc-abstract\"",
        ">This paper has an abstract.</p>",
        "<span class=\"smallcaps\">small capitals</span>",
        "<span lang=\"fr\" xml:lang=\"fr\">du français</span>",
        "<aside role=\"note\" id=",
        "class=\"callout warning\"",
        "<aside role=\"doc-tip\"",
        "<div class=\"page-break\"></div>",
        "<div id=\"b-3-",
        "class=\"sidebar\"",
        "Plain [brackets] stay.",
    ] {
        assert!(xhtml.contains(want), "`{want}` missing:\n{xhtml}");
    }
    let opf = epub_entry(&epub, "OEBPS/content.opf");
    assert!(opf.contains("Ann Lee") && opf.contains("Bo Chen"), "{opf}");
    assert!(opf.contains("This paper has an abstract."), "{opf}");
    assert!(
        opf.contains("<dc:subject>typesetting</dc:subject>"),
        "{opf}"
    );
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

#[test]
fn check_reports_every_broken_link_and_missing_image() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.md",
        "# A\n\nSee [one](#nowhere), [two](#not-here-either) and [three](missing.md).\n\nAnd [four](b.md#renamed-since).\n\n![gone](gone.png)\n",
    );
    write(dir.path(), "b.md", "# B\n\n![also gone](img/also.png)\n");
    let out = run_in(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<(String, String, u64)> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let count = |code: &str| errors.iter().filter(|e| e.0 == code).count();
    assert_eq!(count("broken-link"), 3, "{errors:?}");
    assert_eq!(count("missing-image"), 2, "{errors:?}");
    // an anchor another chapter no longer has: a warning, the link goes to
    // the chapter (as mdBook's HTML would)
    let warned = findings
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] == "warning" && f["code"] == "broken-anchor" && f["line"] == 5);
    assert!(warned, "{findings}");
}

#[test]
fn a_book_toml_given_as_input_means_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "book/book.toml",
        "[book]\ntitle = \"Folder Book\"\n",
    );
    write(dir.path(), "book/a.md", "# A\n\nText of the book.\n");
    let out = run_in(
        dir.path(),
        &["build", "book/book.toml", "--out", "out", "--format", "pdf"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("out/book.pdf").is_file());
    // any other TOML file is a clear error, and nothing is written
    write(dir.path(), "book/other.toml", "x = 1\n");
    let out = run_in(dir.path(), &["build", "book/other.toml", "--out", "out2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a manuscript"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out2").exists());
}

#[test]
fn an_empty_or_blank_single_file_is_the_empty_manuscript_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("blank.md", " \n\n\t\n"),
        ("meta.md", "---\ntitle: T\n---\n\n"),
    ] {
        write(dir.path(), name, text);
        let out = run_in(dir.path(), &["build", name, "--out", "out"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains("empty-manuscript"), "{name}: {err}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn generated_pages_can_be_turned_off_and_chapters_open_on_any_page() {
    let dir = tempfile::tempdir().unwrap();
    let chapters = "# One\n\nFirst.\n\n# Two\n\nSecond.\n\n# Three\n\nThird.\n";
    write(dir.path(), "full/book.toml", "[book]\ntitle = \"Full\"\n");
    write(dir.path(), "full/a.md", chapters);
    write(
        dir.path(),
        "bare/book.toml",
        "[book]\ntitle = \"Bare\"\n[pdf]\nhalf-title = false\ncontents = false\ncolophon = false\nopenany = true\n",
    );
    write(dir.path(), "bare/a.md", chapters);
    for name in ["full", "bare"] {
        let out = run_in(
            dir.path(),
            &["build", name, "--out", "out", "--format", "pdf"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    if !have("pdftotext") {
        return;
    }
    let pages = |name: &str| -> Vec<String> {
        pdftotext(&dir.path().join(format!("out/{name}.pdf")))
            .split('\u{c}')
            .map(str::to_string)
            .collect()
    };
    let (full, bare) = (pages("full"), pages("bare"));
    let find = |pages: &[String], text: &str| pages.iter().position(|p| p.contains(text)).unwrap();
    // full: half-title, blank, title, copyright, contents, blank, then
    // chapters on rectos (1, 3, 5)
    assert!(full.iter().any(|p| p.contains("Contents")));
    assert!(full.iter().any(|p| p.contains("with quire")));
    assert_eq!(find(&full, "First."), 6);
    assert_eq!(find(&full, "Second.") - find(&full, "First."), 2);
    // bare: title, copyright, then chapters one after the other
    assert!(!bare.iter().any(|p| p.contains("Contents")));
    assert!(!bare.iter().any(|p| p.contains("with quire")));
    assert_eq!(find(&bare, "First."), 2);
    assert_eq!(find(&bare, "Second.") - find(&bare, "First."), 1);
    assert_eq!(find(&bare, "Third.") - find(&bare, "Second."), 1);
}

#[test]
fn pandocs_extensions_print_without_their_markup() {
    // the golden fixtures of each extension, built together as one book
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/tree");
    for name in [
        "pandoc_implicit_refs",
        "pandoc_attributes",
        "pandoc_tables",
        "pandoc_lists",
        "pandoc_blocks",
    ] {
        let text = std::fs::read_to_string(fixtures.join(format!("{name}.md"))).unwrap();
        write(dir.path(), &format!("{name}.md"), &text);
    }
    std::fs::write(dir.path().join("figure.png"), common_png()).unwrap();
    let out = run_in(dir.path(), &["build", ".", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
    let name = common::book_name(dir.path());
    let pdf = dir.path().join("out").join(format!("{name}.pdf"));
    let epub = dir.path().join("out").join(format!("{name}.epub"));
    if have("pdftotext") {
        let text = pdftotext(&pdf);
        for markup in [
            "][", "{#", "{.", "{=", "(@", "+---", "+===", "^[", ":::", "#.", "\\LaTeX",
        ] {
            assert!(!text.contains(markup), "`{markup}` printed:\n{text}");
        }
        assert!(!text.lines().any(|l| l.starts_with("| ")), "{text}");
        for want in [
            "Centered Header",
            "A multiline table.",
            "Example of a row that spans multiple lines.",
            "a. first",
            "iv. four",
            "(3) A third example, after 2.",
            "An inline note.",
            "The limerick packs laughs anatomical",
            // ```{=html}: read as HTML, in both outputs
            "raw html",
        ] {
            assert!(
                text.replace('\n', " ").contains(want),
                "`{want}` missing:\n{text}"
            );
        }
    }
    // (without the print page-list's markers, which fall where pages do)
    let mut xhtml = epub_chapters(&epub);
    while let Some(start) = xhtml.find("<span epub:type=\"pagebreak\"") {
        let end = start + xhtml[start..].find("</span>").unwrap() + "</span>".len();
        xhtml.replace_range(start..end, "");
    }
    for want in [
        "class=\"tight\" type=\"a\">",
        "<caption>A simple table.</caption>",
        "<td rowspan=\"2\">Temperature 1961-1990</td>",
        "<td colspan=\"2\">Both columns</td>",
        "<span id=\"anchor\" class=\"smallcaps\">word</span>",
        ">raw html</p>",
        // (the tests set no fallback font: the emoji is checked here only)
        "dollars \u{1F389}",
    ] {
        assert!(xhtml.contains(want), "`{want}` missing:\n{xhtml}");
    }
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}
