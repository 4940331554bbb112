//! PDF writer: pages of positioned glyphs → PDF (placeholder).

use crate::date::Timestamp;
use crate::doc::Metadata;
use crate::error::Result;
use crate::typeset::fonts::Fonts;
use crate::typeset::Layout;

/// Writes the laid-out pages as a PDF.
pub fn write(layout: &Layout, meta: &Metadata, fonts: &Fonts, date: Timestamp) -> Result<Vec<u8>> {
    let _ = (layout, meta, fonts, date);
    todo!()
}
