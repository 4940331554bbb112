//! quire: one Markdown manuscript in, a typeset PDF and a valid EPUB 3 out.
//!
//! The pipeline, one module a stage:
//!
//! 1. [`manuscript`] finds the files: `book.toml`, the chapters, and never
//!    anything outside the manuscript folder;
//! 2. [`markdown`] reads them with pulldown-cmark into the [`doc`] tree:
//!    chapters, blocks, inlines, ids, footnotes, resolved links; [`lint`]
//!    adds the checks that need the whole tree or the sources;
//! 3. [`typeset`] lays the tree out in pages of positioned glyphs
//!    (shaping, hyphenation, Knuth–Plass line breaking, page makeup);
//! 4. [`pdf`] writes those pages as PDF (fonts subset and embedded);
//! 5. [`epub`] writes the tree as an EPUB 3, with the print edition's page
//!    map as its page-list.
//!
//! Writers are pure: they return bytes. Only the command line ([`cli`])
//! touches the file system for output, and it writes atomically. Findings
//! ([`error::Diagnostic`]) are collected, never printed from inside a stage;
//! [`diagnostics`] renders them for people (rustc-style) and for tools (JSON).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod build;
pub mod cli;
pub mod config;
pub mod date;
pub mod diagnostics;
pub mod doc;
pub mod epub;
pub mod error;
pub mod highlight;
pub mod images;
pub mod kept;
pub mod lint;
pub mod manuscript;
pub mod markdown;
pub mod mdbook;
pub mod pdf;
pub mod print;
pub mod sample;
pub mod style;
pub mod typeset;

pub use build::{build, build_watched, BuildOptions, Outputs, WatchCache};
pub use error::{Diagnostic, Error, Result};
