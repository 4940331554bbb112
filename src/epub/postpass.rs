//! The post-pass over epub-builder's zip: what 0.8.3 gets wrong or leaves
//! out, fixed in place, then the archive written again reproducibly
//! (compressed entries that do not change are copied as they are).
//!
//! 1. `content.opf`: `dc:language` no longer shares its `id` with the first
//!    `dc:creator` (0.8.3 gives both `epub-creator-0`); the identifier and
//!    `dcterms:modified` become ours (epub-builder would take a random UUID
//!    and the wall clock); metadata it cannot write is added; manifest items
//!    get the `properties` their content needs (`svg`, `mathml`); the
//!    navigation document joins the spine after the front matter.
//! 2. `nav.xhtml`: the language, our landmarks, the page-list.
//! 3. The archive: `mimetype` first and stored, then a fixed order, every
//!    entry with the same timestamp, so equal input gives equal bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hasher;
use std::io::{Cursor, Read};
use std::sync::Arc;

use zip::{CompressionMethod, ZipArchive};

use super::archive::{self, Entry};
use super::xml;
use crate::date::Timestamp;
use crate::error::{Error, Result};
use crate::kept::{Kept, Mix};

/// Compressed entries kept between the builds of `quire watch`, by a hash
/// of their name and data: a chapter, font or image that did not change is
/// not compressed again.
pub type EntryCache = Kept<Entry>;

/// What the post-pass writes into the package.
#[derive(Debug, Default)]
pub struct Fixes {
    /// `dc:identifier`.
    pub identifier: String,
    /// `dcterms:modified` and the zip entry times.
    pub modified: Option<Timestamp>,
    /// Metadata elements to add (already XML).
    pub metadata: String,
    /// The language for the navigation document.
    pub language: String,
    /// The landmarks nav (XML).
    pub landmarks: String,
    /// The page-list nav (XML), if there is one.
    pub page_list: Option<String>,
    /// The spine document after which the navigation document is read.
    pub nav_after: String,
    /// Manifest properties (`svg`, `mathml`) of XHTML documents, by path
    /// relative to the package document.
    pub properties: BTreeMap<String, Vec<&'static str>>,
}

fn fail(message: impl Into<String>) -> Error {
    Error::Output {
        format: "epub",
        message: message.into(),
    }
}

const OPF: &str = "OEBPS/content.opf";
const NAV: &str = "OEBPS/nav.xhtml";

/// Applies `fixes` to epub-builder's zip `bytes`, puts the data of `fill`
/// (path → bytes) into the entries epub-builder was given empty, and writes
/// the archive again. Entries that do not change are copied as compressed;
/// filled entries found in `kept` are not compressed again.
pub fn finish(
    bytes: &[u8],
    fixes: &Fixes,
    fill: &[(String, &[u8])],
    kept: Option<&EntryCache>,
) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(format!("reading back: {e}")))?;
    let mut entries: Vec<Arc<Entry>> = Vec::with_capacity(archive.len());
    let mut opf = None;
    let mut nav = None;
    let to_fill: BTreeSet<&str> = fill.iter().map(|(path, _)| path.as_str()).collect();
    for i in 0..archive.len() {
        let back = |e: zip::result::ZipError| fail(format!("reading back: {e}"));
        let mut file = archive.by_index_raw(i).map_err(back)?;
        let name = file.name().to_string();
        if file.is_dir() || to_fill.contains(name.as_str()) {
            continue;
        }
        if name == OPF || name == NAV {
            drop(file);
            let mut text = String::new();
            archive
                .by_index(i)
                .map_err(back)?
                .read_to_string(&mut text)
                .map_err(|e| fail(format!("reading back {name}: {e}")))?;
            *(if name == OPF { &mut opf } else { &mut nav }) = Some(text);
            continue;
        }
        let method = match file.compression() {
            CompressionMethod::Stored => archive::STORED,
            CompressionMethod::Deflated => archive::DEFLATED,
            other => return Err(fail(format!("{name}: unexpected compression {other:?}"))),
        };
        let (crc, size) = (file.crc32(), file.size());
        let mut data = Vec::with_capacity(file.compressed_size() as usize);
        file.read_to_end(&mut data)
            .map_err(|e| fail(format!("reading back {name}: {e}")))?;
        entries.push(Arc::new(Entry {
            name,
            method,
            crc,
            size,
            data,
        }));
    }
    let opf = opf.ok_or_else(|| fail(format!("epub-builder wrote no {OPF}")))?;
    let nav = nav.ok_or_else(|| fail(format!("epub-builder wrote no {NAV}")))?;
    let opf = fix_opf(&opf, fixes)?;
    let nav = fix_nav(&nav, fixes)?;
    let fresh = [(OPF, opf.as_bytes()), (NAV, nav.as_bytes())];
    entries.extend(
        fresh
            .iter()
            .map(|(name, data)| Arc::new(Entry::deflated(name, data))),
    );
    if let Some(kept) = kept {
        kept.start();
    }
    let filled: Vec<(u64, Arc<Entry>)> = fill
        .par_iter()
        .map(|(name, data)| {
            let key = kept.map_or(0, |_| {
                let mut h = Mix::default();
                h.write(name.as_bytes());
                h.write(data);
                h.finish()
            });
            let entry = kept
                .and_then(|kept| kept.get(key))
                .unwrap_or_else(|| Arc::new(Entry::deflated(name, data)));
            (key, entry)
        })
        .collect();
    if let Some(kept) = kept {
        kept.replace(filled.iter().cloned().collect());
    }
    entries.extend(filled.into_iter().map(|(_, entry)| entry));

    // mimetype, META-INF, the package document, nav, NCX, then the rest in
    // the order epub-builder added them (deterministic), filled entries last
    let rank = |name: &str| match name {
        "mimetype" => 0,
        n if n.starts_with("META-INF/") => 1,
        OPF => 2,
        NAV => 3,
        "OEBPS/toc.ncx" => 4,
        _ => 5,
    };
    entries.sort_by_key(|entry| rank(&entry.name));
    archive::write(&entries, fixes.modified.unwrap_or(crate::date::FALLBACK))
}

/// Replaces the content of the first `<open …>…</close>` element whose
/// start tag begins with `open`.
fn replace_element(doc: &str, open: &str, close: &str, content: &str) -> Result<String> {
    let start = doc
        .find(open)
        .ok_or_else(|| fail(format!("no `{open}` in the package")))?;
    let inner = start
        + doc[start..]
            .find('>')
            .ok_or_else(|| fail(format!("unterminated `{open}`")))?
        + 1;
    let end = inner
        + doc[inner..]
            .find(close)
            .ok_or_else(|| fail(format!("no `{close}` after `{open}`")))?;
    Ok(format!("{}{}{}", &doc[..inner], content, &doc[end..]))
}

fn fix_opf(opf: &str, fixes: &Fixes) -> Result<String> {
    // 0.8.3 gives dc:language the ids of the creators.
    let mut opf = opf.replace(
        "<dc:language id=\"epub-creator-",
        "<dc:language id=\"epub-language-",
    );
    opf = replace_element(
        &opf,
        "<dc:identifier",
        "</dc:identifier>",
        &xml::text(&fixes.identifier),
    )?;
    if let Some(modified) = fixes.modified {
        opf = replace_element(
            &opf,
            "<meta property=\"dcterms:modified\"",
            "</meta>",
            &modified.iso8601(),
        )?;
    }
    let end = opf
        .find("</metadata>")
        .ok_or_else(|| fail("no </metadata> in the package"))?;
    opf.insert_str(end, &fixes.metadata);
    // the package's own language (Ace's `epub-lang`), its direction, and
    // which way the pages turn
    let lang = xml::attr(&fixes.language);
    let rtl = super::xhtml::is_rtl(&fixes.language);
    opf = opf.replacen(
        "<package version=\"3.0\"",
        &format!(
            "<package version=\"3.0\" xml:lang=\"{lang}\"{}",
            if rtl { " dir=\"rtl\"" } else { "" }
        ),
        1,
    );
    if rtl {
        opf = opf.replacen(
            "page-progression-direction=\"ltr\"",
            "page-progression-direction=\"rtl\"",
            1,
        );
    }

    // Manifest properties from what each XHTML document contains.
    let mut out = String::with_capacity(opf.len() + 256);
    let mut rest = opf.as_str();
    let mut nav_idref = None;
    while let Some(p) = rest.find("<item ") {
        out.push_str(&rest[..p]);
        let end = p + rest[p..]
            .find("/>")
            .ok_or_else(|| fail("unterminated manifest item"))?;
        let item = &rest[p..end];
        let href = attribute(item, "href").unwrap_or_default();
        if href == fixes.nav_after {
            nav_idref = attribute(item, "id");
        }
        let existing = attribute(item, "properties").unwrap_or_default();
        let mut properties: Vec<&str> = Vec::new();
        if attribute(item, "media-type").as_deref() == Some("application/xhtml+xml") {
            for &property in fixes.properties.get(&href).into_iter().flatten() {
                if !existing.contains(property) {
                    properties.push(property);
                }
            }
        }
        if properties.is_empty() {
            out.push_str(item);
        } else if existing.is_empty() {
            out.push_str(item);
            out.push_str(&format!(" properties=\"{}\"", properties.join(" ")));
        } else {
            out.push_str(&item.replacen(
                &format!("properties=\"{existing}\""),
                &format!("properties=\"{existing} {}\"", properties.join(" ")),
                1,
            ));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);

    // The navigation document is also the readable table of contents.
    let idref =
        nav_idref.ok_or_else(|| fail(format!("no manifest item for {}", fixes.nav_after)))?;
    let itemref = format!("<itemref idref=\"{idref}\"/>");
    let at = out
        .find(&itemref)
        .ok_or_else(|| fail(format!("{} is not in the spine", fixes.nav_after)))?
        + itemref.len();
    out.insert_str(at, "\n    <itemref idref=\"nav\"/>");
    Ok(out)
}

/// The value of attribute `name` in a start tag (as epub-builder writes
/// them: double quotes).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}

fn fix_nav(nav: &str, fixes: &Fixes) -> Result<String> {
    let html =
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\"";
    if !nav.contains(html) {
        return Err(fail("unexpected nav.xhtml from epub-builder"));
    }
    let lang = xml::attr(&fixes.language);
    let dir = if super::xhtml::is_rtl(&fixes.language) {
        " dir=\"rtl\""
    } else {
        ""
    };
    let mut nav = nav.replacen(
        html,
        &format!("{html} lang=\"{lang}\" xml:lang=\"{lang}\"{dir}"),
        1,
    );
    // the table of contents' role (Ace's `epub-type-has-matching-role`)
    nav = nav.replacen(
        "<nav epub:type = \"toc\" id=\"toc\">",
        "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\">",
        1,
    );
    let open = "<nav epub:type = \"landmarks\">";
    let start = nav
        .find(open)
        .ok_or_else(|| fail("no landmarks in nav.xhtml"))?;
    let end = start
        + nav[start..]
            .find("</nav>")
            .ok_or_else(|| fail("unterminated landmarks in nav.xhtml"))?
        + "</nav>".len();
    let mut replacement = fixes.landmarks.clone();
    if let Some(page_list) = &fixes.page_list {
        replacement.push_str(page_list);
    }
    nav.replace_range(start..end, &replacement);
    Ok(nav)
}
