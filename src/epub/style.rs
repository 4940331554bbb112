//! The stylesheet: `@font-face` rules for the embedded fonts, then the
//! book design (`style.css`).

use super::xml;
use crate::typeset::fonts::FontFile;

/// Where fonts go inside the EPUB (relative to the package document).
pub fn font_path(font: &FontFile) -> String {
    format!("fonts/{}", font.file_name)
}

/// The media type of a font file, from its name (EPUB 3.3 core media types).
pub fn font_media_type(font: &FontFile) -> &'static str {
    let name = font.file_name.to_ascii_lowercase();
    if name.ends_with(".ttf") {
        "font/ttf"
    } else if name.ends_with(".woff2") {
        "font/woff2"
    } else if name.ends_with(".woff") {
        "font/woff"
    } else {
        "font/otf"
    }
}

/// The whole stylesheet.
pub fn stylesheet(fonts: &[FontFile]) -> String {
    let mut css = String::new();
    for font in fonts {
        css.push_str(&format!(
            "@font-face {{\n  font-family: \"{}\";\n  font-style: {};\n  font-weight: {};\n  src: url(\"{}\");\n}}\n\n",
            css_string(font.family),
            if font.italic { "italic" } else { "normal" },
            font.weight,
            css_string(&font_path(font)),
        ));
    }
    css.push_str(include_str!("style.css"));
    css.push_str(&heading_rules());
    css.push_str(&list_rules());
    // code lines: a hanging indent past each line's own indentation
    let step = crate::typeset::flow::CODE_STEP;
    for lead in 0..=CODE_INDENTS {
        let hang = lead + step;
        css.push_str(&format!(
            "pre .l{lead} {{ padding-left: {hang}ch; text-indent: -{hang}ch; }}\n"
        ));
    }
    css
}

/// The deepest code indentation (in columns) the stylesheet has a class
/// for; deeper lines hang as this one does.
pub const CODE_INDENTS: usize = 32;

/// The classes of a code line indented `lead` columns (see [`stylesheet`]).
pub fn code_line_class(lead: usize) -> String {
    format!("line l{}", lead.min(CODE_INDENTS))
}

/// The marks of bulleted lists by depth, from the table the PDF uses
/// ([`crate::style::LIST_MARKS`]), for as many levels as it takes to
/// come round to the first mark twice; each with a keyword a reading
/// system without string marks falls back to.
pub fn list_rules() -> String {
    use crate::style::{list_mark, LIST_MARKS};
    let mut css = String::from("\n/* bulleted lists' marks by depth (generated) */\n");
    for depth in 0..LIST_MARKS.len() * 2 {
        let mark = list_mark(depth);
        let fallback = match mark {
            '\u{2022}' => "disc",
            '\u{25e6}' => "circle",
            _ => "square",
        };
        css.push_str(&format!(
            "\n{} {{\n  list-style-type: {fallback};\n  list-style-type: \"\\{:x}\\a0\";\n}}\n",
            vec!["ul"; depth + 1].join(" "),
            u32::from(mark),
        ));
    }
    css
}

/// The rules of `h1` to `h6` from the book's heading table
/// ([`crate::style::HEADINGS`]), the one the PDF is set from: size, face,
/// and (below the chapter title) the space above and below, converted from
/// body leadings (the body's line height is 1.4) to the heading's own ems.
pub fn heading_rules() -> String {
    use crate::style::{HeadingFace, HEADINGS};
    let mut css = String::from("\n/* headings (generated from the heading table) */\n");
    for (i, h) in HEADINGS.iter().enumerate() {
        let (weight, style) = match h.face {
            HeadingFace::Regular | HeadingFace::SmallCaps => ("normal", "normal"),
            HeadingFace::Bold => ("bold", "normal"),
            HeadingFace::Italic => ("normal", "italic"),
            HeadingFace::BoldItalic => ("bold", "italic"),
        };
        css.push_str(&format!(
            "\nh{} {{\n  font-size: {}em;\n  font-weight: {weight};\n  font-style: {style};\n",
            i + 1,
            number(h.size),
        ));
        if h.face == HeadingFace::SmallCaps {
            // (the shorthand resets the numerals: lining again)
            css.push_str("  font-variant: small-caps;\n  font-variant-numeric: lining-nums;\n");
        }
        if i > 0 {
            let em = |leadings: f64| number(leadings * BODY_LINE_HEIGHT / h.size);
            css.push_str(&format!(
                "  margin: {}em 0 {}em 0;\n",
                em(h.above),
                em(h.below)
            ));
        }
        css.push_str("}\n");
    }
    css
}

/// The body's line height in `style.css`: one leading, in ems.
const BODY_LINE_HEIGHT: f64 = 1.4;

/// `x` to three decimals, without trailing zeros.
fn number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `text` safe inside a double-quoted CSS string.
fn css_string(text: &str) -> String {
    xml::clean(text)
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '\n' | '\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each heading level's rule has the size, weight, style and space of
    /// its row of the heading table.
    #[test]
    fn heading_rules_come_from_the_heading_table() {
        use crate::style::{HeadingFace, HEADINGS};
        let sheet = stylesheet(&[]);
        let css = heading_rules();
        assert!(sheet.contains(&css));
        for (i, h) in HEADINGS.iter().enumerate() {
            let head = format!("\nh{} {{\n", i + 1);
            let at = css
                .find(&head)
                .unwrap_or_else(|| panic!("no {head:?} in\n{css}"));
            let rule = &css[at..at + css[at..].find('}').unwrap()];
            assert!(
                rule.contains(&format!("font-size: {}em;", number(h.size))),
                "{rule}"
            );
            let bold = matches!(h.face, HeadingFace::Bold | HeadingFace::BoldItalic);
            assert_eq!(rule.contains("font-weight: bold"), bold, "{rule}");
            let italic = matches!(h.face, HeadingFace::Italic | HeadingFace::BoldItalic);
            assert_eq!(rule.contains("font-style: italic"), italic, "{rule}");
            assert_eq!(
                rule.contains("small-caps"),
                h.face == HeadingFace::SmallCaps,
                "{rule}"
            );
            if i > 0 {
                let margin = format!(
                    "margin: {}em 0 {}em 0;",
                    number(h.above * 1.4 / h.size),
                    number(h.below * 1.4 / h.size)
                );
                assert!(rule.contains(&margin), "{margin} not in {rule}");
            }
        }
        // no other rule for a heading below the title in the sheet
        assert_eq!(sheet.matches("\nh2 {").count(), 1, "{sheet}");
    }
}
