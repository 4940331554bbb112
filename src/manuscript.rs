//! Finding and reading the manuscript: `book.toml`, the chapter files, and the
//! rule that nothing outside the manuscript folder is ever read.

use std::path::{Component, Path, PathBuf};

use crate::config::{self, Config};
use crate::error::{Error, Location, Result};

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
}

/// One Markdown file of the manuscript.
#[derive(Clone, Debug)]
pub struct Source {
    /// Path relative to the manuscript folder, with `/` separators: how
    /// diagnostics name the file.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// Loads a manuscript: a folder (with an optional `book.toml`) or one Markdown file.
pub fn load(input: &Path) -> Result<Manuscript> {
    let meta = std::fs::metadata(input).map_err(|e| Error::io(input, e))?;
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
        });
    }
    let root = canonical(input)?;
    let config_path = root.join(CONFIG_FILE);
    let (config, has_config_file) = if config_path.is_file() {
        let text = read_text(&root, &config_path, CONFIG_FILE)?;
        (
            config::parse_toml(CONFIG_FILE, &text).map_err(|e| e.with_code("invalid-config"))?,
            true,
        )
    } else {
        (Config::default(), false)
    };
    let names: Vec<(String, Location)> = match &config.book.chapters {
        Some(list) => {
            let text = std::fs::read_to_string(&config_path).unwrap_or_default();
            list.iter()
                .map(|name| (name.clone(), locate_in(&text, name)))
                .collect()
        }
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
    let text = read_text(root, &path, name)?;
    Ok(Source {
        name: name.replace('\\', "/"),
        text,
    })
}

/// Reads a UTF-8 text file; invalid UTF-8 is an error naming the byte offset.
fn read_text(_root: &Path, path: &Path, name: &str) -> Result<String> {
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
