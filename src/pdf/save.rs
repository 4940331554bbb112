//! Serialising the finished document: the objects in parallel (lopdf's own
//! `save_to` writes them one by one through small writes), a classic
//! cross-reference table (ISO 32000-1, 7.5.4) and a trailer whose file ID
//! (14.4) is a hash of the objects: same content, same ID.

use std::hash::Hasher;
use std::io::Write;
use std::sync::Arc;

use lopdf::{Object, ObjectId, StringFormat};

use crate::kept::Mix;

/// Objects serialised per task: large enough that the tasks cost little,
/// small enough to share the work.
const CHUNK: usize = 256;

/// A run of serialised objects: the bytes, where each object starts in them,
/// and a hash of the bytes.
struct Written {
    bytes: Vec<u8>,
    starts: Vec<(u32, u16, usize)>,
    hash: u64,
}

/// An object written outside the lopdf document: the pages' objects, so
/// that their compressed content streams (kept by `quire watch`) are copied
/// once, into the file, and the document stays small.
pub enum Raw {
    /// An object already in PDF syntax.
    Bytes(Vec<u8>),
    /// A `FlateDecode` stream: its compressed data.
    Deflated(Arc<Vec<u8>>),
    /// A stream left uncompressed (a few bytes).
    Stream(Vec<u8>),
}

/// Raw objects by number.
pub type RawObjects = Vec<(u32, Raw)>;

/// An object to write: the document's or a raw one.
enum Any<'a> {
    Lopdf(&'a Object),
    Raw(&'a Raw),
}

/// Writes `object` in PDF syntax (ISO 32000-1, 7.3). Every token ends
/// with a delimiter or is followed by one, so no separators are guessed.
pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        // Rust prints reals without an exponent, as PDF wants
        Object::Real(r) => {
            let r = if r.is_finite() { *r } else { 0.0 };
            let _ = write!(out, "{r}");
        }
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, StringFormat::Literal) => {
            out.push(b'(');
            for &b in bytes {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::String(bytes, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for &b in bytes {
                out.extend_from_slice(&hex(b));
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            write_dictionary(out, &stream.dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            let _ = write!(out, "{id} {generation} R");
        }
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &lopdf::Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// A name, with `#xx` for delimiters, white space and bytes outside
/// `!`..`~` (7.3.5).
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    let regular = |b: &u8| (b'!'..=b'~').contains(b) && !b"()<>[]{}/%#".contains(b);
    if name.iter().all(regular) {
        out.extend_from_slice(name);
        return;
    }
    for &b in name {
        if regular(&b) {
            out.push(b);
        } else {
            out.push(b'#');
            out.extend_from_slice(&hex(b));
        }
    }
}

fn hex(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]
}

fn write_chunk(objects: &[(ObjectId, Any)]) -> Written {
    let mut bytes = Vec::new();
    let mut starts = Vec::with_capacity(objects.len());
    for &((id, generation), ref object) in objects {
        starts.push((id, generation, bytes.len()));
        let _ = writeln!(bytes, "{id} {generation} obj");
        match object {
            Any::Lopdf(object) => write_object(&mut bytes, object),
            Any::Raw(Raw::Bytes(raw)) => bytes.extend_from_slice(raw),
            Any::Raw(Raw::Deflated(data)) => {
                let _ = write!(
                    bytes,
                    "<</Filter/FlateDecode/Length {}>>\nstream\n",
                    data.len()
                );
                bytes.extend_from_slice(data);
                bytes.extend_from_slice(b"\nendstream");
            }
            Any::Raw(Raw::Stream(data)) => {
                let _ = write!(bytes, "<</Length {}>>\nstream\n", data.len());
                bytes.extend_from_slice(data);
                bytes.extend_from_slice(b"\nendstream");
            }
        }
        bytes.extend_from_slice(b"\nendobj\n");
    }
    let mut hash = Mix::default();
    hash.write(&bytes);
    Written {
        bytes,
        starts,
        hash: hash.finish(),
    }
}

/// The PDF file of `doc` with the `raw` objects (numbered apart from the
/// document's).
pub fn save(doc: &lopdf::Document, raw: &[(u32, Raw)]) -> Vec<u8> {
    use rayon::prelude::*;
    let mut objects: Vec<(ObjectId, Any)> = doc
        .objects
        .iter()
        .map(|(&id, object)| (id, Any::Lopdf(object)))
        .chain(raw.iter().map(|(id, object)| ((*id, 0), Any::Raw(object))))
        .collect();
    objects.sort_by_key(|(id, _)| *id);
    let chunks: Vec<Written> = objects.par_chunks(CHUNK).map(write_chunk).collect();

    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.bytes.len()).sum::<usize>() + 64);
    let _ = writeln!(out, "%PDF-{}", doc.version);
    // a comment of bytes above 127 marks the file as binary (7.5.2)
    out.push(b'%');
    out.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3]);
    out.push(b'\n');
    let mut offsets: Vec<(u32, u16, usize)> = Vec::with_capacity(objects.len());
    let (mut first, mut second) = (Mix(1), Mix(2));
    for chunk in &chunks {
        let base = out.len();
        offsets.extend(chunk.starts.iter().map(|&(id, g, at)| (id, g, base + at)));
        out.extend_from_slice(&chunk.bytes);
        first.add(chunk.hash);
        second.add(chunk.hash);
    }
    drop(chunks);

    // the cross-reference table: object 0 heads the free list; a gap in
    // the numbers starts a new subsection
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    let mut runs: Vec<Vec<(u32, u16, usize)>> = vec![vec![(0, 65535, 0)]];
    for &entry in &offsets {
        let last = runs.last_mut().and_then(|r| r.last()).map_or(0, |e| e.0);
        if entry.0 == last + 1 {
            if let Some(run) = runs.last_mut() {
                run.push(entry);
            }
        } else {
            runs.push(vec![entry]);
        }
    }
    for run in &runs {
        let _ = writeln!(out, "{} {}", run[0].0, run.len());
        for &(id, generation, offset) in run {
            let kind = if id == 0 { 'f' } else { 'n' };
            let _ = writeln!(out, "{offset:010} {generation:05} {kind} ");
        }
    }

    let size = offsets.last().map_or(0, |e| e.0) + 1;
    let id: Vec<u8> = [first.finish(), second.finish()]
        .iter()
        .flat_map(|h| h.to_be_bytes())
        .collect();
    let mut trailer = doc.trailer.clone();
    trailer.set("Size", i64::from(size));
    trailer.set(
        "ID",
        vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ],
    );
    out.extend_from_slice(b"trailer\n");
    write_dictionary(&mut out, &trailer);
    let _ = write!(out, "\nstartxref\n{xref_at}\n%%EOF\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    fn written(object: &Object) -> String {
        let mut out = Vec::new();
        write_object(&mut out, object);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn objects_are_written_in_pdf_syntax() {
        assert_eq!(written(&Object::Name(b"Type".to_vec())), "/Type");
        assert_eq!(
            written(&Object::Name(b"A B#(x)".to_vec())),
            "/A#20B#23#28x#29"
        );
        assert_eq!(
            written(&Object::String(
                b"a(b)\\c\rd".to_vec(),
                StringFormat::Literal
            )),
            "(a\\(b\\)\\\\c\\rd)"
        );
        assert_eq!(
            written(&Object::String(
                vec![0xFE, 0xFF, 0, b'A'],
                StringFormat::Hexadecimal
            )),
            "<FEFF0041>"
        );
        assert_eq!(written(&Object::Real(f32::NAN)), "0");
        assert_eq!(written(&Object::Real(12.5)), "12.5");
        assert_eq!(written(&Object::Real(1e-7)), "0.0000001");
        assert_eq!(
            written(&vec![Object::Integer(-3), Object::Null, Object::Boolean(true)].into()),
            "[-3 null true]"
        );
        assert_eq!(
            written(&dictionary! { "P" => (7, 0), "K" => "V" }.into()),
            "<</P 7 0 R/K /V>>"
        );
    }

    /// Every cross-reference entry points at its object, lopdf reads the
    /// file back with the raw objects in it, and the ID follows the content.
    #[test]
    fn the_file_reads_back_and_its_xref_is_exact() {
        let mut doc = lopdf::Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.new_object_id();
        let content = doc.new_object_id();
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.objects.insert(
            pages,
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }.into(),
        );
        doc.trailer.set("Root", catalog);
        let mut page_dict = Vec::new();
        write_object(
            &mut page_dict,
            &dictionary! {
                "Type" => "Page",
                "Parent" => pages,
                "MediaBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
                "Contents" => content,
            }
            .into(),
        );
        let stream = b"0 0 m 10 10 l S".to_vec();
        let raw: RawObjects = vec![
            (page.0, Raw::Bytes(page_dict)),
            (content.0, Raw::Stream(stream.clone())),
        ];
        let bytes = save(&doc, &raw);

        // offsets count bytes (the binary-mark comment is not UTF-8)
        let find = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
        let at = find(b"startxref\n").expect("startxref") + "startxref\n".len();
        let tail = std::str::from_utf8(&bytes[at..]).unwrap();
        let xref: usize = tail.lines().next().unwrap().parse().unwrap();
        assert!(bytes[xref..].starts_with(b"xref\n"));
        let table = std::str::from_utf8(&bytes[xref + 5..]).unwrap();
        let mut lines = table.lines();
        let header: Vec<u32> = lines
            .next()
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(header, [0, 5], "one run: object 0 and the four objects");
        for id in 0..5 {
            let entry = lines.next().unwrap();
            assert_eq!(entry.len(), 19, "{entry:?}"); // + the newline: 20 bytes
            let offset: usize = entry[..10].parse().unwrap();
            if id > 0 {
                let head = format!("{id} 0 obj\n");
                assert!(bytes[offset..].starts_with(head.as_bytes()), "object {id}");
            }
        }

        let back = lopdf::Document::load_mem(&bytes).expect("lopdf reads it");
        assert_eq!(back.get_pages().len(), 1);
        let read = back
            .get_object(content)
            .and_then(Object::as_stream)
            .unwrap();
        assert_eq!(read.content, stream);
        let ids = back.trailer.get(b"ID").and_then(Object::as_array).unwrap();
        assert_eq!(ids[0].as_str().unwrap().len(), 16);

        // same content, same file; other content, another ID
        assert_eq!(save(&doc, &raw), bytes);
        let other: RawObjects = vec![
            (page.0, Raw::Bytes(b"<</Type /Page>>".to_vec())),
            (content.0, Raw::Stream(stream)),
        ];
        let again = lopdf::Document::load_mem(&save(&doc, &other)).unwrap();
        assert_ne!(
            again.trailer.get(b"ID").unwrap(),
            back.trailer.get(b"ID").unwrap()
        );
    }
}
