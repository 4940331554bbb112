//! EPUB 3 writer: the document tree → XHTML chapters, nav, stylesheet → a
//! zip package.
//!
//! The steps of [`write()`]:
//!
//! 1. name a file per chapter and map every id of the tree to its file
//!    (`ids`);
//! 2. place the print edition's pages, when a page map is given (`pages`);
//! 3. write each chapter as XHTML (`xhtml`; links made valid URLs by `url`);
//! 4. write the front matter: cover, title page, copyright page (`front`);
//! 5. build the package with epub-builder: metadata, stylesheet (`style`),
//!    fonts, spine, table of contents, NCX (`package`);
//! 6. finish it in a post-pass: fixed ids, our identifier and date,
//!    landmarks and page-list (`nav`), manifest properties, and a
//!    reproducible archive (`postpass`).
//!
//! The writer is pure: it reads no files and returns the bytes.

use std::collections::HashMap;

use epub_builder::{ReferenceType, TocElement};

use crate::date::Timestamp;
use crate::doc::{plain_text, BlockKind, Book, Division, PageMap};
use crate::error::{Diagnostic, Error, Location, Result};
use crate::manuscript::{self, Manuscript};
use crate::typeset::fonts::FontFile;

mod a11y;
mod archive;
mod fonts;
mod front;
mod ids;
mod nav;
mod package;
mod pages;
mod postpass;

pub use fonts::FontCache;
pub use postpass::EntryCache;
mod style;
mod url;
mod xhtml;
pub(crate) mod xml;

#[cfg(test)]
mod tests;

/// Settings for the EPUB writer.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    /// `dcterms:modified` and zip entry times.
    pub modified: Timestamp,
    /// Fonts to embed and declare with `@font-face`.
    pub fonts: Vec<FontFile>,
    /// Whether the fonts are subset to the characters the book uses
    /// (`[epub] subset-fonts`, on by default); else they are embedded whole.
    pub subset_fonts: bool,
    /// A cover image, if the book has one.
    pub cover: Option<Cover>,
    /// Where the print edition's pages start, for the page-list.
    pub page_map: Option<&'a PageMap>,
    /// The book's images, by the `src` the Markdown uses (see [`crate::images::load`]).
    pub images: &'a crate::images::Images,
    /// Compressed entries of the last build (`quire watch`), if any.
    pub kept: Option<&'a EntryCache>,
    /// Font subsets of the last build (`quire watch`), if any.
    pub kept_fonts: Option<&'a FontCache>,
}

/// A cover image read from the manuscript folder.
#[derive(Clone, Debug)]
pub struct Cover {
    /// File name inside the EPUB.
    pub file_name: String,
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// The image data.
    pub bytes: Vec<u8>,
}

impl Cover {
    /// Reads the cover image `name` from the manuscript folder. PNG and
    /// JPEG are recognised by their first bytes, whatever the file is called.
    pub fn load(manuscript: &Manuscript, name: &str) -> Result<Cover> {
        let at = Location::new(manuscript::CONFIG_FILE, cover_line(manuscript), 0);
        let path =
            manuscript::resolve_inside(&manuscript.root, name, &at).map_err(|e| match e {
                Error::Input { message, .. } => {
                    Error::input(at.clone(), format!("[epub] cover: {message}"))
                }
                other => other,
            })?;
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::input(
                at.clone(),
                format!("[epub] cover: cannot read `{name}`: {e}"),
            )
        })?;
        let (media_type, extension) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            ("image/png", "png")
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            ("image/jpeg", "jpg")
        } else {
            return Err(Error::input(
                at,
                format!("[epub] cover: `{name}` is neither a PNG nor a JPEG image"),
            ));
        };
        // the reading system decodes it: refuse a corrupt header or a
        // decompression bomb (a PNG claiming 60,000 × 60,000 pixels)
        crate::images::sniff(&bytes)
            .and_then(|(_, width, height, _)| crate::images::check_size(width, height))
            .map_err(|why| Error::input(at.clone(), format!("[epub] cover: `{name}`: {why}")))?;
        Ok(Cover {
            file_name: format!("cover.{extension}"),
            media_type,
            bytes,
        })
    }
}

/// The line of `cover =` in book.toml, 0 when it cannot be found.
fn cover_line(manuscript: &Manuscript) -> u32 {
    std::fs::read_to_string(manuscript.root.join(manuscript::CONFIG_FILE))
        .ok()
        .and_then(|text| {
            text.lines()
                .position(|l| l.trim_start().starts_with("cover"))
                .map(|i| i as u32 + 1)
        })
        .unwrap_or(0)
}

/// Writes `book` as an EPUB 3; returns the bytes and any warnings.
pub fn write(book: &Book, options: &Options) -> Result<(Vec<u8>, Vec<Diagnostic>)> {
    // metadata of nothing XML can carry (empty, blank, control characters)
    // is absent: an empty <dc:title>, <dc:creator> or table of contents is
    // invalid
    let blank = |s: &str| xml::clean(s).trim().is_empty();
    let mut normalised = book.meta.clone();
    if blank(&normalised.title) {
        normalised.title = "Untitled".to_string();
    }
    normalised.authors.retain(|a| !blank(a));
    for field in [
        &mut normalised.subtitle,
        &mut normalised.identifier,
        &mut normalised.publisher,
        &mut normalised.date,
        &mut normalised.description,
        &mut normalised.rights,
    ] {
        if field.as_deref().is_some_and(blank) {
            *field = None;
        }
    }
    let meta = &normalised;
    let language = xhtml::language(book);
    let mut diagnostics = Vec::new();

    // 1. a file per chapter, and where every id lives
    let width = book.chapters.len().to_string().len().max(2);
    let files: Vec<String> = (1..=book.chapters.len())
        .map(|n| format!("chapter-{n:0width$}.xhtml"))
        .collect();
    let mut targets = ids::Targets::build(book, files.clone(), front::IDS);

    // 2. the print edition's pages
    let mut plan = pages::Plan::new(book, options.page_map, &mut targets);

    // 3. the chapters
    // images go in as `images/img-N.ext`, numbered in `src` order
    let images: HashMap<String, String> = options
        .images
        .iter()
        .enumerate()
        .map(|(n, (src, image))| {
            (
                src.clone(),
                format!("images/img-{}.{}", n + 1, image.format.extension()),
            )
        })
        .collect();
    let mut writer = xhtml::Writer::new(book, &mut targets, &mut plan, &images);
    let chapters: Vec<String> = (0..book.chapters.len())
        .map(|i| writer.chapter(i))
        .collect();
    let findings = std::mem::take(&mut writer.findings);
    drop(writer);
    diagnostics.extend(findings.diagnostics);

    // 4. the front matter
    let identifier = identifier(book);
    let generated_cover;
    let cover_image = match &options.cover {
        Some(cover) => package::Resource {
            path: format!("images/{}", cover.file_name),
            bytes: &cover.bytes,
            media_type: cover.media_type.to_string(),
        },
        None => {
            generated_cover = front::generated_cover_png(meta);
            package::Resource {
                path: front::GENERATED_COVER.to_string(),
                bytes: &generated_cover,
                media_type: "image/png".to_string(),
            }
        }
    };
    let mut documents = vec![
        package::Document {
            file: front::COVER.to_string(),
            xhtml: front::cover_page(meta, &language, &cover_image.path),
            toc: None,
            reftype: Some(ReferenceType::Cover),
        },
        package::Document {
            file: front::TITLE_PAGE.to_string(),
            xhtml: front::title_page(meta, &language),
            // An empty table of contents is invalid: a book without chapters lists its title page.
            toc: book
                .chapters
                .is_empty()
                .then(|| TocElement::new(front::TITLE_PAGE, xml::clean(meta.title.trim()))),
            reftype: Some(ReferenceType::TitlePage),
        },
        package::Document {
            file: front::COPYRIGHT.to_string(),
            xhtml: front::copyright_page(meta, &language, &identifier),
            toc: None,
            reftype: Some(ReferenceType::Copyright),
        },
    ];

    // 5. the chapters with their table-of-contents entries
    // chapters after a part title are listed under it, until the next part
    // or the back matter
    let mut in_part = false;
    // the text of the navigation document, for the fonts' subsets
    let mut nav_text: Vec<String> = vec!["Contents".to_string()];
    for (index, (chapter, xhtml)) in book.chapters.iter().zip(chapters).enumerate() {
        let file = &files[index];
        let mut title = xml::clean(plain_text(&chapter.title).trim());
        if title.is_empty() {
            title = if book.chapters.len() == 1 {
                xml::clean(meta.title.trim())
            } else {
                format!("Chapter {}", index + 1)
            };
        }
        if let Some(label) = &chapter.label {
            title = format!("{}: {title}", xml::clean(label));
        }
        let level = match chapter.division {
            Division::Part => {
                in_part = true;
                1
            }
            Division::Chapter | Division::Appendix if in_part => 2,
            _ => {
                in_part = false;
                1
            }
        };
        nav_text.push(title.clone());
        let mut entry = TocElement::new(file.as_str(), title).level(level);
        for block in &chapter.blocks {
            if let BlockKind::Heading {
                level: h, content, ..
            } = &block.kind
            {
                let text = xml::clean(plain_text(content).trim());
                if let (false, Some(href)) = (text.is_empty(), targets.href(&block.id, usize::MAX))
                {
                    let nested = i32::from((*h).clamp(2, 6)) + level - 1;
                    nav_text.push(text.clone());
                    entry.add(TocElement::new(href, text).level(nested));
                }
            }
        }
        documents.push(package::Document {
            file: file.clone(),
            xhtml,
            toc: chapter.division.in_contents().then_some(entry),
            reftype: (index == 0).then_some(ReferenceType::Text),
        });
    }

    // 6. metadata epub-builder writes: the accessibility claims, audited
    //    against the documents as written
    let has_pages = !plan.list.is_empty();
    let animated = options
        .images
        .values()
        .map(|image| image.bytes.as_slice())
        .chain(options.cover.iter().map(|c| c.bytes.as_slice()))
        .any(a11y::is_animated_png);
    let xhtml: Vec<&str> = documents.iter().map(|d| d.xhtml.as_str()).collect();
    let facts = a11y::Facts::audit(&xhtml, &language, has_pages, animated);
    if let Some(why) = facts.no_claim_because() {
        diagnostics.push(Diagnostic::info(
            "no-conformance-claim",
            Location::default(),
            format!("{why}: the EPUB does not claim WCAG conformance"),
        ));
    }
    let mut properties = facts.properties();
    if has_pages {
        properties.push((
            "pageBreakSource",
            format!("{} (print edition, quire)", xml::clean(meta.title.trim())),
        ));
    }

    // 7. the fonts, subset to the characters of the documents and the
    //    navigation (each face keeps all of them: the stylesheet and the
    //    reader decide which face sets what)
    let landmarks = nav::landmarks(files.first().map(String::as_str));
    let page_list = has_pages.then(|| nav::page_list(&plan.list));
    let subsets = if options.subset_fonts {
        let mut texts: Vec<&str> = xhtml.clone();
        texts.extend(nav_text.iter().map(String::as_str));
        texts.push(&landmarks);
        texts.extend(page_list.as_deref());
        texts.push(&meta.title);
        let chars = fonts::characters(&texts);
        fonts::subsets(&options.fonts, &chars, options.kept_fonts)
    } else {
        vec![None; options.fonts.len()]
    };
    drop(xhtml);
    let mut resources: Vec<package::Resource> = options
        .fonts
        .iter()
        .zip(&subsets)
        .map(|(font, subset)| package::Resource {
            path: style::font_path(font),
            bytes: subset.as_deref().map_or(font.bytes, Vec::as_slice),
            media_type: style::font_media_type(font).to_string(),
        })
        .collect();
    resources.dedup_by(|a, b| a.path == b.path);
    for (src, image) in options.images {
        resources.push(package::Resource {
            path: images[src].clone(),
            bytes: &image.bytes,
            media_type: image.format.media_type().to_string(),
        });
    }
    let manifest_properties = documents
        .iter()
        .map(|d| {
            let mut found = Vec::new();
            if d.xhtml.contains("<svg") {
                found.push("svg");
            }
            if d.xhtml.contains("<math") {
                found.push("mathml");
            }
            (d.file.clone(), found)
        })
        .filter(|(_, found)| !found.is_empty())
        .collect();
    // epub-builder deflates everything it is given: the spine's documents,
    // fonts and images go in empty (for the manifest and the spine) and the
    // post-pass fills them in, compressed once (and in `quire watch` not
    // again while they do not change).
    let texts: Vec<(String, String)> = documents
        .iter_mut()
        .map(|d| (format!("OEBPS/{}", d.file), std::mem::take(&mut d.xhtml)))
        .collect();
    let mut fill: Vec<(String, &[u8])> = texts
        .iter()
        .map(|(path, xhtml)| (path.clone(), xhtml.as_bytes()))
        .collect();
    fill.extend(
        resources
            .iter_mut()
            .map(|r| (format!("OEBPS/{}", r.path), std::mem::take(&mut r.bytes))),
    );

    let built = package::build(package::Package {
        title: meta.title.trim().to_string(),
        authors: meta
            .authors
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        language: language.clone(),
        description: meta.description.clone().filter(|d| !d.trim().is_empty()),
        rights: meta.rights.clone().filter(|r| !r.trim().is_empty()),
        subjects: meta
            .subject
            .iter()
            .chain(&meta.keywords)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        properties,
        stylesheet: style::stylesheet(&options.fonts),
        resources,
        cover_image: Some(cover_image),
        documents,
    })?;

    // 8. the post-pass
    let mut metadata = String::new();
    if let Some(publisher) = meta.publisher.as_deref().filter(|p| !p.trim().is_empty()) {
        metadata.push_str(&format!(
            "    <dc:publisher>{}</dc:publisher>\n",
            xml::text(publisher.trim())
        ));
    }
    if let Some(date) = meta.date.as_deref().filter(|d| !d.trim().is_empty()) {
        match w3c_date(date) {
            Some(date) => metadata.push_str(&format!("    <dc:date>{date}</dc:date>\n")),
            None => diagnostics.push(Diagnostic::warning(
                "epub-date",
                Location::new(manuscript::CONFIG_FILE, 0, 0),
                format!(
                    "date `{}` is not YYYY, YYYY-MM or YYYY-MM-DD; the EPUB has no dc:date",
                    date.trim()
                ),
            )),
        }
    }
    let fixes = postpass::Fixes {
        identifier,
        modified: Some(options.modified),
        metadata,
        language,
        landmarks,
        page_list,
        nav_after: front::COPYRIGHT.to_string(),
        properties: manifest_properties,
    };
    let bytes = postpass::finish(&built, &fixes, &fill, options.kept)?;
    Ok((bytes, diagnostics))
}

/// `dc:identifier`: the book's own, else a `urn:uuid:` derived from its
/// title, authors and language (never random, so rebuilds keep it).
fn identifier(book: &Book) -> String {
    if let Some(id) = book.meta.identifier.as_deref().map(xml::clean) {
        if !id.trim().is_empty() {
            return id.trim().to_string();
        }
    }
    let mut key = book.meta.title.clone();
    for author in &book.meta.authors {
        key.push('\u{1F}');
        key.push_str(author);
    }
    key.push('\u{1E}');
    key.push_str(&book.meta.language);
    xml::uuid_urn(xml::fnv1a_128(key.as_bytes()))
}

/// `date` as W3CDTF (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), if it is one.
fn w3c_date(date: &str) -> Option<String> {
    let date = date.trim();
    let t = Timestamp::parse_date(date)?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = date.split('-').collect();
    Some(match parts.as_slice() {
        [y] if y.len() == 4 && digits(y) => format!("{:04}", t.year),
        [y, m] if y.len() == 4 && m.len() == 2 && digits(y) && digits(m) => {
            format!("{:04}-{:02}", t.year, t.month)
        }
        _ => format!("{:04}-{:02}-{:02}", t.year, t.month, t.day),
    })
}
