//! Arbitrary bytes (lossy UTF-8) as a one-chapter manuscript, through the
//! whole pipeline in memory: Markdown → tree → lint → images → typesetting →
//! PDF writer → EPUB writer, as `quire::build` runs it. Beyond "no panic":
//! every XML file of the EPUB must be well-formed, and the PDF must load.
//!
//! The manuscript folder is a temporary directory made once, holding a
//! valid 1×1 PNG (`a.png`) and a corrupt one (`b.png`), so that inputs can
//! reference images; nothing is read outside it.

#![no_main]

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use quire::config::Config;
use quire::date::Timestamp;
use quire::error::Severity;
use quire::manuscript::{Manuscript, Source};
use quire::typeset::fonts::Fonts;
use quire::{epub, images, lint, markdown, pdf, typeset};

/// A 1×1 RGBA PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

struct Fixture {
    root: PathBuf,
    fonts: Fonts,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile_dir();
        std::fs::write(dir.join("a.png"), PNG).unwrap();
        std::fs::write(dir.join("b.png"), &PNG[..40]).unwrap();
        Fixture {
            root: dir.canonicalize().unwrap(),
            fonts: Fonts::bundled().unwrap(),
        }
    })
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quire-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let text = String::from_utf8_lossy(data).into_owned();
    if text.trim().is_empty() {
        return; // `manuscript::load` refuses it: nothing to publish
    }
    let manuscript = Manuscript {
        root: fixture.root.clone(),
        config: Config::default(),
        has_config_file: false,
        sources: vec![Source {
            name: "a.md".to_string(),
            text,
        }],
    };
    // the stages of `quire::build::build_with`, in order
    let Ok(read) = markdown::read(&manuscript) else {
        return;
    };
    let mut diagnostics = read.diagnostics;
    let book = read.book;
    diagnostics.extend(lint::lint(&manuscript, &book));
    let (images, found) = images::load(&book, &manuscript);
    diagnostics.extend(found);
    let date = Timestamp::for_build(None, book.meta.date.as_deref());
    let Ok(settings) = typeset::Settings::from_config(&read.config.pdf) else {
        return;
    };
    let layout = typeset::typeset(&book, &settings, &fixture.fonts, &images).expect("typeset");
    let mut found = layout.diagnostics(&book);
    lint::place(&mut found, &manuscript);
    diagnostics.extend(found);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return; // the build stops here and writes nothing
    }
    let pdf = pdf::write(layout.clone(), &book.meta, &fixture.fonts, date).expect("pdf");
    lopdf::Document::load_mem(&pdf).expect("the PDF loads");
    let options = epub::Options {
        modified: date,
        // no fonts: compressing them again for every input would be nearly
        // all of the time spent, and they do not depend on the input
        fonts: Vec::new(),
        cover: None,
        page_map: Some(&layout.page_map),
        images: &images,
        kept: None,
    };
    let (bytes, _) = epub::write(&book, &options).expect("epub");
    check_epub(&bytes);
});

/// Every XML file of the EPUB is well-formed.
fn check_epub(bytes: &[u8]) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().to_string();
        if !(name.ends_with(".xhtml")
            || name.ends_with(".opf")
            || name.ends_with(".ncx")
            || name.ends_with(".xml"))
        {
            continue;
        }
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8");
        if let Err(e) = well_formed(&text) {
            panic!("{name} is not well-formed: {e}\n{text}");
        }
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML 1.0 well-formedness, as far as quick-xml and a few checks tell:
/// balanced and matching tags, one root, well-formed attributes without
/// duplicates, only the five predefined entities, valid characters.
fn well_formed(text: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    let chars_ok = |s: &str| match s.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(format!("character U+{:04X} is not allowed", c as u32)),
        None => Ok(()),
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                roots += usize::from(depth == 0);
                depth += 1;
                attributes(&e, &chars_ok)?;
            }
            Event::Empty(e) => {
                roots += usize::from(depth == 0);
                attributes(&e, &chars_ok)?;
            }
            Event::End(_) => depth = depth.checked_sub(1).ok_or("unbalanced end tag")?,
            Event::Text(t) => chars_ok(&t.decode().map_err(|e| e.to_string())?)?,
            Event::CData(t) => chars_ok(&t.decode().map_err(|e| e.to_string())?)?,
            Event::GeneralRef(r) => {
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => {}
                        other => return Err(format!("bad character reference: {other:?}")),
                    }
                } else {
                    let name = r.decode().map_err(|e| e.to_string())?;
                    if !matches!(name.as_ref(), "amp" | "lt" | "gt" | "quot" | "apos") {
                        return Err(format!("undefined entity &{name};"));
                    }
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("{depth} element(s) left open"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// Attributes well-formed, no duplicates, values of valid characters.
fn attributes(
    e: &quick_xml::events::BytesStart<'_>,
    chars_ok: &dyn Fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    let mut seen = Vec::new();
    for a in e.attributes().with_checks(true) {
        let a = a.map_err(|e| format!("attribute: {e}"))?;
        let key = a.key.as_ref().to_vec();
        if seen.contains(&key) {
            return Err("duplicate attribute".into());
        }
        seen.push(key);
        let value = a
            .normalized_value(quick_xml::XmlVersion::default())
            .map_err(|e| format!("attribute value: {e}"))?;
        chars_ok(&value)?;
    }
    Ok(())
}
