//! Highlighted code blocks end to end: the PDF keeps the code's text exact
//! under its colours, and the EPUB carries token spans and stays valid.

mod common;

use std::io::Read;

use common::*;

const RUST: &str = r#"// Sum the squares.
fn sum_of_squares(values: &[u32]) -> u64 {
    let mut total: u64 = 0;
    for v in values {
        total += u64::from(*v) * 42; /* <&> ]]> */
    }
    println!("total = {total}");
    total
}"#;

const PYTHON: &str = "def greet(name):\n    return f\"hello {name}\"  # a comment";

/// Two spaces before a comment: exactly 1 em, poppler's column gap.
const SHELL: &str = "for f in *.md; do echo \"$f\" | wc -c; done  # count";

fn long_line() -> String {
    format!("let s = \"{}\";", "wrap ".repeat(30))
}

fn manuscript() -> String {
    let long = long_line();
    format!(
        "# Code\n\nSome prose before the code.\n\n```rust\n{RUST}\n```\n\n\
         And Python:\n\n```python\n{PYTHON}\n```\n\n```sh\n{SHELL}\n```\n\n\
         A line too long for the measure:\n\n```rust\n{long}\n```\n\n\
         No language:\n\n```\nplain text, not highlighted\n```\n\n\
         An unknown one:\n\n```klingon\nQapla' batlh\n```\n"
    )
}

fn build(dir: &std::path::Path) -> quire::Outputs {
    std::fs::write(dir.join("a.md"), manuscript()).unwrap();
    quire::build(&quire::BuildOptions {
        input: dir.to_path_buf(),
        pdf: true,
        epub: true,
        print: None,
        source_date_epoch: Some(1_600_000_000),
    })
    .expect("built")
}

/// Collapses runs of white space, as text extraction may.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn highlighted_code_round_trips_through_pdftotext() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path());
    let pdf = out.pdf.expect("a PDF");

    // the code is set in colour: some `rg` fill colours, back to black after
    let doc = lopdf::Document::load_mem(&pdf).expect("a PDF lopdf reads");
    let mut colours = Vec::new();
    for (_, page) in doc.get_pages() {
        let content = doc.get_page_content(page);
        let ops = lopdf::content::Content::decode(&content).expect("decodable");
        for op in ops.operations.iter().filter(|o| o.operator == "rg") {
            let rgb: Vec<f32> = op.operands.iter().map(|o| o.as_float().unwrap()).collect();
            colours.push(rgb);
        }
    }
    assert!(
        colours.iter().any(|c| c.iter().any(|v| *v > 0.0)),
        "no coloured text: {colours:?}"
    );
    assert!(colours.iter().any(|c| c.iter().all(|v| *v == 0.0)));
    let report = out.report.expect("a report");
    assert_eq!(report.wrapped_code_lines, 1);

    if !have("pdftotext") {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftotext is required in CI"
        );
        eprintln!("note: pdftotext not available; skipping the text check");
        return;
    }
    let path = dir.path().join("book.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdftotext(&path);
    let lines: Vec<String> = text.lines().map(squeeze).collect();
    for code_line in RUST.lines().chain(PYTHON.lines()).chain([SHELL]) {
        let want = squeeze(code_line);
        assert!(
            lines.contains(&want),
            "{want:?} is not a line of the PDF text:\n{text}"
        );
    }
    assert!(lines.contains(&"plain text, not highlighted".to_string()));
    assert!(lines.contains(&"Qapla' batlh".to_string()));
    // the wrapped line comes back whole but for the continuation marks
    assert_eq!(text.matches('\u{2192}').count(), 2, "{text}");
    let strip = |s: &str| s.replace(['\n', '\u{2192}', ' '], "");
    assert!(strip(&text).contains(&strip(&long_line())));
}

#[test]
fn highlighted_code_in_the_epub_has_token_spans_and_passes_epubcheck() {
    let dir = tempfile::tempdir().unwrap();
    let out = build(dir.path());
    let epub = out.epub.expect("an EPUB");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&epub)).unwrap();
    let mut chapter = None;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        if file.name().ends_with(".xhtml") {
            file.read_to_string(&mut text).unwrap();
            if text.contains("sum_of_squares") {
                chapter = Some(text);
            }
        }
    }
    let chapter = chapter.expect("the chapter with the code");
    for needle in [
        "<pre id=",
        "<code class=\"language-rust\">",
        "<span class=\"tok-comment\">// Sum the squares.</span>",
        "<span class=\"tok-keyword\">fn</span> <span class=\"tok-function\">sum_of_squares</span>",
        "<span class=\"tok-type\">u64</span>",
        "<span class=\"tok-number\">42</span>",
        "<span class=\"tok-comment\">/* &lt;&amp;&gt; ]]&gt; */</span>",
        "<code class=\"language-python\">",
        "<span class=\"tok-keyword\">def</span> <span class=\"tok-function\">greet</span>",
        "<span class=\"tok-string\">f\"hello </span>",
        "<span class=\"tok-comment\"># a comment</span>",
        "<code><span class=\"line l0\">plain text, not highlighted</span></code>",
        "<code class=\"language-klingon\"><span class=\"line l0\">Qapla' batlh</span></code>",
    ] {
        assert!(
            chapter.contains(needle),
            "{needle:?} not in the chapter:\n{chapter}"
        );
    }
    // the stylesheet styles every token class
    let mut css = String::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        if file.name().ends_with(".css") {
            file.read_to_string(&mut css).unwrap();
        }
    }
    for class in ["keyword", "string", "comment", "number", "function", "type"] {
        assert!(css.contains(&format!(".tok-{class} {{ color:")), "{class}");
    }

    let path = dir.path().join("book.epub");
    std::fs::write(&path, &epub).unwrap();
    if let Some((errors, warnings, messages)) = epubcheck(&path) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}
