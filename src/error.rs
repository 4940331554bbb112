//! Errors and diagnostics.
//!
//! [`Error`] stops a build; [`Diagnostic`] is a finding (usually a warning)
//! collected along the way and reported at the end. Both carry the file,
//! line and column they are about when there is one.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// The result type of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A place in a manuscript file: display name, 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file, relative to the manuscript folder where possible.
    pub file: String,
    /// Line, from 1 (0 when unknown).
    pub line: u32,
    /// Column in characters, from 1 (0 when unknown).
    pub column: u32,
}

impl Location {
    /// A location at `line:column` of `file`.
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// The line and column of byte `offset` in `text`.
    pub fn at_offset(file: impl Into<String>, text: &str, offset: usize) -> Self {
        let (line, column) = line_col(text, offset);
        Location::new(file, line, column)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
/// An offset inside a character counts as that character.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32)
}

/// Everything that can stop a build.
#[derive(Debug)]
pub enum Error {
    /// The manuscript or its configuration is wrong at a known place.
    Input {
        /// Where.
        location: Location,
        /// A stable short code, e.g. `missing-file` (`invalid-input` when
        /// the maker of the error gave none; see [`Error::with_code`]).
        code: &'static str,
        /// What is wrong, lower case, no trailing period.
        message: String,
    },
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A writer could not produce its output (a bug or a resource problem).
    Output {
        /// `pdf` or `epub`.
        format: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The build finished but findings were promoted to errors (`--deny warnings`).
    Denied {
        /// How many warnings were denied.
        count: usize,
    },
    /// The manuscript has errors found as diagnostics (e.g. a footnote
    /// reference with no definition): every finding, errors and warnings,
    /// sorted. No outputs were made.
    Findings {
        /// All findings; at least one has [`Severity::Error`].
        diagnostics: Vec<Diagnostic>,
    },
}

impl Error {
    /// An input error at `location`.
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            code: "invalid-input",
            message: message.into(),
        }
    }

    /// Gives an input error a stable code (other errors are unchanged).
    pub fn with_code(self, code: &'static str) -> Self {
        match self {
            Error::Input {
                location, message, ..
            } => Error::Input {
                location,
                code,
                message,
            },
            other => other,
        }
    }

    /// The error as findings, for reports: an input error is one finding
    /// at its place; an I/O error names its file; [`Error::Findings`]
    /// gives all of its findings.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let one =
            |code, location, message: String| vec![Diagnostic::error(code, location, message)];
        match self {
            Error::Input {
                location,
                code,
                message,
            } => one(code, location.clone(), message.clone()),
            Error::Io { path, source } => one(
                "io-error",
                Location::new(path.display().to_string(), 0, 0),
                source.to_string(),
            ),
            Error::Output { format, message } => one(
                "output-failed",
                Location::default(),
                format!("cannot write {format}: {message}"),
            ),
            Error::Denied { count } => one(
                "denied-warnings",
                Location::default(),
                format!("{count} warning(s) denied by --deny warnings"),
            ),
            Error::Findings { diagnostics } => diagnostics.clone(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input {
                location, message, ..
            } => write!(f, "{location}: {message}"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Output { format, message } => write!(f, "cannot write {format}: {message}"),
            Error::Denied { count } => write!(f, "{count} warning(s) denied by --deny warnings"),
            Error::Findings { diagnostics } => {
                let errors: Vec<&Diagnostic> = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect();
                match errors.as_slice() {
                    [] => write!(f, "the manuscript has errors"),
                    [one] => write!(f, "{}: {}", one.location, one.message),
                    [first, rest @ ..] => write!(
                        f,
                        "{}: {} (and {} more error(s))",
                        first.location,
                        first.message,
                        rest.len()
                    ),
                }
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information: something quire left aside on purpose (an mdBook
    /// renderer's table, a draft chapter); never fails a build.
    Info,
    /// Worth fixing; the outputs are still written.
    Warning,
    /// The build cannot produce correct outputs.
    Error,
}

/// A finding about the manuscript, collected during a build.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Where.
    pub location: Location,
    /// How serious.
    pub severity: Severity,
    /// A stable short code, e.g. `unused-footnote`.
    pub code: &'static str,
    /// What was found.
    pub message: String,
}

impl Diagnostic {
    /// A warning with `code` at `location`.
    pub fn warning(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            severity: Severity::Warning,
            code,
            message: message.into(),
        }
    }

    /// A note with `code` at `location`: information, never a failure.
    pub fn info(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            severity: Severity::Info,
            code,
            message: message.into(),
        }
    }

    /// An error with `code` at `location`: the build makes no outputs.
    pub fn error(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            severity: Severity::Error,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{severity}[{}]: {}: {}",
            self.code, self.location, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\n“cd”\nx";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        let d = text.find('d').unwrap();
        assert_eq!(line_col(text, d), (2, 3));
        assert_eq!(line_col(text, text.len()), (3, 2));
        // inside a multi-byte character: that character
        assert_eq!(line_col(text, 4), (2, 1));
    }
}
