//! Writing direction: which way a language, a block and a paragraph run.
//! Both writers decide it here, so that a paragraph the PDF sets right to
//! left is the one the EPUB marks `dir="rtl"`.
//!
//! A paragraph's base direction (UAX #9, rules P2–P3, as HTML's
//! `dir="auto"`) is that of its first strong character (a letter of a
//! left-to-right or a right-to-left script, outside isolates); a paragraph
//! with none takes the direction around it: a fenced div's `dir`, else its
//! `lang`, else the book's language. Inside a div with an explicit `dir`
//! every paragraph takes that direction (as in HTML, where `dir` on an
//! element is inherited).

use super::{walk_inlines, Inline};

/// The direction paragraphs are set in, as the context gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Each paragraph by its first strong character; right to left when
    /// it has none and the flag is set (an Arabic or Hebrew book or div).
    Auto(bool),
    /// Every paragraph right to left (`true`) or left to right: a `dir`
    /// attribute says so.
    Fixed(bool),
}

impl Default for Dir {
    fn default() -> Self {
        Dir::Auto(false)
    }
}

impl Dir {
    /// The direction a book in `language` starts with.
    pub fn of_book(language: &str) -> Dir {
        Dir::Auto(language_is_rtl(language))
    }

    /// The direction inside a div with these attributes (`dir="rtl"`,
    /// `dir="ltr"`, `dir="auto"` or none; `lang`).
    pub fn inside(self, dir: Option<&str>, lang: Option<&str>) -> Dir {
        match dir.map(str::to_ascii_lowercase).as_deref() {
            Some("rtl") => Dir::Fixed(true),
            Some("ltr") => Dir::Fixed(false),
            Some("auto") => Dir::Auto(lang.map_or(self.rtl(), language_is_rtl)),
            _ => match lang {
                Some(lang) => Dir::Auto(language_is_rtl(lang)),
                None => self,
            },
        }
    }

    /// Whether the context is right to left (what a paragraph without a
    /// strong character takes).
    pub fn rtl(self) -> bool {
        match self {
            Dir::Auto(rtl) | Dir::Fixed(rtl) => rtl,
        }
    }

    /// Whether a paragraph of `content` here runs right to left.
    pub fn paragraph_rtl(self, content: &[Inline]) -> bool {
        match self {
            Dir::Fixed(rtl) => rtl,
            Dir::Auto(rtl) => first_strong_rtl(content).unwrap_or(rtl),
        }
    }
}

/// Whether a language is written right to left (its primary subtag, or an
/// Arabic, Hebrew, Syriac or Thaana script subtag).
pub fn language_is_rtl(lang: &str) -> bool {
    let lower = lang.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    matches!(
        primary,
        "ar" | "he" | "iw" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv" | "ckb" | "syr"
    ) || parts.any(|p| matches!(p, "arab" | "hebr" | "syrc" | "thaa"))
}

/// The direction of the first strong character of `text` (UAX #9, P2):
/// `Some(true)` for right to left, `None` when it has none.
pub fn first_strong_rtl_in(text: &str) -> Option<bool> {
    match unicode_bidi::get_base_direction(text) {
        unicode_bidi::Direction::Ltr => Some(false),
        unicode_bidi::Direction::Rtl => Some(true),
        unicode_bidi::Direction::Mixed => None,
    }
}

/// The direction of the first strong character of what `content` shows
/// (its text, code and math; not images' alternative text), as
/// [`first_strong_rtl_in`].
pub fn first_strong_rtl(content: &[Inline]) -> Option<bool> {
    let mut found = None;
    walk_inlines(content, &mut |inline| {
        if found.is_some() {
            return;
        }
        let text = match inline {
            Inline::Text { text } => text,
            Inline::Code { code } => code,
            Inline::Math { source } => source,
            _ => return,
        };
        found = first_strong_rtl_in(text);
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Vec<Inline> {
        vec![Inline::Text {
            text: t.to_string(),
        }]
    }

    #[test]
    fn a_paragraph_runs_as_its_first_strong_character() {
        let ltr = Dir::Auto(false);
        assert!(ltr.paragraph_rtl(&text("«שלום» with Latin")));
        assert!(!ltr.paragraph_rtl(&text("Hebrew: שלום")));
        // digits and punctuation are not strong: the context decides
        assert!(!ltr.paragraph_rtl(&text("1234, (5).")));
        assert!(Dir::Auto(true).paragraph_rtl(&text("1234, (5).")));
        // a div's dir fixes it
        assert!(!Dir::Fixed(false).paragraph_rtl(&text("مرحبا")));
        let emph = vec![Inline::Emph {
            content: text("مرحبا"),
        }];
        assert!(ltr.paragraph_rtl(&emph));
    }

    #[test]
    fn languages_and_attributes_give_the_context() {
        assert!(language_is_rtl("he") && language_is_rtl("ar-EG") && language_is_rtl("pa-Arab"));
        assert!(!language_is_rtl("en") && !language_is_rtl("hi"));
        let book = Dir::of_book("en");
        assert_eq!(book, Dir::Auto(false));
        assert_eq!(book.inside(Some("RTL"), None), Dir::Fixed(true));
        assert_eq!(book.inside(None, Some("ar")), Dir::Auto(true));
        assert_eq!(book.inside(Some("auto"), None), Dir::Auto(false));
        assert_eq!(book.inside(Some("sideways"), None), book);
    }
}
