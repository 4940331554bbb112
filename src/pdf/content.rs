//! Page content streams (ISO 32000-1, 8.2 and 9.4), written directly as
//! bytes: one text object per page with a text matrix and a `TJ` per stretch
//! of glyphs on one baseline, fill colours, and rules as filled rectangles.
//! The y axis is flipped here and only here.
//!
//! Glyphs are shown by the codes of their subset ([`Subset::codes`]); runs
//! of glyphs whose advances match the font's widths share one hex string,
//! and a number between strings moves the pen so that every glyph lands
//! where the typesetter put it (kerning and justification included).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::fonts::Subset;
use crate::kept::Mix;
use crate::typeset::fonts::FaceId;
use crate::typeset::frame::{Item, PlacedGlyph};
use crate::typeset::structure::{Node, Tag};

/// How a drawn item is marked in the content stream (ISO 32000-1, 14.6
/// and 14.8.2.2): as content of a structure element, or as an artifact.
#[derive(Clone, Debug)]
pub(super) enum Mark<'a> {
    /// Content of this element.
    Content(&'a Arc<Node>),
    /// A running head or a folio: `/Subtype /Header` or `/Footer`.
    Pagination(&'static str),
    /// A rule, a shade, an ornament, or what has no tag.
    Layout,
}

impl Mark<'_> {
    /// Whether two items are marked alike, so that they share one marked
    /// content sequence.
    fn same(&self, other: &Mark) -> bool {
        match (self, other) {
            (Mark::Content(a), Mark::Content(b)) => Arc::ptr_eq(a, b),
            (Mark::Pagination(a), Mark::Pagination(b)) => a == b,
            (Mark::Layout, Mark::Layout) => true,
            _ => false,
        }
    }
}

/// Whether an item marked `m` starts a new marked content sequence after
/// the items marked `last` (remembered: `last` becomes `m`). The one rule
/// of where sequences start, shared by the writer, the list of MCIDs and
/// the cache key.
fn starts<'a>(last: &mut Option<Mark<'a>>, m: Mark<'a>) -> bool {
    let new = last.as_ref().is_none_or(|l| !l.same(&m));
    *last = Some(m);
    new
}

/// How item `i` of a page is marked: `None` when this stream does not
/// draw it (links, anchors, images). Rules and shades are always
/// artifacts; so is anything in a page's decoration stream
/// (`decoration`).
pub(super) fn mark<'a>(item: &Item, tag: Option<&'a Tag>, decoration: bool) -> Option<Mark<'a>> {
    Some(match item {
        Item::Link { .. } | Item::Anchor { .. } | Item::Image { .. } => return None,
        Item::Rule { .. } | Item::Shade { .. } => Mark::Layout,
        Item::Glyphs(_) => match tag {
            Some(Tag::Node(node)) if !decoration => Mark::Content(node),
            Some(Tag::Header) => Mark::Pagination("Header"),
            Some(Tag::Footer) => Mark::Pagination("Footer"),
            _ => Mark::Layout,
        },
    })
}

/// The elements of a stream's marked content sequences, by MCID (from 0):
/// a new sequence starts wherever an item is marked otherwise than the
/// item drawn before it, as [`page`] writes them.
pub(super) fn sequences<'a>(items: &[Item], tags: &'a [Tag]) -> Vec<&'a Arc<Node>> {
    let mut out = Vec::new();
    let mut last: Option<Mark> = None;
    for (i, item) in items.iter().enumerate() {
        let Some(m) = mark(item, tags.get(i), false) else {
            continue;
        };
        if starts(&mut last, m) {
            if let Some(Mark::Content(node)) = last {
                out.push(node);
            }
        }
    }
    out
}

/// The content stream of `page` (uncompressed), for a page `height` points
/// tall, each stretch of items marked as its tags say ([`mark`]; MCIDs
/// from 0 in the order of [`sequences`]); all artifacts when `decoration`.
pub(super) fn page(
    items: &[Item],
    tags: &[Tag],
    decoration: bool,
    height: f64,
    subsets: &BTreeMap<FaceId, Subset>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * 1024);
    let mut text_open = false;
    // the font and size in force inside the text object
    let mut current: Option<(FaceId, f64)> = None;
    // the fill colour in force (`None`: black, the default)
    let mut fill: Option<[f32; 3]> = None;
    // the marked content sequence open, and the next MCID
    let mut marked: Option<Mark> = None;
    let mut mcid = 0usize;
    for (index, item) in items.iter().enumerate() {
        if let Some(m) = mark(item, tags.get(index), decoration) {
            let was_open = marked.is_some();
            if starts(&mut marked, m) {
                // a sequence holds whole text objects
                if text_open {
                    out.extend_from_slice(b"ET\n");
                    text_open = false;
                    current = None;
                }
                if was_open {
                    out.extend_from_slice(b"EMC\n");
                }
                if let Some(m) = &marked {
                    begin(&mut out, m, &mut mcid);
                }
            }
        }
        match item {
            Item::Glyphs(run) => {
                let Some(subset) = subsets.get(&run.face) else {
                    continue;
                };
                if !text_open {
                    out.extend_from_slice(b"BT\n");
                    text_open = true;
                }
                if current != Some((run.face, run.size)) {
                    out.push(b'/');
                    out.extend_from_slice(subset.name.as_bytes());
                    out.push(b' ');
                    number(&mut out, run.size, 3);
                    out.extend_from_slice(b" Tf\n");
                    current = Some((run.face, run.size));
                }
                if run.color != fill {
                    fill_color(&mut out, run.color);
                    fill = run.color;
                }
                // one text matrix and TJ per stretch of glyphs on the same
                // rise; a stretch with an actual text is marked content
                let n = run.glyphs.len();
                let mut spans = run.actual.iter().filter(|s| s.glyphs.start < s.glyphs.end);
                let mut next = spans.next();
                let mut open: Option<usize> = None; // where the open span ends
                let mut x = run.x;
                let mut i = 0;
                while i < n {
                    // a span overlapping the one before, or out of order, is
                    // not written
                    while next.is_some_and(|s| (s.glyphs.start as usize) < i) {
                        next = spans.next();
                    }
                    if open.is_none() {
                        if let Some(span) = next.filter(|s| s.glyphs.start as usize == i) {
                            out.extend_from_slice(b"/Span <</ActualText ");
                            text_string(&mut out, &span.text);
                            out.extend_from_slice(b">> BDC\n");
                            open = Some((span.glyphs.end as usize).min(n));
                            next = spans.next();
                        }
                    }
                    let limit = match (open, next) {
                        (Some(end), _) => end,
                        (None, Some(span)) => span.glyphs.start as usize,
                        (None, None) => n,
                    };
                    let rise = run.glyphs[i].rise;
                    let start = i;
                    let start_x = x;
                    while i < limit && (run.glyphs[i].rise - rise).abs() < 1e-6 {
                        x += f64::from(run.glyphs[i].advance);
                        i += 1;
                    }
                    out.extend_from_slice(b"1 0 0 1 ");
                    number(&mut out, start_x, 3);
                    out.push(b' ');
                    number(&mut out, height - run.y + f64::from(rise), 3);
                    out.extend_from_slice(b" Tm\n");
                    show(&mut out, &run.glyphs[start..i], run.size, subset);
                    if open == Some(i) {
                        out.extend_from_slice(b"EMC\n");
                        open = None;
                    }
                }
            }
            Item::Rule {
                x,
                y,
                width,
                height: thickness,
            } => {
                if text_open {
                    out.extend_from_slice(b"ET\n");
                    text_open = false;
                    current = None;
                }
                if fill.is_some() {
                    fill_color(&mut out, None);
                    fill = None;
                }
                rectangle(&mut out, *x, height - y - thickness, *width, *thickness);
            }
            Item::Shade {
                x,
                y,
                width,
                height: tall,
                color,
            } => {
                if text_open {
                    out.extend_from_slice(b"ET\n");
                    text_open = false;
                    current = None;
                }
                if fill != Some(*color) {
                    fill_color(&mut out, Some(*color));
                    fill = Some(*color);
                }
                rectangle(&mut out, *x, height - y - tall, *width, *tall);
            }
            // links are annotations, images are drawn by a stream of their own
            Item::Link { .. } | Item::Image { .. } | Item::Anchor { .. } => {}
        }
    }
    if fill.is_some() {
        fill_color(&mut out, None);
    }
    if text_open {
        out.extend_from_slice(b"ET\n");
    }
    if marked.is_some() {
        out.extend_from_slice(b"EMC\n");
    }
    out
}

/// Opens a marked content sequence for `mark` (an element's content takes
/// the next MCID).
fn begin(out: &mut Vec<u8>, mark: &Mark, mcid: &mut usize) {
    match mark {
        Mark::Content(node) => {
            out.push(b'/');
            out.extend_from_slice(node.role.name().as_bytes());
            out.extend_from_slice(format!(" <</MCID {mcid}>> BDC\n").as_bytes());
            *mcid += 1;
        }
        Mark::Pagination(kind) => {
            out.extend_from_slice(b"/Artifact <</Type /Pagination /Subtype /");
            out.extend_from_slice(kind.as_bytes());
            out.extend_from_slice(b">> BDC\n");
        }
        Mark::Layout => out.extend_from_slice(b"/Artifact <</Type /Layout>> BDC\n"),
    }
}

/// `x y width height re f`: a filled rectangle, its corner at (x, y) in
/// PDF space (y up).
fn rectangle(out: &mut Vec<u8>, x: f64, y: f64, width: f64, height: f64) {
    for v in [x, y, width, height] {
        number(out, v, 3);
        out.push(b' ');
    }
    out.extend_from_slice(b"re f\n");
}

/// `[<codes> adjustment <codes> …] TJ` for glyphs of one face at `size`.
/// Text space moves each glyph by its /W width minus the number after it,
/// in 1/1000 em; the numbers carry what the rounding of earlier ones left,
/// so the pen never drifts from the typesetter's positions.
fn show(out: &mut Vec<u8>, glyphs: &[PlacedGlyph], size: f64, subset: &Subset) {
    out.push(b'[');
    let mut in_string = false;
    // how far the pen is ahead of where the typesetter wants it, 1/1000 em
    let mut ahead = 0.0f64;
    for (n, g) in glyphs.iter().enumerate() {
        let i = usize::from(g.id);
        let width = f64::from(subset.widths.get(i).copied().unwrap_or(0.0));
        let code = subset.codes.get(i).copied().unwrap_or(0);
        if !in_string {
            out.push(b'<');
            in_string = true;
        }
        hex(out, code);
        if n + 1 == glyphs.len() {
            break;
        }
        ahead += width - f64::from(g.advance) / size * 1000.0;
        let adjust = (ahead * 100.0).round() / 100.0;
        if adjust != 0.0 {
            out.push(b'>');
            in_string = false;
            number(out, adjust, 2);
            ahead -= adjust;
        }
    }
    if in_string {
        out.push(b'>');
    }
    out.extend_from_slice(b"]TJ\n");
}

/// `text` as a PDF text string: UTF-16BE with its byte order mark, in hex
/// (ISO 32000-1, 7.9.2.2).
fn text_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"<FEFF");
    for unit in text.encode_utf16() {
        hex(out, unit);
    }
    out.push(b'>');
}

/// Four hex digits: a two-byte code.
fn hex(out: &mut Vec<u8>, code: u16) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(DIGITS[usize::from((code >> shift) & 0xF)]);
    }
}

/// Sets the fill colour (text and rules) to `rgb`, or back to black.
fn fill_color(out: &mut Vec<u8>, rgb: Option<[f32; 3]>) {
    for c in rgb.unwrap_or([0.0; 3]) {
        number(out, f64::from(c), 3);
        out.push(b' ');
    }
    out.extend_from_slice(b"rg\n");
}

/// `v` as a PDF number (ISO 32000-1, 7.3.3): no exponent, at most `places`
/// decimals, no trailing zeros; not-a-number as 0.
fn number(out: &mut Vec<u8>, v: f64, places: u32) {
    let scale = 10u64.pow(places);
    let scaled = if v.is_finite() {
        (v * scale as f64).round()
    } else {
        0.0
    };
    // `as` saturates: a length beyond ±9e18/scale is clamped, not wrapped
    let n = scaled as i64;
    if n < 0 {
        out.push(b'-');
    }
    let n = n.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut int = n / scale;
    loop {
        digits[len] = b'0' + (int % 10) as u8;
        len += 1;
        int /= 10;
        if int == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev());
    let mut frac = n % scale;
    if frac != 0 {
        out.push(b'.');
        let mut places = places;
        while frac.is_multiple_of(10) {
            frac /= 10;
            places -= 1;
        }
        for p in (0..places).rev() {
            out.push(b'0' + ((frac / 10u64.pow(p)) % 10) as u8);
        }
    }
}

/// Compressed content streams kept between the builds of `quire watch`, by
/// [`key`]: a page whose items (and the fonts' codes) did not change is not
/// written and compressed again.
pub type StreamCache = crate::kept::Kept<Vec<u8>>;

/// A 64-bit mix of everything [`page`] writes for `items` (glyph runs and
/// rules, exactly, as bits), with the keys of the subsets of the faces they
/// show: a glyph new to one face leaves the pages without it as they were.
pub(super) fn key(items: &[Item], tags: &[Tag], height: f64, faces: &FaceKeys) -> u64 {
    let mut h = Mix(height.to_bits());
    // (how each item is marked: its element's role, and whether it goes on
    // the sequence before it)
    let mut last: Option<Mark> = None;
    for (i, item) in items.iter().enumerate() {
        if let Some(m) = mark(item, tags.get(i), false) {
            let same = !starts(&mut last, m);
            let name = match &last {
                Some(Mark::Content(node)) => node.role.name(),
                Some(Mark::Pagination(kind)) => kind,
                _ => "",
            };
            h.add(4 + u64::from(same));
            name.bytes().for_each(|b| h.add(u64::from(b)));
        }
        match item {
            Item::Glyphs(run) => {
                h.add(1);
                h.add(run.face.index() as u64);
                h.add(faces.get(&run.face).copied().unwrap_or(0));
                h.add(run.size.to_bits());
                h.add(run.x.to_bits());
                h.add(run.y.to_bits());
                match run.color {
                    Some([r, g, b]) => {
                        h.add(u64::from(r.to_bits()) << 32 | u64::from(g.to_bits()));
                        h.add(u64::from(b.to_bits()));
                    }
                    None => h.add(u64::MAX),
                }
                h.add(run.glyphs.len() as u64);
                for g in run.glyphs.iter() {
                    h.add(u64::from(g.id) << 32 | u64::from(g.advance.to_bits()));
                    h.add(u64::from(g.rise.to_bits()));
                }
                for span in &run.actual {
                    h.add(u64::from(span.glyphs.start) << 32 | u64::from(span.glyphs.end));
                    for unit in span.text.encode_utf16() {
                        h.add(u64::from(unit));
                    }
                }
            }
            Item::Rule {
                x,
                y,
                width,
                height,
            } => {
                h.add(2);
                for v in [x, y, width, height] {
                    h.add(v.to_bits());
                }
            }
            Item::Shade {
                x,
                y,
                width,
                height,
                color,
            } => {
                h.add(3);
                for v in [x, y, width, height] {
                    h.add(v.to_bits());
                }
                for c in color {
                    h.add(u64::from(c.to_bits()));
                }
            }
            Item::Link { .. } | Item::Image { .. } | Item::Anchor { .. } => {}
        }
    }
    h.0
}

/// Each subset's part of the keys of the pages that show its face.
pub(super) type FaceKeys = BTreeMap<FaceId, u64>;

/// The subsets' keys: name, codes and widths of each.
pub(super) fn face_keys(subsets: &BTreeMap<FaceId, Subset>) -> FaceKeys {
    subsets
        .iter()
        .map(|(face, subset)| {
            let mut h = Mix(face.index() as u64);
            for b in subset.name.bytes() {
                h.add(u64::from(b));
            }
            for (&code, &width) in subset.codes.iter().zip(&subset.widths) {
                h.add(u64::from(code) << 32 | u64::from(width.to_bits()));
            }
            (*face, h.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f64, places: u32) -> String {
        let mut out = Vec::new();
        number(&mut out, v, places);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_plain_pdf_reals() {
        assert_eq!(num(0.0, 3), "0");
        assert_eq!(num(-0.0001, 3), "0");
        assert_eq!(num(12.5, 3), "12.5");
        assert_eq!(num(-1.23456, 3), "-1.235");
        assert_eq!(num(0.05, 2), "0.05");
        assert_eq!(num(-0.004, 2), "0");
        assert_eq!(num(1000.0, 2), "1000");
        assert_eq!(num(648.0001, 3), "648");
        assert_eq!(num(f64::NAN, 3), "0");
        assert_eq!(num(1e30, 3), "9223372036854775.807");
    }

    #[test]
    fn a_page_key_follows_only_the_subsets_of_the_faces_it_shows() {
        let subset = |codes: Vec<u16>| Subset {
            name: "F1".into(),
            codes,
            widths: vec![0.0, 500.0, 500.0],
        };
        let before = BTreeMap::from([
            (FaceId::Regular, subset(vec![0, 1, 2])),
            (FaceId::Bold, subset(vec![0, 1, 2])),
        ]);
        // a glyph new to the bold face renumbers its subset
        let after = BTreeMap::from([
            (FaceId::Regular, subset(vec![0, 1, 2])),
            (FaceId::Bold, subset(vec![0, 2, 3])),
        ]);
        let page = |face| vec![one_glyph(face, 100.0)];
        let key_of = |items: &[Item], subsets| key(items, &[], 648.0, &face_keys(subsets));
        let regular = page(FaceId::Regular);
        let bold = page(FaceId::Bold);
        assert_eq!(key_of(&regular, &before), key_of(&regular, &after));
        assert_ne!(key_of(&bold, &before), key_of(&bold, &after));
        assert_ne!(key_of(&regular, &before), key_of(&bold, &before));
    }

    #[test]
    fn a_stretch_with_an_actual_text_is_marked_content_around_its_glyphs() {
        use crate::typeset::frame::{ActualText, GlyphRun};
        let subset = Subset {
            name: "F1".into(),
            codes: vec![0, 1, 2, 3],
            widths: vec![0.0, 500.0, 500.0, 500.0],
        };
        let glyph = |id| PlacedGlyph {
            id,
            advance: 5.0,
            rise: 0.0,
        };
        let run = GlyphRun {
            face: FaceId::Regular,
            size: 10.0,
            x: 72.0,
            y: 100.0,
            glyphs: std::sync::Arc::new(vec![glyph(1), glyph(2), glyph(3)]),
            color: None,
            // glyphs 1 and 2 (as the pre-base vowel sign of "नि" and its
            // consonant) stand for "नि"
            actual: vec![ActualText {
                glyphs: 1..3,
                text: std::sync::Arc::from("\u{928}\u{93F}"),
            }],
        };
        let subsets = BTreeMap::from([(FaceId::Regular, subset)]);
        let out =
            String::from_utf8(page(&[Item::Glyphs(run)], &[], false, 648.0, &subsets)).unwrap();
        // (untagged, so a layout artifact)
        assert_eq!(
            out,
            "/Artifact <</Type /Layout>> BDC\n\
             BT\n/F1 10 Tf\n1 0 0 1 72 548 Tm\n[<0001>]TJ\n\
             /Span <</ActualText <FEFF0928093F>>> BDC\n\
             1 0 0 1 77 548 Tm\n[<00020003>]TJ\nEMC\nET\nEMC\n"
        );
    }

    #[test]
    fn tagged_items_are_marked_content_of_their_elements() {
        use crate::typeset::structure::{Node, Role, Tag};
        let subsets = BTreeMap::from([(
            FaceId::Regular,
            Subset {
                name: "F1".into(),
                codes: vec![0, 1],
                widths: vec![0.0, 500.0],
            },
        )]);
        let run = |y| one_glyph(FaceId::Regular, y);
        let rule = Item::Rule {
            x: 72.0,
            y: 130.0,
            width: 50.0,
            height: 0.5,
        };
        let root = Node::root(Role::Sect);
        let (a, b) = (Node::child(&root, Role::P), Node::child(&root, Role::H(2)));
        // two lines of one paragraph, a rule, its third line, a heading
        let items = [run(100.0), run(112.0), rule, run(124.0), run(140.0)];
        let tags = [
            Tag::Node(a.clone()),
            Tag::Node(a.clone()),
            Tag::Untagged,
            Tag::Node(a.clone()),
            Tag::Node(b.clone()),
        ];
        let out = String::from_utf8(page(&items, &tags, false, 648.0, &subsets)).unwrap();
        let marks: Vec<&str> = out.lines().filter(|l| l.ends_with("BDC")).collect();
        assert_eq!(
            marks,
            [
                "/P <</MCID 0>> BDC",
                "/Artifact <</Type /Layout>> BDC",
                "/P <</MCID 1>> BDC",
                "/H2 <</MCID 2>> BDC",
            ]
        );
        assert_eq!(out.matches("EMC").count(), 4);
        // a text object never spans two sequences
        for sequence in out.split("BDC").skip(1) {
            let body = sequence.split("EMC").next().unwrap();
            assert_eq!(
                body.matches("BT").count(),
                body.matches("ET").count(),
                "{out}"
            );
        }
        let elements = sequences(&items, &tags);
        assert_eq!(elements.len(), 3);
        assert!(std::sync::Arc::ptr_eq(elements[0], &a) && std::sync::Arc::ptr_eq(elements[1], &a));
        assert!(std::sync::Arc::ptr_eq(elements[2], &b));
        // in a decoration stream everything is an artifact
        let out = String::from_utf8(page(&items, &tags, true, 648.0, &subsets)).unwrap();
        assert!(!out.contains("MCID"), "{out}");
    }

    /// A run of glyph 1 at 10 pt, at x = 72 and baseline `y`.
    fn one_glyph(face: FaceId, y: f64) -> Item {
        Item::Glyphs(crate::typeset::frame::GlyphRun {
            face,
            size: 10.0,
            x: 72.0,
            y,
            glyphs: std::sync::Arc::new(vec![PlacedGlyph {
                id: 1,
                advance: 5.0,
                rise: 0.0,
            }]),
            color: None,
            actual: Vec::new(),
        })
    }

    #[test]
    fn codes_are_four_hex_digits() {
        let mut out = Vec::new();
        hex(&mut out, 0x0A3F);
        hex(&mut out, 7);
        assert_eq!(out, b"0A3F0007");
    }

    #[test]
    fn adjustments_keep_the_pen_on_the_typesetters_positions() {
        // three glyphs of width 500/1000 em at 10 pt; the typesetter wants
        // 5 pt, 5.2 pt and 5 pt: only the second is followed by a number
        let subset = Subset {
            name: "F1".into(),
            codes: vec![0, 1, 2],
            widths: vec![0.0, 500.0, 500.0],
        };
        let glyph = |id, advance| PlacedGlyph {
            id,
            advance,
            rise: 0.0,
        };
        let mut out = Vec::new();
        show(
            &mut out,
            &[glyph(1, 5.0), glyph(2, 5.2), glyph(1, 5.0)],
            10.0,
            &subset,
        );
        assert_eq!(String::from_utf8(out).unwrap(), "[<00010002>-20<0001>]TJ\n");
    }
}
