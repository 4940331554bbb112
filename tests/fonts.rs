//! Fallback fonts end to end: a character the bundled faces lack is set from
//! another font (found in `QUIRE_FONT_DIRS` here, so that the tests do not
//! depend on the machine's fonts), embedded as a subset that extracts; a
//! character no font has is a warning with file, line and column.

mod common;

use common::*;
use read_fonts::{FontRef, TableProvider};
use std::fs;
use std::path::Path;
use std::process::Output;

/// Whether the font file at `path` maps `c`.
fn maps(path: &Path, c: char) -> bool {
    let data = fs::read(path).unwrap();
    let font = FontRef::new(&data).unwrap();
    font.cmap()
        .unwrap()
        .map_codepoint(c)
        .is_some_and(|g| g.to_u32() != 0)
}

/// Builds `markdown` with fallback fonts from `font_dir` only; returns the
/// run, the PDF's path and the report.
fn build(markdown: &str, font_dir: &Path) -> (Output, tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("book")).unwrap();
    fs::write(dir.path().join("book/a.md"), markdown).unwrap();
    let out = quire()
        .args(["build", "book", "--out", "o"])
        .current_dir(dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .env("QUIRE_FONT_DIRS", font_dir)
        .output()
        .expect("run quire");
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read(dir.path().join("o/book.report.json")).unwrap();
    let report = serde_json::from_slice(&report).unwrap();
    (out, dir, report)
}

/// `pdffonts` rows: (name, type), each checked embedded, subset, with a
/// ToUnicode map.
fn pdffonts(pdf: &Path) -> Vec<(String, String)> {
    let list = tool("pdffonts", &[pdf.to_str().unwrap()]);
    list.lines()
        .skip(2)
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let n = cols.len();
            assert!(n >= 7, "{line}");
            assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{list}");
            (cols[0].to_string(), cols[1..n - 6].join(" "))
        })
        .collect()
}

#[test]
fn code_the_monospaced_face_lacks_is_set_from_a_cff_fallback() {
    // a copy of Linux Libertine as the only "system font": it has Greek,
    // Inconsolata has none
    let fonts = tempfile::tempdir().unwrap();
    let copy = fonts.path().join("Libertine-copy.otf");
    fs::copy(root().join("fonts/LinLibertine_R.otf"), &copy).unwrap();
    assert!(maps(&copy, 'λ') && !maps(&root().join("fonts/Inconsolata.otf"), 'λ'));
    let (out, dir, report) = build("# Greek\n\nCode:\n\n```\nlet λ = 1;\n```\n", fonts.path());
    let err = stderr(&out);
    assert!(!err.contains("missing-glyph"), "{err}");
    assert!(
        err.contains("glyphs from fallback fonts (Linux Libertine O)"),
        "{err}"
    );
    assert_eq!(report["fallback_glyphs"], 1);
    assert!(report["missing_glyphs"].as_array().unwrap().is_empty());
    if !have("pdffonts") || !have("pdftotext") {
        return;
    }
    let pdf = dir.path().join("o/book.pdf");
    let fonts = pdffonts(&pdf);
    let libertine = fonts
        .iter()
        .filter(|(n, _)| n.ends_with("+LinLibertineO"))
        .count();
    assert!(libertine >= 2, "{fonts:?}");
    assert!(pdftotext(&pdf).contains("let λ = 1;"));
}

#[test]
fn the_epub_embeds_the_bundled_fonts_only() {
    let fonts = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("fonts/LinLibertine_R.otf"),
        fonts.path().join("Libertine-copy.otf"),
    )
    .unwrap();
    let (_, dir, report) = build("# Greek\n\n`λ`\n", fonts.path());
    assert_eq!(report["fallback_glyphs"], 1);
    let epub = fs::File::open(dir.path().join("o/book.epub")).unwrap();
    let mut zip = zip::ZipArchive::new(epub).unwrap();
    let mut embedded: Vec<String> = zip
        .file_names()
        .filter(|n| n.ends_with(".otf") || n.ends_with(".ttf"))
        .map(str::to_string)
        .collect();
    embedded.sort();
    assert_eq!(embedded.len(), 6, "{embedded:?}");
    assert!(embedded.iter().all(|n| !n.contains("copy")), "{embedded:?}");
    // each is the bundled file subset (`[epub] subset-fonts`, on by
    // default): its family and style names, no more glyphs (the writer fills
    // them in after epub-builder has written the package)
    let names = |data: &[u8]| -> Vec<String> {
        let font = FontRef::new(data).unwrap();
        let name = font.name().unwrap();
        [1u16, 2]
            .iter()
            .map(|&id| {
                name.name_record()
                    .iter()
                    .find(|r| r.name_id().to_u16() == id && r.platform_id() == 3)
                    .map(|r| r.string(name.string_data()).unwrap().to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    let glyphs = |data: &[u8]| FontRef::new(data).unwrap().maxp().unwrap().num_glyphs();
    for name in &embedded {
        let file_name = name.rsplit('/').next().unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut data).unwrap();
        let bundled = fs::read(root().join("fonts").join(file_name)).unwrap();
        assert_eq!(names(&data), names(&bundled), "{name}");
        assert!(glyphs(&data) < glyphs(&bundled), "{name}");
    }
}

#[test]
fn text_the_bundled_faces_lack_is_set_from_a_truetype_fallback() {
    let dejavu = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if !dejavu.is_file() {
        eprintln!("note: no DejaVu Sans on this machine; skipping");
        return;
    }
    let fonts = tempfile::tempdir().unwrap();
    fs::copy(dejavu, fonts.path().join("DejaVuSans.ttf")).unwrap();
    let libertine = root().join("fonts/LinLibertine_R.otf");
    let snow = ['\u{2603}', '\u{21F6}', '\u{259F}', '\u{2654}']
        .into_iter()
        .find(|&c| !maps(&libertine, c) && maps(dejavu, c))
        .expect("a symbol DejaVu Sans has and Libertine lacks");
    let (out, dir, report) = build(
        &format!("# Weather\n\nA snowman{snow}here, and {snow} there.\n"),
        fonts.path(),
    );
    let err = stderr(&out);
    assert!(!err.contains("missing-glyph"), "{err}");
    assert_eq!(report["fallback_fonts"][0], "DejaVu Sans");
    if !have("pdffonts") || !have("pdftotext") {
        return;
    }
    let pdf = dir.path().join("o/book.pdf");
    let fonts = pdffonts(&pdf);
    assert!(
        fonts
            .iter()
            .any(|(n, t)| n.ends_with("+DejaVuSans") && t == "CID TrueType"),
        "{fonts:?}"
    );
    let text = pdftotext(&pdf);
    assert!(
        text.contains(&format!("snowman{snow}here")) && text.contains(&format!("and {snow} there")),
        "{text}"
    );
}

#[test]
fn a_character_no_font_has_is_a_warning_with_file_line_and_column() {
    let none = tempfile::tempdir().unwrap(); // no fonts at all
    let markdown = "# A\n\nThe word 中 and \u{10FFFD}.\n\n```\nlet s = \"中文\";\n```\n";
    let (out, dir, report) = build(markdown, none.path());
    let err = stderr(&out);
    assert!(
        err.contains("warning[missing-glyph]")
            && err.contains("U+4E2D")
            && err.contains("a.md:3:10"),
        "{err}"
    );
    // the warning says the page (as its label is printed) of the box
    // that stands for the character
    assert!(
        err.contains("(U+4E2D), on page 1: it is printed as a box with its code"),
        "{err}"
    );
    assert!(err.contains("U+10FFFD"), "{err}");
    assert!(err.contains("U+6587") && err.contains("a.md:6:"), "{err}");
    assert_eq!(report["missing_glyphs"].as_array().unwrap().len(), 4);
    assert_eq!(report["missing_glyphs"][0]["page"], "1");
    assert_eq!(report["fallback_glyphs"], 0);
    // never set as nothing: the boxes extract as their characters, in the
    // text and in the code listing
    if have("pdftotext") {
        let text = tool(
            "pdftotext",
            &[
                "-layout",
                "-enc",
                "UTF-8",
                dir.path().join("o/book.pdf").to_str().unwrap(),
                "-",
            ],
        );
        assert!(text.contains("中"), "{text}");
        assert!(text.contains("let s = \"中文\";"), "{text}");
    }
    // and under --deny warnings the build stops
    let denied = quire()
        .args(["build", "book", "--out", "o2", "--deny", "warnings"])
        .current_dir(dir.path())
        .env("QUIRE_FONT_DIRS", none.path())
        .output()
        .expect("run quire");
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(stderr(&denied).contains("missing-glyph"));
    assert!(!dir.path().join("o2/book.pdf").exists());
}
