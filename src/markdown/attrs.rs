//! pandoc's attribute blocks: `{#id .class key=value key="a value" -}`, on
//! headings, bracketed spans and fenced divs (pandoc's manual, "Extension:
//! attributes"). `-` is pandoc's short form of `.unnumbered`.

/// A parsed attribute block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs {
    /// `#id`, the last one given.
    pub id: Option<String>,
    /// `.class` words, in order (`-` gives `unnumbered`).
    pub classes: Vec<String>,
    /// `key=value` pairs, in order, quotes removed.
    pub pairs: Vec<(String, String)>,
}

impl Attrs {
    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether `c` opens a quoted value; the matching closer.
fn closing_quote(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '\'' => Some('\''),
        // smart punctuation may have curled the quotes already
        '\u{201C}' => Some('\u{201D}'),
        '\u{2018}' => Some('\u{2019}'),
        _ => None,
    }
}

/// Parses the inside of `{…}` (without the braces). `None` when it is not
/// an attribute block (so the braces are text after all).
pub fn parse(inner: &str) -> Option<Attrs> {
    // smart punctuation may have made dashes and ellipses of the source's
    // `--`, `---` and `...` (`{#option--file}`): the attributes had them
    let inner = inner
        .replace('\u{2014}', "---")
        .replace('\u{2013}', "--")
        .replace('\u{2026}', "...");
    let mut attrs = Attrs::default();
    let mut chars = inner.chars().peekable();
    let mut any = false;
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        any = true;
        let mut word = String::new();
        match first {
            '#' | '.' => {
                chars.next();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                if word.is_empty() {
                    return None;
                }
                if first == '#' {
                    attrs.id = Some(word);
                } else {
                    attrs.classes.push(word);
                }
            }
            '-' => {
                chars.next();
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return None;
                }
                attrs.classes.push("unnumbered".to_string());
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c == '=' || c.is_whitespace() {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                if chars.next() != Some('=') || word.is_empty() {
                    return None;
                }
                if !word
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                {
                    return None;
                }
                let mut value = String::new();
                match chars.peek().copied().and_then(closing_quote) {
                    Some(close) => {
                        chars.next();
                        loop {
                            match chars.next() {
                                Some('\\') => {
                                    if let Some(c) = chars.next() {
                                        value.push(c);
                                    }
                                }
                                Some(c) if c == close => break,
                                // the opener may have been curled as a closer
                                Some(c) if close == '\u{201D}' && c == '\u{201C}' => break,
                                Some(c) => value.push(c),
                                None => return None,
                            }
                        }
                    }
                    None => {
                        while let Some(&c) = chars.peek() {
                            if c.is_whitespace() {
                                break;
                            }
                            value.push(c);
                            chars.next();
                        }
                    }
                }
                attrs.pairs.push((word, value));
            }
        }
    }
    any.then_some(attrs)
}

/// Splits `text` ending in an attribute block (`Title {#id}`) into the text
/// before it and the attributes. `None` when it does not end in one.
pub fn trailing(text: &str) -> Option<(&str, Attrs)> {
    let trimmed = text.trim_end();
    let inner_end = trimmed.strip_suffix('}')?;
    let open = inner_end.rfind('{')?;
    let attrs = parse(&inner_end[open + 1..])?;
    Some((&trimmed[..open], attrs))
}

/// The attribute block at the start of `text` (`{.x} rest`), and how many
/// bytes it takes, braces included.
pub fn leading(text: &str) -> Option<(Attrs, usize)> {
    let rest = text.strip_prefix('{')?;
    let close = rest.find('}')?;
    if rest[..close].contains('{') {
        return None;
    }
    let attrs = parse(&rest[..close])?;
    Some((attrs, close + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_classes_pairs_and_the_dash() {
        let a = parse("#intro .smallcaps lang=fr short=\"Short title\" -").unwrap();
        assert_eq!(a.id.as_deref(), Some("intro"));
        assert_eq!(a.classes, ["smallcaps", "unnumbered"]);
        assert_eq!(a.get("lang"), Some("fr"));
        assert_eq!(a.get("short"), Some("Short title"));
        // curled by smart punctuation
        let a = parse("short=\u{201C}A b\u{201D}").unwrap();
        assert_eq!(a.get("short"), Some("A b"));
        let a = parse("#option\u{2013}file").unwrap();
        assert_eq!(a.id.as_deref(), Some("option--file"));
    }

    #[test]
    fn not_attributes() {
        for text in ["", "   ", "hello", "a b", "#", "x=\"open", "-x"] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        assert_eq!(
            trailing("Title {-}").map(|(t, a)| (t, a.classes)),
            Some(("Title ", vec!["unnumbered".into()]))
        );
        assert_eq!(
            leading("{.x} rest").map(|(a, n)| (a.classes, n)),
            Some((vec!["x".into()], 4))
        );
        assert_eq!(leading("{not attrs} rest"), None);
    }
}
