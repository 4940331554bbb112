//! Raw HTML from the manuscript → well-formed, safe XHTML.
//!
//! Never copies HTML through: a small tokenizer reads tags, text, comments
//! and character references, and an allow-list decides what survives.
//! Scripts, styles, frames, objects and forms go with their content; other
//! unknown elements lose their tags but keep their text; event handler
//! attributes, `style` and unsafe URLs are dropped; tags are balanced. Every
//! drop is reported so the caller can warn.
//!
//! Inline raw HTML arrives in pieces (`<span>`, then Markdown text, then
//! `</span>`), so the open-element stack ([`Stack`]) lives as long as the
//! inline sequence the pieces belong to; [`Stack::close`] ends it.

use std::collections::BTreeSet;

use super::xml;

/// Where the HTML goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Flow content (a raw HTML block): `div` and `p` allowed.
    Block,
    /// Phrasing content; `in_link` when inside a link already.
    Inline {
        /// Inside an `<a>`: no further links.
        in_link: bool,
    },
}

/// Elements dropped together with their content.
const DROP_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "form",
    "textarea",
    "select",
    "button",
    "template",
    "noscript",
    "title",
    "head",
    "svg",
    "math",
    "audio",
    "video",
    "canvas",
    "frame",
    "frameset",
    "applet",
    "noembed",
    "noframes",
    "xmp",
    "plaintext",
];

/// Elements without content (never pushed on the stack).
const VOID: &[&str] = &[
    "br", "wbr", "hr", "img", "input", "embed", "link", "meta", "area", "base", "col", "param",
    "source", "track", "keygen",
];

/// Phrasing elements kept.
const PHRASING: &[&str] = &[
    "em", "strong", "i", "b", "u", "s", "span", "sub", "sup", "br", "wbr", "abbr", "cite", "q",
    "small", "mark", "a", "code", "kbd", "var", "samp", "dfn", "del", "ins",
];

/// Flow elements kept in block context.
const FLOW: &[&str] = &["div", "p"];

/// The open elements of one raw HTML run.
#[derive(Debug, Default)]
pub struct Stack {
    open: Vec<&'static str>,
}

impl Stack {
    /// Closes every element still open.
    pub fn close(&mut self, out: &mut String) {
        while let Some(name) = self.open.pop() {
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

/// What the sanitizer needs from the document: resolving `#fragment` links
/// and claiming ids.
pub trait Resolver {
    /// The href for a fragment (`foo` of `#foo`), if it names something.
    fn fragment(&self, id: &str) -> Option<String>;
    /// Takes `id` for a raw element; `false` when it is invalid or taken.
    fn claim(&mut self, id: &str) -> bool;
}

/// Sanitizes `html` into `out`; returns what was dropped (for a warning),
/// empty when nothing was.
pub fn sanitize(
    html: &str,
    context: Context,
    stack: &mut Stack,
    resolver: &mut dyn Resolver,
    out: &mut String,
) -> BTreeSet<String> {
    let mut dropped = BTreeSet::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_decoded(out, rest);
            break;
        };
        push_decoded(out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            // A comment: invisible by intent, dropped without a word.
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
        } else if let Some(tag) = parse_tag(rest) {
            rest = &rest[tag.len..];
            if tag.end {
                end_tag(&tag, stack, out, &mut dropped);
            } else {
                rest = start_tag(&tag, rest, context, stack, resolver, out, &mut dropped);
            }
        } else {
            out.push_str("&lt;");
            rest = &rest[1..];
        }
    }
    dropped
}

/// A parsed tag.
struct Tag {
    /// Lower-case name.
    name: String,
    /// `</name>`.
    end: bool,
    /// `<name/>`.
    self_closing: bool,
    /// Attributes, names lower case, values with references decoded.
    attrs: Vec<(String, String)>,
    /// Bytes the tag takes.
    len: usize,
}

/// Parses the tag at the start of `s` (which starts with `<`), or `None`
/// when it is not one (a lone `<` in text).
fn parse_tag(s: &str) -> Option<Tag> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let end = bytes.get(i) == Some(&b'/');
    if end {
        i += 1;
    }
    if !bytes.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let start = i;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/'
    {
        i += 1;
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => break,
            Some(b'>') => {
                i += 1;
                break;
            }
            Some(b'/') => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        self_closing = false;
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'>' | b'=' | b'/')
        {
            i += 1;
        }
        if i == name_start {
            // a stray `=`: skip it
            i += 1;
            continue;
        }
        let attr_name = s[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let from = i + 1;
                    let to = s[from..].find(q as char).map_or(s.len(), |p| from + p);
                    value = decode(&s[from..to]);
                    i = (to + 1).min(s.len());
                }
                _ => {
                    let from = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = decode(&s[from..i]);
                }
            }
        }
        attrs.push((attr_name, value));
    }
    Some(Tag {
        name,
        end,
        self_closing,
        attrs,
        len: i.min(s.len()),
    })
}

fn end_tag(tag: &Tag, stack: &mut Stack, out: &mut String, dropped: &mut BTreeSet<String>) {
    if let Some(at) = stack.open.iter().rposition(|n| *n == tag.name) {
        while stack.open.len() > at {
            let name = stack.open.pop().expect("non-empty");
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    } else if !VOID.contains(&tag.name.as_str()) && !PHRASING.contains(&tag.name.as_str()) {
        dropped.insert(format!("<{}>", tag.name));
    } else if !VOID.contains(&tag.name.as_str()) {
        dropped.insert(format!("unmatched </{}>", tag.name));
    }
}

/// Handles a start tag; returns the rest of the input (past the content of
/// an element dropped whole).
fn start_tag<'a>(
    tag: &Tag,
    rest: &'a str,
    context: Context,
    stack: &mut Stack,
    resolver: &mut dyn Resolver,
    out: &mut String,
    dropped: &mut BTreeSet<String>,
) -> &'a str {
    let name = tag.name.as_str();
    if DROP_WITH_CONTENT.contains(&name) {
        dropped.insert(format!("<{name}> element"));
        if tag.self_closing || VOID.contains(&name) {
            return rest;
        }
        return skip_past_end(rest, name);
    }
    let Some(name) = allowed(name, context, stack) else {
        dropped.insert(format!("<{name}>"));
        return rest;
    };
    out.push('<');
    out.push_str(name);
    attributes(name, &tag.attrs, resolver, out, dropped);
    if VOID.contains(&name) {
        out.push_str("/>");
    } else if tag.self_closing {
        out.push_str("></");
        out.push_str(name);
        out.push('>');
    } else {
        out.push('>');
        stack.open.push(name);
    }
    rest
}

/// The static name of `name` if it may open here.
fn allowed(name: &str, context: Context, stack: &Stack) -> Option<&'static str> {
    let in_phrasing = stack.open.iter().any(|n| !FLOW.contains(n) || *n == "p");
    if let Some(&flow) = FLOW.iter().find(|n| **n == name) {
        return (context == Context::Block && !in_phrasing).then_some(flow);
    }
    let &phrasing = PHRASING.iter().find(|n| **n == name)?;
    if phrasing == "a"
        && (matches!(context, Context::Inline { in_link: true }) || stack.open.contains(&"a"))
    {
        return None;
    }
    Some(phrasing)
}

/// Writes the attributes kept; records the others.
fn attributes(
    element: &str,
    attrs: &[(String, String)],
    resolver: &mut dyn Resolver,
    out: &mut String,
    dropped: &mut BTreeSet<String>,
) {
    let mut seen = BTreeSet::new();
    for (name, value) in attrs {
        if !seen.insert(name.as_str()) {
            continue; // XML forbids repeating an attribute; HTML keeps the first
        }
        let kept = match name.as_str() {
            "class" => {
                let classes: Vec<&str> = value.split_whitespace().collect();
                Some(classes.join(" "))
            }
            "title" => Some(value.clone()),
            "lang" if is_language_tag(value) => {
                out.push_str(" xml:lang=\"");
                xml::push_attr(out, value);
                out.push('"');
                Some(value.clone())
            }
            "dir" if matches!(value.as_str(), "ltr" | "rtl" | "auto") => Some(value.clone()),
            "id" if resolver.claim(value) => Some(value.clone()),
            "href" if element == "a" => safe_href(value, resolver),
            _ => None,
        };
        match kept {
            Some(value) => {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                xml::push_attr(out, &value);
                out.push('"');
            }
            None => {
                dropped.insert(format!("`{name}` attribute"));
            }
        }
    }
}

/// A language tag as BCP 47 spells them (letters, digits, hyphens).
fn is_language_tag(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 35
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
}

/// An href safe to keep: `http:`, `https:`, `mailto:`, or a fragment that
/// names something in the book. Anything else (`javascript:`, `data:`,
/// relative paths to files the EPUB does not hold) is refused.
pub fn safe_href(value: &str, resolver: &dyn Resolver) -> Option<String> {
    let value = value.trim();
    if let Some(fragment) = value.strip_prefix('#') {
        return resolver.fragment(fragment);
    }
    let scheme = value.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https" | "mailto") => Some(encode_url(value)),
        _ => None,
    }
}

/// Makes `url` a valid URL string (WHATWG URL, what EPUBCheck checks):
/// percent-encodes what may not stand as it is: space, quotes, angle
/// brackets, controls, a `%` not followed by two hex digits, a second `#`,
/// brackets outside the host, and (as UTF-8) non-ASCII characters outside
/// the host, which keeps its brackets (IPv6) and non-ASCII (IDN) letters.
pub fn encode_url(url: &str) -> String {
    // the authority: after `scheme://`, up to the first `/`, `?` or `#`
    let authority_end = url.find("://").map_or(0, |i| {
        let start = i + 3;
        url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |end| start + end)
    });
    let bytes = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    let mut in_fragment = false;
    for (i, c) in url.char_indices() {
        let in_authority = i < authority_end;
        let keep = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => true,
            '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.' | '/' | ':' | ';'
            | '=' | '?' | '@' | '_' | '~' => true,
            '%' => {
                bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            }
            '#' => !std::mem::replace(&mut in_fragment, true),
            '[' | ']' => in_authority,
            c => in_authority && !c.is_ascii() && xml::is_xml_char(c),
        };
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Skips past `</name …>` (ASCII case-insensitive); the whole rest when it
/// never comes.
fn skip_past_end<'a>(rest: &'a str, name: &str) -> &'a str {
    let lower = rest.to_ascii_lowercase();
    let needle = format!("</{name}");
    let mut from = 0;
    while let Some(p) = lower[from..].find(&needle) {
        let at = from + p + needle.len();
        match lower.as_bytes().get(at) {
            Some(b) if b.is_ascii_alphanumeric() => from = at,
            _ => return lower[at..].find('>').map_or("", |e| &rest[at + e + 1..]),
        }
    }
    ""
}

/// Appends `text` with HTML character references decoded and XML escaping
/// applied.
fn push_decoded(out: &mut String, text: &str) {
    xml::push_text(out, &decode(text));
}

/// Decodes HTML character references: numeric ones and the common named
/// ones. Unknown names stay as written; references to characters XML
/// forbids are dropped.
pub fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |p| p + 1);
        let name = &rest[1..end];
        let decoded = match name.strip_prefix('#') {
            Some(num) => {
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                Some(
                    code.and_then(char::from_u32)
                        .filter(|&c| xml::is_xml_char(c)),
                )
            }
            None => named(name).map(Some),
        };
        match decoded {
            Some(c) => {
                out.extend(c);
                rest = &rest[end..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The common named character references of HTML.
fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "shy" => '\u{AD}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "sect" => '§',
        "para" => '¶',
        "deg" => '°',
        "middot" => '·',
        "times" => '×',
        "divide" => '÷',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "sbquo" => '‚',
        "bdquo" => '„',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "bull" => '•',
        "dagger" => '†',
        "Dagger" => '‡',
        "prime" => '′',
        "Prime" => '″',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "larr" => '←',
        "rarr" => '→',
        "minus" => '−',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoTargets;

    impl Resolver for NoTargets {
        fn fragment(&self, id: &str) -> Option<String> {
            (id == "known").then(|| "ch.xhtml#known".to_string())
        }
        fn claim(&mut self, id: &str) -> bool {
            id == "free"
        }
    }

    fn run(html: &str, context: Context) -> (String, BTreeSet<String>) {
        let mut out = String::new();
        let mut stack = Stack::default();
        let dropped = sanitize(html, context, &mut stack, &mut NoTargets, &mut out);
        stack.close(&mut out);
        (out, dropped)
    }

    #[test]
    fn keeps_allowed_markup() {
        let (out, dropped) = run(
            "<p>An <em class=\"x  y\">em</em>, <abbr title=\"A &amp; B\">AB</abbr><br>x&nbsp;&#x41;&copy;</p>",
            Context::Block,
        );
        assert_eq!(
            out,
            "<p>An <em class=\"x y\">em</em>, <abbr title=\"A &amp; B\">AB</abbr><br/>x\u{a0}A©</p>"
        );
        assert!(dropped.is_empty(), "{dropped:?}");
    }

    #[test]
    fn drops_scripts_handlers_and_unsafe_urls() {
        let (out, dropped) = run(
            "<div onclick=\"evil()\" style=\"color:red\">hi<script>alert('<b>')</script>\
             <SCRIPT src=x></SCRIPT><a href=\"javascript:alert(1)\">x</a>\
             <a href=' https://example.org/a b'>ok</a><iframe src=x>frame</iframe><a href=\"#known\">k</a></div>",
            Context::Block,
        );
        assert_eq!(
            out,
            "<div>hi<a>x</a><a href=\"https://example.org/a%20b\">ok</a><a href=\"ch.xhtml#known\">k</a></div>"
        );
        assert!(!out.contains("<script") && !out.contains(" on") && !out.contains("javascript:"));
        for what in [
            "<script> element",
            "<iframe> element",
            "`onclick` attribute",
            "`style` attribute",
            "`href` attribute",
        ] {
            assert!(dropped.contains(what), "{what} in {dropped:?}");
        }
    }

    #[test]
    fn balances_and_respects_content_models() {
        let (out, _) = run("<span><b>bold</span> <i>open", Context::Block);
        assert_eq!(out, "<span><b>bold</b></span> <i>open</i>");
        let (out, dropped) = run("<p><div>x</div></p></em>", Context::Block);
        assert_eq!(out, "<p>x</p>");
        assert!(dropped.contains("<div>"), "{dropped:?}");
        let (out, _) = run("<p>in</p>", Context::Inline { in_link: false });
        assert_eq!(out, "in");
        let (out, _) = run(
            "<a href=\"https://x.org\">x</a>",
            Context::Inline { in_link: true },
        );
        assert_eq!(out, "x");
        let (out, _) = run(
            "<span id=\"free\" id=\"dup\">a</span><span id=\"taken\">b</span>",
            Context::Block,
        );
        assert_eq!(out, "<span id=\"free\">a</span><span>b</span>");
    }

    #[test]
    fn text_is_escaped_and_odd_input_survives() {
        let (out, _) = run(
            "a < b && c ]]> <3 <!-- <script> --> d \u{1} &bogus; &#0; <",
            Context::Block,
        );
        assert_eq!(
            out,
            "a &lt; b &amp;&amp; c ]]&gt; &lt;3  d  &amp;bogus;  &lt;"
        );
        let (out, _) = run("<span title='x\"y' lang=\"en-GB\">t</span", Context::Block);
        assert_eq!(
            out,
            "<span title=\"x&quot;y\" xml:lang=\"en-GB\" lang=\"en-GB\">t</span>"
        );
    }
}
