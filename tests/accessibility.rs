//! EPUB accessibility as Ace by DAISY judges it (EPUB Accessibility 1.1,
//! WCAG 2.1 AA): the default book, a generated 100-chapter book with every
//! construct, a right-to-left book and a book whose headings skip levels
//! have no violation; an image without alternative text is reported, and
//! the EPUB then makes no conformance claim.

mod common;

use std::path::Path;

use common::{ace, epubcheck, run_in, stderr};

fn build(dir: &Path, input: &str) -> std::path::PathBuf {
    let out = run_in(dir, &["build", input, "--out", "out", "--format", "epub"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let name = Path::new(input)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| s != ".")
        .unwrap_or_else(|| common::book_name(dir));
    dir.join("out").join(format!("{name}.epub"))
}

fn entry(epub: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
    text
}

fn assert_ace_clean(epub: &Path) {
    if let Some((violations, report)) = ace(epub) {
        assert_eq!(violations, 0, "Ace:\n{report}");
    }
    if let Some((errors, warnings, messages)) = epubcheck(epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

#[test]
fn the_default_book_is_ace_clean() {
    let dir = tempfile::tempdir().unwrap();
    let epub = build(
        dir.path(),
        common::root().join("manuscript").to_str().unwrap(),
    );
    assert_ace_clean(&epub);
    let opf = entry(&epub, "OEBPS/content.opf");
    assert!(
        opf.contains("<package version=\"3.0\" xml:lang=\"en\""),
        "{opf}"
    );
    assert!(
        opf.contains("EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
        "{opf}"
    );
    let nav = entry(&epub, "OEBPS/nav.xhtml");
    assert!(nav.contains("epub:type=\"toc\" role=\"doc-toc\""), "{nav}");
}

#[test]
fn a_generated_book_with_every_construct_is_ace_clean() {
    let dir = tempfile::tempdir().unwrap();
    quire::sample::write_large_book(&dir.path().join("book"), 100).unwrap();
    let epub = build(dir.path(), "book");
    assert_ace_clean(&epub);
}

#[test]
fn a_right_to_left_book_says_so_and_is_ace_clean() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rtl")).unwrap();
    std::fs::write(
        dir.path().join("rtl/book.toml"),
        "[book]\ntitle = \"ספר\"\nauthors = [\"מחבר\"]\nlanguage = \"he\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rtl/a.md"),
        "# פרק ראשון\n\nשלום עולם. זהו ספר בעברית, עם מילה באנגלית: English inside.\n\n## סעיף\n\nטקסט נוסף.[^1]\n\n[^1]: הערה.\n",
    )
    .unwrap();
    let epub = build(dir.path(), "rtl");
    let opf = entry(&epub, "OEBPS/content.opf");
    assert!(opf.contains("xml:lang=\"he\" dir=\"rtl\""), "{opf}");
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    let chapter = entry(&epub, "OEBPS/chapter-01.xhtml");
    assert!(
        chapter.contains("lang=\"he\" xml:lang=\"he\" dir=\"rtl\""),
        "{chapter}"
    );
    assert_ace_clean(&epub);
}

#[test]
fn headings_that_skip_levels_are_relevelled_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("skips.md"),
        "# Skips\n\n#### Too deep\n\nText.\n\n## Fine\n\n#### Skipped again\n\nText.\n\n# Second\n\n### Starts at three\n\nText.\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", "skips.md", "--out", "out", "--format", "epub"],
    );
    let err = stderr(&out);
    assert_eq!(
        err.matches("warning[heading-level-jump]").count(),
        3,
        "{err}"
    );
    assert!(err.contains("the EPUB sets it as h2"), "{err}");
    let epub = dir.path().join("out/skips.epub");
    let chapter = entry(&epub, "OEBPS/chapter-01.xhtml");
    assert!(chapter.contains("<h2 id=\"too-deep\">"), "{chapter}");
    assert!(chapter.contains("<h3 id=\"skipped-again\">"), "{chapter}");
    assert_ace_clean(&epub);
}

#[test]
fn an_image_without_alt_text_is_reported_and_no_conformance_is_claimed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ellipse.png"), quire::sample::IMAGE).unwrap();
    std::fs::write(
        dir.path().join("a.md"),
        "# A\n\nAn ornament ![](ellipse.png){.decorative} needs none.\n\n![](ellipse.png)\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", "a.md", "--out", "out", "--format", "epub"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // only the image the author did not mark decorative
    assert_eq!(
        err.matches("warning[image-without-alt]").count(),
        1,
        "{err}"
    );
    assert!(err.contains("info[no-conformance-claim]"), "{err}");
    let epub = dir.path().join("out/a.epub");
    let opf = entry(&epub, "OEBPS/content.opf");
    assert!(!opf.contains("dcterms:conformsTo"), "{opf}");
    assert!(!opf.contains(">alternativeText<"), "{opf}");
    // reading the text alone is not enough: an image has nothing to say
    // (three images: the cover and the two)
    assert!(
        opf.contains("\"schema:accessModeSufficient\">textual,visual</meta>"),
        "{opf}"
    );
    assert!(
        !opf.contains("\"schema:accessModeSufficient\">textual</meta>"),
        "{opf}"
    );
    assert!(!opf.contains(">MathML<"), "{opf}");
    assert!(
        err.contains("1 of 3 images have no alternative text"),
        "{err}"
    );
    let chapter = entry(&epub, "OEBPS/chapter-01.xhtml");
    assert!(
        chapter.contains("alt=\"\" role=\"presentation\""),
        "{chapter}"
    );
    // Ace sees the image without alt text too: never hidden from the author
    if let Some((violations, report)) = ace(&epub) {
        assert!(violations >= 1, "Ace:\n{report}");
    }
}
