//! The accessibility metadata: what the package claims, audited against the
//! documents it really holds.
//!
//! Every claim is derived from the XHTML the writer produced (not from what
//! it meant to write), so that nothing is claimed that a checker would find
//! false (the vocabulary is schema.org's, as the EPUB Accessibility 1.1
//! specification uses it):
//!
//! - `alternativeText` only when every `<img>` has alternative text (or is
//!   marked decorative: `alt=""` with `role="presentation"`);
//! - `MathML` only when math is written as MathML (`<math>`), never for TeX
//!   source set as text;
//! - `structuralNavigation` only when there are headings;
//!   `tableOfContents` and `readingOrder` always (the navigation document
//!   lists every chapter; notes and callouts are `<aside>`s);
//! - `printPageNumbers`, `pageBreakMarkers`, `pageNavigation` only when
//!   there is a page-list;
//! - `accessibilityHazard` `none` only when nothing moves or sounds (no
//!   `<video>`, `<audio>`, animated PNG);
//! - `accessModeSufficient` `textual` only when every image has alternative
//!   text;
//! - the WCAG 2.1 AA conformance claim only when every image has
//!   alternative text, the language is known and every link has text.

/// What the audit found in the package's documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// `<img>` elements.
    pub images: usize,
    /// `<img>` elements with alternative text, or marked decorative.
    pub images_with_alt: usize,
    /// Whether some document holds MathML.
    pub mathml: bool,
    /// Whether some document has a heading (`<h1>` … `<h6>`).
    pub headings: bool,
    /// Whether the navigation document has a page-list.
    pub page_list: bool,
    /// Whether the book's language is known (not `und`).
    pub language_known: bool,
    /// Links (`<a href>`) with no text and no `aria-label`.
    pub empty_links: usize,
    /// Audio, video or animated images.
    pub moving: bool,
}

impl Facts {
    /// Audits the XHTML `documents` of a book in `language` with (or
    /// without) a page-list; `animated` says whether one of its images is
    /// animated.
    pub fn audit(documents: &[&str], language: &str, page_list: bool, animated: bool) -> Facts {
        let mut facts = Facts {
            page_list,
            language_known: language != "und" && !language.is_empty(),
            moving: animated,
            ..Facts::default()
        };
        for doc in documents {
            for tag in tags(doc) {
                let name = tag.name.to_ascii_lowercase();
                match name.as_str() {
                    "img" => {
                        facts.images += 1;
                        let alt = tag.attr("alt");
                        let decorative = alt.is_some_and(|a| a.is_empty())
                            && tag.attr("role") == Some("presentation");
                        if decorative || alt.is_some_and(|a| !a.trim().is_empty()) {
                            facts.images_with_alt += 1;
                        }
                    }
                    "math" | "m:math" => facts.mathml = true,
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => facts.headings = true,
                    "video" | "audio" => facts.moving = true,
                    "a" if tag.attr("href").is_some()
                        && tag.attr("aria-label").is_none_or(|l| l.trim().is_empty())
                        && !tag.self_closing
                        && text_until_close(doc, tag.end, "a").trim().is_empty() =>
                    {
                        facts.empty_links += 1;
                    }
                    _ => {}
                }
            }
        }
        facts
    }

    /// Whether every image has alternative text.
    pub fn all_alt(&self) -> bool {
        self.images_with_alt == self.images
    }

    /// Why the book makes no WCAG conformance claim, or `None` when it
    /// makes one.
    pub fn no_claim_because(&self) -> Option<String> {
        let mut why = Vec::new();
        if !self.all_alt() {
            why.push(format!(
                "{} of {} images have no alternative text",
                self.images - self.images_with_alt,
                self.images
            ));
        }
        if !self.language_known {
            why.push("the book's language is not known".to_string());
        }
        if self.empty_links > 0 {
            why.push(format!("{} links have no text", self.empty_links));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// The package metadata: `(property, value)` pairs, in a fixed order.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let mut p: Vec<(&'static str, String)> = vec![("schema:accessMode", "textual".into())];
        // the cover is an image: there is always something to see
        p.push(("schema:accessMode", "visual".into()));
        p.push((
            "schema:accessModeSufficient",
            if self.all_alt() {
                "textual"
            } else {
                "textual,visual"
            }
            .into(),
        ));
        if self.headings {
            p.push(("schema:accessibilityFeature", "structuralNavigation".into()));
        }
        p.push(("schema:accessibilityFeature", "tableOfContents".into()));
        p.push(("schema:accessibilityFeature", "readingOrder".into()));
        if self.all_alt() {
            p.push(("schema:accessibilityFeature", "alternativeText".into()));
        }
        if self.mathml {
            p.push(("schema:accessibilityFeature", "MathML".into()));
        }
        if self.page_list {
            p.push(("schema:accessibilityFeature", "printPageNumbers".into()));
            p.push(("schema:accessibilityFeature", "pageBreakMarkers".into()));
            p.push(("schema:accessibilityFeature", "pageNavigation".into()));
        }
        if self.moving {
            p.push(("schema:accessibilityHazard", "unknown".into()));
        } else {
            p.push(("schema:accessibilityHazard", "none".into()));
        }
        p.push(("schema:accessibilitySummary", self.summary()));
        if self.no_claim_because().is_none() {
            p.push((
                "dcterms:conformsTo",
                "EPUB Accessibility 1.1 - WCAG 2.1 Level AA".into(),
            ));
        }
        p
    }

    /// The accessibility summary: what the features say, in a sentence.
    pub fn summary(&self) -> String {
        let mut s = String::from("A reflowable text with a table of contents");
        if self.headings {
            s.push_str(", structured headings");
        }
        s.push_str(" and a logical reading order; ");
        s.push_str(if self.all_alt() {
            "the cover and images have alternative text"
        } else {
            "the cover has alternative text, but some images have none"
        });
        if self.mathml {
            s.push_str("; mathematics is MathML");
        }
        if self.page_list {
            s.push_str("; page-break markers and a page list follow the print edition");
        }
        if self.moving {
            s.push_str("; it holds moving images or sound");
        }
        s.push_str(match self.no_claim_because() {
            None => "; it meets WCAG 2.1 Level AA.",
            Some(_) => "; it does not claim WCAG conformance.",
        });
        s
    }
}

/// Whether a PNG is animated (APNG: an `acTL` chunk before the image data).
pub fn is_animated_png(bytes: &[u8]) -> bool {
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let kind = &bytes[at + 4..at + 8];
        if kind == b"acTL" {
            return true;
        }
        if kind == b"IDAT" {
            return false;
        }
        at = at.saturating_add(12).saturating_add(len as usize);
    }
    false
}

/// A start tag as the audit reads it.
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    self_closing: bool,
    /// Byte offset just past the tag.
    end: usize,
}

impl<'a> Tag<'a> {
    /// The value of attribute `name` (as written: the writer escapes
    /// nothing the audit compares).
    fn attr(&self, name: &str) -> Option<&'a str> {
        let mut rest = self.attrs;
        while let Some(eq) = rest.find('=') {
            let key = rest[..eq].trim();
            let after = rest[eq + 1..].trim_start();
            let quote = after.chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            let value_end = after[1..].find(quote)? + 1;
            if key == name {
                return Some(&after[1..value_end]);
            }
            rest = &after[value_end + 1..];
        }
        None
    }
}

/// The start tags of an XHTML document, in order (comments, processing
/// instructions and end tags skipped).
fn tags(doc: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let open = at + doc[at..].find('<')?;
        let close = open + doc[open..].find('>')?;
        at = close + 1;
        let inner = &doc[open + 1..close];
        if inner.starts_with(['/', '!', '?']) {
            continue;
        }
        let self_closing = inner.ends_with('/');
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        return Some(Tag {
            name: &inner[..name_end],
            attrs: &inner[name_end..],
            self_closing,
            end: at,
        });
    })
}

/// The text from `from` to the end tag `</name>` matching it, tags
/// dropped; an image with alternative text counts as its text.
fn text_until_close(doc: &str, from: usize, name: &str) -> String {
    let mut out = String::new();
    let mut depth = 1usize;
    let mut at = from;
    while let Some(open) = doc[at..].find('<').map(|i| at + i) {
        out.push_str(&doc[at..open]);
        let Some(close) = doc[open..].find('>').map(|i| open + i) else {
            break;
        };
        let inner = &doc[open + 1..close];
        at = close + 1;
        if let Some(end) = inner.strip_prefix('/') {
            if end.trim() == name {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        } else if inner.split_whitespace().next() == Some(name) && !inner.ends_with('/') {
            depth += 1;
        } else if inner.starts_with("img") {
            let tag = tags(&doc[open..]).next();
            if let Some(alt) = tag.and_then(|t| t.attr("alt")) {
                out.push_str(alt);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(body: &str) -> Facts {
        Facts::audit(&[body], "en", false, false)
    }

    fn has(facts: &Facts, property: &str, value: &str) -> bool {
        facts
            .properties()
            .iter()
            .any(|(p, v)| *p == property && v == value)
    }

    const CLAIM: &str = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA";

    #[test]
    fn alternative_text_is_claimed_only_when_every_image_has_it() {
        let all = facts("<p><img src=\"a.png\" alt=\"A map\"/><img src=\"b.png\" alt=\"\" role=\"presentation\"/></p>");
        assert_eq!((all.images, all.images_with_alt), (2, 2));
        assert!(has(&all, "schema:accessibilityFeature", "alternativeText"));
        assert!(has(&all, "schema:accessModeSufficient", "textual"));
        assert!(has(&all, "dcterms:conformsTo", CLAIM));
        // no alt, or an empty alt without the decorative role
        for img in [
            "<img src=\"a.png\"/>",
            "<img src=\"a.png\" alt=\"\"/>",
            "<img src=\"a.png\" alt=\"  \"/>",
        ] {
            let some = facts(&format!("<p><img src=\"b.png\" alt=\"B\"/>{img}</p>"));
            assert_eq!((some.images, some.images_with_alt), (2, 1), "{img}");
            assert!(!has(
                &some,
                "schema:accessibilityFeature",
                "alternativeText"
            ));
            assert!(has(&some, "schema:accessModeSufficient", "textual,visual"));
            assert!(!has(&some, "schema:accessModeSufficient", "textual"));
            assert!(!has(&some, "dcterms:conformsTo", CLAIM));
            assert_eq!(
                some.no_claim_because().as_deref(),
                Some("1 of 2 images have no alternative text")
            );
            assert!(some.summary().contains("some images have none"));
        }
    }

    #[test]
    fn mathml_is_claimed_only_for_mathml() {
        let tex = facts("<p><span class=\"math\">x^2</span></p>");
        assert!(!tex.mathml);
        assert!(!has(&tex, "schema:accessibilityFeature", "MathML"));
        let mathml =
            facts("<p><math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>x</mi></math></p>");
        assert!(has(&mathml, "schema:accessibilityFeature", "MathML"));
        assert!(mathml.summary().contains("MathML"));
    }

    #[test]
    fn structural_navigation_needs_headings() {
        let flat = facts("<section><p>Text.</p></section>");
        assert!(!has(
            &flat,
            "schema:accessibilityFeature",
            "structuralNavigation"
        ));
        assert!(!flat.summary().contains("headings"));
        let headed = facts("<section><h1>One</h1><p>Text.</p></section>");
        assert!(has(
            &headed,
            "schema:accessibilityFeature",
            "structuralNavigation"
        ));
        for f in [&flat, &headed] {
            assert!(has(f, "schema:accessibilityFeature", "tableOfContents"));
            assert!(has(f, "schema:accessibilityFeature", "readingOrder"));
        }
    }

    #[test]
    fn page_features_need_a_page_list() {
        let without = Facts::audit(&["<p>x</p>"], "en", false, false);
        let with = Facts::audit(&["<p>x</p>"], "en", true, false);
        for feature in ["printPageNumbers", "pageBreakMarkers", "pageNavigation"] {
            assert!(!has(&without, "schema:accessibilityFeature", feature));
            assert!(has(&with, "schema:accessibilityFeature", feature));
        }
        assert!(with.summary().contains("page list"));
        assert!(!without.summary().contains("page list"));
    }

    #[test]
    fn hazards_are_none_only_when_nothing_moves() {
        let still = facts("<p><img src=\"a.png\" alt=\"A\"/></p>");
        assert!(has(&still, "schema:accessibilityHazard", "none"));
        let video = facts("<p><video src=\"a.mp4\"></video></p>");
        assert!(has(&video, "schema:accessibilityHazard", "unknown"));
        assert!(!has(&video, "schema:accessibilityHazard", "none"));
        let animated = Facts::audit(&["<p/>"], "en", false, true);
        assert!(has(&animated, "schema:accessibilityHazard", "unknown"));
        // an APNG has an acTL chunk before its image data; a PNG has none
        let png = crate::sample::IMAGE;
        assert!(!is_animated_png(png));
        let mut apng = png[..33].to_vec();
        apng.extend_from_slice(&[0, 0, 0, 8]);
        apng.extend_from_slice(b"acTL");
        apng.extend_from_slice(&[0; 12]);
        apng.extend_from_slice(&png[33..]);
        assert!(is_animated_png(&apng));
    }

    #[test]
    fn no_conformance_claim_without_a_language_or_with_empty_links() {
        let und = Facts::audit(&["<p>x</p>"], "und", false, false);
        assert!(!has(&und, "dcterms:conformsTo", CLAIM));
        assert_eq!(
            und.no_claim_because().as_deref(),
            Some("the book's language is not known")
        );
        let empty = facts("<p><a href=\"https://example.org\"></a> and <a href=\"#x\"><img src=\"i.png\" alt=\"Home\"/></a> and <a href=\"#y\" aria-label=\"Back\">\u{21A9}</a></p>");
        assert_eq!(empty.empty_links, 1);
        assert!(!has(&empty, "dcterms:conformsTo", CLAIM));
        let fine = facts("<p><a href=\"#x\">see <em>here</em></a></p>");
        assert_eq!(fine.empty_links, 0);
        assert!(has(&fine, "dcterms:conformsTo", CLAIM));
        assert!(fine.summary().ends_with("it meets WCAG 2.1 Level AA."));
    }
}
