//! Images: read from the manuscript folder (never outside it), recognised by
//! their bytes, measured from their headers before anything is decoded, so a
//! file that claims 60,000 × 60,000 pixels is refused without allocating.

use std::collections::BTreeMap;

use crate::doc::{walk_blocks, walk_inlines, Block, BlockKind, Book, Inline, Pos};
use crate::error::{Diagnostic, Location};
use crate::manuscript::{resolve_inside, Manuscript};

/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Largest image accepted, in pixels (about 190 MB as 32-bit RGBA).
pub const MAX_PIXELS: u64 = 48_000_000;
/// Largest image file accepted, in bytes.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The formats quire embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG (decoded for the PDF, copied into the EPUB).
    Png,
    /// JPEG (passed through untouched to both).
    Jpeg,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
        }
    }
}

/// An image file of the manuscript.
#[derive(Clone, Debug)]
pub struct Image {
    /// PNG or JPEG.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour components (1 grey, 3 RGB, 4 CMYK for JPEG).
    pub components: u8,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The images of a book, by the `src` the Markdown uses.
pub type Images = BTreeMap<String, Image>;

/// No images (for books and tests without any).
pub static NO_IMAGES: Images = BTreeMap::new();

/// Reads a header: format, width, height, components; or why not.
pub fn sniff(bytes: &[u8]) -> Result<(Format, u32, u32, u8), String> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // the IHDR chunk comes first: length, "IHDR", width, height, depth, colour type
        if bytes.len() < 33 || &bytes[12..16] != b"IHDR" {
            return Err("truncated PNG header".into());
        }
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        let components = match bytes[25] {
            0 | 4 => 1,
            _ => 3,
        };
        return Ok((Format::Png, w, h, components));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // walk the markers to the first start-of-frame (SOF0–SOF15 but DHT,
        // JPG, DAC): precision, height, width, components
        let mut i = 2;
        while i + 4 <= bytes.len() {
            if bytes[i] != 0xFF {
                return Err("corrupt JPEG marker".into());
            }
            let marker = bytes[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
            if is_sof {
                if i + 10 > bytes.len() {
                    break;
                }
                let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
                let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
                return Ok((Format::Jpeg, w, h, bytes[i + 9]));
            }
            if len < 2 {
                return Err("corrupt JPEG segment".into());
            }
            i += 2 + len;
        }
        return Err("truncated JPEG: no frame header".into());
    }
    Err("not a PNG or JPEG image".into())
}

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

/// Every image the book refers to, with where it is referred to.
fn references(book: &Book) -> Vec<(String, Pos)> {
    let mut out = Vec::new();
    let mut visit = |blocks: &[Block]| {
        walk_blocks(blocks, &mut |block| {
            if let BlockKind::Figure { src, .. } = &block.kind {
                out.push((src.clone(), block.pos));
            }
            let inlines: Vec<&[Inline]> = match &block.kind {
                BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => {
                    vec![content]
                }
                BlockKind::Table { head, rows, .. } => head
                    .iter()
                    .chain(rows.iter().flatten())
                    .map(Vec::as_slice)
                    .collect(),
                _ => Vec::new(),
            };
            for content in inlines {
                walk_inlines(content, &mut |inline| {
                    if let Inline::Image { src, pos, .. } = inline {
                        out.push((src.clone(), *pos));
                    }
                });
            }
        });
    };
    for chapter in &book.chapters {
        visit(&chapter.blocks);
        for note in &chapter.footnotes {
            visit(&note.blocks);
        }
    }
    out
}

fn is_remote(src: &str) -> bool {
    src.contains("://") || src.starts_with("data:")
}

/// Loads the book's images from the manuscript folder. Images that cannot be
/// used (missing, outside the folder, corrupt, too large) are left out with a
/// warning; the writers then set their alternative text.
pub fn load(book: &Book, manuscript: &Manuscript) -> (Images, Vec<Diagnostic>) {
    let mut images = Images::new();
    let mut findings = Vec::new();
    let mut tried = std::collections::BTreeSet::new();
    for (src, pos) in references(book) {
        if is_remote(&src) || !tried.insert(src.clone()) {
            continue;
        }
        let location = Location::new(book.file_name(pos), pos.line, pos.col);
        let path = match resolve_inside(&manuscript.root, &src, &location) {
            Ok(path) => path,
            Err(_) => continue, // reported by the checks (missing-image, outside-folder)
        };
        let result = std::fs::metadata(&path)
            .map_err(|e| e.to_string())
            .and_then(|m| {
                if m.len() > MAX_BYTES {
                    Err(format!("the file is larger than {MAX_BYTES} bytes"))
                } else {
                    std::fs::read(&path).map_err(|e| e.to_string())
                }
            })
            .and_then(|bytes| {
                let (format, width, height, components) = sniff(&bytes)?;
                check_size(width, height)?;
                if format == Format::Png {
                    // decode once now, so a corrupt file is a warning here and
                    // not a failure in the PDF writer
                    decode_png(&bytes)?;
                }
                Ok(Image {
                    format,
                    width,
                    height,
                    components,
                    bytes,
                })
            });
        match result {
            Ok(image) => {
                images.insert(src, image);
            }
            Err(why) => findings.push(Diagnostic::warning(
                "bad-image",
                location,
                format!("image `{src}` cannot be used: {why}; its alternative text is set instead"),
            )),
        }
    }
    (images, findings)
}

/// Pixels decoded for the PDF: 8-bit samples, colour and optional alpha.
pub struct Pixels {
    /// 1 (grey) or 3 (RGB) samples per pixel.
    pub components: u8,
    /// The colour samples, row by row.
    pub color: Vec<u8>,
    /// The alpha samples, if the image has transparency.
    pub alpha: Option<Vec<u8>>,
}

/// Decodes a PNG (within the size limits) to 8-bit samples.
pub fn decode_png(bytes: &[u8]) -> Result<Pixels, String> {
    let (_, w, h, _) = sniff(bytes)?;
    check_size(w, h)?;
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: (MAX_PIXELS * 4) as usize,
        },
    );
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "the image is too large".to_string())?;
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
    buffer.truncate(info.buffer_size());
    let (components, has_alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => return Err("palette not expanded".into()),
    };
    if !has_alpha {
        return Ok(Pixels {
            components,
            color: buffer,
            alpha: None,
        });
    }
    let stride = usize::from(components) + 1;
    let mut color = Vec::with_capacity(buffer.len() / stride * usize::from(components));
    let mut alpha = Vec::with_capacity(buffer.len() / stride);
    for px in buffer.chunks_exact(stride) {
        color.extend_from_slice(&px[..stride - 1]);
        alpha.push(px[stride - 1]);
    }
    let alpha = alpha.iter().any(|&a| a != 255).then_some(alpha);
    Ok(Pixels {
        components,
        color,
        alpha,
    })
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
        let err = decode_png(&bomb).err().unwrap();
        assert!(err.contains("60000 × 60000"), "{err}");
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
        let pixels = decode_png(&png).unwrap();
        assert_eq!(pixels.components, 3);
        assert_eq!(pixels.color, [255, 0, 0, 0, 0, 255]);
        assert_eq!(pixels.alpha, Some(vec![255, 128]));
    }
}
