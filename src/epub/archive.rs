//! The EPUB container (EPUB 3.3, "OCF ZIP container"): a zip archive whose
//! first entry is `mimetype`, stored, every entry with the same timestamp
//! and permissions, so the same entries always give the same bytes.
//!
//! Written from the zip format's specification (PKWARE APPNOTE.TXT 6.3,
//! section 4.3): a local header before each entry's data, then the central
//! directory and its end record. No zip64 (an archive past 4 GiB is an
//! error), no extra fields, no data descriptors. Entries come already
//! compressed ([`Entry`]), so that what epub-builder deflated is copied,
//! not inflated and deflated again.

use std::borrow::Borrow;

use crate::date::Timestamp;
use crate::error::{Error, Result};

/// One file of the archive, as stored.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Path in the archive.
    pub name: String,
    /// 0 (stored) or 8 (deflated).
    pub method: u16,
    /// CRC-32 of the uncompressed data.
    pub crc: u32,
    /// Uncompressed size.
    pub size: u64,
    /// The data as stored (compressed when `method` is 8).
    pub data: Vec<u8>,
}

/// Stored, uncompressed.
pub const STORED: u16 = 0;
/// Deflate (RFC 1951).
pub const DEFLATED: u16 = 8;

impl Entry {
    /// `data` deflated.
    pub fn deflated(name: &str, data: &[u8]) -> Entry {
        use std::io::Write;
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(data.len() / 2),
            flate2::Compression::new(6),
        );
        // writing to a Vec cannot fail
        let _ = encoder.write_all(data);
        Entry {
            name: name.to_string(),
            method: DEFLATED,
            crc: crc32fast::hash(data),
            size: data.len() as u64,
            data: encoder.finish().unwrap_or_default(),
        }
    }
}

/// Local file header, central directory header, end of central directory.
const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// Version needed to extract: 2.0 (deflate).
const VERSION: u16 = 20;
/// Version made by: Unix (3), 2.0, so the permissions below apply.
const MADE_BY: u16 = (3 << 8) | 20;
/// External attributes: a regular file, `rw-r--r--`.
const ATTRIBUTES: u32 = 0o100_644 << 16;
/// General purpose flag bit 11: the name is UTF-8.
const UTF8: u16 = 1 << 11;

/// Writes `entries` as a zip archive, in order, every entry dated `modified`.
pub fn write<E: Borrow<Entry>>(entries: &[E], modified: Timestamp) -> Result<Vec<u8>> {
    let (time, date) = dos_time(modified);
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.borrow().data.len() + 100).sum());
    let mut central = Vec::new();
    for entry in entries {
        let entry: &Entry = entry.borrow();
        let too_big = || {
            fail(format!(
                "`{}` is too large for a zip without zip64",
                entry.name
            ))
        };
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let size = u32::try_from(entry.size).map_err(|_| too_big())?;
        let packed = u32::try_from(entry.data.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(entry.name.len()).map_err(|_| too_big())?;
        let flags = if entry.name.is_ascii() { 0 } else { UTF8 };
        // the fields a local header and a central one share, in order
        let common = |out: &mut Vec<u8>| {
            put16(out, VERSION);
            put16(out, flags);
            put16(out, entry.method);
            put16(out, time);
            put16(out, date);
            put32(out, entry.crc);
            put32(out, packed);
            put32(out, size);
            put16(out, name_len);
            put16(out, 0); // extra field length
        };
        put32(&mut out, LOCAL);
        common(&mut out);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);

        put32(&mut central, CENTRAL);
        put16(&mut central, MADE_BY);
        common(&mut central);
        put16(&mut central, 0); // comment length
        put16(&mut central, 0); // disk number
        put16(&mut central, 0); // internal attributes
        put32(&mut central, ATTRIBUTES);
        put32(&mut central, offset);
        central.extend_from_slice(entry.name.as_bytes());
    }
    let too_big = || fail("the archive is too large for a zip without zip64");
    let count = u16::try_from(entries.len()).map_err(|_| too_big())?;
    let central_at = u32::try_from(out.len()).map_err(|_| too_big())?;
    let central_size = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    put32(&mut out, END);
    put16(&mut out, 0); // this disk
    put16(&mut out, 0); // the disk the directory starts on
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_size);
    put32(&mut out, central_at);
    put16(&mut out, 0); // comment length
    Ok(out)
}

fn fail(message: impl Into<String>) -> Error {
    Error::Output {
        format: "epub",
        message: message.into(),
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// An MS-DOS time and date (APPNOTE 4.4.6): years 1980–2107 only, so
/// clamped; seconds in steps of two.
fn dos_time(t: Timestamp) -> (u16, u16) {
    let year = t.year.clamp(1980, 2107);
    let (month, day) = if year == t.year {
        (t.month, t.day)
    } else if t.year < 1980 {
        (1, 1)
    } else {
        (12, 31)
    };
    let time = (t.hour << 11) | (t.minute << 5) | (t.second.min(59) / 2);
    let date = (((year - 1980) as u32) << 9) | (month << 5) | day;
    (time as u16, date as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    #[test]
    fn the_zip_crate_reads_it_back() {
        let files = [
            ("mimetype", b"application/epub+zip".to_vec()),
            ("OEBPS/a.xhtml", "<p>é</p>".repeat(500).into_bytes()),
            ("OEBPS/ü.css", Vec::new()),
        ];
        let entries: Vec<Entry> = files
            .iter()
            .map(|(name, data)| {
                if *name == "mimetype" {
                    Entry {
                        name: name.to_string(),
                        method: STORED,
                        crc: crc32fast::hash(data),
                        size: data.len() as u64,
                        data: data.clone(),
                    }
                } else {
                    Entry::deflated(name, data)
                }
            })
            .collect();
        let bytes = write(&entries, Timestamp::from_unix(1_700_000_000)).unwrap();
        // what OCF wants at the start of the file
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..58], b"application/epub+zip");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 3);
        for (i, (name, data)) in files.iter().enumerate() {
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.name(), *name);
            let stored = file.compression() == zip::CompressionMethod::Stored;
            assert_eq!(stored, *name == "mimetype");
            assert_eq!(file.unix_mode(), Some(0o100_644));
            let time = file.last_modified().unwrap();
            assert_eq!(
                (
                    time.year(),
                    time.month(),
                    time.day(),
                    time.hour(),
                    time.minute()
                ),
                (2023, 11, 14, 22, 13)
            );
            let mut back = Vec::new();
            file.read_to_end(&mut back).unwrap();
            assert_eq!(&back, data);
        }
    }

    #[test]
    fn dates_outside_the_dos_range_are_clamped() {
        let early = dos_time(Timestamp::from_unix(0));
        assert_eq!(early.1, (1 << 5) | 1);
        let late = dos_time(Timestamp::from_unix(253_402_300_799));
        assert_eq!(late.1, (127 << 9) | (12 << 5) | 31);
    }
}
