//! Typesetting: the document tree → pages of positioned items.
//!
//! Stages, each a module: [`fonts`] (loading, metrics), [`shape`] (text →
//! glyphs with harfrust), [`hyphenate`] (Liang patterns), [`linebreak`]
//! (Knuth–Plass), [`flow`] (blocks → lines and boxes), [`pages`] (page
//! makeup: running heads, folios, footnotes). The output, [`Layout`], is all
//! the PDF writer sees.

/// Knuth–Plass line breaking over boxes, glue and penalties.
pub mod linebreak;
pub mod fonts;

use serde::Serialize;

use crate::config::PdfConfig;
use crate::doc::{Book, PageMap};
use crate::error::{Diagnostic, Result};
use fonts::Fonts;

/// Page and type settings resolved from `[pdf]`.
#[derive(Clone, Debug)]
pub struct Settings {}

impl Settings {
    /// Resolves `[pdf]` settings.
    pub fn from_config(config: &PdfConfig) -> Result<Settings> {
        let _ = config;
        Ok(Settings {})
    }
}

/// The typeset book.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Where each page starts in the tree.
    pub page_map: PageMap,
    /// The typographic report.
    pub report: Report,
}

impl Layout {
    /// Findings of the typesetter as diagnostics.
    pub fn diagnostics(&self, book: &Book) -> Vec<Diagnostic> {
        let _ = book;
        Vec::new()
    }
}

/// The typographic report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Number of pages.
    pub pages: usize,
}

impl Report {
    /// One line for the terminal.
    pub fn summary(&self) -> String {
        format!("{} pages", self.pages)
    }
}

/// Lays out `book`.
pub fn typeset(book: &Book, settings: &Settings, fonts: &Fonts) -> Result<Layout> {
    let _ = (book, settings, fonts);
    Ok(Layout::default())
}
