//! A small HTML tokenizer: text, start and end tags with their attributes,
//! and everything a page does not show (comments, doctypes, processing
//! instructions, CDATA sections). It follows the WHATWG tokenizer where a
//! book's HTML needs it — quoted and unquoted attribute values, `/>`,
//! character references, the raw text of `<script>` and `<style>` — and
//! never fails: what is not a tag is text.

use std::ops::Range;

/// One piece of HTML.
#[derive(Clone, Debug, PartialEq)]
pub enum Token<'a> {
    /// Text between tags, as written (character references not decoded).
    Text(&'a str),
    /// A start tag.
    Start(Tag),
    /// An end tag (`</name>`): its name, lower case.
    End(String),
    /// A comment, doctype, processing instruction or CDATA section:
    /// nothing a reader sees.
    Hidden,
}

/// A start tag.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tag {
    /// The element's name, lower case.
    pub name: String,
    /// `<name … />`.
    pub self_closing: bool,
    /// Attributes in order: names lower case, values with character
    /// references decoded (an attribute without a value has `""`).
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    /// The value of attribute `name`, if given (the first one, as HTML
    /// keeps it).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The words of the `class` attribute.
    pub fn classes(&self) -> Vec<String> {
        self.attr("class")
            .map(|c| c.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// Elements whose content is raw text up to their end tag (no tags, no
/// comments inside), as the WHATWG tokenizer reads them.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Splits `html` into tokens with their byte ranges. Text runs are as long
/// as they can be; a `<` that opens no tag is text.
pub fn tokenize(html: &str) -> Vec<(Token<'_>, Range<usize>)> {
    fn flush<'a>(out: &mut Vec<(Token<'a>, Range<usize>)>, html: &'a str, from: usize, to: usize) {
        if to > from {
            out.push((Token::Text(&html[from..to]), from..to));
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    let mut text_from = 0;
    while let Some(lt) = html[at..].find('<').map(|p| at + p) {
        let rest = &html[lt..];
        let (token, len) = if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").map_or(rest.len(), |e| 4 + e + 3);
            (Token::Hidden, end)
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            (Token::Hidden, rest.find('>').map_or(rest.len(), |e| e + 1))
        } else if let Some((tag, len)) = parse_tag(rest) {
            (tag, len)
        } else {
            at = lt + 1;
            continue;
        };
        flush(&mut out, html, text_from, lt);
        let end = lt + len;
        let raw = match &token {
            Token::Start(tag) if !tag.self_closing && RAW_TEXT.contains(&tag.name.as_str()) => {
                Some(tag.name.clone())
            }
            _ => None,
        };
        out.push((token, lt..end));
        at = end;
        if let Some(name) = raw {
            // the content up to `</name`, as text
            let close = find_end_tag(&html[end..], &name).map_or(html.len(), |p| end + p);
            flush(&mut out, html, end, close);
            at = close;
        }
        text_from = at;
    }
    flush(&mut out, html, text_from, html.len());
    out
}

/// Where `</name` (ASCII case-insensitive, followed by a space, `/` or
/// `>`) starts in `rest`.
fn find_end_tag(rest: &str, name: &str) -> Option<usize> {
    let lower = rest.to_ascii_lowercase();
    let needle = format!("</{name}");
    let mut from = 0;
    while let Some(p) = lower[from..].find(&needle) {
        let at = from + p;
        match lower.as_bytes().get(at + needle.len()) {
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' => from = at + needle.len(),
            _ => return Some(at),
        }
    }
    None
}

/// Parses the tag at the start of `s` (which starts with `<`): the token
/// and the bytes it takes, or `None` when it is not a tag (`a < b`, `<3`,
/// an autolink such as `<https://example.org>`). A name is an ASCII
/// letter and then letters, digits and hyphens, as CommonMark has it.
fn parse_tag(s: &str) -> Option<(Token<'static>, usize)> {
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
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
        i += 1;
    }
    match bytes.get(i) {
        None | Some(b'>' | b'/') => {}
        Some(b) if b.is_ascii_whitespace() => {}
        _ => return None,
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attrs: Vec<(String, String)> = Vec::new();
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
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if bytes.get(j) == Some(&b'=') {
            i = j + 1;
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
        if !attrs.iter().any(|(n, _)| *n == attr_name) {
            // HTML keeps the first of a repeated attribute
            attrs.push((attr_name, value));
        }
    }
    let len = i.min(s.len());
    let token = if end {
        Token::End(name)
    } else {
        Token::Start(Tag {
            name,
            self_closing,
            attrs,
        })
    };
    Some((token, len))
}

/// Decodes HTML character references: numeric ones and the common named
/// ones. Unknown names stay as written; a reference to a character no
/// document may hold (NUL, a surrogate, a C0 control but white space, a
/// noncharacter) is dropped.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
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
                Some(code.and_then(char::from_u32).filter(|&c| allowed(c)))
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

/// Whether a character reference may stand for `c`.
fn allowed(c: char) -> bool {
    let n = c as u32;
    !(n == 0
        || (n < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        || (0x7F..0xA0).contains(&n)
        || (0xFDD0..=0xFDEF).contains(&n)
        || n & 0xFFFE == 0xFFFE)
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
        "plusmn" => '±',
        "micro" => 'µ',
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
        "uarr" => '↑',
        "darr" => '↓',
        "harr" => '↔',
        "minus" => '−',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "asymp" => '≈',
        "infin" => '∞',
        "sup1" => '¹',
        "sup2" => '²',
        "sup3" => '³',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "iexcl" => '¡',
        "iquest" => '¿',
        "ordf" => 'ª',
        "ordm" => 'º',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(html: &str) -> Vec<String> {
        tokenize(html)
            .into_iter()
            .map(|(t, r)| match t {
                Token::Text(s) => {
                    assert_eq!(&html[r], s);
                    format!("text {s:?}")
                }
                Token::Start(tag) => format!(
                    "<{}{}{}>",
                    tag.name,
                    tag.attrs
                        .iter()
                        .map(|(k, v)| format!(" {k}={v:?}"))
                        .collect::<String>(),
                    if tag.self_closing { " /" } else { "" }
                ),
                Token::End(name) => format!("</{name}>"),
                Token::Hidden => "hidden".to_string(),
            })
            .collect()
    }

    #[test]
    fn tags_attributes_and_text() {
        assert_eq!(
            kinds("a <B class='x y' data-v=\"1 &amp; 2\" hidden id=z>b</b> c<br/>"),
            [
                "text \"a \"",
                "<b class=\"x y\" data-v=\"1 & 2\" hidden=\"\" id=\"z\">",
                "text \"b\"",
                "</b>",
                "text \" c\"",
                "<br />"
            ]
        );
        // a repeated attribute: the first counts
        assert_eq!(kinds("<i id=a id=b>"), ["<i id=\"a\">"]);
    }

    #[test]
    fn what_is_not_a_tag_is_text() {
        assert_eq!(
            kinds("a < b <3 <https://example.org> <me@x.org> <"),
            ["text \"a < b <3 <https://example.org> <me@x.org> <\""]
        );
    }

    #[test]
    fn comments_declarations_and_raw_text() {
        assert_eq!(
            kinds("<!DOCTYPE html><!-- <b> -->x<?php y ?><script>if (a<b) '</b>'</script >z"),
            [
                "hidden",
                "hidden",
                "text \"x\"",
                "hidden",
                "<script>",
                "text \"if (a<b) '</b>'\"",
                "</script>",
                "text \"z\""
            ]
        );
        // never closed: the rest is the comment, the script's text
        assert_eq!(kinds("a<!-- b"), ["text \"a\"", "hidden"]);
        assert_eq!(kinds("<style>p {}"), ["<style>", "text \"p {}\""]);
    }

    #[test]
    fn unterminated_tags_take_the_rest() {
        assert_eq!(kinds("<a href=\"x>y"), ["<a href=\"x>y\">"]);
        assert_eq!(kinds("<span"), ["<span>"]);
        assert_eq!(kinds("</span"), ["</span>"]);
    }

    #[test]
    fn references_are_decoded() {
        assert_eq!(
            decode("&amp;&lt;&#8212;&#x2014;&nbsp;&bogus; &#0; &#xD800; &copy AT&T"),
            "&<——\u{a0}&bogus;   © AT&T"
        );
    }
}
