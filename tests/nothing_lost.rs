//! Issue 13's bar: a manuscript with SVG figures, image sizes, HTML inside
//! Markdown, pandoc's sub- and superscripts and text in five scripts comes
//! out whole in both outputs: every word in the PDF's text in logical order
//! with no markup leaking, the SVGs as vector drawings, EPUBCheck clean,
//! and no character without a glyph (on a machine with Debian's Noto
//! packages, which `.ci/run` installs).

mod common;

use std::path::{Path, PathBuf};

use common::{epubcheck, have, quire, tool};

fn fixture() -> PathBuf {
    common::root().join("tests/fixtures/nothing_lost")
}

/// The Noto faces the fixture's scripts need (fonts-noto-core,
/// fonts-noto-cjk). Missing ones fail the test under CI.
fn have_noto() -> bool {
    let needed = [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf",
    ];
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|p| !Path::new(p).is_file())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the Noto fonts are required in CI (.ci/run installs fonts-noto-core and fonts-noto-cjk); missing: {missing:?}"
    );
    eprintln!("note: Noto fonts missing ({missing:?}); skipping");
    false
}

/// Builds the fixture with the machine's fonts; returns the output folder
/// (kept alive by the returned guard) and the JSON findings.
fn build() -> (tempfile::TempDir, PathBuf, PathBuf, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let run = quire()
        .args(["build", "--format", "pdf,epub,json", "--out"])
        .arg(out.path())
        .arg(fixture().join("book.md"))
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("QUIRE_FONT_DIRS")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let findings: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let pdf = out.path().join("book.pdf");
    let epub = out.path().join("book.epub");
    (out, pdf, epub, findings)
}

/// The text with no white space and no bidi controls: pdftotext wraps
/// right-to-left runs in embeddings (U+202B … U+202C) and puts the space
/// at a run's edge on either side of it, so the order of the characters is
/// what is compared.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn every_word_reaches_the_pdf_in_order_and_no_markup_leaks() {
    if !(have("pdftotext") && have_noto()) {
        return;
    }
    let (_dir, pdf, _, findings) = build();
    // the layout mode reads a line whole (the default mode takes the words
    // after an inline image for another column)
    let text = letters(&tool(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    ));
    // the reading order of the whole book, one phrase after another
    let phrases = [
        "The pipeline in one picture:",
        "Three shapes, set inline at two centimetres:",
        "and no more.",
        "A photograph at half the measure:",
        "As the pipeline figure shows, the parser comes first.",
        "stop sign",
        "carry on",
        "Term with a picture",
        "A definition whose term holds an image.",
        "Water is H2O, energy is E = mc2, and the 1st of May is a holiday.",
        "Byte limits: 28 − 1 values, acid H2SO4, the call parse_book returns.",
        "A division block with strong words inside it.",
        "Korean: 안녕하세요 세계.",
        "print(\"안녕하세요 세계\")",
        "Hindi: नमस्ते दुनिया।",
        "Arabic: مرحبا بالعالم.",
        "Hebrew: שלום עולם with Latin inside, and more עברית.",
    ];
    let mut from = 0;
    for phrase in phrases {
        match text[from..].find(&letters(phrase)) {
            Some(at) => from += at + letters(phrase).len(),
            None => panic!(
                "`{phrase}` is not in the PDF's text after byte {from}:\n{}",
                &text[from..]
            ),
        }
    }
    for leak in ['{', '}', '<', '>', '~', '^'] {
        assert!(!text.contains(leak), "`{leak}` leaks into the PDF: {text}");
    }
    // the alternative texts stand in for nothing: every image was drawn
    for alt in ["threeshapes", "reddot"] {
        assert!(!text.contains(alt), "`{alt}` printed instead of its image");
    }
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    for code in ["missing-glyph", "bad-image", "missing-image", "raw-html"] {
        assert!(!codes.contains(&code), "{code} reported: {findings:#}");
    }
}

#[test]
fn svg_figures_are_vector_drawings_and_sizes_are_honoured() {
    if !have_noto() {
        return;
    }
    let (_dir, pdf, _, _) = build();
    let doc = lopdf::Document::load(&pdf).unwrap();
    let (mut images, mut forms) = (Vec::new(), 0);
    for object in doc.objects.values() {
        if let Ok(stream) = object.as_stream() {
            match stream.dict.get(b"Subtype").and_then(|s| s.as_name()) {
                Ok(b"Image") => {
                    images.push((
                        stream.dict.get(b"Width").unwrap().as_i64().unwrap(),
                        stream.dict.get(b"Height").unwrap().as_i64().unwrap(),
                    ));
                }
                Ok(b"Form") => forms += 1,
                _ => {}
            }
        }
    }
    // the two PNGs are the only image XObjects (soft masks aside): the SVGs
    // are not rasterised
    images.sort();
    images.dedup();
    assert_eq!(images, [(64, 64), (900, 450)], "image XObjects");
    assert!(forms >= 2, "{forms} form XObjects for two SVGs");
}

#[test]
fn the_epub_carries_the_svgs_and_passes_epubcheck() {
    if !have_noto() {
        return;
    }
    let (_dir, _, epub, _) = build();
    let file = std::fs::File::open(&epub).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    // the two figures' (the generated cover is a PNG)
    let svgs: Vec<&String> = names.iter().filter(|n| n.ends_with(".svg")).collect();
    assert_eq!(svgs.len(), 2, "{names:?}");
    let mut html = String::new();
    for name in &names {
        if name.ends_with(".xhtml") {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
            html.push_str(&s);
        }
    }
    for needle in [
        "<sup>8</sup>",
        "<sub>2</sub>",
        "<code>parse_book</code>",
        "red dot",
    ] {
        assert!(html.contains(needle), "`{needle}` not in the EPUB");
    }
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}
