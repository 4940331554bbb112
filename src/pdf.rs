//! PDF writer: the typesetter's pages → PDF bytes.
//!
//! 1. each face is subset to the glyphs used (`subsetter`), and loaded into
//!    printpdf under a deterministic name (`ABCDEF+PostScriptName`);
//! 2. every glyph run becomes a text matrix and a `TJ` of glyph ids, each
//!    with its text for the ToUnicode map, and adjustments that reproduce
//!    our advances (kerning, justification) exactly;
//! 3. rules and link annotations are added; the y axis is flipped here and
//!    only here;
//! 4. printpdf builds the document, and lopdf finishes it: document info
//!    and dates, language, page labels, the nested outline, named
//!    destinations, a content-derived file ID.

use std::collections::{BTreeMap, HashMap};

use lopdf::{dictionary, Object, StringFormat};
use printpdf::{
    Actions, BorderArray, Codepoint, Destination, FontId, LinkAnnotation, Mm, Op, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};
use read_fonts::TableProvider;

use crate::date::Timestamp;
use crate::doc::Metadata;
use crate::error::{Error, Result};
use crate::typeset::fonts::{FaceId, Fonts};
use crate::typeset::frame::{Item, LinkDest};
use crate::typeset::Layout;

fn fail(message: impl Into<String>) -> Error {
    Error::Output {
        format: "pdf",
        message: message.into(),
    }
}

/// A face subset to the glyphs a document uses.
struct Subset {
    id: FontId,
    /// original glyph id → glyph id in the subset
    remap: BTreeMap<u16, u16>,
    /// advance widths of the original glyphs, in 1/1000 em (what /W says)
    widths: HashMap<u16, f64>,
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

/// Subsets every face the pages use, bundled or fallback (TrueType or CFF
/// outlines alike), and adds it to the document.
fn subset_faces(
    layout: &Layout,
    fonts: &Fonts,
    doc: &mut PdfDocument,
) -> Result<BTreeMap<FaceId, Subset>> {
    let mut used: BTreeMap<FaceId, std::collections::BTreeSet<u16>> = BTreeMap::new();
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Glyphs(run) = item {
                used.entry(run.face)
                    .or_default()
                    .extend(run.glyphs.iter().map(|g| g.id));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (face_id, glyphs) in used {
        let face = fonts.face(face_id);
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut remap = BTreeMap::new();
        for &g in &glyphs {
            remap.insert(g, remapper.remap(g));
        }
        let bytes = subsetter::subset(face.bytes(), face.index, &remapper)
            .map_err(|e| fail(format!("cannot subset {}: {e:?}", face.name)))?;
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
        let id = FontId(format!("F{}", face_id.index() + 1));
        doc.resources
            .fonts
            .map
            .insert(id.clone(), printpdf::PdfFont::new(parsed));
        let font = face.font_ref();
        let hmtx = font.hmtx().map_err(|_| fail("font without hmtx"))?;
        let upem = f64::from(face.units_per_em);
        let widths = glyphs
            .iter()
            .map(|&g| {
                let adv = hmtx
                    .advance(read_fonts::types::GlyphId::new(u32::from(g)))
                    .unwrap_or(0);
                (g, f64::from(adv) * 1000.0 / upem)
            })
            .collect();
        out.insert(face_id, Subset { id, remap, widths });
    }
    Ok(out)
}

/// Writes the laid-out pages as a PDF.
pub fn write(layout: &Layout, meta: &Metadata, fonts: &Fonts, date: Timestamp) -> Result<Vec<u8>> {
    let mut doc = PdfDocument::new(&meta.title);
    let subsets = subset_faces(layout, fonts, &mut doc)?;
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
    let mut pages = Vec::with_capacity(layout.pages.len());
    for page in &layout.pages {
        let mut ops = Vec::new();
        let mut text_open = false;
        let mut current: Option<(FaceId, f64)> = None;
        // the fill colour in force (`None`: black, the default)
        let mut fill: Option<[f32; 3]> = None;
        for item in &page.items {
            match item {
                Item::Glyphs(run) => {
                    let Some(subset) = subsets.get(&run.face) else {
                        continue;
                    };
                    if !text_open {
                        ops.push(Op::StartTextSection);
                        text_open = true;
                    }
                    if current != Some((run.face, run.size)) {
                        ops.push(Op::SetFont {
                            font: PdfFontHandle::External(subset.id.clone()),
                            size: Pt(run.size as f32),
                        });
                        current = Some((run.face, run.size));
                    }
                    if run.color != fill {
                        ops.push(fill_color(run.color));
                        fill = run.color;
                    }
                    // one TJ per stretch of glyphs on the same rise
                    let mut x = run.x;
                    let mut i = 0;
                    while i < run.glyphs.len() {
                        let rise = run.glyphs[i].rise;
                        let mut codes = Vec::new();
                        let start_x = x;
                        while i < run.glyphs.len() && (run.glyphs[i].rise - rise).abs() < 1e-6 {
                            let g = &run.glyphs[i];
                            let width = subset.widths.get(&g.id).copied().unwrap_or(0.0);
                            let wanted = f64::from(g.advance) / run.size * 1000.0;
                            let adjust = (width - wanted) as f32;
                            let code = subset.remap.get(&g.id).copied().unwrap_or(0);
                            // the ToUnicode map has one text per glyph: the
                            // .notdef glyph (id 0) stands for every character
                            // no font covers, so it maps to none of them
                            // (they are reported as missing glyphs)
                            let text = if g.text.is_empty() || g.id == 0 {
                                String::new()
                            } else {
                                g.text.to_string()
                            };
                            codes.push(Codepoint::with_cid(code, adjust, text));
                            x += f64::from(g.advance);
                            i += 1;
                        }
                        ops.push(Op::SetTextMatrix {
                            matrix: TextMatrix::Translate(
                                Pt(start_x as f32),
                                Pt((h - run.y + f64::from(rise)) as f32),
                            ),
                        });
                        ops.push(Op::ShowText {
                            items: vec![TextItem::GlyphIds(codes)],
                        });
                    }
                }
                Item::Rule {
                    x,
                    y,
                    width,
                    height,
                } => {
                    if text_open {
                        ops.push(Op::EndTextSection);
                        text_open = false;
                        current = None;
                    }
                    if fill.is_some() {
                        ops.push(fill_color(None));
                        fill = None;
                    }
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: Pt(*x as f32),
                            y: Pt((h - y - height) as f32),
                            width: Pt(*width as f32),
                            height: Pt(*height as f32),
                            mode: Some(printpdf::PaintMode::Fill),
                            winding_order: None,
                        },
                    });
                }
                Item::Link { rect, target } => {
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
                // images are drawn by the lopdf pass (see `add_images`)
                Item::Image { .. } | Item::Anchor { .. } => {}
            }
        }
        if fill.is_some() {
            // leave black for whatever is drawn after (the image pass)
            ops.push(fill_color(None));
        }
        if text_open {
            ops.push(Op::EndTextSection);
        }
        let _ = Point {
            x: Pt(0.0),
            y: Pt(0.0),
        };
        pages.push(PdfPage::new(
            Mm::from(Pt(layout.page_width as f32)),
            Mm::from(Pt(layout.page_height as f32)),
            ops,
        ));
    }
    doc.with_pages(pages);
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&options, &mut warnings);
    // printpdf's copy of every page (an op per glyph run, a string per
    // glyph) is no longer needed: free it before compressing and saving
    drop(doc);
    finish(&mut lo, layout, meta, date)?;
    save_with_content_id(&mut lo)
}

/// Sets the fill colour (text and rules) to `rgb`, or back to black.
fn fill_color(rgb: Option<[f32; 3]>) -> Op {
    let [r, g, b] = rgb.unwrap_or([0.0; 3]);
    Op::SetFillColor {
        col: printpdf::Color::Rgb(printpdf::Rgb::new(r, g, b, None)),
    }
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
    let outline_root = write_outline(doc, layout, &page_ids);
    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail(format!("no catalog: {e}")))?;
    catalog.remove(b"Metadata");
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
    add_images(doc, layout, &page_ids)?;
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
    doc.prune_objects();
    doc.renumber_objects();
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
        let inline: Vec<Object> = match doc.get_dictionary(page_id).and_then(|p| p.get(b"Annots")) {
            Ok(Object::Array(items)) => items.clone(),
            _ => continue,
        };
        if inline.is_empty() {
            if let Ok(page) = doc.get_object_mut(page_id).and_then(Object::as_dict_mut) {
                page.remove(b"Annots");
            }
            continue;
        }
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
    use std::io::Write;
    let mut streams: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.allows_compression && s.dict.get(b"Filter").is_err() => Some(s),
            _ => None,
        })
        .collect();
    streams.par_iter_mut().for_each(|stream| {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        let packed = encoder
            .write_all(&stream.content)
            .and_then(|()| encoder.finish());
        if let Ok(packed) = packed {
            if packed.len() + 19 < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(packed);
            }
        }
    });
}

/// Image XObjects, one per image: JPEG passed through (`DCTDecode`), PNG
/// decoded to samples (compressed with the other streams) with its alpha
/// channel as a soft mask; then a content stream per page that draws them.
fn add_images(
    doc: &mut lopdf::Document,
    layout: &Layout,
    page_ids: &[lopdf::ObjectId],
) -> Result<()> {
    use crate::images::{decode_png, Format};
    let mut names: BTreeMap<&str, (String, lopdf::ObjectId)> = BTreeMap::new();
    for (n, (src, image)) in layout.images.iter().enumerate() {
        let color_space = |components: u8| match components {
            1 => "DeviceGray",
            4 => "DeviceCMYK",
            _ => "DeviceRGB",
        };
        let id = match image.format {
            Format::Jpeg => {
                let dict = dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => i64::from(image.width),
                    "Height" => i64::from(image.height),
                    "ColorSpace" => color_space(image.components),
                    "BitsPerComponent" => 8,
                    "Filter" => "DCTDecode",
                };
                let mut stream = lopdf::Stream::new(dict, image.bytes.clone());
                stream.allows_compression = false;
                doc.add_object(stream)
            }
            Format::Png => {
                let pixels =
                    decode_png(&image.bytes).map_err(|e| fail(format!("image `{src}`: {e}")))?;
                let mut dict = dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => i64::from(image.width),
                    "Height" => i64::from(image.height),
                    "ColorSpace" => color_space(pixels.components),
                    "BitsPerComponent" => 8,
                };
                if let Some(alpha) = pixels.alpha {
                    let mask = dictionary! {
                        "Type" => "XObject",
                        "Subtype" => "Image",
                        "Width" => i64::from(image.width),
                        "Height" => i64::from(image.height),
                        "ColorSpace" => "DeviceGray",
                        "BitsPerComponent" => 8,
                    };
                    let mask_id = doc.add_object(lopdf::Stream::new(mask, alpha));
                    dict.set("SMask", mask_id);
                }
                doc.add_object(lopdf::Stream::new(dict, pixels.color))
            }
        };
        names.insert(src.as_str(), (format!("Im{}", n + 1), id));
    }
    if names.is_empty() {
        return Ok(());
    }
    let h = layout.page_height;
    for (page, &page_id) in layout.pages.iter().zip(page_ids) {
        let mut ops = String::new();
        let mut used = lopdf::Dictionary::new();
        for item in &page.items {
            if let Item::Image {
                src,
                x,
                y,
                width,
                height,
            } = item
            {
                let Some((name, id)) = names.get(src.as_str()) else {
                    continue;
                };
                ops.push_str(&format!(
                    "q {width:.3} 0 0 {height:.3} {x:.3} {:.3} cm /{name} Do Q\n",
                    h - y - height
                ));
                used.set(name.as_bytes().to_vec(), *id);
            }
        }
        if ops.is_empty() {
            continue;
        }
        let content = doc.add_object(lopdf::Stream::new(
            lopdf::Dictionary::new(),
            ops.into_bytes(),
        ));
        // the page's resources, as its own dictionary, with the images added
        let resources = {
            let page_dict = doc
                .get_dictionary(page_id)
                .map_err(|e| fail(e.to_string()))?;
            match page_dict.get(b"Resources") {
                Ok(Object::Reference(r)) => doc
                    .get_dictionary(*r)
                    .map_err(|e| fail(e.to_string()))?
                    .clone(),
                Ok(Object::Dictionary(d)) => d.clone(),
                _ => lopdf::Dictionary::new(),
            }
        };
        let mut resources = resources;
        let mut xobjects = match resources.get(b"XObject") {
            Ok(Object::Reference(r)) => doc
                .get_dictionary(*r)
                .map_err(|e| fail(e.to_string()))?
                .clone(),
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => lopdf::Dictionary::new(),
        };
        for (k, v) in used.iter() {
            xobjects.set(k.clone(), v.clone());
        }
        resources.set("XObject", xobjects);
        let page_dict = doc
            .get_object_mut(page_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| fail(e.to_string()))?;
        let contents = match page_dict.get(b"Contents") {
            Ok(Object::Array(a)) => a.clone(),
            Ok(other) => vec![other.clone()],
            Err(_) => Vec::new(),
        };
        // images first, so text and rules are drawn over them
        let mut all = vec![Object::Reference(content)];
        all.extend(contents);
        page_dict.set("Contents", all);
        page_dict.set("Resources", resources);
    }
    Ok(())
}

/// Writes the outline tree: chapters (level 1) with their sections nested.
fn write_outline(
    doc: &mut lopdf::Document,
    layout: &Layout,
    page_ids: &[lopdf::ObjectId],
) -> Option<lopdf::ObjectId> {
    if layout.outline.is_empty() {
        return None;
    }
    let root_id = doc.new_object_id();
    // build a tree by levels: parents stack
    struct Node {
        id: lopdf::ObjectId,
        title: String,
        page: usize,
        y: f64,
        children: Vec<usize>,
        parent: Option<usize>,
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut top: Vec<usize> = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    for entry in &layout.outline {
        let index = nodes.len();
        while stack.last().is_some_and(|(level, _)| *level >= entry.level) {
            stack.pop();
        }
        let parent = stack.last().map(|(_, i)| *i);
        nodes.push(Node {
            id: doc.new_object_id(),
            title: entry.title.clone(),
            page: entry.page,
            y: entry.y,
            children: Vec::new(),
            parent,
        });
        match parent {
            Some(p) => nodes[p].children.push(index),
            None => top.push(index),
        }
        stack.push((entry.level, index));
    }
    let h = layout.page_height;
    for i in 0..nodes.len() {
        let siblings: &[usize] = match nodes[i].parent {
            Some(p) => &nodes[p].children,
            None => &top,
        };
        let pos = siblings.iter().position(|&s| s == i).unwrap_or(0);
        let prev = pos.checked_sub(1).map(|p| nodes[siblings[p]].id);
        let next = siblings.get(pos + 1).map(|&n| nodes[n].id);
        let parent_id = nodes[i].parent.map_or(root_id, |p| nodes[p].id);
        let page_id = page_ids.get(nodes[i].page).copied().unwrap_or(page_ids[0]);
        let mut dict = dictionary! {
            "Title" => text_string(&nodes[i].title),
            "Parent" => parent_id,
            "Dest" => vec![page_id.into(), "XYZ".into(), Object::Null, Object::Real((h - nodes[i].y + 6.0) as f32), Object::Null],
        };
        if let Some(p) = prev {
            dict.set("Prev", p);
        }
        if let Some(n) = next {
            dict.set("Next", n);
        }
        if let (Some(&first), Some(&last)) = (nodes[i].children.first(), nodes[i].children.last()) {
            dict.set("First", nodes[first].id);
            dict.set("Last", nodes[last].id);
            dict.set("Count", Object::Integer(nodes[i].children.len() as i64));
        }
        doc.objects.insert(nodes[i].id, Object::Dictionary(dict));
    }
    let root = dictionary! {
        "Type" => "Outlines",
        "First" => nodes[top[0]].id,
        "Last" => nodes[*top.last().expect("non-empty")].id,
        "Count" => Object::Integer(top.len() as i64),
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    Some(root_id)
}
