//! The build: one function that runs the pipeline, stage by stage.

use std::path::PathBuf;

use crate::date::Timestamp;
use crate::doc::Book;
use crate::error::{Diagnostic, Error, Result, Severity};
pub use crate::kept::WatchCache;
use crate::{epub, images, lint, manuscript, markdown, pdf, typeset};

/// What to build.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The manuscript folder or Markdown file.
    pub input: PathBuf,
    /// Write the PDF.
    pub pdf: bool,
    /// Write the EPUB.
    pub epub: bool,
    /// With the PDF, the print edition for this printer (else the one
    /// `[print] printer` in book.toml names, if any).
    pub print: Option<crate::print::Printer>,
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
    /// The print edition's PDF, if a printer was named.
    pub print_pdf: Option<Vec<u8>>,
    /// The EPUB, if asked for.
    pub epub: Option<Vec<u8>>,
    /// The typographic report of the PDF (JSON), if a PDF was made.
    pub report: Option<typeset::Report>,
    /// Warnings found along the way.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the pipeline: manuscript → tree → (pages → PDF) and (tree → EPUB).
///
/// With neither output asked for, this is `quire check`: everything up to
/// and including typesetting runs, so the findings are the same.
pub fn build(options: &BuildOptions) -> Result<Outputs> {
    build_with(options, &mut |_| {})
}

/// [`build`], calling `on_stage` with the name of each stage as it starts
/// (for progress and timings).
pub fn build_with(
    options: &BuildOptions,
    on_stage: &mut dyn FnMut(&'static str),
) -> Result<Outputs> {
    build_from(options, None, on_stage)
}

/// [`build_with`] for `quire watch`: chapters and pages that have not
/// changed since the last build are taken from `cache`, and this build's are
/// kept there. The outputs are the same as [`build_with`]'s.
pub fn build_watched(
    options: &BuildOptions,
    cache: &WatchCache,
    on_stage: &mut dyn FnMut(&'static str),
) -> Result<Outputs> {
    build_from(options, Some(cache), on_stage)
}

fn build_from(
    options: &BuildOptions,
    cache: Option<&WatchCache>,
    on_stage: &mut dyn FnMut(&'static str),
) -> Result<Outputs> {
    // 1. find and read the files
    on_stage("loading");
    let manuscript = manuscript::load(&options.input)?;
    // 2. Markdown → the document tree, and the checks over it
    on_stage("reading");
    let read = markdown::read(&manuscript)?;
    let mut diagnostics = manuscript.diagnostics.clone();
    diagnostics.extend(read.diagnostics);
    let book = read.book;
    diagnostics.extend(lint::lint(&manuscript, &book));
    let (images, found) = images::load(&book, &manuscript);
    diagnostics.extend(found);
    let date = Timestamp::for_build(options.source_date_epoch, book.meta.date.as_deref());
    // 3. the tree → pages (needed for the PDF, and for the EPUB's page-list)
    on_stage("typesetting");
    let fonts = typeset::fonts::Fonts::for_book(&book)?;
    let settings =
        typeset::Settings::from_config(&read.config.pdf)?.for_language(&book.meta.language);
    let mut layout = match cache {
        Some(cache) => typeset::typeset_cached(&book, &settings, &fonts, &images, &cache.chapters)?,
        None => typeset::typeset(&book, &settings, &fonts, &images)?,
    };
    let mut found = layout.diagnostics(&book);
    lint::place(&mut found, &manuscript);
    diagnostics.extend(found);
    // errors found as diagnostics: report them all, make nothing
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        diagnostics.sort();
        diagnostics.dedup();
        return Err(Error::Findings { diagnostics });
    }
    // 4 and 5. the writers are independent: pages → PDF alongside
    // the tree (+ page map) → EPUB
    let cover = match (&read.config.epub.cover, options.epub) {
        (Some(name), true) => Some(epub::Cover::load(&manuscript, name)?),
        _ => None,
    };
    on_stage(match (options.pdf, options.epub) {
        (true, true) => "writing pdf and epub",
        (true, false) => "writing pdf",
        (false, true) => "writing epub",
        (false, false) => "checking",
    });
    // the PDF writer consumes the layout; the EPUB needs only the page map
    let page_map = std::mem::take(&mut layout.page_map);
    let report = layout.report.clone();
    let epub_options = epub::Options {
        modified: date,
        fonts: fonts.files(),
        subset_fonts: read.config.epub.subset_fonts.unwrap_or(true),
        cover,
        page_map: Some(&page_map),
        images: &images,
        kept: cache.map(|c| &c.entries),
        kept_fonts: cache.map(|c| &c.fonts),
    };
    let printer = options.print.or(read.config.print.printer);
    let print = (options.pdf && printer.is_some()).then(|| layout.clone());
    let (pdf, epub) = rayon::join(
        || {
            options
                .pdf
                .then(|| {
                    let pages = cache.map(|c| &c.pages);
                    // the two editions side by side
                    let (pdf, print) = rayon::join(
                        || pdf::write_cached(layout, &book.meta, &fonts, date, pages),
                        || match (print, printer) {
                            (Some(layout), Some(printer)) => pdf::write_print(
                                layout,
                                &book.meta,
                                &fonts,
                                date,
                                &printer.preset(),
                            )
                            .map(Some),
                            _ => Ok(None),
                        },
                    );
                    Ok((pdf?, print?))
                })
                .transpose()
        },
        || {
            options
                .epub
                .then(|| epub::write(&book, &epub_options))
                .transpose()
        },
    );
    let (pdf, print_pdf) = match pdf? {
        Some((pdf, print)) => (Some(pdf), print),
        None => (None, None),
    };
    let epub = match epub? {
        Some((bytes, found)) => {
            diagnostics.extend(found);
            Some(bytes)
        }
        None => None,
    };
    diagnostics.sort();
    diagnostics.dedup();
    Ok(Outputs {
        report: Some(report),
        book,
        pdf,
        print_pdf,
        epub,
        diagnostics,
    })
}
