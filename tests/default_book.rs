//! End to end on the default book: `quire build` into a temporary folder,
//! then check the outputs with real tools.

mod common;

use common::*;

fn seed_words() -> Vec<String> {
    // the manuscript is the seed text with four lead sentences made headings:
    // its words, in order, are the seed's words
    let text =
        std::fs::read_to_string(root().join("manuscript/01-moderate-prosperity.md")).unwrap();
    text.lines()
        .map(|l| {
            let l = l.trim_start_matches('#').trim();
            match l.rfind(" {#") {
                Some(i) => &l[..i],
                None => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn build_default() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        &root(),
        &["build", "manuscript", "--out", dir.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    dir
}

#[test]
fn manuscript_keeps_the_seed_words() {
    let seed: Vec<String> = std::fs::read_to_string(root().join("tests/fixtures/seed.txt"))
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(
        seed_words(),
        [
            vec!["Moderate", "Prosperity", "and", "Human", "Rights"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
            seed
        ]
        .concat()
    );
}

#[test]
fn pdf_text_extracts_every_word_in_order() {
    let dir = build_default();
    let pdf = dir.path().join("manuscript.pdf");
    assert!(pdf.is_file());
    if !have("pdftotext") {
        return;
    }
    let text = pdftotext(&pdf);
    assert!(
        !text.contains('\u{FFFD}'),
        "replacement characters in the text"
    );
    for lig in ['\u{FB00}', '\u{FB01}', '\u{FB02}', '\u{FB03}', '\u{FB04}'] {
        assert!(
            !text.contains(lig),
            "ligature code point {lig:?} in extracted text"
        );
    }
    let extracted = words_dehyphenated(&text);
    // every word of the manuscript, in order, as a subsequence of the PDF's words
    let mut at = 0;
    for word in seed_words() {
        match extracted[at..].iter().position(|w| *w == word) {
            Some(i) => at += i + 1,
            None => panic!("`{word}` missing (after word {at}) in:\n{text}"),
        }
    }
    for word in ["efficient", "flourishing", "significantly", "people’s"] {
        assert!(
            extracted
                .iter()
                .any(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '’') == word),
            "{word}"
        );
    }
}

#[test]
fn pdf_fonts_are_embedded_and_subset() {
    let dir = build_default();
    let pdf = dir.path().join("manuscript.pdf");
    if !have("pdffonts") {
        return;
    }
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        // name type… encoding emb sub uni object ID
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "not embedded/subset/unicode: {row}"
        );
        assert!(cols[0].chars().nth(6) == Some('+'), "no subset tag: {row}");
    }
}

#[test]
fn pdf_is_well_formed_with_labels_outline_and_trim() {
    let dir = build_default();
    let pdf = dir.path().join("manuscript.pdf");
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    if !have("qpdf") || !have("pdfinfo") {
        return;
    }
    let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("Page size:       432 x 648 pts"), "{info}");
    assert!(
        info.contains("Title:           Moderate Prosperity and Human Rights"),
        "{info}"
    );
    assert!(info.contains("Metadata Stream: yes"), "{info}");
    // a tagged PDF, in which poppler finds nothing to complain of
    assert!(info.contains("Tagged:          yes"), "{info}");
    let said = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let complaints = String::from_utf8_lossy(&said.stderr);
    assert!(complaints.trim().is_empty(), "pdfinfo: {complaints}");
    // the XMP says what the information dictionary says, dated by the build
    let xmp = tool("pdfinfo", &["-meta", pdf.to_str().unwrap()]);
    for expected in [
        "<rdf:li xml:lang=\"x-default\">Moderate Prosperity and Human Rights</rdf:li>",
        "<xmp:CreateDate>2021-08-12T00:00:00Z</xmp:CreateDate>",
        "<dc:language><rdf:Bag><rdf:li>en</rdf:li></rdf:Bag></dc:language>",
    ] {
        assert!(xmp.contains(expected), "XMP lacks {expected}: {xmp}");
    }
    // page labels: roman front matter, arabic body
    let json = tool(
        "qpdf",
        &[
            "--json",
            "--json-key=pagelabels",
            "--json-key=outlines",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(json.contains("\"/S\": \"/r\""), "{json}");
    assert!(json.contains("\"/S\": \"/D\""), "{json}");
    for heading in [
        "Moderate Prosperity and Human Rights",
        "Strengthening legal protection for human rights.",
    ] {
        assert!(json.contains(heading), "outline lacks {heading}: {json}");
    }
}

#[test]
fn contents_entries_are_links() {
    let dir = build_default();
    let pdf = dir.path().join("manuscript.pdf");
    if !have("qpdf") {
        return;
    }
    // every object, in qpdf's JSON: link annotations are indirect objects
    let json = tool(
        "qpdf",
        &["--json=2", "--json-key=qpdf", pdf.to_str().unwrap()],
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let annotations = json["qpdf"][1]
        .as_object()
        .unwrap()
        .values()
        .filter(|o| o["value"]["/Subtype"] == "/Link" && o["value"]["/P"].is_string())
        .count();
    // the chapter and its four sections in the contents, at least
    assert!(annotations >= 5, "{annotations} link annotations");
}

#[test]
fn tree_lists_the_four_section_headings() {
    let out = run_in(&root(), &["tree"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut headings = Vec::new();
    for chapter in tree["chapters"].as_array().unwrap() {
        for block in chapter["blocks"].as_array().unwrap() {
            if block["kind"]["type"] == "heading" {
                headings.push(
                    block["kind"]["content"][0]["text"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                );
            }
        }
    }
    assert_eq!(
        headings,
        [
            "Providing a solid material foundation for protecting and developing human rights.",
            "Providing a solid political and democratic foundation for protecting and developing human rights.",
            "Strengthening legal protection for human rights.",
            "Fostering a culture to respect and protect human rights throughout society.",
        ]
    );
}

#[test]
fn builds_are_byte_identical() {
    let a = build_default();
    let b = build_default();
    for name in ["manuscript.pdf", "manuscript.epub"] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name} differs between two builds");
    }
}
