//! The command line: arguments (clap), commands, and atomic output files.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::{build, BuildOptions};
use crate::error::{Error, Result};
use crate::{manuscript, markdown};

/// quire: one Markdown manuscript in, a typeset PDF and an EPUB 3 out.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the PDF and the EPUB of a manuscript.
    Build {
        /// The manuscript folder or a single Markdown file.
        #[arg(default_value = "manuscript")]
        input: PathBuf,
        /// Folder to write the outputs into (created if missing).
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Which outputs to write, comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_values = ["pdf", "epub"])]
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
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The print edition.
    Pdf,
    /// The e-book.
    Epub,
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build { input, out, format } => build_command(&input, &out, &format),
        Command::Tree { input } => {
            let manuscript = manuscript::load(&input)?;
            let read = markdown::read(&manuscript)?;
            for d in &read.diagnostics {
                eprintln!("{d}");
            }
            let json = serde_json::to_string_pretty(&read.book).map_err(|e| Error::Output {
                format: "json",
                message: e.to_string(),
            })?;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{json}").map_err(|e| Error::io("<stdout>", e))
        }
        Command::Init { dir } => init(&dir),
    }
}

fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn build_command(input: &Path, out: &Path, formats: &[Format]) -> Result<()> {
    let options = BuildOptions {
        input: input.to_path_buf(),
        pdf: formats.contains(&Format::Pdf),
        epub: formats.contains(&Format::Epub),
        source_date_epoch: source_date_epoch(),
    };
    let outputs = build(&options)?;
    for d in &outputs.diagnostics {
        eprintln!("{d}");
    }
    let name = output_name(input);
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    if let Some(pdf) = &outputs.pdf {
        write_atomically(&out.join(format!("{name}.pdf")), pdf)?;
    }
    if let Some(epub) = &outputs.epub {
        write_atomically(&out.join(format!("{name}.epub")), epub)?;
    }
    if let Some(report) = &outputs.report {
        let json = serde_json::to_vec_pretty(report).map_err(|e| Error::Output {
            format: "json",
            message: e.to_string(),
        })?;
        write_atomically(&out.join(format!("{name}.report.json")), &json)?;
        eprintln!("{}", report.summary());
    }
    eprintln!(
        "wrote {}",
        [
            outputs.pdf.as_ref().map(|_| format!("{name}.pdf")),
            outputs.epub.as_ref().map(|_| format!("{name}.epub")),
        ]
        .into_iter()
        .flatten()
        .map(|f| out.join(f).display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
    );
    Ok(())
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

```rust
fn main() {
    println!("hello");
}
```

[^1]: Notes are set at the foot of the page.
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
    eprintln!("wrote a new manuscript in {}", dir.display());
    Ok(())
}
