//! The HTML authors write in Markdown, read into the tree's own nodes, so
//! that both writers set the same thing and neither sees raw HTML.
//!
//! - Tags in running text arrive one by one (`<sup>`, Markdown text,
//!   `</sup>`): a start tag opens a container as Markdown's own syntax
//!   would (the container remembers the element), its end tag closes it, and
//!   what HTML leaves open ends with the Markdown container around it.
//!   `sup`, `sub`, `em`/`i`, `strong`/`b`, `s`/`del`, `code`, `a href`,
//!   `img`, `br` become their nodes; `span`, `abbr` and kin a
//!   [`Inline::Span`] (keeping `id`, `class`, `lang`); `u`/`ins`, `mark`,
//!   `small`, `kbd` a span of class `underline`, `mark`, `small`, `kbd`, as
//!   pandoc reads them.
//! - An HTML block is split at its block-level tags (`div`, `p`, `pre`,
//!   `blockquote`, `table` and its parts, `figure`, `details`, lists,
//!   headings, `hr`); the text between them is read as Markdown (pandoc's
//!   `markdown_in_html_blocks`), at its place in the file, so positions stay
//!   right. Tags in separate HTML blocks around Markdown (`<div>`, a blank
//!   line, Markdown, `</div>`) open and close containers the same way.
//! - Comments go silently; `script`, `style`, `iframe`, forms, media and
//!   the like go with their content, and other tags (elements quire does
//!   not render, or names HTML does not define) with a warning while their
//!   content stays; each element is reported once.

use std::ops::Range;

use pulldown_cmark::{BrokenLink, CowStr, Event, Parser, Tag as MdTag};

use super::{
    flush_inlines, is_block_frame, options, push_text, reference_key, Frame, FrameKind, Reader,
    SPAN_URL,
};
use crate::doc::{
    plain_text, Align, Block, BlockKind, CellSpan, ImageSize, Inline, Length, Numbering, Pos,
};
use crate::error::{Diagnostic, Result};

pub mod tokens;

use tokens::{decode, tokenize, Tag, Token};

/// How deep HTML read as Markdown may nest (HTML in Markdown in HTML …);
/// the reader's own structure needs three levels.
const MAX_HTML_DEPTH: usize = 8;

/// Text cut out of a file's text, with where each piece came from, so that
/// what is read out of it has its place in the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Mapped {
    /// The text.
    pub(crate) text: String,
    /// (offset in `text`, offset in the file) where each piece starts.
    map: Vec<(usize, usize)>,
}

impl Mapped {
    /// Appends `piece`, which starts at `file_offset` in the file.
    pub(crate) fn push(&mut self, piece: &str, file_offset: usize) {
        if piece.is_empty() {
            return;
        }
        self.map.push((self.text.len(), file_offset));
        self.text.push_str(piece);
    }

    /// The file offset of offset `at` of the text.
    fn file_offset(&self, at: usize) -> usize {
        let i = self
            .map
            .partition_point(|&(t, _)| t <= at)
            .saturating_sub(1);
        match self.map.get(i) {
            Some(&(t, f)) => f + at.saturating_sub(t),
            None => at,
        }
    }

    /// Appends `range` of `other`'s text, keeping where it came from.
    fn push_from(&mut self, other: &Mapped, range: Range<usize>) {
        let mut at = range.start;
        while at < range.end {
            let i = other.map.partition_point(|&(t, _)| t <= at);
            let piece_end = other.map.get(i).map_or(other.text.len(), |&(t, _)| t);
            let to = piece_end.min(range.end);
            self.push(&other.text[at..to], other.file_offset(at));
            at = to;
        }
    }

    /// The text with its common indentation taken off every line but a
    /// first that does not start a line (HTML is indented for its tags,
    /// and four spaces would make Markdown of it a code block).
    fn dedent(&self, starts_line: bool) -> Mapped {
        let lines: Vec<(usize, &str)> = self
            .text
            .split_inclusive('\n')
            .scan(0, |at, line| {
                let start = *at;
                *at += line.len();
                Some((start, line))
            })
            .collect();
        let indent = lines
            .iter()
            .skip(usize::from(!starts_line))
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(_, l)| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
            .unwrap_or(0);
        if indent == 0 {
            return self.clone();
        }
        let mut out = Mapped::default();
        for (n, (start, line)) in lines.iter().enumerate() {
            let cut = if n == 0 && !starts_line {
                0
            } else {
                let spaces = line.len() - line.trim_start_matches([' ', '\t']).len();
                spaces.min(indent)
            };
            out.push_from(self, start + cut..start + line.len());
        }
        out
    }
}

/// What an element becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    Emph,
    Strong,
    Strike,
    Sup,
    Sub,
    Code,
    /// A span; the class it stands for (`kbd`, `underline` …), if any.
    Span(Option<&'static str>),
    /// `<q>`: a span in quotation marks.
    Quote,
    Link,
    Image,
    Break,
    /// Nothing to show and nothing to say (`<wbr>`, `<picture>`,
    /// `<source>`): the tags go, the content stays.
    Ignored,
    Div,
    Details,
    /// `<p>`: the paragraphs are Markdown's; the tags only separate them.
    Paragraph,
    Pre,
    Quotation,
    Heading(u8),
    List {
        ordered: bool,
    },
    Item,
    Terms,
    Term,
    Definition,
    Table,
    /// `<thead>` (true), `<tbody>` and `<tfoot>`.
    TableSection {
        head: bool,
    },
    Row,
    Cell {
        header: bool,
    },
    Caption,
    Figure,
    FigCaption,
    Summary,
    Rule,
    /// `<html>`, `<body>`: a page's frame, nothing to show.
    Document,
    /// Left out with its content (scripts, styles, frames, forms, media).
    Dropped,
}

/// The elements quire reads, by name (sorted: binary search).
const ELEMENTS: &[(&str, Element)] = &[
    ("a", Element::Link),
    ("abbr", Element::Span(None)),
    ("acronym", Element::Span(None)),
    ("address", Element::Div),
    ("applet", Element::Dropped),
    ("article", Element::Div),
    ("aside", Element::Div),
    ("audio", Element::Dropped),
    ("b", Element::Strong),
    ("base", Element::Dropped),
    ("bdi", Element::Span(None)),
    ("bdo", Element::Span(None)),
    ("blockquote", Element::Quotation),
    ("body", Element::Document),
    ("br", Element::Break),
    ("button", Element::Dropped),
    ("canvas", Element::Dropped),
    ("caption", Element::Caption),
    ("center", Element::Div),
    ("cite", Element::Emph),
    ("code", Element::Code),
    ("col", Element::Ignored),
    ("colgroup", Element::Ignored),
    ("data", Element::Span(None)),
    ("datalist", Element::Dropped),
    ("dd", Element::Definition),
    ("del", Element::Strike),
    ("details", Element::Details),
    ("dfn", Element::Emph),
    ("dialog", Element::Dropped),
    ("dir", Element::List { ordered: false }),
    ("div", Element::Div),
    ("dl", Element::Terms),
    ("dt", Element::Term),
    ("em", Element::Emph),
    ("embed", Element::Dropped),
    ("figcaption", Element::FigCaption),
    ("figure", Element::Figure),
    ("footer", Element::Div),
    ("form", Element::Dropped),
    ("frame", Element::Dropped),
    ("frameset", Element::Dropped),
    ("h1", Element::Heading(1)),
    ("h2", Element::Heading(2)),
    ("h3", Element::Heading(3)),
    ("h4", Element::Heading(4)),
    ("h5", Element::Heading(5)),
    ("h6", Element::Heading(6)),
    ("head", Element::Dropped),
    ("header", Element::Div),
    ("hgroup", Element::Div),
    ("hr", Element::Rule),
    ("html", Element::Document),
    ("i", Element::Emph),
    ("iframe", Element::Dropped),
    ("img", Element::Image),
    ("input", Element::Dropped),
    ("ins", Element::Span(Some("underline"))),
    ("kbd", Element::Span(Some("kbd"))),
    ("li", Element::Item),
    ("link", Element::Dropped),
    ("main", Element::Div),
    ("mark", Element::Span(Some("mark"))),
    ("math", Element::Dropped),
    ("menu", Element::List { ordered: false }),
    ("meta", Element::Dropped),
    ("nav", Element::Div),
    ("nobr", Element::Span(None)),
    ("noembed", Element::Dropped),
    ("noframes", Element::Dropped),
    ("noscript", Element::Dropped),
    ("object", Element::Dropped),
    ("ol", Element::List { ordered: true }),
    ("p", Element::Paragraph),
    ("param", Element::Dropped),
    ("picture", Element::Ignored),
    ("plaintext", Element::Dropped),
    ("pre", Element::Pre),
    ("q", Element::Quote),
    ("s", Element::Strike),
    ("samp", Element::Code),
    ("script", Element::Dropped),
    ("search", Element::Div),
    ("section", Element::Div),
    ("select", Element::Dropped),
    ("small", Element::Span(Some("small"))),
    ("source", Element::Ignored),
    ("span", Element::Span(None)),
    ("strike", Element::Strike),
    ("strong", Element::Strong),
    ("style", Element::Dropped),
    ("sub", Element::Sub),
    ("summary", Element::Summary),
    ("sup", Element::Sup),
    ("svg", Element::Dropped),
    ("table", Element::Table),
    ("tbody", Element::TableSection { head: false }),
    ("td", Element::Cell { header: false }),
    ("template", Element::Dropped),
    ("textarea", Element::Dropped),
    ("tfoot", Element::TableSection { head: false }),
    ("th", Element::Cell { header: true }),
    ("thead", Element::TableSection { head: true }),
    ("time", Element::Span(None)),
    ("title", Element::Dropped),
    ("tr", Element::Row),
    ("track", Element::Ignored),
    ("tt", Element::Code),
    ("u", Element::Span(Some("underline"))),
    ("ul", Element::List { ordered: false }),
    ("var", Element::Emph),
    ("video", Element::Dropped),
    ("wbr", Element::Ignored),
    ("xmp", Element::Dropped),
];

/// The elements that bound where an item's, a term's or a cell's tags
/// reach: a list's item closes no item of the list around it.
const LIST_SCOPE: &[&str] = &["ul", "ol", "menu", "dir"];
const TERMS_SCOPE: &[&str] = &["dl"];
const TABLE_SCOPE: &[&str] = &["table"];

/// The scope an element's start and end tags reach through.
fn scope_of(element: Element) -> &'static [&'static str] {
    match element {
        Element::Item => LIST_SCOPE,
        Element::Term | Element::Definition => TERMS_SCOPE,
        Element::Cell { .. } | Element::Row | Element::TableSection { .. } | Element::Caption => {
            TABLE_SCOPE
        }
        _ => &[],
    }
}

/// Elements without content: no end tag to wait for.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// What `name` (lower case) is, with its name as a static string (what a
/// container remembers it was opened by); `None` for an element quire
/// does not read.
fn element(name: &str) -> Option<(&'static str, Element)> {
    ELEMENTS
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| ELEMENTS[i])
}

impl Element {
    /// Whether the element separates blocks in an HTML block (the text
    /// around it is read on its own).
    fn is_block(self) -> bool {
        !matches!(
            self,
            Element::Emph
                | Element::Strong
                | Element::Strike
                | Element::Sup
                | Element::Sub
                | Element::Code
                | Element::Span(_)
                | Element::Quote
                | Element::Link
                | Element::Image
                | Element::Break
                | Element::Ignored
        )
    }
}

/// Whether a token is a tag of a block-level element.
fn is_block_tag(token: &Token<'_>) -> bool {
    let name = match token {
        Token::Start(tag) => tag.name.as_str(),
        Token::End(name) => name.as_str(),
        _ => return false,
    };
    element(name).is_some_and(|(_, e)| e.is_block())
}

/// The attributes an HTML span keeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SpanAttrs {
    id: Option<String>,
    classes: Vec<String>,
    lang: Option<String>,
    /// `<q>`: set in quotation marks.
    quote: bool,
}

/// A table being read.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Table {
    id: Option<String>,
    caption: Vec<Inline>,
    rows: Vec<Row>,
    /// Inside `<thead>`.
    in_head: bool,
}

/// A row of a table being read.
#[derive(Clone, Debug, Default, PartialEq)]
struct Row {
    /// In `<thead>`.
    head: bool,
    cells: Vec<Cell>,
}

/// A cell of a table being read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Cell {
    /// `<th>`.
    header: bool,
    cols: usize,
    rows: usize,
    align: Align,
    content: Vec<Inline>,
}

/// The most columns and rows a cell may span, and the most columns a table
/// may have: HTML's own limits are far larger than any page.
const MAX_SPAN: usize = 64;
const MAX_COLUMNS: usize = 128;

/// The frames that hold inlines only: what HTML puts in them as blocks is
/// made inline ([`blocks_to_inlines`]).
pub(super) fn takes_inlines_only(kind: &FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::Paragraph
            | FrameKind::Heading { .. }
            | FrameKind::DefinitionTitle
            | FrameKind::TableCell
            | FrameKind::HtmlCell(_)
            | FrameKind::HtmlCaption
    )
}

/// Blocks as one run of inlines (for a cell, a heading, a caption):
/// paragraphs one after another with a line break between them, a figure
/// as its image, code as code.
pub(super) fn blocks_to_inlines(blocks: Vec<Block>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let push = |out: &mut Vec<Inline>, mut content: Vec<Inline>| {
        if content.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push(Inline::HardBreak);
        }
        out.append(&mut content);
    };
    for block in blocks {
        match block.kind {
            BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => {
                push(&mut out, content)
            }
            BlockKind::Figure { src, alt, size, .. } => push(
                &mut out,
                vec![Inline::Image {
                    src,
                    alt,
                    size,
                    pos: block.pos,
                }],
            ),
            BlockKind::CodeBlock { code, .. } => push(
                &mut out,
                vec![Inline::Code {
                    code: code.trim_end_matches('\n').to_string(),
                }],
            ),
            BlockKind::Math { source } => push(&mut out, vec![Inline::Math { source }]),
            BlockKind::BlockQuote { blocks }
            | BlockKind::Div { blocks, .. }
            | BlockKind::Callout { blocks, .. } => push(&mut out, blocks_to_inlines(blocks)),
            BlockKind::List { items, .. } => {
                for item in items {
                    push(&mut out, blocks_to_inlines(item.blocks));
                }
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    push(&mut out, item.term);
                    for definition in item.definitions {
                        push(&mut out, blocks_to_inlines(definition));
                    }
                }
            }
            BlockKind::Table {
                caption,
                head,
                rows,
                ..
            } => {
                push(&mut out, caption);
                for row in std::iter::once(head).chain(rows) {
                    let mut line = Vec::new();
                    for cell in row.into_iter().filter(|c| !c.is_empty()) {
                        if !line.is_empty() {
                            line.push(Inline::Text {
                                text: " ".to_string(),
                            });
                        }
                        line.extend(cell);
                    }
                    push(&mut out, line);
                }
            }
            BlockKind::ThematicBreak | BlockKind::PageBreak | BlockKind::RawHtml { .. } => {}
        }
    }
    out
}

/// Whether inlines show nothing (only white space and breaks; a no-break
/// space is something: `&nbsp;` alone makes a blank line on purpose).
pub(super) fn shows_nothing(inlines: &[Inline]) -> bool {
    let mut nothing = true;
    crate::doc::walk_inlines(inlines, &mut |inline| match inline {
        Inline::Text { text } if text.chars().all(|c| c.is_whitespace() && c != '\u{a0}') => {}
        Inline::SoftBreak | Inline::HardBreak | Inline::RawHtml { .. } => {}
        Inline::Text { .. }
        | Inline::Code { .. }
        | Inline::Math { .. }
        | Inline::Image { .. }
        | Inline::FootnoteRef { .. } => nothing = false,
        _ => {}
    });
    nothing
}

/// The CSS declarations of a `style` attribute, names and values lower
/// case, white space removed (`page-break-before:always`).
fn style_has(tag: &Tag, declarations: &[&str]) -> bool {
    let style: String = tag
        .attr("style")
        .unwrap_or("")
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    style.split(';').any(|d| declarations.contains(&d))
}

/// A page break before the element (`page-break-before: always`, CSS 2's
/// spelling, or `break-before: page`).
fn breaks_before(tag: &Tag) -> bool {
    style_has(tag, &["page-break-before:always", "break-before:page"])
}

/// A page break after the element.
fn breaks_after(tag: &Tag) -> bool {
    style_has(tag, &["page-break-after:always", "break-after:page"])
}

/// An alignment from `align="center"` or `style="text-align: center"`.
fn alignment(tag: &Tag) -> Align {
    let style = tag.attr("style").unwrap_or("").to_ascii_lowercase();
    let from_style = style.split(';').find_map(|d| {
        let (name, value) = d.split_once(':')?;
        (name.trim() == "text-align").then(|| value.trim().to_string())
    });
    match from_style
        .as_deref()
        .or(tag.attr("align"))
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("left" | "start") => Align::Left,
        Some("center") => Align::Center,
        Some("right" | "end") => Align::Right,
        _ => Align::None,
    }
}

/// A table's rows as the tree's table: the header row (rows of `<thead>`,
/// else a first row of `<th>` cells), the body with each cell at its
/// column (cells that rows above span pushed right, as HTML's table model
/// places them) and the spanning cells.
fn table_block(table: Table) -> BlockKind {
    let Table { caption, rows, .. } = table;
    let head_rows = match rows.iter().take_while(|r| r.head).count() {
        0 if rows
            .first()
            .is_some_and(|r| !r.cells.is_empty() && r.cells.iter().all(|c| c.header)) =>
        {
            1
        }
        n => n,
    };
    // each cell's place: HTML's table model (WHATWG HTML, 4.9.12.1,
    // "forming a table"), without its rarer corners
    let mut taken: Vec<Vec<bool>> = Vec::new();
    let mut placed: Vec<(usize, usize, Cell)> = Vec::new();
    let row_count = rows.len();
    for (r, row) in rows.into_iter().enumerate() {
        let mut c = 0;
        for cell in row.cells {
            while taken
                .get(r)
                .and_then(|t| t.get(c))
                .copied()
                .unwrap_or(false)
            {
                c += 1;
            }
            if c >= MAX_COLUMNS {
                break;
            }
            let cols = cell.cols.clamp(1, MAX_COLUMNS - c);
            let span_rows = cell.rows.clamp(1, row_count - r);
            for rr in r..r + span_rows {
                if taken.len() <= rr {
                    taken.resize(rr + 1, Vec::new());
                }
                let line = &mut taken[rr];
                if line.len() < c + cols {
                    line.resize(c + cols, false);
                }
                for slot in &mut line[c..c + cols] {
                    *slot = true;
                }
            }
            placed.push((
                r,
                c,
                Cell {
                    cols,
                    rows: span_rows,
                    ..cell
                },
            ));
            c += cols;
        }
    }
    let width = taken.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut grid: Vec<Vec<Vec<Inline>>> = vec![vec![Vec::new(); width]; row_count.max(1)];
    let mut aligns = vec![Align::None; width];
    let mut spans = Vec::new();
    for (r, c, cell) in placed {
        if aligns[c] == Align::None {
            aligns[c] = cell.align;
        }
        if r >= head_rows.min(1) && (cell.rows > 1 || cell.cols > 1) {
            let body_row = r - head_rows.min(1);
            spans.push(CellSpan {
                row: body_row,
                col: c,
                rows: cell.rows,
                cols: cell.cols,
            });
        }
        grid[r][c] = cell.content;
    }
    // the tree has one header row; further ones are body rows
    let head = if head_rows > 0 && row_count > 0 {
        grid.remove(0)
    } else {
        Vec::new()
    };
    if row_count == 0 {
        grid.clear();
    }
    BlockKind::Table {
        caption,
        spans,
        aligns,
        head,
        rows: grid,
    }
}

impl Reader<'_> {
    /// Reports an element once: dropped with its content, or its tags left
    /// out (an element quire does not render, or one HTML does not define).
    fn report_element(&mut self, name: &str, pos: Pos, dropped: bool) {
        if !self.html_reported.insert(name.to_ascii_lowercase()) {
            return;
        }
        let location = self.location(pos);
        let diagnostic = if dropped {
            Diagnostic::warning(
                "raw-html",
                location,
                format!("<{name}> is left out with its content: a book cannot show it (this is said once per element)"),
            )
        } else if super::fences::is_html_element(name) {
            Diagnostic::warning(
                "raw-html",
                location,
                format!("<{name}> is not set as such: its tags are left out, its content is kept (this is said once per element)"),
            )
        } else {
            Diagnostic::warning(
                "unknown-element",
                location,
                format!("<{name}> is not an HTML element quire knows: its tags are left out, its content is kept"),
            )
        };
        self.diagnostics.push(diagnostic);
    }

    /// Opens a container for element `name`.
    fn open_html(&mut self, kind: FrameKind, pos: Pos, name: &'static str) {
        self.open(kind, pos);
        if let Some(frame) = self.stack.last_mut() {
            frame.html = Some(name);
        }
    }

    /// Runs a Markdown event for element `name` (a heading, a list …) and
    /// marks the container it opened as the element's.
    fn open_html_event(&mut self, event: Event<'_>, at: usize, name: &'static str) -> Result<()> {
        let before = self.stack.len();
        self.event(event, at..at)?;
        if self.stack.len() > before {
            if let Some(frame) = self.stack.last_mut() {
                frame.html = Some(name);
            }
        }
        Ok(())
    }

    /// The index of the innermost container opened by one of `names` that
    /// only HTML containers lie above, none of them one of `scope` (an item
    /// of an outer list is not closed from a list inside it: HTML's "has an
    /// element in scope"). No deeper than the most containers that are not
    /// flattened: an end tag further down is passed over, and a run of
    /// stray end tags costs no more than that each.
    fn open_element(&self, names: &[&str], scope: &[&str]) -> Option<usize> {
        let reach = 4 * super::MAX_DEPTH;
        for (i, frame) in self.stack.iter().enumerate().rev().take(reach) {
            match frame.html {
                Some(name) if names.contains(&name) => return Some(i),
                Some(name) if scope.contains(&name) => return None,
                Some(_) => {}
                None => return None,
            }
        }
        None
    }

    /// Closes the containers from the top down to `index`, that one included.
    fn close_down_to(&mut self, index: usize) -> Result<()> {
        while self.stack.len() > index.max(1) {
            self.close_top()?;
        }
        Ok(())
    }

    /// Closes the containers HTML opened on top of the stack (a Markdown
    /// container ends; what HTML left open in it ends with it).
    pub(super) fn close_open_html(&mut self) -> Result<()> {
        while self.stack.len() > 1 && self.stack.last().is_some_and(|f| f.html.is_some()) {
            self.close_top()?;
        }
        Ok(())
    }

    /// An end tag: closes its element if it is open (what HTML opened
    /// inside it closes with it); a stray end tag is passed over.
    fn end_tag(&mut self, name: &str) -> Result<()> {
        match element(name) {
            Some((_, Element::Row)) => {
                if let Some(i) = self.open_element(&["td", "th"], TABLE_SCOPE) {
                    self.close_down_to(i)?;
                }
            }
            Some((_, Element::TableSection { .. })) => {
                if let Some(i) = self.open_element(&["td", "th"], TABLE_SCOPE) {
                    self.close_down_to(i)?;
                }
                if let Some(FrameKind::HtmlTable(table)) =
                    self.stack.last_mut().map(|f| &mut f.kind)
                {
                    table.in_head = false;
                }
            }
            Some((name, what)) => {
                if let Some(i) = self.open_element(&[name], scope_of(what)) {
                    self.close_down_to(i)?;
                }
            }
            None => {}
        }
        Ok(())
    }

    /// A link target where there is no element to hold it (`<a id="x">`,
    /// an `id` on an element the tree keeps none for): links to it go to
    /// the block it is in.
    fn anchor_here(&mut self, id: &str, pos: Pos) {
        let id = id.trim();
        if id.is_empty() {
            return;
        }
        let block = self
            .stack
            .iter()
            .rev()
            .find(|f| is_block_frame(&f.kind))
            .map_or(pos, |f| f.pos);
        self.raw_anchors.push((id.to_string(), pos.file, block));
    }

    /// Tags in running text (an inline HTML event, or the tags of an HTML
    /// block that holds no block-level element), `offset` being where
    /// `html` starts in the file's text.
    pub(super) fn inline_html(&mut self, html: &str, offset: usize) -> Result<()> {
        for (token, range) in tokenize(html) {
            let pos = self.pos(offset + range.start);
            match token {
                Token::Start(tag) => self.inline_start(&tag, pos)?,
                Token::End(name) => self.end_tag(&name)?,
                Token::Text(text) => {
                    if let Some(frame) = self.stack.last_mut() {
                        push_text(&mut frame.inlines, &decode(text));
                    }
                }
                Token::Hidden => {}
            }
        }
        Ok(())
    }

    /// A start tag in running text.
    fn inline_start(&mut self, tag: &Tag, pos: Pos) -> Result<()> {
        let Some((name, what)) = element(&tag.name) else {
            self.report_element(&tag.name, pos, false);
            return Ok(());
        };
        let void = VOID.contains(&name);
        let kind = match what {
            Element::Emph => FrameKind::Emphasis,
            Element::Strong => FrameKind::Strong,
            Element::Strike => FrameKind::Strikethrough,
            Element::Sup => FrameKind::Superscript,
            Element::Sub => FrameKind::Subscript,
            Element::Code => FrameKind::HtmlCode,
            Element::Span(class) => {
                let mut classes = tag.classes();
                classes.extend(class.map(str::to_string));
                if style_has(tag, &["font-variant:small-caps"]) {
                    classes.push("smallcaps".to_string());
                }
                FrameKind::HtmlSpan(SpanAttrs {
                    id: tag.attr("id").map(str::to_string),
                    classes,
                    lang: tag.attr("lang").map(str::to_string),
                    quote: false,
                })
            }
            Element::Quote => FrameKind::HtmlSpan(SpanAttrs {
                quote: true,
                ..SpanAttrs::default()
            }),
            Element::Link => {
                for id in [tag.attr("id"), tag.attr("name")].into_iter().flatten() {
                    self.anchor_here(id, pos);
                }
                match tag.attr("href") {
                    Some(href) => FrameKind::Link {
                        url: href.trim().to_string(),
                        title: tag.attr("title").unwrap_or("").to_string(),
                        suffix: String::new(),
                    },
                    // an anchor: its text stays
                    None => FrameKind::HtmlSpan(SpanAttrs::default()),
                }
            }
            Element::Image => {
                if let Some(id) = tag.attr("id") {
                    self.anchor_here(id, pos);
                }
                let image = self.image(tag, pos);
                if let Some(frame) = self.stack.last_mut() {
                    frame.inlines.extend(image);
                }
                return Ok(());
            }
            Element::Break => {
                if let Some(frame) = self.stack.last_mut() {
                    frame.inlines.push(Inline::HardBreak);
                }
                return Ok(());
            }
            Element::Dropped => {
                self.report_element(name, pos, true);
                if void || tag.self_closing {
                    return Ok(());
                }
                FrameKind::HtmlDrop
            }
            // block-level elements in running text: their tags go
            _ => {
                if let Some(id) = tag.attr("id") {
                    self.anchor_here(id, pos);
                }
                return Ok(());
            }
        };
        if !matches!(kind, FrameKind::HtmlSpan(_)) && !matches!(what, Element::Link) {
            if let Some(id) = tag.attr("id") {
                self.anchor_here(id, pos);
            }
        }
        self.open_html(kind, pos, name);
        if tag.self_closing && !void {
            // `<span id="x"/>`: an empty element, as XHTML writes it
            self.end_tag(name)?;
        }
        Ok(())
    }

    /// `<img>`: an image resolved as a Markdown image is, sized by its
    /// `width` and `height`; an image with `alt=""` is decorative. Nothing
    /// without a `src` but its alternative text.
    fn image(&mut self, tag: &Tag, pos: Pos) -> Vec<Inline> {
        let alt = tag.attr("alt").unwrap_or("").trim().to_string();
        let Some(src) = tag.attr("src").map(str::trim).filter(|s| !s.is_empty()) else {
            return if alt.is_empty() {
                Vec::new()
            } else {
                vec![Inline::Text { text: alt }]
            };
        };
        let decorative = tag.attr("alt").is_some_and(|a| a.trim().is_empty())
            || tag.classes().iter().any(|c| c == "decorative");
        let image = Inline::Image {
            src: self.relative_src(src.to_string()),
            alt,
            size: ImageSize {
                width: tag.attr("width").and_then(Length::parse),
                height: tag.attr("height").and_then(Length::parse),
            },
            pos,
        };
        vec![if decorative {
            Inline::Span {
                id: None,
                classes: vec!["decorative".to_string()],
                lang: None,
                content: vec![image],
            }
        } else {
            image
        }]
    }

    /// Closes the containers only HTML makes.
    pub(super) fn close_html_frame(
        &mut self,
        kind: FrameKind,
        pos: Pos,
        mut blocks: Vec<Block>,
        inlines: Vec<Inline>,
        name: &str,
    ) -> Result<()> {
        match kind {
            FrameKind::HtmlDrop => {}
            FrameKind::Collect => {
                if let Some(parent) = self.stack.last_mut() {
                    parent.inlines.extend(inlines);
                }
            }
            FrameKind::HtmlCode => {
                let code = plain_text(&inlines).replace(super::ESCAPED, "");
                self.push_inline(Inline::Code { code });
            }
            FrameKind::HtmlSpan(SpanAttrs {
                id,
                classes,
                lang,
                quote,
            }) => {
                let mut content = inlines;
                if quote {
                    content.insert(
                        0,
                        Inline::Text {
                            text: "\u{201C}".to_string(),
                        },
                    );
                    content.push(Inline::Text {
                        text: "\u{201D}".to_string(),
                    });
                }
                let id = match id {
                    // an empty element with an id: a place links can go to
                    Some(id) if content.is_empty() => {
                        self.anchor_here(&id, pos);
                        None
                    }
                    other => other.filter(|i| !i.trim().is_empty()),
                };
                if id.is_none() && classes.is_empty() && lang.is_none() {
                    if let Some(parent) = self.stack.last_mut() {
                        for inline in content {
                            match inline {
                                Inline::Text { text } => push_text(&mut parent.inlines, &text),
                                other => parent.inlines.push(other),
                            }
                        }
                    }
                } else {
                    self.push_inline(Inline::Span {
                        id,
                        classes,
                        lang,
                        content,
                    });
                }
            }
            FrameKind::HtmlCell(mut cell) => {
                cell.content = inlines;
                let table = self.stack.iter_mut().rev().find_map(|f| match &mut f.kind {
                    FrameKind::HtmlTable(table) => Some(table),
                    _ => None,
                });
                match table {
                    Some(table) => {
                        if table.rows.is_empty() {
                            table.rows.push(Row {
                                head: table.in_head,
                                cells: Vec::new(),
                            });
                        }
                        if let Some(row) = table.rows.last_mut() {
                            row.cells.push(cell);
                        }
                    }
                    None => self.push_block(
                        BlockKind::Paragraph {
                            content: cell.content,
                        },
                        pos,
                    ),
                }
            }
            FrameKind::HtmlCaption => {
                let target = self.stack.last_mut().map(|f| &mut f.kind);
                match (name, target) {
                    ("caption", Some(FrameKind::HtmlTable(table))) => table.caption = inlines,
                    ("figcaption", Some(FrameKind::HtmlFigure { caption, .. })) => {
                        *caption = inlines
                    }
                    // `<summary>`: the details' title, in bold
                    ("summary", _) if !inlines.is_empty() => self.push_block(
                        BlockKind::Paragraph {
                            content: vec![Inline::Strong { content: inlines }],
                        },
                        pos,
                    ),
                    _ if !inlines.is_empty() => {
                        self.push_block(BlockKind::Paragraph { content: inlines }, pos)
                    }
                    _ => {}
                }
            }
            FrameKind::HtmlFigure { id, caption } => {
                flush_inlines(&mut blocks, inlines, pos);
                let one_image = blocks.len() == 1
                    && matches!(blocks[0].kind, BlockKind::Figure { .. })
                    && blocks[0].id.is_empty();
                if one_image {
                    // (at the image's place: what is said about it points there)
                    let Some(Block {
                        kind:
                            BlockKind::Figure {
                                src,
                                alt,
                                caption: from_alt,
                                size,
                            },
                        pos,
                        ..
                    }) = blocks.pop()
                    else {
                        unreachable!("checked above")
                    };
                    let caption = if caption.is_empty() {
                        from_alt
                    } else {
                        caption
                    };
                    let figure = BlockKind::Figure {
                        src,
                        alt,
                        caption,
                        size,
                    };
                    self.push_block_with_id(figure, pos, id.unwrap_or_default());
                } else {
                    if !caption.is_empty() {
                        blocks.push(Block {
                            id: String::new(),
                            pos,
                            kind: BlockKind::Paragraph { content: caption },
                        });
                    }
                    let div = BlockKind::Div {
                        classes: vec!["figure".to_string()],
                        lang: None,
                        dir: None,
                        blocks,
                    };
                    self.push_block_with_id(div, pos, id.unwrap_or_default());
                }
            }
            FrameKind::HtmlTable(table) => {
                // what stood in the table outside its cells goes before it,
                // as browsers put it
                flush_inlines(&mut blocks, inlines, pos);
                for block in blocks {
                    self.push_block_with_id(block.kind, block.pos, block.id);
                }
                if table.rows.iter().all(|r| r.cells.is_empty()) {
                    // no cells: no table (its caption stays)
                    if !table.caption.is_empty() {
                        let caption = BlockKind::Paragraph {
                            content: table.caption,
                        };
                        self.push_block(caption, pos);
                    }
                    return Ok(());
                }
                let id = table.id.clone().unwrap_or_default();
                self.push_block_with_id(table_block(table), pos, id);
            }
            _ => {}
        }
        Ok(())
    }

    /// An HTML block: a marker [`super::fences`] wrote, a page break, or
    /// HTML read into the tree. `markdown`: the text between its tags is
    /// Markdown (an HTML block), not text (pandoc's ```` ```{=html} ````).
    pub(super) fn html_block(&mut self, html: Mapped, pos: Pos, markdown: bool) -> Result<()> {
        let trimmed = html.text.trim();
        if let Some(rest) = trimmed.strip_prefix(super::fences::DIV_OPEN) {
            let inner = rest.trim_end_matches("-->");
            let parsed = super::attrs::leading(inner)
                .map(|(a, _)| a)
                .unwrap_or_default();
            let lang = parsed.get("lang").map(str::to_string);
            let dir = writing_direction(parsed.get("dir"));
            self.open(
                FrameKind::Div {
                    id: parsed.id,
                    classes: parsed.classes,
                    lang,
                    dir,
                    break_after: false,
                },
                pos,
            );
            return Ok(());
        }
        if trimmed == super::fences::DIV_CLOSE {
            // the fenced div, and what HTML left open in it
            let div = self
                .stack
                .iter()
                .rposition(|f| f.html.is_none())
                .filter(|&i| {
                    i > 0
                        && matches!(
                            self.stack[i].kind,
                            FrameKind::Div { .. } | FrameKind::Flattened
                        )
                });
            if let Some(i) = div {
                self.close_down_to(i)?;
            }
            return Ok(());
        }
        if trimmed.starts_with(super::fences::DROP)
            && trimmed.ends_with("-->")
            && trimmed.lines().count() == 1
        {
            return Ok(());
        }
        let tokens = tokenize(&html.text);
        if self.html_depth >= MAX_HTML_DEPTH {
            // (not reached by any HTML: the reader's own nesting is shallow)
            let text: String = tokens
                .iter()
                .filter_map(|(t, _)| match t {
                    Token::Text(s) => Some(decode(s)),
                    _ => None,
                })
                .collect();
            if !text.trim().is_empty() {
                self.push_block(
                    BlockKind::Paragraph {
                        content: vec![Inline::Text { text }],
                    },
                    pos,
                );
            }
            return Ok(());
        }
        if !tokens.iter().any(|(t, _)| is_block_tag(t)) {
            return self.inline_paragraph(&html, &tokens, pos, markdown);
        }
        let mut run = Mapped::default();
        // whether the run starts a line (its first line is indented as
        // the others are)
        let mut run_starts_line = true;
        let mut i = 0;
        while i < tokens.len() {
            let (token, range) = &tokens[i];
            let at = html.file_offset(range.start);
            i += 1;
            if !is_block_tag(token) {
                if !matches!(token, Token::Hidden) {
                    if run.text.is_empty() {
                        run_starts_line =
                            range.start == 0 || html.text[..range.start].ends_with('\n');
                    }
                    run.push_from(&html, range.clone());
                }
                continue;
            }
            self.flush_run(&mut run, run_starts_line, markdown)?;
            let pos = self.pos(at);
            match token {
                Token::End(name) => self.end_tag(name)?,
                Token::Start(tag) => {
                    i = self.block_start(tag, pos, at, &html, &tokens, i)?;
                }
                _ => {}
            }
        }
        self.flush_run(&mut run, run_starts_line, markdown)
    }

    /// Reads the text and inline tags gathered between two block-level
    /// tags: Markdown, at its place in the file.
    fn flush_run(&mut self, run: &mut Mapped, starts_line: bool, markdown: bool) -> Result<()> {
        let run = std::mem::take(run);
        if run.text.trim().is_empty() {
            return Ok(());
        }
        let pos = self.pos(run.file_offset(run.text.len() - run.text.trim_start().len()));
        if matches!(
            self.stack.last().map(|f| &f.kind),
            Some(FrameKind::HtmlDrop)
        ) {
            return Ok(());
        }
        self.make_room_for_text(pos);
        let run = run.dedent(starts_line);
        if !markdown {
            let tokens = tokenize(&run.text);
            return self.inline_paragraph(&run, &tokens, pos, false);
        }
        self.html_depth += 1;
        let events = self.sub_parse(&run.text);
        let mut result = Ok(());
        for (event, range) in events {
            let range = run.file_offset(range.start)..run.file_offset(range.end);
            result = self.event(event, range);
            if result.is_err() {
                break;
            }
        }
        self.html_depth -= 1;
        result
    }

    /// Text in a table but in no cell (`<table>text<tr>…`): a cell of its own.
    fn make_room_for_text(&mut self, pos: Pos) {
        if matches!(
            self.stack.last().map(|f| &f.kind),
            Some(FrameKind::HtmlTable(_))
        ) {
            self.open_html(
                FrameKind::HtmlCell(Cell {
                    header: false,
                    cols: 1,
                    rows: 1,
                    align: Align::None,
                    content: Vec::new(),
                }),
                pos,
                "td",
            );
        }
    }

    /// Parses Markdown read out of HTML with the file's link references
    /// and notes (the Markdown is part of the file).
    fn sub_parse(&self, text: &str) -> Vec<(Event<'static>, Range<usize>)> {
        let references = &self.references;
        let callback = move |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
            Some(match references.get(&reference_key(&link.reference)) {
                Some((url, title)) => (CowStr::from(url.clone()), CowStr::from(title.clone())),
                None => (CowStr::from(SPAN_URL), CowStr::from("")),
            })
        };
        // the notes the text cites: stand-in definitions after it, so that
        // pulldown-cmark reads the references (the file has the real ones)
        let mut source = text.to_string();
        for label in self.note_labels.iter().filter(|_| text.contains("[^")) {
            if text.contains(&format!("[^{label}]")) {
                source.push_str(&format!("\n\n[^{label}]: .\n"));
            }
        }
        // no front matter in the middle of a file
        let options = options() - pulldown_cmark::Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
        Parser::new_with_broken_link_callback(&source, options, Some(callback))
            .into_offset_iter()
            .filter(|(_, range)| range.start < text.len())
            .map(|(event, range)| (event.into_static(), range.start..range.end.min(text.len())))
            .collect()
    }

    /// An HTML block with no block-level element in it (`<img …>` or
    /// `<span>` alone on a line, and what follows to the blank line): a
    /// paragraph, its text read as Markdown when `markdown`.
    fn inline_paragraph(
        &mut self,
        html: &Mapped,
        tokens: &[(Token<'_>, Range<usize>)],
        pos: Pos,
        markdown: bool,
    ) -> Result<()> {
        if tokens.iter().all(|(t, _)| match t {
            Token::Hidden => true,
            Token::Text(s) => s.trim().is_empty(),
            _ => false,
        }) {
            return Ok(());
        }
        self.make_room_for_text(pos);
        let depth = self.stack.len();
        self.open_html(FrameKind::Paragraph, pos, "p");
        // white space owed before what comes next (none at the end)
        let mut space = false;
        for (token, range) in tokens {
            let at = html.file_offset(range.start);
            match token {
                Token::Start(tag) => {
                    if std::mem::take(&mut space) {
                        self.push_inline_text(" ");
                    }
                    let pos = self.pos(at);
                    self.inline_start(tag, pos)?;
                }
                Token::End(name) => self.end_tag(name)?,
                Token::Text(_) if markdown => {
                    let mut segment = Mapped::default();
                    segment.push_from(html, range.clone());
                    space = self.inline_markdown(&segment, space)?;
                }
                Token::Text(text) => {
                    if let Some(frame) = self.stack.last_mut() {
                        push_text(&mut frame.inlines, &decode(text));
                    }
                }
                Token::Hidden => {}
            }
        }
        self.close_down_to(depth)
    }

    /// A paragraph at `pos` that shows nothing is left out: the anchors in
    /// it (`<a id="x"></a>` before a heading) name the block after it.
    pub(super) fn anchors_to_next_block(&mut self, pos: Pos) {
        let (moved, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.raw_anchors)
            .into_iter()
            .partition(|(_, _, at)| *at == pos);
        self.raw_anchors = kept;
        for (id, file, _) in moved {
            self.pending_anchors.push((id, file));
        }
    }

    /// Appends text to the innermost container.
    fn push_inline_text(&mut self, text: &str) {
        if let Some(frame) = self.stack.last_mut() {
            push_text(&mut frame.inlines, text);
        }
    }

    /// Text between inline tags, read as inline Markdown: its paragraphs
    /// run on, and white space at its ends is kept (Markdown would trim
    /// it): `space` says one is owed before it; the result, whether one is
    /// owed after it.
    fn inline_markdown(&mut self, segment: &Mapped, space: bool) -> Result<bool> {
        let text = segment.text.as_str();
        let has_content = self.stack.last().is_some_and(|f| !f.inlines.is_empty());
        if text.trim().is_empty() {
            return Ok(space || has_content);
        }
        if space || (text.starts_with(char::is_whitespace) && has_content) {
            self.push_inline_text(" ");
        }
        self.html_depth += 1;
        let events = self.sub_parse(text);
        let mut paragraphs = 0;
        let mut result = Ok(());
        for (event, range) in events {
            let range = segment.file_offset(range.start)..segment.file_offset(range.end);
            result = match event {
                Event::Start(MdTag::Paragraph) => {
                    paragraphs += 1;
                    if paragraphs > 1 {
                        self.push_inline(Inline::SoftBreak);
                    }
                    Ok(())
                }
                Event::Start(tag) if is_block_md_tag(&tag) => Ok(()),
                Event::End(end) if is_block_md_end(end) => Ok(()),
                Event::Rule | Event::TaskListMarker(_) => Ok(()),
                Event::Html(html) => self.inline_html(&html, range.start),
                other => self.event(other, range),
            };
            if result.is_err() {
                break;
            }
        }
        self.html_depth -= 1;
        result?;
        Ok(text.ends_with(char::is_whitespace))
    }

    /// `` `<b>x</b>`{=html} `` in a paragraph's inlines: the HTML read as
    /// the reader reads tags (its text is text, not Markdown).
    pub(super) fn raw_inline_html(&mut self, inlines: Vec<Inline>, pos: Pos) -> Vec<Inline> {
        if !inlines.iter().any(|i| matches!(i, Inline::RawHtml { .. })) {
            return inlines;
        }
        let depth = self.stack.len();
        self.stack.push(Frame::new(FrameKind::Collect, pos));
        for inline in inlines {
            match inline {
                Inline::RawHtml { html } => {
                    for (token, _) in tokenize(&html) {
                        // (errors come from front matter only, never here)
                        let _ = match token {
                            Token::Start(tag) => self.inline_start(&tag, pos),
                            Token::End(name) => self.end_tag(&name),
                            Token::Text(text) => {
                                let text = decode(text);
                                if let Some(frame) = self.stack.last_mut() {
                                    push_text(&mut frame.inlines, &text);
                                }
                                Ok(())
                            }
                            Token::Hidden => Ok(()),
                        };
                    }
                }
                other => self.push_inline(other),
            }
        }
        let _ = self.close_open_html();
        while self.stack.len() > depth + 1 {
            let _ = self.close_top();
        }
        self.stack
            .pop()
            .map(|frame| frame.inlines)
            .unwrap_or_default()
    }

    /// A block-level start tag at `token_index - 1` of `tokens`; returns
    /// the index of the token to go on with (past a `<pre>`'s content or an
    /// element dropped whole).
    fn block_start(
        &mut self,
        tag: &Tag,
        pos: Pos,
        at: usize,
        html: &Mapped,
        tokens: &[(Token<'_>, Range<usize>)],
        next: usize,
    ) -> Result<usize> {
        let Some((name, what)) = element(&tag.name) else {
            return Ok(next);
        };
        let id = tag
            .attr("id")
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_string);
        // implied end tags: a new item, term, cell or row ends the open one
        let implied: &[&str] = match what {
            Element::Item => &["li"],
            Element::Term | Element::Definition => &["dt", "dd"],
            Element::Cell { .. } | Element::Row | Element::TableSection { .. } => &["td", "th"],
            _ => &[],
        };
        if !implied.is_empty() {
            if let Some(i) = self.open_element(implied, scope_of(what)) {
                self.close_down_to(i)?;
            }
        }
        let top = self.stack.last().map(|f| &f.kind);
        let in_table = matches!(top, Some(FrameKind::HtmlTable(_)));
        match what {
            Element::Div | Element::Details => {
                if breaks_before(tag) {
                    self.push_block(BlockKind::PageBreak, pos);
                }
                let mut classes = tag.classes();
                if what == Element::Details {
                    classes.insert(0, "details".to_string());
                }
                let kind = FrameKind::Div {
                    id,
                    classes,
                    lang: tag.attr("lang").map(str::to_string),
                    dir: writing_direction(tag.attr("dir")),
                    break_after: breaks_after(tag),
                };
                self.open_html(kind, pos, name);
                if tag.self_closing {
                    self.end_tag(name)?;
                }
            }
            Element::Paragraph | Element::Document => {
                if let Some(id) = id {
                    self.pending_anchors.push((id, pos.file));
                }
                if breaks_before(tag) || breaks_after(tag) {
                    self.push_block(BlockKind::PageBreak, pos);
                }
            }
            Element::Pre => return Ok(self.pre(tag, pos, html, tokens, next)),
            Element::Quotation => {
                self.open_html_event(Event::Start(MdTag::BlockQuote(None)), at, name)?
            }
            Element::Heading(level) => {
                let level = pulldown_cmark::HeadingLevel::try_from(usize::from(level))
                    .unwrap_or(pulldown_cmark::HeadingLevel::H6);
                let heading = MdTag::Heading {
                    level,
                    id: id.map(CowStr::from),
                    classes: tag.classes().into_iter().map(CowStr::from).collect(),
                    attrs: Vec::new(),
                };
                self.open_html_event(Event::Start(heading), at, name)?;
            }
            Element::List { ordered } => {
                let start = ordered.then(|| {
                    tag.attr("start")
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .unwrap_or(1)
                });
                self.open_html_event(Event::Start(MdTag::List(start)), at, name)?;
                if let Some(Frame {
                    kind: FrameKind::List { numbering, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *numbering = match tag.attr("type") {
                        Some("a") => Numbering::LowerAlpha,
                        Some("A") => Numbering::UpperAlpha,
                        Some("i") => Numbering::LowerRoman,
                        Some("I") => Numbering::UpperRoman,
                        _ => Numbering::Decimal,
                    };
                }
            }
            Element::Item if matches!(top, Some(FrameKind::List { .. })) => {
                self.open_html_event(Event::Start(MdTag::Item), at, name)?
            }
            Element::Terms => {
                self.open_html_event(Event::Start(MdTag::DefinitionList), at, name)?
            }
            Element::Term if matches!(top, Some(FrameKind::DefinitionList { .. })) => {
                self.open_html_event(Event::Start(MdTag::DefinitionListTitle), at, name)?
            }
            Element::Definition if matches!(top, Some(FrameKind::DefinitionList { .. })) => {
                self.open_html_event(Event::Start(MdTag::DefinitionListDefinition), at, name)?
            }
            Element::Table => {
                let table = Table {
                    id,
                    ..Table::default()
                };
                self.open_html(FrameKind::HtmlTable(table), pos, name);
            }
            Element::TableSection { head } if in_table => {
                if let Some(FrameKind::HtmlTable(table)) =
                    self.stack.last_mut().map(|f| &mut f.kind)
                {
                    table.in_head = head;
                }
            }
            Element::Row if in_table => {
                if let Some(FrameKind::HtmlTable(table)) =
                    self.stack.last_mut().map(|f| &mut f.kind)
                {
                    let head = table.in_head;
                    table.rows.push(Row {
                        head,
                        cells: Vec::new(),
                    });
                }
            }
            Element::Cell { header } if in_table => {
                let count = |attr: &str| {
                    tag.attr(attr)
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(1)
                        .clamp(1, MAX_SPAN)
                };
                let cell = Cell {
                    header,
                    cols: count("colspan"),
                    rows: count("rowspan"),
                    align: alignment(tag),
                    content: Vec::new(),
                };
                self.open_html(FrameKind::HtmlCell(cell), pos, name);
            }
            Element::Caption if in_table => self.open_html(FrameKind::HtmlCaption, pos, name),
            Element::Figure => {
                let figure = FrameKind::HtmlFigure {
                    id,
                    caption: Vec::new(),
                };
                self.open_html(figure, pos, name);
            }
            Element::FigCaption | Element::Summary | Element::Caption => {
                self.open_html(FrameKind::HtmlCaption, pos, name)
            }
            Element::Rule => {
                if let Some(id) = id {
                    self.pending_anchors.push((id, pos.file));
                }
                self.event(Event::Rule, at..at)?;
            }
            Element::Dropped => {
                self.report_element(name, pos, true);
                if VOID.contains(&name) || tag.self_closing {
                    return Ok(next);
                }
                // dropped up to its end tag in this block; else everything
                // up to its end tag in a later one
                let mut depth = 0;
                for (i, (token, _)) in tokens.iter().enumerate().skip(next) {
                    match token {
                        Token::Start(t) if t.name == name && !t.self_closing => depth += 1,
                        Token::End(n) if n == name => {
                            if depth == 0 {
                                return Ok(i + 1);
                            }
                            depth -= 1;
                        }
                        _ => {}
                    }
                }
                self.open_html(FrameKind::HtmlDrop, pos, name);
                return Ok(tokens.len());
            }
            // an item, cell or row where none can be: its content stays
            _ => {
                if let Some(id) = id {
                    self.pending_anchors.push((id, pos.file));
                }
            }
        }
        Ok(next)
    }

    /// `<pre>`: a code block of its text (tags inside left out, character
    /// references decoded; a first line break is not part of it, as in
    /// HTML); the language from `class` or a `<code class="language-x">`.
    fn pre(
        &mut self,
        tag: &Tag,
        pos: Pos,
        html: &Mapped,
        tokens: &[(Token<'_>, Range<usize>)],
        next: usize,
    ) -> usize {
        let language = |t: &Tag| {
            t.attr("lang").map(str::to_string).or_else(|| {
                t.classes().into_iter().find_map(|c| {
                    let c = c
                        .strip_prefix("language-")
                        .or_else(|| c.strip_prefix("lang-"))
                        .unwrap_or(&c)
                        .to_string();
                    (!c.is_empty()).then_some(c)
                })
            })
        };
        let mut lang = language(tag);
        let mut code = String::new();
        let mut end = tokens.len();
        // inside an element left out with its content (a `<script>`)
        let mut dropped: Option<&str> = None;
        for (i, (token, range)) in tokens.iter().enumerate().skip(next) {
            match token {
                Token::End(name) if dropped == Some(name.as_str()) => dropped = None,
                _ if dropped.is_some() => {}
                Token::End(name) if name == "pre" => {
                    end = i + 1;
                    break;
                }
                Token::Start(t) if t.name == "br" => code.push('\n'),
                Token::Start(t) if t.name == "code" && lang.is_none() => lang = language(t),
                Token::Start(t) => {
                    if let Some((name, Element::Dropped)) = element(&t.name) {
                        self.report_element(name, self.pos(html.file_offset(range.start)), true);
                        if !VOID.contains(&name) && !t.self_closing {
                            dropped = Some(name);
                        }
                    }
                }
                Token::Text(_) => code.push_str(&decode(&html.text[range.clone()])),
                _ => {}
            }
        }
        let code = code.strip_prefix('\n').unwrap_or(&code);
        let code = code.strip_prefix("\r\n").unwrap_or(code);
        let mut code = code.trim_end().to_string();
        code.push('\n');
        self.make_room_for_text(pos);
        self.push_block(BlockKind::CodeBlock { lang, code }, pos);
        end
    }
}

/// Whether a Markdown tag is a block's (left out when Markdown is read in
/// running text).
fn is_block_md_tag(tag: &MdTag<'_>) -> bool {
    !matches!(
        tag,
        MdTag::Emphasis
            | MdTag::Strong
            | MdTag::Strikethrough
            | MdTag::Superscript
            | MdTag::Subscript
            | MdTag::Link { .. }
            | MdTag::Image { .. }
    )
}

/// [`is_block_md_tag`] for an end.
fn is_block_md_end(end: pulldown_cmark::TagEnd) -> bool {
    use pulldown_cmark::TagEnd;
    !matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// The writing direction an HTML `dir` (or a fenced div's `dir=`) gives:
/// `rtl`, `ltr` or `auto`, lower-cased; anything else is none.
fn writing_direction(dir: Option<&str>) -> Option<String> {
    dir.map(str::to_ascii_lowercase)
        .filter(|d| matches!(d.as_str(), "rtl" | "ltr" | "auto"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_element_table_is_sorted() {
        assert!(ELEMENTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(element("sup"), Some(("sup", Element::Sup)));
        assert_eq!(element("listing"), None);
    }

    #[test]
    fn dedent_keeps_positions() {
        let mut text = Mapped::default();
        text.push("  <b>x</b>\n    y\n  z\n", 100);
        let out = text.dedent(true);
        assert_eq!(out.text, "<b>x</b>\n  y\nz\n");
        // `y` is at offset 15 of the original: 100 + 15
        let y = out.text.find('y').unwrap();
        assert_eq!(out.file_offset(y), 115);
        let z = out.text.find('z').unwrap();
        assert_eq!(out.file_offset(z), 119);
    }

    #[test]
    fn a_table_with_spans_is_placed_as_html_places_it() {
        let cell = |t: &str, header: bool, cols: usize, rows: usize| Cell {
            header,
            cols,
            rows,
            align: Align::None,
            content: vec![Inline::Text {
                text: t.to_string(),
            }],
        };
        let table = Table {
            rows: vec![
                Row {
                    head: false,
                    cells: vec![cell("A", true, 1, 1), cell("B", true, 2, 1)],
                },
                Row {
                    head: false,
                    cells: vec![
                        cell("a", false, 1, 2),
                        cell("b", false, 1, 1),
                        cell("c", false, 1, 1),
                    ],
                },
                Row {
                    head: false,
                    cells: vec![cell("d", false, 1, 1), cell("e", false, 1, 1)],
                },
            ],
            ..Table::default()
        };
        let BlockKind::Table {
            head, rows, spans, ..
        } = table_block(table)
        else {
            panic!("a table")
        };
        let text = |cells: &[Vec<Inline>]| cells.iter().map(|c| plain_text(c)).collect::<Vec<_>>();
        assert_eq!(text(&head), ["A", "B", ""]);
        assert_eq!(text(&rows[0]), ["a", "b", "c"]);
        // `a` spans two rows: `d` and `e` move right
        assert_eq!(text(&rows[1]), ["", "d", "e"]);
        assert_eq!(
            spans,
            [CellSpan {
                row: 0,
                col: 0,
                rows: 2,
                cols: 1
            }]
        );
    }
}
