//! `quire check` and the findings of a build: for each finding, the exit
//! code and file:line:col in the human (rustc-style) and the JSON form;
//! `--deny warnings`.

mod common;

use common::*;
use std::fs;
use std::path::Path;

/// A 1×1 PNG, for images that must exist.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn manuscript(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

/// What a finding must look like.
struct Expect<'a> {
    severity: &'a str,
    /// `None` when the code is not pinned yet.
    code: Option<&'a str>,
    file: &'a str,
    line: u64,
    column: u64,
    /// A piece of the message.
    message: &'a str,
}

/// Runs `quire check INPUT` in both forms in `dir` and asserts the exit
/// code and that the finding appears in each, at file:line:col. Returns the
/// human form.
fn assert_finding(dir: &Path, input: &str, exit: i32, e: &Expect) -> String {
    // human: `severity[code]: message` then ` --> file:line:col`
    let out = run_in(dir, &["check", input]);
    let human = stderr(&out);
    assert_eq!(out.status.code(), Some(exit), "{human}");
    let place = format!("--> {}:{}:{}", e.file, e.line, e.column);
    let found = human.split("\n\n").any(|block| {
        let mut lines = block.lines();
        let header = lines.next().unwrap_or("");
        let arrow = lines.next().unwrap_or("").trim();
        let prefix = match e.code {
            Some(code) => format!("{}[{code}]: ", e.severity),
            None => format!("{}[", e.severity),
        };
        header.starts_with(&prefix) && header.contains(e.message) && arrow == place
    });
    assert!(
        found,
        "no {} {:?} at {place} in:\n{human}",
        e.severity, e.code
    );
    // JSON: one array on stdout with the stable fields
    let out = run_in(dir, &["check", input, "--format", "json"]);
    assert_eq!(out.status.code(), Some(exit), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&out.stdout)));
    let findings = json.as_array().expect("an array");
    for f in findings {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys.len(),
            6,
            "fields are severity, code, file, line, column, message: {f}"
        );
    }
    assert!(
        findings.iter().any(|f| {
            f["severity"] == e.severity
                && e.code.is_none_or(|c| f["code"] == c)
                && f["file"] == e.file
                && f["line"] == e.line
                && f["column"] == e.column
                && f["message"].as_str().unwrap_or("").contains(e.message)
        }),
        "no {} {:?} at {}:{}:{} in {json:#}",
        e.severity,
        e.code,
        e.file,
        e.line,
        e.column
    );
    human
}

// ---- errors (exit 1) ----

#[test]
fn missing_chapter_file() {
    let dir = manuscript(&[
        ("book.toml", b"[book]\nchapters = [\"a.md\", \"gone.md\"]\n"),
        ("a.md", b"# A\n\nText.\n"),
    ]);
    assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("missing-file"),
            file: "book.toml",
            line: 2,
            column: 21,
            message: "gone.md",
        },
    );
}

#[test]
fn chapter_outside_the_folder_by_dot_dot_and_absolute_path() {
    for (listed, column) in [("../x.md", 13), ("/etc/hostname", 13)] {
        let toml = format!("[book]\nchapters = [\"{listed}\"]\n");
        let dir = manuscript(&[("book.toml", toml.as_bytes()), ("a.md", b"# A\n")]);
        assert_finding(
            dir.path(),
            ".",
            1,
            &Expect {
                severity: "error",
                code: Some("outside-folder"),
                file: "book.toml",
                line: 2,
                column,
                message: "outside the manuscript folder",
            },
        );
    }
}

#[cfg(unix)]
#[test]
fn chapter_outside_the_folder_by_symlink() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.md"), "# Secret\n").unwrap();
    let dir = manuscript(&[("book.toml", b"[book]\nchapters = [\"link.md\"]\n")]);
    std::os::unix::fs::symlink(outside.path().join("secret.md"), dir.path().join("link.md"))
        .unwrap();
    assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("outside-folder"),
            file: "book.toml",
            line: 2,
            column: 13,
            message: "resolves outside",
        },
    );
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let dir = manuscript(&[("a.md", b"# T\n\nab\xffc\n")]);
    let human = assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("invalid-utf8"),
            file: "a.md",
            line: 3,
            column: 3,
            message: "invalid UTF-8 at byte 7",
        },
    );
    // the line is shown (lossily) with the caret under the bad byte
    assert!(human.contains("3 | ab\u{FFFD}c\n  |   ^"), "{human}");
}

#[test]
fn invalid_config_names_file_line_and_key() {
    let dir = manuscript(&[
        ("book.toml", b"[book]\ntitle = \"T\"\nauthor = \"Jane\"\n"),
        ("a.md", b"# A\n"),
    ]);
    let human = assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("invalid-config"),
            file: "book.toml",
            line: 3,
            column: 1,
            message: "unknown field `author`",
        },
    );
    // and the short closing line
    assert!(
        human.contains("error: book.toml:3:1: unknown field `author`"),
        "{human}"
    );
}

#[test]
fn invalid_front_matter_names_file_line_and_key() {
    let dir = manuscript(&[(
        "essay.md",
        b"---\ntitle: T\npdf:\n  trimm: a5\n---\n\n# A\n\nText.\n",
    )]);
    assert_finding(
        dir.path(),
        "essay.md",
        1,
        &Expect {
            severity: "error",
            code: None,
            file: "essay.md",
            line: 4,
            column: 3,
            message: "unknown field `trimm`",
        },
    );
}

#[test]
fn front_matter_keys_quire_does_not_use_are_warnings() {
    // pandoc's keys for its LaTeX template: the build goes on
    let dir = manuscript(&[(
        "essay.md",
        b"---\ntitle: T\ntoc: true\ngeometry: margin=1in\n---\n\n# A\n\nText.\n",
    )]);
    for (line, key) in [(3, "`toc`"), (4, "`geometry`")] {
        assert_finding(
            dir.path(),
            "essay.md",
            0,
            &Expect {
                severity: "warning",
                code: Some("unused-front-matter"),
                file: "essay.md",
                line,
                column: 1,
                message: key,
            },
        );
    }
}

#[test]
fn link_to_a_missing_anchor() {
    let dir = manuscript(&[("a.md", b"# A\n\nSee [there](#nowhere).\n")]);
    assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: None,
            file: "a.md",
            line: 3,
            column: 5,
            message: "#nowhere",
        },
    );
}

#[test]
fn footnote_reference_without_definition() {
    let dir = manuscript(&[(
        "a.md",
        b"# A\n\nOne[^a] and two[^b].\n\n[^a]: The note.\n\n`[^c]` is code.\n",
    )]);
    let human = assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("undefined-footnote"),
            file: "a.md",
            line: 3,
            column: 16,
            message: "`[^b]` has no definition",
        },
    );
    assert!(
        human.contains("3 | One[^a] and two[^b].\n  |                ^\n"),
        "{human}"
    );
    // `[^c]` in code is not a reference
    assert!(!human.contains("[^c]"), "{human}");
}

#[test]
fn missing_image_file() {
    let dir = manuscript(&[("a.md", b"# A\n\nText ![a chart](img/chart.png).\n")]);
    assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("missing-image"),
            file: "a.md",
            line: 3,
            column: 6,
            message: "img/chart.png",
        },
    );
}

#[test]
fn image_outside_the_folder() {
    let dir = manuscript(&[("a.md", b"# A\n\nText ![a chart](../chart.png).\n")]);
    assert_finding(
        dir.path(),
        ".",
        1,
        &Expect {
            severity: "error",
            code: Some("outside-folder"),
            file: "a.md",
            line: 3,
            column: 6,
            message: "outside the manuscript folder",
        },
    );
}

#[test]
fn build_fails_on_errors_and_writes_nothing() {
    let dir = manuscript(&[("a.md", b"# A\n\nOne[^missing].\n")]);
    let out = run_in(
        dir.path(),
        &["build", ".", "--out", "out", "--format", "pdf,json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["code"], "undefined-footnote", "{json}");
    assert!(
        !dir.path().join("out").exists()
            || fs::read_dir(dir.path().join("out"))
                .unwrap()
                .next()
                .is_none()
    );
}

// ---- warnings (exit 0, or 1 with --deny warnings) ----

fn warning(files: &[(&str, &[u8])], code: &str, line: u64, column: u64, message: &str) {
    let dir = manuscript(files);
    let e = Expect {
        severity: "warning",
        code: Some(code),
        file: "a.md",
        line,
        column,
        message,
    };
    assert_finding(dir.path(), ".", 0, &e);
    // --deny warnings: the same finding, and exit 1
    let out = run_in(dir.path(), &["check", ".", "--deny", "warnings"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("warning[{code}]")),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("denied by --deny warnings"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unused_footnote_definition() {
    warning(
        &[("a.md", b"# A\n\nText.\n\n[^u]: Nobody cites me.\n")],
        "unused-footnote",
        5,
        1,
        "`u` is defined but never referenced",
    );
}

#[test]
fn duplicate_heading_id() {
    warning(
        &[(
            "a.md",
            b"# A\n\n## Same {#s}\n\nText.\n\n## Other {#s}\n\nMore.\n",
        )],
        "duplicate-id",
        7,
        1,
        "`s`",
    );
}

#[test]
fn heading_level_jump() {
    warning(
        &[("a.md", b"# A\n\n## B\n\nText.\n\n#### D\n\nMore.\n")],
        "heading-level-jump",
        7,
        1,
        "from h2 to h4",
    );
}

#[test]
fn image_without_alt_text() {
    warning(
        &[
            ("a.md", b"# A\n\nA figure: ![](dot.png) inline.\n"),
            ("dot.png", PNG),
        ],
        "image-without-alt",
        3,
        11,
        "no alternative text",
    );
}

#[test]
fn raw_html_that_was_dropped() {
    warning(
        &[(
            "a.md",
            b"# A\n\nText.\n\n<div onclick=\"steal()\">Hello</div>\n\n<script>steal()</script>\n",
        )],
        "raw-html",
        7,
        1,
        "<script>",
    );
}

#[test]
fn character_no_font_covers() {
    warning(
        &[("a.md", "# A\n\nThe word 中 is Chinese.\n".as_bytes())],
        "missing-glyph",
        3,
        10,
        "U+4E2D",
    );
}

#[test]
fn word_too_long_for_the_line() {
    // broken anywhere rather than overflowing the text block, and reported
    let text = format!("# A\n\nBefore {} after.\n", "a".repeat(300));
    warning(
        &[("a.md", text.as_bytes())],
        "long-word",
        3,
        1,
        "broken without a hyphen",
    );
}

#[test]
fn build_reports_the_same_findings_and_deny_keeps_earlier_outputs() {
    let dir = manuscript(&[("a.md", b"# A\n\nText.\n")]);
    let ok = run_in(
        dir.path(),
        &["build", ".", "--out", "out", "--format", "pdf"],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let pdf = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let before = fs::read(&pdf).unwrap();
    fs::write(dir.path().join("a.md"), "# A\n\nText.\n\n#### Jump\n").unwrap();
    // warnings alone: built, findings reported, exit 0
    let warned = run_in(
        dir.path(),
        &["build", ".", "--out", "out", "--format", "pdf,json"],
    );
    assert_eq!(warned.status.code(), Some(0), "{}", stderr(&warned));
    let json: serde_json::Value = serde_json::from_slice(&warned.stdout).unwrap();
    assert_eq!(json[0]["code"], "heading-level-jump", "{json}");
    assert_eq!(json[0]["line"], 5);
    let rebuilt = fs::read(&pdf).unwrap();
    fs::write(&pdf, &before).unwrap();
    // denied: exit 1, the earlier output untouched
    let denied = run_in(
        dir.path(),
        &[
            "build", ".", "--out", "out", "--format", "pdf", "--deny", "warnings",
        ],
    );
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(stderr(&denied).contains("warning[heading-level-jump]"));
    assert_eq!(fs::read(&pdf).unwrap(), before);
    assert_ne!(rebuilt, before);
}

#[test]
fn clean_manuscript_checks_clean() {
    let out = run_in(&root(), &["check", "manuscript", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.as_array().unwrap().is_empty(), "{json:#}");
    let out = run_in(&root(), &["check", "manuscript", "--deny", "warnings"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("check: no problems found"));
}

#[test]
fn missing_input_is_an_error_finding() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["check", "nope", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(json[0]["file"], "nope");
}
