//! The structure of a book: which chapters are front matter, body,
//! appendices, parts or back matter, and the labels both writers print
//! ("Chapter 3", "Part II", "Appendix A").
//!
//! The rules follow what book authors expect from LaTeX's book class and
//! pandoc: `{-}`/`{.unnumbered}` unnumber a chapter; `{.part}` makes a part;
//! `{.appendix}` (or a part titled "Appendix"/"Appendices") starts lettered
//! appendices; `{.backmatter}` ends the numbered chapters (as LaTeX's
//! `\backmatter`); `{.frontmatter}`, `{.dedication}`, `{.epigraph}` say what
//! they are. Conventional front- and back-matter titles (Foreword, Preface,
//! Acknowledgments, Glossary …) are unnumbered as in any printed book, and a
//! title that carries its own number ("Chapter 1: …", "1. Introduction")
//! gets no second one.

use crate::doc::{letters, plain_text, roman, Chapter, Division};

/// The words of the labels in a language: chapter, part and appendix
/// templates (`{n}` is the number or letter).
fn words(language: &str) -> (&'static str, &'static str, &'static str) {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "de" => ("Kapitel {n}", "Teil {n}", "Anhang {n}"),
        "fr" => ("Chapitre {n}", "Partie {n}", "Annexe {n}"),
        "es" => ("Capítulo {n}", "Parte {n}", "Apéndice {n}"),
        "it" => ("Capitolo {n}", "Parte {n}", "Appendice {n}"),
        "pt" => ("Capítulo {n}", "Parte {n}", "Apêndice {n}"),
        "nl" => ("Hoofdstuk {n}", "Deel {n}", "Bijlage {n}"),
        "sv" => ("Kapitel {n}", "Del {n}", "Bilaga {n}"),
        "da" => ("Kapitel {n}", "Del {n}", "Bilag {n}"),
        "nb" | "nn" | "no" => ("Kapittel {n}", "Del {n}", "Vedlegg {n}"),
        "fi" => ("Luku {n}", "Osa {n}", "Liite {n}"),
        "pl" => ("Rozdział {n}", "Część {n}", "Dodatek {n}"),
        "cs" => ("Kapitola {n}", "Část {n}", "Příloha {n}"),
        "ru" => ("Глава {n}", "Часть {n}", "Приложение {n}"),
        "uk" => ("Розділ {n}", "Частина {n}", "Додаток {n}"),
        "tr" => ("Bölüm {n}", "Kısım {n}", "Ek {n}"),
        "ja" | "zh" => ("第{n}章", "第{n}部", "付録{n}"),
        _ => ("Chapter {n}", "Part {n}", "Appendix {n}"),
    }
}

/// Titles that are front or back matter in any printed book (compared in
/// lower case, the whole title).
const UNNUMBERED_TITLES: &[&str] = &[
    "foreword",
    "preface",
    "prologue",
    "epilogue",
    "afterword",
    "acknowledgments",
    "acknowledgements",
    "acknowledgment",
    "acknowledgement",
    "dedication",
    "about the author",
    "about the authors",
    "glossary",
    "bibliography",
    "references",
    "index",
    "colophon",
    "notes",
    "endnotes",
    "further reading",
    "vorwort",
    "préface",
    "avant-propos",
    "prefacio",
    "prólogo",
    "prefazione",
    "literaturverzeichnis",
    "bibliographie",
    "bibliografía",
];

/// Words that start a title carrying its own number: the label words of
/// every language above, in lower case.
const LABEL_WORDS: &[&str] = &[
    "chapter",
    "part",
    "appendix",
    "kapitel",
    "teil",
    "anhang",
    "chapitre",
    "partie",
    "annexe",
    "capítulo",
    "parte",
    "apéndice",
    "capitolo",
    "appendice",
    "apêndice",
    "hoofdstuk",
    "deel",
    "bijlage",
    "del",
    "bilaga",
    "bilag",
    "kapittel",
    "vedlegg",
    "luku",
    "osa",
    "liite",
    "rozdział",
    "część",
    "dodatek",
    "kapitola",
    "část",
    "příloha",
    "глава",
    "часть",
    "приложение",
    "розділ",
    "частина",
    "додаток",
    "bölüm",
    "kısım",
    "ek",
    "book",
    "lesson",
    "unit",
];

/// Spelled-out numbers a title may give ("Chapter One").
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "last",
    "final",
];

/// Whether a title carries its own number: "Chapter 1: …", "Part II",
/// "Appendix B", "Chapter One", "1. Introduction", "2.3 Results".
pub fn self_numbered(title: &str) -> bool {
    let title = title.trim();
    // "1. Introduction", "12 Results", "2.3: Method"
    let digits: String = title
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if digits.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        // a number alone ("1984 Revisited") is a title; "1." or "2.3" numbers it
        let rest = &title[digits.len()..];
        return digits.contains('.') && (rest.is_empty() || rest.starts_with([' ', '\u{a0}', ':']))
            || rest.starts_with([':', ')']);
    }
    let mut words = title.split_whitespace();
    let (Some(first), Some(second)) = (words.next(), words.next()) else {
        return false;
    };
    if !LABEL_WORDS.contains(&first.to_lowercase().as_str()) {
        return false;
    }
    let number = second.trim_end_matches([':', '.', ',', '\u{2014}', '\u{2013}', '-']);
    let is_roman = !number.is_empty() && number.chars().all(|c| "IVXLCDM".contains(c));
    let is_letter = number.chars().count() == 1 && number.chars().all(char::is_alphabetic);
    number.chars().all(|c| c.is_ascii_digit() || c == '.') && !number.is_empty()
        || is_roman
        || (is_letter && number.chars().all(char::is_uppercase))
        || NUMBER_WORDS.contains(&number.to_lowercase().as_str())
}

/// Gives each chapter its division, label and running head. `shorts` are
/// the headings' `short` attributes, one per chapter; `chapter_label` is
/// `[book] chapter-label` (`None`: the language's own word).
pub fn assign(
    chapters: &mut [Chapter],
    shorts: &[Option<String>],
    chapter_label: Option<&str>,
    language: &str,
) {
    let (chapter_word, part_word, appendix_word) = words(language);
    let chapter_word = chapter_label.unwrap_or(chapter_word);
    let labelled = chapters.len() > 1;
    let (mut in_appendix, mut in_back, mut numbered_seen) = (false, false, false);
    let (mut chapter_n, mut part_n, mut appendix_n) = (0usize, 0usize, 0usize);
    for (chapter, short) in chapters.iter_mut().zip(shorts) {
        let has = |c: &str| chapter.classes.iter().any(|x| x == c);
        let title = plain_text(&chapter.title);
        let lower = title.trim().to_lowercase();
        if has("part") {
            chapter.division = Division::Part;
        } else if has("dedication") {
            chapter.division = Division::Dedication;
        } else if has("epigraph") {
            chapter.division = Division::Epigraph;
        } else if has("frontmatter") {
            chapter.division = Division::Front;
        }
        if has("backmatter") {
            in_back = true;
        }
        if chapter.division == Division::Part {
            in_appendix = has("appendix")
                || matches!(
                    lower.as_str(),
                    "appendix" | "appendices" | "anhang" | "annexes"
                );
        } else if has("appendix") {
            in_appendix = true;
        }
        if chapter.division == Division::Chapter {
            let conventional = labelled && UNNUMBERED_TITLES.contains(&lower.as_str());
            chapter.division = if in_back {
                Division::Back
            } else if conventional && !has("appendix") {
                if numbered_seen {
                    Division::Back
                } else {
                    Division::Front
                }
            } else if in_appendix || lower.starts_with("appendix") {
                in_appendix = true;
                Division::Appendix
            } else {
                Division::Chapter
            };
        }
        let unnumbered = has("unnumbered") || chapter.title.is_empty();
        let own_number = self_numbered(&title);
        let fill = |template: &str, n: &str| template.replace("{n}", n);
        chapter.label = match chapter.division {
            Division::Part => {
                part_n += 1;
                (!unnumbered && !own_number).then(|| fill(part_word, &roman(part_n).to_uppercase()))
            }
            Division::Chapter if !unnumbered => {
                chapter_n += 1;
                numbered_seen = true;
                (labelled && !own_number && !chapter_word.trim().is_empty())
                    .then(|| fill(chapter_word, &chapter_n.to_string()))
            }
            Division::Appendix if !unnumbered => {
                appendix_n += 1;
                (!own_number).then(|| fill(appendix_word, &letters(appendix_n).to_uppercase()))
            }
            _ => None,
        };
        let short = match short {
            Some(s) if !s.trim().is_empty() => s.trim().to_string(),
            _ => match title.split_once(':') {
                Some((before, _)) if !before.trim().is_empty() && !own_number => {
                    before.trim().to_string()
                }
                Some((_, after)) if own_number && !after.trim().is_empty() => {
                    after.trim().to_string()
                }
                _ => title.trim().to_string(),
            },
        };
        chapter.short_title = match (&chapter.division, &chapter.label) {
            (Division::Appendix, Some(label)) => format!("{label}. {short}"),
            _ => short,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Inline;

    fn chapter(title: &str, classes: &[&str]) -> Chapter {
        Chapter {
            title: vec![Inline::Text {
                text: title.to_string(),
            }],
            classes: classes.iter().map(|c| c.to_string()).collect(),
            ..Chapter::default()
        }
    }

    #[test]
    fn numbers_count_only_numbered_chapters() {
        let mut chapters = vec![
            chapter("Foreword", &[]),
            chapter("Introduction", &["unnumbered"]),
            chapter("Getting Started", &[]),
            chapter("Chapter 2: Guessing Game", &[]),
            chapter("Common Concepts: Variables", &[]),
            chapter("Appendix", &["part"]),
            chapter("Keywords", &[]),
            chapter("Operators", &[]),
            chapter("Glossary", &[]),
        ];
        let shorts = vec![None; chapters.len()];
        assign(&mut chapters, &shorts, None, "en");
        let got: Vec<(Division, Option<String>, String)> = chapters
            .iter()
            .map(|c| (c.division, c.label.clone(), c.short_title.clone()))
            .collect();
        let want = [
            (Division::Front, None, "Foreword"),
            (Division::Chapter, None, "Introduction"),
            (Division::Chapter, Some("Chapter 1"), "Getting Started"),
            (Division::Chapter, None, "Guessing Game"),
            (Division::Chapter, Some("Chapter 3"), "Common Concepts"),
            (Division::Part, Some("Part I"), "Appendix"),
            (
                Division::Appendix,
                Some("Appendix A"),
                "Appendix A. Keywords",
            ),
            (
                Division::Appendix,
                Some("Appendix B"),
                "Appendix B. Operators",
            ),
            (Division::Back, None, "Glossary"),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1.as_deref(), g.2.as_str()), w);
        }
    }

    #[test]
    fn labels_follow_the_language_and_the_setting() {
        let mut chapters = vec![chapter("Eins", &[]), chapter("Zwei", &[])];
        assign(&mut chapters, &[None, None], None, "de-DE");
        assert_eq!(chapters[1].label.as_deref(), Some("Kapitel 2"));
        assign(&mut chapters, &[None, Some("Kurz".into())], Some(""), "de");
        assert_eq!(chapters[1].label, None);
        assert_eq!(chapters[1].short_title, "Kurz");
    }

    #[test]
    fn titles_with_their_own_numbers() {
        for t in [
            "Chapter 1: On Prosperity",
            "1. Introduction",
            "2.3 Results",
            "Part II",
            "Chapter One",
            "Appendix B: Tables",
        ] {
            assert!(self_numbered(t), "{t}");
        }
        for t in [
            "Getting Started",
            "1984 Revisited",
            "Chapters of Life",
            "Part of the Story",
        ] {
            assert!(!self_numbered(t), "{t}");
        }
        assert_eq!(roman(14), "xiv");
        assert_eq!(letters(27), "aa");
    }
}
