//! Images: read from the manuscript folder (never outside it), recognised by
//! their bytes, measured from their headers before anything is decoded, so a
//! file that claims 60,000 × 60,000 pixels is refused without allocating.
//!
//! PNG and JPEG are printed as they are; GIF and WebP as their first frame;
//! SVG as vector graphics ([`svg`]), and the EPUB carries it sanitised
//! ([`sanitize`]). TIFF, BMP, AVIF, HEIC and the other formats are refused
//! with an error naming the format.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::doc::{book_images, Book};
use crate::error::{Diagnostic, Location};
use crate::manuscript::{resolve_inside, Manuscript};

pub mod raster;
pub mod sanitize;
pub mod svg;

pub use raster::{decode, sniff, Pixels};
pub use svg::Vector;

/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Largest image accepted, in pixels (about 190 MB as 32-bit RGBA).
pub const MAX_PIXELS: u64 = 48_000_000;
/// Largest image file accepted, in bytes.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// The resolution print wants, in pixels per inch: an image with no density
/// of its own is set at this, and one printed at less is a warning.
pub const PRINT_PPI: f64 = 300.0;

/// The formats quire embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG (decoded for the PDF, copied into the EPUB).
    Png,
    /// JPEG (passed through untouched to both).
    Jpeg,
    /// GIF (its first frame decoded for the PDF, copied into the EPUB).
    Gif,
    /// WebP (its first frame decoded for the PDF, copied into the EPUB).
    Webp,
    /// SVG (vector graphics in the PDF, sanitised in the EPUB).
    Svg,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Svg => "image/svg+xml",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Svg => "svg",
        }
    }

    /// The format's name, as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Svg => "SVG",
        }
    }
}

/// An image file of the manuscript.
#[derive(Clone, Debug)]
pub struct Image {
    /// The format.
    pub format: Format,
    /// Width in pixels (for an SVG, its CSS pixels, rounded).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour components (1 grey, 3 RGB, 4 CMYK for JPEG).
    pub components: u8,
    /// The file's bytes as the EPUB carries them (an SVG sanitised).
    pub bytes: Vec<u8>,
    /// The density the file states, in pixels per inch (across, down).
    pub density: Option<(f64, f64)>,
    /// An SVG's drawing for the PDF.
    pub vector: Option<Arc<Vector>>,
}

impl Image {
    /// The size the image is printed at when the author asks for none, in
    /// points: an SVG's own size; a raster image's pixels at the density
    /// the file states, else at [`PRINT_PPI`].
    pub fn natural_size(&self) -> (f64, f64) {
        if let Some(vector) = &self.vector {
            return (vector.width, vector.height);
        }
        let (x, y) = self.density.unwrap_or((PRINT_PPI, PRINT_PPI));
        (
            f64::from(self.width) * 72.0 / x,
            f64::from(self.height) * 72.0 / y,
        )
    }

    /// The resolution of a raster image printed `width` points wide, in
    /// pixels per inch; `None` for vector graphics.
    pub fn ppi_at(&self, width: f64) -> Option<f64> {
        (self.vector.is_none() && width > 0.0).then(|| f64::from(self.width) * 72.0 / width)
    }
}

/// The images of a book, by the `src` the Markdown uses.
pub type Images = BTreeMap<String, Image>;

/// No images (for books and tests without any).
pub static NO_IMAGES: Images = BTreeMap::new();

/// Checks that an image is small enough to decode safely.
pub fn check_size(width: u32, height: u32) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("the image has no pixels".into());
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "the image is {width} × {height} pixels; quire accepts at most {MAX_SIDE} per side and {MAX_PIXELS} in all"
        ));
    }
    Ok(())
}

/// The formats quire recognises but cannot use, by their first bytes.
fn unsupported_format(bytes: &[u8]) -> Option<&'static str> {
    let brand = bytes
        .get(8..12)
        .filter(|_| bytes.get(4..8) == Some(b"ftyp"));
    Some(match bytes {
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "a TIFF",
        [b'B', b'M', ..] => "a BMP",
        [0, 0, 1, 0, ..] => "an ICO",
        [b'8', b'B', b'P', b'S', ..] => "a Photoshop (PSD)",
        [b'%', b'P', b'D', b'F', ..] => "a PDF",
        [0xFF, 0x0A, ..] | [0, 0, 0, 0x0C, b'J', b'X', b'L', b' ', ..] => "a JPEG XL",
        [0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', ..] => "a JPEG 2000",
        [b'q', b'o', b'i', b'f', ..] => "a QOI",
        _ => match brand {
            Some(b"avif" | b"avis") => "an AVIF",
            Some(b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1") => "a HEIC",
            _ => return None,
        },
    })
}

/// The file a `src` names: without a `#fragment` or `?query`, and
/// percent-decoded (`my%20image.png`), as the checks resolve it.
fn file_of(src: &str) -> String {
    let path = src.split(['#', '?']).next().unwrap_or(src);
    crate::manuscript::percent_decode(path)
}

fn is_remote(src: &str) -> bool {
    src.contains("://") || src.starts_with("data:")
}

/// Loads the book's images from the manuscript folder, wherever the tree
/// uses them ([`book_images`]). A format quire cannot use and an SVG that
/// cannot be read are errors; a raster file that is corrupt or too large
/// is left out with a warning (the writers set its alternative text).
pub fn load(book: &Book, manuscript: &Manuscript) -> (Images, Vec<Diagnostic>) {
    let mut images = Images::new();
    let mut findings = Vec::new();
    let mut tried = std::collections::BTreeSet::new();
    for image in book_images(book) {
        let (src, pos) = (image.src, image.pos);
        if is_remote(src) || !tried.insert(src) {
            continue;
        }
        let location = Location::new(book.file_name(pos), pos.line, pos.col);
        let path = match resolve_inside(&manuscript.root, &file_of(src), &location) {
            Ok(path) => path,
            Err(_) => continue, // reported by the checks (missing-image, outside-folder)
        };
        let bytes = std::fs::metadata(&path)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                if m.len() > MAX_BYTES {
                    Err(format!("the file is larger than {MAX_BYTES} bytes"))
                } else {
                    std::fs::read(&path).map_err(|e| e.to_string())
                }
            });
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(why) => {
                findings.push(bad_image(src, &location, &why));
                continue;
            }
        };
        if let Some(format) = unsupported_format(&bytes) {
            findings.push(Diagnostic::error(
                "unsupported-image",
                location,
                format!(
                    "image `{src}` is {format} image, which quire cannot print or put in an EPUB; convert it to PNG, JPEG or SVG"
                ),
            ));
            continue;
        }
        let extension = file_of(src)
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if svg::is_svg(&bytes) || extension == "svg" || extension == "svgz" {
            match load_svg(src, &bytes, &location, &mut findings) {
                Some(image) => images.insert(src.to_string(), image),
                None => continue,
            };
            continue;
        }
        match load_raster(bytes) {
            Ok(image) => {
                images.insert(src.to_string(), image);
            }
            Err(why) => findings.push(bad_image(src, &location, &why)),
        }
    }
    (images, findings)
}

fn bad_image(src: &str, location: &Location, why: &str) -> Diagnostic {
    Diagnostic::warning(
        "bad-image",
        location.clone(),
        format!("image `{src}` cannot be used: {why}; its alternative text is set instead"),
    )
}

/// A PNG, JPEG, GIF or WebP file, measured and decoded once (so that a
/// corrupt file is a warning here and not a failure in the PDF writer).
fn load_raster(bytes: Vec<u8>) -> Result<Image, String> {
    let (format, width, height, components) = sniff(&bytes)?;
    check_size(width, height)?;
    if format != Format::Jpeg {
        catch(|| decode(format, &bytes).map(drop))
            .unwrap_or_else(|| Err("the decoder failed on this file".into()))?;
    }
    Ok(Image {
        format,
        width,
        height,
        components,
        density: raster::density(format, &bytes),
        bytes,
        vector: None,
    })
}

/// An SVG file; an error naming the reference (and the place in the SVG)
/// when it cannot be read, a warning for what it had to leave out.
fn load_svg(
    src: &str,
    bytes: &[u8],
    location: &Location,
    findings: &mut Vec<Diagnostic>,
) -> Option<Image> {
    let read = catch(|| svg::read(bytes)).unwrap_or_else(|| {
        Err(svg::SvgError {
            message: "the SVG reader failed on this file".into(),
            at: None,
        })
    });
    let read = match read {
        Ok(read) => read,
        Err(svg::SvgError { message, at }) => {
            let at = at.map_or(String::new(), |(line, col)| {
                format!(" (at {}:{line}:{col})", file_of(src))
            });
            findings.push(Diagnostic::error(
                "invalid-svg",
                location.clone(),
                format!("image `{src}` is not an SVG quire can read: {message}{at}"),
            ));
            return None;
        }
    };
    if !read.removed.is_empty() {
        findings.push(Diagnostic::warning(
            "unsafe-svg",
            location.clone(),
            format!(
                "image `{src}`: left out of both outputs: {}",
                read.removed.join(", ")
            ),
        ));
    }
    if !read.not_drawn.is_empty() {
        findings.push(Diagnostic::warning(
            "svg-filter",
            location.clone(),
            format!(
                "image `{src}`: its {} are not drawn in print (quire does not rasterise)",
                read.not_drawn.join(", ")
            ),
        ));
    }
    let vector = read.vector;
    Some(Image {
        format: Format::Svg,
        width: (vector.width / 0.75).round() as u32,
        height: (vector.height / 0.75).round() as u32,
        components: 3,
        bytes: read.sanitised,
        density: None,
        vector: Some(Arc::new(vector)),
    })
}

/// Runs a decoder on untrusted input: a panic inside it (a bug in a
/// dependency) is a failure of this image (`None`), not of the build.
fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32 (ISO 3309, as PNG uses), bit by bit.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    /// A PNG header claiming `w` × `h` RGB pixels, with no image data.
    pub(crate) fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        let bomb = png_header(60_000, 60_000);
        assert_eq!(sniff(&bomb).unwrap().1, 60_000);
        let err = decode(Format::Png, &bomb).err().unwrap();
        assert!(err.contains("60000 × 60000"), "{err}");
    }

    #[test]
    fn formats_quire_cannot_use_are_named() {
        let cases: [(&[u8], Option<&str>); 13] = [
            (b"\xff\x0a\xfa", Some("a JPEG XL")),
            (b"\0\0\0\x0cjP  \r\n", Some("a JPEG 2000")),
            (b"8BPS\0\x01", Some("a Photoshop (PSD)")),
            (b"%PDF-1.7", Some("a PDF")),
            (b"\0\0\x01\0\x01\0", Some("an ICO")),
            (b"II*\0\x08\0\0\0", Some("a TIFF")),
            (b"MM\0*\0\0\0\x08", Some("a TIFF")),
            (b"BM\x36\0\0\0", Some("a BMP")),
            (b"\0\0\0\x1cftypavif\0\0", Some("an AVIF")),
            (b"\0\0\0\x18ftypheic\0\0", Some("a HEIC")),
            (b"\0\0\0\x18ftypmif1\0\0", Some("a HEIC")),
            (b"\0\0\0\x18ftypisom\0\0", None),
            (b"\x89PNG\r\n\x1a\n", None),
        ];
        for (bytes, name) in cases {
            assert_eq!(unsupported_format(bytes), name, "{bytes:?}");
        }
        assert_eq!(file_of("img/my%20pic.svg#layer"), "img/my pic.svg");
    }

    #[test]
    fn the_natural_size_follows_the_density() {
        let image = |density| Image {
            format: Format::Png,
            width: 600,
            height: 300,
            components: 3,
            bytes: Vec::new(),
            density,
            vector: None,
        };
        assert_eq!(image(None).natural_size(), (144.0, 72.0));
        assert_eq!(image(Some((600.0, 300.0))).natural_size(), (72.0, 72.0));
        assert_eq!(image(None).ppi_at(72.0), Some(600.0));
    }

    #[test]
    fn headers_are_recognised() {
        assert!(sniff(b"GIF89a").is_err());
        assert!(sniff(b"\x89PNG\r\n\x1a\n").is_err());
        // a minimal JPEG: SOI, APP0 of length 2, SOF0 (8 bit, 20 × 10, 3 components)
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x0A, 0x00,
            0x14, 0x03,
        ];
        assert_eq!(sniff(&jpeg).unwrap(), (Format::Jpeg, 20, 10, 3));
        assert!(sniff(&[0xFF, 0xD8, 0xFF]).is_err());
    }

    #[test]
    fn a_small_png_decodes() {
        // 2 × 1 RGBA: one opaque red, one half-transparent blue pixel
        let mut ihdr = 2u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let raw = [0u8, 255, 0, 0, 255, 0, 0, 255, 128];
        // a stored (uncompressed) zlib stream
        let mut z = vec![0x78, 0x01, 0x01];
        z.extend_from_slice(&(raw.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
        z.extend_from_slice(&raw);
        let adler = {
            let (mut a, mut b) = (1u32, 0u32);
            for &x in &raw {
                a = (a + u32::from(x)) % 65521;
                b = (b + a) % 65521;
            }
            (b << 16) | a
        };
        z.extend_from_slice(&adler.to_be_bytes());
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(b"IDAT", &z));
        png.extend(chunk(b"IEND", &[]));
        let pixels = decode(Format::Png, &png).unwrap();
        assert_eq!(pixels.components, 3);
        assert_eq!(pixels.color, [255, 0, 0, 0, 0, 255]);
        assert_eq!(pixels.alpha, Some(vec![255, 128]));
    }
}
