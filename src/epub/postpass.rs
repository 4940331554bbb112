//! The post-pass over epub-builder's zip: what 0.8.3 gets wrong or leaves
//! out, fixed in place, then the archive written again reproducibly.
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

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::xml;
use crate::date::Timestamp;
use crate::error::{Error, Result};

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
}

fn fail(message: impl Into<String>) -> Error {
    Error::Output {
        format: "epub",
        message: message.into(),
    }
}

const OPF: &str = "OEBPS/content.opf";
const NAV: &str = "OEBPS/nav.xhtml";

/// Applies `fixes` to the zip `bytes` and writes it again.
pub fn finish(bytes: &[u8], fixes: &Fixes) -> Result<Vec<u8>> {
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| fail(format!("reading back: {e}")))?;
    let mut entries: Vec<(String, Vec<u8>)> = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| fail(format!("reading back: {e}")))?;
        if file.is_dir() {
            continue;
        }
        let mut data = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut data)
            .map_err(|e| fail(format!("reading back {}: {e}", file.name())))?;
        entries.push((file.name().to_string(), data));
    }

    let text = |entries: &[(String, Vec<u8>)], name: &str| -> Result<String> {
        let (_, data) = entries
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| fail(format!("epub-builder wrote no {name}")))?;
        String::from_utf8(data.clone()).map_err(|_| fail(format!("{name} is not UTF-8")))
    };
    let opf = fix_opf(&text(&entries, OPF)?, &entries, fixes)?;
    let nav = fix_nav(&text(&entries, NAV)?, fixes)?;
    for (name, data) in &mut entries {
        if name == OPF {
            *data = opf.clone().into_bytes();
        } else if name == NAV {
            *data = nav.clone().into_bytes();
        }
    }

    // mimetype, META-INF, the package document, nav, NCX, then the rest as
    // epub-builder added them (its order is deterministic).
    let rank = |name: &str| match name {
        "mimetype" => 0,
        n if n.starts_with("META-INF/") => 1,
        OPF => 2,
        NAV => 3,
        "OEBPS/toc.ncx" => 4,
        _ => 5,
    };
    entries.sort_by_key(|(name, _)| rank(name));
    write_zip(&entries, fixes.modified)
}

/// Writes `entries` as a zip: `mimetype` stored, the rest deflated, all
/// with the same modification time.
fn write_zip(entries: &[(String, Vec<u8>)], modified: Option<Timestamp>) -> Result<Vec<u8>> {
    let time = zip_time(modified.unwrap_or(crate::date::FALLBACK));
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(time)
            .unix_permissions(0o644);
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| fail(format!("writing {name}: {e}")))?;
        writer
            .write_all(data)
            .map_err(|e| fail(format!("writing {name}: {e}")))?;
    }
    let cursor = writer
        .finish()
        .map_err(|e| fail(format!("finishing the zip: {e}")))?;
    Ok(cursor.into_inner())
}

/// A zip (MS-DOS) time: years 1980–2107 only, so clamped.
fn zip_time(t: Timestamp) -> DateTime {
    let year = t.year.clamp(1980, 2107) as u16;
    DateTime::from_date_and_time(
        year,
        t.month as u8,
        t.day as u8,
        t.hour as u8,
        t.minute as u8,
        t.second.min(58) as u8,
    )
    .unwrap_or_default()
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

fn fix_opf(opf: &str, entries: &[(String, Vec<u8>)], fixes: &Fixes) -> Result<String> {
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
            if let Some((_, data)) = entries.iter().find(|(n, _)| *n == format!("OEBPS/{href}")) {
                let content = String::from_utf8_lossy(data);
                if content.contains("<svg") && !existing.contains("svg") {
                    properties.push("svg");
                }
                if content.contains("<math") && !existing.contains("mathml") {
                    properties.push("mathml");
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
    let mut nav = nav.replacen(
        html,
        &format!("{html} lang=\"{lang}\" xml:lang=\"{lang}\""),
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
