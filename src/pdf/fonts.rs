//! Fonts: each face the pages use is subset to its glyphs (`subsetter`) and
//! handed to printpdf, which writes the font dictionaries, the embedded
//! program, the /W widths and the ToUnicode map.
//!
//! printpdf learns which glyphs a font shows, and what text each stands for,
//! from the text operations of its pages. The content streams are written
//! by [`super::content`], not by printpdf, so printpdf is given one extra
//! page (the *inventory*) that shows every used glyph of every face once,
//! with its text. The lopdf pass takes that page out of the page tree.

use std::collections::BTreeMap;

use printpdf::{Codepoint, FontId, Op, ParsedFont, PdfDocument, PdfFontHandle, Pt, TextItem};
use read_fonts::TableProvider;

use super::{fail, fnv1a};
use crate::error::Result;
use crate::typeset::fonts::{FaceId, Fonts};
use crate::typeset::frame::Item;
use crate::typeset::Layout;

/// A face subset to the glyphs a document uses: what the content streams
/// need to show its glyphs.
pub(super) struct Subset {
    /// The resource name the pages use (`F1`, `F2`, …).
    pub name: String,
    /// The code shown for each original glyph id (index): the glyph id in
    /// the subset, or its CID when the subset is a CID-keyed CFF font.
    pub codes: Vec<u16>,
    /// The advance width of each original glyph id (index), in 1/1000 em:
    /// what /W tells the viewer.
    pub widths: Vec<f32>,
}

/// Whether the glyphs `glyphs` of the face `index` in `data` subset and load
/// as the PDF writer needs them (used to pass over system fonts that would
/// not embed, before choosing one as a fallback).
pub(crate) fn embeddable(data: &[u8], index: u32, glyphs: &[u16]) -> bool {
    let mut remapper = subsetter::GlyphRemapper::new();
    for &g in glyphs {
        remapper.remap(g);
    }
    let Ok(bytes) = subsetter::subset(data, index, &remapper) else {
        return false;
    };
    let mut warnings = Vec::new();
    ParsedFont::from_bytes(&bytes, 0, &mut warnings).is_some()
}

/// The glyph ids each face shows on the pages, ascending: a bit per glyph
/// id and face, pages scanned in parallel.
fn used_glyphs(layout: &Layout) -> BTreeMap<FaceId, Vec<u16>> {
    use rayon::prelude::*;
    type Seen = BTreeMap<FaceId, Vec<u64>>;
    let seen: Seen = layout
        .pages
        .par_iter()
        .fold(Seen::new, |mut seen, page| {
            for item in &page.items {
                if let Item::Glyphs(run) = item {
                    let bits = seen.entry(run.face).or_insert_with(|| vec![0; 1024]);
                    for g in run.glyphs.iter() {
                        bits[usize::from(g.id >> 6)] |= 1 << (g.id & 63);
                    }
                }
            }
            seen
        })
        .reduce(Seen::new, |mut all, seen| {
            for (face, bits) in seen {
                match all.get_mut(&face) {
                    Some(into) => into.iter_mut().zip(bits).for_each(|(a, b)| *a |= b),
                    None => {
                        all.insert(face, bits);
                    }
                }
            }
            all
        });
    seen.into_iter()
        .map(|(face, bits)| {
            let ids = (0..=u16::MAX)
                .filter(|&g| bits[usize::from(g >> 6)] & (1 << (g & 63)) != 0)
                .collect();
            (face, ids)
        })
        .collect()
}

/// Subsets every face the pages use, bundled or fallback (TrueType or CFF
/// outlines alike), and adds it to the document under a deterministic name
/// (`ABCDEF+PostScriptName`). Returns the subsets and the inventory page's
/// operations.
pub(super) fn subset_faces(
    layout: &Layout,
    fonts: &Fonts,
    doc: &mut PdfDocument,
) -> Result<(BTreeMap<FaceId, Subset>, Vec<Op>)> {
    let mut out = BTreeMap::new();
    let mut inventory = vec![Op::StartTextSection];
    for (face_id, glyphs) in used_glyphs(layout) {
        let face = fonts.face(face_id);
        let mut remapper = subsetter::GlyphRemapper::new();
        let new_ids: Vec<u16> = glyphs.iter().map(|&g| remapper.remap(g)).collect();
        let bytes = subsetter::subset(face.bytes(), face.index, &remapper)
            .map_err(|e| fail(format!("cannot subset {}: {e:?}", face.name)))?;
        // a CID-keyed CFF subset is shown by CID, others by glyph id (what
        // printpdf keys /W and ToUnicode by)
        let cids = printpdf::font::cff_charset_gid_to_cid_map(&bytes, 0);
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| fail(format!("cannot load the subset of {}", face.name)))?;
        // the subset tag: six capitals derived from the glyph set (ISO 32000-1, 9.6.4)
        let key: Vec<u8> = glyphs.iter().flat_map(|g| g.to_be_bytes()).collect();
        let mut h = fnv1a(&key, face_id.index() as u64);
        let tag: String = (0..6)
            .map(|_| {
                let c = (b'A' + (h % 26) as u8) as char;
                h /= 26;
                c
            })
            .collect();
        parsed.font_name = Some(format!("{tag}+{}", face.postscript_name));
        let name = format!("F{}", face_id.index() + 1);
        doc.resources
            .fonts
            .map
            .insert(FontId(name.clone()), printpdf::PdfFont::new(parsed));

        let font = face.font_ref();
        let hmtx = font.hmtx().map_err(|_| fail("font without hmtx"))?;
        let upem = f32::from(face.units_per_em);
        let len = glyphs.last().map_or(0, |&g| usize::from(g) + 1);
        let mut codes = vec![0u16; len];
        let mut widths = vec![0f32; len];
        let mut shown = Vec::with_capacity(glyphs.len());
        for (&g, &new) in glyphs.iter().zip(&new_ids) {
            let code = cids
                .as_ref()
                .and_then(|m| m.get(&new).copied())
                .unwrap_or(new);
            codes[usize::from(g)] = code;
            let advance = hmtx
                .advance(read_fonts::types::GlyphId::new(u32::from(g)))
                .unwrap_or(0);
            widths[usize::from(g)] = f32::from(advance) * 1000.0 / upem;
            // the .notdef glyph (id 0) stands for every character no font
            // covers, so it maps to none of them (they are reported as
            // missing glyphs)
            let text = layout.glyph_texts.unicode(face_id, g).to_string();
            shown.push(Codepoint::with_cid(new, 0.0, text));
        }
        inventory.push(Op::SetFont {
            font: PdfFontHandle::External(FontId(name.clone())),
            size: Pt(10.0),
        });
        inventory.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(shown)],
        });
        out.insert(
            face_id,
            Subset {
                name,
                codes,
                widths,
            },
        );
    }
    inventory.push(Op::EndTextSection);
    Ok((out, inventory))
}
