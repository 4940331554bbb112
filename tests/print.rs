//! The print edition (`quire build --print PRINTER`, `[print] printer`):
//! read back with lopdf, each printer's boxes on every page, its bleed,
//! the page count, and the annotations and outline it allows.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// 6 × 9 in, the default trim, and the bleed every printer asks for, in points.
const TRIM: (f64, f64) = (432.0, 648.0);
const BLEED: f64 = 9.0;

/// Builds the default book with `--print printer`; returns the folder,
/// the reading edition and the print edition.
fn build(printer: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        &root(),
        &[
            "build",
            "manuscript",
            "--out",
            dir.path().to_str().unwrap(),
            "--print",
            printer,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join("manuscript.pdf");
    let print = dir.path().join("manuscript.print.pdf");
    (dir, pdf, print)
}

/// A page's box `name` as [x0, y0, x1, y1].
fn page_box(doc: &lopdf::Document, page: lopdf::ObjectId, name: &[u8]) -> [f64; 4] {
    let dict = doc.get_dictionary(page).unwrap();
    let array = dict.get(name).unwrap().as_array().unwrap();
    let v: Vec<f64> = array.iter().map(|o| o.as_float().unwrap() as f64).collect();
    [v[0], v[1], v[2], v[3]]
}

fn close(a: [f64; 4], b: [f64; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.01)
}

/// A page's MediaBox, TrimBox and BleedBox, and whether it has annotations.
type PageBoxes = ([f64; 4], [f64; 4], [f64; 4], bool);

/// Every page's boxes, and whether the document has an outline.
fn boxes(pdf: &Path) -> (Vec<PageBoxes>, bool) {
    let doc = lopdf::Document::load(pdf).unwrap();
    let pages = doc
        .get_pages()
        .values()
        .map(|&id| {
            let annots = doc.get_dictionary(id).unwrap().has(b"Annots");
            (
                page_box(&doc, id, b"MediaBox"),
                page_box(&doc, id, b"TrimBox"),
                page_box(&doc, id, b"BleedBox"),
                annots,
            )
        })
        .collect();
    (pages, doc.catalog().unwrap().has(b"Outlines"))
}

/// The words of a PDF's text, in order.
fn words(pdf: &Path) -> Vec<String> {
    pdftotext(pdf)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn kdp_bleeds_at_the_outside_edge_and_drops_links_and_outline() {
    if !have("pdftotext") {
        return;
    }
    let (_dir, pdf, print) = build("kdp");
    let (pages, outline) = boxes(&print);
    assert!(pages.len() % 2 == 0, "{} pages", pages.len());
    let (w, h) = TRIM;
    for (i, &(media, trim, bleed, annots)) in pages.iter().enumerate() {
        // trim + 0.125 in wide, + 0.25 in high; the bleed at a recto's
        // right, a verso's left
        assert!(
            close(media, [0.0, 0.0, w + BLEED, h + 2.0 * BLEED]),
            "{media:?}"
        );
        assert_eq!(bleed, media);
        let x0 = if i % 2 == 0 { 0.0 } else { BLEED };
        assert!(
            close(trim, [x0, BLEED, x0 + w, BLEED + h]),
            "page {}: {trim:?}",
            i + 1
        );
        assert!(!annots, "page {} has annotations", i + 1);
    }
    assert!(!outline);
    // the reading edition keeps both, and the text is the same
    let (reading, reading_outline) = links_and_outline(&pdf);
    assert!(reading && reading_outline);
    assert_eq!(words(&print), words(&pdf));
}

/// Whether a PDF has links and an outline.
fn links_and_outline(pdf: &Path) -> (bool, bool) {
    let doc = lopdf::Document::load(pdf).unwrap();
    let links = doc
        .get_pages()
        .values()
        .any(|&id| doc.get_dictionary(id).unwrap().has(b"Annots"));
    (links, doc.catalog().unwrap().has(b"Outlines"))
}

#[test]
fn ingram_and_lulu_bleed_on_every_side_and_keep_links() {
    for printer in ["ingram", "lulu"] {
        let (_dir, _, print) = build(printer);
        let (pages, outline) = boxes(&print);
        assert!(pages.len() % 2 == 0, "{printer}: {} pages", pages.len());
        let (w, h) = TRIM;
        for &(media, trim, bleed, _) in &pages {
            assert!(
                close(media, [0.0, 0.0, w + 2.0 * BLEED, h + 2.0 * BLEED]),
                "{media:?}"
            );
            assert_eq!(bleed, media);
            assert!(
                close(trim, [BLEED, BLEED, BLEED + w, BLEED + h]),
                "{trim:?}"
            );
        }
        assert!(pages.iter().any(|p| p.3), "{printer}: links kept");
        assert!(outline, "{printer}: outline kept");
    }
}

#[test]
fn ingram_ends_on_a_blank_page() {
    if !have("pdftotext") {
        return;
    }
    // a book whose last page has text: Ingram's edition adds a blank one
    // (and keeps the count even)
    let dir = tempfile::tempdir().unwrap();
    write_book(
        dir.path(),
        "[book]\ntitle = \"Short\"\nlanguage = \"en\"\n\n[pdf]\nhalf-title = false\n\
         copyright-page = false\ncontents = false\n\n[print]\nprinter = \"ingram\"\n",
        &[("ch1.md", "# One\n\nText.\n")],
    );
    let out = run_in(dir.path(), &["build", "book", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // (`[print] printer` asks for it: no flag needed)
    let print = dir.path().join("out/book.print.pdf");
    let (pages, _) = boxes(&print);
    let reading = page_count(&dir.path().join("out/book.pdf"));
    assert!(
        pages.len() % 2 == 0 && pages.len() > reading,
        "{} pages",
        pages.len()
    );
    let n = pages.len().to_string();
    let last = tool(
        "pdftotext",
        &["-f", &n, "-l", &n, print.to_str().unwrap(), "-"],
    );
    assert!(last.trim().is_empty(), "the last page has {last:?}");
}

fn page_count(pdf: &Path) -> usize {
    lopdf::Document::load(pdf).unwrap().get_pages().len()
}

#[test]
fn offset_has_crop_marks_outside_the_bleed() {
    let (_dir, _, print) = build("offset");
    let doc = lopdf::Document::load(&print).unwrap();
    let (w, h) = TRIM;
    for (&n, &id) in &doc.get_pages() {
        let media = page_box(&doc, id, b"MediaBox");
        let trim = page_box(&doc, id, b"TrimBox");
        let bleed = page_box(&doc, id, b"BleedBox");
        assert!((trim[2] - trim[0] - w).abs() < 0.01 && (trim[3] - trim[1] - h).abs() < 0.01);
        assert!(close(
            bleed,
            [
                trim[0] - BLEED,
                trim[1] - BLEED,
                trim[2] + BLEED,
                trim[3] + BLEED
            ]
        ));
        assert!(
            bleed[0] > media[0] + 18.0 && bleed[2] < media[2] - 18.0,
            "{media:?} {bleed:?}"
        );
        // eight hairlines, drawn after the page's own content
        let content = doc.get_page_content(id);
        let text = String::from_utf8_lossy(&content);
        assert_eq!(text.matches(" l S").count(), 8, "page {n}");
    }
}

#[test]
fn an_unknown_printer_in_book_toml_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write_book(
        dir.path(),
        "[book]\ntitle = \"T\"\n\n[print]\nprinter = \"gutenberg\"\n",
        &[("ch1.md", "# One\n\nText.\n")],
    );
    let out = run_in(dir.path(), &["build", "book", "--out", "out"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("book.toml") && err.contains("gutenberg"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_print_edition_needs_a_pdf_file_to_stand_beside() {
    for args in [
        &[
            "build",
            "manuscript",
            "--print",
            "kdp",
            "--out",
            "-",
            "--format",
            "pdf",
        ][..],
        &[
            "build",
            "manuscript",
            "--print",
            "kdp",
            "--format",
            "epub",
            "--out",
            "unused",
        ][..],
    ] {
        let out = run_in(&root(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("--print"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    assert!(!root().join("unused").exists());
}
