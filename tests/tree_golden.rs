//! Golden tests of the Markdown reader: Markdown → document tree, one
//! fixture per construct.
//!
//! Layout of `tests/fixtures/tree/`:
//!
//! - `<name>.md` is a single-file manuscript; `<name>/` is a folder
//!   manuscript (several `.md` files, optionally a `book.toml`);
//! - `<name>.json` beside it is the expected tree:
//!   `serde_json::to_string_pretty(&read.book)` plus a final newline;
//! - `<name>.diagnostics.txt` holds the expected diagnostics, one `Display`
//!   line each, in the order the reader reports them. It exists only when
//!   there are diagnostics: a missing file means "no diagnostics expected".
//!
//! Each test is named after its fixture. To accept the current output
//! (after checking it by eye!), run
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test tree_golden
//! ```
//!
//! which rewrites the `.json` files and writes or removes the
//! `.diagnostics.txt` files. Without the switch a mismatch fails and shows
//! the first differing line.

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tree")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Reads the fixture `name` (file `<name>.md` or folder `<name>/`) and
/// compares its tree and diagnostics with the expected files.
fn golden(name: &str) {
    let dir = fixtures();
    let file = dir.join(format!("{name}.md"));
    let input = if file.is_file() { file } else { dir.join(name) };
    assert!(input.exists(), "no fixture {name}.md or {name}/ in {dir:?}");
    let manuscript = quire::manuscript::load(&input)
        .unwrap_or_else(|e| panic!("{name}: cannot load the fixture: {e}"));
    let read = quire::markdown::read(&manuscript)
        .unwrap_or_else(|e| panic!("{name}: the reader failed: {e}"));
    let json = serde_json::to_string_pretty(&read.book).expect("the tree serialises") + "\n";
    let diagnostics: String = read.diagnostics.iter().map(|d| format!("{d}\n")).collect();
    check(&dir.join(format!("{name}.json")), &json);
    check(&dir.join(format!("{name}.diagnostics.txt")), &diagnostics);
}

/// Compares `actual` with the file at `path` (a missing file counts as
/// empty), or rewrites the file under `UPDATE_GOLDEN`.
fn check(path: &Path, actual: &str) {
    if updating() {
        if actual.is_empty() {
            if path.exists() {
                std::fs::remove_file(path).expect("remove a stale golden file");
            }
        } else {
            std::fs::write(path, actual).expect("write the golden file");
        }
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return;
    }
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display();
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (None, None) => panic!("{shown} differs from the reader's output in its final newline"),
            (e, a) => panic!(
                "{shown} differs from the reader's output at line {line}:\n\
                 expected: {}\n  actual: {}\n\
                 (if the new output is right: UPDATE_GOLDEN=1 cargo test --test tree_golden)",
                e.unwrap_or("<end of file>"),
                a.unwrap_or("<end of output>"),
            ),
        }
    }
}

/// One test per fixture, named after it.
macro_rules! golden_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                golden(stringify!($name));
            }
        )*

        /// Every fixture in the folder has a test (so none is silently skipped).
        #[test]
        fn every_fixture_has_a_test() {
            let known = [$(stringify!($name)),*];
            for entry in std::fs::read_dir(fixtures()).expect("the fixture folder") {
                let path = entry.expect("a fixture").path();
                let stem = match path.extension().and_then(|e| e.to_str()) {
                    Some("md") => path.file_stem(),
                    None if path.is_dir() => path.file_name(),
                    _ => continue,
                };
                let stem = stem.and_then(|s| s.to_str()).unwrap_or_default().to_string();
                assert!(known.contains(&stem.as_str()), "fixture `{stem}` has no test in tree_golden.rs");
            }
        }
    };
}

golden_tests!(
    inline_markup,
    smart_punctuation,
    breaks,
    headings,
    duplicate_explicit_id,
    chapters_in_one_file,
    untitled_opening,
    continued_chapter,
    block_quotes,
    lists,
    task_list,
    code_blocks,
    table,
    images,
    thematic_break,
    footnotes,
    footnotes_across_chapters,
    footnotes_in_files,
    id_collisions,
    definition_list,
    raw_html,
    html_inline,
    html_blocks,
    superscript_subscript,
    math,
    links,
    front_matter,
    pandoc_implicit_refs,
    pandoc_attributes,
    pandoc_tables,
    pandoc_lists,
    pandoc_blocks,
);
