//! The build: one function that runs the pipeline, stage by stage.

use std::path::PathBuf;

use crate::date::Timestamp;
use crate::doc::Book;
use crate::error::{Diagnostic, Result};
use crate::{epub, manuscript, markdown, pdf, typeset};

/// What to build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The manuscript folder or Markdown file.
    pub input: PathBuf,
    /// Write the PDF.
    pub pdf: bool,
    /// Write the EPUB.
    pub epub: bool,
    /// Seconds since 1970 for every date in the outputs (`SOURCE_DATE_EPOCH`);
    /// `None` uses the book's date, else a fixed date.
    pub source_date_epoch: Option<i64>,
}

/// The products of a build, in memory.
#[derive(Debug)]
pub struct Outputs {
    /// The document tree both writers used.
    pub book: Book,
    /// The PDF, if asked for.
    pub pdf: Option<Vec<u8>>,
    /// The EPUB, if asked for.
    pub epub: Option<Vec<u8>>,
    /// The typographic report of the PDF (JSON), if a PDF was made.
    pub report: Option<typeset::Report>,
    /// Warnings found along the way.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the pipeline: manuscript → tree → (pages → PDF) and (tree → EPUB).
pub fn build(options: &BuildOptions) -> Result<Outputs> {
    // 1. find and read the files
    let manuscript = manuscript::load(&options.input)?;
    // 2. Markdown → the document tree
    let read = markdown::read(&manuscript)?;
    let mut diagnostics = read.diagnostics;
    let book = read.book;
    let date = Timestamp::for_build(options.source_date_epoch, book.meta.date.as_deref());
    // 3. the tree → pages (needed for the PDF, and for the EPUB's page-list)
    let fonts = typeset::fonts::Fonts::bundled()?;
    let settings = typeset::Settings::from_config(&read.config.pdf)?;
    let layout = typeset::typeset(&book, &settings, &fonts)?;
    diagnostics.extend(layout.diagnostics(&book));
    // 4. pages → PDF
    let pdf = if options.pdf {
        Some(pdf::write(&layout, &book.meta, &fonts, date)?)
    } else {
        None
    };
    // 5. the tree (+ page map) → EPUB
    let epub = if options.epub {
        let cover = match &read.config.epub.cover {
            Some(name) => Some(epub::Cover::load(&manuscript, name)?),
            None => None,
        };
        let epub_options = epub::Options {
            modified: date,
            fonts: fonts.files(),
            cover,
            page_map: Some(&layout.page_map),
        };
        let (bytes, found) = epub::write(&book, &epub_options)?;
        diagnostics.extend(found);
        Some(bytes)
    } else {
        None
    };
    diagnostics.sort();
    diagnostics.dedup();
    Ok(Outputs {
        report: Some(layout.report.clone()),
        book,
        pdf,
        epub,
        diagnostics,
    })
}
