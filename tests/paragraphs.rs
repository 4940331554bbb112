//! Paragraph makeup measured on the PDF (`pdftotext -bbox-layout` lines):
//! no paragraph ends on the tail of a hyphenated word, and a reference
//! word never parts from its number nor a spaced dash from the word before.

mod common;

use common::*;

/// A line of text as poppler sees it.
#[derive(Debug)]
struct TextLine {
    page: usize,
    y: f64,
    x_max: f64,
    /// Height of its first word (body text has the most common one).
    height: f64,
    words: Vec<String>,
}

fn attr(tag: &str, name: &str) -> f64 {
    let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    tag[at..].split('"').next().unwrap().parse().unwrap()
}

/// Every text line of `pdf`, page by page, top to bottom.
fn text_lines(pdf: &std::path::Path) -> Vec<TextLine> {
    let xml = tool("pdftotext", &["-bbox-layout", pdf.to_str().unwrap(), "-"]);
    let mut lines: Vec<TextLine> = Vec::new();
    let mut page = 0;
    for row in xml.lines().map(str::trim_start) {
        if row.starts_with("<page ") {
            page += 1;
        } else if row.starts_with("<line ") {
            lines.push(TextLine {
                page,
                y: attr(row, "yMin"),
                x_max: attr(row, "xMax"),
                height: 0.0,
                words: Vec::new(),
            });
        } else if row.starts_with("<word ") {
            let line = lines.last_mut().unwrap();
            if line.words.is_empty() {
                line.height = attr(row, "yMax") - attr(row, "yMin");
            }
            let text = row.split('>').nth(1).unwrap().split('<').next().unwrap();
            line.words.push(text.replace("&amp;", "&"));
        }
    }
    lines.sort_by(|a, b| (a.page, a.y).partial_cmp(&(b.page, b.y)).unwrap());
    lines
}

/// The most common value of `values`, rounded to `step`.
fn modal(values: impl Iterator<Item = f64>, step: f64) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for v in values {
        *counts.entry((v / step).round() as i64).or_insert(0) += 1;
    }
    let best = counts.into_iter().max_by_key(|&(k, n)| (n, k)).unwrap();
    best.0 as f64 * step
}

/// Consecutive body lines on one page: (this line, the next).
fn body_pairs(lines: &[TextLine]) -> Vec<(&TextLine, &TextLine)> {
    let body = modal(lines.iter().map(|l| l.height), 0.1);
    let body: Vec<&TextLine> = lines
        .iter()
        .filter(|l| (l.height - body).abs() < 0.6)
        .collect();
    body.windows(2)
        .filter(|w| w[0].page == w[1].page && w[1].y > w[0].y && w[1].y - w[0].y < 20.0)
        .map(|w| (w[0], w[1]))
        .collect()
}

/// Builds the manuscript folder `book`; returns the PDF.
fn build(dir: &std::path::Path) -> std::path::PathBuf {
    let out = run_in(dir, &["build", "book", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir.join("out/book.pdf")
}

#[test]
fn no_paragraph_ends_on_the_tail_of_a_hyphenated_word() {
    if !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    quire::sample::write_large_book(&dir.path().join("book"), 40).unwrap();
    let pdf = build(dir.path());
    let lines = text_lines(&pdf);
    let right = modal(lines.iter().map(|l| l.x_max), 1.0);
    // a paragraph's last line: short, after a full (justified) line
    let (mut ends, mut hyphenated) = (0, Vec::new());
    for (a, b) in body_pairs(&lines) {
        if a.x_max >= right - 1.5 && b.x_max < right - 4.0 {
            ends += 1;
            let tail = b.words[0].chars().next().is_some_and(char::is_lowercase);
            if a.words.last().unwrap().ends_with('-') && tail {
                hyphenated.push(format!(
                    "p{}: {} / {}",
                    a.page,
                    a.words.join(" "),
                    b.words[0]
                ));
            }
        }
    }
    assert!(ends > 100, "only {ends} paragraph ends seen");
    assert!(hyphenated.is_empty(), "{hyphenated:#?}");
}

#[test]
fn a_reference_keeps_its_number_and_a_spaced_dash_its_word() {
    if !have("pdftotext") {
        return;
    }
    // tied pairs, and look-alikes that may break (the control: breaks
    // there show that the lines could have broken at the tied spaces too)
    let tied = "as Listing 1-1 shows, see Chapter 12 and Figure 3, Table 4 on p. 42 \
                (pp. 4–5) in Section 2 — and then";
    let free = "as Listings 1-1 show, see Chapters 12 and Figures 3, Tables 4 on page 42 \
                (pages 4–5) in Sections 2 ~ and then";
    let mut md = String::from("# Ties\n\n");
    for i in 0..40 {
        // a varying word shifts the breaks from paragraph to paragraph
        let pad = "word ".repeat(i % 7);
        md.push_str(&format!("{pad}{tied} {pad}{tied} {pad}{tied}\n\n"));
        md.push_str(&format!("{pad}{free} {pad}{free} {pad}{free}\n\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("book")).unwrap();
    std::fs::write(dir.path().join("book/a.md"), md).unwrap();
    let pdf = build(dir.path());
    let lines = text_lines(&pdf);
    let ties = [
        "Listing", "Chapter", "Figure", "Table", "p.", "(pp.", "Section",
    ];
    let looks = [
        "Listings", "Chapters", "Figures", "Tables", "page", "(pages", "Sections",
    ];
    let (mut broken, mut control) = (Vec::new(), 0);
    for (a, b) in body_pairs(&lines) {
        let last = a.words.last().unwrap().as_str();
        let next = b.words[0].as_str();
        let number = next.starts_with(|c: char| c.is_ascii_digit());
        if number && ties.contains(&last) || next.starts_with('—') {
            broken.push(format!("p{}: …{last} / {next}…", a.page));
        }
        if number && looks.contains(&last) || next.starts_with('~') {
            control += 1;
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    assert!(control > 10, "the control pairs broke only {control} times");
}
