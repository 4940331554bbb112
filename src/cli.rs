//! The command line: arguments (clap), commands, findings, atomic output
//! files, progress, and `watch`.
//!
//! Every command reports its findings the same way ([`crate::diagnostics`]):
//! rustc-style on stderr, or a JSON array on stdout with `--format json`.
//! [`run`] returns the exit code: 0 success, 1 the manuscript has errors (or
//! denied warnings), 2 the command line is wrong (clap's usage errors, and
//! [`Cli::validate`]).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{ArgAction, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::build::{build_watched, build_with, BuildOptions, Outputs, WatchCache};
use crate::diagnostics::{self, Sources};
use crate::error::{Diagnostic, Error, Result, Severity};
use crate::{manuscript, markdown};

/// quire: one Markdown manuscript in, a typeset PDF and an EPUB 3 out.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print no summary lines (findings are still reported).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print the time each stage takes, on stderr.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the PDF and the EPUB of a manuscript.
    Build {
        /// The manuscript folder or a single Markdown file.
        #[arg(default_value = "manuscript")]
        input: PathBuf,
        /// Folder to write the outputs into (created if missing); `-` writes
        /// the one output chosen with --format to stdout.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Outputs to make, comma-separated (default pdf,epub); `json`
        /// reports the findings as a JSON array on stdout.
        #[arg(long, value_enum, value_delimiter = ',')]
        format: Vec<Format>,
        /// Write the PDF to this file (instead of the --out folder).
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Write the EPUB to this file (instead of the --out folder).
        #[arg(long, value_name = "FILE")]
        epub: Option<PathBuf>,
        /// `--deny warnings`: fail (exit 1, no outputs) if there is any warning.
        #[arg(long, value_enum, value_name = "LINTS")]
        deny: Vec<Deny>,
        /// Also write the print edition for this printer beside the PDF
        /// (`<name>.print.pdf`; default: `[print] printer` in book.toml).
        #[arg(long, value_enum, value_name = "PRINTER")]
        print: Option<crate::print::Printer>,
    },
    /// Check a manuscript and report every finding; write nothing.
    Check {
        /// The manuscript folder or a single Markdown file.
        #[arg(default_value = "manuscript")]
        input: PathBuf,
        /// How to report findings: `human` on stderr, or `json` on stdout.
        #[arg(long, value_enum, default_value = "human")]
        format: ReportFormat,
        /// `--deny warnings`: exit 1 if there is any warning.
        #[arg(long, value_enum, value_name = "LINTS")]
        deny: Vec<Deny>,
    },
    /// Build, then rebuild whenever a file of the manuscript changes.
    Watch {
        /// The manuscript folder or a single Markdown file.
        #[arg(default_value = "manuscript")]
        input: PathBuf,
        /// Folder to write the outputs into (created if missing).
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Outputs to make, comma-separated (default pdf,epub).
        #[arg(long, value_enum, value_delimiter = ',')]
        format: Vec<Format>,
    },
    /// Print the document tree of a manuscript as JSON.
    Tree {
        /// The manuscript folder or a single Markdown file.
        #[arg(default_value = "manuscript")]
        input: PathBuf,
    },
    /// Write a small manuscript that builds, to start a new book.
    Init {
        /// The folder to create (must not exist or be empty).
        dir: PathBuf,
    },
    /// Print a shell completion script (e.g. `quire completions bash > /etc/bash_completion.d/quire`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// An output format of `build` (and `watch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The print edition.
    Pdf,
    /// The e-book.
    Epub,
    /// The findings as a JSON array on stdout (not an output file).
    Json,
}

/// How `check` reports findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// rustc-style text with the source line, on stderr.
    #[default]
    Human,
    /// One JSON array on stdout.
    Json,
}

/// What `--deny` can turn into errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Every warning.
    Warnings,
}

impl Cli {
    /// Checks what clap cannot: `--out -` takes exactly one output and no
    /// `json`; `watch` makes files only. A usage error (exit code 2).
    pub fn validate(&self) -> std::result::Result<(), clap::Error> {
        let usage = |message: String| {
            Err(Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message))
        };
        match &self.command {
            Command::Build {
                out,
                format,
                pdf,
                epub,
                print,
                ..
            } => {
                let plan = Plan::new(Path::new("book"), out, format, pdf, epub);
                let to_stdout = plan.to_stdout();
                if print.is_some() && (to_stdout > 0 || plan.pdf.is_none()) {
                    return usage(
                        "`--print` writes the print edition beside the PDF file: build the PDF into a folder or a file"
                            .into(),
                    );
                }
                if to_stdout > 1 {
                    return usage(
                        "`--out -` writes one output to stdout: choose it with `--format pdf` or `--format epub`"
                            .into(),
                    );
                }
                if to_stdout == 1 && format.contains(&Format::Json) {
                    return usage(
                        "`--format json` prints findings on stdout, which `--out -` uses for the output"
                            .into(),
                    );
                }
                Ok(())
            }
            Command::Watch { out, format, .. } => {
                if format.contains(&Format::Json) || out.as_os_str() == "-" {
                    return usage(
                        "`watch` writes files: use --format pdf,epub and an --out folder".into(),
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let ui = Ui {
        quiet: cli.quiet,
        verbose: cli.verbose > 0,
    };
    match cli.command {
        Command::Build {
            input,
            out,
            format,
            pdf,
            epub,
            deny,
            print,
        } => {
            let mut plan = Plan::new(&input, &out, &format, &pdf, &epub);
            plan.print = print;
            let json = format.contains(&Format::Json);
            build_command(&input, &plan, json, !deny.is_empty(), &ui)
        }
        Command::Check {
            input,
            format,
            deny,
        } => check_command(&input, format == ReportFormat::Json, !deny.is_empty(), &ui),
        Command::Watch { input, out, format } => {
            let plan = Plan::new(&input, &out, &format, &None, &None);
            watch(&input, &plan, &ui)
        }
        Command::Tree { input } => finish(tree(&input), &input),
        Command::Init { dir } => finish(init(&dir), &dir),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "quire", &mut script);
            let mut stdout = std::io::stdout().lock();
            let written = stdout.write_all(&script).and_then(|()| stdout.flush());
            finish(
                written.map_err(|e| Error::io("<stdout>", e)),
                Path::new("."),
            )
        }
    }
}

/// The exit code of a command that reports nothing but its error.
fn finish(result: Result<()>, input: &Path) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            let sources = Sources::for_input(input);
            eprint!("{}", diagnostics::human_all(&e.diagnostics(), &sources));
            eprintln!("error: {e}");
            1
        }
    }
}

/// `quire tree | head`: the reader went away; that is not a failure.
fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

fn tree(input: &Path) -> Result<()> {
    let manuscript = manuscript::load(input)?;
    let read = markdown::read(&manuscript)?;
    let mut found = manuscript.diagnostics.clone();
    found.extend(read.diagnostics);
    if found.iter().any(|d| d.severity == Severity::Error) {
        found.sort();
        return Err(Error::Findings { diagnostics: found });
    }
    eprint!(
        "{}",
        diagnostics::human_all(&found, &Sources::for_input(input))
    );
    let json = serde_json::to_string_pretty(&read.book).map_err(|e| Error::Output {
        format: "json",
        message: e.to_string(),
    })?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{json}").map_err(|e| Error::io("<stdout>", e))
}

fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

/// How the user asked to be told things.
#[derive(Clone, Copy, Debug)]
struct Ui {
    quiet: bool,
    verbose: bool,
}

/// Where one output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Dest {
    File(PathBuf),
    Stdout,
}

/// Which outputs to make and where they go.
#[derive(Clone, Debug)]
struct Plan {
    pdf: Option<Dest>,
    epub: Option<Dest>,
    /// The typographic report, written beside outputs that go to the --out folder.
    report: Option<PathBuf>,
    /// The --out folder, when something goes there.
    out_dir: Option<PathBuf>,
    /// The printer of the print edition asked for on the command line.
    print: Option<crate::print::Printer>,
}

impl Plan {
    fn new(
        input: &Path,
        out: &Path,
        formats: &[Format],
        pdf: &Option<PathBuf>,
        epub: &Option<PathBuf>,
    ) -> Plan {
        let mut want_pdf = formats.contains(&Format::Pdf) || pdf.is_some();
        let mut want_epub = formats.contains(&Format::Epub) || epub.is_some();
        if !want_pdf && !want_epub {
            want_pdf = true;
            want_epub = true;
        }
        let stdout = out.as_os_str() == "-";
        let name = output_name(input);
        let mut in_out_dir = false;
        let mut dest = |wanted: bool, explicit: &Option<PathBuf>, ext: &str| {
            if !wanted {
                return None;
            }
            Some(match explicit {
                Some(path) => Dest::File(path.clone()),
                None if stdout => Dest::Stdout,
                None => {
                    in_out_dir = true;
                    Dest::File(out.join(format!("{name}.{ext}")))
                }
            })
        };
        let pdf = dest(want_pdf, pdf, "pdf");
        let epub = dest(want_epub, epub, "epub");
        Plan {
            pdf,
            epub,
            report: in_out_dir.then(|| out.join(format!("{name}.report.json"))),
            out_dir: in_out_dir.then(|| out.to_path_buf()),
            print: None,
        }
    }

    /// How many outputs go to stdout.
    fn to_stdout(&self) -> usize {
        [&self.pdf, &self.epub]
            .into_iter()
            .filter(|d| **d == Some(Dest::Stdout))
            .count()
    }

    /// Writes the outputs; returns the files written.
    fn write(&self, outputs: &Outputs) -> Result<Vec<PathBuf>> {
        if let Some(dir) = &self.out_dir {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut files: Vec<(&Path, &[u8])> = Vec::new();
        let items = [
            (&self.pdf, outputs.pdf.as_deref()),
            (&self.epub, outputs.epub.as_deref()),
        ];
        for (dest, bytes) in items {
            let (Some(dest), Some(bytes)) = (dest, bytes) else {
                continue;
            };
            match dest {
                Dest::Stdout => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(bytes)
                        .and_then(|()| stdout.flush())
                        .map_err(|e| Error::io("<stdout>", e))?;
                }
                Dest::File(path) => {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    files.push((path, bytes));
                }
            }
        }
        // the print edition beside the PDF file (`<name>.print.pdf`)
        let print_path = match (&self.pdf, &outputs.print_pdf) {
            (Some(Dest::File(path)), Some(_)) => Some(path.with_extension("print.pdf")),
            _ => None,
        };
        if let (Some(path), Some(bytes)) = (&print_path, &outputs.print_pdf) {
            files.push((path, bytes));
        }
        let written: Vec<PathBuf> = files.iter().map(|(path, _)| path.to_path_buf()).collect();
        let json = match (&self.report, &outputs.report) {
            (Some(path), Some(report)) => {
                let json = serde_json::to_vec_pretty(report).map_err(|e| Error::Output {
                    format: "json",
                    message: e.to_string(),
                })?;
                Some((path, json))
            }
            _ => None,
        };
        if let Some((path, json)) = &json {
            files.push((path, json));
        }
        // each file is synced to disk before its rename: side by side, the
        // waits overlap
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|(path, bytes)| write_atomically(path, bytes))
            .collect::<Result<Vec<()>>>()?;
        Ok(written)
    }
}

/// Stage names on a spinner (only when stderr is a terminal) and, with
/// `-v`, the time of each stage on stderr.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    verbose: bool,
    stage: Option<(&'static str, Instant)>,
}

impl Progress {
    fn new(ui: &Ui) -> Progress {
        let bar = (!ui.quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress {
            bar,
            verbose: ui.verbose,
            stage: None,
        }
    }

    /// A new stage starts (the previous one ends).
    fn stage(&mut self, name: &'static str) {
        self.end_stage();
        if let Some(bar) = &self.bar {
            bar.set_message(name);
        }
        self.stage = Some((name, Instant::now()));
    }

    fn end_stage(&mut self) {
        if let Some((name, started)) = self.stage.take() {
            if self.verbose {
                let line = format!("{name}: {} ms", started.elapsed().as_millis());
                match &self.bar {
                    Some(bar) => bar.suspend(|| eprintln!("{line}")),
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    /// All stages are done: clear the spinner.
    fn done(&mut self) {
        self.end_stage();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// One build and its findings. `Ok` carries the files written.
struct Attempt {
    result: Result<(Outputs, Vec<PathBuf>)>,
    diagnostics: Vec<Diagnostic>,
}

/// Runs one build with `plan` and gathers its findings. Without a plan
/// (`check`) nothing is written, but the EPUB is still made in memory: its
/// writer has findings of its own (raw HTML it had to drop), so `check`
/// reports what a full build would.
fn attempt(
    input: &Path,
    plan: Option<&Plan>,
    deny: bool,
    ui: &Ui,
    cache: Option<&WatchCache>,
) -> Attempt {
    let options = BuildOptions {
        input: input.to_path_buf(),
        pdf: plan.is_some_and(|p| p.pdf.is_some()),
        epub: plan.is_none_or(|p| p.epub.is_some()),
        print: plan.and_then(|p| p.print),
        source_date_epoch: source_date_epoch(),
    };
    let mut progress = Progress::new(ui);
    let built = match cache {
        Some(cache) => build_watched(&options, cache, &mut |stage| progress.stage(stage)),
        None => build_with(&options, &mut |stage| progress.stage(stage)),
    };
    let (result, diagnostics) = match built {
        Ok(outputs) => {
            let diagnostics = outputs.diagnostics.clone();
            let warnings = diagnostics::count(&diagnostics, Severity::Warning);
            if deny && warnings > 0 {
                (Err(Error::Denied { count: warnings }), diagnostics)
            } else {
                progress.stage("writing files");
                let written = match plan {
                    Some(plan) => plan.write(&outputs),
                    None => Ok(Vec::new()),
                };
                match written {
                    Ok(files) => (Ok((outputs, files)), diagnostics),
                    Err(e) => {
                        let mut all = diagnostics;
                        all.extend(e.diagnostics());
                        (Err(e), all)
                    }
                }
            }
        }
        Err(e) => {
            let diagnostics = e.diagnostics();
            (Err(e), diagnostics)
        }
    };
    progress.done();
    Attempt {
        result,
        diagnostics,
    }
}

/// Reports an attempt's findings (human on stderr, or JSON on stdout);
/// returns the exit code.
fn report(attempt: &Attempt, input: &Path, json: bool) -> i32 {
    if json {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(diagnostics::json(&attempt.diagnostics).as_bytes());
        let _ = stdout.flush();
    } else {
        let sources = Sources::for_input(input);
        eprint!("{}", diagnostics::human_all(&attempt.diagnostics, &sources));
        // the closing line, in the short `error: file:line:col: message` form
        if let Err(e) = &attempt.result {
            if !is_broken_pipe(e) {
                eprintln!("error: {e}");
            }
        }
    }
    match &attempt.result {
        Ok(_) => 0,
        Err(e) if is_broken_pipe(e) => 0,
        Err(_) => 1,
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn build_command(input: &Path, plan: &Plan, json: bool, deny: bool, ui: &Ui) -> i32 {
    let attempt = attempt(input, Some(plan), deny, ui, None);
    let code = report(&attempt, input, json);
    if let (Ok((outputs, files)), false) = (&attempt.result, ui.quiet) {
        if let Some(report) = &outputs.report {
            eprintln!("{}", report.summary());
        }
        if !files.is_empty() {
            eprintln!(
                "wrote {}",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    code
}

fn check_command(input: &Path, json: bool, deny: bool, ui: &Ui) -> i32 {
    let attempt = attempt(input, None, deny, ui, None);
    let code = report(&attempt, input, json);
    if !ui.quiet {
        eprintln!("check: {}", diagnostics::summary(&attempt.diagnostics));
    }
    code
}

/// `quire watch`: build, then rebuild after every change to the manuscript
/// folder (chapters, book.toml, images, fonts kept there), debounced; one
/// line per build; keeps going after a failed build. Returns only when the
/// watcher fails.
fn watch(input: &Path, plan: &Plan, ui: &Ui) -> i32 {
    use notify::{EventKind, RecursiveMode, Watcher};

    /// Changes closer together than this make one rebuild.
    const DEBOUNCE: Duration = Duration::from_millis(200);

    let (folder, mode) = if input.is_file() {
        let parent = match input.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // a book.toml stands for its folder (an mdBook's chapters are in `src/`)
        let whole_book = input.extension().is_some_and(|e| e == "toml");
        let mode = if whole_book {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        (parent, mode)
    } else {
        (input.to_path_buf(), RecursiveMode::Recursive)
    };
    let folder = match folder.canonicalize() {
        Ok(f) => f,
        Err(e) => return finish(Err(Error::io(&folder, e)), input),
    };
    // the outputs, so writing them does not trigger a rebuild
    let out_dir = plan.out_dir.as_ref().map(|dir| {
        let _ = std::fs::create_dir_all(dir);
        dir.canonicalize().unwrap_or_else(|_| dir.clone())
    });
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch {}: {e}", folder.display());
            return 1;
        }
    };
    if let Err(e) = watcher.watch(&folder, mode) {
        eprintln!("error: cannot watch {}: {e}", folder.display());
        return 1;
    }
    let relevant = |event: &notify::Event| {
        !matches!(event.kind, EventKind::Access(_))
            && event.paths.iter().any(|path| {
                let hidden = path.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with('.') || n.ends_with('~') || n.ends_with(".swp")
                });
                let output = out_dir.as_ref().is_some_and(|o| path.starts_with(o));
                !hidden && !output
            })
    };
    if !ui.quiet {
        eprintln!("watching {} for changes (Ctrl-C to stop)", folder.display());
    }
    let mut first = true;
    // chapters and pages that did not change are not made again
    let cache = WatchCache::default();
    loop {
        let started = Instant::now();
        let attempt = attempt(input, Some(plan), false, ui, Some(&cache));
        let _ = report(&attempt, input, false);
        let took = started.elapsed().as_millis();
        let verb = if first { "built" } else { "rebuilt" };
        first = false;
        match &attempt.result {
            Ok((outputs, _)) => {
                let pages = outputs.report.as_ref().map_or(0, |r| r.pages);
                let warnings = diagnostics::count(&attempt.diagnostics, Severity::Warning);
                eprintln!(
                    "{verb} in {took} ms: {}, {}",
                    plural(pages, "page"),
                    plural(warnings, "warning")
                );
            }
            Err(e) => eprintln!("build failed in {took} ms: {e}"),
        }
        // wait for a relevant change, then for a quiet moment
        loop {
            match rx.recv() {
                Ok(Ok(event)) if relevant(&event) => break,
                Ok(_) => continue,
                Err(_) => return 1,
            }
        }
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(_) => continue,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return 1,
            }
        }
    }
}

/// The base name of the outputs: the manuscript folder's or file's name.
fn output_name(input: &Path) -> String {
    let canonical = input.canonicalize().unwrap_or_else(|_| input.to_path_buf());
    let stem = if canonical.is_file() {
        canonical.file_stem()
    } else {
        canonical.file_name()
    };
    stem.map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "book".to_string())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and
/// a rename, so `path` is either the old file or the complete new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".quire-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    // a temporary file is private (0600); the output is an ordinary file
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

const INIT_BOOK_TOML: &str = r#"[book]
title = "A New Book"
authors = ["Your Name"]
language = "en"

[pdf]
trim = "6x9in"
"#;

const INIT_CHAPTER: &str = r#"# The First Chapter

Write here. A paragraph is text between blank lines; *emphasis*, **strong**,
`code`, and a note.[^1]

## A section

- a list
- of things

| Column | Value |
|--------|------:|
| one    |     1 |

![A figure: images are PNG or JPEG files in the manuscript folder](figure.png)

```rust
fn main() {
    println!("hello");
}
```

[^1]: Notes are set at the foot of the page.
"#;

const INIT_SECOND_CHAPTER: &str = r#"# The Second Chapter

Every level-one heading opens a chapter, on a right-hand page in print.
Links work across chapters: back to [the first chapter](01-first-chapter.md)
or to [its section](01-first-chapter.md#a-section).
"#;

fn init(dir: &Path) -> Result<()> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::input(
            crate::error::Location::new(dir.display().to_string(), 0, 0),
            "folder exists and is not empty",
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_atomically(&dir.join("book.toml"), INIT_BOOK_TOML.as_bytes())?;
    write_atomically(&dir.join("01-first-chapter.md"), INIT_CHAPTER.as_bytes())?;
    write_atomically(
        &dir.join("02-second-chapter.md"),
        INIT_SECOND_CHAPTER.as_bytes(),
    )?;
    write_atomically(&dir.join("figure.png"), crate::sample::IMAGE)?;
    eprintln!("wrote a new manuscript in {}", dir.display());
    Ok(())
}
