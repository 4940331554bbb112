//! The PDF against the standards a publisher's PDF is held to, checked by
//! veraPDF (`tests/verapdf/Validate.java`): PDF/A-2u (archivable, every
//! glyph mapped to Unicode) and PDF/UA-1 (tagged: every text in a
//! structure element or an artifact, figures with alternative text, links
//! tagged and described) on the default book, a generated book with every
//! construct, and a book whose text needs the machine's fallback fonts,
//! with images.

mod common;
use common::*;
use std::path::Path;

/// Builds the manuscript folder `book` into `out`, with the fallback fonts
/// of `font_dirs`; returns the PDF's path.
fn build(book: &Path, out: &Path, font_dirs: &str) -> std::path::PathBuf {
    let done = quire()
        .args([
            "build",
            book.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .env("QUIRE_FONT_DIRS", font_dirs)
        .output()
        .expect("run quire");
    assert!(done.status.success(), "build failed: {}", stderr(&done));
    out.join(format!("{}.pdf", book_name(book)))
}

/// Asserts that `pdf` is PDF/A-2u and PDF/UA-1.
fn assert_complies(pdf: &Path) {
    for flavour in ["2u", "ua1"] {
        if let Some((compliant, report)) = verapdf(pdf, flavour) {
            assert!(
                compliant,
                "{} is not PDF/{flavour}:\n{report}",
                pdf.display()
            );
        }
    }
}

#[test]
fn the_default_book_is_pdf_a_2u_and_pdf_ua_1() {
    let out = tempfile::tempdir().unwrap();
    let pdf = build(&root().join("manuscript"), out.path(), "");
    assert_complies(&pdf);
}

#[test]
fn a_generated_book_with_every_construct_is_pdf_a_2u_and_pdf_ua_1() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    quire::sample::write_large_book(&book, 100).unwrap();
    let pdf = build(&book, &dir.path().join("out"), "");
    assert_complies(&pdf);
}

#[test]
fn a_book_in_fallback_fonts_with_images_is_pdf_a_2u_and_pdf_ua_1() {
    let fonts = Path::new("/usr/share/fonts/truetype/noto/NotoSerifDevanagari-Regular.ttf");
    if !fonts.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "fonts-noto-core is required in CI (.ci/run installs it)"
        );
        eprintln!("note: Noto fonts missing; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let book = write_book(
        dir.path(),
        "[book]\ntitle = \"Scripts\"\nauthors = [\"A. Writer\", \"B. Writer\"]\n\
         language = \"en\"\ndate = \"2026-01-01\"\ndescription = \"Text in several scripts.\"\n",
        &[],
    );
    // Devanagari syllables whose glyphs stand for no character of their
    // own (half forms, a reordered vowel sign), a mirrored bracket in
    // Arabic, a character no font has, an image and an SVG figure, a
    // display formula (its TeX its alternative description)
    std::fs::write(
        book.join("ch1.md"),
        "# Scripts\n\nHindi हिन्दी and संस्कृत, Arabic (قوس) العربية, Korean 한국어, \
         Chinese 中文, and 🦀 that no font has.\n\n\
         ![An ellipse](ellipse.png)\n\n![A diagram](diagram.svg)\n\n\
         $$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$\n",
    )
    .unwrap();
    std::fs::write(book.join("ellipse.png"), quire::sample::IMAGE).unwrap();
    std::fs::write(book.join("diagram.svg"), quire::sample::DIAGRAM).unwrap();
    let pdf = build(&book, &dir.path().join("out"), "/usr/share/fonts");
    assert_complies(&pdf);
}
