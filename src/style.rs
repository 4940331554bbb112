//! The book design both writers read, so that the PDF and the EPUB show
//! the same hierarchy: the six heading styles and the marks of nested
//! lists. The PDF sets them in points (`typeset`), the EPUB's stylesheet
//! is generated from them (`epub`).

/// The type a heading is set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadingFace {
    /// Upright, regular weight.
    Regular,
    /// Bold.
    Bold,
    /// Italic.
    Italic,
    /// Bold italic.
    BoldItalic,
    /// The regular face's small capitals.
    SmallCaps,
}

/// How one heading level is set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeadingStyle {
    /// Size, as a multiple of the body text's.
    pub size: f64,
    /// The face.
    pub face: HeadingFace,
    /// Space above, in body leadings (a fixed amount: vertical
    /// justification does not stretch it).
    pub above: f64,
    /// Space below, in body leadings (less than above: a heading belongs
    /// to the text after it).
    pub below: f64,
}

/// The heading styles, level 1 (the chapter title) to level 6: each level
/// smaller than the one before and told apart from its neighbours by
/// weight or style too, the smallest still unlike body text (small
/// capitals). Level 1's spaces are the chapter opening's (its sink and the
/// title-to-text distance), which the page makeup sets.
pub const HEADINGS: [HeadingStyle; 6] = [
    HeadingStyle {
        size: 1.8,
        face: HeadingFace::Regular,
        above: 0.0,
        below: 2.5,
    },
    HeadingStyle {
        size: 1.4,
        face: HeadingFace::Bold,
        above: 1.5,
        below: 0.5,
    },
    HeadingStyle {
        size: 1.2,
        face: HeadingFace::Italic,
        above: 1.25,
        below: 0.4,
    },
    HeadingStyle {
        size: 1.1,
        face: HeadingFace::Bold,
        above: 1.0,
        below: 0.3,
    },
    HeadingStyle {
        size: 1.0,
        face: HeadingFace::BoldItalic,
        above: 1.0,
        below: 0.25,
    },
    HeadingStyle {
        size: 0.9,
        face: HeadingFace::SmallCaps,
        above: 0.75,
        below: 0.25,
    },
];

/// The style of heading `level` (1 to 6; a level outside is held to the
/// nearest).
pub fn heading(level: u8) -> &'static HeadingStyle {
    &HEADINGS[usize::from(level.clamp(1, 6)) - 1]
}

/// The marks of a bulleted list, by depth: a bullet, an en dash, a white
/// bullet, then the same again deeper down.
pub const LIST_MARKS: [char; 3] = ['\u{2022}', '\u{2013}', '\u{25e6}'];

/// The mark of a bulleted list nested `depth` lists deep (0 at the top).
pub fn list_mark(depth: usize) -> char {
    LIST_MARKS[depth % LIST_MARKS.len()]
}

/// Whether a block quotation's last paragraph, whose text starts with
/// `text`, is an attribution (`— Author`, `-- Author`, `―Author`), set
/// flush right.
pub fn is_attribution(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("\u{2014} ") || text.starts_with("-- ") || text.starts_with('\u{2015}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_shrink_level_by_level_and_keep_more_space_above_than_below() {
        for pair in HEADINGS.windows(2) {
            assert!(pair[1].size < pair[0].size, "{pair:?}");
            assert!(
                pair[1].face != pair[0].face || pair[1].size < pair[0].size * 0.9,
                "{pair:?}"
            );
        }
        for style in &HEADINGS[1..] {
            assert!(style.above > style.below, "{style:?}");
        }
        assert_eq!(heading(0), &HEADINGS[0]);
        assert_eq!(heading(9), &HEADINGS[5]);
    }

    #[test]
    fn list_marks_repeat_after_three_levels() {
        assert_eq!(list_mark(0), '•');
        assert_eq!(list_mark(1), '–');
        assert_eq!(list_mark(2), '◦');
        assert_eq!(list_mark(3), '•');
    }

    #[test]
    fn attributions_start_with_a_dash() {
        assert!(is_attribution("— Confucius"));
        assert!(is_attribution("-- Confucius"));
        assert!(is_attribution("―Confucius"));
        assert!(!is_attribution("—not spaced"));
        assert!(!is_attribution("A quotation — with a dash."));
    }
}
