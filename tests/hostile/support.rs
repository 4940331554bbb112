//! Helpers shared by `tests/hostile.rs` and `tests/properties.rs`: a warm
//! EPUBCheck, and an XML well-formedness check.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{epubcheck, epubcheck_jar, root};

/// EPUBCheck's verdict (errors incl. fatal, warnings, messages), from one
/// JVM kept running for the whole test binary (`tests/hostile/
/// EpubCheckServer.java`): a JVM start costs seconds of CPU, and this suite
/// checks dozens of EPUBs. Falls back to [`crate::common::epubcheck`] (one JVM per
/// EPUB; skips or fails under CI as it does) when the server cannot start.
pub fn epubcheck_warm(epub: &Path) -> Option<(usize, usize, String)> {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::{Mutex, OnceLock};
    type Server = (
        std::process::ChildStdin,
        BufReader<std::process::ChildStdout>,
    );
    static SERVER: OnceLock<Option<Mutex<Server>>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let jar = epubcheck_jar()?;
        let mut child = Command::new("java")
            .args(["-XX:+UseSerialGC", "-cp"])
            .arg(jar)
            .arg(root().join("tests/hostile/EpubCheckServer.java"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        // the child ends when the test binary does (its stdin closes)
        Some(Mutex::new((stdin, stdout)))
    });
    let Some(server) = server else {
        return epubcheck(epub);
    };
    let mut guard = server.lock().unwrap_or_else(|e| e.into_inner());
    let (stdin, stdout) = &mut *guard;
    let path = epub.canonicalize().unwrap();
    if writeln!(stdin, "{}", path.display())
        .and_then(|()| stdin.flush())
        .is_err()
    {
        return epubcheck(epub);
    }
    let mut messages = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            drop(guard);
            return epubcheck(epub);
        }
        if let Some(result) = line.strip_prefix("@@RESULT ") {
            let mut n = result
                .split_whitespace()
                .map(|n| n.parse::<i64>().unwrap_or(-1));
            let (errors, warnings) = (n.next().unwrap_or(-1), n.next().unwrap_or(-1));
            assert!(
                errors >= 0 && warnings >= 0,
                "EPUBCheck could not run:\n{messages}"
            );
            return Some((errors as usize, warnings as usize, messages));
        }
        messages.push_str(&line);
    }
}

/// Whether XML 1.0 allows `c` (production `Char`).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML 1.0 well-formedness, as far as quick-xml and a few checks tell:
/// balanced and matching tags, one root element, well-formed attributes
/// without duplicates, only the five predefined entities, character
/// references to allowed characters, no forbidden characters.
pub fn well_formed(text: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                roots += usize::from(depth == 0);
                depth += 1;
                attributes(&e)?;
            }
            Event::Empty(e) => {
                roots += usize::from(depth == 0);
                attributes(&e)?;
            }
            Event::End(_) => depth = depth.checked_sub(1).ok_or("unbalanced end tag")?,
            Event::Text(t) => {
                if depth == 0 && !t.decode().map_err(|e| e.to_string())?.trim().is_empty() {
                    return Err("text outside the root element".into());
                }
                chars_ok(&t.decode().map_err(|e| e.to_string())?)?
            }
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

fn chars_ok(s: &str) -> Result<(), String> {
    match s.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(format!("character U+{:04X} is not allowed", c as u32)),
        None => Ok(()),
    }
}

fn attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<(), String> {
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

#[test]
fn the_well_formedness_check_can_fail() {
    assert!(well_formed("<a><b/></a>").is_ok());
    assert!(well_formed("<a>x &amp; &#65;</a>").is_ok());
    for bad in [
        "<a><b></a>",
        "<a>",
        "<a/><b/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a>&nbsp;</a>",
        "<a>&#0;</a>",
        "<a>\u{1}</a>",
        "<a>x</a>y",
    ] {
        assert!(well_formed(bad).is_err(), "{bad}");
    }
}
