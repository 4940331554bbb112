//! Overfull lines: every `overfull-line` finding is a line the PDF shows
//! past the measure, by the width the finding gives; a book of tables at
//! their natural widths has none.

mod common;

use common::*;

/// Builds `markdown` as a one-file book; returns the folder, the report and
/// the findings printed on stderr.
fn build(markdown: &str) -> (tempfile::TempDir, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), markdown).unwrap();
    let out = run_in(dir.path(), &["build", "a.md", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = std::fs::read(dir.path().join("out/a.report.json")).unwrap();
    (dir, serde_json::from_slice(&report).unwrap(), stderr(&out))
}

/// (xMin, xMax, word) of the words on page `page` of `pdf`.
fn words_on_page(pdf: &std::path::Path, page: usize) -> Vec<(f64, f64, String)> {
    let p = page.to_string();
    let html = tool(
        "pdftotext",
        &["-bbox", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"],
    );
    let attr = |line: &str, name: &str| -> f64 {
        let at = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let text = l.split('>').nth(1).unwrap().split('<').next().unwrap();
            (attr(l, "xMin"), attr(l, "xMax"), text.to_string())
        })
        .collect()
}

#[test]
fn a_book_of_tables_has_no_overfull_line() {
    let mut md = String::from("# Tables\n\n");
    for t in 0..30 {
        md.push_str(&format!(
            "Table {t} follows.\n\n| Symbol | Area | Measure | Change |\n|--|:-----|:-------:|-------:|\n\
             | stop | Income {t} | distribution reformed | +{t}.{t}% |\n| go | Health | overall level | +3.{t}% |\n\
             | plain | Education | compulsory, free | 100% |\n\n"
        ));
    }
    let (_dir, report, stderr) = build(&md);
    assert_eq!(report["overfull"].as_array().unwrap().len(), 0, "{report}");
    assert!(!stderr.contains("overfull-line"), "{stderr}");
}

#[test]
fn an_overfull_line_is_reported_with_the_width_the_pdf_shows() {
    // a paragraph of three-letter words (no hyphenation, no protrusion):
    // its justified lines end at the right edge of the measure; below it a
    // table of 25 columns, each narrower than a bold W
    let para = "abc def ghi jkl mno pqr stu vwx yza bcd efg hij klm nop ".repeat(12);
    let n = 25;
    let md = format!(
        "# T\n\n{para}\n\n|{}|\n|{}|\n|{}|\n",
        vec!["W"; n].join("|"),
        vec!["-"; n].join("|"),
        vec!["x"; n].join("|")
    );
    let (dir, report, stderr) = build(&md);
    let overfull = report["overfull"].as_array().unwrap();
    assert_eq!(overfull.len(), 2 * n, "one line per cell: {report}");
    assert!(stderr.contains("warning[overfull-line]"), "{stderr}");
    assert!(
        !stderr.contains("long-word"),
        "a glyph is not a broken word"
    );
    let widest = overfull
        .iter()
        .map(|o| o["excess"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(stderr.contains(&format!("a line is {widest:.1}pt too wide")));
    if !have("pdftotext") {
        return;
    }
    let pdf = dir.path().join("out/a.pdf");
    let pages = report["pages"].as_u64().unwrap() as usize;
    let words = words_on_page(&pdf, pages);
    // the right edge of the measure: where the paragraph's lines end
    let right = words
        .iter()
        .filter(|(_, _, w)| w.len() == 3 && w.chars().all(|c| c.is_ascii_lowercase()))
        .map(|w| w.1)
        .fold(0.0, f64::max);
    let last_w = words
        .iter()
        .filter(|(_, _, w)| w.starts_with('W'))
        .map(|w| w.1)
        .fold(0.0, f64::max);
    assert!(
        (last_w - right - widest).abs() < 0.05,
        "the PDF shows the last W {:.3}pt past the measure, the report {widest:.3}pt",
        last_w - right
    );
}
