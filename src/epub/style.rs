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

/// `text` safe inside a double-quoted CSS string.
fn css_string(text: &str) -> String {
    xml::clean(text)
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '\n' | '\r'))
        .collect()
}
