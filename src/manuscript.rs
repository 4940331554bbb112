//! Finding and reading the manuscript: `book.toml`, the chapter files, and the
//! rule that nothing outside the manuscript folder is ever read.
//!
//! A folder is a book. When its `book.toml` names (or defaults to) a source
//! folder holding mdBook's `SUMMARY.md`, it is read as an mdBook project
//! ([`crate::mdbook`]): the summary gives the files and their structure, and
//! `{{#include}}` directives are worked into the text.

use std::path::{Component, Path, PathBuf};

use crate::config::{self, Config};
use crate::doc::Division;
use crate::error::{Diagnostic, Error, Location, Result};
use crate::mdbook::{self, Origin};

/// The name of the configuration file in a manuscript folder.
pub const CONFIG_FILE: &str = "book.toml";

/// A manuscript loaded from disk, ready for the Markdown reader.
#[derive(Clone, Debug)]
pub struct Manuscript {
    /// The manuscript folder (canonical); every file read is inside it.
    pub root: PathBuf,
    /// The configuration (`book.toml`, or defaults until front matter fills it).
    pub config: Config,
    /// `true` when `book.toml` was read (front matter then only fills gaps).
    pub has_config_file: bool,
    /// The chapter files, in reading order.
    pub sources: Vec<Source>,
    /// Other files positions may point into, numbered after the sources:
    /// files read through `{{#include}}`, and mdBook's `SUMMARY.md`.
    pub other_files: Vec<String>,
    /// Findings made while loading (mdBook tables left aside, drafts left
    /// out, include errors); errors among them stop the build after the
    /// other stages have reported theirs.
    pub diagnostics: Vec<Diagnostic>,
}

/// One Markdown file of the manuscript.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// Path relative to the manuscript folder, with `/` separators: how
    /// diagnostics name the file.
    pub name: String,
    /// The file's text (with `{{#include}}` worked in, in an mdBook project).
    pub text: String,
    /// Where each line of `text` came from, when includes changed it: file
    /// (index into the sources, then [`Manuscript::other_files`]) and line.
    pub origins: Option<Vec<Origin>>,
    /// The file's place in the book's structure, when the manuscript says it
    /// (mdBook's SUMMARY.md); otherwise level-1 headings make chapters.
    pub role: Option<Role>,
}

/// A file's place in a book whose structure is given by an outline.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    /// Front matter, body or back matter.
    pub division: Division,
    /// 0: the file is a chapter; 1, 2 …: a sub-chapter, set as a section
    /// of the chapter above it (its headings move down `depth` levels).
    pub depth: u8,
    /// The title the outline gives the file (used when the file has no
    /// level-1 heading of its own).
    pub title: String,
    /// Part titles that come just before this file, with their place in
    /// the outline file (file index, line, column).
    pub parts: Vec<(String, u32, u32, u32)>,
}

impl Manuscript {
    /// Every file name positions can refer to: the sources, then the others.
    pub fn file_names(&self) -> Vec<String> {
        self.sources
            .iter()
            .map(|s| s.name.clone())
            .chain(self.other_files.iter().cloned())
            .collect()
    }
}

/// Loads a manuscript: a folder (with an optional `book.toml`), one Markdown
/// file, or a `book.toml` (which stands for its folder).
pub fn load(input: &Path) -> Result<Manuscript> {
    let meta = std::fs::metadata(input).map_err(|e| Error::io(input, e))?;
    if meta.is_file() && input.extension().is_some_and(|e| e == "toml") {
        if input.file_name().is_some_and(|n| n == CONFIG_FILE) {
            let folder = match input.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            return load(folder);
        }
        return Err(Error::input(
            Location::new(input.display().to_string(), 0, 0),
            format!(
                "`{}` is not a manuscript: give the book's folder, its {CONFIG_FILE} or a Markdown file",
                input.display()
            ),
        ));
    }
    if meta.is_file() {
        let parent = match input.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let root = canonical(&parent)?;
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = read_source(&root, &name, &Location::new(&name, 0, 0))?;
        return Ok(Manuscript {
            root,
            config: Config::default(),
            has_config_file: false,
            sources: vec![source],
            other_files: Vec::new(),
            diagnostics: Vec::new(),
        });
    }
    let root = canonical(input)?;
    let config_path = root.join(CONFIG_FILE);
    let config_text = if config_path.is_file() {
        Some(read_text(&config_path, CONFIG_FILE)?)
    } else {
        None
    };
    let has_config_file = config_text.is_some();
    let config = match &config_text {
        Some(text) => {
            config::parse_toml(CONFIG_FILE, text).map_err(|e| e.with_code("invalid-config"))?
        }
        None => Config::default(),
    };
    let config_text = config_text.unwrap_or_default();
    let mut diagnostics = Vec::new();
    if has_config_file {
        let text = &config_text;
        let aside: Vec<String> = config::MDBOOK_TABLES
            .iter()
            .filter(|t| {
                text.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(&format!("[{t}]")) || l.starts_with(&format!("[{t}."))
                })
            })
            .map(|t| format!("[{t}]"))
            .collect();
        if !aside.is_empty() {
            diagnostics.push(Diagnostic::info(
                "mdbook-settings",
                Location::new(CONFIG_FILE, 0, 0),
                format!(
                    "{} {} to mdBook's renderers and preprocessors; quire leaves {} aside",
                    aside.join(", "),
                    if aside.len() == 1 {
                        "belongs"
                    } else {
                        "belong"
                    },
                    if aside.len() == 1 { "it" } else { "them" },
                ),
            ));
        }
    }
    let src_dir = config.book.src.clone().unwrap_or_else(|| "src".to_string());
    let summary_name = mdbook::normalize(&format!("{src_dir}/{}", mdbook::SUMMARY))
        .unwrap_or_else(|| mdbook::SUMMARY.to_string());
    if has_config_file && root.join(&summary_name).is_file() {
        return load_mdbook(root, config, &src_dir, &summary_name, diagnostics);
    }
    let names: Vec<(String, Location)> = match &config.book.chapters {
        Some(list) => list
            .iter()
            .map(|name| (name.clone(), locate_in(&config_text, name)))
            .collect(),
        None => markdown_files(&root)?
            .into_iter()
            .map(|n| (n.clone(), Location::new(&n, 0, 0)))
            .collect(),
    };
    let sources = names
        .iter()
        .map(|(name, location)| read_source(&root, name, location))
        .collect::<Result<Vec<_>>>()?;
    if sources.iter().all(|s| s.text.trim().is_empty()) {
        return Err(Error::input(
            Location::new(input.display().to_string(), 0, 0),
            "nothing to publish: the manuscript has no Markdown text",
        )
        .with_code("empty-manuscript"));
    }
    Ok(Manuscript {
        root,
        config,
        has_config_file,
        sources,
        other_files: Vec::new(),
        diagnostics,
    })
}

/// Loads an mdBook project: the files SUMMARY.md lists, in its order and
/// structure, with `{{#include}}` and its kin worked in.
fn load_mdbook(
    root: PathBuf,
    config: Config,
    src_dir: &str,
    summary_name: &str,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<Manuscript> {
    let summary_text = read_text(&root.join(summary_name), summary_name)?;
    let summary = mdbook::parse_summary(summary_name, &summary_text, src_dir);
    diagnostics.extend(summary.notes);
    let mut sources: Vec<Source> = Vec::new();
    let mut parts = Vec::new();
    // SUMMARY.md is the first of the other files: part titles point into it
    let summary_index = u32::MAX; // fixed below, once the sources are counted
    for entry in &summary.entries {
        match entry {
            mdbook::Entry::Part { title, at } => {
                parts.push((title.clone(), summary_index, at.0, at.1));
            }
            mdbook::Entry::Chapter {
                title,
                file,
                division,
                depth,
                at,
            } => {
                let location = Location::new(summary_name, at.0, at.1);
                let mut source = match read_source(&root, file, &location) {
                    Ok(source) => source,
                    Err(Error::Input {
                        location,
                        code,
                        message,
                    }) => {
                        // report every missing file, not only the first
                        diagnostics.push(Diagnostic::error(code, location, message));
                        continue;
                    }
                    Err(other) => return Err(other),
                };
                source.role = Some(Role {
                    division: *division,
                    depth: *depth,
                    title: title.clone(),
                    parts: std::mem::take(&mut parts),
                });
                sources.push(source);
            }
        }
    }
    let chapters: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let summary_index = sources.len() as u32;
    for source in &mut sources {
        if let Some(role) = &mut source.role {
            for part in &mut role.parts {
                part.1 = summary_index;
            }
        }
    }
    let mut includes = mdbook::Includes::new(summary_index + 1);
    for (index, source) in sources.iter_mut().enumerate() {
        if !source.text.contains("{{") {
            continue;
        }
        let expanded = includes.expand(&root, &source.name, index as u32, &source.text, &chapters);
        source.text = expanded.text;
        source.origins = Some(expanded.lines);
    }
    diagnostics.append(&mut includes.diagnostics);
    let mut other_files = vec![summary_name.to_string()];
    other_files.extend(includes.names);
    if sources.iter().all(|s| s.text.trim().is_empty())
        && !diagnostics
            .iter()
            .any(|d| d.severity == crate::error::Severity::Error)
    {
        return Err(Error::input(
            Location::new(summary_name, 0, 0),
            "nothing to publish: the chapters SUMMARY.md lists have no Markdown text",
        )
        .with_code("empty-manuscript"));
    }
    Ok(Manuscript {
        root,
        config,
        has_config_file: true,
        sources,
        other_files,
        diagnostics,
    })
}

/// Where `name` is written in book.toml, for errors about a listed chapter.
fn locate_in(config_text: &str, name: &str) -> Location {
    let quoted = format!("\"{name}\"");
    match config_text.find(&quoted) {
        Some(offset) => Location::at_offset(CONFIG_FILE, config_text, offset),
        None => Location::new(CONFIG_FILE, 0, 0),
    }
}

fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize().map_err(|e| Error::io(path, e))
}

/// Every `*.md` file directly in `root`, sorted by name.
fn markdown_files(root: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Resolves `name` (relative to `root`) to a path inside `root`, refusing
/// absolute paths, `..` and symbolic links that lead outside. `referrer` is
/// where the name was written, for the error.
pub fn resolve_inside(root: &Path, name: &str, referrer: &Location) -> Result<PathBuf> {
    let relative = Path::new(name);
    let escapes = relative.is_absolute()
        || relative.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes || name.is_empty() {
        return Err(Error::input(
            referrer.clone(),
            format!("`{name}` is outside the manuscript folder"),
        )
        .with_code("outside-folder"));
    }
    let joined = root.join(relative);
    let real = joined.canonicalize().map_err(|e| {
        Error::input(referrer.clone(), format!("cannot read `{name}`: {e}"))
            .with_code("missing-file")
    })?;
    if !real.starts_with(root) {
        return Err(Error::input(
            referrer.clone(),
            format!("`{name}` resolves outside the manuscript folder"),
        )
        .with_code("outside-folder"));
    }
    Ok(real)
}

fn read_source(root: &Path, name: &str, referrer: &Location) -> Result<Source> {
    let path = resolve_inside(root, name, referrer)?;
    if !path.is_file() {
        return Err(
            Error::input(referrer.clone(), format!("`{name}` is not a file"))
                .with_code("missing-file"),
        );
    }
    let text = read_text(&path, name)?;
    Ok(Source {
        name: name.replace('\\', "/"),
        text,
        ..Source::default()
    })
}

/// `%20` → space: file names written as URLs in Markdown (links, images,
/// mdBook includes and SUMMARY.md entries).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Reads a UTF-8 text file; invalid UTF-8 is an error naming the byte offset.
pub(crate) fn read_text(path: &Path, name: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
        Error::input(
            Location::at_offset(name, prefix, valid),
            format!("invalid UTF-8 at byte {valid}"),
        )
        .with_code("invalid-utf8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let at = Location::new("book.toml", 3, 1);
        for name in ["../x.md", "/etc/passwd", "a/../../x.md"] {
            let err = resolve_inside(&root, name, &at).unwrap_err().to_string();
            assert!(
                err.contains("outside the manuscript folder"),
                "{name}: {err}"
            );
            assert!(err.starts_with("book.toml:3:1"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_that_leave_the_folder() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "secret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.md"), root.join("link.md")).unwrap();
        let err = resolve_inside(&root, "link.md", &Location::new("x", 1, 1)).unwrap_err();
        assert!(err.to_string().contains("resolves outside"), "{err}");
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), b"# T\n\nab\xffc").unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with("a.md:3:3: invalid UTF-8 at byte 7"),
            "{err}"
        );
    }

    #[test]
    fn empty_manuscript_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), " \n\n").unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("nothing to publish"), "{err}");
    }

    #[test]
    fn chapters_default_to_sorted_markdown_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.md"), "B").unwrap();
        std::fs::write(dir.path().join("a.md"), "A").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let m = load(dir.path()).unwrap();
        let names: Vec<_> = m.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a.md", "b.md"]);
    }
}
