//! Bidirectional text: the Unicode Bidirectional Algorithm (UAX #9, with
//! the `unicode-bidi` crate) for a paragraph's levels, and the reordering
//! of one line's pieces from logical to visual order (rule L2).
//!
//! A paragraph is shaped and broken into lines in logical order; each
//! stretch of one level is shaped in its direction (odd levels right to
//! left, which joins Arabic letters and mirrors brackets); each line is
//! reordered when it is drawn: <https://www.unicode.org/reports/tr9/>.

use unicode_bidi::{bidi_class, BidiClass, Level, ParagraphBidiInfo};

/// Whether `text` holds a character that can make a left-to-right
/// paragraph's levels other than even: a right-to-left letter or an
/// explicit right-to-left embedding, override or isolate. Most paragraphs
/// have none, and skip the algorithm.
pub fn has_rtl(text: &str) -> bool {
    text.chars().any(|c| {
        c >= '\u{590}'
            && matches!(
                bidi_class(c),
                BidiClass::R
                    | BidiClass::AL
                    | BidiClass::RLE
                    | BidiClass::RLO
                    | BidiClass::RLI
                    | BidiClass::FSI
            )
    })
}

/// The resolved embedding level of each byte of a paragraph's `text`
/// (rules P1–I2; the line rules come with [`visual_order`]), `rtl` its base
/// direction.
pub fn levels(text: &str, rtl: bool) -> Vec<u8> {
    let base = if rtl { Level::rtl() } else { Level::ltr() };
    if !rtl && !has_rtl(text) {
        return vec![0; text.len()];
    }
    let info = ParagraphBidiInfo::new(text, Some(base));
    info.levels.iter().map(|l| l.number()).collect()
}

/// The visual order, left to right, of a line's pieces whose levels are
/// `levels` (in logical order): UAX #9 rule L2, each maximal sequence at a
/// level or higher reversed, from the highest level down to the lowest odd
/// one. Indexes into `levels`.
pub fn visual_order(levels: &[u8]) -> Vec<usize> {
    if levels.iter().all(|&l| l == 0) {
        return (0..levels.len()).collect();
    }
    let levels: Vec<Level> = levels
        .iter()
        .map(|&l| Level::new(l).unwrap_or_else(|_| Level::ltr()))
        .collect();
    ParagraphBidiInfo::reorder_visual(&levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` laid out as one line, character by character: the visual
    /// string, left to right, brackets at odd levels mirrored (rule L4, which
    /// the shaper applies to a right-to-left run).
    fn display(text: &str, rtl: bool) -> String {
        let levels = levels(text, rtl);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let char_levels: Vec<u8> = chars.iter().map(|&(i, _)| levels[i]).collect();
        visual_order(&char_levels)
            .into_iter()
            .map(|i| match (chars[i].1, char_levels[i] % 2) {
                ('(', 1) => ')',
                (')', 1) => '(',
                (c, _) => c,
            })
            .collect()
    }

    #[test]
    fn left_to_right_text_keeps_its_order() {
        assert_eq!(display("plain text, 123.", false), "plain text, 123.");
        assert!(levels("plain", false).iter().all(|&l| l == 0));
    }

    #[test]
    fn hebrew_with_latin_and_digits_is_reordered_as_uax9_says() {
        // UAX #9's own kind of example, in Hebrew letters: in a
        // right-to-left paragraph the Hebrew runs read from the right, the
        // Latin phrase and the number keep their order, and the full stop
        // that ends the sentence lands at the left end
        let logical = "שלום עולם with Latin 123, and more עברית.";
        let expected = ".תירבע with Latin 123, and more םלוע םולש";
        assert_eq!(display(logical, true), expected);
        // the same text in a left-to-right paragraph: only the Hebrew runs
        // turn around; the full stop stays at the right
        assert_eq!(
            display(logical, false),
            "םלוע םולש with Latin 123, and more תירבע."
        );
    }

    #[test]
    fn numbers_inside_right_to_left_text_read_left_to_right() {
        // "in 2024 (the year)" in Hebrew: digits keep their order, the
        // brackets stay with the words they enclose
        let logical = "בשנת 2024 (השנה)";
        assert_eq!(display(logical, true), "(הנשה) 2024 תנשב");
        let levels = levels(logical, true);
        assert_eq!(levels[logical.find('2').unwrap()], 2);
        assert_eq!(levels[0], 1);
    }
}
