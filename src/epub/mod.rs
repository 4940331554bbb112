//! EPUB 3 writer: the document tree → XHTML chapters, nav, stylesheet → a
//! zip package (placeholder; being written).

use crate::date::Timestamp;
use crate::doc::{Book, PageMap};
use crate::error::{Diagnostic, Result};
use crate::manuscript::Manuscript;
use crate::typeset::fonts::FontFile;

/// Settings for the EPUB writer.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    /// `dcterms:modified` and zip entry times.
    pub modified: Timestamp,
    /// Fonts to embed and declare with `@font-face`.
    pub fonts: Vec<FontFile>,
    /// A cover image, if the book has one.
    pub cover: Option<Cover>,
    /// Where the print edition's pages start, for the page-list.
    pub page_map: Option<&'a PageMap>,
}

/// A cover image read from the manuscript folder.
#[derive(Clone, Debug)]
pub struct Cover {
    /// File name inside the EPUB.
    pub file_name: String,
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// The image data.
    pub bytes: Vec<u8>,
}

impl Cover {
    /// Reads the cover image `name` from the manuscript folder.
    pub fn load(manuscript: &Manuscript, name: &str) -> Result<Cover> {
        let _ = (manuscript, name);
        todo!()
    }
}

/// Writes `book` as an EPUB 3; returns the bytes and any warnings.
pub fn write(book: &Book, options: &Options) -> Result<(Vec<u8>, Vec<Diagnostic>)> {
    let _ = (book, options);
    todo!()
}
