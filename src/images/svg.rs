//! SVG images: parsed with usvg, drawn for the PDF as vector graphics by
//! svg2pdf (a Form XObject, never rasterised), and sanitised for the EPUB
//! ([`super::sanitize`]).
//!
//! Text in an SVG is set with the fonts it names, found among the bundled
//! fonts and the system's (or `QUIRE_FONT_DIRS`); the generic families map
//! to the book's own: `serif` (and any family no font has) to Linux
//! Libertine, `monospace` to Inconsolata. An `<image>` inside an SVG is
//! drawn only from a `data:` URL: an SVG never makes quire read another
//! file or the network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use usvg::fontdb::Database;

use super::{check_size, raster, Format, MAX_BYTES};
use crate::typeset::fonts::FontDirs;

/// The family SVG text falls back to: the book's serif.
const SERIF: &str = "Linux Libertine O";
/// The book's monospaced family.
const MONOSPACE: &str = "Inconsolata";
/// Sans-serif families `sans-serif` is looked for as, in this order.
const SANS_SERIF: [&str; 6] = [
    "DejaVu Sans",
    "Noto Sans",
    "Liberation Sans",
    "Arial",
    "Helvetica",
    "FreeSans",
];

/// The SVG namespace.
const SVG_NS: &str = "http://www.w3.org/2000/svg";
/// The deepest nesting of elements read (real drawings nest a few dozen
/// deep; svg2pdf itself draws at most 28 nested groups that need a state of
/// their own).
const MAX_DEPTH: usize = 256;

/// An SVG drawn for the PDF.
#[derive(Clone)]
pub struct Vector {
    /// Natural width in points (the SVG's CSS pixels at 96 per inch).
    pub width: f64,
    /// Natural height in points.
    pub height: f64,
    /// A small PDF file holding the drawing as a Form XObject (one unit
    /// square, scaled by the `cm` that draws it, as an image is) and the
    /// objects it uses.
    pub pdf: Vec<u8>,
    /// The object number of the Form XObject in `pdf`.
    pub form: u32,
}

impl std::fmt::Debug for Vector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vector")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pdf", &format_args!("{} bytes", self.pdf.len()))
            .finish()
    }
}

/// A read SVG: its drawing, its sanitised text for the EPUB, and what was
/// left out of either.
pub struct Svg {
    /// The drawing for the PDF.
    pub vector: Vector,
    /// The file as the EPUB carries it (see [`super::sanitize::sanitize`]).
    pub sanitised: Vec<u8>,
    /// What the sanitiser removed (`<script>`, `onload`, `href="http://…"`).
    pub removed: Vec<String>,
    /// What the PDF cannot show (filters), for a warning.
    pub not_drawn: Vec<String>,
}

/// Why an SVG cannot be used.
#[derive(Debug, PartialEq)]
pub struct SvgError {
    /// What went wrong, lower case.
    pub message: String,
    /// Where in the SVG file (1-based line and column), when the parser
    /// says.
    pub at: Option<(u32, u32)>,
}

impl SvgError {
    fn new(message: impl Into<String>) -> SvgError {
        SvgError {
            message: message.into(),
            at: None,
        }
    }
}

/// Whether `bytes` look like an SVG file (or a gzip-compressed one): XML
/// whose first element is `svg`.
pub fn is_svg(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0x1F, 0x8B]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    // skip the XML declaration, comments, processing instructions and a
    // document type to the first element
    loop {
        if let Some(after) = rest.strip_prefix("<!--") {
            match after.find("-->") {
                Some(end) => rest = after[end + 3..].trim_start(),
                None => return false,
            }
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            match rest.find('>') {
                Some(end) if !rest.starts_with("<!DOCTYPE") || !rest[..end].contains('[') => {
                    rest = rest[end + 1..].trim_start()
                }
                // a document type with an internal subset: the element
                // name follows the keyword
                _ => {
                    return rest
                        .strip_prefix("<!DOCTYPE")
                        .is_some_and(|r| r.trim_start().starts_with("svg"))
                }
            }
        } else {
            let tag = rest.strip_prefix('<').unwrap_or("");
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or("");
            return name == "svg" || name.ends_with(":svg");
        }
    }
}

/// Reads an SVG file: parses it, sanitises it for the EPUB and draws it
/// for the PDF.
pub fn read(bytes: &[u8]) -> Result<Svg, SvgError> {
    let bytes = if bytes.starts_with(&[0x1F, 0x8B]) {
        gunzip(bytes)?
    } else {
        bytes.to_vec()
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        SvgError::new(format!(
            "the SVG is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // the XML parser, usvg and svg2pdf all recurse into nested elements: a
    // file nested thousands deep would overflow the stack
    if let Some(at) = too_deep(text) {
        return Err(SvgError {
            message: format!("its elements nest more than {MAX_DEPTH} deep"),
            at: Some(line_col(text, at)),
        });
    }
    let options = usvg::roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = usvg::roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let message = e.to_string();
        let message = message
            .strip_suffix(&format!(" at {pos}"))
            .unwrap_or(&message)
            .to_string();
        SvgError {
            message,
            at: Some((pos.row, pos.col)),
        }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        let pos = doc.text_pos_at(root.range().start);
        return Err(SvgError {
            message: format!(
                "its root element is <{}>, not <svg> in the SVG namespace ({SVG_NS})",
                root.tag_name().name()
            ),
            at: Some((pos.row, pos.col)),
        });
    }
    let (sanitised, removed) = super::sanitize::sanitize(text, &doc);
    drop(doc);
    // the PDF draws what the EPUB shows: the sanitised SVG
    let fonts = if sanitised.contains("text") {
        fonts(&FontDirs::from_env())
    } else {
        Arc::new(Database::new())
    };
    let tree = parse(&sanitised, fonts)?;
    let size = tree.size();
    let (width, height) = (f64::from(size.width()), f64::from(size.height()));
    if !(width.is_finite() && height.is_finite()) || width * height > 1e12 {
        return Err(SvgError::new("the SVG's size is not usable"));
    }
    let mut not_drawn = Vec::new();
    if !tree.filters().is_empty() {
        not_drawn.push("filters (blurs, shadows, lighting)".to_string());
    }
    let options = svg2pdf::ConversionOptions {
        // the PDF writer compresses every stream alike
        compress: false,
        embed_text: true,
        pdfa: false,
        ..Default::default()
    };
    let (chunk, form) = svg2pdf::to_chunk(&tree, options).map_err(|e| {
        use svg2pdf::ConversionError as E;
        SvgError::new(match e {
            E::TooMuchNesting => "its groups nest too deep to draw in a PDF".to_string(),
            E::InvalidImage => "an image inside it is corrupt".to_string(),
            E::MissingGlyphs => "a text in it has characters no font has".to_string(),
            E::InvalidFont(_) | E::SubsetError(_) => {
                "a font its text is set in cannot be embedded".to_string()
            }
            E::UnknownError => "svg2pdf could not draw it".to_string(),
        })
    })?;
    let mut pdf = pdf_writer::Pdf::new();
    pdf.extend(&chunk);
    let last = chunk.refs().map(|r| r.get()).max().unwrap_or(0);
    pdf.catalog(pdf_writer::Ref::new(last + 1));
    Ok(Svg {
        vector: Vector {
            // CSS pixels (96 an inch) to points (72)
            width: width * 0.75,
            height: height * 0.75,
            pdf: pdf.finish(),
            form: form.get() as u32,
        },
        sanitised: sanitised.into_bytes(),
        removed,
        not_drawn,
    })
}

/// Where elements first nest deeper than [`MAX_DEPTH`] (a byte offset),
/// found by a lexical scan of the tags (comments, CDATA sections,
/// processing instructions, the document type and quoted attribute values
/// skipped), before any parser recurses into them.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let find = |from: usize, what: &[u8]| -> usize {
        bytes[from.min(bytes.len())..]
            .windows(what.len())
            .position(|w| w == what)
            .map_or(bytes.len(), |p| from + p + what.len())
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<!--") {
            i = find(i + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = find(i + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = find(i + 2, b"?>");
        } else if rest.starts_with(b"<!") {
            // a document type, perhaps with an internal subset in brackets
            let mut j = i + 2;
            let mut bracket = false;
            while j < bytes.len() && (bracket || bytes[j] != b'>') {
                match bytes[j] {
                    b'[' => bracket = true,
                    b']' => bracket = false,
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = find(i + 2, b">");
        } else {
            let start = i;
            let mut j = i + 1;
            let mut quote = None;
            while j < bytes.len() {
                match (quote, bytes[j]) {
                    (None, b'"' | b'\'') => quote = Some(bytes[j]),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if bytes.get(j.wrapping_sub(1)) != Some(&b'/') {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(start);
                }
            }
            i = j + 1;
        }
    }
    None
}

/// The 1-based line and column (in characters) of byte `at` of `text`.
fn line_col(text: &str, at: usize) -> (u32, u32) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |n| n + 1)..]
        .chars()
        .count()
        + 1;
    (line as u32, col as u32)
}

/// A gzip-compressed SVG (`.svgz`), inflated up to [`MAX_BYTES`].
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, SvgError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| SvgError::new(format!("the compressed SVG is corrupt: {e}")))?;
    if out.len() as u64 > MAX_BYTES {
        return Err(SvgError::new(format!(
            "the SVG inflates to more than {MAX_BYTES} bytes"
        )));
    }
    Ok(out)
}

/// Parses (sanitised) SVG text into usvg's tree, with `fonts` for its text
/// and images only from `data:` URLs (checked as any image file is).
fn parse(text: &str, fonts: Arc<Database>) -> Result<usvg::Tree, SvgError> {
    let options = usvg::Options {
        font_family: SERIF.to_string(),
        fontdb: fonts,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(embedded_image),
            // a file name or a URL: never read
            resolve_string: Box::new(|_, _| None),
        },
        ..Default::default()
    };
    // (the text parsed before, so its syntax is sound: what fails here
    // fails in usvg's own reading, and a position would be in the
    // sanitised text, not the file)
    usvg::Tree::from_str(text, &options).map_err(|e| match e {
        usvg::Error::ParsingFailed(usvg::roxmltree::Error::NodesLimitReached) => {
            SvgError::new("it has too many elements (or `use` elements that use each other)")
        }
        usvg::Error::ParsingFailed(e) => {
            let message = e.to_string();
            let suffix = format!(" at {}", e.pos());
            SvgError::new(message.strip_suffix(&suffix).unwrap_or(&message))
        }
        usvg::Error::InvalidSize => {
            SvgError::new("the SVG has no size (no width and height, and no viewBox)")
        }
        other => SvgError::new(other.to_string()),
    })
}

/// An image inside an SVG, from a `data:` URL: PNG, JPEG and GIF within the
/// size limits; WebP converted to PNG (svg2pdf does not read it); SVG
/// parsed as usvg does (with no images of its own).
fn embedded_image(
    mime: &str,
    data: Arc<Vec<u8>>,
    options: &usvg::Options,
) -> Option<usvg::ImageKind> {
    use usvg::ImageKind;
    if mime == "image/svg+xml" || (mime == "text/plain" && is_svg(&data)) {
        return usvg::ImageHrefResolver::default_data_resolver()("image/svg+xml", data, options);
    }
    let (format, w, h, _) = raster::sniff(&data).ok()?;
    check_size(w, h).ok()?;
    Some(match format {
        Format::Png => ImageKind::PNG(data),
        Format::Jpeg => ImageKind::JPEG(data),
        Format::Gif => ImageKind::GIF(data),
        Format::Webp => ImageKind::PNG(Arc::new(webp_as_png(&data)?)),
        Format::Svg => return None,
    })
}

/// A WebP's first frame as a PNG.
fn webp_as_png(data: &[u8]) -> Option<Vec<u8>> {
    let pixels = raster::decode(Format::Webp, data).ok()?;
    let (_, w, h, _) = raster::sniff(data).ok()?;
    let mut rgba = Vec::with_capacity(pixels.color.len() / 3 * 4);
    for (i, px) in pixels.color.chunks_exact(3).enumerate() {
        rgba.extend_from_slice(px);
        rgba.push(pixels.alpha.as_ref().map_or(255, |a| a[i]));
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().ok()?.write_image_data(&rgba).ok()?;
    Some(out)
}

/// The fonts SVG text is set in: the bundled ones and those in `dirs`,
/// with the generic families mapped to the book's; built once per process
/// (`quire watch` builds many times).
pub fn fonts(dirs: &FontDirs) -> Arc<Database> {
    static BUILT: OnceLock<Mutex<HashMap<FontDirs, Arc<Database>>>> = OnceLock::new();
    let built = BUILT.get_or_init(Mutex::default);
    if let Some(db) = built.lock().ok().and_then(|b| b.get(dirs).cloned()) {
        return db;
    }
    let mut db = Database::new();
    for file in crate::typeset::fonts::bundled_files() {
        db.load_font_data(file.bytes.to_vec());
    }
    match dirs {
        FontDirs::System => db.load_system_fonts(),
        FontDirs::Only(list) => {
            for dir in list {
                db.load_fonts_dir(dir);
            }
        }
    }
    db.set_serif_family(SERIF);
    db.set_monospace_family(MONOSPACE);
    let has = |family: &str| {
        db.faces()
            .any(|f| f.families.iter().any(|(name, _)| name == family))
    };
    let sans = SANS_SERIF
        .iter()
        .find(|f| has(f))
        .map_or(SERIF, |f| *f)
        .to_string();
    db.set_sans_serif_family(sans);
    let db = Arc::new(db);
    if let Ok(mut b) = built.lock() {
        b.insert(dirs.clone(), db.clone());
    }
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_files_are_recognised_by_their_first_element() {
        for yes in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE svg PUBLIC \"a\" \"b\">\n<svg>",
            "<!DOCTYPE svg [<!ENTITY a \"b\">]><svg/>",
            "  <svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>",
        ] {
            assert!(is_svg(yes.as_bytes()), "{yes}");
        }
        for no in [
            "<html><svg/></html>",
            "<!-- never closed",
            "<!x",
            "GIF89a",
            "",
        ] {
            assert!(!is_svg(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn a_small_svg_is_drawn_as_a_form_of_its_size() {
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48" onload="x()">
  <linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient>
  <rect width="96" height="48" fill="url(#g)"/></svg>"##;
        let read = read(svg).unwrap();
        // 96 CSS pixels are an inch
        assert_eq!((read.vector.width, read.vector.height), (72.0, 36.0));
        assert_eq!(read.removed, ["the event handler `onload`"]);
        assert!(!String::from_utf8_lossy(&read.sanitised).contains("onload"));
        let pdf = lopdf::Document::load_mem(&read.vector.pdf).unwrap();
        let form = pdf
            .get_object((read.vector.form, 0))
            .unwrap()
            .as_stream()
            .unwrap();
        assert_eq!(
            form.dict.get(b"Subtype").unwrap().as_name().unwrap(),
            b"Form"
        );
        // the gradient is a shading, not pixels
        let text = String::from_utf8_lossy(&read.vector.pdf);
        assert!(text.contains("/ShadingType"), "{text}");
        assert!(!text.contains("/Subtype /Image"), "{text}");
        // gzip-compressed, it reads the same
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, svg).unwrap();
        let zipped = read_svgz(&gz.finish().unwrap());
        assert_eq!(zipped.vector.width, 72.0);
    }

    #[test]
    fn filters_are_reported_not_rasterised() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">
  <filter id="b"><feGaussianBlur stdDeviation="2"/></filter>
  <rect width="10" height="10" filter="url(#b)"/></svg>"#;
        let read = read(svg).unwrap();
        assert_eq!(read.not_drawn, ["filters (blurs, shadows, lighting)"]);
        let text = String::from_utf8_lossy(&read.vector.pdf);
        assert!(!text.contains("/Subtype /Image"), "{text}");
    }

    fn read_svgz(bytes: &[u8]) -> Svg {
        assert!(is_svg(bytes));
        read(bytes).unwrap()
    }

    #[test]
    fn what_cannot_be_read_says_where() {
        let err = |svg: &str| read(svg.as_bytes()).err().unwrap();
        let broken = err("<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <rect>\n</svg>");
        assert_eq!(broken.at, Some((3, 1)));
        assert_eq!(broken.message, "expected 'rect' tag, not 'svg'");
        let html = err("<html><body/></html>");
        assert_eq!(html.at, Some((1, 1)));
        assert!(html.message.contains("<html>"), "{}", html.message);
        let deep = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n{}{}",
            "<g>".repeat(300),
            "</g>".repeat(300)
        );
        let deep = err(&deep);
        // the 256th <g> is the 257th element, at column 1 + 255 × 3
        assert_eq!(deep.at, Some((2, 766)));
        assert_eq!(
            err("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"1\"/>").at,
            None
        );
        assert!(read(b"\xff\xfe<svg/>").is_err());
    }

    #[test]
    fn the_nesting_scan_skips_what_is_not_a_tag() {
        let deep = |inner: &str| format!("<svg>{inner}{}</svg>", "<g/>".repeat(300));
        // self-closing tags, comments, CDATA and quoted `>` do not nest
        assert_eq!(too_deep(&deep("<!-- <g> <g> -->")), None);
        assert_eq!(too_deep(&deep("<![CDATA[<g><g>]]><g a='>'></g>")), None);
        assert_eq!(
            too_deep("<!DOCTYPE svg [<!ENTITY a \"<g>\">]><svg></svg>"),
            None
        );
        assert_eq!(line_col("ab\ncdé", 7), (2, 4));
    }
}
