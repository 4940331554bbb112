//! `quire watch`: runs in the background, rebuilds when a chapter changes,
//! keeps going after a failed build. Every wait is bounded and the child is
//! always killed, so a broken watcher fails the test instead of hanging it.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long to wait for one build line before giving up.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The watcher process; killed when dropped, even if the test panics.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watcher {
    fn spawn(dir: &std::path::Path, args: &[&str]) -> Watcher {
        let mut child = quire()
            .args(args)
            .current_dir(dir)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn quire watch");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watcher {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) for a stderr line that contains `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {TIMEOUT:?}; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_rebuilds_after_a_change_and_survives_a_failed_build() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir(&book).unwrap();
    std::fs::write(book.join("a.md"), "# A\n\nFirst version.\n").unwrap();
    let mut watcher = Watcher::spawn(
        dir.path(),
        &["watch", "book", "--out", "out", "--format", "pdf"],
    );
    let first = watcher.wait_for("built in");
    assert!(first.contains("page"), "{first}");
    let pdf = dir.path().join("out/book.pdf");
    let before = std::fs::read(&pdf).expect("first build wrote the PDF");

    // a change: rebuilt
    std::fs::write(book.join("a.md"), "# A\n\nSecond version, longer.\n").unwrap();
    let second = watcher.wait_for("rebuilt in");
    assert!(second.contains("0 warnings"), "{second}");
    assert_ne!(std::fs::read(&pdf).unwrap(), before);

    // a broken manuscript: the error is reported, the watcher goes on
    std::fs::write(book.join("a.md"), "# A\n\nSee [x](#nowhere).\n").unwrap();
    let failed = watcher.wait_for("build failed");
    assert!(failed.contains("a.md:3:5"), "{failed}");
    std::fs::write(book.join("b.md"), "# B\n\nA new chapter.\n").unwrap();
    std::fs::write(book.join("a.md"), "# A\n\nFixed.\n").unwrap();
    watcher.wait_for("rebuilt in");
    assert!(watcher.child.try_wait().unwrap().is_none(), "watch exited");
}

/// What `quire watch` builds is what `quire build` would: chapters kept
/// from the previous build give the same bytes, and only the edited one
/// is laid out again.
#[test]
fn watched_rebuilds_reuse_unchanged_chapters_and_match_a_fresh_build() {
    let dir = tempfile::tempdir().unwrap();
    quire::sample::write_large_book(dir.path(), 6).unwrap();
    let options = quire::BuildOptions {
        input: dir.path().to_path_buf(),
        pdf: true,
        epub: true,
        print: None,
        source_date_epoch: Some(1_700_000_000),
    };
    let cache = quire::WatchCache::default();
    let first = quire::build_watched(&options, &cache, &mut |_| {}).unwrap();
    let reused =
        |c: &quire::WatchCache| (c.chapters.reused(), c.pages.reused(), c.entries.reused());
    assert_eq!(reused(&cache), (0, 0, 0));
    assert_eq!(first.pdf, quire::build(&options).unwrap().pdf);

    // a chapter grows by a paragraph: its pages, and every later folio, move
    let chapter = dir.path().join("ch0003.md");
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    text.push_str("\nA paragraph added while watching, long enough to need a line or two of its own on the page.\n");
    std::fs::write(&chapter, text).unwrap();
    let watched = quire::build_watched(&options, &cache, &mut |_| {}).unwrap();
    assert_eq!(
        cache.chapters.reused(),
        5,
        "the five other chapters are reused"
    );
    // the pages before the edit are the same; so are the front matter's
    let pages = first.report.as_ref().unwrap().pages;
    assert!(
        (10..pages).contains(&cache.pages.reused()),
        "{} of {pages} pages reused",
        cache.pages.reused()
    );
    // the EPUB's fonts, front matter and the chapters before the edit are
    // not compressed again (later chapters' page markers moved)
    assert!(
        cache.entries.reused() >= 5 + 3 + 2,
        "{} EPUB entries reused",
        cache.entries.reused()
    );
    let fresh = quire::build(&options).unwrap();
    assert!(watched.pdf == fresh.pdf, "the PDFs differ");
    assert!(watched.epub == fresh.epub, "the EPUBs differ");
    assert_ne!(watched.pdf, first.pdf);
}
