//! SVG for the EPUB: the file as written, less what a reading system must
//! not run or fetch — scripts, event handlers, foreign (HTML) content and
//! references to anything outside the file but `data:` images. Everything
//! else is kept byte for byte: the removals are cut out of the source text.

use std::ops::Range;

use usvg::roxmltree::{Document, Node, NodeType};

/// Animation elements, which can set an attribute (an `href`, a handler).
const ANIMATIONS: [&str; 5] = [
    "animate",
    "set",
    "animateMotion",
    "animateTransform",
    "animateColor",
];

/// `text` (parsed as `doc`) without its scripts, event handlers,
/// `<foreignObject>`s, style sheet links and external references; and what
/// was removed, one entry per kind and name, in order of appearance.
pub fn sanitize(text: &str, doc: &Document) -> (String, Vec<String>) {
    let mut cuts: Vec<Range<usize>> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut note = |what: String| {
        if !removed.contains(&what) {
            removed.push(what);
        }
    };
    for node in doc.descendants() {
        let range = node.range();
        if cuts
            .iter()
            .any(|c| c.start <= range.start && range.end <= c.end)
        {
            continue; // inside something already cut
        }
        match node.node_type() {
            NodeType::PI if node.pi().is_some_and(|pi| pi.target == "xml-stylesheet") => {
                note("a style sheet link (<?xml-stylesheet?>)".into());
                cuts.push(range);
            }
            NodeType::Element => {
                if let Some(why) = unwanted_element(&node) {
                    note(why);
                    cuts.push(range);
                    continue;
                }
                for attr in node.attributes() {
                    let name = attr.name();
                    let lower = name.to_ascii_lowercase();
                    let why = if lower.starts_with("on") {
                        Some(format!("the event handler `{name}`"))
                    } else if name == "href" {
                        (!internal_href(attr.value()))
                            .then(|| format!("the reference `{}`", short(attr.value())))
                    } else if name == "base" && attr.namespace() == Some(XML_NS) {
                        Some("`xml:base`".to_string())
                    } else {
                        external_url(attr.value())
                            .map(|url| format!("the reference `{}`", short(&url)))
                    };
                    if let Some(why) = why {
                        note(why);
                        let mut start = attr.range().start;
                        while start > 0 && text.as_bytes()[start - 1].is_ascii_whitespace() {
                            start -= 1;
                        }
                        cuts.push(start..attr.range().end);
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(range) = doctype(text, doc) {
        cuts.push(range);
    }
    cuts.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for cut in cuts {
        if cut.start < at {
            continue; // inside the previous cut
        }
        out.push_str(&text[at..cut.start]);
        at = cut.end;
    }
    out.push_str(&text[at..]);
    (out, removed)
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Why an element goes, if it does.
fn unwanted_element(node: &Node) -> Option<String> {
    let name = node.tag_name().name();
    match name {
        "script" => Some("<script>".into()),
        "foreignObject" => Some("<foreignObject> (HTML inside the SVG)".into()),
        "style" => {
            let css: String = node
                .children()
                .filter_map(|c| c.text())
                .collect::<Vec<_>>()
                .concat();
            (css.contains("@import") || external_url(&css).is_some())
                .then(|| "a <style> with an external reference".into())
        }
        _ if ANIMATIONS.contains(&name) => {
            let target = node
                .attribute("attributeName")
                .unwrap_or("")
                .rsplit(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            (target == "href" || target.starts_with("on"))
                .then(|| format!("an <{name}> that changes `{target}`"))
        }
        _ => None,
    }
}

/// Whether an `href` stays inside the file: a `#fragment`, or a `data:`
/// image.
fn internal_href(value: &str) -> bool {
    let value = value.trim();
    value.starts_with('#')
        || value
            .get(..11)
            .is_some_and(|p| p.eq_ignore_ascii_case("data:image/"))
}

/// The first `url(…)` in CSS or an attribute value that leaves the file
/// (neither `#fragment` nor `data:`).
fn external_url(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("url(") {
        let start = from + i + 4;
        let end = lower[start..].find(')').map_or(lower.len(), |e| start + e);
        let url = value[start..end]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .trim();
        if !url.starts_with('#') && !url.to_ascii_lowercase().starts_with("data:") {
            return Some(url.to_string());
        }
        from = end;
    }
    None
}

/// The document type declaration, if the file has one: an external DTD is
/// a reference out of the file, and EPUB's XML rules allow none. Kept when
/// it declares entities the file uses (its internal subset).
fn doctype(text: &str, doc: &Document) -> Option<Range<usize>> {
    let root = doc.root_element().range().start;
    let start = text[..root].find("<!DOCTYPE")?;
    let rest = &text[start..root];
    let end = rest.find('>')?;
    if rest[..end].contains('[') {
        return None;
    }
    Some(start..start + end + 1)
}

/// A value shortened for a message.
fn short(value: &str) -> String {
    let value = value.trim();
    match value.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(svg: &str) -> (String, Vec<String>) {
        let doc = Document::parse_with_options(
            svg,
            usvg::roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        sanitize(svg, &doc)
    }

    #[test]
    fn scripts_handlers_and_external_references_go_the_rest_stays_byte_for_byte() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10" onload="alert(1)">
  <script>alert('x')</script>
  <defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>
  <rect  width="10"   height="10" fill="url(#g)" onClick="alert(2)"/>
  <image xlink:href="http://example.com/x.png" width="1" height="1"/>
  <image href="data:image/png;base64,AAAA" width="1" height="1"/>
  <use xlink:href="#g"/>
  <a href="javascript:alert(3)"><circle r="2"/></a>
  <foreignObject><p xmlns="http://www.w3.org/1999/xhtml">html</p></foreignObject>
  <set attributeName="xlink:href" to="javascript:alert(4)"/>
  <path d="M0 0" style="fill: url('http://evil/x.svg#p')"/>
</svg>"##;
        let (out, removed) = clean(svg);
        for gone in [
            "onload",
            "onClick",
            "<script",
            "example.com",
            "javascript",
            "foreignObject",
            "evil",
            "<set",
        ] {
            assert!(!out.contains(gone), "{gone} is left: {out}");
        }
        // what stays is as written, spacing included
        for kept in [
            r#"<rect  width="10"   height="10" fill="url(#g)"/>"#,
            r#"<image href="data:image/png;base64,AAAA" width="1" height="1"/>"#,
            r##"<use xlink:href="#g"/>"##,
            r#"<a><circle r="2"/></a>"#,
            r#"<path d="M0 0"/>"#,
            r#"<linearGradient id="g"><stop offset="0"/></linearGradient>"#,
        ] {
            assert!(out.contains(kept), "{kept} is not kept: {out}");
        }
        assert!(out.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">"#), "{out}");
        // the result is still well-formed
        Document::parse(&out).unwrap();
        assert_eq!(
            removed,
            [
                "the event handler `onload`",
                "<script>",
                "the event handler `onClick`",
                "the reference `http://example.com/x.png`",
                "the reference `javascript:alert(3)`",
                "<foreignObject> (HTML inside the SVG)",
                "an <set> that changes `href`",
                "the reference `http://evil/x.svg#p`",
            ]
        );
    }

    #[test]
    fn a_clean_svg_is_unchanged() {
        let svg = "<?xml version=\"1.0\"?>\n<!-- drawn by hand -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 4 4\">\n<text x=\"1\" y=\"3\">A &amp; B</text></svg>\n";
        assert_eq!(clean(svg), (svg.to_string(), vec![]));
    }

    #[test]
    fn an_external_document_type_goes_one_with_entities_stays() {
        let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(
            clean(external).0,
            "<?xml version=\"1.0\"?>\n\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
        );
        let entities = "<!DOCTYPE svg [ <!ENTITY c \"red\"> ]><svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"&c;\"/></svg>";
        assert_eq!(clean(entities).0, entities);
        let sheet = "<?xml-stylesheet href=\"http://x/s.css\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(x.css);</style></svg>";
        let (out, removed) = clean(sheet);
        assert_eq!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
        assert_eq!(removed.len(), 2, "{removed:?}");
    }
}
