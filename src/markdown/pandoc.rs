//! pandoc's block and inline syntax that CommonMark reads otherwise,
//! rewritten before parsing into what pulldown-cmark reads (pandoc's manual,
//! "Pandoc's Markdown"):
//!
//! - `fancy_lists`, `startnum`: `a.`, `A)`, `(i)`, `#.` markers become
//!   numbers (`1.`, `2)`), and the list's numbering style is recorded by the
//!   line the list starts on;
//! - `example_lists`: `(@)` and `(@label)` items are numbered on through the
//!   whole file, and `(@label)` in the text becomes the item's number;
//! - `line_blocks`: `| ` lines keep their breaks (a backslash at each line
//!   end) and their leading spaces (no-break spaces);
//! - `inline_notes`: `^[a note]` becomes a footnote reference, the note a
//!   definition at the end of the file;
//! - `all_symbols_escapable`: `\ ` is a no-break space.
//!
//! Fenced and indented code is left alone. Each output line records the
//! input line it came from.

use std::collections::BTreeMap;

use super::fences::CodeFence;
use crate::doc::Numbering;

/// What the rewrite gives.
pub struct Rewritten {
    /// The text.
    pub text: String,
    /// For each line of `text`, the input line (1-based).
    pub lines: Vec<u32>,
    /// The numbering of the ordered lists that start on a line of `text`
    /// (1-based), when it is not plain decimal.
    pub list_styles: BTreeMap<u32, Numbering>,
}

/// The label prefix of inline notes' definitions (not a label authors use).
pub const INLINE_NOTE: &str = "quire-inline-";

/// A fancy list marker at the start of `line` (after indentation): its
/// value, style, whether it is `#` (auto), and its width in bytes
/// including the space after it.
fn marker(line: &str, style: Option<Numbering>) -> Option<(u64, Numbering, usize, char)> {
    let (open, rest) = match line.strip_prefix('(') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let body_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '#' && c != '@')
        .unwrap_or(rest.len());
    let body = &rest[..body_len];
    let delim = rest[body_len..].chars().next()?;
    let delim_ok = if open {
        delim == ')'
    } else {
        delim == '.' || delim == ')'
    };
    if body.is_empty() || !delim_ok {
        return None;
    }
    let after = &rest[body_len + 1..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if spaces == 0 && !after.is_empty() {
        return None;
    }
    let width = usize::from(open) + body_len + 1 + spaces.min(4);
    let (value, numbering) = if body == "#" {
        (0, style.unwrap_or(Numbering::Decimal))
    } else if let Some(label) = body.strip_prefix('@') {
        if !open
            || !label
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return None;
        }
        (0, Numbering::Example)
    } else if body.chars().all(|c| c.is_ascii_digit()) {
        // plain numbers: CommonMark reads `1.` and `1)`; pandoc also `(1)`
        if !open {
            return None;
        }
        (body.parse().ok()?, Numbering::Decimal)
    } else if let Some(v) = roman_value(body).filter(|_| {
        // a single `i`, `v`, `x` … is a letter in an alphabetic list and a
        // numeral in a roman one; alone, only `i` starts a roman list
        body.len() > 1
            || match style {
                Some(Numbering::LowerRoman | Numbering::UpperRoman) => true,
                Some(Numbering::LowerAlpha | Numbering::UpperAlpha) => false,
                _ => matches!(body, "i" | "I"),
            }
    }) {
        let upper = body.chars().all(|c| c.is_ascii_uppercase());
        (
            v,
            if upper {
                Numbering::UpperRoman
            } else {
                Numbering::LowerRoman
            },
        )
    } else if body.len() == 1 && body.chars().all(|c| c.is_ascii_alphabetic()) {
        let c = body.chars().next()?;
        let upper = c.is_ascii_uppercase();
        // "A. Smith": a capital and a period need two spaces to be a marker
        if upper && delim == '.' && spaces < 2 {
            return None;
        }
        (
            u64::from(c.to_ascii_lowercase() as u8 - b'a' + 1),
            if upper {
                Numbering::UpperAlpha
            } else {
                Numbering::LowerAlpha
            },
        )
    } else {
        return None;
    };
    Some((value, numbering, width, delim))
}

/// Whether a line is a CommonMark list item (`- x`, `3. x`, `4) x`), or
/// indented under one.
fn looks_like_item(line: &str) -> bool {
    let t = line.trim_start();
    if line.len() - t.len() >= 2 {
        return true; // an item's continuation
    }
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (t[digits..].starts_with(". ") || t[digits..].starts_with(") "))
}

/// The value of a roman numeral (`iv` → 4), lower or upper case.
fn roman_value(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    if s != lower && s != s.to_ascii_uppercase() {
        return None;
    }
    let digit = |c: char| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        'd' => Some(500),
        'm' => Some(1000),
        _ => None,
    };
    let values: Vec<u64> = lower.chars().map(digit).collect::<Option<_>>()?;
    let mut total = 0i64;
    for (k, &v) in values.iter().enumerate() {
        if values.get(k + 1).is_some_and(|&next| next > v) {
            total -= v as i64;
        } else {
            total += v as i64;
        }
    }
    let total = u64::try_from(total).ok().filter(|&t| t > 0)?;
    // only the canonical spelling (`iiii` is not a numeral)
    (crate::doc::roman(total as usize) == lower).then_some(total)
}

/// Rewrites pandoc's list markers, line blocks, inline notes and `\ ` in
/// `text`; `None` when there are none.
pub fn rewrite(text: &str) -> Option<Rewritten> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, u32)> = Vec::with_capacity(lines.len());
    let mut list_styles = BTreeMap::new();
    let mut changed = false;
    let mut fence = CodeFence::default();
    // the fancy list being read: (indent, style, delimiter)
    let mut list: Option<(usize, Numbering, char)> = None;
    let mut example = 0u64;
    let mut labels: BTreeMap<String, u64> = BTreeMap::new();
    let mut notes: Vec<(String, u32)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let indent = line.len() - line.trim_start_matches(' ').len();
        let trimmed = &line[indent..];
        let blank_before = i == 0 || lines[i - 1].trim().is_empty();
        if fence.code_line(indent, trimmed) {
            out.push((line.to_string(), i as u32 + 1));
            i += 1;
            continue;
        }
        // indented code (after a blank line, outside a list) is left alone
        if indent >= 4 && blank_before && list.is_none() {
            out.push((line.to_string(), i as u32 + 1));
            i += 1;
            continue;
        }
        // a line block: `| ` lines after a blank line, not a table
        if blank_before && (trimmed.starts_with("| ") || trimmed == "|") && indent < 4 {
            let mut end = i;
            while end < lines.len() && !lines[end].trim().is_empty() {
                end += 1;
            }
            let run = &lines[i..end];
            let is_table = run.iter().any(|l| {
                let t = l.trim();
                t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '+'))
            }) || run.iter().filter(|l| l.trim_end().ends_with('|')).count() >= 2;
            if !is_table {
                changed = true;
                for (k, l) in run.iter().enumerate() {
                    let t = l.trim_start();
                    let continues = run
                        .get(k + 1)
                        .is_some_and(|next| !next.trim_start().starts_with('|'));
                    let last = k + 1 == run.len();
                    let mut s = String::new();
                    if let Some(content) = t.strip_prefix('|') {
                        let content = content.strip_prefix(' ').unwrap_or(content);
                        let lead = content.len() - content.trim_start_matches(' ').len();
                        s.push_str(&"\u{a0}".repeat(lead));
                        s.push_str(&content[lead..]);
                        if content.trim().is_empty() {
                            s.push('\u{a0}');
                        }
                    } else {
                        s.push_str(t);
                    }
                    if !last && !continues {
                        s.push('\\');
                    }
                    out.push((s, (i + k) as u32 + 1));
                }
                i = end;
                continue;
            }
        }
        // fancy list markers
        let current = list.filter(|&(ind, _, _)| ind == indent).map(|(_, s, _)| s);
        if indent < 4 && (blank_before || list.is_some()) {
            if let Some((value, mut numbering, width, delim)) = marker(trimmed, current) {
                let continuing = current.is_some_and(|s| s == numbering)
                    && list.is_some_and(|(_, _, d)| d == delim);
                if trimmed.starts_with('#') && !continuing {
                    numbering = Numbering::Decimal; // `#.` opening a list of its own
                }
                let value = match (numbering, trimmed.contains("(@")) {
                    (Numbering::Example, _) => {
                        example += 1;
                        let label = trimmed[2..].split(')').next().unwrap_or("");
                        if !label.is_empty() {
                            labels.insert(label.to_string(), example);
                        }
                        example
                    }
                    _ if value == 0 => 1, // `#.`
                    _ => value,
                };
                if !continuing {
                    // a list right after another of a different style is a
                    // list of its own (CommonMark would run them together)
                    let after_list = list.is_some_and(|(ind, _, _)| ind == indent)
                        || out
                            .iter()
                            .rev()
                            .find(|(l, _)| !l.trim().is_empty())
                            .is_some_and(|(l, _)| looks_like_item(l));
                    if after_list {
                        out.push(("<!--quire:drop list-->".to_string(), i as u32 + 1));
                        out.push((String::new(), i as u32 + 1));
                    }
                    list_styles.insert(out.len() as u32 + 1, numbering);
                }
                list = Some((indent, numbering, delim));
                changed = true;
                let new = format!("{value}{}", if delim == '.' { '.' } else { ')' });
                // keep the content where it was: pad the marker on the left
                let pad = (width.saturating_sub(new.len() + 1)).min(3);
                let rest = &trimmed[width.min(trimmed.len())..];
                out.push((
                    format!("{}{}{new} {}", &line[..indent], " ".repeat(pad), rest),
                    i as u32 + 1,
                ));
                i += 1;
                continue;
            }
        }
        // a line at the list's indentation that is no item ends it (after a blank)
        if !trimmed.is_empty() && blank_before && list.is_some_and(|(ind, _, _)| indent <= ind) {
            list = None;
        }
        out.push((line.to_string(), i as u32 + 1));
        i += 1;
    }
    // inline notes and `\ `, and references to example items, in the text
    let mut in_fence = CodeFence::default();
    for (line, at) in &mut out {
        let t = line.trim_start();
        if in_fence.code_line(line.len() - t.len(), t) {
            continue;
        }
        if !(line.contains("^[")
            || line.contains('\\')
            || (!labels.is_empty() && line.contains("(@")))
        {
            continue;
        }
        let rewritten = inline_pass(line, &labels, &mut notes, *at);
        if rewritten != *line {
            changed = true;
            *line = rewritten;
        }
    }
    if !changed {
        return None;
    }
    for (n, (note, at)) in notes.iter().enumerate() {
        out.push((String::new(), *at));
        out.push((format!("[^{INLINE_NOTE}{}]: {note}", n + 1), *at));
    }
    let mut text_out = String::with_capacity(text.len() + 64);
    let mut map = Vec::with_capacity(out.len());
    for (line, at) in out {
        text_out.push_str(&line);
        text_out.push('\n');
        map.push(at);
    }
    Some(Rewritten {
        text: text_out,
        lines: map,
        list_styles,
    })
}

/// One line's inline rewrites, outside code spans: `^[note]` → a reference
/// (the note kept in `notes`), `\ ` → a no-break space, `(@label)` → the
/// example's number.
fn inline_pass(
    line: &str,
    labels: &BTreeMap<String, u64>,
    notes: &mut Vec<(String, u32)>,
    at: u32,
) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c == '`' {
            // a code span: copied as it is, up to its closing run
            let run = chars[k..].iter().take_while(|&&x| x == '`').count();
            let mut j = k + run;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let r = chars[j..].iter().take_while(|&&x| x == '`').count();
                    if r == run {
                        close = Some(j + r);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            let end = close.unwrap_or(k + run);
            out.extend(&chars[k..end]);
            k = end;
            continue;
        }
        if c == '\\' && k + 1 < chars.len() {
            let next = chars[k + 1];
            if next == ' ' {
                out.push('\u{a0}');
            } else if !next.is_ascii() && !next.is_alphanumeric() && !next.is_whitespace() {
                // any symbol may be escaped in pandoc (CommonMark: ASCII ones)
                out.push(next);
            } else {
                out.push(c);
                out.push(next);
            }
            k += 2;
            continue;
        }
        if c == '^' && chars.get(k + 1) == Some(&'[') {
            let mut depth = 0;
            let mut j = k + 1;
            let mut end = None;
            while j < chars.len() {
                match chars[j] {
                    '[' => depth += 1,
                    ']' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                    '\\' => j += 1,
                    _ => {}
                }
                j += 1;
            }
            if let Some(end) = end {
                let note: String = chars[k + 2..end].iter().collect();
                notes.push((note, at));
                out.push_str(&format!("[^{INLINE_NOTE}{}]", notes.len()));
                k = end + 1;
                continue;
            }
        }
        if c == '(' && chars.get(k + 1) == Some(&'@') {
            let label: String = chars[k + 2..]
                .iter()
                .take_while(|&&x| x.is_alphanumeric() || x == '_' || x == '-')
                .collect();
            if chars.get(k + 2 + label.chars().count()) == Some(&')') {
                if let Some(n) = labels.get(&label) {
                    out.push_str(&n.to_string());
                    k += 3 + label.chars().count();
                    continue;
                }
            }
        }
        out.push(c);
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fancy_list_markers_become_numbers_with_their_style() {
        let text = "Text.\n\na. one\nb. two\n\n(iv) four\n(v) five\n\nA)  first\nB)  second\n\n#. auto\n#. auto\n";
        // (the lists follow each other: each after a separator of its own)
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "Text.\n\n1. one\n2. two\n\n<!--quire:drop list-->\n\n  4) four\n 5) five\n\n<!--quire:drop list-->\n\n 1) first\n 2) second\n\n<!--quire:drop list-->\n\n1. auto\n1. auto\n"
        );
        let styles: Vec<(u32, Numbering)> = out.list_styles.into_iter().collect();
        assert_eq!(
            styles,
            [
                (3, Numbering::LowerAlpha),
                (8, Numbering::LowerRoman),
                (13, Numbering::UpperAlpha),
                (18, Numbering::Decimal)
            ]
        );
        // a capital and a period need two spaces: "A. Smith" is text
        assert!(rewrite("A. Smith wrote.\n").is_none());
    }

    #[test]
    fn example_lists_number_on_and_references_take_the_number() {
        let text = "(@) First.\n(@good) Second.\n\nText.\n\n(@) Third.\n\nAs (@good) shows.\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            " 1) First.\n   2) Second.\n\nText.\n\n 3) Third.\n\nAs 2 shows.\n"
        );
        assert_eq!(out.list_styles.get(&1), Some(&Numbering::Example));
        assert_eq!(out.list_styles.get(&6), Some(&Numbering::Example));
    }

    #[test]
    fn line_blocks_keep_breaks_and_leading_spaces() {
        let text = "\n| The limerick packs laughs anatomical\n|    In space that is quite economical.\n| But the good ones\n  continue here.\n|\n| End\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "\nThe limerick packs laughs anatomical\\\n\u{a0}\u{a0}\u{a0}In space that is quite economical.\\\nBut the good ones\ncontinue here.\\\n\u{a0}\\\nEnd\n"
        );
        // a pipe table is not a line block
        assert!(rewrite("| a | b |\n|---|---|\n| 1 | 2 |\n").is_none());
    }

    #[test]
    fn inline_notes_and_escaped_spaces() {
        let text =
            "Here^[An *inline* note, with [brackets].] and `^[code]`, 10\\ km \\\u{2014} \\*.\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "Here[^quire-inline-1] and `^[code]`, 10\u{a0}km \u{2014} \\*.\n\n[^quire-inline-1]: An *inline* note, with [brackets].\n"
        );
        assert_eq!(out.lines, [1, 1, 1]);
    }
}
