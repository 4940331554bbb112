//! End to end on a generated book of 400 chapters (lists, quotes, code,
//! tables, footnotes, links across chapters): the PDF's text comes back
//! exactly, fonts are embedded and subset, page labels and outline exist.

mod common;

use common::*;

#[test]
fn large_book_round_trips_through_pdftotext() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    quire::sample::write_large_book(&book, 400).unwrap();
    let out = run_in(dir.path(), &["build", "book", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join("out/book.pdf");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/book.report.json")).unwrap())
            .unwrap();
    let pages = report["pages"].as_u64().unwrap();
    assert!(pages >= 800, "{pages} pages");
    assert!(report["longest_hyphen_run"].as_u64().unwrap() <= 2);
    if !have("pdftotext") || !have("pdffonts") || !have("qpdf") {
        return;
    }
    // every prose word of every chapter, in order (headings, notes and
    // running heads interleave, so the check is a subsequence)
    let text = pdftotext(&pdf);
    assert!(!text.contains('\u{FFFD}'));
    assert!(!text.contains('\u{FB01}') && !text.contains('\u{FB03}'));
    let extracted = words_dehyphenated(&text);
    let mut at = 0;
    for (name, content) in quire::sample::large_book(400).into_iter().skip(1) {
        // the first paragraph after the chapter heading
        let para = content.split("\n\n").nth(1).unwrap();
        for word in para.split_whitespace() {
            match extracted[at..].iter().position(|w| w == word) {
                Some(i) => at += i + 1,
                None => panic!("{name}: `{word}` not found in order"),
            }
        }
    }
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    for row in fonts.lines().skip(2) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
    }
    let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let json = tool(
        "qpdf",
        &[
            "--json",
            "--json-key=pagelabels",
            "--json-key=outlines",
            pdf.to_str().unwrap(),
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["outlines"].as_array().unwrap().len(),
        401,
        "contents + 400 chapters at the top level"
    );
    let nested = json["outlines"][1]["kids"].as_array().unwrap();
    assert_eq!(nested.len(), 2, "sections nest under their chapter");
    assert_eq!(json["pagelabels"].as_array().unwrap().len(), 2);
    // the e-book of the same book: valid, with a page-list of one entry per body page
    let epub = dir.path().join("out/book.epub");
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&epub).unwrap()).unwrap();
    let mut nav = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("OEBPS/nav.xhtml").unwrap(), &mut nav)
        .unwrap();
    let list = nav
        .split("epub:type=\"page-list\"")
        .nth(1)
        .expect("a page-list");
    let entries = list.matches("<li>").count() as u64;
    let body_pages = json["pagelabels"][1]["index"]
        .as_u64()
        .map(|front| pages - front)
        .unwrap();
    assert_eq!(entries, body_pages);
}
