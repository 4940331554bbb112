//! `book.toml` and YAML front matter: the book's metadata and settings.
//!
//! Every table of quire's denies unknown keys, so a typo is an error that
//! names the file, line and key rather than a setting silently ignored. The
//! tables of an mdBook `book.toml` that belong to mdBook's renderers and
//! preprocessors (`[output.*]`, `[preprocessor.*]`, `[build]`, `[rust]`)
//! are read and left aside, so an mdBook project builds as it is.
//!
//! Front matter is read as pandoc reads it: keys quire has no use for
//! (`toc`, `geometry`, `header-includes` …) are warnings, not errors.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::{Diagnostic, Error, Location, Result};

/// The whole configuration of a book.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Metadata and the chapter list.
    pub book: BookConfig,
    /// Print settings.
    pub pdf: PdfConfig,
    /// E-book settings.
    pub epub: EpubConfig,
    /// The print edition.
    pub print: PrintConfig,
    /// mdBook's renderers (`[output.html]` …): not quire's, left aside.
    pub output: Option<IgnoredAny>,
    /// mdBook's preprocessors: not quire's, left aside.
    pub preprocessor: Option<IgnoredAny>,
    /// mdBook's build settings: not quire's, left aside.
    pub build: Option<IgnoredAny>,
    /// mdBook's Rust settings (edition for the playground): left aside.
    pub rust: Option<IgnoredAny>,
    /// How Markdown is read.
    pub markdown: MarkdownConfig,
}

/// The `[markdown]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct MarkdownConfig {
    /// `commonmark`, `gfm` or `pandoc`; unset: pandoc for `.txt`,
    /// `.markdown` and `.pandoc` files and files that open with YAML front
    /// matter, else commonmark.
    pub flavor: Option<crate::doc::Flavor>,
}

/// The top-level tables of an mdBook `book.toml` that quire leaves aside.
pub const MDBOOK_TABLES: [&str; 4] = ["output", "preprocessor", "build", "rust"];

/// The `[book]` table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct BookConfig {
    /// The title (default: the first chapter's title, else "Untitled").
    pub title: Option<String>,
    /// A subtitle for the title page.
    pub subtitle: Option<String>,
    /// Authors in credit order.
    pub authors: Vec<String>,
    /// BCP 47 language tag (default `en`).
    pub language: String,
    /// A stable identifier such as an ISBN URN; derived from the metadata if absent.
    pub identifier: Option<String>,
    /// The publisher.
    pub publisher: Option<String>,
    /// Publication date, `YYYY` or `YYYY-MM-DD`.
    pub date: Option<String>,
    /// A short description.
    pub description: Option<String>,
    /// Rights statement for the copyright page.
    pub rights: Option<String>,
    /// Chapter files in reading order, relative to the manuscript folder
    /// (default: every `*.md` file of the folder, sorted by name).
    pub chapters: Option<Vec<String>>,
    /// The label above a numbered chapter's title: `"Chapter {n}"` (the
    /// default, in the book's language), `"{n}"`, or `""` for none.
    pub chapter_label: Option<String>,
    /// Keywords for the metadata.
    pub keywords: Vec<String>,
    /// The subject for the metadata.
    pub subject: Option<String>,
    /// An abstract (pandoc's `abstract`), printed after the title page.
    #[serde(rename = "abstract")]
    pub abstract_: Option<String>,
    /// mdBook: the folder of the sources and `SUMMARY.md` (default `src`).
    pub src: Option<String>,
    /// mdBook: whether the book is multilingual (read, not used).
    pub multilingual: Option<bool>,
    /// mdBook: `ltr` or `rtl` (read; the direction follows the language).
    pub text_direction: Option<String>,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: None,
            subtitle: None,
            authors: Vec::new(),
            language: "en".to_string(),
            identifier: None,
            publisher: None,
            date: None,
            description: None,
            rights: None,
            chapters: None,
            chapter_label: None,
            keywords: Vec::new(),
            subject: None,
            abstract_: None,
            src: None,
            multilingual: None,
            text_direction: None,
        }
    }
}

/// The `[pdf]` table.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct PdfConfig {
    /// Trim size: a preset (`6x9in`, `5.5x8.5in`, `a5`, `a4`, `letter`) or
    /// `WIDTHxHEIGHT` with a unit (`mm`, `cm`, `in`, `pt`), e.g. `150x220mm`.
    pub trim: String,
    /// Body text size in points (default: chosen for the trim size).
    pub font_size: Option<f64>,
    /// Baseline-to-baseline distance in points (default: 1.27 × font size).
    pub leading: Option<f64>,
    /// Print the half-title page (default `true`).
    pub half_title: bool,
    /// Print the copyright page (default `true`).
    pub copyright_page: bool,
    /// Print the table of contents (default `true`).
    pub contents: bool,
    /// Print the "Typeset with quire" line on the copyright page (default `true`).
    pub colophon: bool,
    /// Open chapters on any page, not only on rectos (LaTeX's `openany`).
    pub openany: bool,
}

impl Default for PdfConfig {
    fn default() -> Self {
        PdfConfig {
            trim: "6x9in".to_string(),
            font_size: None,
            leading: None,
            half_title: true,
            copyright_page: true,
            contents: true,
            colophon: true,
            openany: false,
        }
    }
}

/// The `[print]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct PrintConfig {
    /// The printer whose preset the print edition follows (`kdp`,
    /// `ingram`, `lulu`, `offset`): `quire build` writes it beside the PDF.
    pub printer: Option<crate::print::Printer>,
}

/// The `[epub]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct EpubConfig {
    /// A cover image (PNG or JPEG) relative to the manuscript folder.
    pub cover: Option<String>,
    /// Whether the embedded fonts are subset to the characters the book
    /// uses (the default); `false` embeds them whole.
    pub subset_fonts: Option<bool>,
}

/// Parses `book.toml` text; `file` names it in errors.
pub fn parse_toml(file: &str, text: &str) -> Result<Config> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let location = Location::at_offset(file, text, offset);
        let key = key_at(text, offset);
        let message = first_line(e.message());
        Error::input(location, with_key(message, key)).with_code("invalid-config")
    })?;
    check_values(&config, file, text, 0)?;
    Ok(config)
}

/// Checks values that parse but make no sense (an unknown trim size, a
/// type size or leading no page can use), pointing at the line where the
/// key is written.
fn check_values(config: &Config, file: &str, text: &str, line_offset: u32) -> Result<()> {
    let error = |key: &str, message: String| {
        // the key's line and column (indented in nested front matter)
        let (line, column) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.trim_start().starts_with(key))
            .map_or((0, 0), |(i, l)| {
                (i as u32 + 1, (l.len() - l.trim_start().len()) as u32 + 1)
            });
        Error::input(Location::new(file, line + line_offset, column), message)
            .with_code("invalid-config")
    };
    if trim_size(&config.pdf.trim).is_none() {
        return Err(error(
            "trim",
            format!(
                "unknown trim size `{}` (key `trim`): use 6x9in, 5.5x8.5in, 5x8in, a5, a4, letter or e.g. 150x220mm",
                config.pdf.trim
            ),
        ));
    }
    if let Some(size) = config.pdf.font_size {
        if !(FONT_SIZES.contains(&size)) {
            return Err(error(
                "font-size",
                format!(
                    "font size {size} (key `font-size`) is out of range: use {} to {} points",
                    FONT_SIZES.start(),
                    FONT_SIZES.end()
                ),
            ));
        }
    }
    if let Some(leading) = config.pdf.leading {
        // against the size given, or the trim size's default
        let width = trim_size(&config.pdf.trim).map_or(432.0, |(w, _)| w);
        let size = config.pdf.font_size.unwrap_or(default_font_size(width));
        if !(size..=size * 3.0).contains(&leading) {
            return Err(error(
                "leading",
                format!(
                    "leading {leading} (key `leading`) is out of range: use {size} to {} points, one to three times the font size",
                    size * 3.0
                ),
            ));
        }
    }
    Ok(())
}

/// The body text size for a page `width` points wide when `font-size` is
/// not given: 11/14 on a 6×9 in page; larger pages get a larger size so
/// the measure stays near 65–75 characters.
pub fn default_font_size(width: f64) -> f64 {
    if width >= 500.0 {
        12.0
    } else if width >= 420.0 {
        11.0
    } else {
        10.5
    }
}

/// The body text sizes a page can use, in points.
pub const FONT_SIZES: std::ops::RangeInclusive<f64> = 5.0..=30.0;

/// Parses YAML front matter (the text between the `---` lines). `line_offset`
/// is the number of lines before the YAML in `file`, so errors point into it.
/// Keys quire does not use are returned as warnings that name them.
pub fn parse_front_matter(
    file: &str,
    yaml: &str,
    line_offset: u32,
) -> Result<(Config, Vec<Diagnostic>)> {
    if yaml.trim().is_empty() {
        return Ok((Config::default(), Vec::new()));
    }
    // Front matter is flat, as pandoc's is: `title: …`, `author: …`. Nested
    // `book:`/`pdf:`/`epub:` tables are accepted as in book.toml.
    let value: FrontMatter = serde_saphyr::from_str(yaml).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 0), |l| (l.line() as u32, l.column() as u32));
        // serde-saphyr starts its message with the place; ours says it already
        let text = e.to_string();
        let message = first_line(strip_place(&text));
        let key = yaml
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .and_then(|l| l.split(':').next())
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty());
        Error::input(
            Location::new(file, line + line_offset, column),
            with_key(message, key),
        )
        .with_code("invalid-front-matter")
    })?;
    let warnings = value
        .unused
        .keys()
        .map(|key| {
            let line = yaml
                .lines()
                .position(|l| {
                    l.strip_prefix(key.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
                .map_or(0, |i| i as u32 + 1);
            Diagnostic::warning(
                "unused-front-matter",
                Location::new(file, line + line_offset, u32::from(line > 0)),
                format!("front matter key `{key}` is not used by quire; it is left aside"),
            )
        })
        .collect();
    let config = value.into_config();
    check_values(&config, file, yaml, line_offset)
        .map_err(|e| e.with_code("invalid-front-matter"))?;
    Ok((config, warnings))
}

/// Front matter keys: pandoc's metadata fields, the `[book]` keys at top
/// level, and optional `pdf`/`epub` tables. Anything else is collected in
/// `unused` and reported.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct FrontMatter {
    title: Option<String>,
    subtitle: Option<String>,
    author: Option<People>,
    authors: Option<People>,
    language: Option<String>,
    lang: Option<String>,
    identifier: Option<Identifier>,
    publisher: Option<String>,
    date: Option<String>,
    description: Option<String>,
    #[serde(rename = "abstract")]
    abstract_: Option<String>,
    keywords: Option<Words>,
    subject: Option<Words>,
    rights: Option<String>,
    cover_image: Option<String>,
    chapter_label: Option<String>,
    pdf: PdfConfig,
    epub: EpubConfig,
    markdown: MarkdownConfig,
    #[serde(flatten)]
    unused: std::collections::BTreeMap<String, IgnoredAny>,
}

/// `author:` as pandoc takes it: one name, a list of names, or a list of
/// `{name: …}` maps (other fields of the map, such as `affiliation`, are
/// left aside).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum People {
    One(String),
    Many(Vec<Person>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Person {
    Name(String),
    Entry {
        name: String,
        #[serde(flatten)]
        _rest: std::collections::BTreeMap<String, IgnoredAny>,
    },
}

impl People {
    fn names(self) -> Vec<String> {
        match self {
            People::One(name) => vec![name],
            People::Many(list) => list
                .into_iter()
                .map(|p| match p {
                    Person::Name(name) | Person::Entry { name, .. } => name,
                })
                .collect(),
        }
    }
}

/// `keywords:` and `subject:`: a string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    fn list(self) -> Vec<String> {
        match self {
            Words::One(w) => w
                .split(',')
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty())
                .collect(),
            Words::Many(list) => list,
        }
    }
}

/// `identifier:` as a string, or pandoc's list of `{scheme, text}` (the
/// first is used).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Identifier {
    One(String),
    Many(Vec<IdentifierEntry>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdentifierEntry {
    Text(String),
    Entry {
        text: String,
        #[serde(flatten)]
        _rest: std::collections::BTreeMap<String, IgnoredAny>,
    },
}

impl FrontMatter {
    fn into_config(self) -> Config {
        let mut authors = self.author.map(People::names).unwrap_or_default();
        authors.extend(self.authors.map(People::names).unwrap_or_default());
        let identifier = self.identifier.and_then(|i| match i {
            Identifier::One(s) => Some(s),
            Identifier::Many(list) => list.into_iter().next().map(|e| match e {
                IdentifierEntry::Text(t) | IdentifierEntry::Entry { text: t, .. } => t,
            }),
        });
        let mut epub = self.epub;
        if epub.cover.is_none() {
            epub.cover = self.cover_image;
        }
        Config {
            book: BookConfig {
                title: self.title,
                subtitle: self.subtitle,
                authors,
                language: self
                    .language
                    .or(self.lang)
                    .unwrap_or_else(|| "en".to_string()),
                identifier,
                publisher: self.publisher,
                date: self.date,
                description: self
                    .description
                    .or(self.abstract_.clone())
                    .map(|d| d.trim().to_string()),
                abstract_: self.abstract_.map(|a| a.trim().to_string()),
                keywords: self.keywords.map(Words::list).unwrap_or_default(),
                subject: self.subject.map(|s| s.list().join(", ")),
                rights: self.rights,
                chapter_label: self.chapter_label,
                ..BookConfig::default()
            },
            pdf: self.pdf,
            epub,
            markdown: self.markdown,
            ..Config::default()
        }
    }
}

/// `line 2 column 1: unknown field` → `unknown field`.
fn strip_place(message: &str) -> &str {
    let rest = message.trim_start();
    let rest = rest.strip_prefix("error: ").unwrap_or(rest);
    if let Some(after) = rest.strip_prefix("line ") {
        if let Some((place, tail)) = after.split_once(": ") {
            if place
                .split_whitespace()
                .all(|w| w == "column" || w.chars().all(|c| c.is_ascii_digit() || c == ','))
            {
                return tail;
            }
        }
    }
    rest
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

fn with_key(message: String, key: Option<String>) -> String {
    match key {
        Some(key) if !message.contains(&format!("`{key}`")) => format!("{message} (key `{key}`)"),
        _ => message,
    }
}

/// The key on the line of `offset` (`key = value`), if that line has one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// Parses `WIDTHxHEIGHTunit` or a preset name into points.
pub fn trim_size(spec: &str) -> Option<(f64, f64)> {
    let spec = spec.trim().to_ascii_lowercase();
    let preset = match spec.as_str() {
        "6x9in" | "6x9" => Some((432.0, 648.0)),
        "5.5x8.5in" | "5.5x8.5" => Some((396.0, 612.0)),
        "5x8in" | "5x8" => Some((360.0, 576.0)),
        "a5" => Some((419.53, 595.28)),
        "a4" => Some((595.28, 841.89)),
        "letter" | "us-letter" | "8.5x11in" => Some((612.0, 792.0)),
        _ => None,
    };
    if preset.is_some() {
        return preset;
    }
    let (unit, factor) = [
        ("mm", 72.0 / 25.4),
        ("cm", 72.0 / 2.54),
        ("in", 72.0),
        ("pt", 1.0),
    ]
    .into_iter()
    .find(|(u, _)| spec.ends_with(u))?;
    let (w, h) = spec.trim_end_matches(unit).split_once('x')?;
    let (w, h): (f64, f64) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    let ok = |v: f64| v.is_finite() && (72.0..=72.0 * 40.0).contains(&(v * factor));
    (ok(w) && ok(h)).then_some((w * factor, h * factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "[book]\ntitle = \"A\"\ntitel = \"B\"\n";
        let err = parse_toml("book.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("book.toml:3:1: "), "{err}");
        assert!(err.contains("titel"), "{err}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let text = "[book]\ntitle = \"A\"\nauthors = \"Jane\"\n";
        let err = parse_toml("book.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("book.toml:3:"), "{err}");
        assert!(err.contains("authors"), "{err}");
    }

    #[test]
    fn font_size_and_leading_out_of_range_point_at_their_line() {
        let err = |text: &str| parse_toml("book.toml", text).unwrap_err().to_string();
        let e = err("[book]\ntitle = \"A\"\n[pdf]\nfont-size = 300\n");
        assert!(e.starts_with("book.toml:4:1: font size 300"), "{e}");
        let e = err("[pdf]\nfont-size = nan\n");
        assert!(e.starts_with("book.toml:2:1: font size NaN"), "{e}");
        let e = err("[pdf]\nfont-size = 10\nleading = 8\n");
        assert!(e.starts_with("book.toml:3:1: leading 8"), "{e}");
        // without a size, against the trim's default (12 pt on A4)
        let e = err("[pdf]\ntrim = \"a4\"\nleading = 11\n");
        assert!(e.contains("use 12 to 36 points"), "{e}");
        for fine in [
            "[pdf]\nfont-size = 10\nleading = 12\n",
            "[pdf]\nleading = 14\n",
        ] {
            assert!(parse_toml("book.toml", fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn unknown_trim_points_at_its_line() {
        let err = parse_toml(
            "book.toml",
            "[book]\ntitle = \"T\"\n[pdf]\ntrim = \"huge\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("book.toml:4:1: unknown trim size `huge`"),
            "{err}"
        );
        assert_eq!(trim_size("150x220mm").map(|(w, _)| w.round()), Some(425.0));
        assert_eq!(
            trim_size("a5").map(|(w, h)| (w.round(), h.round())),
            Some((420.0, 595.0))
        );
        assert!(trim_size("0x0in").is_none());
    }

    #[test]
    fn front_matter_errors_say_their_place_once() {
        let err = parse_front_matter("a.md", "title: T\nauthor: [1, {x: 2}]\n", 1)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("line 2 column"), "{err}");
        assert!(err.starts_with("a.md:"), "{err}");
    }

    #[test]
    fn defaults_apply() {
        let config = parse_toml("book.toml", "[book]\ntitle = \"T\"\n").unwrap();
        assert_eq!(config.book.language, "en");
        assert_eq!(config.pdf.trim, "6x9in");
    }

    #[test]
    fn front_matter_reads_pandoc_keys() {
        let (config, _) =
            parse_front_matter("a.md", "title: T\nauthor: Jane Roe\nlang: fr\n", 1).unwrap();
        assert_eq!(config.book.title.as_deref(), Some("T"));
        assert_eq!(config.book.authors, vec!["Jane Roe".to_string()]);
        assert_eq!(config.book.language, "fr");
    }

    #[test]
    fn front_matter_unknown_keys_are_warnings_naming_them() {
        let (config, warnings) =
            parse_front_matter("a.md", "title: T\ntoc: true\ngeometry: margin=1in\n", 1).unwrap();
        assert_eq!(config.book.title.as_deref(), Some("T"));
        let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("a.md:4:1") && text[0].contains("`geometry`"),
            "{text:?}"
        );
        assert!(
            text[1].contains("a.md:3:1") && text[1].contains("`toc`"),
            "{text:?}"
        );
    }

    #[test]
    fn front_matter_reads_pandoc_author_lists_and_metadata() {
        let yaml = "title: T\nauthor:\n  - name: Ann Lee\n    affiliation: X\n  - Bo Chen\nabstract: |\n  Short.\nkeywords: [a, b]\nsubject: S\ncover-image: c.png\nidentifier:\n  - scheme: ISBN\n    text: 978-1\n";
        let (config, warnings) = parse_front_matter("a.md", yaml, 1).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.book.authors, ["Ann Lee", "Bo Chen"]);
        assert_eq!(config.book.keywords, ["a", "b"]);
        assert_eq!(config.book.subject.as_deref(), Some("S"));
        assert_eq!(config.book.abstract_.as_deref(), Some("Short."));
        assert_eq!(config.book.description.as_deref(), Some("Short."));
        assert_eq!(config.book.identifier.as_deref(), Some("978-1"));
        assert_eq!(config.epub.cover.as_deref(), Some("c.png"));
    }

    #[test]
    fn mdbook_tables_are_left_aside_but_quire_tables_deny_unknown_keys() {
        let text = "[book]\ntitle = \"T\"\nsrc = \"src\"\nmultilingual = false\n[output.html]\ngit-repository-url = \"x\"\n[output.html.playground]\nrunnable = false\n[preprocessor.foo]\ncommand = \"x\"\n[build]\nbuild-dir = \"b\"\n[rust]\nedition = \"2021\"\n";
        let config = parse_toml("book.toml", text).unwrap();
        assert_eq!(config.book.src.as_deref(), Some("src"));
        assert!(config.output.is_some() && config.preprocessor.is_some());
        let err = parse_toml("book.toml", "[pdf]\ntrimm = \"a5\"\n").unwrap_err();
        assert!(err.to_string().contains("trimm"), "{err}");
    }
}
