//! Block syntax pulldown-cmark does not know, rewritten before parsing into
//! one-line HTML comments it does know (a comment line is an HTML block
//! that ends on its own line, so the Markdown after it is read as
//! Markdown). Every line stays on its line, so positions do not move.
//!
//! - pandoc's fenced divs (`::: {.class}` … `:::`, pandoc's manual,
//!   "Extension: fenced_divs") become `<!--quire:div {.class}-->` and
//!   `<!--quire:/div-->`, which the reader turns into [`BlockKind::Div`];
//! - lines that are only the start or end tag of an element HTML does not
//!   define (`<Listing number="2-1" …>`, which an mdBook preprocessor
//!   would have expanded) become `<!--quire:drop Listing-->`: the element
//!   goes, the Markdown inside it stays.
//!
//! [`BlockKind::Div`]: crate::doc::BlockKind::Div

/// The marker that opens a div; the attribute text follows it.
pub const DIV_OPEN: &str = "<!--quire:div ";
/// The marker that closes a div.
pub const DIV_CLOSE: &str = "<!--quire:/div-->";
/// The marker of a dropped element's tag.
pub const DROP: &str = "<!--quire:drop";

/// The text rewritten, and the first place each unknown element was seen
/// (name, line, column).
pub struct Rewritten {
    /// The text, line for line.
    pub text: String,
    /// Unknown elements: name, 1-based line and column of the first use.
    pub dropped: Vec<(String, u32, u32)>,
}

/// Rewrites fenced divs and unknown elements' tag lines (see the module
/// docs); `None` when there is nothing to rewrite.
pub fn rewrite(text: &str) -> Option<Rewritten> {
    if !text.contains(":::") && !text.contains('<') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut dropped: Vec<(String, u32, u32)> = Vec::new();
    let mut changed = false;
    let mut fence = CodeFence::default();
    let mut depth = 0usize;
    // an unknown element's start tag that goes on over several lines
    let mut in_tag = false;
    // the content indents of the list items and definitions the line may
    // be in: block syntax counts its indentation from there
    let mut containers: Vec<usize> = Vec::new();
    let mut blank_before = false;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let ending = &line[line.trim_end_matches(['\n', '\r']).len()..];
        let full = &line[..line.len() - ending.len()];
        // inside block quotes: what follows the `>` markers
        let quoted = quote_prefix_len(full);
        let (quote, body) = full.split_at(quoted);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let trimmed = &body[indent..];
        let blank = trimmed.is_empty();
        if !blank && !fence.is_open() {
            // a line indented less than a container's content leaves it
            // (after a blank line; before one it may be a lazy continuation)
            while containers
                .last()
                .is_some_and(|&c| indent < c && blank_before)
            {
                containers.pop();
            }
        }
        let base = containers
            .iter()
            .rev()
            .find(|&&c| indent >= c)
            .copied()
            .unwrap_or(0);
        let indent_rel = indent - base;
        blank_before = blank;
        if in_tag {
            changed = true;
            in_tag = !tag_ends(body);
            out.push_str(ending);
            continue;
        }
        // fenced code: nothing inside is rewritten
        if fence.code_line(indent_rel, trimmed) {
            out.push_str(line);
            continue;
        }
        if indent_rel < 4 {
            if let Some(content) = container_content(trimmed) {
                containers.push(indent + content);
            }
            if trimmed.starts_with(":::") {
                let colons = trimmed.chars().take_while(|&c| c == ':').count();
                let rest = trimmed[colons..].trim();
                if rest.is_empty() {
                    if depth > 0 {
                        depth -= 1;
                        changed = true;
                        out.push_str(quote);
                        out.push_str(&body[..indent]);
                        out.push_str(DIV_CLOSE);
                        out.push_str(ending);
                        continue;
                    }
                } else if let Some(attrs) = div_attributes(rest) {
                    depth += 1;
                    changed = true;
                    out.push_str(quote);
                    out.push_str(&body[..indent]);
                    out.push_str(DIV_OPEN);
                    out.push_str(&attrs);
                    out.push_str("-->");
                    out.push_str(ending);
                    continue;
                }
            }
            if trimmed.starts_with('<') {
                if let Some((name, complete)) = unknown_tag(trimmed) {
                    if !dropped.iter().any(|(n, _, _)| *n == name) {
                        dropped.push((
                            name.clone(),
                            index as u32 + 1,
                            (quote.chars().count() + indent) as u32 + 1,
                        ));
                    }
                    changed = true;
                    in_tag = !complete;
                    out.push_str(quote);
                    out.push_str(&body[..indent]);
                    out.push_str(DROP);
                    out.push(' ');
                    out.push_str(&name);
                    out.push_str("-->");
                    out.push_str(ending);
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    changed.then_some(Rewritten { text: out, dropped })
}

/// Where the content of a list item or a definition starts, counted from
/// its marker (`- x` → 2, `10. x` → 4, `:   x` → 4); `None` for other lines.
fn container_content(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+', ':', '~']) {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 9 || !line[digits..].starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let rest = &line[marker..];
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    if !(1..=4).contains(&spaces) || rest.trim().is_empty() {
        return None;
    }
    Some(marker + spaces)
}

/// How many bytes of `line` are block-quote markers (`> `, `>> `, `  > `).
fn quote_prefix_len(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut end = 0;
    let mut i = 0;
    loop {
        while i < bytes.len() && i - end < 3 && bytes[i] == b' ' {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'>' {
            i += 1;
            if i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            end = i;
        } else {
            return end;
        }
    }
}

/// A fenced code block passed over line by line, by CommonMark's rules
/// (three or more backticks or tildes, at most three spaces in; a backtick
/// fence's info string has no backtick; it closes with a run as long, and
/// nothing after it). Every rewrite before parsing leaves code alone with it.
#[derive(Default)]
pub(crate) struct CodeFence(Option<(char, usize)>);

impl CodeFence {
    /// Whether a line is fenced code (it opens, is inside or closes a
    /// fence): `trimmed` is the line after its `indent` spaces, counted from
    /// the container the line is in.
    pub(crate) fn code_line(&mut self, indent: usize, trimmed: &str) -> bool {
        if let Some((c, n)) = self.0 {
            let run = trimmed.chars().take_while(|&x| x == c).count();
            if indent < 4 && run >= n && trimmed[run * c.len_utf8()..].trim().is_empty() {
                self.0 = None;
            }
            return true;
        }
        if indent < 4 {
            if let Some(c @ ('`' | '~')) = trimmed.chars().next() {
                let run = trimmed.chars().take_while(|&x| x == c).count();
                if run >= 3 && !(c == '`' && trimmed[run..].contains('`')) {
                    self.0 = Some((c, run));
                    return true;
                }
            }
        }
        false
    }

    /// Whether a fence is open (the lines to come are code until it closes).
    pub(crate) fn is_open(&self) -> bool {
        self.0.is_some()
    }
}

/// The attribute text of an opening fence's rest (`{.note}`, `note`,
/// `note :::`), as `{…}`; `None` when it is not a div's opening fence.
fn div_attributes(rest: &str) -> Option<String> {
    let rest = rest.trim_end_matches(':').trim_end();
    if rest.contains("--") {
        return None;
    }
    if rest.starts_with('{') {
        let (attrs, used) = super::attrs::leading(rest)?;
        let _ = attrs;
        return rest[used..]
            .trim()
            .is_empty()
            .then(|| rest[..used].to_string());
    }
    // `::: note`: one word, a class
    (!rest.contains(char::is_whitespace)
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_')))
    .then(|| format!("{{.{rest}}}"))
}

/// Whether a multi-line start tag ends on this line (a `>` outside quotes).
fn tag_ends(line: &str) -> bool {
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return true,
            _ => {}
        }
    }
    false
}

/// A line that is only a start or end tag of an element HTML does not
/// define: its name, and whether the tag ends on this line.
fn unknown_tag(line: &str) -> Option<(String, bool)> {
    let rest = line.strip_prefix('<')?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    if is_html_element(&name.to_ascii_lowercase()) && !name.chars().any(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    let after = &rest[name_len..];
    if !(after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/'))
    {
        return None;
    }
    // the tag must be all the line holds
    let mut quote = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => {
                return after[i + 1..]
                    .trim()
                    .is_empty()
                    .then(|| (name.to_string(), true));
            }
            (None, '<') => return None,
            _ => {}
        }
    }
    // a start tag that goes on to the next lines
    (!line.starts_with("</")).then(|| (name.to_string(), false))
}

/// The elements HTML defines (WHATWG HTML, plus the obsolete ones browsers
/// still know, and SVG's and MathML's roots).
pub(crate) fn is_html_element(name: &str) -> bool {
    const ELEMENTS: &[&str] = &[
        "a",
        "abbr",
        "acronym",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "math",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ];
    ELEMENTS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_element_list_is_sorted() {
        // binary_search needs it
        assert!(is_html_element("div") && is_html_element("wbr") && is_html_element("a"));
        assert!(!is_html_element("listing"));
    }

    #[test]
    fn divs_become_markers_line_for_line() {
        let text = "A\n::: warning\nBe careful.\n:::\n```\n:::\n```\n::: {.note #n1}\nx\n::::\n";
        let out = rewrite(text).unwrap();
        assert_eq!(out.text.lines().count(), text.lines().count());
        assert_eq!(
            out.text,
            "A\n<!--quire:div {.warning}-->\nBe careful.\n<!--quire:/div-->\n```\n:::\n```\n<!--quire:div {.note #n1}-->\nx\n<!--quire:/div-->\n"
        );
    }

    #[test]
    fn divs_inside_definitions_and_list_items_but_not_in_indented_code() {
        let text = "Term\n\n:   Formats:\n\n    ::: {#formats}\n    - a\n    :::\n\nText.\n\n    ::: {#code}\n    :::\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "Term\n\n:   Formats:\n\n    <!--quire:div {#formats}-->\n    - a\n    <!--quire:/div-->\n\nText.\n\n    ::: {#code}\n    :::\n"
        );
    }

    #[test]
    fn unknown_elements_are_dropped_with_their_first_place() {
        let text = "<Listing number=\"1-1\" caption=\"a > b\">\n```rust\nfn main() {}\n```\n</Listing>\n<div>\n<my-box\n  x=\"1\">\ntext\n</my-box>\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "<!--quire:drop Listing-->\n```rust\nfn main() {}\n```\n<!--quire:drop Listing-->\n<div>\n<!--quire:drop my-box-->\n\ntext\n<!--quire:drop my-box-->\n"
        );
        assert_eq!(
            out.dropped,
            [("Listing".to_string(), 1, 1), ("my-box".to_string(), 7, 1)]
        );
        assert!(rewrite("<span>x</span>\n<div class=\"a\">\n").is_none());
        // inside a block quote, the markers stay
        let out = rewrite("> <Listing file-name=\"a.rs\">\n>\n> text\n> </Listing>\n").unwrap();
        assert_eq!(
            out.text,
            "> <!--quire:drop Listing-->\n>\n> text\n> <!--quire:drop Listing-->\n"
        );
        assert_eq!(out.dropped, [("Listing".to_string(), 1, 3)]);
    }
}
