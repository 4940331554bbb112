//! PDF writer: the typesetter's pages → PDF bytes.
//!
//! 1. [`fonts`]: each face is subset to the glyphs used and loaded into
//!    printpdf, which writes the font objects;
//! 2. printpdf builds the pages with their link annotations; lopdf takes
//!    over from there:
//! 3. [`content`]: each page's content stream (text, rules) is written
//!    and compressed, pages in parallel;
//! 4. [`images`], [`outline`] and `finish`: image XObjects, the nested
//!    outline, document info and dates, language, page labels, TrimBox,
//!    and a content-derived file ID.

mod content;
mod fonts;
mod images;
mod outline;

pub use content::StreamCache;
pub(crate) use fonts::embeddable;

use std::collections::BTreeMap;
use std::sync::Arc;

use lopdf::{dictionary, Object, StringFormat};
use printpdf::{
    Actions, BorderArray, Destination, LinkAnnotation, Mm, Op, PdfDocument, PdfPage,
    PdfSaveOptions, Pt, Rect,
};

use crate::date::Timestamp;
use crate::doc::Metadata;
use crate::error::{Error, Result};
use crate::typeset::fonts::Fonts;
use crate::typeset::frame::{Item, LinkDest, Page};
use crate::typeset::Layout;

fn fail(message: impl Into<String>) -> Error {
    Error::Output {
        format: "pdf",
        message: message.into(),
    }
}

/// 64-bit FNV-1a (Fowler, Noll, Vo): a small stable hash for names and IDs.
fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes the laid-out pages as a PDF. The layout is consumed: each page's
/// items are dropped as soon as its content stream is written, so a long
/// book never holds its glyphs and its PDF objects at once.
pub fn write(layout: Layout, meta: &Metadata, fonts: &Fonts, date: Timestamp) -> Result<Vec<u8>> {
    write_cached(layout, meta, fonts, date, None)
}

/// [`write`], taking the content streams of pages that have not changed
/// since the last build from `cache`, and keeping this build's there
/// (`quire watch`).
pub fn write_cached(
    mut layout: Layout,
    meta: &Metadata,
    fonts: &Fonts,
    date: Timestamp,
    cache: Option<&StreamCache>,
) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let mut doc = PdfDocument::new(&meta.title);
    let (subsets, inventory) = fonts::subset_faces(&layout, fonts, &mut doc)?;
    let h = layout.page_height;
    // anchors: tree id → (1-based page, y from the top)
    let mut anchors: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for (i, page) in layout.pages.iter().enumerate() {
        for item in &page.items {
            if let Item::Anchor { id, y } = item {
                anchors.entry(id.as_str()).or_insert((i + 1, *y));
            }
        }
    }
    // printpdf's pages carry the link annotations; their contents are
    // written below. The last page is the fonts' inventory.
    let size = |v: f64| Mm::from(Pt(v as f32));
    let (width, height) = (size(layout.page_width), size(layout.page_height));
    let mut pdf_pages: Vec<PdfPage> = layout
        .pages
        .iter()
        .map(|page| PdfPage::new(width, height, links(page, &anchors, h)))
        .collect();
    drop(anchors);
    pdf_pages.push(PdfPage::new(width, height, inventory));
    doc.with_pages(pdf_pages);
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    // printpdf converts its document while the content streams are written
    // and deflated, page by page in parallel; each page then keeps only its
    // images (drawn by `finish`)
    let pages = std::mem::take(&mut layout.pages);
    let (mut lo, (contents, pictures)) = rayon::join(
        move || {
            let mut warnings = Vec::new();
            doc.to_lopdf_document(&options, &mut warnings)
        },
        || -> (Vec<Kept>, Vec<Page>) {
            if let Some(cache) = cache {
                cache.start();
            }
            let fonts_key = cache.map(|_| content::fonts_key(&subsets));
            pages
                .into_par_iter()
                .map(|page| {
                    let key = fonts_key.map_or(0, |f| content::key(&page, h, f));
                    let bytes = match cache.and_then(|c| c.get(key)) {
                        Some(kept) => kept,
                        None => Arc::new(deflate(&content::page(&page, h, &subsets))),
                    };
                    let images = page
                        .items
                        .into_iter()
                        .filter(|item| matches!(item, Item::Image { .. }))
                        .collect();
                    (
                        (key, bytes),
                        Page {
                            label: page.label,
                            items: images,
                        },
                    )
                })
                .unzip()
        },
    );
    layout.pages = pictures;
    if let Some(cache) = cache {
        let kept = contents.iter().map(|(k, b)| (*k, b.clone())).collect();
        cache.replace(kept);
    }
    let mut page_ids: Vec<lopdf::ObjectId> = lo.get_pages().values().copied().collect();
    let inventory = page_ids
        .pop()
        .ok_or_else(|| fail("printpdf wrote no pages"))?;
    remove_page(&mut lo, inventory)?;
    for (&page_id, (_, bytes)) in page_ids.iter().zip(contents) {
        let bytes = Arc::try_unwrap(bytes).unwrap_or_else(|kept| (*kept).clone());
        let mut stream = lopdf::Stream::new(dictionary! { "Filter" => "FlateDecode" }, bytes);
        stream.allows_compression = false;
        let content = lo.add_object(stream);
        let page = lo
            .get_object_mut(page_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| fail(e.to_string()))?;
        let old = page.get(b"Contents").and_then(Object::as_reference).ok();
        page.set("Contents", content);
        if let Some(old) = old {
            lo.objects.remove(&old);
        }
    }
    finish(&mut lo, &layout, meta, date)?;
    drop(layout);
    let bytes = save_with_content_id(&mut lo);
    // freeing tens of thousands of objects takes a while: not on the way
    // to the caller (in `quire watch`, the next build)
    std::thread::spawn(move || drop(lo));
    bytes
}

/// A page's content stream, compressed, with its [`StreamCache`] key.
type Kept = (u64, Arc<Vec<u8>>);

/// Takes page `id` out of the page tree (printpdf writes a flat one: the
/// root's /Kids are the pages).
fn remove_page(doc: &mut lopdf::Document, id: lopdf::ObjectId) -> Result<()> {
    let parent = doc
        .get_dictionary(id)
        .and_then(|page| page.get(b"Parent"))
        .and_then(Object::as_reference)
        .map_err(|e| fail(format!("page without a parent: {e}")))?;
    let pages = doc
        .get_object_mut(parent)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail(e.to_string()))?;
    let kids: Vec<Object> = pages
        .get(b"Kids")
        .and_then(Object::as_array)
        .map_err(|e| fail(e.to_string()))?
        .iter()
        .filter(|kid| kid.as_reference().ok() != Some(id))
        .cloned()
        .collect();
    pages.set("Count", Object::Integer(kids.len() as i64));
    pages.set("Kids", kids);
    // the page and what only it refers to
    if let Some(Object::Dictionary(page)) = doc.objects.remove(&id) {
        for key in [b"Contents".as_slice(), b"Resources"] {
            if let Ok(r) = page.get(key).and_then(Object::as_reference) {
                doc.objects.remove(&r);
            }
        }
    }
    Ok(())
}

/// The link annotations of a page, for printpdf (internal links go to the
/// first page and position of their target's anchor).
fn links(page: &Page, anchors: &BTreeMap<&str, (usize, f64)>, h: f64) -> Vec<Op> {
    let mut ops = Vec::new();
    for item in &page.items {
        let Item::Link { rect, target } = item else {
            continue;
        };
        let actions = match target {
            LinkDest::External(url) => Actions::Uri(url.clone()),
            LinkDest::Internal(id) => match anchors.get(id.as_str()) {
                Some(&(page, y)) => Actions::Goto(Destination::Xyz {
                    page,
                    left: None,
                    top: Some((h - y + 12.0) as f32),
                    zoom: None,
                }),
                None => continue,
            },
        };
        ops.push(Op::LinkAnnotation {
            link: LinkAnnotation::new(
                Rect::from_xywh(
                    Pt(rect[0] as f32),
                    Pt((h - rect[1] - rect[3]) as f32),
                    Pt(rect[2] as f32),
                    Pt(rect[3] as f32),
                ),
                actions,
                Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                None,
                None,
            ),
        });
    }
    ops
}

fn text_string(s: &str) -> Object {
    // UTF-16BE with BOM: any Unicode title survives (ISO 32000-1, 7.9.2.2)
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// The lopdf pass: what printpdf does not write (or writes wrongly).
fn finish(
    doc: &mut lopdf::Document,
    layout: &Layout,
    meta: &Metadata,
    date: Timestamp,
) -> Result<()> {
    doc.version = "1.7".to_string();
    let page_ids: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    // document information, dates from the build (never the clock)
    let info = dictionary! {
        "Title" => text_string(&meta.title),
        "Author" => text_string(&meta.authors.join(", ")),
        "Subject" => text_string(meta.description.as_deref().unwrap_or("")),
        "Creator" => text_string("quire"),
        "Producer" => text_string("quire (printpdf, lopdf)"),
        "CreationDate" => Object::string_literal(date.pdf()),
        "ModDate" => Object::string_literal(date.pdf()),
    };
    let info_id = doc.add_object(info);
    if let Ok(old) = doc.trailer.get(b"Info").and_then(Object::as_reference) {
        doc.objects.remove(&old);
    }
    doc.trailer.set("Info", info_id);
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| fail(format!("no catalog: {e}")))?;
    // page labels: roman front matter, arabic body (ISO 32000-1, 12.4.2)
    let mut nums = vec![
        Object::Integer(0),
        Object::Dictionary(dictionary! { "S" => "r" }),
    ];
    if layout.front_pages < layout.pages.len() {
        nums.push(Object::Integer(layout.front_pages as i64));
        nums.push(Object::Dictionary(dictionary! { "S" => "D" }));
    }
    // the nested outline
    let outline_root = outline::write_outline(doc, layout, &page_ids);
    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail(format!("no catalog: {e}")))?;
    let metadata = catalog.remove(b"Metadata");
    catalog.set("PageLabels", dictionary! { "Nums" => nums });
    catalog.set("Lang", text_string(&meta.language));
    catalog.set(
        "ViewerPreferences",
        dictionary! { "DisplayDocTitle" => true },
    );
    match outline_root {
        Some(root) => {
            catalog.set("Outlines", root);
            catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        None => {
            catalog.remove(b"Outlines");
            catalog.remove(b"PageMode");
        }
    }
    if let Some(Object::Reference(xmp)) = metadata {
        doc.objects.remove(&xmp);
    }
    images::add_images(doc, layout, &page_ids)?;
    indirect_annotations(doc, &page_ids);
    for id in &page_ids {
        if let Ok(page) = doc.get_object_mut(*id).and_then(Object::as_dict_mut) {
            page.set(
                "TrimBox",
                vec![
                    0.into(),
                    0.into(),
                    Object::Real(layout.page_width as f32),
                    Object::Real(layout.page_height as f32),
                ],
            );
        }
    }
    // every object replaced above was removed with it: nothing is left
    // unreferenced (a test checks), so no pruning pass over the document
    compress_streams(doc);
    // a placeholder file ID, replaced by one derived from the content on save
    doc.trailer.set(
        "ID",
        vec![
            Object::String(ID_PLACEHOLDER.to_vec(), StringFormat::Hexadecimal),
            Object::String(ID_PLACEHOLDER.to_vec(), StringFormat::Hexadecimal),
        ],
    );
    Ok(())
}

/// printpdf writes link annotations inline in the page's `/Annots`; the
/// standard wants indirect references there (ISO 32000-1, 12.5.1), and
/// viewers and validators only count those.
fn indirect_annotations(doc: &mut lopdf::Document, page_ids: &[lopdf::ObjectId]) {
    for &page_id in page_ids {
        let inline = match doc
            .get_object_mut(page_id)
            .and_then(Object::as_dict_mut)
            .map(|page| page.remove(b"Annots"))
        {
            Ok(Some(Object::Array(items))) if !items.is_empty() => items,
            _ => continue,
        };
        let refs: Vec<Object> = inline
            .into_iter()
            .map(|item| match item {
                Object::Dictionary(mut annot) => {
                    annot.set("P", page_id);
                    Object::Reference(doc.add_object(annot))
                }
                other => other,
            })
            .collect();
        if let Ok(page) = doc.get_object_mut(page_id).and_then(Object::as_dict_mut) {
            page.set("Annots", refs);
        }
    }
}

/// The file ID before it is known: 16 bytes that content never produces in
/// the trailer (written in hex, so the real ID has the same length).
const ID_PLACEHOLDER: &[u8; 16] = b"quire-file-id-00";

/// Saves the document, then writes the file ID (ISO 32000-1, 14.4) as a hash
/// of everything else: same content, same ID; one serialisation only.
fn save_with_content_id(doc: &mut lopdf::Document) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(|e| fail(e.to_string()))?;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    let needle = format!("<{}>", hex(ID_PLACEHOLDER));
    let at: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .rev()
        .filter(|(_, w)| *w == needle.as_bytes())
        .map(|(i, _)| i)
        .take(2)
        .collect();
    if at.len() != 2 {
        return Err(fail("the file ID placeholder is missing from the trailer"));
    }
    let id: Vec<u8> = [fnv1a(&bytes, 1), fnv1a(&bytes, 2)]
        .iter()
        .flat_map(|h| h.to_be_bytes())
        .collect();
    let real = format!("<{}>", hex(&id));
    for i in at {
        bytes[i..i + real.len()].copy_from_slice(real.as_bytes());
    }
    Ok(bytes)
}

/// Deflates every stream that has no filter yet, in parallel, at zlib's
/// default level (lopdf's own `compress` uses the slowest, level 9, for a
/// few per cent).
fn compress_streams(doc: &mut lopdf::Document) {
    use rayon::prelude::*;
    let mut streams: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => Some(s),
            _ => None,
        })
        .collect();
    streams.par_iter_mut().for_each(|stream| {
        let packed = deflate(&stream.content);
        if packed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    });
}

/// `bytes` compressed for a `FlateDecode` stream (zlib format, RFC 1950).
fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::new(DEFLATE_LEVEL),
    );
    // writing to a Vec cannot fail
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The zlib level: compression barely improves past it, time does not.
const DEFLATE_LEVEL: u32 = 6;
