//! Images end to end: PNG (with alpha) and JPEG land in the PDF as image
//! XObjects and in the EPUB as resources; broken ones are warnings.

mod common;

use common::*;
use std::fs;

fn book_with_images() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    fs::copy(fixtures.join("ellipse.png"), dir.path().join("ellipse.png")).unwrap();
    fs::copy(fixtures.join("block.jpg"), dir.path().join("block.jpg")).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# Pictures\n\nBefore.\n\n![An ellipse](ellipse.png)\n\nBetween.\n\n![A block](block.jpg)\n\nAfter.\n",
    )
    .unwrap();
    dir
}

#[test]
fn png_and_jpeg_are_embedded_in_both_outputs() {
    let dir = book_with_images();
    let out = run_in(dir.path(), &["build", ".", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let name = book_name(dir.path());
    let pdf = dir.path().join(format!("o/{name}.pdf"));
    let epub = dir.path().join(format!("o/{name}.epub"));
    // the EPUB holds both files and refers to them
    let bytes = fs::read(&epub).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("images/img-1.jpg") || text.contains("images/img-2.jpg"),
        "no jpg in the EPUB"
    );
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    if !have("pdfimages") || !have("qpdf") {
        return;
    }
    let list = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert!(
        list.contains(" image ") && list.contains(" smask ") && list.contains(" jpeg "),
        "{list}"
    );
    let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let text = pdftotext(&pdf);
    assert!(
        text.contains("An ellipse") && text.contains("A block"),
        "captions: {text}"
    );
}

/// An image inside a paragraph is set in its line, foot on the baseline,
/// as LaTeX and pandoc set one: in the PDF it is drawn, not replaced by its
/// alternative text.
#[test]
fn an_inline_image_is_drawn_in_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    fs::copy(fixtures.join("ellipse.png"), dir.path().join("ellipse.png")).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# Inline\n\nA line with a small ![little ellipse](ellipse.png) picture in it.\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["build", ".", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join(format!("o/{}.pdf", book_name(dir.path())));
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    let text = pdftotext(&pdf);
    assert!(
        text.contains("small") && text.contains("picture in it"),
        "{text}"
    );
    assert!(
        !text.contains("little ellipse"),
        "the alt text is set: {text}"
    );
    if !have("pdfimages") {
        return;
    }
    let list = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    let images = list
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count();
    assert_eq!(images, 1, "{list}");
}

#[test]
fn a_corrupt_or_huge_image_is_a_warning_and_the_alt_text_stands_in() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("broken.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    // a PNG header claiming 60,000 × 60,000 pixels (a decompression bomb)
    let mut bomb = fs::read(root().join("tests/fixtures/images/ellipse.png")).unwrap();
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    fs::write(dir.path().join("bomb.png"), bomb).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# T\n\n![Broken picture](broken.png)\n\n![Huge picture](bomb.png)\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", ".", "--out", "o", "--format", "pdf,epub"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("bad-image") && err.contains("a.md:3:1"),
        "{err}"
    );
    assert!(err.contains("60000 × 60000"), "{err}");
}
