//! The command line: exit codes, error messages with file:line:col, `init`.

mod common;

use common::*;
use std::fs;

fn manuscript(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn unknown_key_in_book_toml_is_exit_1_with_file_line_and_key() {
    let dir = manuscript(&[
        ("book.toml", "[book]\ntitle = \"T\"\nauthor = \"Jane\"\n"),
        ("a.md", "# A\n\nText.\n"),
    ]);
    let out = run_in(dir.path(), &["build", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error: book.toml:3:1: unknown field `author`"),
        "{err}"
    );
}

#[test]
fn toml_syntax_error_is_exit_1_with_line() {
    let dir = manuscript(&[
        ("book.toml", "[book]\ntitle = = \"T\"\n"),
        ("a.md", "# A\n"),
    ]);
    let out = run_in(dir.path(), &["build", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: book.toml:2:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn wrong_type_names_the_key() {
    let dir = manuscript(&[("book.toml", "[book]\nauthors = 3\n"), ("a.md", "# A\n")]);
    let out = run_in(dir.path(), &["tree", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("book.toml:2:") && err.contains("authors"),
        "{err}"
    );
}

#[test]
fn missing_chapter_file_is_an_error_at_its_listing() {
    let dir = manuscript(&[
        (
            "book.toml",
            "[book]\ntitle = \"T\"\nchapters = [\"a.md\", \"gone.md\"]\n",
        ),
        ("a.md", "# A\n"),
    ]);
    let out = run_in(dir.path(), &["build", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("book.toml:3:") && err.contains("gone.md"),
        "{err}"
    );
}

#[test]
fn chapter_outside_the_folder_is_refused() {
    let dir = manuscript(&[
        ("book.toml", "chapters = [\"../x.md\"]\n[book]\n"),
        ("a.md", "# A\n"),
    ]);
    // `chapters` belongs in [book]; put it there
    fs::write(
        dir.path().join("book.toml"),
        "[book]\nchapters = [\"../x.md\"]\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["build", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("outside the manuscript folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_internal_link_is_an_error_with_position() {
    let dir = manuscript(&[("a.md", "# A\n\nSee [there](#nowhere).\n")]);
    let out = run_in(dir.path(), &["tree", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: a.md:3:5: link to `#nowhere`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_flag_is_exit_2() {
    let out = run_in(&root(), &["build", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_in(&root(), &["nonsense"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_is_exit_0() {
    let out = run_in(&root(), &["build", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Build the PDF and the EPUB"));
}

#[test]
fn empty_manuscript_is_exit_1() {
    let dir = manuscript(&[("a.md", "   \n\n")]);
    let out = run_in(dir.path(), &["build", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing to publish"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn failed_build_writes_nothing_and_keeps_earlier_outputs() {
    let dir = manuscript(&[("a.md", "# A\n\nText.\n")]);
    let out_dir = dir.path().join("out");
    let ok = run_in(
        dir.path(),
        &["build", ".", "--out", "out", "--format", "pdf"],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let name = book_name(dir.path());
    let pdf = out_dir.join(format!("{name}.pdf"));
    let before = fs::read(&pdf).unwrap();
    fs::write(dir.path().join("a.md"), "# A\n\n[x](#missing)\n").unwrap();
    let bad = run_in(dir.path(), &["build", ".", "--out", "out"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        fs::read(&pdf).unwrap(),
        before,
        "earlier output was touched"
    );
    let entries: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !entries
            .iter()
            .any(|n| n.to_string_lossy().ends_with(".epub")),
        "{entries:?}"
    );
    assert!(
        !entries
            .iter()
            .any(|n| n.to_string_lossy().starts_with(".quire-")),
        "{entries:?}"
    );
}

#[test]
fn single_markdown_file_with_front_matter() {
    let dir = manuscript(&[(
        "essay.md",
        "---\ntitle: An Essay\nauthor: Jane Roe\n---\n\n# One\n\nText with a note.[^n]\n\n[^n]: The note.\n",
    )]);
    let out = run_in(dir.path(), &["tree", "essay.md"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tree["meta"]["title"], "An Essay");
    assert_eq!(tree["meta"]["authors"][0], "Jane Roe");
    let built = run_in(
        dir.path(),
        &["build", "essay.md", "--out", "o", "--format", "pdf"],
    );
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(dir.path().join("o/essay.pdf").is_file());
}

#[test]
fn init_writes_a_manuscript_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "book"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = run_in(dir.path(), &["build", "book", "--out", "o"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(dir.path().join("o/book.pdf").is_file());
    assert!(dir.path().join("o/book.epub").is_file());
    // the sample shows the features, and builds without a single warning
    assert!(!stderr(&built).contains("warning"), "{}", stderr(&built));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("o/book.report.json")).unwrap())
            .unwrap();
    assert!(report["pages"].as_u64().unwrap() >= 8);
    // and refuses to overwrite
    let again = run_in(dir.path(), &["init", "book"]);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn out_dash_writes_the_one_output_to_stdout() {
    let dir = manuscript(&[("a.md", "# A\n\nText.\n")]);
    let out = run_in(
        dir.path(),
        &["build", ".", "--out", "-", "--format", "pdf", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"%PDF-"), "stdout is not a PDF");
    assert!(stderr(&out).is_empty(), "--quiet: {}", stderr(&out));
    // two outputs, or findings as JSON, cannot share stdout: a usage error
    for args in [
        &["build", ".", "--out", "-"][..],
        &["build", ".", "--out", "-", "--format", "pdf,json"][..],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn explicit_pdf_and_epub_paths() {
    let dir = manuscript(&[("a.md", "# A\n\nText.\n")]);
    let out = run_in(
        dir.path(),
        &[
            "build",
            ".",
            "--pdf",
            "print/book.pdf",
            "--epub",
            "book.epub",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::read(dir.path().join("print/book.pdf"))
        .unwrap()
        .starts_with(b"%PDF-"));
    assert!(fs::read(dir.path().join("book.epub"))
        .unwrap()
        .starts_with(b"PK"));
    // nothing went to the default output folder
    assert!(!dir.path().join("output").exists());
    assert!(stderr(&out).contains("wrote print/book.pdf, book.epub"));
}

#[test]
fn verbose_prints_stage_timings() {
    let dir = manuscript(&[("a.md", "# A\n\nText.\n")]);
    let out = run_in(
        dir.path(),
        &["-v", "build", ".", "--out", "o", "--format", "pdf"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for stage in ["loading: ", "reading: ", "typesetting: ", "writing pdf: "] {
        assert!(err.contains(stage), "{stage} missing in {err}");
    }
    // not a terminal: no progress bar (no carriage returns or escapes)
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_quire()"),
        ("zsh", "#compdef quire"),
        ("fish", "complete -c quire"),
    ] {
        let out = run_in(&root(), &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("check"), "{shell}: no `check` subcommand");
    }
    let out = run_in(&root(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}
