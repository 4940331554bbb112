//! Hyphenation with Liang's patterns (Franklin M. Liang, "Word Hy-phen-a-tion
//! by Com-put-er", Stanford 1983), through the `hypher` crate's embedded
//! TeX patterns.

use std::collections::HashMap;

use hypher::Lang;

/// Fewest letters before a hyphen (TeX's `\lefthyphenmin` is 2).
pub const LEFT_MIN: usize = 2;
/// Fewest letters after a hyphen (TeX's `\righthyphenmin` is 3).
pub const RIGHT_MIN: usize = 3;

/// The patterns for a BCP 47 language tag (its primary subtag, ISO 639-1),
/// when quire has them: hypher embeds TeX's patterns for some 35 languages.
pub fn language(tag: &str) -> Option<Lang> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match *primary.as_bytes() {
        [a, b] => Lang::from_iso([a, b]),
        _ => None,
    }
}

/// Byte offsets inside `word` where it may be hyphenated, honouring
/// [`LEFT_MIN`] and [`RIGHT_MIN`] (counted in letters). Words with
/// non-letters (digits, URLs, already hyphenated compounds) get none.
pub fn break_points(word: &str, lang: Lang) -> Vec<usize> {
    if !word.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    // words repeat (a book uses a few thousand, many times each): each
    // thread remembers the points of the words it has seen (in one language)
    thread_local! {
        static SEEN: std::cell::RefCell<Option<(Lang, Memo)>> =
            const { std::cell::RefCell::new(None) };
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let memo = match &mut *seen {
            Some((known, memo)) if *known == lang && memo.len() < MEMO_WORDS => memo,
            _ => &mut seen.insert((lang, HashMap::new())).1,
        };
        if let Some(points) = memo.get(word) {
            return points.clone();
        }
        let points = compute(word, lang);
        memo.insert(word.to_string(), points.clone());
        points
    })
}

/// Hyphenation points by word.
type Memo = HashMap<String, Vec<usize>>;

/// How many words each thread remembers before it starts again.
const MEMO_WORDS: usize = 100_000;

/// [`break_points`] without the memo.
fn compute(word: &str, lang: Lang) -> Vec<usize> {
    let letters = word.chars().count();
    if letters < LEFT_MIN + RIGHT_MIN {
        return Vec::new();
    }
    let mut points = Vec::new();
    let mut offset = 0;
    let mut seen = 0;
    let syllables: Vec<&str> = hypher::hyphenate(word, lang).collect();
    for syllable in &syllables[..syllables.len().saturating_sub(1)] {
        offset += syllable.len();
        seen += syllable.chars().count();
        if seen >= LEFT_MIN && letters - seen >= RIGHT_MIN {
            points.push(offset);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(word: &str) -> String {
        let points = break_points(word, Lang::English);
        let mut out = String::new();
        let mut last = 0;
        for p in points {
            out.push_str(&word[last..p]);
            out.push('-');
            last = p;
        }
        out.push_str(&word[last..]);
        out
    }

    #[test]
    fn hyphenates_with_minimums() {
        assert_eq!(split("hyphenation"), "hy-phen-ation");
        // no break leaving fewer than 3 letters at the end or 2 at the start
        for word in ["governance", "respecting", "ubiquitous", "eradication"] {
            let s = split(word);
            let parts: Vec<&str> = s.split('-').collect();
            assert!(parts.first().unwrap().chars().count() >= 2, "{s}");
            assert!(parts.last().unwrap().chars().count() >= 3, "{s}");
        }
        assert_eq!(split("the"), "the");
        assert_eq!(split("covid-19"), "covid-19");
    }

    #[test]
    fn language_tags() {
        assert!(language("en-GB").is_some());
        assert_eq!(language("de"), Some(Lang::German));
        assert_eq!(language("fr-CA"), Some(Lang::French));
        assert!(language("xx").is_none());
        assert!(language("").is_none());
        // German patterns for a German book
        // Sil-ben-tren-nung
        assert_eq!(break_points("Silbentrennung", Lang::German), [3, 6, 10]);
    }
}
