//! Scripts and characters end to end: Korean (in text and in code), Hindi,
//! Arabic and Hebrew with Latin, set from the Noto fonts of Debian's
//! `fonts-noto-core` and `fonts-noto-cjk` (which `.ci/run` installs; the
//! tests fail under `CI` without them and skip elsewhere). The PDF's text,
//! as poppler extracts it, holds every line in logical order; the fonts are
//! embedded and named in the colophon; right-to-left paragraphs are set
//! from the right, and marked `dir="rtl"` in the EPUB.
//!
//! poppler decides the direction of a whole page (from its majority of
//! letters) and reads every line of it that way: the right-to-left
//! paragraphs are in a chapter of their own, so that each page is read as
//! its lines run.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The Noto files these tests need, by package.
const NOTO: [(&str, &str); 4] = [
    ("opentype/noto/NotoSerifCJK-Regular.ttc", "fonts-noto-cjk"),
    ("opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    (
        "truetype/noto/NotoSerifDevanagari-Regular.ttf",
        "fonts-noto-core",
    ),
    (
        "truetype/noto/NotoNaskhArabic-Regular.ttf",
        "fonts-noto-core",
    ),
];

/// Whether the Noto fonts are installed; under CI they must be.
fn noto() -> bool {
    let missing: Vec<String> = NOTO
        .iter()
        .filter(|(file, _)| !Path::new("/usr/share/fonts").join(file).is_file())
        .map(|(file, package)| format!("{file} ({package})"))
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the Noto fonts are required in CI (.ci/run installs them): missing {missing:?}"
    );
    eprintln!("note: Noto fonts missing ({missing:?}); skipping");
    false
}

/// The left-to-right lines, each a paragraph (or a line of code).
const LTR_LINES: [&str; 5] = [
    "Korean: 안녕하세요 세계.",
    "print(\"안녕하세요\")  # Korean in code",
    "Hindi: नमस्ते दुनिया।",
    "Arabic: مرحبا بالعالم.",
    "Hebrew: שלום עולם with Latin inside, and more עברית.",
];

/// The right-to-left paragraphs (each short enough for one line).
const RTL_LINES: [&str; 2] = [
    "مرحبا بالعالم، هذا نص عربي.",
    "שלום עולם with Latin inside, and more עברית.",
];

fn manuscript() -> String {
    format!(
        "---\ntitle: Scripts\nauthor: Test Author\nlanguage: en\n---\n\n\
         # Scripts\n\n{}\n\n```python\n{}\n```\n\n{}\n\n{}\n\n{}\n\n\
         # מימין לשמאל\n\n{}\n\n{}\n",
        LTR_LINES[0],
        LTR_LINES[1],
        LTR_LINES[2],
        LTR_LINES[3],
        LTR_LINES[4],
        RTL_LINES[0],
        RTL_LINES[1]
    )
}

/// Builds `markdown` as `book.md` with the system's fonts under
/// /usr/share/fonts (where Debian's packages put them), denying warnings:
/// (folder, PDF, EPUB, report).
fn build(markdown: &str) -> (tempfile::TempDir, PathBuf, PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("book.md"), markdown).unwrap();
    let out = quire()
        .args(["build", "book.md", "--out", "o", "--deny", "warnings"])
        .current_dir(dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .env("QUIRE_FONT_DIRS", "/usr/share/fonts")
        .output()
        .expect("run quire");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("missing-glyph"), "{err}");
    let report = fs::read(dir.path().join("o/book.report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert_eq!(report["missing_glyphs"], serde_json::json!([]));
    let pdf = dir.path().join("o/book.pdf");
    let epub = dir.path().join("o/book.epub");
    (dir, pdf, epub, report)
}

/// Text with neither white space nor the bidi controls poppler writes
/// around the runs it turns (U+202A–U+202E, and the marks and isolates):
/// what is left is every character in the order the text gives it.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            !c.is_whitespace() && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// The pages' texts as `pdftotext` gives them with `mode` (`""` for its
/// reading order, `-layout`, `-raw`), page by page.
fn pages(pdf: &Path, mode: &str) -> Vec<String> {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let count: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    (1..=count)
        .map(|n| {
            let n = n.to_string();
            let mut args = vec!["-enc", "UTF-8", "-f", &n, "-l", &n];
            if !mode.is_empty() {
                args.push(mode);
            }
            args.extend([pdf.to_str().unwrap(), "-"]);
            tool("pdftotext", &args)
        })
        .collect()
}

#[test]
fn every_script_extracts_in_logical_order_from_embedded_noto_faces() {
    if !noto() || !have("pdftotext") || !have("pdffonts") || !have("pdfinfo") {
        return;
    }
    let (_dir, pdf, epub, report) = build(&manuscript());
    // in poppler's reading order and in its physical layout, each line is
    // one line of the page, every character in logical order
    for mode in ["", "-layout"] {
        let lines: Vec<String> = pages(&pdf, mode)
            .iter()
            .flat_map(|page| page.lines().map(letters).collect::<Vec<_>>())
            .collect();
        for line in LTR_LINES.iter().chain(&RTL_LINES) {
            assert!(
                lines.contains(&letters(line)),
                "pdftotext {mode}: no line {line:?} in\n{}",
                lines.join("\n")
            );
        }
        assert!(!lines.iter().any(|l| l.contains("दुनिनया")));
    }
    // in content-stream order (-raw) every word comes in logical order
    // (poppler reads each page's glyphs in the order they are drawn and
    // turns right-to-left words only; punctuation between runs of
    // different directions may land on either side of its word)
    let words = |text: &str| -> String {
        letters(text)
            .chars()
            .filter(|c| c.is_alphanumeric() || unicode_mark(*c))
            .collect()
    };
    let raw: Vec<String> = pages(&pdf, "-raw").iter().map(|p| words(p)).collect();
    for line in LTR_LINES.iter().chain(&RTL_LINES) {
        assert!(
            raw.iter().any(|page| page.contains(&words(line))),
            "pdftotext -raw: {line:?} not in order in {raw:?}"
        );
    }
    // the faces: the bundled ones and a Noto face per script, each
    // embedded as a subset with a ToUnicode map
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let names: Vec<&str> = fonts
        .lines()
        .skip(2)
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let n = cols.len();
            assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{fonts}");
            cols[0]
        })
        .collect();
    for (face, why) in [
        ("+NotoSerifCJKkr-", "Korean text"),
        ("+NotoSansMonoCJKkr-", "Korean in code"),
        ("+NotoSerifDevanagari-", "Hindi"),
        ("+NotoNaskhArabic-", "Arabic"),
        ("+LinLibertineO", "the text"),
        ("+Inconsolata", "code"),
    ] {
        assert!(
            names.iter().any(|n| n.contains(face)),
            "no {face} for {why}: {names:?}"
        );
    }
    // the colophon names every face the pages show, fallbacks included
    let colophon = letters(&pages(&pdf, "")[3]);
    let families = report["fallback_fonts"].as_array().unwrap();
    assert_eq!(families.len(), 4, "{families:?}");
    for family in families.iter().chain(&[
        serde_json::json!("Linux Libertine O"),
        serde_json::json!("Inconsolata"),
    ]) {
        let family = letters(family.as_str().unwrap());
        assert!(colophon.contains(&family), "{family} not in {colophon}");
    }
    // the EPUB marks the right-to-left paragraphs, and only them
    let xhtml = epub_chapters(&epub);
    let rtl = xhtml.matches("<p id=\"b-2-1\" dir=\"rtl\">").count()
        + xhtml.matches("<p id=\"b-2-2\" dir=\"rtl\">").count();
    assert_eq!(rtl, 2, "{xhtml}");
    assert_eq!(xhtml.matches("dir=\"rtl\"").count(), 3, "{xhtml}"); // and the title
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "EPUBCheck:\n{messages}");
    }
}

/// Whether `c` is a combining mark (a Devanagari vowel sign, an Arabic
/// vowel): part of its word.
fn unicode_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963)
}

/// Words of a page as `pdftotext -bbox` places them: (xMin, xMax, word);
/// a right-to-left word as it gives it, in visual order (its letters
/// reversed).
fn word_boxes(pdf: &Path, page: usize) -> Vec<(f64, f64, String)> {
    let n = page.to_string();
    let html = tool(
        "pdftotext",
        &["-bbox", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"],
    );
    html.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("<word ")?;
            let attr = |name: &str| -> Option<f64> {
                rest.split(&format!("{name}=\""))
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            };
            let word = rest.split('>').nth(1)?.split("</word").next()?;
            Some((attr("xMin")?, attr("xMax")?, word.to_string()))
        })
        .collect()
}

/// The box of `word` (right-to-left letters in logical order) in `words`.
fn find(words: &[(f64, f64, String)], word: &str) -> (f64, f64, String) {
    let visual: String = word.chars().rev().collect();
    words
        .iter()
        .find(|(_, _, w)| w == word || *w == visual)
        .unwrap_or_else(|| panic!("no {word} in {words:?}"))
        .clone()
}

#[test]
fn right_to_left_paragraphs_read_from_the_right() {
    if !noto() || !have("pdftotext") || !have("pdfinfo") {
        return;
    }
    // a paragraph long enough for several lines, then the Hebrew one
    let arabic = "مرحبا بالعالم، هذا نص عربي طويل بما يكفي ليمتد على أكثر من سطر واحد في الصفحة حتى نرى كيف تضبط الأسطر من اليمين إلى اليسار.";
    let (_dir, pdf, _, _) = build(&format!(
        "---\ntitle: RTL\nlanguage: en\n---\n\n# עברית\n\n{arabic}\n\n{}\n",
        RTL_LINES[1]
    ));
    let body = pages(&pdf, "")
        .iter()
        .position(|p| p.contains("with Latin"))
        .expect("the page")
        + 1;
    let words = word_boxes(&pdf, body);
    let at = |w: &str| find(&words, w);
    // the Hebrew sentence runs from the right: its first words rightmost,
    // the Latin phrase in its own order, the last word at the left
    let (shalom, olam, with, latin, ivrit) = (
        at("שלום"),
        at("עולם"),
        at("with"),
        at("Latin"),
        find(&words, "עברית."),
    );
    assert!(shalom.0 > olam.1, "{shalom:?} {olam:?}");
    assert!(
        olam.0 > latin.1 && with.1 < latin.0,
        "{olam:?} {with:?} {latin:?}"
    );
    assert!(ivrit.1 < with.0, "{ivrit:?} {with:?}");
    // the justified lines of the Arabic paragraph share both edges; the
    // Hebrew paragraph's line (its last) ends at the right edge, less the
    // first-line indent, and starts well inside
    let right = at("مرحبا").1;
    let left = words
        .iter()
        .filter(|(_, _, w)| !w.contains("תירבע"))
        .map(|w| w.0)
        .fold(f64::MAX, f64::min);
    assert!(
        shalom.1 < right && right - shalom.1 < 20.0,
        "{shalom:?} {right}"
    );
    assert!(ivrit.0 > left + 50.0, "{ivrit:?} {left}");
}

#[test]
fn an_arabic_book_turns_its_pages_from_the_right() {
    if !noto() || !have("pdftotext") || !have("pdfinfo") {
        return;
    }
    let (_dir, pdf, epub, _) = build(
        "---\ntitle: كتاب\nlanguage: ar\n---\n\n# الفصل الأول\n\nمرحبا بالعالم.\n\n# الفصل الثاني\n\nنص.\n",
    );
    // the PDF asks viewers to set pages side by side from the right
    let doc = lopdf::Document::load(&pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    let preferences = catalog
        .get(b"ViewerPreferences")
        .unwrap()
        .as_dict()
        .unwrap();
    assert_eq!(
        preferences.get(b"Direction").unwrap().as_name().unwrap(),
        b"R2L"
    );
    // the contents: titles at the right, page numbers at the left
    let contents = pages(&pdf, "")
        .iter()
        .position(|p| p.contains("Contents"))
        .expect("the contents")
        + 1;
    let words = word_boxes(&pdf, contents);
    let title = find(&words, "الأول");
    let number = find(&words, "1");
    assert!(number.1 < title.0, "{number:?} {title:?}");
    // the EPUB's package turns from the right too
    let mut zip = zip::ZipArchive::new(fs::File::open(&epub).unwrap()).unwrap();
    let mut opf = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("OEBPS/content.opf").unwrap(), &mut opf)
        .unwrap();
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "EPUBCheck:\n{messages}");
    }
}

#[test]
fn a_right_to_left_attribution_and_note_stand_on_their_own_sides() {
    if !noto() || !have("pdftotext") {
        return;
    }
    let long = "نص طويل بما يكفي ليمتد على أكثر من سطر واحد في الصفحة حتى نرى كيف تضبط الأسطر من اليمين إلى اليسار";
    let (_dir, pdf, _, _) = build(&format!(
        "---\ntitle: كتاب\nlanguage: ar\n---\n\n# الفصل الأول\n\nمرحبا بالعالم، {long}.[^1]\n\n\
         > مقتبس {long}.\n>\n> — قائل\n\n[^1]: حاشية {long}.\n"
    ));
    let body = pages(&pdf, "")
        .iter()
        .position(|p| p.contains("قائل") || p.contains("لئاق"))
        .expect("the page")
        + 1;
    let words = word_boxes(&pdf, body);
    let title = find(&words, "الأول");
    let centre = (title.0 + title.1) / 2.0;
    // the quotation's attribution: flush with its end, the left
    let quoted = find(&words, "مقتبس");
    let attribution = find(&words, "قائل");
    assert!(attribution.1 < centre, "{attribution:?} {centre}");
    assert!(quoted.0 > centre, "{quoted:?} {centre}");
    let quote_left = words
        .iter()
        .filter(|w| w.0 > 0.0)
        .map(|w| w.0)
        .fold(f64::MAX, f64::min);
    assert!(
        attribution.0 - quote_left < 40.0,
        "{attribution:?} {quote_left}"
    );
    // the note's number hangs at the right of its text, the start side
    let note = find(&words, "حاشية");
    assert!(
        words.iter().any(|w| w.2 == "1" && w.0 > note.1),
        "{note:?} {words:?}"
    );
}
