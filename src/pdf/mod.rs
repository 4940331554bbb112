//! PDF writer: the typesetter's pages → PDF bytes.
//!
//! 1. [`fonts`]: each face is subset to the glyphs used and loaded into
//!    printpdf, which writes the font objects (widths, ToUnicode maps) from
//!    one throwaway page that shows every glyph used once; lopdf takes over
//!    from there:
//! 2. [`content`]: each page's content stream (text, rules) is written
//!    and compressed, pages in parallel;
//! 3. [`images`]: image XObjects, and a stream drawing them on each page
//!    that shows them;
//! 4. the pages and their link annotations are written here, sharing the
//!    fonts' resources; [`outline`] and `finish`: the nested outline,
//!    document info and [`xmp`] metadata with the build's dates, language,
//!    page labels;
//! 5. [`save`]: the objects serialised in parallel, the cross-reference
//!    table, and a content-derived file ID.

mod content;
mod fonts;
mod images;
mod outline;
mod save;
mod tags;
mod vector;
mod xmp;

pub use content::StreamCache;
pub(crate) use fonts::embeddable;

use std::collections::BTreeMap;
use std::sync::Arc;

use lopdf::{dictionary, Object, StringFormat};
use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};

use crate::date::Timestamp;
use crate::doc::Metadata;
use crate::error::{Error, Result};
use crate::typeset::fonts::Fonts;
use crate::typeset::frame::{Item, LinkDest, Page};
use crate::typeset::structure::{Node, Tag};
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

/// Writes the print edition for a printer's `preset`: each page on a sheet
/// with its bleed (and crop marks), TrimBox and BleedBox; links and the
/// outline only where the printer takes them; blank pages added so the
/// count is even (and the last page is blank, where the printer asks).
pub fn write_print(
    mut layout: Layout,
    meta: &Metadata,
    fonts: &Fonts,
    date: Timestamp,
    preset: &crate::print::Preset,
) -> Result<Vec<u8>> {
    let blank = |n: usize| Page {
        label: n.to_string(),
        items: Vec::new(),
        decoration: None,
        tags: Vec::new(),
    };
    if preset.blank_last && layout.pages.last().is_some_and(|p| !p.items.is_empty()) {
        layout.pages.push(blank(layout.pages.len() + 1));
    }
    if layout.pages.len() % 2 == 1 {
        let n = layout.pages.len() + 1;
        // (before a blank last page, so that it stays last)
        let at = if preset.blank_last { n - 2 } else { n - 1 };
        layout.pages.insert(at, blank(n));
    }
    write_with(layout, meta, fonts, date, None, Some(preset))
}

/// [`write`], taking the content streams of pages that have not changed
/// since the last build from `cache`, and keeping this build's there
/// (`quire watch`).
pub fn write_cached(
    layout: Layout,
    meta: &Metadata,
    fonts: &Fonts,
    date: Timestamp,
    cache: Option<&StreamCache>,
) -> Result<Vec<u8>> {
    write_with(layout, meta, fonts, date, cache, None)
}

/// [`write_cached`], for the print edition of `print` when given.
fn write_with(
    mut layout: Layout,
    meta: &Metadata,
    fonts: &Fonts,
    date: Timestamp,
    cache: Option<&StreamCache>,
    print: Option<&crate::print::Preset>,
) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let mut doc = PdfDocument::new(&meta.title);
    let (subsets, inventory) = fonts::subset_faces(&layout, fonts, &mut doc)?;
    let (w, h) = (layout.page_width, layout.page_height);
    let links = match print {
        Some(preset) if !preset.annotations => layout.pages.iter().map(|_| Vec::new()).collect(),
        _ => links(&layout.pages, h),
    };
    // printpdf writes the fonts (with their widths and ToUnicode maps) and
    // the document around them; its one page is the fonts' inventory,
    // taken out below. The pages are written here.
    doc.with_pages(vec![PdfPage::new(Mm(100.0), Mm(100.0), inventory)]);
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    // printpdf converts its document while the content streams are written
    // and deflated, page by page in parallel; each page then keeps only its
    // images (drawn by `images::add_images`)
    let pages = std::mem::take(&mut layout.pages);
    let (mut lo, (mut contents, pictures)) = rayon::join(
        move || {
            let mut warnings = Vec::new();
            doc.to_lopdf_document(&options, &mut warnings)
        },
        || -> (Vec<Kept>, Vec<Page>) {
            if let Some(cache) = cache {
                cache.start();
            }
            let face_keys = cache.map(|_| content::face_keys(&subsets));
            pages
                .into_par_iter()
                .map(|page| {
                    // the body in a q/Q pair, so that the folio and running
                    // head after it start from the default graphics state
                    let split = page.decoration.unwrap_or(page.items.len());
                    let (body, decoration) = page.items.split_at(split);
                    let (body_tags, decoration_tags) =
                        page.tags.split_at(split.min(page.tags.len()));
                    let key = face_keys
                        .as_ref()
                        .map_or(0, |f| content::key(body, body_tags, h, f));
                    let bytes = match cache.and_then(|c| c.get(key)) {
                        Some(kept) => kept,
                        None => {
                            let mut stream = b"q\n".to_vec();
                            stream.extend(content::page(body, body_tags, false, h, &subsets));
                            stream.extend_from_slice(b"Q\n");
                            Arc::new(deflate(&stream))
                        }
                    };
                    let marked: Vec<Arc<Node>> = content::sequences(body, body_tags)
                        .into_iter()
                        .cloned()
                        .collect();
                    let decoration = (!decoration.is_empty())
                        .then(|| content::page(decoration, decoration_tags, true, h, &subsets));
                    let mut tags = page.tags.into_iter();
                    let (images, tags) = page
                        .items
                        .into_iter()
                        .map(|item| (item, tags.next().unwrap_or_default()))
                        .filter(|(item, _)| matches!(item, Item::Image { .. }))
                        .unzip();
                    (
                        (key, bytes, decoration, marked),
                        Page {
                            label: page.label,
                            items: images,
                            decoration: None,
                            tags,
                        },
                    )
                })
                .unzip()
        },
    );
    layout.pages = pictures;
    if let Some(cache) = cache {
        let kept = contents.iter().map(|(k, b, ..)| (*k, b.clone())).collect();
        cache.replace(kept);
    }
    let (tree, resources) = take_inventory(&mut lo)?;
    // the elements of each page's marked content by MCID: the body's,
    // then the images'
    let mut marked: Vec<Vec<Arc<Node>>> = contents
        .iter_mut()
        .map(|c| std::mem::take(&mut c.3))
        .collect();
    let first: Vec<usize> = marked.iter().map(Vec::len).collect();
    let (drawn, figures) = images::add_images(&mut lo, &layout, resources, &first)?;
    for (page, figures) in marked.iter_mut().zip(figures) {
        page.extend(figures);
    }
    let (page_ids, mut raw, annotations) = add_pages(
        &mut lo,
        (tree, resources),
        contents,
        links,
        &drawn,
        (w, h),
        print,
    )?;
    let marks: Vec<tags::PageMarks> = page_ids
        .iter()
        .zip(&marked)
        .zip(&annotations)
        .map(|((&id, marked), annotations)| tags::PageMarks {
            id,
            marked,
            annotations: annotations.iter().map(|(a, n)| (*a, n.as_ref())).collect(),
        })
        .collect();
    let structure = tags::write(&mut lo, &marks, &mut raw);
    let outline = print.is_none_or(|p| p.outline);
    finish(&mut lo, &layout, &page_ids, meta, date, outline, structure)?;
    drop(layout);
    let bytes = save::save(&lo, &raw);
    // freeing tens of thousands of objects takes a while: not on the way
    // to the caller (in `quire watch`, the next build)
    std::thread::spawn(move || drop(lo));
    Ok(bytes)
}

/// Writes the pages under printpdf's page tree (`tree`), in place of its
/// inventory page, apart from the lopdf document: each with its content
/// streams (the images it shows, from `drawn`; the body, compressed; the
/// folio and running head) and its link annotations, all pages sharing the
/// fonts' `resources` unless they show images. Returns the pages' ids, the
/// objects written, and each page's annotations with the element of the
/// text each covers. Page `i` is `/StructParents i` in the structure's
/// parent tree, the annotations (in page order) the keys after the pages'.
fn add_pages(
    lo: &mut lopdf::Document,
    (tree, resources): (lopdf::ObjectId, lopdf::ObjectId),
    contents: Vec<Kept>,
    links: Vec<Vec<Link>>,
    drawn: &[Option<(lopdf::ObjectId, lopdf::ObjectId)>],
    (w, h): (f64, f64),
    print: Option<&crate::print::Preset>,
) -> Result<(Vec<lopdf::ObjectId>, save::RawObjects, Annotations)> {
    use std::io::Write;
    // the pages' ids first: links point forwards as well as back
    let page_ids: Vec<lopdf::ObjectId> = contents.iter().map(|_| lo.new_object_id()).collect();
    let rect = |r: [f64; 4]| {
        let mut out = Vec::new();
        save::write_object(&mut out, &r.map(real).to_vec().into());
        out
    };
    let mut raw = save::RawObjects::new();
    let mut annotations = Vec::with_capacity(page_ids.len());
    let mut parent_key = page_ids.len();
    let pages = page_ids.iter().zip(contents).zip(links).zip(drawn);
    for (index, (((&page_id, (_, bytes, decoration, _)), links), drawn)) in pages.enumerate() {
        let mut annotated = Vec::with_capacity(links.len());
        // the trimmed page on its sheet (the whole sheet, but for print)
        let boxes = match print {
            Some(preset) => preset.boxes(index, w, h),
            None => crate::print::PageBoxes {
                media: [0.0, 0.0, w, h],
                trim: [0.0, 0.0, w, h],
                bleed: [0.0, 0.0, w, h],
            },
        };
        let (dx, dy) = (boxes.trim[0], boxes.trim[1]);
        let mut streams = Vec::new();
        if print.is_some() {
            // the page's content moved onto the sheet: the streams kept
            // from the reading edition stay as they are
            let id = lo.new_object_id();
            let shift = format!("q 1 0 0 1 {dx:.3} {dy:.3} cm\n");
            raw.push((id.0, save::Raw::Stream(shift.into_bytes())));
            streams.push(id.0);
        }
        if let Some((images, _)) = drawn {
            // images first, so text and rules are drawn over them
            streams.push(images.0);
        }
        let body = lo.new_object_id();
        raw.push((body.0, save::Raw::Deflated(bytes)));
        streams.push(body.0);
        if let Some(decoration) = decoration {
            let id = lo.new_object_id();
            raw.push((id.0, save::Raw::Stream(decoration)));
            streams.push(id.0);
        }
        if let Some(preset) = print {
            let mut end = b"Q\n".to_vec();
            end.extend(preset.crop_marks(&boxes));
            let id = lo.new_object_id();
            raw.push((id.0, save::Raw::Stream(end)));
            streams.push(id.0);
        }
        let own = drawn.map_or(resources, |(_, own)| own);
        let mut page = Vec::with_capacity(256);
        page.extend_from_slice(b"<</Type /Page/Parent ");
        let _ = write!(page, "{} 0 R/MediaBox ", tree.0);
        page.extend_from_slice(&rect(boxes.media));
        page.extend_from_slice(b"/TrimBox ");
        page.extend_from_slice(&rect(boxes.trim));
        if print.is_some() {
            page.extend_from_slice(b"/BleedBox ");
            page.extend_from_slice(&rect(boxes.bleed));
        }
        let _ = write!(
            page,
            "/Resources {} 0 R/StructParents {index}/Contents ",
            own.0
        );
        references(&mut page, &streams, streams.len() > 1);
        if !links.is_empty() {
            // (PDF/UA: annotations in the order of the structure)
            page.extend_from_slice(b"/Tabs /S");
            let mut annots = Vec::with_capacity(links.len());
            for mut link in links {
                // (on the sheet: every page of a book has the same head
                // bleed, so a link's target moves as much as its page)
                link.rect = [
                    link.rect[0] + dx,
                    link.rect[1] + dy,
                    link.rect[2] + dx,
                    link.rect[3] + dy,
                ];
                if let Target::Page(_, top) = &mut link.target {
                    *top += dy;
                }
                let id = lo.new_object_id();
                let bytes = link.annotation(page_id, &page_ids, parent_key);
                parent_key += 1;
                raw.push((id.0, save::Raw::Bytes(bytes)));
                annots.push(id.0);
                annotated.push((id, link.node));
            }
            page.extend_from_slice(b"/Annots ");
            references(&mut page, &annots, true);
        }
        page.extend_from_slice(b">>");
        raw.push((page_id.0, save::Raw::Bytes(page)));
        annotations.push(annotated);
    }
    let kids: Vec<Object> = page_ids.iter().map(|&id| Object::Reference(id)).collect();
    let tree_dict = lo
        .get_object_mut(tree)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail(format!("no page tree: {e}")))?;
    tree_dict.set("Count", Object::Integer(kids.len() as i64));
    tree_dict.set("Kids", kids);
    Ok((page_ids, raw, annotations))
}

/// `ids` as references (`7 0 R`), in an array when `array`.
fn references(out: &mut Vec<u8>, ids: &[u32], array: bool) {
    use std::io::Write;
    if array {
        out.push(b'[');
    }
    for (i, id) in ids.iter().enumerate() {
        let sep = if i > 0 { " " } else { "" };
        let _ = write!(out, "{sep}{id} 0 R");
    }
    if array {
        out.push(b']');
    }
}

/// Each page's link annotations, with the element of the text each covers.
type Annotations = Vec<Vec<(lopdf::ObjectId, Option<Arc<Node>>)>>;

/// A page's body content stream, compressed, with its [`StreamCache`] key,
/// the content stream of its folio and running head, and the elements of
/// the body's marked content by MCID.
type Kept = (u64, Arc<Vec<u8>>, Option<Vec<u8>>, Vec<Arc<Node>>);

fn real(v: f64) -> Object {
    Object::Real(v as f32)
}

/// Takes printpdf's one page, the fonts' inventory, out of the document
/// (printpdf writes a flat page tree: the root's /Kids are the pages).
/// Returns the page tree and the inventory's resources (which name every
/// font: all pages share them).
fn take_inventory(doc: &mut lopdf::Document) -> Result<(lopdf::ObjectId, lopdf::ObjectId)> {
    let ids: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    let [id] = ids[..] else {
        return Err(fail("printpdf wrote other pages than the inventory"));
    };
    let Some(Object::Dictionary(page)) = doc.objects.remove(&id) else {
        return Err(fail("the inventory page is not a dictionary"));
    };
    let tree = page
        .get(b"Parent")
        .and_then(Object::as_reference)
        .map_err(|e| fail(format!("page without a parent: {e}")))?;
    if let Ok(contents) = page.get(b"Contents").and_then(Object::as_reference) {
        doc.objects.remove(&contents);
    }
    let resources = match page.get(b"Resources") {
        Ok(Object::Reference(r)) => *r,
        Ok(Object::Dictionary(d)) => doc.add_object(d.clone()),
        _ => return Err(fail("the inventory page has no resources")),
    };
    Ok((tree, resources))
}

/// Where a link goes.
enum Target {
    Uri(String),
    /// A 0-based page index and the top of the view on it.
    Page(usize, f64),
}

/// A link annotation to be written: its rectangle in PDF space
/// (x0, y0, x1, y1), its target, what it says to a screen reader, and the
/// element of the text it covers.
struct Link {
    rect: [f64; 4],
    target: Target,
    contents: String,
    node: Option<Arc<Node>>,
}

impl Link {
    /// The annotation dictionary (ISO 32000-1, 12.5.6.5) on page `page`,
    /// its key in the structure's parent tree `parent`.
    fn annotation(
        &self,
        page: lopdf::ObjectId,
        pages: &[lopdf::ObjectId],
        parent: usize,
    ) -> Vec<u8> {
        let action = match &self.target {
            Target::Uri(uri) => dictionary! {
                "S" => "URI",
                "URI" => Object::String(uri.clone().into_bytes(), StringFormat::Literal),
            },
            Target::Page(index, top) => dictionary! {
                "S" => "GoTo",
                "D" => vec![
                    pages.get(*index).map_or(Object::Null, |&id| Object::Reference(id)),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    real(*top),
                    Object::Null,
                ],
            },
        };
        let annotation = dictionary! {
            "Type" => "Annot",
            "Subtype" => "Link",
            "Rect" => self.rect.iter().map(|&v| real(v)).collect::<Vec<Object>>(),
            "Border" => vec![0.into(), 0.into(), 0.into()],
            "A" => action,
            "P" => page,
            // printed (PDF/A: every annotation is)
            "F" => 4,
            // (PDF/UA: what the link is, and its element)
            "Contents" => text_string(&self.contents),
            "StructParent" => parent as i64,
        };
        let mut bytes = Vec::with_capacity(160);
        save::write_object(&mut bytes, &annotation.into());
        bytes
    }
}

/// The link annotations of each page (internal links go to the first page
/// and position of their target's anchor; a link to no anchor is dropped).
/// A link says where it goes: its URL, or the page it leads to.
fn links(pages: &[Page], h: f64) -> Vec<Vec<Link>> {
    // anchors: tree id → (page index, y from the top)
    let mut anchors: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for (i, page) in pages.iter().enumerate() {
        for item in &page.items {
            if let Item::Anchor { id, y } = item {
                anchors.entry(id.as_str()).or_insert((i, *y));
            }
        }
    }
    pages
        .iter()
        .map(|page| {
            page.items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let Item::Link { rect, target } = item else {
                        return None;
                    };
                    let (target, contents) = match target {
                        LinkDest::External(url) => (Target::Uri(url.clone()), url.clone()),
                        LinkDest::Internal(id) => {
                            let &(page, y) = anchors.get(id.as_str())?;
                            let label = &pages[page].label;
                            (
                                Target::Page(page, h - y + 12.0),
                                format!("Go to page {label}"),
                            )
                        }
                    };
                    let node = match page.tags.get(i) {
                        Some(Tag::Node(node)) => Some(node.clone()),
                        _ => None,
                    };
                    let [x, y, width, height] = *rect;
                    Some(Link {
                        rect: [x, h - y - height, x + width, h - y],
                        target,
                        contents,
                        node,
                    })
                })
                .collect()
        })
        .collect()
}

fn text_string(s: &str) -> Object {
    // UTF-16BE with BOM: any Unicode title survives (ISO 32000-1, 7.9.2.2)
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// The `Producer` of the document information and the XMP.
const PRODUCER: &str = "quire (printpdf, lopdf)";

/// The lopdf pass: what printpdf does not write (or writes wrongly).
fn finish(
    doc: &mut lopdf::Document,
    layout: &Layout,
    page_ids: &[lopdf::ObjectId],
    meta: &Metadata,
    date: Timestamp,
    outline: bool,
    structure: lopdf::ObjectId,
) -> Result<()> {
    doc.version = "1.7".to_string();
    // document information, dates from the build (never the clock); no
    // empty entries, and each one what the XMP says (PDF/A)
    let mut info = dictionary! {
        "Title" => text_string(&meta.title),
        "Creator" => text_string("quire"),
        "Producer" => text_string(PRODUCER),
        "CreationDate" => Object::string_literal(date.pdf()),
        "ModDate" => Object::string_literal(date.pdf()),
    };
    let authors = xmp::names(&meta.authors);
    if !authors.is_empty() {
        info.set("Author", text_string(&authors.join(", ")));
    }
    if let Some(description) = xmp::description(meta) {
        info.set("Subject", text_string(description));
    }
    if !meta.keywords.is_empty() {
        info.set("Keywords", text_string(&meta.keywords.join(", ")));
    }
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
    let outline_root = outline
        .then(|| outline::write_outline(doc, layout, page_ids))
        .flatten();
    // XMP, left uncompressed so that tools find it without inflating
    let mut xmp = lopdf::Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp::packet(meta, date, PRODUCER).into_bytes(),
    );
    xmp.allows_compression = false;
    let xmp = doc.add_object(xmp);
    let intent = output_intent(doc);
    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail(format!("no catalog: {e}")))?;
    // printpdf's XMP carries the clock's date: ours replaces it
    let metadata = catalog.remove(b"Metadata");
    catalog.set("Metadata", xmp);
    catalog.set("PageLabels", dictionary! { "Nums" => nums });
    catalog.set("Lang", text_string(&meta.language));
    // a tagged PDF (ISO 32000-1, 14.7.1 and 14.8; PDF/UA-1). `/Suspects`
    // is left at its default, false: poppler (22.12) reports an explicit
    // `false` as a syntax error
    catalog.set("StructTreeRoot", structure);
    catalog.set("MarkInfo", dictionary! { "Marked" => true });
    catalog.set("OutputIntents", vec![Object::Reference(intent)]);
    let mut preferences = dictionary! { "DisplayDocTitle" => true };
    if crate::doc::direction::language_is_rtl(&meta.language) {
        // pages side by side from the right, as the book is bound
        preferences.set("Direction", Object::Name(b"R2L".to_vec()));
    }
    catalog.set("ViewerPreferences", preferences);
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
    // every object replaced above was removed with it: nothing is left
    // unreferenced (a test checks), so no pruning pass over the document
    compress_streams(doc);
    Ok(())
}

/// The sRGB profile of the output intent (see `icc/README.md`).
const SRGB: &[u8] = include_bytes!("icc/sRGB-v4.icc");

/// The document's output intent: sRGB, the colour space its DeviceRGB and
/// DeviceGray colours mean (PDF/A, ISO 19005-2, 6.2.3).
fn output_intent(doc: &mut lopdf::Document) -> lopdf::ObjectId {
    let profile = doc.add_object(lopdf::Stream::new(dictionary! { "N" => 3 }, SRGB.to_vec()));
    doc.add_object(dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => text_string("sRGB"),
        "Info" => text_string("sRGB IEC61966-2.1"),
        "RegistryName" => text_string("http://www.color.org"),
        "DestOutputProfile" => profile,
    })
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
