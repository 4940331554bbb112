//! HTML in a manuscript, end to end: what the reader makes of it is in the
//! PDF's text and in the EPUB alike, sub- and superscripts are set as such,
//! and what it leaves out is in neither output, with a warning naming it.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The chapter: every inline element and block the README lists.
const CHAPTER: &str = r#"# Raw HTML

Water is H<sub>2</sub>O and 2<sup>8</sup> − 1 is odd; call <code>make_book()</code>,
press <kbd>Ctrl</kbd>+<kbd>S</kbd>, read the <mark>highlighted</mark>, <del>deleted</del>,
<ins>inserted</ins>, <small>fine print</small>, <u>underlined</u>, <s>struck</s>,
<em>emphasised</em>, <i>italic</i>, <strong>strong</strong>, <b>bold</b>,
<span class="x">spanned</span> and <abbr title="HyperText">HTML</abbr> words, a
<a href="https://example.org">linked</a> one, <q>quoted</q> and a line<br>broken.
In pandoc's way: E = mc^2^, CO~2~ and the 1^st^ of May.

<div class="aside">
A division with **strong** words and no blank lines.
</div>

<div class="wide">

A division around Markdown with blank lines.

</div>

<p>A paragraph element.</p>

<pre>
preformatted &amp; kept
</pre>

<blockquote>
A quoted sentence.
</blockquote>

<table>
<tr><th>Sign</th><th>Meaning</th></tr>
<tr><td><img src="dot.png" alt="red dot" width="12"></td><td>halt</td></tr>
<tr><td colspan="2">spanning cell</td></tr>
</table>

| Symbol | Use |
|---|---|
| <img src="dot.png" alt="a dot"> | marker <sup>top</sup> |

<figure>
<img src="dot.png" alt="A dot">
<figcaption>Figure caption words</figcaption>
</figure>

<details>
<summary>Summary line</summary>
Details content.
</details>

<hr>

<!-- a comment that must not show -->

<script>document.write("scripted words")</script>

<iframe src="https://example.org">framed words</iframe>

Closing paragraph.
"#;

/// What each output must hold, in this order.
const PHRASES: &[&str] = &[
    "Water is",
    "odd; call make_book(),",
    "press Ctrl+S, read the highlighted, deleted,",
    "inserted, fine print, underlined, struck,",
    "emphasised, italic, strong, bold,",
    "spanned and HTML words, a",
    "linked one,",
    "\u{201C}quoted\u{201D} and a line",
    "broken.",
    "In pandoc\u{2019}s way:",
    "of May.",
    "A division with strong words and no blank lines.",
    "A division around Markdown with blank lines.",
    "A paragraph element.",
    "preformatted & kept",
    "A quoted sentence.",
    "Sign",
    "Meaning",
    "halt",
    "spanning cell",
    "Symbol",
    "Use",
    "marker",
    "Figure caption words",
    "Summary line",
    "Details content.",
    "Closing paragraph.",
];

/// Words the manuscript holds that neither output may show.
const LEFT_OUT: &[&str] = &[
    "scripted",
    "document.write",
    "framed",
    "comment that must not show",
];

/// Builds the book; returns its folder (kept alive), the PDF, the EPUB and
/// the findings as JSON.
fn build() -> (tempfile::TempDir, PathBuf, PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    fs::copy(fixtures.join("ellipse.png"), dir.path().join("dot.png")).unwrap();
    fs::write(dir.path().join("01-html.md"), CHAPTER).unwrap();
    let out = run_in(
        dir.path(),
        &["build", ".", "--out", "o", "--format", "pdf,epub,json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let findings: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("findings as JSON");
    let name = book_name(dir.path());
    let pdf = dir.path().join(format!("o/{name}.pdf"));
    let epub = dir.path().join(format!("o/{name}.epub"));
    (dir, pdf, epub, findings)
}

/// The text of the EPUB's chapter, tags taken out and white space as one
/// space, references decoded as a reading system shows them.
fn epub_text(epub: &Path) -> (String, String) {
    let mut zip = zip::ZipArchive::new(fs::File::open(epub).unwrap()).unwrap();
    let mut xhtml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("OEBPS/chapter-01.xhtml").unwrap(),
        &mut xhtml,
    )
    .unwrap();
    let body = &xhtml[xhtml.find("<body").unwrap()..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&amp;", "&").replace("&lt;", "<");
    (xhtml, squeeze(&text))
}

/// White space as one space, and no space before punctuation that tags
/// stood before (`<em>x</em>,` → `x ,` → `x,`).
fn squeeze(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for p in [",", ".", ";", ")", "+", "\u{201D}", "(", "\u{201C}"] {
        out = out.replace(&format!(" {p}"), p);
        if matches!(p, "+" | "(" | "\u{201C}") {
            out = out.replace(&format!("{p} "), p);
        }
    }
    out
}

/// Where each phrase is found after the one before it; the first missing.
fn in_order(text: &str, what: &str) {
    let mut from = 0;
    for phrase in PHRASES {
        match text[from..].find(&squeeze(phrase)) {
            Some(at) => from += at + phrase.len(),
            None => panic!("{what} lacks {phrase:?} (in order) in:\n{text}"),
        }
    }
}

#[test]
fn html_is_set_in_the_pdf_as_in_the_epub_and_what_is_dropped_is_said() {
    let (_dir, pdf, epub, findings) = build();

    // the warnings name the elements left out, at their place
    let raw: Vec<&serde_json::Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "raw-html")
        .collect();
    let line_of = |needle: &str| CHAPTER.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    for (element, line) in [
        ("<script>", line_of("<script>")),
        ("<iframe>", line_of("<iframe")),
    ] {
        let found = raw
            .iter()
            .find(|f| f["message"].as_str().unwrap().starts_with(element))
            .unwrap_or_else(|| panic!("no raw-html warning for {element}: {findings:#}"));
        assert_eq!(found["file"], "01-html.md");
        assert_eq!(found["line"], line as u64, "{found}");
        assert_eq!(found["column"], 1, "{found}");
    }
    assert_eq!(raw.len(), 2, "{findings:#}");

    // the EPUB: valid, the elements there, nothing dropped
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    let (xhtml, epub_words) = epub_text(&epub);
    for element in [
        "<sub>2</sub>",
        "<sup>8</sup>",
        "<code>make_book()</code>",
        "<kbd>Ctrl</kbd>",
        "<mark>highlighted</mark>",
        "<s>deleted</s>",
        "<u>inserted</u>",
        "<small>fine print</small>",
        "<br/>",
        "<a href=\"https://example.org\">linked</a>",
        "<sup>2</sup>",
        "<sub>2</sub>",
        "<sup>st</sup>",
        "<blockquote",
        "<pre",
        "colspan=\"2\"",
        "<figcaption>Figure caption words</figcaption>",
        "<hr",
    ] {
        assert!(
            xhtml.contains(element),
            "the EPUB lacks {element}:\n{xhtml}"
        );
    }
    assert_eq!(xhtml.matches("<img ").count(), 3, "{xhtml}");
    for gone in LEFT_OUT.iter().chain(&["<script", "<iframe"]) {
        assert!(!xhtml.contains(gone), "the EPUB has {gone}");
    }
    in_order(&epub_words, "the EPUB");

    // the PDF: the same words, in order; no markup leaks
    if !have("pdftotext") {
        return;
    }
    let text = pdftotext(&pdf);
    let pdf_words = squeeze(&words_dehyphenated(&text).join(" "));
    in_order(&pdf_words, "the PDF");
    for c in ['<', '>', '~', '^'] {
        assert!(!text.contains(c), "{c:?} leaks into the PDF:\n{text}");
    }
    for gone in LEFT_OUT {
        assert!(!text.contains(gone), "the PDF has {gone:?}");
    }
    let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
}

/// A word's box on the page, from `pdftotext -bbox`: (text, x min, y min,
/// x max, y max), y growing downwards.
type WordBox = (String, f64, f64, f64, f64);

fn word_boxes(pdf: &Path) -> Vec<WordBox> {
    let xml = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let mut out = Vec::new();
    for line in xml.lines() {
        let Some(rest) = line.trim().strip_prefix("<word ") else {
            continue;
        };
        let number = |key: &str| -> f64 {
            let at = rest.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
            rest[at..rest[at..].find('"').unwrap() + at]
                .parse()
                .unwrap()
        };
        let text = rest[rest.find('>').unwrap() + 1..rest.rfind("</word>").unwrap()].to_string();
        out.push((
            text,
            number("xMin"),
            number("yMin"),
            number("xMax"),
            number("yMax"),
        ));
    }
    out
}

/// `2<sup>8</sup>` is not "28" at one size: the 8 is a word of its own
/// for pdftotext, smaller and raised; `H<sub>2</sub>O`'s 2 smaller and
/// lowered; `mc^2^` and `CO~2~` the same.
#[test]
fn superscripts_and_subscripts_are_raised_and_lowered_in_the_pdf() {
    let (_dir, pdf, _, _) = build();
    if !have("pdftotext") {
        return;
    }
    let words = word_boxes(&pdf);
    let height = |w: &WordBox| w.4 - w.2;
    let find = |base: &str, script: &str| {
        words
            .windows(2)
            .find(|pair| {
                pair[0].0 == base && pair[1].0 == script && (pair[1].1 - pair[0].3).abs() < 0.5
            })
            .unwrap_or_else(|| panic!("no {base:?} then {script:?} touching: {words:?}"))
            .to_vec()
    };
    for (base, script, raised) in [("2", "8", true), ("mc", "2", true), ("1", "st", true)] {
        let pair = find(base, script);
        assert!(
            height(&pair[1]) < 0.85 * height(&pair[0]),
            "{script} is not smaller: {pair:?}"
        );
        assert!(
            (pair[1].4 < pair[0].4) == raised,
            "{script} is not raised: {pair:?}"
        );
    }
    for (base, script) in [("H", "2"), ("CO", "2")] {
        let pair = find(base, script);
        assert!(height(&pair[1]) < 0.85 * height(&pair[0]), "{pair:?}");
        assert!(pair[1].4 > pair[0].4, "{script} is not lowered: {pair:?}");
    }
}
