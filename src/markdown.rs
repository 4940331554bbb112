//! Markdown → document tree, with pulldown-cmark.
//!
//! Steps:
//! 1. each source file is parsed into an event stream with byte offsets;
//! 2. a stack of open containers turns the events into blocks and inlines,
//!    recording the source position of every block;
//! 3. level-1 headings split the blocks into chapters (a file without one
//!    continues the previous chapter);
//! 4. footnotes are numbered per chapter and attached to it;
//! 5. heading ids are made unique across the book, and links are resolved
//!    against the ids (`#id`, `other.md`, `other.md#id`, relative to the
//!    file that links);
//! 6. chapters get their division and label ([`structure`]).
//!
//! Before parsing, [`fences`] rewrites the block syntax pulldown-cmark does
//! not know (pandoc's fenced divs, unknown HTML elements) line for line;
//! bracketed spans (`[text]{.class}`) are found through pulldown-cmark's
//! broken-link callback; attribute blocks are read by [`attrs`]; HTML tags
//! and blocks become the tree's own nodes in step 2 ([`html`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use pulldown_cmark::{
    BlockQuoteKind, BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options,
    Parser, Tag, TagEnd,
};

pub mod attrs;
pub mod emoji;
pub mod fences;
pub mod html;
pub mod pandoc;
pub mod structure;
pub mod tables;

use crate::config::{self, Config};
use crate::doc::walk::inline_children_mut;
use crate::doc::{
    plain_text, Align, Block, BlockKind, Book, CalloutKind, CellSpan, Chapter, DefinitionItem,
    Division, Flavor, Footnote, ImageSize, Inline, Length, LinkTarget, ListItem, Metadata,
    Numbering, Pos,
};
use crate::error::{Diagnostic, Error, Location, Result};
use crate::manuscript::{Manuscript, Role};
use crate::mdbook;

/// The pulldown-cmark extensions a book needs.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_MATH
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_SUBSCRIPT
        | Options::ENABLE_GFM
}

/// The link destination given to a `[text]` that no reference defines:
/// such a link is a bracketed span if attributes follow it, else the
/// brackets are text again.
const SPAN_URL: &str = "\u{0}span";

/// One file's events, with its link reference definitions.
struct Parsed<'a> {
    events: Vec<(Event<'a>, Range<usize>)>,
    /// Normalised label ([`reference_key`]) → URL and title.
    references: BTreeMap<String, (String, String)>,
}

/// Parses one file's (rewritten) text.
fn parse(text: &str) -> Parsed<'_> {
    let callback = |link: BrokenLink<'_>| -> Option<(CowStr<'_>, CowStr<'_>)> {
        // `[^x]` with no definition stays text (the footnote lint finds it)
        (!link.reference.starts_with('^')).then(|| (CowStr::from(SPAN_URL), CowStr::from("")))
    };
    let iter =
        Parser::new_with_broken_link_callback(text, options(), Some(callback)).into_offset_iter();
    let references = iter
        .reference_definitions()
        .iter()
        .map(|(label, def)| {
            (
                reference_key(label),
                (
                    def.dest.to_string(),
                    def.title.as_deref().unwrap_or("").to_string(),
                ),
            )
        })
        .collect();
    Parsed {
        events: iter.collect(),
        references,
    }
}

/// A link reference label as CommonMark matches it: case folded, runs of
/// white space as one space.
fn reference_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// How deep containers (quotes, lists) may nest; deeper content is flattened
/// into its ancestor with a warning, so no later stage recurses without bound.
pub const MAX_DEPTH: usize = 64;

/// What reading a manuscript gives.
#[derive(Debug)]
pub struct Read {
    /// The document tree.
    pub book: Book,
    /// The settings in effect: book.toml, or the front matter of a book without one.
    pub config: Config,
    /// Warnings found while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the whole manuscript into a [`Book`], with the warnings found.
pub fn read(manuscript: &Manuscript) -> Result<Read> {
    use rayon::prelude::*;
    // block syntax pulldown-cmark does not know, rewritten line for line;
    // then, in pandoc's flavor, its tables as pipe tables and its lists,
    // line blocks and inline notes (each with a map back to the lines)
    let flavors: Vec<Flavor> = manuscript
        .sources
        .iter()
        .map(|s| flavor_of(manuscript, s))
        .collect();
    let rewritten: Vec<Rewrites> = manuscript
        .sources
        .par_iter()
        .zip(&flavors)
        .map(|(source, flavor)| {
            let fenced = fences::rewrite(&source.text);
            let mut text = fenced.as_ref().map(|r| r.text.clone());
            let mut map: Option<Vec<u32>> = None;
            let mut list_styles = BTreeMap::new();
            let mut spans = BTreeMap::new();
            if *flavor == Flavor::Pandoc {
                let current = text.as_deref().unwrap_or(&source.text);
                if let Some(t) = tables::rewrite(current) {
                    text = Some(t.text);
                    map = Some(t.lines);
                    spans = t.spans;
                }
                let current = text.as_deref().unwrap_or(&source.text);
                if let Some(p) = pandoc::rewrite(current) {
                    // compose: pandoc's lines → the tables' lines → the source's
                    // the spanning cells' tables, by their lines after this pass
                    spans = spans
                        .into_iter()
                        .filter_map(|(line, s)| {
                            let at = p.lines.iter().position(|&l| l == line)?;
                            Some((at as u32 + 1, s))
                        })
                        .collect();
                    map = Some(match &map {
                        Some(before) => p
                            .lines
                            .iter()
                            .map(|&l| before.get(l as usize - 1).copied().unwrap_or(l))
                            .collect(),
                        None => p.lines,
                    });
                    text = Some(p.text);
                    list_styles = p.list_styles;
                }
            }
            Rewrites {
                dropped: fenced.map(|f| f.dropped).unwrap_or_default(),
                text,
                map,
                list_styles,
                spans,
            }
        })
        .collect();
    let texts: Vec<&str> = manuscript
        .sources
        .iter()
        .zip(&rewritten)
        .map(|(source, r)| r.text.as_deref().unwrap_or(&source.text))
        .collect();
    let line_maps: Vec<Option<Vec<u32>>> = rewritten.iter().map(|r| r.map.clone()).collect();
    // parsing is most of the work, and each file's is its own: in
    // parallel; the tree is then built from the events in order
    let parsed: Vec<Parsed<'_>> = texts.par_iter().map(|t| parse(t)).collect();
    let mut reader = Reader::new(manuscript);
    reader.line_maps = line_maps;
    reader.flavors = flavors;
    for (index, ((source, parsed), r)) in manuscript
        .sources
        .iter()
        .zip(parsed)
        .zip(&rewritten)
        .enumerate()
    {
        reader.list_styles = r.list_styles.clone();
        reader.table_spans = r.spans.clone();
        for (name, line, col) in &r.dropped {
            if reader.html_reported.insert(name.to_ascii_lowercase()) {
                // (these lines are the source's: no table map to go through)
                let pos = reader.source_origin(index as u32, *line, *col);
                let location = reader.location(pos);
                reader.diagnostics.push(Diagnostic::warning(
                    "unknown-element",
                    location,
                    format!("<{name}> is not an HTML element quire knows: its tags are left out, its content is kept"),
                ));
            }
        }
        reader.references = parsed.references;
        reader.read_file(index as u32, &source.name, texts[index], parsed.events)?;
    }
    reader.finish()
}

/// What the rewrites before parsing made of one file.
struct Rewrites {
    /// Unknown elements dropped (name, line, column).
    dropped: Vec<(String, u32, u32)>,
    /// The text to parse, when it differs from the source.
    text: Option<String>,
    /// The source line of each line of `text`, when lines moved.
    map: Option<Vec<u32>>,
    /// The numbering of lists by the line of `text` they start on.
    list_styles: BTreeMap<u32, Numbering>,
    /// Spanning cells of tables by the line of `text` they start on.
    spans: BTreeMap<u32, Vec<(usize, usize, usize, usize)>>,
}

/// The flavor a source is read as: `[markdown] flavor`, else pandoc's for
/// `.txt`, `.markdown` and `.pandoc` files and files that open with YAML
/// front matter, else CommonMark's.
fn flavor_of(manuscript: &Manuscript, source: &crate::manuscript::Source) -> Flavor {
    if let Some(flavor) = manuscript.config.markdown.flavor {
        return flavor;
    }
    let name = source.name.to_ascii_lowercase();
    let pandoc_name = [".txt", ".markdown", ".pandoc"]
        .iter()
        .any(|e| name.ends_with(e));
    let front_matter = source.text.starts_with("---\n") || source.text.starts_with("---\r\n");
    if pandoc_name || (front_matter && source.role.is_none()) {
        Flavor::Pandoc
    } else {
        Flavor::Commonmark
    }
}

/// A container being built.
struct Frame {
    kind: FrameKind,
    pos: Pos,
    blocks: Vec<Block>,
    inlines: Vec<Inline>,
    /// Where the first of `inlines` starts: loose text (a tight list item's)
    /// becomes a paragraph at this position, not at the container's.
    text_pos: Option<Pos>,
    /// The HTML element that opened this container (`div`, `sup` …), if
    /// HTML did: its end tag closes it, and Markdown's own ends close it
    /// when HTML left it open ([`html`]).
    html: Option<&'static str>,
}

enum FrameKind {
    Root,
    Paragraph,
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<String>,
        /// The `short` attribute (a running head).
        short: Option<String>,
    },
    BlockQuote,
    Callout {
        kind: CalloutKind,
    },
    Div {
        id: Option<String>,
        classes: Vec<String>,
        lang: Option<String>,
        /// The writing direction (`rtl`, `ltr` or `auto`), as HTML's `dir`.
        dir: Option<String>,
        /// A page break follows it (`<div style="page-break-after: always">`).
        break_after: bool,
    },
    List {
        start: Option<u64>,
        numbering: Numbering,
        items: Vec<ListItem>,
        tight: bool,
    },
    Item {
        checked: Option<bool>,
    },
    CodeBlock {
        lang: Option<String>,
        code: String,
        /// Where the code starts in the file's text.
        offset: Option<usize>,
    },
    HtmlBlock {
        html: html::Mapped,
    },
    Table {
        aligns: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        in_head: bool,
        spans: Vec<CellSpan>,
    },
    TableCell,
    FootnoteDefinition {
        label: String,
    },
    DefinitionList {
        items: Vec<DefinitionItem>,
    },
    DefinitionTitle,
    Definition,
    Emphasis,
    Strong,
    Strikethrough,
    Superscript,
    Subscript,
    Link {
        url: String,
        title: String,
        /// What follows `[text]` in the source for an undefined reference
        /// (`""`, `"[]"`, `"[ref]"`): the brackets given back as text when
        /// it is not a span after all.
        suffix: String,
    },
    Image {
        src: String,
        suffix: String,
    },
    Metadata {
        yaml: String,
    },
    /// A container past [`MAX_DEPTH`]: its content goes to the parent.
    Flattened,
    /// Emphasis, a link or an image past [`MAX_DEPTH`]: its content goes to the parent.
    FlattenedInline,
    /// An HTML element left out with its content (`<script>` …).
    HtmlDrop,
    /// An HTML table.
    HtmlTable(html::Table),
    /// A cell of an HTML table.
    HtmlCell(html::Cell),
    /// `<caption>`, `<figcaption>` or `<summary>` (which one: [`Frame::html`]).
    HtmlCaption,
    /// An HTML figure, with its `<figcaption>` once read.
    HtmlFigure {
        id: Option<String>,
        caption: Vec<Inline>,
    },
    /// An HTML element read as a span (`<span>`, `<kbd>`, `<mark>`, `<q>` …).
    HtmlSpan(html::SpanAttrs),
    /// `<code>`, `<samp>` or `<tt>`: inline code.
    HtmlCode,
    /// Inlines gathered for the reader itself ([`html`]).
    Collect,
}

/// A chapter under construction, with the footnote labels it references.
struct ChapterBuild {
    chapter: Chapter,
    /// The heading's `short` attribute.
    short: Option<String>,
    /// The file whose first heading titled the chapter, in an outline.
    file: Option<String>,
    /// (file, label) → number, in order of first reference.
    notes: Vec<(u32, String)>,
    next_block: u32,
}

struct Reader<'m> {
    manuscript: &'m Manuscript,
    files: Vec<String>,
    chapters: Vec<ChapterBuild>,
    /// Footnote definitions per (file, label).
    definitions: BTreeMap<(u32, String), Footnote>,
    /// The first chapter id of each file, for links to `file.md`.
    file_chapter: BTreeMap<String, usize>,
    /// The first heading of a file that continues a chapter (an mdBook
    /// sub-chapter), for links to that file.
    file_heading: BTreeMap<String, Pos>,
    /// The current file's place in the outline, if the book has one.
    role: Option<Role>,
    /// In an outline: whether the file's first level-1 heading may still
    /// title the chapter the file opened.
    title_pending: bool,
    /// In an outline: how many levels a sub-chapter's headings move down.
    heading_shift: u8,
    /// Ids of raw HTML anchors (`<a id="x"></a>`) waiting for the block
    /// after them, with the file they are written in.
    pending_anchors: Vec<(String, u32)>,
    /// Raw HTML anchors: (id, file written in, position of the block they
    /// stand for); links to them go to that block.
    raw_anchors: Vec<(String, u32, Pos)>,
    /// Per source: the source line of each line of the text parsed, when
    /// pandoc's tables were rewritten.
    line_maps: Vec<Option<Vec<u32>>>,
    /// Per source: the flavor it is read as.
    flavors: Vec<Flavor>,
    /// The raw formats left out so far (each is reported once).
    raw_formats: BTreeSet<String>,
    /// The current file's list numbering, by the line (of the text parsed)
    /// each list starts on.
    list_styles: BTreeMap<u32, Numbering>,
    /// The current file's tables' spanning cells, by the line (of the text
    /// parsed) each table starts on.
    table_spans: BTreeMap<u32, Vec<(usize, usize, usize, usize)>>,
    /// Front matter from the first file that has it.
    front_matter: Option<Config>,
    diagnostics: Vec<Diagnostic>,
    // per-file state
    file: u32,
    file_name: String,
    line_starts: Vec<usize>,
    /// The last position [`Reader::pos`] gave, as (line, byte offset,
    /// column): columns further along the same line count on from it, so
    /// a long paragraph's events do not each count from the line's start.
    last_col: std::cell::Cell<(usize, usize, usize)>,
    text: String,
    stack: Vec<Frame>,
    depth_warned: bool,
    /// Whether no heading of the current file has been read yet.
    first_heading_of_file: bool,
    /// The current file's link reference definitions (normalised label →
    /// URL and title) and footnote labels: Markdown read out of an HTML
    /// block ([`html`]) may use them.
    references: BTreeMap<String, (String, String)>,
    note_labels: BTreeSet<String>,
    /// The HTML elements reported so far (each is reported once).
    html_reported: BTreeSet<String>,
    /// How deep HTML read as Markdown nests (HTML in Markdown in HTML …).
    html_depth: usize,
}

impl<'m> Reader<'m> {
    fn new(manuscript: &'m Manuscript) -> Self {
        Reader {
            manuscript,
            files: manuscript.file_names(),
            chapters: Vec::new(),
            definitions: BTreeMap::new(),
            file_chapter: BTreeMap::new(),
            file_heading: BTreeMap::new(),
            role: None,
            title_pending: false,
            heading_shift: 0,
            pending_anchors: Vec::new(),
            raw_anchors: Vec::new(),
            line_maps: Vec::new(),
            flavors: Vec::new(),
            list_styles: BTreeMap::new(),
            table_spans: BTreeMap::new(),
            raw_formats: BTreeSet::new(),
            front_matter: None,
            diagnostics: Vec::new(),
            file: 0,
            file_name: String::new(),
            line_starts: Vec::new(),
            last_col: std::cell::Cell::new((0, 0, 0)),
            text: String::new(),
            stack: Vec::new(),
            depth_warned: false,
            first_heading_of_file: true,
            references: BTreeMap::new(),
            note_labels: BTreeSet::new(),
            html_reported: BTreeSet::new(),
            html_depth: 0,
        }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let end = offset.min(self.text.len());
        let mut end = end.max(start);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let (from, base) = match self.last_col.get() {
            (l, at, col) if l == line && (start..=end).contains(&at) => (at, col),
            _ => (start, 1),
        };
        let col = base + self.text[from..end].chars().count();
        self.last_col.set((line, end, col));
        self.origin(self.file, line as u32, col as u32)
    }

    /// Line `line` of the text parsed for source `file` as a position in
    /// the file it came from: through the table rewrite's map, then the
    /// includes' (an included file's line, in an mdBook project).
    fn origin(&self, file: u32, line: u32, col: u32) -> Pos {
        let line = match self.line_maps.get(file as usize).and_then(Option::as_ref) {
            Some(map) => map.get(line as usize - 1).copied().unwrap_or(line),
            None => line,
        };
        self.source_origin(file, line, col)
    }

    /// Line `line` of source `file`'s own text as a position in the file it
    /// came from (an included file's line, in an mdBook project).
    fn source_origin(&self, file: u32, line: u32, col: u32) -> Pos {
        let origins = self
            .manuscript
            .sources
            .get(file as usize)
            .and_then(|s| s.origins.as_ref());
        match origins.and_then(|o| o.get(line as usize - 1)) {
            Some(&(file, line)) => Pos { file, line, col },
            None => Pos { file, line, col },
        }
    }

    fn location(&self, pos: Pos) -> Location {
        Location::new(
            self.files
                .get(pos.file as usize)
                .cloned()
                .unwrap_or_default(),
            pos.line,
            pos.col,
        )
    }

    fn read_file(
        &mut self,
        file: u32,
        name: &str,
        text: &str,
        events: Vec<(Event<'_>, Range<usize>)>,
    ) -> Result<()> {
        self.file = file;
        self.file_name = name.to_string();
        self.text = text.to_string();
        self.note_labels = events
            .iter()
            .filter_map(|(e, _)| match e {
                Event::Start(Tag::FootnoteDefinition(label)) => Some(label.to_string()),
                _ => None,
            })
            .collect();
        self.last_col.set((0, 0, 0));
        self.line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.stack = vec![Frame::new(
            FrameKind::Root,
            Pos {
                file,
                line: 1,
                col: 1,
            },
        )];
        self.file_chapter
            .insert(name.to_string(), self.chapters.len().max(1) - 1);
        self.first_heading_of_file = true;
        self.role = self.manuscript.sources[file as usize].role.clone();
        self.title_pending = false;
        // a sub-chapter's headings move down so that its top level sits
        // under its chapter (a file that already writes `##` keeps them)
        self.heading_shift = match &self.role {
            Some(role) if role.depth > 0 => {
                let top = events
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Start(Tag::Heading { level, .. }) => Some(*level as u8),
                        _ => None,
                    })
                    .min()
                    .unwrap_or(1);
                (role.depth + 1).saturating_sub(top)
            }
            _ => 0,
        };
        if let Some(role) = self.role.clone() {
            self.open_outline_file(name, &role);
        }
        for (event, range) in events {
            self.event(event, range)?;
        }
        // close whatever is open (pulldown-cmark balances, but be safe)
        while self.stack.len() > 1 {
            self.close_top()?;
        }
        let mut root = self.stack.pop().expect("root frame");
        root.flush_inlines();
        for block in root.blocks {
            self.add_top_level(block);
        }
        Ok(())
    }

    /// Reads one event of the file's stream (or of HTML's content, read
    /// as Markdown: [`html`]); `range` is where it is in the file's text.
    fn event(&mut self, event: Event<'_>, range: Range<usize>) -> Result<()> {
        let pos = self.pos(range.start);
        // headings: the level an outline gives them, and attributes
        // pulldown-cmark does not read (`{-}`, `short="…"`)
        let event = match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let level = self.outline_level(level);
                let mut tag = Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                };
                self.read_heading_attrs(&mut tag, &range);
                Event::Start(tag)
            }
            other => other,
        };
        let inline = match &event {
            Event::Start(tag) => matches!(
                tag,
                Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Superscript
                    | Tag::Subscript
                    | Tag::Link { .. }
                    | Tag::Image { .. }
            ),
            Event::End(_) | Event::Rule | Event::TaskListMarker(_) => false,
            _ => true,
        };
        if let Some(frame) = self.stack.last_mut().filter(|_| inline) {
            frame.text_pos.get_or_insert(pos);
        }
        match event {
            Event::Start(tag) => {
                if let Tag::Heading {
                    level: HeadingLevel::H1,
                    ..
                } = &tag
                {
                    if self.title_pending && self.stack.len() == 1 {
                        // an outline opened the chapter; this heading titles it
                        self.title_pending = false;
                    } else {
                        if self.first_heading_of_file && self.stack.len() == 1 {
                            // the file opens a chapter: links to the file go there
                            self.file_chapter
                                .insert(self.file_name.clone(), self.chapters.len());
                        }
                        if self.stack.len() == 1 {
                            // open the chapter now, so that notes in its
                            // title are numbered in it
                            self.open_chapter(pos);
                        }
                    }
                }
                if let Tag::Heading { .. } = &tag {
                    if self.first_heading_of_file && self.role.as_ref().is_some_and(|r| r.depth > 0)
                    {
                        self.file_heading.insert(self.file_name.clone(), pos);
                    }
                    self.first_heading_of_file = false;
                }
                let ordered = matches!(tag, Tag::List(Some(_)));
                let table = matches!(tag, Tag::Table(_));
                self.start(tag, pos)?;
                if table && !self.table_spans.is_empty() {
                    // a grid table's spanning cells, by the line it starts on
                    let line = self.line_starts.partition_point(|&s| s <= range.start) as u32;
                    if let Some(found) = self.table_spans.get(&line) {
                        if let Some(Frame {
                            kind: FrameKind::Table { spans, .. },
                            ..
                        }) = self.stack.last_mut()
                        {
                            *spans = found
                                .iter()
                                .map(|&(row, col, rows, cols)| CellSpan {
                                    row,
                                    col,
                                    rows,
                                    cols,
                                })
                                .collect();
                        }
                    }
                }
                if ordered && !self.list_styles.is_empty() {
                    // pandoc's fancy lists: the style the rewrite recorded
                    let line = self.line_starts.partition_point(|&s| s <= range.start) as u32;
                    if let Some(&style) = self.list_styles.get(&line) {
                        if let Some(Frame {
                            kind: FrameKind::List { numbering, .. },
                            ..
                        }) = self.stack.last_mut()
                        {
                            *numbering = style;
                        }
                    }
                }
            }
            Event::End(end) => self.end(end)?,
            Event::Text(text) => {
                if let Some(frame) = self.stack.last_mut() {
                    match &mut frame.kind {
                        FrameKind::CodeBlock { code, offset, .. } => {
                            offset.get_or_insert(range.start);
                            code.push_str(&text)
                        }
                        FrameKind::HtmlBlock { html } => html.push(&text, range.start),
                        FrameKind::Metadata { yaml } => yaml.push_str(&text),
                        // `\^`, `\~` (the text after the backslash): kept from
                        // being read as pandoc's `^sup^`, `~sub~`
                        _ if text.starts_with(['^', '~'])
                            && escaped_at(&self.text, range.start) =>
                        {
                            push_text(&mut frame.inlines, &format!("{ESCAPED}{text}"))
                        }
                        _ => push_text(&mut frame.inlines, &text),
                    }
                }
            }
            Event::Code(code) => self.push_inline(Inline::Code {
                code: code.into_string(),
            }),
            Event::InlineMath(source) => self.push_inline(Inline::Math {
                source: source.into_string(),
            }),
            Event::DisplayMath(source) => {
                // display math alone in its paragraph becomes a block (see end)
                self.push_inline(Inline::Math {
                    source: format!("\u{0}display\u{0}{source}"),
                })
            }
            Event::Html(html) => {
                if let Some(Frame {
                    kind: FrameKind::HtmlBlock { html: buf },
                    ..
                }) = self.stack.last_mut()
                {
                    buf.push(&html, range.start);
                } else {
                    self.inline_html(&html, range.start)?;
                }
            }
            // tags in running text: the elements they stand for
            Event::InlineHtml(html) => self.inline_html(&html, range.start)?,
            Event::FootnoteReference(label) => {
                let inline = self.footnote_ref(&label);
                self.push_inline(inline)
            }
            Event::SoftBreak => self.push_inline(Inline::SoftBreak),
            Event::HardBreak => self.push_inline(Inline::HardBreak),
            Event::Rule => self.push_block(BlockKind::ThematicBreak, pos),
            Event::TaskListMarker(checked) => {
                if let Some(frame) = self
                    .stack
                    .iter_mut()
                    .rev()
                    .find(|f| matches!(f.kind, FrameKind::Item { .. }))
                {
                    frame.kind = FrameKind::Item {
                        checked: Some(checked),
                    };
                }
            }
        }
        Ok(())
    }

    fn push_inline(&mut self, inline: Inline) {
        if let Some(frame) = self.stack.last_mut() {
            frame.inlines.push(inline);
        }
    }

    /// A reference to a note: numbered within the current chapter.
    fn footnote_ref(&mut self, label: &str) -> Inline {
        if self.chapters.is_empty() {
            self.new_chapter(None, self.pos(0));
        }
        let chapter_no = self.chapters.len();
        let build = self.chapters.last_mut().expect("a chapter");
        let key = (self.file, label.to_string());
        let number = match build.notes.iter().position(|k| *k == key) {
            Some(i) => i + 1,
            None => {
                build.notes.push(key);
                build.notes.len()
            }
        };
        Inline::FootnoteRef {
            id: format!("fn-{chapter_no}-{number}"),
            number: number as u32,
        }
    }

    fn start(&mut self, tag: Tag<'_>, pos: Pos) -> Result<()> {
        let kind = match tag {
            Tag::Paragraph => FrameKind::Paragraph,
            Tag::Heading {
                level,
                id,
                classes,
                attrs,
            } => FrameKind::Heading {
                level: level as u8,
                id: id.map(|s| s.into_string()),
                classes: classes.into_iter().map(|c| c.into_string()).collect(),
                short: attrs
                    .into_iter()
                    .find(|(k, _)| k.as_ref() == "short")
                    .and_then(|(_, v)| v.map(|v| v.into_string())),
            },
            Tag::BlockQuote(Some(kind)) => FrameKind::Callout {
                kind: match kind {
                    BlockQuoteKind::Note => CalloutKind::Note,
                    BlockQuoteKind::Tip => CalloutKind::Tip,
                    BlockQuoteKind::Important => CalloutKind::Important,
                    BlockQuoteKind::Warning => CalloutKind::Warning,
                    BlockQuoteKind::Caution => CalloutKind::Caution,
                },
            },
            Tag::BlockQuote(None) => FrameKind::BlockQuote,
            Tag::CodeBlock(kind) => FrameKind::CodeBlock {
                lang: match kind {
                    // `rust,ignore`, `{.python}`: the first word is the language
                    CodeBlockKind::Fenced(info) => info
                        .split(|c: char| c.is_whitespace() || c == ',')
                        .find(|w| !w.is_empty())
                        .map(|s| s.trim_matches(|c| c == '{' || c == '}' || c == '.'))
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    CodeBlockKind::Indented => None,
                },
                code: String::new(),
                offset: None,
            },
            Tag::HtmlBlock => FrameKind::HtmlBlock {
                html: html::Mapped::default(),
            },
            Tag::List(start) => FrameKind::List {
                start,
                numbering: Numbering::Decimal,
                items: Vec::new(),
                tight: true,
            },
            Tag::Item => FrameKind::Item { checked: None },
            Tag::FootnoteDefinition(label) => FrameKind::FootnoteDefinition {
                label: label.into_string(),
            },
            Tag::DefinitionList => FrameKind::DefinitionList { items: Vec::new() },
            Tag::DefinitionListTitle => FrameKind::DefinitionTitle,
            Tag::DefinitionListDefinition => FrameKind::Definition,
            Tag::Table(aligns) => FrameKind::Table {
                aligns: aligns
                    .into_iter()
                    .map(|a| match a {
                        pulldown_cmark::Alignment::None => Align::None,
                        pulldown_cmark::Alignment::Left => Align::Left,
                        pulldown_cmark::Alignment::Center => Align::Center,
                        pulldown_cmark::Alignment::Right => Align::Right,
                    })
                    .collect(),
                head: Vec::new(),
                rows: Vec::new(),
                in_head: false,
                spans: Vec::new(),
            },
            Tag::TableHead => {
                if let Some(Frame {
                    kind: FrameKind::Table { in_head, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *in_head = true;
                }
                return Ok(());
            }
            Tag::TableRow => {
                if let Some(Frame {
                    kind: FrameKind::Table { rows, in_head, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    if !*in_head {
                        rows.push(Vec::new());
                    }
                }
                return Ok(());
            }
            Tag::TableCell => FrameKind::TableCell,
            Tag::Emphasis => FrameKind::Emphasis,
            Tag::Strong => FrameKind::Strong,
            Tag::Strikethrough => FrameKind::Strikethrough,
            Tag::Superscript => FrameKind::Superscript,
            Tag::Subscript => FrameKind::Subscript,
            Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            } => FrameKind::Link {
                url: dest_url.into_string(),
                title: title.into_string(),
                suffix: unknown_reference_suffix(link_type, &id),
            },
            Tag::Image {
                link_type,
                dest_url,
                id,
                ..
            } => FrameKind::Image {
                src: dest_url.into_string(),
                suffix: unknown_reference_suffix(link_type, &id),
            },
            Tag::MetadataBlock(_) => FrameKind::Metadata {
                yaml: String::new(),
            },
        };
        self.open(kind, pos);
        Ok(())
    }

    /// Opens a container of `kind` at `pos`: a block flushes the loose text
    /// of the item it is in; quotes and lists, and emphasis, links and
    /// images, past [`MAX_DEPTH`] are flattened.
    fn open(&mut self, kind: FrameKind, pos: Pos) {
        let is_block = is_block_frame(&kind);
        // a block inside a tight list item or definition: flush its loose text
        if is_block {
            if let Some(parent) = self.stack.last_mut() {
                if matches!(parent.kind, FrameKind::Item { .. } | FrameKind::Definition) {
                    parent.flush_inlines();
                }
            }
            if matches!(kind, FrameKind::Paragraph) {
                self.mark_loose_list();
            }
        }
        // inside a flattened container every container is past the limit
        // (and counting a stack thousands deep for each would be quadratic)
        let top = self.stack.last().map(|f| &f.kind);
        let top_flattened = matches!(top, Some(FrameKind::Flattened));
        let top_flattened_inline = matches!(top, Some(FrameKind::FlattenedInline));
        let nesting = self
            .stack
            .iter()
            .take(if top_flattened || !nests(&kind) {
                0
            } else {
                usize::MAX
            })
            .filter(|f| nests(&f.kind))
            .count();
        let kind = if (nesting >= MAX_DEPTH || top_flattened) && nests(&kind) {
            if !self.depth_warned {
                self.depth_warned = true;
                self.diagnostics.push(Diagnostic::warning(
                    "nesting-too-deep",
                    self.location(pos),
                    format!("quotes, lists and divs nest deeper than {MAX_DEPTH} levels; deeper levels are flattened"),
                ));
            }
            FrameKind::Flattened
        } else {
            kind
        };
        // the same for emphasis, links and images (images nest in their
        // descriptions): every writer recurses over inlines
        let kind = if is_inline_frame(&kind)
            && (top_flattened_inline
                || self
                    .stack
                    .iter()
                    .filter(|f| is_inline_frame(&f.kind))
                    .count()
                    >= MAX_DEPTH)
        {
            if !self.depth_warned {
                self.depth_warned = true;
                self.diagnostics.push(Diagnostic::warning(
                    "nesting-too-deep",
                    self.location(pos),
                    format!("emphasis, links and images nest deeper than {MAX_DEPTH} levels; deeper levels are flattened"),
                ));
            }
            FrameKind::FlattenedInline
        } else {
            kind
        };
        self.stack.push(Frame::new(kind, pos));
    }

    /// A paragraph directly in a list item makes the list loose.
    fn mark_loose_list(&mut self) {
        let n = self.stack.len();
        if n >= 2 && matches!(self.stack[n - 1].kind, FrameKind::Item { .. }) {
            if let FrameKind::List { tight, .. } = &mut self.stack[n - 2].kind {
                *tight = false;
            }
        }
    }

    fn end(&mut self, end: TagEnd) -> Result<()> {
        match end {
            TagEnd::TableHead => {
                if let Some(Frame {
                    kind: FrameKind::Table { in_head, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *in_head = false;
                }
                Ok(())
            }
            TagEnd::TableRow => Ok(()),
            _ => {
                // what HTML left open inside the container ends with it
                self.close_open_html()?;
                self.close_top()
            }
        }
    }

    fn close_top(&mut self) -> Result<()> {
        let frame = match self.stack.pop() {
            Some(f) => f,
            None => return Ok(()),
        };
        let Frame {
            kind,
            pos,
            mut blocks,
            mut inlines,
            text_pos,
            html,
        } = frame;
        if html.is_some() && html::takes_inlines_only(&kind) {
            // text HTML put in a heading or a cell was read as paragraphs
            let mut content = html::blocks_to_inlines(std::mem::take(&mut blocks));
            if !content.is_empty() && !inlines.is_empty() {
                content.push(Inline::HardBreak);
            }
            content.append(&mut inlines);
            inlines = content;
        }
        // where loose inline content (a tight item's text) starts
        let text_at = text_pos.unwrap_or(pos);
        match kind {
            FrameKind::Root => {
                // never popped here; put it back
                self.stack.push(Frame {
                    kind: FrameKind::Root,
                    pos,
                    blocks,
                    inlines,
                    text_pos,
                    html,
                });
            }
            FrameKind::Paragraph => {
                // `Table: caption` after a table is its caption
                if let Some(caption) = table_caption(&inlines) {
                    if let Some(Block {
                        kind: BlockKind::Table { caption: slot, .. },
                        ..
                    }) = self.stack.last_mut().and_then(|f| f.blocks.last_mut())
                    {
                        if slot.is_empty() {
                            *slot = caption;
                            return Ok(());
                        }
                    }
                }
                let (inlines, figure_id, dropped) = attach_attributes(inlines, true);
                for format in dropped {
                    self.raw_format_dropped(&format, pos);
                }
                // `` `<b>x</b>`{=html} ``: read as HTML, as the reader reads tags
                let inlines = self.raw_inline_html(inlines, pos);
                if html::shows_nothing(&inlines) {
                    // a paragraph of HTML that shows nothing (`<span></span>`,
                    // an anchor): left out
                    self.anchors_to_next_block(pos);
                    return Ok(());
                }
                let block = if is_page_break_command(&inlines) {
                    BlockKind::PageBreak
                } else {
                    paragraph_or_figure(inlines)
                };
                let id = match &block {
                    BlockKind::Figure { .. } => figure_id.unwrap_or_default(),
                    _ => String::new(),
                };
                self.push_block_with_id(block, pos, id);
            }
            FrameKind::Heading {
                level,
                id,
                classes,
                short,
            } => {
                let id = id.unwrap_or_default();
                let content = inlines;
                if level == 1 {
                    self.finish_block_parent_for_chapter(pos, id, classes, content, short);
                } else {
                    self.push_block_with_id(
                        BlockKind::Heading {
                            level,
                            classes,
                            content,
                        },
                        pos,
                        id,
                    );
                }
            }
            FrameKind::BlockQuote => {
                flush_inlines(&mut blocks, inlines, text_at);
                self.push_block(BlockKind::BlockQuote { blocks }, pos);
            }
            FrameKind::Callout { kind } => {
                flush_inlines(&mut blocks, inlines, text_at);
                self.push_block(BlockKind::Callout { kind, blocks }, pos);
            }
            FrameKind::Div {
                id,
                classes,
                lang,
                dir,
                break_after,
            } => {
                flush_inlines(&mut blocks, inlines, text_at);
                if html.is_some() && blocks.is_empty() {
                    // an empty HTML element (a page break's `<div style=…>`,
                    // an anchor): links to its id go to what follows
                    if let Some(id) = id {
                        self.pending_anchors.push((id, pos.file));
                    }
                    if break_after {
                        self.push_block(BlockKind::PageBreak, pos);
                    }
                    return Ok(());
                }
                let kind = match classes.iter().find_map(|c| CalloutKind::from_name(c)) {
                    Some(kind) => BlockKind::Callout { kind, blocks },
                    None => BlockKind::Div {
                        classes,
                        lang,
                        dir,
                        blocks,
                    },
                };
                self.push_block_with_id(kind, pos, id.unwrap_or_default());
                if break_after {
                    self.push_block(BlockKind::PageBreak, pos);
                }
            }
            FrameKind::List {
                start,
                numbering,
                items,
                tight,
            } => self.push_block(
                BlockKind::List {
                    start,
                    numbering,
                    // an HTML list is set tight, as a browser sets it
                    tight: tight || html.is_some(),
                    items,
                },
                pos,
            ),
            FrameKind::Item { checked } => {
                flush_inlines(&mut blocks, inlines, text_at);
                if let Some(Frame {
                    kind: FrameKind::List { items, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    items.push(ListItem { checked, blocks });
                }
            }
            FrameKind::CodeBlock { lang, code, offset }
                if lang.as_deref().is_some_and(|l| l.starts_with('=')) =>
            {
                // pandoc's raw_attribute: ```{=html} is HTML, read as the
                // reader reads HTML blocks (its text is not Markdown); other
                // formats are for their writers, not for a book's outputs
                let format = lang.unwrap_or_default()[1..].to_ascii_lowercase();
                if format == "html" || format == "html5" {
                    let mut html = html::Mapped::default();
                    html.push(&code, offset.unwrap_or(0));
                    self.html_block(html, pos, false)?;
                } else {
                    self.raw_format_dropped(&format, pos);
                }
            }
            FrameKind::CodeBlock { lang, code, .. } => {
                // mdBook's hidden lines are for the playground, not the page
                let code = if lang.as_deref().is_some_and(|l| l == "rust" || l == "rs") {
                    mdbook::strip_hidden_lines(&code)
                } else {
                    code
                };
                self.push_block(BlockKind::CodeBlock { lang, code }, pos)
            }
            FrameKind::HtmlBlock { html } => self.html_block(html, pos, true)?,
            FrameKind::Table {
                aligns,
                head,
                rows,
                spans,
                ..
            } => {
                // a table written without a header has an empty one
                let head = if head.iter().all(Vec::is_empty) {
                    Vec::new()
                } else {
                    head
                };
                self.push_block(
                    BlockKind::Table {
                        caption: Vec::new(),
                        spans,
                        aligns,
                        head,
                        rows,
                    },
                    pos,
                )
            }
            FrameKind::TableCell => {
                let (inlines, _, dropped) = attach_attributes(inlines, false);
                for format in dropped {
                    self.raw_format_dropped(&format, pos);
                }
                if let Some(Frame {
                    kind:
                        FrameKind::Table {
                            head,
                            rows,
                            in_head,
                            ..
                        },
                    ..
                }) = self.stack.last_mut()
                {
                    if *in_head {
                        head.push(inlines);
                    } else if let Some(row) = rows.last_mut() {
                        row.push(inlines);
                    }
                }
            }
            FrameKind::FootnoteDefinition { label } => {
                flush_inlines(&mut blocks, inlines, text_at);
                let location = self.location(pos);
                match self.definitions.entry((self.file, label.clone())) {
                    std::collections::btree_map::Entry::Occupied(_) => {
                        self.diagnostics.push(Diagnostic::warning(
                            "duplicate-footnote",
                            location,
                            format!(
                                "footnote `{label}` is defined twice; the first definition is used"
                            ),
                        ))
                    }
                    std::collections::btree_map::Entry::Vacant(slot) => {
                        slot.insert(Footnote {
                            id: String::new(),
                            label,
                            pos,
                            blocks,
                        });
                    }
                }
            }
            FrameKind::DefinitionList { items } => {
                self.push_block(BlockKind::DefinitionList { items }, pos)
            }
            FrameKind::DefinitionTitle => {
                let (inlines, _, dropped) = attach_attributes(inlines, false);
                for format in dropped {
                    self.raw_format_dropped(&format, pos);
                }
                if let Some(Frame {
                    kind: FrameKind::DefinitionList { items },
                    ..
                }) = self.stack.last_mut()
                {
                    items.push(DefinitionItem {
                        term: inlines,
                        definitions: Vec::new(),
                    });
                }
            }
            FrameKind::Definition => {
                flush_inlines(&mut blocks, inlines, text_at);
                if let Some(Frame {
                    kind: FrameKind::DefinitionList { items },
                    ..
                }) = self.stack.last_mut()
                {
                    match items.last_mut() {
                        Some(item) => item.definitions.push(blocks),
                        None => items.push(DefinitionItem {
                            term: Vec::new(),
                            definitions: vec![blocks],
                        }),
                    }
                }
            }
            FrameKind::Emphasis => self.push_inline(Inline::Emph { content: inlines }),
            FrameKind::Strong => self.push_inline(Inline::Strong { content: inlines }),
            FrameKind::Strikethrough => {
                self.push_inline(Inline::Strikethrough { content: inlines })
            }
            FrameKind::Superscript => self.push_inline(Inline::Superscript { content: inlines }),
            FrameKind::Subscript => self.push_inline(Inline::Subscript { content: inlines }),
            FrameKind::Link { url, suffix, .. } if url == SPAN_URL => {
                // a bracketed span, if attributes follow (see `resolve_spans`)
                let place = format!("{}:{}:{}", pos.file, pos.line, pos.col);
                self.push_inline(Inline::Span {
                    id: None,
                    classes: vec![PENDING_SPAN.to_string(), suffix, place],
                    lang: None,
                    content: inlines,
                })
            }
            FrameKind::Link { url, title, .. } => self.push_inline(Inline::Link {
                target: LinkTarget::External { url },
                title,
                content: inlines,
                pos,
            }),
            FrameKind::Image { src, suffix } if src == SPAN_URL => {
                // `![text]` that no reference defines: text
                if let Some(frame) = self.stack.last_mut() {
                    push_text(&mut frame.inlines, "![");
                    for inline in inlines {
                        match inline {
                            Inline::Text { text } => push_text(&mut frame.inlines, &text),
                            other => frame.inlines.push(other),
                        }
                    }
                    push_text(&mut frame.inlines, &format!("]{suffix}"));
                }
            }
            FrameKind::Image { src, .. } => {
                let src = self.relative_src(src);
                self.push_inline(Inline::Image {
                    src,
                    alt: alt_text(inlines),
                    size: ImageSize::default(),
                    pos,
                })
            }
            FrameKind::Metadata { yaml } => {
                // the YAML starts on the line after the opening `---`
                let (config, warnings) =
                    config::parse_front_matter(&self.file_name, &yaml, pos.line)?;
                self.diagnostics.extend(warnings);
                if self.front_matter.is_none() {
                    self.front_matter = Some(config);
                }
            }
            FrameKind::FlattenedInline => {
                if let Some(parent) = self.stack.last_mut() {
                    parent.inlines.extend(inlines);
                }
            }
            kind @ (FrameKind::HtmlDrop
            | FrameKind::HtmlTable(_)
            | FrameKind::HtmlCell(_)
            | FrameKind::HtmlCaption
            | FrameKind::HtmlFigure { .. }
            | FrameKind::HtmlSpan(_)
            | FrameKind::HtmlCode
            | FrameKind::Collect) => {
                self.close_html_frame(kind, pos, blocks, inlines, html.unwrap_or(""))?
            }
            FrameKind::Flattened => {
                // hand the content to the parent as if this container were not
                // there: its loose text (a tight item's) as a paragraph of its
                // own, not run into the parent's text; to a list as an item
                flush_inlines(&mut blocks, inlines, text_at);
                if let Some(parent) = self.stack.last_mut() {
                    if let FrameKind::List { items, .. } = &mut parent.kind {
                        items.push(ListItem {
                            checked: None,
                            blocks,
                        });
                    } else {
                        parent.flush_inlines();
                        parent.blocks.append(&mut blocks);
                    }
                }
            }
        }
        Ok(())
    }

    fn push_block(&mut self, kind: BlockKind, pos: Pos) {
        self.push_block_with_id(kind, pos, String::new())
    }

    /// Adds a block to the innermost open container. Ids are given later.
    fn push_block_with_id(&mut self, kind: BlockKind, pos: Pos, id: String) {
        if !matches!(kind, BlockKind::RawHtml { .. }) {
            for (anchor, file) in std::mem::take(&mut self.pending_anchors) {
                self.raw_anchors.push((anchor, file, pos));
            }
        }
        let block = Block { id, pos, kind };
        if let Some(frame) = self.stack.last_mut() {
            if matches!(frame.kind, FrameKind::Item { .. } | FrameKind::Definition) {
                frame.flush_inlines();
            }
            frame.blocks.push(block);
        }
    }

    /// A level-1 heading at top level starts: everything so far at top level
    /// belongs to the previous chapter; a new (still untitled) chapter starts.
    fn open_chapter(&mut self, pos: Pos) {
        let root = self.stack.last_mut().expect("root");
        root.flush_inlines();
        let pending = std::mem::take(&mut root.blocks);
        for block in pending {
            self.add_top_level(block);
        }
        self.new_chapter(None, pos);
    }

    /// A level-1 heading ends: at top level it titles the chapter
    /// [`Self::open_chapter`] opened; nested, it stays a block.
    fn finish_block_parent_for_chapter(
        &mut self,
        pos: Pos,
        id: String,
        classes: Vec<String>,
        title: Vec<Inline>,
        short: Option<String>,
    ) {
        if self.stack.len() > 1 {
            // a level-1 heading nested in a quote or list: keep it as a block
            self.push_block_with_id(
                BlockKind::Heading {
                    level: 1,
                    classes,
                    content: title,
                },
                pos,
                id,
            );
            return;
        }
        for (anchor, file) in std::mem::take(&mut self.pending_anchors) {
            self.raw_anchors.push((anchor, file, pos));
        }
        let build = self.chapters.last_mut().expect("opened");
        build.short = short;
        let chapter = &mut build.chapter;
        chapter.id = id;
        chapter.classes = classes;
        chapter.title = title;
        chapter.pos = pos;
    }

    fn new_chapter(&mut self, heading: Option<(String, Vec<String>, Vec<Inline>)>, pos: Pos) {
        let (id, classes, title) = heading.unwrap_or_default();
        self.chapters.push(ChapterBuild {
            chapter: Chapter {
                id,
                title,
                classes,
                pos,
                ..Chapter::default()
            },
            short: None,
            file: None,
            notes: Vec::new(),
            next_block: 0,
        });
    }

    /// A file of an outline starts: the parts before it, and the chapter
    /// it opens (a sub-chapter continues the chapter above it).
    fn open_outline_file(&mut self, name: &str, role: &Role) {
        for (title, file, line, col) in &role.parts {
            let pos = Pos {
                file: *file,
                line: *line,
                col: *col,
            };
            self.new_chapter(None, pos);
            let chapter = &mut self.chapters.last_mut().expect("a part").chapter;
            chapter.title = vec![Inline::Text {
                text: title.clone(),
            }];
            chapter.division = Division::Part;
        }
        let continues = role.depth > 0
            && self
                .chapters
                .last()
                .is_some_and(|c| c.chapter.division != Division::Part);
        if continues {
            return;
        }
        let pos = self.origin(self.file, 1, 1);
        self.file_chapter
            .insert(name.to_string(), self.chapters.len());
        self.new_chapter(None, pos);
        let build = self.chapters.last_mut().expect("a chapter");
        build.chapter.title = vec![Inline::Text {
            text: role.title.clone(),
        }];
        build.chapter.division = role.division;
        build.file = Some(name.to_string());
        self.title_pending = true;
    }

    /// The level a heading has in the book: in an outline, a chapter
    /// file's first level-1 heading titles it and later ones are sections;
    /// a sub-chapter's headings move down by its depth.
    fn outline_level(&self, level: HeadingLevel) -> HeadingLevel {
        let Some(role) = &self.role else {
            return level;
        };
        let n = level as usize;
        let shifted = if role.depth == 0 {
            if n == 1 && !(self.title_pending && self.stack.len() == 1) {
                2
            } else {
                n
            }
        } else {
            n + self.heading_shift as usize
        };
        HeadingLevel::try_from(shifted.min(6)).unwrap_or(HeadingLevel::H6)
    }

    /// Reads a heading's attribute block from the source, as pandoc does:
    /// `{-}` (unnumbered) and quoted values (`short="A title"`), which
    /// pulldown-cmark does not read.
    fn read_heading_attrs(&self, tag: &mut Tag<'_>, range: &Range<usize>) {
        let Tag::Heading {
            id, classes, attrs, ..
        } = tag
        else {
            return;
        };
        let source = self.text.get(range.clone()).unwrap_or("");
        let lines: Vec<&str> = source.lines().collect();
        let line = if source.trim_start().starts_with('#') {
            // ATX: one line, maybe with closing #s
            let l = lines.first().copied().unwrap_or("").trim_end();
            let without = l.trim_end_matches('#');
            if without.len() < l.len() && without.ends_with([' ', '\t']) {
                without
            } else {
                l
            }
        } else {
            // setext: the text's last line, above the underline
            lines.iter().rev().nth(1).copied().unwrap_or("")
        };
        let Some((_, parsed)) = attrs::trailing(line) else {
            return;
        };
        if let Some(value) = parsed.id {
            *id = Some(value.into());
        }
        *classes = parsed.classes.into_iter().map(CowStr::from).collect();
        *attrs = parsed
            .pairs
            .into_iter()
            .map(|(k, v)| (CowStr::from(k), Some(CowStr::from(v))))
            .collect();
    }

    /// Raw content for a format no output of quire's is (`{=latex}`,
    /// `{=typst}`): left out, with one warning per format.
    fn raw_format_dropped(&mut self, format: &str, pos: Pos) {
        if self.raw_formats.insert(format.to_string()) {
            let location = self.location(pos);
            self.diagnostics.push(Diagnostic::warning(
                "raw-format",
                location,
                format!("raw `{{={format}}}` content is for another writer; quire leaves it out (this is said once per format)"),
            ));
        }
    }

    /// An image's path relative to the manuscript folder, from the path
    /// written in the current file (relative to that file's folder).
    fn relative_src(&self, src: String) -> String {
        if src.contains("://") || src.starts_with("data:") || src.starts_with('/') {
            return src;
        }
        let decoded = crate::manuscript::percent_decode(&src);
        match mdbook::relative_to(&self.file_name, &decoded) {
            Some(path) => path,
            // leaves the folder: kept as written, for the error that says so
            None => src,
        }
    }

    fn add_top_level(&mut self, block: Block) {
        if self.chapters.is_empty() {
            self.new_chapter(None, block.pos);
        }
        let build = self.chapters.last_mut().expect("a chapter");
        build.chapter.blocks.push(block);
    }

    fn finish(mut self) -> Result<Read> {
        // 4. footnotes: attach the definitions each chapter references
        let mut used = BTreeSet::new();
        for (index, build) in self.chapters.iter_mut().enumerate() {
            for (number, key) in build.notes.iter().enumerate() {
                let note = match self.definitions.get(key) {
                    Some(note) => note.clone(),
                    None => continue,
                };
                used.insert(key.clone());
                build.chapter.footnotes.push(Footnote {
                    id: format!("fn-{}-{}", index + 1, number + 1),
                    ..note
                });
            }
        }
        for (key, note) in &self.definitions {
            if !used.contains(key) {
                let location = Location::new(
                    self.files[note.pos.file as usize].clone(),
                    note.pos.line,
                    note.pos.col,
                );
                self.diagnostics.push(Diagnostic::warning(
                    "unused-footnote",
                    location,
                    format!("footnote `{}` is defined but never referenced", note.label),
                ));
            }
        }
        // 5. ids and links
        let mut ids = Ids::default();
        // the notes' ids are fixed (the references carry them): reserve them
        for build in &self.chapters {
            for note in &build.chapter.footnotes {
                ids.taken.insert(note.id.clone());
            }
        }
        // an abstract (pandoc's `abstract`) opens the book, as a page of
        // front matter in print and a `doc-abstract` section in the EPUB
        let abstract_ = self
            .manuscript
            .config
            .book
            .abstract_
            .clone()
            .or_else(|| {
                self.front_matter
                    .as_ref()
                    .and_then(|f| f.book.abstract_.clone())
            })
            .filter(|a| !is_blank(a));
        if let Some(text) = abstract_ {
            let pos = self.chapters.first().map_or_else(Pos::default, |c| Pos {
                line: 1,
                col: 1,
                ..c.chapter.pos
            });
            let blocks = text
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Block {
                    id: String::new(),
                    pos,
                    kind: BlockKind::Paragraph {
                        content: vec![Inline::Text {
                            text: p.split_whitespace().collect::<Vec<_>>().join(" "),
                        }],
                    },
                })
                .collect();
            // links to a file go to its chapter, one place further on now
            for index in self.file_chapter.values_mut() {
                *index += 1;
            }
            self.chapters.insert(
                0,
                ChapterBuild {
                    chapter: Chapter {
                        id: "abstract".to_string(),
                        title: vec![Inline::Text {
                            text: "Abstract".to_string(),
                        }],
                        classes: vec!["abstract".to_string(), "unnumbered".to_string()],
                        division: Division::Front,
                        pos,
                        blocks,
                        ..Chapter::default()
                    },
                    short: None,
                    file: None,
                    notes: Vec::new(),
                    next_block: 0,
                },
            );
        }
        let mut chapters = Vec::with_capacity(self.chapters.len());
        let mut shorts = Vec::with_capacity(self.chapters.len());
        for (index, build) in self.chapters.into_iter().enumerate() {
            let mut chapter = build.chapter;
            shorts.push(build.short);
            let number = index + 1;
            let mut next = build.next_block;
            let explicit = !chapter.id.is_empty();
            let text = plain_text(&chapter.title);
            let fallback = format!("chapter-{number}");
            chapter.id = ids.heading(
                chapter.pos,
                (!explicit).then_some(text.as_str()),
                &chapter.id,
                &fallback,
                &self.files,
                &mut self.diagnostics,
            );
            assign_ids(
                &mut chapter.blocks,
                number,
                &mut next,
                &mut ids,
                &self.files,
                &mut self.diagnostics,
            );
            for note in &mut chapter.footnotes {
                assign_ids(
                    &mut note.blocks,
                    number,
                    &mut next,
                    &mut ids,
                    &self.files,
                    &mut self.diagnostics,
                );
            }
            chapters.push(chapter);
        }
        // raw HTML anchors: another name for the block they stand before
        if !self.raw_anchors.is_empty() {
            let mut at: BTreeMap<Pos, String> = BTreeMap::new();
            for chapter in &chapters {
                at.entry(chapter.pos).or_insert(chapter.id.clone());
                crate::doc::walk_blocks(&chapter.blocks, &mut |block| {
                    at.entry(block.pos).or_insert(block.id.clone());
                });
            }
            for (anchor, file, pos) in std::mem::take(&mut self.raw_anchors) {
                if let Some(id) = at.get(&pos) {
                    ids.local
                        .entry((file, anchor.clone()))
                        .or_insert(id.clone());
                    if !ids.taken.contains(&anchor) {
                        ids.aliases.entry(anchor).or_insert(id.clone());
                    }
                }
            }
        }
        // bracketed spans: `[text]{.class}`; `[Heading text]` links to its
        // heading (pandoc's implicit_header_references); else the brackets
        // are text again
        let headings = heading_texts(&chapters);
        let mut spans = Spans {
            headings: &headings,
            files: &self.files,
            found: Vec::new(),
        };
        for chapter in &mut chapters {
            spans.resolve(&mut chapter.title);
            for_each_inline_vec_mut(&mut chapter.blocks, &mut |v| spans.resolve(v));
            for note in &mut chapter.footnotes {
                for_each_inline_vec_mut(&mut note.blocks, &mut |v| spans.resolve(v));
            }
        }
        self.diagnostics.append(&mut spans.found);
        // sub- and superscripts inside words (`H~2~O`, `x^2^`, which
        // pulldown-cmark reads only between words); pandoc's abbreviations
        // (a no-break space after "Mr.") and emoji short codes, in the files
        // read as pandoc's (emoji: GitHub's too)
        for chapter in &mut chapters {
            let flavors = &self.flavors;
            let mut polish = |inlines: &mut Vec<Inline>, pos: Pos| {
                scripts_in_words(inlines);
                let flavor = flavors.get(pos.file as usize).copied().unwrap_or_default();
                if flavor == Flavor::Commonmark {
                    return;
                }
                for_each_inline_in(inlines, &mut |inline| {
                    if let Inline::Text { text } = inline {
                        if let Some(replaced) = emoji::replace(text) {
                            *text = replaced;
                        }
                        if flavor == Flavor::Pandoc {
                            no_break_after_abbreviations(text);
                        }
                    }
                });
            };
            polish(&mut chapter.title, chapter.pos);
            for_each_inline_vec_at_mut(&mut chapter.blocks, &mut polish);
            for note in &mut chapter.footnotes {
                for_each_inline_vec_at_mut(&mut note.blocks, &mut polish);
            }
        }
        // `[text]{#id}`: an anchor links can go to
        for chapter in &mut chapters {
            let file = chapter.pos.file;
            let mut claim = |inlines: &mut Vec<Inline>, pos: Pos| {
                for_each_inline_in(inlines, &mut |inline| {
                    if let Inline::Span { id: Some(id), .. } = inline {
                        let wanted = id.clone();
                        *id = ids.claim(&wanted, true, pos, &self.files, &mut self.diagnostics);
                        ids.local.entry((pos.file, wanted)).or_insert(id.clone());
                    }
                });
            };
            claim(
                &mut chapter.title,
                Pos {
                    file,
                    ..chapter.pos
                },
            );
            for_each_inline_vec_at_mut(&mut chapter.blocks, &mut claim);
            for note in &mut chapter.footnotes {
                for_each_inline_vec_at_mut(&mut note.blocks, &mut claim);
            }
        }
        // the id a link to each file lands on
        let mut file_ids: BTreeMap<String, String> = self
            .file_chapter
            .iter()
            .filter_map(|(file, &i)| chapters.get(i).map(|c| (file.clone(), c.id.clone())))
            .collect();
        if !self.file_heading.is_empty() {
            let by_pos: BTreeMap<Pos, &str> = self
                .file_heading
                .iter()
                .map(|(file, pos)| (*pos, file.as_str()))
                .collect();
            for chapter in &chapters {
                crate::doc::walk_blocks(&chapter.blocks, &mut |block| {
                    if let (BlockKind::Heading { .. }, Some(file)) =
                        (&block.kind, by_pos.get(&block.pos))
                    {
                        file_ids.insert(file.to_string(), block.id.clone());
                    }
                });
            }
        }
        let links = Links {
            ids: &ids,
            file_ids: &file_ids,
            files: &self.files,
            root: &self.manuscript.root,
        };
        let mut found = Vec::new();
        for chapter in &mut chapters {
            for_each_inline_in(&mut chapter.title, &mut |inline| {
                links.resolve(inline, &mut found)
            });
            for_each_inline_mut(&mut chapter.blocks, &mut |inline| {
                links.resolve(inline, &mut found)
            });
            for note in &mut chapter.footnotes {
                for_each_inline_mut(&mut note.blocks, &mut |inline| {
                    links.resolve(inline, &mut found)
                });
            }
        }
        // every broken link is reported, not only the first
        self.diagnostics.extend(found);
        if chapters
            .iter()
            .all(|c| c.title.is_empty() && c.blocks.is_empty() && c.footnotes.is_empty())
        {
            let name = self.files.first().cloned().unwrap_or_default();
            return Err(Error::input(
                Location::new(name, 0, 0),
                "nothing to publish: the manuscript has no Markdown text",
            )
            .with_code("empty-manuscript"));
        }
        let meta = metadata(self.manuscript, self.front_matter.as_ref(), &chapters);
        let chapter_label = self
            .manuscript
            .config
            .book
            .chapter_label
            .clone()
            .or_else(|| {
                self.front_matter
                    .as_ref()
                    .and_then(|f| f.book.chapter_label.clone())
            });
        structure::assign(
            &mut chapters,
            &shorts,
            chapter_label.as_deref(),
            &meta.language,
        );
        let book = Book {
            meta,
            files: self.files,
            flavors: self.flavors,
            chapters,
        };
        self.diagnostics.sort();
        let config = match (&self.front_matter, self.manuscript.has_config_file) {
            (Some(front), false) => front.clone(),
            _ => self.manuscript.config.clone(),
        };
        Ok(Read {
            book,
            config,
            diagnostics: self.diagnostics,
        })
    }
}

impl Frame {
    /// An empty container of `kind` at `pos`.
    fn new(kind: FrameKind, pos: Pos) -> Frame {
        Frame {
            kind,
            pos,
            blocks: Vec::new(),
            inlines: Vec::new(),
            text_pos: None,
            html: None,
        }
    }

    /// Turns the loose inline content gathered so far into a paragraph.
    fn flush_inlines(&mut self) {
        let inlines = std::mem::take(&mut self.inlines);
        let pos = self.text_pos.take().unwrap_or(self.pos);
        flush_inlines(&mut self.blocks, inlines, pos);
    }
}

fn is_inline_frame(kind: &FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::Emphasis
            | FrameKind::Strong
            | FrameKind::Strikethrough
            | FrameKind::Superscript
            | FrameKind::Subscript
            | FrameKind::Link { .. }
            | FrameKind::Image { .. }
            | FrameKind::HtmlSpan(_)
            | FrameKind::HtmlCode
    )
}

/// The containers whose nesting [`MAX_DEPTH`] limits: those that hold
/// blocks (every later stage recurses over them).
fn nests(kind: &FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::BlockQuote
            | FrameKind::List { .. }
            | FrameKind::Item { .. }
            | FrameKind::Div { .. }
            | FrameKind::Callout { .. }
            | FrameKind::HtmlTable(_)
            | FrameKind::HtmlCell(_)
            | FrameKind::HtmlCaption
            | FrameKind::HtmlFigure { .. }
            | FrameKind::HtmlDrop
    )
}

fn is_block_frame(kind: &FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::Paragraph
            | FrameKind::Heading { .. }
            | FrameKind::BlockQuote
            | FrameKind::Callout { .. }
            | FrameKind::Div { .. }
            | FrameKind::List { .. }
            | FrameKind::CodeBlock { .. }
            | FrameKind::HtmlBlock { .. }
            | FrameKind::Table { .. }
            | FrameKind::DefinitionList { .. }
            | FrameKind::HtmlTable(_)
            | FrameKind::HtmlCell(_)
            | FrameKind::HtmlCaption
            | FrameKind::HtmlFigure { .. }
    )
}

/// Appends text, merging with a preceding text node (smart punctuation splits them).
fn push_text(inlines: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text { text: last }) = inlines.last_mut() {
        last.push_str(text);
    } else {
        inlines.push(Inline::Text {
            text: text.to_string(),
        });
    }
}

/// Loose inline content of a tight list item becomes a paragraph.
fn flush_inlines(blocks: &mut Vec<Block>, inlines: Vec<Inline>, pos: Pos) {
    let blank = inlines.iter().all(|i| match i {
        Inline::Text { text } => text.trim().is_empty(),
        Inline::SoftBreak => true,
        _ => false,
    });
    if !blank {
        blocks.push(Block {
            id: String::new(),
            pos,
            kind: paragraph_or_figure(inlines),
        });
    }
}

const DISPLAY_MARK: &str = "\u{0}display\u{0}";

/// A paragraph that is only an image is a figure; one that is only display
/// math is a math block; display math elsewhere is set inline.
fn paragraph_or_figure(mut inlines: Vec<Inline>) -> BlockKind {
    let meaningful: Vec<usize> = inlines
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            !matches!(i, Inline::Text { text } if text.trim().is_empty())
                && !matches!(i, Inline::SoftBreak)
        })
        .map(|(n, _)| n)
        .collect();
    if meaningful.len() == 1 {
        let only = inlines.swap_remove(meaningful[0]);
        match only {
            Inline::Image { src, alt, size, .. } => {
                return BlockKind::Figure {
                    size,
                    caption: if alt.is_empty() {
                        Vec::new()
                    } else {
                        vec![Inline::Text { text: alt.clone() }]
                    },
                    src,
                    alt,
                }
            }
            Inline::Math { source } if source.starts_with(DISPLAY_MARK) => {
                return BlockKind::Math {
                    source: source[DISPLAY_MARK.len()..].to_string(),
                }
            }
            other => {
                inlines = vec![other];
            }
        }
    }
    for_each_inline_in(&mut inlines, &mut |inline| {
        if let Inline::Math { source } = inline {
            if let Some(rest) = source.strip_prefix(DISPLAY_MARK) {
                *source = rest.to_string();
            }
        }
    });
    BlockKind::Paragraph { content: inlines }
}

/// Ids given so far, for uniqueness across the book, and the ids each
/// file's links can use: GitHub's and mdBook's are per page (file), with
/// `-1`, `-2` for repeats on the page; the book's are unique across files.
#[derive(Default)]
struct Ids {
    taken: BTreeSet<String>,
    /// (file, id as the file's links write it) → the id in the book.
    local: BTreeMap<(u32, String), String>,
    /// How often each derived id was wanted in each file.
    counts: BTreeMap<(u32, String), u32>,
    /// Other spellings of derived ids (pandoc's) → the id in the book.
    aliases: BTreeMap<String, String>,
}

impl Ids {
    /// Takes `wanted`, or `wanted-1`, `wanted-2`… when it is taken; an explicit
    /// id that collides is reported.
    fn claim(
        &mut self,
        wanted: &str,
        explicit: bool,
        pos: Pos,
        files: &[String],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> String {
        let mut id = wanted.to_string();
        let mut n = 1;
        while self.taken.contains(&id) {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        if explicit && id != wanted {
            diagnostics.push(Diagnostic::warning(
                "duplicate-id",
                Location::new(files[pos.file as usize].clone(), pos.line, pos.col),
                format!("id `{wanted}` is used twice; this one becomes `{id}`"),
            ));
        }
        self.taken.insert(id.clone());
        id
    }

    /// The id of a heading at `pos`: `explicit` when given, else derived
    /// from `text` as GitHub and mdBook derive it (`fallback` when that is
    /// empty), made unique; recorded for the links of its file.
    fn heading(
        &mut self,
        pos: Pos,
        text: Option<&str>,
        explicit: &str,
        fallback: &str,
        files: &[String],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> String {
        let Some(text) = text else {
            let id = self.claim(explicit, true, pos, files, diagnostics);
            self.local
                .entry((pos.file, explicit.to_string()))
                .or_insert(id.clone());
            return id;
        };
        let derived = slug(text);
        let derived = if derived.is_empty() {
            fallback.to_string()
        } else {
            derived
        };
        let count = self.counts.entry((pos.file, derived.clone())).or_insert(0);
        let on_page = if *count == 0 {
            derived.clone()
        } else {
            format!("{derived}-{count}")
        };
        *count += 1;
        let id = self.claim(&on_page, false, pos, files, diagnostics);
        self.local.entry((pos.file, on_page)).or_insert(id.clone());
        // what pandoc would have called it, for links written for pandoc
        for alias in [pandoc_slug(text), mdbook_slug(text)] {
            if !alias.is_empty() && alias != id {
                self.aliases.entry(alias).or_insert(id.clone());
            }
        }
        id
    }

    /// The book's id for `fragment` as written in file `file`.
    fn find(&self, file: u32, fragment: &str) -> Option<&str> {
        self.local
            .get(&(file, fragment.to_string()))
            .map(String::as_str)
            .or_else(|| self.taken.get(fragment).map(String::as_str))
            .or_else(|| self.aliases.get(fragment).map(String::as_str))
    }
}

/// Gives every block an id: headings their slug, others `b-<chapter>-<n>`.
fn assign_ids(
    blocks: &mut [Block],
    chapter: usize,
    next: &mut u32,
    ids: &mut Ids,
    files: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for_each_block_mut(blocks, &mut |block| {
        if let BlockKind::Heading { content, .. } = &block.kind {
            let explicit = !block.id.is_empty();
            let text = plain_text(content);
            block.id = ids.heading(
                block.pos,
                (!explicit).then_some(text.as_str()),
                &block.id,
                "section",
                files,
                diagnostics,
            );
        } else if !block.id.is_empty() {
            // a div's own `{#id}`
            block.id = ids.claim(&block.id.clone(), true, block.pos, files, diagnostics);
            ids.local
                .entry((block.pos.file, block.id.clone()))
                .or_insert(block.id.clone());
        } else {
            // skip numbers an explicit or derived id already took
            loop {
                *next += 1;
                block.id = format!("b-{chapter}-{}", *next);
                if ids.taken.insert(block.id.clone()) {
                    break;
                }
            }
        }
    });
}

/// Visits blocks mutably, depth first in document order.
fn for_each_block_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Block)) {
    for block in blocks {
        f(block);
        match &mut block.kind {
            BlockKind::BlockQuote { blocks }
            | BlockKind::Div { blocks, .. }
            | BlockKind::Callout { blocks, .. } => for_each_block_mut(blocks, f),
            BlockKind::List { items, .. } => {
                for item in items {
                    for_each_block_mut(&mut item.blocks, f);
                }
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    for def in &mut item.definitions {
                        for_each_block_mut(def, f);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Visits every inline of `blocks` mutably.
fn for_each_inline_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Inline)) {
    for_each_inline_vec_mut(blocks, &mut |inlines| for_each_inline_in(inlines, f));
}

fn for_each_inline_in(inlines: &mut [Inline], f: &mut dyn FnMut(&mut Inline)) {
    for inline in inlines {
        f(inline);
        if let Some(content) = inline_children_mut(inline) {
            for_each_inline_in(content, f);
        }
    }
}

/// Calls `f` on every sequence of inlines in `blocks` (not those nested
/// inside inlines: `f` sees those through its own argument).
fn for_each_inline_vec_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Vec<Inline>)) {
    for_each_inline_vec_at_mut(blocks, &mut |inlines, _| f(inlines));
}

/// [`for_each_inline_vec_mut`], with the position of the block each
/// sequence is in.
fn for_each_inline_vec_at_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Vec<Inline>, Pos)) {
    for_each_block_mut(blocks, &mut |block| {
        let pos = block.pos;
        match &mut block.kind {
            BlockKind::Heading { content, .. } | BlockKind::Paragraph { content } => {
                f(content, pos)
            }
            BlockKind::Table {
                caption,
                head,
                rows,
                ..
            } => {
                f(caption, pos);
                for cell in head.iter_mut().chain(rows.iter_mut().flatten()) {
                    f(cell, pos);
                }
            }
            BlockKind::Figure { caption, .. } => f(caption, pos),
            BlockKind::DefinitionList { items } => {
                for item in items {
                    f(&mut item.term, pos);
                }
            }
            _ => {}
        }
    });
}

/// Headings by their text as a reference label would match it (lower case,
/// white space as one space), in book order: (id, file, line).
fn heading_texts(chapters: &[Chapter]) -> BTreeMap<String, Vec<(String, Pos)>> {
    let mut out: BTreeMap<String, Vec<(String, Pos)>> = BTreeMap::new();
    for chapter in chapters {
        if !chapter.title.is_empty() {
            out.entry(label_key(&plain_text(&chapter.title)))
                .or_default()
                .push((chapter.id.clone(), chapter.pos));
        }
        crate::doc::walk_blocks(&chapter.blocks, &mut |block| {
            if let BlockKind::Heading { content, .. } = &block.kind {
                out.entry(label_key(&plain_text(content)))
                    .or_default()
                    .push((block.id.clone(), block.pos));
            }
        });
    }
    out
}

/// A reference label as CommonMark and pandoc match it: case folded, runs
/// of white space as one space, trimmed.
fn label_key(text: &str) -> String {
    // a label written with code or emphasis (`[x][Extension: `foo`]`) names
    // the heading whose text it shows
    text.replace(['`', '*'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Attributes after an image or a link (`![a](x.png){#fig-a width=50%}`,
/// `[x](url){.class}`, pandoc's `link_attributes`): taken out of the text.
/// An image or link with an id or classes is wrapped in a span that carries
/// them. Returns the id of a paragraph that is only an image (a figure)
/// when `paragraph` (in a table cell or a term, an image alone keeps its
/// span).
fn attach_attributes(
    mut inlines: Vec<Inline>,
    paragraph: bool,
) -> (Vec<Inline>, Option<String>, Vec<String>) {
    let mut figure_id = None;
    let mut dropped = Vec::new();
    let mut i = 0;
    while i + 1 < inlines.len() {
        // `` `<b>x</b>`{=html} ``: raw content (pandoc's raw_attribute)
        if let (Inline::Code { .. }, Inline::Text { text }) = (&inlines[i], &inlines[i + 1]) {
            if let Some(rest) = text.strip_prefix("{=") {
                if let Some(end) = rest.find('}') {
                    let format = rest[..end].to_ascii_lowercase();
                    let after = rest[end + 1..].to_string();
                    let Inline::Code { code } =
                        std::mem::replace(&mut inlines[i], Inline::SoftBreak)
                    else {
                        unreachable!("matched above")
                    };
                    inlines[i + 1] = Inline::Text { text: after };
                    if format == "html" || format == "html5" {
                        inlines[i] = Inline::RawHtml { html: code };
                    } else {
                        inlines[i] = Inline::Text {
                            text: String::new(),
                        };
                        // no double space where it stood
                        let before_space = i > 0
                            && matches!(&inlines[i - 1], Inline::Text { text } if text.ends_with(' '));
                        if let Inline::Text { text } = &mut inlines[i + 1] {
                            if before_space && text.starts_with(' ') {
                                text.remove(0);
                            }
                        }
                        dropped.push(format);
                    }
                    i += 1;
                    continue;
                }
            }
        }
        let is_target = matches!(inlines[i], Inline::Image { .. } | Inline::Link { .. });
        let attrs = match (is_target, &mut inlines[i + 1]) {
            (true, Inline::Text { text }) => attrs::leading(text).map(|(a, used)| {
                text.drain(..used);
                a
            }),
            _ => None,
        };
        let Some(attrs) = attrs else {
            i += 1;
            continue;
        };
        if let Inline::Image { size, .. } = &mut inlines[i] {
            size.width = attrs.get("width").and_then(Length::parse);
            size.height = attrs.get("height").and_then(Length::parse);
        }
        if matches!(&inlines[i + 1], Inline::Text { text } if text.is_empty()) {
            inlines.remove(i + 1);
        }
        let alone = inlines.iter().enumerate().all(|(n, x)| {
            n == i
                || matches!(x, Inline::SoftBreak)
                || matches!(x, Inline::Text { text } if text.trim().is_empty())
        });
        // a decorative image (`{.decorative}`) is no figure: it has no caption
        let decorative = attrs.classes.iter().any(|c| c == "decorative");
        if paragraph && alone && !decorative && matches!(inlines[i], Inline::Image { .. }) {
            figure_id = attrs.id;
        } else if attrs.id.is_some() || !attrs.classes.is_empty() {
            let inner = std::mem::replace(&mut inlines[i], Inline::SoftBreak);
            let lang = attrs.get("lang").map(str::to_string);
            inlines[i] = Inline::Span {
                id: attrs.id,
                classes: attrs.classes,
                lang,
                content: vec![inner],
            };
        }
        i += 1;
    }
    inlines.retain(|x| !matches!(x, Inline::Text { text } if text.is_empty()));
    (inlines, figure_id, dropped)
}

/// The class that marks a `[text]` with no reference, until
/// [`resolve_spans`] decides what it is; the second class holds what
/// followed it in the source (`[]`, `[ref]`).
const PENDING_SPAN: &str = "\u{0}pending";

/// What follows `[text]` in the source for a reference no definition
/// matches, so that it can be given back as text.
fn unknown_reference_suffix(link_type: LinkType, id: &str) -> String {
    match link_type {
        LinkType::CollapsedUnknown => "[]".to_string(),
        LinkType::ReferenceUnknown => format!("[{id}]"),
        _ => String::new(),
    }
}

/// What resolving pending `[text]`s needs.
struct Spans<'a> {
    headings: &'a BTreeMap<String, Vec<(String, Pos)>>,
    files: &'a [String],
    found: Vec<Diagnostic>,
}

impl Spans<'_> {
    /// Turns each pending `[text]` (see [`PENDING_SPAN`]) into a bracketed
    /// span when an attribute block follows it (`[text]{.smallcaps}`,
    /// pandoc's `bracketed_spans`), into a link to the heading whose text
    /// it names (`[Heading text]`, `[see this][Heading text]`, pandoc's
    /// `implicit_header_references`), or back into the text it was.
    fn resolve(&mut self, inlines: &mut Vec<Inline>) {
        let mut i = 0;
        let mut changed = false;
        while i < inlines.len() {
            if let Some(children) = inline_children_mut(&mut inlines[i]) {
                self.resolve(children);
            }
            let pending = matches!(&inlines[i], Inline::Span { classes, .. }
                if classes.first().is_some_and(|c| c == PENDING_SPAN));
            if !pending {
                i += 1;
                continue;
            }
            changed = true;
            let attrs = match inlines.get_mut(i + 1) {
                Some(Inline::Text { text }) => attrs::leading(text).map(|(a, used)| {
                    text.drain(..used);
                    a
                }),
                _ => None,
            };
            let Inline::Span {
                content, classes, ..
            } = std::mem::replace(&mut inlines[i], Inline::SoftBreak)
            else {
                unreachable!("checked above")
            };
            if let Some(a) = attrs {
                let lang = a.get("lang").map(str::to_string);
                inlines[i] = Inline::Span {
                    id: a.id,
                    classes: a.classes,
                    lang,
                    content,
                };
                if matches!(inlines.get(i + 1), Some(Inline::Text { text }) if text.is_empty()) {
                    inlines.remove(i + 1);
                }
                i += 1;
                continue;
            }
            let suffix = classes.get(1).cloned().unwrap_or_default();
            let pos = classes.get(2).map_or(Pos::default(), |p| {
                let mut parts = p.split(':').map(|n| n.parse().unwrap_or(0));
                Pos {
                    file: parts.next().unwrap_or(0),
                    line: parts.next().unwrap_or(0),
                    col: parts.next().unwrap_or(0),
                }
            });
            // `[text][label]` names its heading by the label, `[text]` by the text
            let label = match suffix.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(label) if !label.is_empty() => label.to_string(),
                _ => plain_text(&content),
            };
            if let Some(targets) = self.headings.get(&label_key(&label)) {
                let (id, _) = &targets[0];
                if let Some((other, other_pos)) = targets.get(1) {
                    let at = |p: &Pos| {
                        format!(
                            "{}:{}",
                            self.files.get(p.file as usize).map_or("", String::as_str),
                            p.line
                        )
                    };
                    self.found.push(Diagnostic::warning(
                        "ambiguous-reference",
                        Location::new(
                            self.files.get(pos.file as usize).cloned().unwrap_or_default(),
                            pos.line,
                            pos.col,
                        ),
                        format!(
                            "`[{label}]` names two headings, `#{id}` ({}) and `#{other}` ({}); it links to the first",
                            at(&targets[0].1),
                            at(other_pos)
                        ),
                    ));
                }
                inlines[i] = Inline::Link {
                    target: LinkTarget::Internal { id: id.clone() },
                    title: String::new(),
                    content,
                    pos,
                };
                i += 1;
                continue;
            }
            let mut literal = vec![Inline::Text {
                text: "[".to_string(),
            }];
            let n = content.len();
            literal.extend(content);
            literal.push(Inline::Text {
                text: format!("]{suffix}"),
            });
            inlines.splice(i..=i, literal);
            i += n + 2;
        }
        if changed {
            // neighbouring texts as one, as the reader gives them
            let mut merged: Vec<Inline> = Vec::with_capacity(inlines.len());
            for inline in inlines.drain(..) {
                match (merged.last_mut(), inline) {
                    (Some(Inline::Text { text: last }), Inline::Text { text }) => {
                        last.push_str(&text)
                    }
                    (_, inline) => merged.push(inline),
                }
            }
            *inlines = merged;
        }
    }
}

/// Marks a `^` or `~` the author escaped (`\^`), so that
/// [`scripts_in_words`] leaves it as it is; it removes the mark.
const ESCAPED: char = '\u{0}';

/// Whether the character at `at` of `text` is escaped: an odd number of
/// backslashes stands before it.
fn escaped_at(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let run = before.len() - before.trim_end_matches('\\').len();
    run % 2 == 1
}

/// The alternative text of an image from its description: its plain text,
/// with pandoc's `^sup^` and `~sub~` read (`H~2~O` is "H2O").
fn alt_text(mut description: Vec<Inline>) -> String {
    scripts_in_words(&mut description);
    plain_text(&description)
}

/// `H~2~O` and `x^2^` inside a word, as pandoc reads them (`superscript`,
/// `subscript`: no unescaped spaces inside, `~~` is strikethrough, `\^` is
/// the character): split out of the text into sub- and superscripts, in
/// `inlines` and every container in it.
fn scripts_in_words(inlines: &mut Vec<Inline>) {
    for inline in inlines.iter_mut() {
        if let Some(children) = inline_children_mut(inline) {
            scripts_in_words(children);
        }
    }
    if !inlines
        .iter()
        .any(|i| matches!(i, Inline::Text { text } if text.contains(['~', '^'])))
    {
        return;
    }
    // the next unescaped `mark` in `s`
    let find = |s: &str, mark: char| {
        s.match_indices(mark)
            .map(|(i, _)| i)
            .find(|&i| !s[..i].ends_with(ESCAPED))
    };
    let unescape = |s: &str| s.replace(ESCAPED, "");
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines.drain(..) {
        let Inline::Text { text } = inline else {
            out.push(inline);
            continue;
        };
        let mut rest = text.as_str();
        let mut plain = String::new();
        while let Some(at) = rest.find(['~', '^']) {
            let mark = rest[at..].chars().next().unwrap_or('^');
            let after = &rest[at + 1..];
            if rest[..at].ends_with(ESCAPED) {
                plain.push_str(&rest[..at - ESCAPED.len_utf8()]);
                plain.push(mark);
                rest = after;
                continue;
            }
            let end = find(after, mark);
            let inner = end.map(|e| &after[..e]);
            let ok = inner.is_some_and(|s| {
                !s.is_empty()
                    && !s.contains(|c: char| c.is_whitespace() && c != '\u{a0}')
                    && find(s, if mark == '~' { '^' } else { '~' }).is_none()
            }) && !rest[..at].ends_with(mark);
            match (ok, inner, end) {
                (true, Some(inner), Some(e)) => {
                    plain.push_str(&rest[..at]);
                    if !plain.is_empty() {
                        out.push(Inline::Text {
                            text: unescape(&std::mem::take(&mut plain)),
                        });
                    }
                    let content = vec![Inline::Text {
                        text: unescape(inner),
                    }];
                    out.push(if mark == '~' {
                        Inline::Subscript { content }
                    } else {
                        Inline::Superscript { content }
                    });
                    rest = &after[e + 1..];
                }
                _ => {
                    plain.push_str(&rest[..at + 1]);
                    rest = after;
                }
            }
        }
        plain.push_str(rest);
        if !plain.is_empty() {
            out.push(Inline::Text {
                text: unescape(&plain),
            });
        }
    }
    *inlines = out;
}

/// pandoc's `abbreviations`: the abbreviations after which a space does not
/// end a sentence and may not break a line (its English list).
const ABBREVIATIONS: &[&str] = &[
    "Mr.", "Mrs.", "Ms.", "Capt.", "Dr.", "Prof.", "Gen.", "Gov.", "e.g.", "i.e.", "Sgt.", "St.",
    "vol.", "vs.", "Sen.", "Rep.", "Pres.", "Hon.", "Rev.", "Ph.D.", "M.D.", "M.A.", "p.", "pp.",
    "ch.", "sec.", "cf.", "cp.",
];

/// Turns the space after an abbreviation into a no-break space.
fn no_break_after_abbreviations(text: &mut String) {
    if !text.contains(". ") {
        return;
    }
    for abbreviation in ABBREVIATIONS {
        let with_space = format!("{abbreviation} ");
        let mut from = 0;
        while let Some(i) = text[from..].find(&with_space) {
            let at = from + i;
            let starts_word = at == 0
                || text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_whitespace() || c == '(' || c == '\u{a0}');
            let space = at + abbreviation.len();
            if starts_word {
                text.replace_range(space..space + 1, "\u{a0}");
                from = space + '\u{a0}'.len_utf8();
            } else {
                from = space + 1;
            }
        }
    }
}

/// The caption of a `Table: caption` paragraph (pandoc's
/// `table_captions`; the table rewrite puts every caption in this form).
fn table_caption(inlines: &[Inline]) -> Option<Vec<Inline>> {
    let Some(Inline::Text { text }) = inlines.first() else {
        return None;
    };
    let rest = text.strip_prefix("Table:")?;
    let mut caption = inlines.to_vec();
    let trimmed = rest.trim_start().to_string();
    if trimmed.is_empty() {
        caption.remove(0);
    } else {
        caption[0] = Inline::Text { text: trimmed };
    }
    Some(caption)
}

/// `\newpage`, `\pagebreak` or `\clearpage` alone in a paragraph (the
/// LaTeX commands pandoc authors write for a page break).
fn is_page_break_command(inlines: &[Inline]) -> bool {
    let text = plain_text(inlines);
    matches!(text.trim(), "\\newpage" | "\\pagebreak" | "\\clearpage")
}

/// What links are resolved against.
struct Links<'a> {
    ids: &'a Ids,
    /// Chapter file → the id a link to the file lands on.
    file_ids: &'a BTreeMap<String, String>,
    files: &'a [String],
    root: &'a std::path::Path,
}

impl Links<'_> {
    /// Turns `#id`, `file.md` and `file.md#id` links (relative to the file
    /// that holds them, as on GitHub and in mdBook) into internal ones,
    /// reporting those whose target does not exist.
    fn resolve(&self, inline: &mut Inline, found: &mut Vec<Diagnostic>) {
        let Inline::Link {
            target,
            pos,
            content,
            ..
        } = inline
        else {
            return;
        };
        let LinkTarget::External { url } = target else {
            return;
        };
        let has_scheme = url.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        if has_scheme || url.starts_with("//") {
            return;
        }
        let here = self
            .files
            .get(pos.file as usize)
            .cloned()
            .unwrap_or_default();
        let location = Location::new(here.clone(), pos.line, pos.col);
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p.to_string(), Some(crate::manuscript::percent_decode(f))),
            None => (url.clone(), None),
        };
        let (file_index, landing) = if path.is_empty() {
            (pos.file, None)
        } else {
            let decoded = crate::manuscript::percent_decode(&path);
            let Some(mut name) = mdbook::relative_to(&here, &decoded) else {
                found.push(Diagnostic::error(
                    "broken-link",
                    location,
                    format!("link to `{url}`: `{path}` is outside the manuscript folder"),
                ));
                return;
            };
            // mdBook writes `.md` links as `.html`; some books link the HTML
            if let Some(stem) = name.strip_suffix(".html") {
                let md = format!("{stem}.md");
                if self.file_ids.contains_key(&md) {
                    name = md;
                }
            }
            if !(name.ends_with(".md") || name.ends_with(".markdown")) {
                return; // a file that is not a chapter: left as written
            }
            match self.file_ids.get(&name) {
                Some(id) => (
                    self.files
                        .iter()
                        .position(|f| *f == name)
                        .map_or(u32::MAX, |i| i as u32),
                    Some(id.clone()),
                ),
                None if self.root.join(&name).is_file() => {
                    found.push(Diagnostic::warning(
                        "link-outside-book",
                        location,
                        format!("link to `{url}`: `{name}` is not part of the book; the link is left out, its text kept"),
                    ));
                    *inline = Inline::Span {
                        id: None,
                        classes: Vec::new(),
                        lang: None,
                        content: std::mem::take(content),
                    };
                    return;
                }
                None => {
                    found.push(Diagnostic::error(
                        "broken-link",
                        location,
                        format!("link to `{url}`: no chapter file `{name}` in the manuscript"),
                    ));
                    return;
                }
            }
        };
        let id = match (fragment, landing) {
            (Some(fragment), landing) => match (self.ids.find(file_index, &fragment), landing) {
                (Some(id), _) => id.to_string(),
                (None, Some(start)) => {
                    // a chapter that exists, an anchor it no longer has (a
                    // heading renamed since): the link goes to the chapter,
                    // as a browser would
                    found.push(Diagnostic::warning(
                        "broken-anchor",
                        location,
                        format!("link to `{url}`: the chapter has no heading or anchor `#{fragment}`; the link goes to the chapter's start"),
                    ));
                    start
                }
                (None, None) => {
                    found.push(Diagnostic::error(
                        "broken-link",
                        location,
                        format!("link to `#{fragment}`, but no heading or anchor has that id"),
                    ));
                    return;
                }
            },
            (None, Some(id)) => id,
            (None, None) => return,
        };
        *target = LinkTarget::Internal { id };
    }
}

/// A heading's id from its text, as GitHub and mdBook derive them: lower
/// case; letters, digits, `_` and `-` kept; every white-space character
/// becomes `-` (none collapsed: "Where’s the `->` Operator?" gives
/// `wheres-the---operator`); everything else dropped.
pub fn slug(text: &str) -> String {
    github_slug(text, true)
}

/// mdBook's own spelling of [`slug`]: only ASCII letters are lowered.
fn mdbook_slug(text: &str) -> String {
    github_slug(text, false)
}

fn github_slug(text: &str, lower_all: bool) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            if lower_all {
                out.extend(c.to_lowercase());
            } else {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    out
}

/// A heading's id as pandoc derives it (its `auto_identifiers`): lower
/// case; letters, digits, `_`, `-` and `.` kept; spaces become `-`;
/// everything up to the first letter dropped. Links written for pandoc
/// find their heading through it.
fn pandoc_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' {
            if out.is_empty() && !c.is_alphabetic() {
                continue;
            }
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with(['-', '.']) {
        out.pop();
    }
    out
}

/// The book's metadata: book.toml, then front matter for what it leaves
/// unset, then the first chapter's title as the title of last resort.
/// Whether a metadata value has nothing to show: only white space, control
/// characters and noncharacters (which no output can carry), so that e.g. a
/// title of `"\u{1}"` does not become an empty `<dc:title>`.
fn is_blank(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{FDD0}'..='\u{FDEF}')
            || (c as u32) & 0xFFFE == 0xFFFE
    })
}

fn metadata(manuscript: &Manuscript, front: Option<&Config>, chapters: &[Chapter]) -> Metadata {
    let primary = &manuscript.config.book;
    let fallback = front.map(|c| &c.book);
    let pick = |a: &Option<String>, b: Option<&Option<String>>| {
        a.clone()
            .or_else(|| b.and_then(|b| b.clone()))
            .filter(|s| !is_blank(s))
    };
    let title = pick(&primary.title, fallback.map(|b| &b.title))
        .or_else(|| {
            chapters
                .iter()
                .map(|c| plain_text(&c.title))
                .find(|t| !is_blank(t))
        })
        .unwrap_or_else(|| "Untitled".to_string());
    let mut authors = if primary.authors.is_empty() {
        fallback.map(|b| b.authors.clone()).unwrap_or_default()
    } else {
        primary.authors.clone()
    };
    authors.retain(|a| !is_blank(a));
    let language = if manuscript.has_config_file || fallback.is_none() {
        primary.language.clone()
    } else {
        fallback.map(|b| b.language.clone()).unwrap_or_default()
    };
    Metadata {
        title,
        subtitle: pick(&primary.subtitle, fallback.map(|b| &b.subtitle)),
        authors,
        language,
        identifier: pick(&primary.identifier, fallback.map(|b| &b.identifier)),
        publisher: pick(&primary.publisher, fallback.map(|b| &b.publisher)),
        date: pick(&primary.date, fallback.map(|b| &b.date)),
        description: pick(&primary.description, fallback.map(|b| &b.description)),
        rights: pick(&primary.rights, fallback.map(|b| &b.rights)),
        keywords: if primary.keywords.is_empty() {
            fallback.map(|b| b.keywords.clone()).unwrap_or_default()
        } else {
            primary.keywords.clone()
        },
        subject: pick(&primary.subject, fallback.map(|b| &b.subject)),
    }
}

#[cfg(test)]
mod tests;
