//! The document tree: one format-neutral representation of a book that both
//! writers consume.
//!
//! The Markdown reader ([`crate::markdown`]) builds it; the typesetter
//! ([`crate::typeset`]) lays it out for the PDF and the EPUB writer
//! ([`crate::epub`]) serialises it as XHTML. It depends on nothing else in the
//! crate, and `quire tree` prints it as JSON (`serde::Serialize`).
//!
//! Every [`Block`] carries a stable [`Block::id`] (unique across the book) and
//! the source position it came from, so that links, page maps and diagnostics
//! can point at it.

use serde::Serialize;

pub mod direction;
pub(crate) mod walk;
pub mod words;
pub use walk::{
    block_inlines, book_images, cited_notes, cited_notes_in, plain_text, walk_blocks, walk_inlines,
    ImageUse,
};

/// A whole book: metadata, the source files it was read from and its chapters.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Book {
    /// Title, authors, language and the other descriptive metadata.
    pub meta: Metadata,
    /// The source files, in reading order; [`Pos::file`] indexes this list.
    pub files: Vec<String>,
    /// The Markdown flavor each source file was read as (parallel to the
    /// first entries of `files`).
    pub flavors: Vec<Flavor>,
    /// The chapters in reading order. Each starts on a new page in print.
    pub chapters: Vec<Chapter>,
}

/// Descriptive metadata of a book (from `book.toml` or YAML front matter).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metadata {
    /// The book's title.
    pub title: String,
    /// An optional subtitle.
    pub subtitle: Option<String>,
    /// Authors, in the order they are credited.
    pub authors: Vec<String>,
    /// The language as a BCP 47 tag, e.g. `en` or `en-GB`.
    pub language: String,
    /// A stable identifier (ISBN, URN, URL); derived from the metadata when absent.
    pub identifier: Option<String>,
    /// The publisher.
    pub publisher: Option<String>,
    /// Publication date (ISO 8601, `YYYY` or `YYYY-MM-DD`).
    pub date: Option<String>,
    /// A short description of the book.
    pub description: Option<String>,
    /// The rights statement (copyright line, licence).
    pub rights: Option<String>,
    /// Keywords (pandoc's `keywords`), for the PDF's and the EPUB's metadata.
    pub keywords: Vec<String>,
    /// The subject (pandoc's `subject`).
    pub subject: Option<String>,
}

/// A position in a source file, 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Index into [`Book::files`].
    pub file: u32,
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub col: u32,
}

/// A chapter: what a level-1 heading opens (or an untitled run of text).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Chapter {
    /// Stable id of the chapter (its heading's id, or `chapter-N` when untitled).
    pub id: String,
    /// The chapter title; empty for an untitled chapter.
    pub title: Vec<Inline>,
    /// Classes from the heading's attributes (`{.unnumbered}` and the like).
    pub classes: Vec<String>,
    /// What kind of division of the book this is.
    pub division: Division,
    /// The label set above the title: "Chapter 3", "Appendix A", "Part II";
    /// `None` when the division is unnumbered (or its title carries its own
    /// number). Both writers print this same label.
    pub label: Option<String>,
    /// The running head: the heading's `short` attribute, else the title up
    /// to a colon.
    pub short_title: String,
    /// Where the chapter starts.
    pub pos: Pos,
    /// The chapter's body (the level-1 heading itself is not repeated here).
    pub blocks: Vec<Block>,
    /// The notes referenced in this chapter, in order of first reference;
    /// [`Inline::FootnoteRef::number`] is the 1-based index into this list.
    pub footnotes: Vec<Footnote>,
}

/// The kinds of division a book is made of, in the order books have them.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Division {
    /// A chapter of the body (numbered unless `{-}`/`{.unnumbered}`).
    #[default]
    Chapter,
    /// Front matter: a foreword, preface or introduction before the first
    /// numbered chapter (unnumbered; mdBook's prefix chapters).
    Front,
    /// A part title page grouping the chapters after it (`{.part}`, or a
    /// part title in mdBook's SUMMARY.md).
    Part,
    /// An appendix, lettered (`{.appendix}`, or after an "Appendix" part).
    Appendix,
    /// Back matter after the last chapter (`{.backmatter}`, mdBook's suffix
    /// chapters): unnumbered.
    Back,
    /// A dedication page (`{.dedication}`): no title, not in the contents.
    Dedication,
    /// An epigraph page (`{.epigraph}`): no title, not in the contents.
    Epigraph,
}

impl Division {
    /// Whether the division is listed in the table of contents.
    pub fn in_contents(self) -> bool {
        !matches!(self, Division::Dedication | Division::Epigraph)
    }

    /// Whether the division's title is printed on its opening page.
    pub fn shows_title(self) -> bool {
        self.in_contents()
    }
}

/// A footnote's content.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Footnote {
    /// Stable id of the note (the target of its reference).
    pub id: String,
    /// The label used in the Markdown (`[^label]`).
    pub label: String,
    /// Where the definition is.
    pub pos: Pos,
    /// The note's content.
    pub blocks: Vec<Block>,
}

/// A block-level node with its stable id and source position.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Block {
    /// Unique across the book. Headings keep their explicit or derived id;
    /// other blocks get a generated one (`b-<chapter>-<n>`).
    pub id: String,
    /// Where the block starts in its source file.
    pub pos: Pos,
    /// What the block is.
    pub kind: BlockKind,
}

/// The kinds of block.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockKind {
    /// A section heading below chapter level (level 2–6).
    Heading {
        /// 2 to 6 (level 1 opens a [`Chapter`]).
        level: u8,
        /// Classes from `{.class}` attributes.
        classes: Vec<String>,
        /// The heading text.
        content: Vec<Inline>,
    },
    /// A paragraph of running text.
    Paragraph {
        /// The text.
        content: Vec<Inline>,
    },
    /// A quotation set off from the text.
    BlockQuote {
        /// The quoted blocks.
        blocks: Vec<Block>,
    },
    /// A bulleted, numbered or task list.
    List {
        /// `Some(n)` for an ordered list starting at `n`, `None` for bullets.
        start: Option<u64>,
        /// How an ordered list's items are numbered (pandoc's fancy lists).
        #[serde(skip_serializing_if = "Numbering::is_decimal")]
        numbering: Numbering,
        /// A tight list has no blank lines between its items.
        tight: bool,
        /// The items.
        items: Vec<ListItem>,
    },
    /// Preformatted code.
    CodeBlock {
        /// The language from the info string (` ```rust `), if any.
        lang: Option<String>,
        /// The code, each line ending in `\n`.
        code: String,
    },
    /// A table with a header row (an empty one when the table has none).
    Table {
        /// The caption (`Table: …`), empty when there is none.
        caption: Vec<Inline>,
        /// Body cells that span several rows or columns (pandoc's grid
        /// tables); the cells they cover are empty in `rows`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        spans: Vec<CellSpan>,
        /// One alignment per column.
        aligns: Vec<Align>,
        /// The header cells.
        head: Vec<Vec<Inline>>,
        /// The body rows, each a list of cells.
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// An image standing alone in its paragraph, with a caption.
    Figure {
        /// The image file, relative to the manuscript folder (or a URL).
        src: String,
        /// Alternative text (plain), empty when the author gave none.
        alt: String,
        /// The caption (the image's description).
        caption: Vec<Inline>,
        /// The size the author asked for (`{width=50%}`); natural when none.
        #[serde(default, skip_serializing_if = "ImageSize::is_natural")]
        size: ImageSize,
    },
    /// A scene break (`***`).
    ThematicBreak,
    /// Terms and their definitions.
    DefinitionList {
        /// The entries.
        items: Vec<DefinitionItem>,
    },
    /// Raw HTML. The reader makes none (it reads the HTML authors write
    /// into the other nodes), and both writers leave it out, so that the
    /// outputs never disagree about what is in the book.
    RawHtml {
        /// The HTML source.
        html: String,
    },
    /// Display math, kept as TeX source.
    Math {
        /// The TeX source between `$$ … $$`.
        source: String,
    },
    /// A fenced div (`::: {.class lang=xx}`) or HTML's `<div>` (and
    /// `<section>`, `<aside>` …; `<details>` has the class `details`, its
    /// `<summary>` a bold paragraph first): its blocks, grouped; known
    /// classes are styled, others are a plain block.
    Div {
        /// Classes from the attributes.
        classes: Vec<String>,
        /// The language of the content (`lang=` attribute), if given.
        lang: Option<String>,
        /// The writing direction of the content (`dir=rtl`, `ltr` or
        /// `auto`), if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dir: Option<String>,
        /// The content.
        blocks: Vec<Block>,
    },
    /// A callout: a GitHub alert (`> [!NOTE]`) or a div of class `note`,
    /// `tip`, `important`, `warning` or `caution`.
    Callout {
        /// Which kind of callout.
        kind: CalloutKind,
        /// The content.
        blocks: Vec<Block>,
    },
    /// A forced page break in print (`\newpage`, `\pagebreak`, or a
    /// `<div style="page-break-before: always">`).
    PageBreak,
}

/// The kinds of callout (GitHub's alert kinds).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CalloutKind {
    /// Useful information.
    Note,
    /// Helpful advice.
    Tip,
    /// Key information.
    Important,
    /// Urgent information that needs attention.
    Warning,
    /// Advice about risks or negative outcomes.
    Caution,
}

impl CalloutKind {
    /// The kind named by an alert marker or a class (`note`, `callout-tip` …).
    pub fn from_name(name: &str) -> Option<CalloutKind> {
        let name = name.strip_prefix("callout-").unwrap_or(name);
        Some(match name.to_ascii_lowercase().as_str() {
            "note" => CalloutKind::Note,
            "tip" | "hint" => CalloutKind::Tip,
            "important" => CalloutKind::Important,
            "warning" => CalloutKind::Warning,
            "caution" | "danger" => CalloutKind::Caution,
            _ => return None,
        })
    }

    /// The English title printed at the callout's head.
    pub fn title(self) -> &'static str {
        match self {
            CalloutKind::Note => "Note",
            CalloutKind::Tip => "Tip",
            CalloutKind::Important => "Important",
            CalloutKind::Warning => "Warning",
            CalloutKind::Caution => "Caution",
        }
    }

    /// The class name in the EPUB (`note`, `tip` …).
    pub fn class(self) -> &'static str {
        match self {
            CalloutKind::Note => "note",
            CalloutKind::Tip => "tip",
            CalloutKind::Important => "important",
            CalloutKind::Warning => "warning",
            CalloutKind::Caution => "caution",
        }
    }
}

/// How an ordered list is numbered (pandoc's `fancy_lists`,
/// `example_lists`).
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    /// 1, 2, 3.
    #[default]
    Decimal,
    /// a, b, c.
    LowerAlpha,
    /// A, B, C.
    UpperAlpha,
    /// i, ii, iii.
    LowerRoman,
    /// I, II, III.
    UpperRoman,
    /// (1), (2): pandoc's example lists, numbered on through the book.
    Example,
}

impl Numbering {
    /// Whether this is plain decimal numbering.
    pub fn is_decimal(&self) -> bool {
        *self == Numbering::Decimal
    }

    /// The label of item number `n` (`b.`, `iv.`, `(3)`).
    pub fn label(self, n: u64) -> String {
        // (a label of a list a tree starts at u64::MAX stays short)
        let n = n.min(100_000);
        match self {
            Numbering::Decimal => format!("{n}."),
            Numbering::LowerAlpha => format!("{}.", letters(n as usize)),
            Numbering::UpperAlpha => format!("{}.", letters(n as usize).to_uppercase()),
            Numbering::LowerRoman => format!("{}.", roman(n as usize)),
            Numbering::UpperRoman => format!("{}.", roman(n as usize).to_uppercase()),
            Numbering::Example => format!("({n})"),
        }
    }

    /// The HTML `type` of an `<ol>` with this numbering, if not decimal.
    pub fn html_type(self) -> Option<&'static str> {
        match self {
            Numbering::LowerAlpha => Some("a"),
            Numbering::UpperAlpha => Some("A"),
            Numbering::LowerRoman => Some("i"),
            Numbering::UpperRoman => Some("I"),
            _ => None,
        }
    }
}

/// `n` in lower-case roman numerals (`xiv`): front-matter folios, roman
/// list labels, part numbers (upper-cased).
pub fn roman(mut n: usize) -> String {
    const TABLE: [(usize, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

/// `n` in lower-case letters: `a` … `z`, then `aa`, `ab` … (alphabetic
/// list labels, appendix letters upper-cased).
pub fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    out.iter().rev().collect()
}

/// The Markdown a file is read as: where pandoc and CommonMark read the same
/// text differently (`(ii) text`, `| verse`, a simple table), this decides.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// CommonMark with the extensions quire reads in every file (tables,
    /// footnotes, spans, divs, alerts, attributes …).
    #[default]
    Commonmark,
    /// GitHub's Markdown: the same as `commonmark` for quire.
    Gfm,
    /// pandoc's Markdown: also fancy and example lists, line blocks,
    /// simple, multiline and grid tables, table captions, inline notes.
    Pandoc,
}

/// A table cell that spans rows or columns.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct CellSpan {
    /// Its row in the table's body, from 0.
    pub row: usize,
    /// Its column, from 0.
    pub col: usize,
    /// How many rows it covers (at least 1).
    pub rows: usize,
    /// How many columns it covers (at least 1).
    pub cols: usize,
}

/// Column alignment in a table.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// No alignment given (set as left).
    None,
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// One item of a list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ListItem {
    /// `Some(true)`/`Some(false)` for a checked/unchecked task, `None` otherwise.
    pub checked: Option<bool>,
    /// The item's content.
    pub blocks: Vec<Block>,
}

/// One entry of a definition list.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DefinitionItem {
    /// The term being defined.
    pub term: Vec<Inline>,
    /// One or more definitions.
    pub definitions: Vec<Vec<Block>>,
}

/// Inline content: text and its markup.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    /// Plain text (already with smart punctuation applied).
    Text {
        /// The characters.
        text: String,
    },
    /// Emphasis, usually italic.
    Emph {
        /// What is emphasised.
        content: Vec<Inline>,
    },
    /// Strong emphasis, usually bold.
    Strong {
        /// What is emphasised.
        content: Vec<Inline>,
    },
    /// Struck-out text.
    Strikethrough {
        /// What is struck out.
        content: Vec<Inline>,
    },
    /// Superscript.
    Superscript {
        /// What is raised.
        content: Vec<Inline>,
    },
    /// Subscript.
    Subscript {
        /// What is lowered.
        content: Vec<Inline>,
    },
    /// Inline code.
    Code {
        /// The code.
        code: String,
    },
    /// A hyperlink.
    Link {
        /// Where it points.
        target: LinkTarget,
        /// The link title, if any.
        title: String,
        /// The link text.
        content: Vec<Inline>,
        /// Where the link is in the source.
        pos: Pos,
    },
    /// An inline image.
    Image {
        /// The image file or URL.
        src: String,
        /// Alternative text.
        alt: String,
        /// The size the author asked for (`{width=2em}`, `<img width=12>`).
        #[serde(default, skip_serializing_if = "ImageSize::is_natural")]
        size: ImageSize,
        /// Where the image is in the source.
        pos: Pos,
    },
    /// A reference to a note of the current chapter.
    FootnoteRef {
        /// The note's id ([`Footnote::id`]).
        id: String,
        /// The note's number within its chapter, from 1.
        number: u32,
    },
    /// A line break in the source that is a space in the output.
    SoftBreak,
    /// A forced line break.
    HardBreak,
    /// Inline math, kept as TeX source.
    Math {
        /// The TeX source between `$ … $`.
        source: String,
    },
    /// Inline raw HTML: as [`BlockKind::RawHtml`], made by no reader and
    /// left out by both writers.
    RawHtml {
        /// The HTML source.
        html: String,
    },
    /// A bracketed span with attributes (`[text]{.smallcaps lang=fr}`), or
    /// HTML's `<span>`, `<abbr>` and kin.
    Span {
        /// An id the text can be linked to (`{#id}`), if given.
        id: Option<String>,
        /// Classes: `smallcaps` is set in small capitals; `underline`,
        /// `mark`, `small` and `kbd` (HTML's `<u>` and `<ins>`, `<mark>`,
        /// `<small>` and `<kbd>`, as pandoc reads them) are underlined,
        /// highlighted, set smaller and set in the monospaced face.
        classes: Vec<String>,
        /// The language of the content (`lang=`), if given.
        lang: Option<String>,
        /// The spanned content.
        content: Vec<Inline>,
    },
}

/// The destination of a link.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkTarget {
    /// A place in this book: the id of a chapter, block or note.
    Internal {
        /// The target id.
        id: String,
    },
    /// Anything else: a web address, `mailto:` and the like.
    External {
        /// The URL as written.
        url: String,
    },
}

impl Book {
    /// The display name of the file a position refers to.
    pub fn file_name(&self, pos: Pos) -> &str {
        self.files
            .get(pos.file as usize)
            .map(String::as_str)
            .unwrap_or("<input>")
    }
}

/// A length an author gives an image (pandoc's `width=` and `height=`).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    /// A share of the measure (the text block's width), in percent.
    Percent(f64),
    /// An absolute length in PostScript points (1/72 inch).
    Pt(f64),
}

impl Length {
    /// Parses `50%`, `2.5in`, `3cm`, `30mm`, `72pt`, `96px` or a bare
    /// number (pixels, as in HTML's `width="96"`; a pixel is 1/96 inch,
    /// as in CSS). `None` for anything else (`auto`, `3em`, a negative
    /// or zero length).
    pub fn parse(text: &str) -> Option<Length> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number.parse().ok()?;
        if !value.is_finite() || value <= 0.0 {
            return None;
        }
        let points = match unit.trim().to_ascii_lowercase().as_str() {
            "%" => return Some(Length::Percent(value)),
            "in" => value * 72.0,
            "cm" => value * 72.0 / 2.54,
            "mm" => value * 72.0 / 25.4,
            "pt" => value,
            "px" | "" => value * 0.75,
            _ => return None,
        };
        Some(Length::Pt(points))
    }

    /// The length in points, for a measure of `measure` points.
    pub fn resolve(self, measure: f64) -> f64 {
        match self {
            Length::Percent(p) => measure * p / 100.0,
            Length::Pt(pt) => pt,
        }
    }
}

/// The size an author asked for an image; both `None` is its natural size.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct ImageSize {
    /// The width, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<Length>,
    /// The height, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<Length>,
}

impl ImageSize {
    /// Whether no size was given.
    pub fn is_natural(&self) -> bool {
        self.width.is_none() && self.height.is_none()
    }
}

/// Where the pages of the print edition begin, in terms of the tree: the
/// typesetter produces it, the EPUB writer turns it into page-break markers
/// and a page-list.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PageMap {
    /// One entry per printed page, in page order.
    pub pages: Vec<PageStart>,
}

/// The start of one printed page.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PageStart {
    /// The page's label as printed (`iii`, `42`).
    pub label: String,
    /// The id of the chapter the page belongs to.
    pub chapter_id: String,
    /// The id of the block whose text the page starts in (or the chapter id
    /// when the page starts with the chapter opening).
    pub block_id: String,
    /// The number of the word of that block's own text the page starts in
    /// (see [`words`] for what a word is): 0 when the page starts at the
    /// block's start.
    pub word: usize,
}

#[cfg(test)]
mod length_tests {
    use super::Length;

    #[test]
    fn lengths_parse_in_every_unit() {
        assert_eq!(Length::parse("50%"), Some(Length::Percent(50.0)));
        assert_eq!(Length::parse("2in"), Some(Length::Pt(144.0)));
        assert_eq!(Length::parse("25.4mm"), Some(Length::Pt(72.0)));
        assert_eq!(Length::parse("2.54cm"), Some(Length::Pt(72.0)));
        assert_eq!(Length::parse("12pt"), Some(Length::Pt(12.0)));
        assert_eq!(Length::parse("96px"), Some(Length::Pt(72.0)));
        assert_eq!(Length::parse("96"), Some(Length::Pt(72.0)));
        for bad in ["auto", "3em", "0", "-2cm", "", "%"] {
            assert_eq!(Length::parse(bad), None, "{bad}");
        }
        assert_eq!(Length::Percent(50.0).resolve(300.0), 150.0);
    }
}
