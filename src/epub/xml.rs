//! XML text helpers: escaping, the characters XML 1.0 allows, XML names,
//! and the hash behind derived identifiers.

/// Whether XML 1.0 allows `c` in a document (production `Char`, §2.2), minus
/// the C1 controls that XML "discourages" and HTML calls parse errors.
///
/// Tab, line feed and carriage return are the only C0 controls allowed;
/// U+FFFE and U+FFFF are excluded. Surrogates cannot occur in a Rust `str`.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` without the characters [`is_xml_char`] refuses.
pub fn clean(text: &str) -> String {
    text.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Appends `text` escaped for element content (`&`, `<`, `>`), dropping
/// characters XML forbids. Escaping `>` also defuses `]]>`.
pub fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// Appends `text` escaped for a double-quoted attribute value, dropping
/// characters XML forbids; tabs and line breaks become character references
/// so attribute-value normalisation keeps them.
pub fn push_attr(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// `text` escaped for element content.
pub fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_text(&mut out, text);
    out
}

/// `text` escaped for an attribute value.
pub fn attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_attr(&mut out, text);
    out
}

/// Whether `c` may start an XML name without a colon (`NameStartChar` of
/// XML 1.0 fifth edition §2.3, minus `:`).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// Whether `c` may continue an XML name without a colon (`NameChar`).
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `id` is a valid `NCName`, the type of `id` attributes in EPUB's
/// XHTML schema.
pub fn is_ncname(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// A valid `NCName` made from `text`: characters a name cannot hold become
/// `_`, and `prefix` goes in front when the result would not start a name.
pub fn to_ncname(text: &str, prefix: &str) -> String {
    let body: String = text
        .chars()
        .map(|c| if is_name_char(c) { c } else { '_' })
        .collect();
    if is_ncname(&body) {
        body
    } else {
        format!("{prefix}{body}")
    }
}

/// FNV-1a, 128-bit variant, over `bytes`.
///
/// Fowler, Noll and Vo, "FNV Hash", <http://www.isthe.com/chongo/tech/comp/fnv/>,
/// and Eastlake et al., "The FNV Non-Cryptographic Hash Algorithm",
/// IETF draft-eastlake-fnv (offset basis and prime for 128 bits, §2).
/// Not cryptographic: it only has to be stable and spread its input.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u128::from(b)).wrapping_mul(PRIME)
    })
}

/// A `urn:uuid:` from a 128-bit hash, marked as a version 8 ("custom")
/// UUID with the RFC 9562 variant bits (RFC 9562 §5.8).
pub fn uuid_urn(hash: u128) -> String {
    let mut b = hash.to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_drops_forbidden_characters() {
        assert_eq!(
            text("a & b < c > ]]> \u{1}\u{7}x\u{FFFE}\u{FFFF}\u{85}"),
            "a &amp; b &lt; c &gt; ]]&gt; x"
        );
        assert_eq!(attr("\"q\" 'a'\t"), "&quot;q&quot; 'a'&#9;");
    }

    #[test]
    fn names() {
        assert!(is_ncname("b-1-2"));
        assert!(is_ncname("été"));
        assert!(!is_ncname("1abc"));
        assert!(!is_ncname("a:b"));
        assert!(!is_ncname(""));
        assert_eq!(to_ncname("iii", "pg-"), "iii");
        assert_eq!(to_ncname("12", "pg-"), "pg-12");
        assert_eq!(to_ncname("a b", "x"), "a_b");
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        // Reference values from the FNV test suite (empty string and "a").
        assert_eq!(fnv1a_128(b""), 0x6c62272e07bb014262b821756295c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228cb696f1a8caf78912b704e4a8964);
        let urn = uuid_urn(fnv1a_128(b"a"));
        assert_eq!(urn.len(), "urn:uuid:".len() + 36);
        assert_eq!(&urn[9 + 14..9 + 15], "8");
    }
}
