//! Links as an EPUB may hold them: valid URL strings, as EPUBCheck
//! checks them.

use super::xml;

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

#[cfg(test)]
mod tests {
    use super::encode_url;

    #[test]
    fn urls_are_made_valid() {
        assert_eq!(
            encode_url("https://example.org/a b?x=\"1\"#f#g"),
            "https://example.org/a%20b?x=%221%22#f%23g"
        );
        assert_eq!(encode_url("https://例え.jp/ü"), "https://例え.jp/%C3%BC");
        assert_eq!(encode_url("https://x.org/%41%zz"), "https://x.org/%41%25zz");
    }
}
