//! Raster images: what their headers say (format, size, density), read
//! before anything is decoded, and their pixels decoded for the PDF.
//!
//! PNG and JPEG are the print formats; GIF and WebP are read too (their
//! first frame, as a still picture). The density a file states is its
//! natural size's key: PNG's `pHYs` chunk (ISO/IEC 15948, 11.3.5.3), JPEG's
//! JFIF header (JFIF 1.02, APP0) or its Exif `XResolution` (Exif 2.3, IFD0).

use super::{check_size, Format, MAX_PIXELS};

/// What a header says: format, width, height, colour components.
pub type Header = (Format, u32, u32, u8);

/// Reads a raster header: format, width, height, components; or why not.
pub fn sniff(bytes: &[u8]) -> Result<Header, String> {
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
        // the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC):
        // precision, height, width, components
        let mut found = None;
        jpeg_segments(bytes, &mut |marker, segment| {
            let is_sof = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
            if is_sof && segment.len() >= 6 {
                let h = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let w = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                found = Some((Format::Jpeg, w, h, segment[5]));
                return false;
            }
            true
        })?;
        return found.ok_or_else(|| "truncated JPEG: no frame header".to_string());
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        // the logical screen descriptor: width, height (little-endian)
        if bytes.len() < 10 {
            return Err("truncated GIF header".into());
        }
        let w = u32::from(u16::from_le_bytes([bytes[6], bytes[7]]));
        let h = u32::from(u16::from_le_bytes([bytes[8], bytes[9]]));
        return Ok((Format::Gif, w, h, 3));
    }
    if is_webp(bytes) {
        // the decoder reads the headers only here (VP8, VP8L or VP8X)
        let decoder = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("corrupt WebP: {e}"))?;
        let (w, h) = decoder.dimensions();
        return Ok((Format::Webp, w, h, 3));
    }
    Err("not a PNG, JPEG, GIF or WebP image".into())
}

/// Whether `bytes` start as a WebP file does (a RIFF container of type `WEBP`).
pub fn is_webp(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"
}

/// Calls `f` with each JPEG marker segment before the scan (marker, payload
/// without its length) until `f` returns `false`.
fn jpeg_segments(bytes: &[u8], f: &mut dyn FnMut(u8, &[u8]) -> bool) -> Result<(), String> {
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
        if marker == 0xDA || marker == 0xD9 {
            // start of scan, end of image: no header follows
            return Ok(());
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if len < 2 {
            return Err("corrupt JPEG segment".into());
        }
        let end = (i + 2 + len).min(bytes.len());
        if !f(marker, &bytes[i + 4..end]) {
            return Ok(());
        }
        i += 2 + len;
    }
    Ok(())
}

/// The density a raster file states, in pixels per inch (across, down):
/// PNG's `pHYs` in pixels per metre, JPEG's JFIF density in dots per inch
/// or centimetre, else its Exif resolution. `None` when the file states
/// none (or only an aspect ratio), or an implausible one.
pub fn density(format: Format, bytes: &[u8]) -> Option<(f64, f64)> {
    let found = match format {
        Format::Png => png_density(bytes),
        Format::Jpeg => jpeg_density(bytes),
        _ => None,
    };
    // a density under 1 ppi or over 100,000 is a broken header, not a plan
    found.filter(|(x, y)| [x, y].iter().all(|d| (1.0..=100_000.0).contains(*d)))
}

fn png_density(bytes: &[u8]) -> Option<(f64, f64)> {
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().ok()?) as usize;
        let kind = &bytes[i + 4..i + 8];
        let data = bytes.get(i + 8..i.checked_add(8)?.checked_add(len)?)?;
        match kind {
            b"pHYs" if data.len() >= 9 && data[8] == 1 => {
                // pixels per metre; unit 1 is the metre (0: aspect ratio only)
                let x = u32::from_be_bytes(data[0..4].try_into().ok()?);
                let y = u32::from_be_bytes(data[4..8].try_into().ok()?);
                // whole pixels per metre cannot say 300 ppi (11,811 is
                // 299.9994): to the nearest pixel per inch, as tools show it
                let ppi = |ppm: u32| (f64::from(ppm) * 0.0254).round();
                return Some((ppi(x), ppi(y)));
            }
            b"IDAT" | b"IEND" => return None,
            _ => {}
        }
        i += 12 + len;
    }
    None
}

fn jpeg_density(bytes: &[u8]) -> Option<(f64, f64)> {
    let mut jfif = None;
    let mut exif = None;
    let _ = jpeg_segments(bytes, &mut |marker, segment| {
        match marker {
            0xE0 if segment.len() >= 12 && segment.starts_with(b"JFIF\0") => {
                // version (2), units (0 aspect ratio, 1 per inch, 2 per cm), x, y
                let unit = match segment[7] {
                    1 => 1.0,
                    2 => 2.54,
                    _ => return true,
                };
                let x = f64::from(u16::from_be_bytes([segment[8], segment[9]]));
                let y = f64::from(u16::from_be_bytes([segment[10], segment[11]]));
                jfif = Some((x * unit, y * unit));
            }
            0xE1 if segment.starts_with(b"Exif\0\0") => exif = exif_density(&segment[6..]),
            _ => {}
        }
        true
    });
    jfif.or(exif)
}

/// `XResolution`, `YResolution` and `ResolutionUnit` from the first IFD of
/// an Exif TIFF structure.
fn exif_density(tiff: &[u8]) -> Option<(f64, f64)> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let entries = usize::from(u16_at(ifd)?);
    let (mut x, mut y, mut unit) = (None, None, 2);
    for n in 0..entries.min(256) {
        let entry = ifd + 2 + n * 12;
        let tag = u16_at(entry)?;
        let rational = || -> Option<f64> {
            let at = u32_at(entry + 8)? as usize;
            let (num, den) = (u32_at(at)?, u32_at(at + 4)?);
            (den != 0).then(|| f64::from(num) / f64::from(den))
        };
        match tag {
            0x011A => x = rational(),
            0x011B => y = rational(),
            0x0128 => unit = u16_at(entry + 8)?,
            _ => {}
        }
    }
    let per_inch = match unit {
        2 => 1.0,
        3 => 2.54,
        _ => return None,
    };
    let x = x? * per_inch;
    Some((x, y.map_or(x, |y| y * per_inch)))
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

impl Pixels {
    /// Splits interleaved samples (`components` colour samples, then alpha
    /// when `has_alpha`) into colour and alpha; an alpha channel that is
    /// opaque everywhere is dropped.
    fn split(buffer: Vec<u8>, components: u8, has_alpha: bool) -> Pixels {
        if !has_alpha {
            return Pixels {
                components,
                color: buffer,
                alpha: None,
            };
        }
        let stride = usize::from(components) + 1;
        let mut color = Vec::with_capacity(buffer.len() / stride * usize::from(components));
        let mut alpha = Vec::with_capacity(buffer.len() / stride);
        for px in buffer.chunks_exact(stride) {
            color.extend_from_slice(&px[..stride - 1]);
            alpha.push(px[stride - 1]);
        }
        let alpha = alpha.iter().any(|&a| a != 255).then_some(alpha);
        Pixels {
            components,
            color,
            alpha,
        }
    }
}

/// Decodes a PNG, GIF (its first frame) or WebP (its first frame) within
/// the size limits to 8-bit samples. JPEG is not decoded: the PDF carries
/// it as it is.
pub fn decode(format: Format, bytes: &[u8]) -> Result<Pixels, String> {
    let (_, w, h, _) = sniff(bytes)?;
    check_size(w, h)?;
    match format {
        Format::Png => decode_png(bytes),
        Format::Gif => decode_gif(bytes),
        Format::Webp => decode_webp(bytes),
        Format::Jpeg | Format::Svg => Err(format!("{} is not decoded", format.name())),
    }
}

fn decode_png(bytes: &[u8]) -> Result<Pixels, String> {
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
    Ok(Pixels::split(buffer, components, has_alpha))
}

/// The first frame of a GIF, drawn on its logical screen (transparent
/// where the frame does not cover it).
fn decode_gif(bytes: &[u8]) -> Result<Pixels, String> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    if let Some(limit) = std::num::NonZeroU64::new(MAX_PIXELS * 4) {
        options.set_memory_limit(gif::MemoryLimit::Bytes(limit));
    }
    let mut decoder = options
        .read_info(std::io::Cursor::new(bytes))
        .map_err(|e| format!("corrupt GIF: {e}"))?;
    let (w, h) = (usize::from(decoder.width()), usize::from(decoder.height()));
    let frame = decoder
        .read_next_frame()
        .map_err(|e| format!("corrupt GIF: {e}"))?
        .ok_or("the GIF has no frame")?;
    let mut canvas = vec![0u8; w * h * 4];
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    for row in 0..fh.min(h.saturating_sub(top)) {
        let width = fw.min(w.saturating_sub(left));
        let from = row * fw * 4;
        let to = ((top + row) * w + left) * 4;
        if let (Some(src), Some(dst)) = (
            frame.buffer.get(from..from + width * 4),
            canvas.get_mut(to..to + width * 4),
        ) {
            dst.copy_from_slice(src);
        }
    }
    Ok(Pixels::split(canvas, 3, true))
}

fn decode_webp(bytes: &[u8]) -> Result<Pixels, String> {
    let mut decoder = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("corrupt WebP: {e}"))?;
    decoder.set_memory_limit((MAX_PIXELS * 4) as usize);
    let has_alpha = decoder.has_alpha();
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| "the image is too large".to_string())?;
    let mut buffer = vec![0; size];
    decoder
        .read_image(&mut buffer)
        .map_err(|e| format!("corrupt WebP: {e}"))?;
    Ok(Pixels::split(buffer, 3, has_alpha))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG of `segments` (marker, payload) then a 20 × 10 frame header.
    fn jpeg(segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        for (marker, payload) in segments {
            out.extend([0xFF, *marker]);
            out.extend(((payload.len() + 2) as u16).to_be_bytes());
            out.extend(payload);
        }
        out.extend([0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x0A, 0x00, 0x14, 0x03]);
        out
    }

    fn jfif(unit: u8, x: u16, y: u16) -> (u8, Vec<u8>) {
        let mut payload = b"JFIF\0\x01\x02".to_vec();
        payload.push(unit);
        payload.extend(x.to_be_bytes());
        payload.extend(y.to_be_bytes());
        payload.extend([0, 0]);
        (0xE0, payload)
    }

    /// An Exif segment (big-endian TIFF) stating `x` and `y` per `unit`.
    fn exif(x: u32, y: u32, unit: u16) -> (u8, Vec<u8>) {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend(3u16.to_be_bytes());
        let rationals = 8 + 2 + 3 * 12 + 4;
        for (tag, kind, value) in [
            (0x011Au16, 5u16, rationals as u32),
            (0x011B, 5, rationals as u32 + 8),
            (0x0128, 3, u32::from(unit) << 16),
        ] {
            tiff.extend(tag.to_be_bytes());
            tiff.extend(kind.to_be_bytes());
            tiff.extend(1u32.to_be_bytes());
            tiff.extend(value.to_be_bytes());
        }
        tiff.extend(0u32.to_be_bytes());
        for v in [x, 1, y, 1] {
            tiff.extend(v.to_be_bytes());
        }
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        (0xE1, payload)
    }

    #[test]
    fn jpeg_density_from_jfif_else_exif() {
        let at = |segments: &[(u8, Vec<u8>)]| density(Format::Jpeg, &jpeg(segments));
        assert_eq!(at(&[jfif(1, 300, 150)]), Some((300.0, 150.0)));
        // dots per centimetre
        assert_eq!(at(&[jfif(2, 100, 100)]), Some((254.0, 254.0)));
        // an aspect ratio only: no density; Exif then speaks
        assert_eq!(at(&[jfif(0, 1, 1)]), None);
        assert_eq!(
            at(&[jfif(0, 1, 1), exif(240, 240, 2)]),
            Some((240.0, 240.0))
        );
        let cm = at(&[exif(118, 118, 3)]).unwrap();
        assert!((cm.0 - 299.72).abs() < 1e-9, "{cm:?}");
        // JFIF first; an implausible density is none
        assert_eq!(
            at(&[jfif(1, 72, 72), exif(600, 600, 2)]),
            Some((72.0, 72.0))
        );
        assert_eq!(at(&[jfif(1, 0, 0)]), None);
        assert_eq!(
            sniff(&jpeg(&[jfif(1, 72, 72)])).unwrap(),
            (Format::Jpeg, 20, 10, 3)
        );
    }

    #[test]
    fn png_density_from_phys() {
        let png = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/images/fine-600ppi.png"),
        )
        .unwrap();
        let (x, y) = density(Format::Png, &png).unwrap();
        // 23,622 pixels a metre: 599.9988, read as the 600 it means
        assert_eq!((x, y), (600.0, 600.0));
        // a PNG without pHYs: none
        let plain = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/images/ellipse.png"),
        )
        .unwrap();
        assert_eq!(density(Format::Png, &plain), None);
        // a chunk claiming more bytes than there are: none, no panic
        let mut cut = png[..40].to_vec();
        cut[33..37].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(density(Format::Png, &cut), None);
    }

    #[test]
    fn gif_and_webp_headers_are_read() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend(90u16.to_le_bytes());
        gif.extend(60u16.to_le_bytes());
        assert_eq!(sniff(&gif).unwrap(), (Format::Gif, 90, 60, 3));
        assert!(sniff(b"GIF89a\x01").is_err());
        let webp = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/images/disc.webp"),
        )
        .unwrap();
        assert_eq!(sniff(&webp).unwrap(), (Format::Webp, 120, 80, 3));
        assert!(sniff(&webp[..20]).is_err());
        // a corrupt GIF body is an error, not a panic
        gif.extend([0; 3]);
        assert!(decode(Format::Gif, &gif).is_err());
    }
}
