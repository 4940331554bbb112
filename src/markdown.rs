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
//!    against the ids (`#id`, `other.md`, `other.md#id`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::config::{self, Config};
use crate::doc::{
    plain_text, Align, Block, BlockKind, Book, Chapter, DefinitionItem, Footnote, Inline,
    LinkTarget, ListItem, Metadata, Pos,
};
use crate::error::{Diagnostic, Error, Location, Result};
use crate::manuscript::Manuscript;

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
    // parsing is most of the work, and each file's is its own: in
    // parallel; the tree is then built from the events in order
    let parsed: Vec<Vec<(Event<'_>, Range<usize>)>> = manuscript
        .sources
        .par_iter()
        .map(|source| {
            Parser::new_ext(&source.text, options())
                .into_offset_iter()
                .collect()
        })
        .collect();
    let mut reader = Reader::new(manuscript);
    for (index, (source, events)) in manuscript.sources.iter().zip(parsed).enumerate() {
        reader.read_file(index as u32, &source.name, &source.text, events)?;
    }
    reader.finish()
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
}

enum FrameKind {
    Root,
    Paragraph,
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<String>,
    },
    BlockQuote,
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
        tight: bool,
    },
    Item {
        checked: Option<bool>,
    },
    CodeBlock {
        lang: Option<String>,
        code: String,
    },
    HtmlBlock {
        html: String,
    },
    Table {
        aligns: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        in_head: bool,
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
    },
    Image {
        src: String,
    },
    Metadata {
        yaml: String,
    },
    /// A container past [`MAX_DEPTH`]: its content goes to the parent.
    Flattened,
    /// Emphasis, a link or an image past [`MAX_DEPTH`]: its content goes to the parent.
    FlattenedInline,
}

/// A chapter under construction, with the footnote labels it references.
struct ChapterBuild {
    chapter: Chapter,
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
}

impl<'m> Reader<'m> {
    fn new(manuscript: &'m Manuscript) -> Self {
        Reader {
            manuscript,
            files: manuscript.sources.iter().map(|s| s.name.clone()).collect(),
            chapters: Vec::new(),
            definitions: BTreeMap::new(),
            file_chapter: BTreeMap::new(),
            front_matter: None,
            diagnostics: Vec::new(),
            file: 0,
            file_name: String::new(),
            line_starts: Vec::new(),
            last_col: std::cell::Cell::new((0, 0, 0)),
            text: String::new(),
            stack: Vec::new(),
            depth_warned: false,
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
        Pos {
            file: self.file,
            line: line as u32,
            col: col as u32,
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
        self.last_col.set((0, 0, 0));
        self.line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.stack = vec![Frame {
            kind: FrameKind::Root,
            pos: Pos {
                file,
                line: 1,
                col: 1,
            },
            blocks: Vec::new(),
            inlines: Vec::new(),
            text_pos: None,
        }];
        self.file_chapter
            .insert(name.to_string(), self.chapters.len().max(1) - 1);
        let mut first_heading_of_file = true;
        for (event, range) in events {
            let pos = self.pos(range.start);
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
                        if first_heading_of_file && self.stack.len() == 1 {
                            // the file opens a chapter: links to the file go there
                            first_heading_of_file = false;
                            self.file_chapter
                                .insert(name.to_string(), self.chapters.len());
                        }
                        if self.stack.len() == 1 {
                            // open the chapter now, so that notes in its
                            // title are numbered in it
                            self.open_chapter(pos);
                        }
                    }
                    self.start(tag, pos)?
                }
                Event::End(end) => self.end(end)?,
                Event::Text(text) => {
                    if let Some(frame) = self.stack.last_mut() {
                        match &mut frame.kind {
                            FrameKind::CodeBlock { code, .. } => code.push_str(&text),
                            FrameKind::HtmlBlock { html } => html.push_str(&text),
                            FrameKind::Metadata { yaml } => yaml.push_str(&text),
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
                        buf.push_str(&html);
                    } else {
                        self.push_inline(Inline::RawHtml {
                            html: html.into_string(),
                        })
                    }
                }
                Event::InlineHtml(html) => self.push_inline(Inline::RawHtml {
                    html: html.into_string(),
                }),
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
                level, id, classes, ..
            } => FrameKind::Heading {
                level: level as u8,
                id: id.map(|s| s.into_string()),
                classes: classes.into_iter().map(|c| c.into_string()).collect(),
            },
            Tag::BlockQuote(_) => FrameKind::BlockQuote,
            Tag::CodeBlock(kind) => FrameKind::CodeBlock {
                lang: match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(|s| s.trim_matches(|c| c == '{' || c == '}' || c == '.'))
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    CodeBlockKind::Indented => None,
                },
                code: String::new(),
            },
            Tag::HtmlBlock => FrameKind::HtmlBlock {
                html: String::new(),
            },
            Tag::List(start) => FrameKind::List {
                start,
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
                dest_url, title, ..
            } => FrameKind::Link {
                url: dest_url.into_string(),
                title: title.into_string(),
            },
            Tag::Image { dest_url, .. } => FrameKind::Image {
                src: dest_url.into_string(),
            },
            Tag::MetadataBlock(_) => FrameKind::Metadata {
                yaml: String::new(),
            },
        };
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
            .take(
                if top_flattened
                    || !matches!(
                        kind,
                        FrameKind::BlockQuote | FrameKind::List { .. } | FrameKind::Item { .. }
                    )
                {
                    0
                } else {
                    usize::MAX
                },
            )
            .filter(|f| {
                matches!(
                    f.kind,
                    FrameKind::BlockQuote | FrameKind::List { .. } | FrameKind::Item { .. }
                )
            })
            .count();
        let kind = if (nesting >= MAX_DEPTH || top_flattened)
            && matches!(
                kind,
                FrameKind::BlockQuote | FrameKind::List { .. } | FrameKind::Item { .. }
            ) {
            if !self.depth_warned {
                self.depth_warned = true;
                self.diagnostics.push(Diagnostic::warning(
                    "nesting-too-deep",
                    self.location(pos),
                    format!("quotes and lists nest deeper than {MAX_DEPTH} levels; deeper levels are flattened"),
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
        self.stack.push(Frame {
            kind,
            pos,
            blocks: Vec::new(),
            inlines: Vec::new(),
            text_pos: None,
        });
        Ok(())
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
            _ => self.close_top(),
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
            inlines,
            text_pos,
        } = frame;
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
                });
            }
            FrameKind::Paragraph => {
                let block = paragraph_or_figure(inlines);
                self.push_block(block, pos);
            }
            FrameKind::Heading { level, id, classes } => {
                let id = id.unwrap_or_default();
                let content = inlines;
                if level == 1 {
                    self.finish_block_parent_for_chapter(pos, id, classes, content);
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
            FrameKind::List {
                start,
                items,
                tight,
            } => self.push_block(
                BlockKind::List {
                    start,
                    tight,
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
            FrameKind::CodeBlock { lang, code } => {
                self.push_block(BlockKind::CodeBlock { lang, code }, pos)
            }
            FrameKind::HtmlBlock { html } => self.push_block(BlockKind::RawHtml { html }, pos),
            FrameKind::Table {
                aligns, head, rows, ..
            } => self.push_block(BlockKind::Table { aligns, head, rows }, pos),
            FrameKind::TableCell => {
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
            FrameKind::Link { url, title } => self.push_inline(Inline::Link {
                target: LinkTarget::External { url },
                title,
                content: inlines,
                pos,
            }),
            FrameKind::Image { src } => self.push_inline(Inline::Image {
                src,
                alt: plain_text(&inlines),
                pos,
            }),
            FrameKind::Metadata { yaml } => {
                // the YAML starts on the line after the opening `---`
                let config = config::parse_front_matter(&self.file_name, &yaml, pos.line)?;
                if self.front_matter.is_none() {
                    self.front_matter = Some(config);
                }
            }
            FrameKind::FlattenedInline => {
                if let Some(parent) = self.stack.last_mut() {
                    parent.inlines.extend(inlines);
                }
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
        let chapter = &mut self.chapters.last_mut().expect("opened").chapter;
        chapter.id = id;
        chapter.classes = classes;
        chapter.title = title;
    }

    fn new_chapter(&mut self, heading: Option<(String, Vec<String>, Vec<Inline>)>, pos: Pos) {
        let (id, classes, title) = heading.unwrap_or_default();
        self.chapters.push(ChapterBuild {
            chapter: Chapter {
                id,
                title,
                classes,
                pos,
                blocks: Vec::new(),
                footnotes: Vec::new(),
            },
            notes: Vec::new(),
            next_block: 0,
        });
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
        let mut chapters = Vec::with_capacity(self.chapters.len());
        for (index, build) in self.chapters.into_iter().enumerate() {
            let mut chapter = build.chapter;
            let number = index + 1;
            let mut next = build.next_block;
            let wanted = if chapter.id.is_empty() {
                let slug = slug(&plain_text(&chapter.title));
                if slug.is_empty() {
                    format!("chapter-{number}")
                } else {
                    slug
                }
            } else {
                chapter.id.clone()
            };
            let explicit = !chapter.id.is_empty();
            chapter.id = ids.claim(
                &wanted,
                explicit,
                chapter.pos,
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
        let file_ids: BTreeMap<String, String> = self
            .file_chapter
            .iter()
            .filter_map(|(file, &i)| chapters.get(i).map(|c| (file.clone(), c.id.clone())))
            .collect();
        let mut errors = Vec::new();
        for chapter in &mut chapters {
            for_each_inline_in(&mut chapter.title, &mut |inline| {
                resolve_link(inline, &ids.taken, &file_ids, &self.files, &mut errors)
            });
            for_each_inline_mut(&mut chapter.blocks, &mut |inline| {
                resolve_link(inline, &ids.taken, &file_ids, &self.files, &mut errors)
            });
            for note in &mut chapter.footnotes {
                for_each_inline_mut(&mut note.blocks, &mut |inline| {
                    resolve_link(inline, &ids.taken, &file_ids, &self.files, &mut errors)
                });
            }
        }
        if let Some(error) = errors.into_iter().next() {
            return Err(error);
        }
        let meta = metadata(self.manuscript, self.front_matter.as_ref(), &chapters);
        let book = Book {
            meta,
            files: self.files,
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
    )
}

fn is_block_frame(kind: &FrameKind) -> bool {
    matches!(
        kind,
        FrameKind::Paragraph
            | FrameKind::Heading { .. }
            | FrameKind::BlockQuote
            | FrameKind::List { .. }
            | FrameKind::CodeBlock { .. }
            | FrameKind::HtmlBlock { .. }
            | FrameKind::Table { .. }
            | FrameKind::DefinitionList { .. }
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
            Inline::Image { src, alt, .. } => {
                return BlockKind::Figure {
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

/// Ids given so far, for uniqueness across the book.
#[derive(Default)]
struct Ids {
    taken: BTreeSet<String>,
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
            let wanted = if explicit {
                block.id.clone()
            } else {
                let s = slug(&plain_text(content));
                if s.is_empty() {
                    "section".to_string()
                } else {
                    s
                }
            };
            block.id = ids.claim(&wanted, explicit, block.pos, files, diagnostics);
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
            BlockKind::BlockQuote { blocks } => for_each_block_mut(blocks, f),
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
    for_each_block_mut(blocks, &mut |block| match &mut block.kind {
        BlockKind::Heading { content, .. } | BlockKind::Paragraph { content } => {
            for_each_inline_in(content, f)
        }
        BlockKind::Table { head, rows, .. } => {
            for cell in head.iter_mut().chain(rows.iter_mut().flatten()) {
                for_each_inline_in(cell, f);
            }
        }
        BlockKind::Figure { caption, .. } => for_each_inline_in(caption, f),
        BlockKind::DefinitionList { items } => {
            for item in items {
                for_each_inline_in(&mut item.term, f);
            }
        }
        _ => {}
    });
}

fn for_each_inline_in(inlines: &mut [Inline], f: &mut dyn FnMut(&mut Inline)) {
    for inline in inlines {
        f(inline);
        match inline {
            Inline::Emph { content }
            | Inline::Strong { content }
            | Inline::Strikethrough { content }
            | Inline::Superscript { content }
            | Inline::Subscript { content }
            | Inline::Link { content, .. } => for_each_inline_in(content, f),
            _ => {}
        }
    }
}

/// Turns `#id`, `file.md` and `file.md#id` links into internal ones, checking
/// that the target exists.
fn resolve_link(
    inline: &mut Inline,
    ids: &BTreeSet<String>,
    file_ids: &BTreeMap<String, String>,
    files: &[String],
    errors: &mut Vec<Error>,
) {
    let Inline::Link { target, pos, .. } = inline else {
        return;
    };
    let LinkTarget::External { url } = target else {
        return;
    };
    if url.contains("://") || url.starts_with("mailto:") {
        return;
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url.as_str(), None),
    };
    let path = path.trim_start_matches("./");
    let id = match (path.is_empty(), fragment) {
        (true, Some(fragment)) => fragment.to_string(),
        (false, fragment) if path.ends_with(".md") => match (file_ids.get(path), fragment) {
            (Some(_), Some(fragment)) => fragment.to_string(),
            (Some(chapter), None) => chapter.clone(),
            (None, _) => {
                errors.push(
                    Error::input(
                        Location::new(files[pos.file as usize].clone(), pos.line, pos.col),
                        format!("link to `{url}`: no chapter file `{path}` in the manuscript"),
                    )
                    .with_code("broken-link"),
                );
                return;
            }
        },
        _ => return,
    };
    if ids.contains(&id) {
        *target = LinkTarget::Internal { id };
    } else {
        errors.push(
            Error::input(
                Location::new(files[pos.file as usize].clone(), pos.line, pos.col),
                format!("link to `#{id}`, but no heading or anchor has that id"),
            )
            .with_code("broken-link"),
        );
    }
}

/// A heading's id from its text, as pandoc derives them: lower case; letters,
/// digits, `_`, `-` and `.` kept; spaces become `-`; everything up to the
/// first letter dropped.
pub fn slug(text: &str) -> String {
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
    }
}

#[cfg(test)]
mod tests;
