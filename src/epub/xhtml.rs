//! Chapters → XHTML content documents: one file per chapter, semantic
//! markup, every block with its id, notes as EPUB 3 footnotes at the end,
//! page-break markers where the print edition's pages start.

use std::collections::{HashMap, HashSet, VecDeque};

use super::ids::{Kind, Targets};
use super::pages::{Marker, Plan};
use super::url;
use super::xml;
use crate::doc::direction::Dir;
use crate::doc::words::Counter;
use crate::doc::{
    block_inlines, plain_text, walk_blocks, walk_inlines, Align, Block, BlockKind, Book,
    CalloutKind, CellSpan, Chapter, Division, ImageSize, Inline, Length, LinkTarget, ListItem,
    Numbering, Pos,
};
use crate::error::{Diagnostic, Location};

/// A complete XHTML document around `body`.
pub fn document(lang: &str, title: &str, body_type: &str, body: &str) -> String {
    let lang = xml::attr(lang);
    // empty once the characters XML refuses are dropped: `<title>` must not be
    let title = if xml::clean(title).trim().is_empty() {
        "Untitled"
    } else {
        title
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n\
         <html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" \
         lang=\"{lang}\" xml:lang=\"{lang}\"{dir}>\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>{}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n\
         </head>\n<body epub:type=\"{body_type}\">\n{body}</body>\n</html>\n",
        xml::text(title.trim()),
        dir = if is_rtl(&lang) { " dir=\"rtl\"" } else { "" },
    )
}

/// Whether a language is written right to left (its primary subtag, or an
/// Arabic or Hebrew script subtag): the EPUB then says `dir="rtl"` and
/// turns its pages from the right.
pub fn is_rtl(lang: &str) -> bool {
    crate::doc::direction::language_is_rtl(lang)
}

/// What the writer found out while writing, for the package metadata.
#[derive(Debug, Default)]
pub struct Findings {
    /// Warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Writes the chapters of one book.
pub struct Writer<'a> {
    book: &'a Book,
    targets: &'a mut Targets,
    plan: &'a mut Plan,
    /// Image sources the EPUB holds → their href.
    images: &'a HashMap<String, String>,
    /// Language of the documents.
    lang: String,
    /// Findings so far.
    pub findings: Findings,
    /// Note id → the XML id of its first reference.
    first_refs: HashMap<String, String>,
    // state within one chapter
    chapter: usize,
    refs_seen: HashSet<String>,
    out: String,
    words: Option<Words>,
    prefix: Option<String>,
    suffix: Option<String>,
    /// A class for the next paragraph written (a quotation's attribution).
    paragraph_class: Option<&'static str>,
    pos: Pos,
    in_link: bool,
    /// The level of the last heading written in this chapter (1 for its
    /// title, 0 when it has none).
    heading_level: u8,
    /// Writing an image the author marked decorative.
    decorative: bool,
    /// The writing direction around the block being written.
    dir: Dir,
}

/// Word counting within one block, for page-break markers (as
/// [`crate::doc::words`] counts: the typesetter numbers the same words).
#[derive(Debug, Default)]
struct Words {
    /// Markers still to place: (word, marker), in word order.
    pending: VecDeque<(usize, Marker)>,
    /// The words started so far.
    counter: Counter,
}

impl<'a> Writer<'a> {
    /// A writer over `book`; references to notes get their ids from `targets`.
    pub fn new(
        book: &'a Book,
        targets: &'a mut Targets,
        plan: &'a mut Plan,
        images: &'a HashMap<String, String>,
    ) -> Writer<'a> {
        let mut first_refs = HashMap::new();
        for chapter in &book.chapters {
            for note in &chapter.footnotes {
                let stem = note.id.strip_prefix("fn-").unwrap_or(&note.id);
                let wanted = xml::to_ncname(&format!("fnref-{stem}"), "fnref-");
                first_refs.insert(note.id.clone(), targets.fresh(&wanted));
            }
        }
        let lang = language(book);
        Writer {
            book,
            targets,
            plan,
            images,
            dir: Dir::of_book(&lang),
            lang,
            findings: Findings::default(),
            first_refs,
            chapter: 0,
            refs_seen: HashSet::new(),
            out: String::new(),
            words: None,
            prefix: None,
            suffix: None,
            paragraph_class: None,
            pos: Pos::default(),
            in_link: false,
            heading_level: 1,
            decorative: false,
        }
    }

    /// The XHTML document of chapter `index`.
    pub fn chapter(&mut self, index: usize) -> String {
        let chapter: &'a Chapter = &self.book.chapters[index];
        self.chapter = index;
        self.refs_seen.clear();
        self.out.clear();
        self.pos = chapter.pos;
        let referenced = referenced_notes(chapter);

        let xml_id = self.targets.xml_id(&chapter.id);
        let (epub_type, role) = section_semantics(chapter);
        self.out.push_str(&format!(
            "<section epub:type=\"{epub_type}\" role=\"{role}\" id=\""
        ));
        xml::push_attr(&mut self.out, &xml_id);
        self.out.push('"');
        let division_class = match chapter.division {
            Division::Part => Some("part"),
            Division::Dedication => Some("dedication"),
            Division::Epigraph => Some("epigraph"),
            Division::Appendix => Some("appendix"),
            _ => None,
        };
        self.class_attr(&chapter.classes, division_class);
        self.out.push_str(">\n");
        let at_start = std::mem::take(&mut self.plan.at_chapter[index]);
        self.emit_markers(at_start);
        let titled = !chapter.title.is_empty() && chapter.division.shows_title();
        self.heading_level = u8::from(titled);
        if titled {
            self.out.push_str("<h1");
            self.dir_attr(&chapter.title);
            self.out.push('>');
            if let Some(label) = &chapter.label {
                self.out.push_str("<span class=\"chapter-label\">");
                xml::push_text(&mut self.out, label);
                self.out.push_str("</span> ");
            }
            self.inlines(&chapter.title);
            self.out.push_str("</h1>\n");
        }
        self.blocks(&chapter.blocks);

        if !chapter.footnotes.is_empty() {
            self.out.push_str("<div class=\"footnotes\">\n");
            for (n, note) in chapter.footnotes.iter().enumerate() {
                self.pos = note.pos;
                let note_id = self.targets.xml_id(&note.id);
                self.out.push_str(
                    "<aside epub:type=\"footnote\" role=\"doc-footnote\" class=\"footnote\" id=\"",
                );
                xml::push_attr(&mut self.out, &note_id);
                self.out.push_str("\">\n");
                let number = format!("<span class=\"note-number\">{}.</span> ", n + 1);
                let backlink = if referenced.contains(note.id.as_str()) {
                    format!(
                        " <a href=\"#{}\" role=\"doc-backlink\" class=\"backlink\" aria-label=\"Back to the text\">\u{21A9}</a>",
                        xml::attr(&self.first_refs[&note.id])
                    )
                } else {
                    String::new()
                };
                match note.blocks.first().map(|b| &b.kind) {
                    Some(BlockKind::Paragraph { .. }) => self.prefix = Some(number),
                    _ => {
                        self.out.push_str("<p class=\"note-number\">");
                        self.out.push_str(&number);
                        self.out.push_str("</p>\n");
                    }
                }
                if let Some((last, rest)) = note.blocks.split_last() {
                    self.blocks(rest);
                    if matches!(last.kind, BlockKind::Paragraph { .. }) {
                        self.suffix = Some(backlink);
                        self.block(last);
                    } else {
                        self.block(last);
                        self.out.push_str(&format!("<p>{backlink}</p>\n"));
                    }
                } else if !backlink.is_empty() {
                    self.out.push_str(&format!("<p>{backlink}</p>\n"));
                }
                self.prefix = None;
                self.suffix = None;
                self.out.push_str("</aside>\n");
            }
            self.out.push_str("</div>\n");
        }

        // Markers whose block was never written (an id used twice): keep them.
        let mut left: Vec<String> = self
            .plan
            .in_blocks
            .keys()
            .filter(|id| self.targets.get(id).is_some_and(|t| t.chapter == index))
            .cloned()
            .collect();
        left.sort();
        for id in left {
            let markers = self.plan.in_blocks.remove(&id).unwrap_or_default();
            self.emit_markers(markers.into_iter().map(|(_, m)| m).collect());
        }
        self.out.push_str("</section>\n");

        let title = plain_text(&chapter.title);
        let title = if title.trim().is_empty() {
            self.book.meta.title.clone()
        } else {
            title
        };
        document(
            &self.lang,
            &title,
            "bodymatter",
            &std::mem::take(&mut self.out),
        )
    }

    fn blocks(&mut self, blocks: &'a [Block]) {
        for block in blocks {
            self.block(block);
        }
    }

    fn block(&mut self, block: &'a Block) {
        self.pos = block.pos;
        match &block.kind {
            BlockKind::Heading {
                level,
                classes,
                content,
            } => {
                // no level skipped (WCAG's heading order): an h4 under an h2
                // is set as an h3, as the `heading-level-jump` finding says
                let level = (*level).clamp(2, 6).min(self.heading_level + 1);
                self.heading_level = level;
                self.out.push_str(&format!("<h{level}"));
                self.id_attr(&block.id);
                self.class_attr(classes, None);
                self.dir_attr(content);
                self.out.push('>');
                self.text_block(&block.id, |w| w.inlines(content));
                self.out.push_str(&format!("</h{level}>\n"));
            }
            BlockKind::Paragraph { content } => {
                self.out.push_str("<p");
                self.id_attr(&block.id);
                if let Some(class) = self.paragraph_class.take() {
                    self.out.push_str(&format!(" class=\"{class}\""));
                }
                self.dir_attr(content);
                self.out.push('>');
                self.text_block(&block.id, |w| w.inlines(content));
                self.out.push_str("</p>\n");
            }
            BlockKind::BlockQuote { blocks } => {
                self.markers_before(&block.id);
                self.out.push_str("<blockquote");
                self.id_attr(&block.id);
                self.out.push_str(">\n");
                // a last paragraph that starts with a dash is the
                // quotation's attribution, set flush right as in print
                match blocks.split_last() {
                    Some((last, rest))
                        if matches!(&last.kind, BlockKind::Paragraph { content }
                            if crate::style::is_attribution(&plain_text(content))) =>
                    {
                        self.blocks(rest);
                        self.paragraph_class = Some("attribution");
                        self.block(last);
                    }
                    _ => self.blocks(blocks),
                }
                self.out.push_str("</blockquote>\n");
            }
            BlockKind::Div {
                classes,
                lang,
                dir,
                blocks,
            } => {
                self.markers_before(&block.id);
                self.out.push_str("<div");
                self.id_attr(&block.id);
                self.class_attr(classes, None);
                self.lang_attr(lang.as_deref());
                let outer = self.dir;
                self.dir = outer.inside(dir.as_deref(), lang.as_deref());
                // the div's direction, when it is not the one around it
                if matches!(self.dir, Dir::Fixed(_)) || self.dir.rtl() != outer.rtl() {
                    self.out.push_str(if self.dir.rtl() {
                        " dir=\"rtl\""
                    } else {
                        " dir=\"ltr\""
                    });
                }
                self.out.push_str(">\n");
                self.blocks(blocks);
                self.dir = outer;
                self.out.push_str("</div>\n");
            }
            BlockKind::Callout { kind, blocks } => {
                self.markers_before(&block.id);
                // ARIA in HTML allows `note` and `doc-tip` on aside
                let role = match kind {
                    CalloutKind::Tip => "doc-tip",
                    _ => "note",
                };
                self.out.push_str(&format!("<aside role=\"{role}\""));
                self.id_attr(&block.id);
                self.class_attr(&["callout".to_string(), kind.class().to_string()], None);
                self.out.push_str(&format!(
                    ">\n<p class=\"callout-title\"><strong>{}</strong></p>\n",
                    kind.title()
                ));
                self.blocks(blocks);
                self.out.push_str("</aside>\n");
            }
            BlockKind::PageBreak => {
                self.markers_before(&block.id);
                self.out.push_str("<div class=\"page-break\"></div>\n");
            }
            BlockKind::List {
                start,
                numbering,
                tight,
                items,
            } => self.list(block, (*start, *numbering), *tight, items),
            BlockKind::CodeBlock { lang, code } => {
                self.out.push_str("<pre");
                self.id_attr(&block.id);
                self.out.push_str("><code");
                if let Some(lang) = lang.as_deref().and_then(|l| l.split_whitespace().next()) {
                    self.out.push_str(" class=\"language-");
                    xml::push_attr(&mut self.out, lang);
                    self.out.push('"');
                }
                self.out.push('>');
                let code = code.strip_suffix('\n').unwrap_or(code);
                let lines = crate::highlight::highlight(lang.as_deref(), code);
                self.text_block(&block.id, |w| {
                    for (i, line) in lines.iter().enumerate() {
                        // each line a block with a hanging indent: a wrapped
                        // line goes on under its own indentation plus a step
                        // (as in print, `typeset::flow::code_wraps`); its
                        // newline inside it (one between two blocks would
                        // be a blank line of its own)
                        let lead: usize = line
                            .iter()
                            .flat_map(|(_, t)| t.chars())
                            .take_while(|c| *c == ' ' || *c == '\t')
                            .map(|c| if c == '\t' { 4 } else { 1 })
                            .sum();
                        w.out.push_str("<span class=\"");
                        w.out.push_str(&super::style::code_line_class(lead));
                        w.out.push_str("\">");
                        // the indentation a line may not wrap after (a
                        // token longer than the screen would leave it alone
                        // on a line that looks blank)
                        let mut indent = true;
                        for (kind, piece) in line {
                            let mut piece = piece.as_str();
                            if indent {
                                let end =
                                    piece.find(|c| c != ' ' && c != '\t').unwrap_or(piece.len());
                                if end > 0 {
                                    w.out.push_str("<span class=\"indent\">");
                                    w.text(&piece[..end]);
                                    w.out.push_str("</span>");
                                }
                                piece = &piece[end..];
                                if piece.is_empty() {
                                    continue;
                                }
                                indent = false;
                            }
                            match kind.css_class() {
                                Some(class) => {
                                    w.out.push_str("<span class=\"");
                                    w.out.push_str(class);
                                    w.out.push_str("\">");
                                    w.text(piece);
                                    w.out.push_str("</span>");
                                }
                                None => w.text(piece),
                            }
                        }
                        if i + 1 < lines.len() {
                            w.text("\n");
                        }
                        w.out.push_str("</span>");
                    }
                    if code.ends_with('\n') {
                        // a last empty line, which `lines` does not give
                        w.text("\n");
                    }
                });
                self.out.push_str("</code></pre>\n");
            }
            BlockKind::Table {
                caption,
                spans,
                aligns,
                head,
                rows,
            } => {
                self.table(block, caption, spans, aligns, head, rows);
            }
            BlockKind::Figure {
                src,
                alt,
                caption,
                size,
            } => {
                let saved = self.begin_words(&block.id);
                self.out.push_str("<figure");
                self.id_attr(&block.id);
                self.out.push_str(">\n");
                // The caption is the figure's text; the alt text is not counted.
                // An alt text that only repeats the caption is left out
                // (`alt=""`, as a decorative image's): a screen reader reads
                // the caption once, as the figure's name.
                let repeats = repeats_caption(alt, caption);
                let decorative = self.decorative;
                self.decorative |= repeats;
                self.image(src, alt, *size, block.pos, false);
                self.decorative = decorative;
                if !caption.is_empty() {
                    self.out.push_str("\n<figcaption");
                    self.dir_attr(caption);
                    self.out.push('>');
                    self.inlines(caption);
                    self.out.push_str("</figcaption>");
                }
                self.out.push_str("\n</figure>\n");
                self.end_words(saved);
            }
            BlockKind::ThematicBreak => {
                self.markers_before(&block.id);
                self.out.push_str("<hr");
                self.id_attr(&block.id);
                self.out.push_str(" class=\"scene-break\"/>\n");
            }
            BlockKind::DefinitionList { items } => {
                let saved = self.begin_words(&block.id);
                self.out.push_str("<dl");
                self.id_attr(&block.id);
                self.out.push_str(">\n");
                for item in items {
                    // the terms are this block's text; the definitions are
                    // blocks of their own, written with the terms' count put by
                    self.out.push_str("<dt");
                    self.dir_attr(&item.term);
                    self.out.push('>');
                    self.inlines(&item.term);
                    self.break_word();
                    self.out.push_str("</dt>\n");
                    let terms = self.words.take();
                    for definition in &item.definitions {
                        self.out.push_str("<dd>\n");
                        self.blocks(definition);
                        self.out.push_str("</dd>\n");
                    }
                    if item.definitions.is_empty() {
                        // a <dt> needs a <dd> after it
                        self.out.push_str("<dd></dd>\n");
                    }
                    self.words = terms;
                }
                self.out.push_str("</dl>\n");
                self.end_words(saved);
            }
            // the reader makes none (it reads HTML into the tree); the
            // typesetter leaves it out too, so neither output has it
            BlockKind::RawHtml { .. } => self.markers_before(&block.id),
            BlockKind::Math { source } => {
                self.out.push_str("<div");
                self.id_attr(&block.id);
                self.out
                    .push_str(" class=\"math-display\"><span class=\"math\">");
                self.text_block(&block.id, |w| w.text(source.trim()));
                self.out.push_str("</span></div>\n");
            }
        }
    }

    fn list(
        &mut self,
        block: &'a Block,
        (start, numbering): (Option<u64>, Numbering),
        tight: bool,
        items: &'a [ListItem],
    ) {
        self.markers_before(&block.id);
        let tag = if start.is_some() { "ol" } else { "ul" };
        let tasks = items.iter().any(|i| i.checked.is_some());
        self.out.push('<');
        self.out.push_str(tag);
        self.id_attr(&block.id);
        let mut classes = Vec::new();
        if tight {
            classes.push("tight".to_string());
        }
        if tasks {
            classes.push("tasks".to_string());
        }
        self.class_attr(&classes, None);
        if let Some(n) = start.filter(|&n| n != 1) {
            self.out.push_str(&format!(" start=\"{n}\""));
        }
        if let Some(kind) = numbering.html_type() {
            self.out.push_str(&format!(" type=\"{kind}\""));
        }
        self.out.push_str(">\n");
        for item in items {
            self.out.push_str("<li>");
            if let Some(checked) = item.checked {
                // A character, not a disabled <input>: EPUB content stays script- and form-free.
                let task_box = format!(
                    "<span class=\"task-box\">{}</span> ",
                    if checked { '\u{2611}' } else { '\u{2610}' }
                );
                match item.blocks.first().map(|b| &b.kind) {
                    Some(BlockKind::Paragraph { .. }) => self.prefix = Some(task_box),
                    _ => self.out.push_str(&task_box),
                }
            }
            self.blocks(&item.blocks);
            self.prefix = None;
            self.out.push_str("</li>\n");
        }
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    fn table(
        &mut self,
        block: &'a Block,
        caption: &'a [Inline],
        spans: &[CellSpan],
        aligns: &[Align],
        head: &'a [Vec<Inline>],
        rows: &'a [Vec<Vec<Inline>>],
    ) {
        let saved = self.begin_words(&block.id);
        self.out.push_str("<table");
        self.id_attr(&block.id);
        self.out.push_str(">\n");
        // the caption's words come first (`doc::words`), as in print
        if !caption.is_empty() {
            self.out.push_str("<caption");
            self.dir_attr(caption);
            self.out.push('>');
            self.inlines(caption);
            self.break_word();
            self.out.push_str("</caption>\n");
        }
        let class = |column: usize| match aligns.get(column) {
            Some(Align::Left) => " class=\"align-left\"",
            Some(Align::Center) => " class=\"align-center\"",
            Some(Align::Right) => " class=\"align-right\"",
            _ => "",
        };
        if !head.is_empty() {
            self.out.push_str("<thead>\n<tr>");
            for (column, cell) in head.iter().enumerate() {
                self.out
                    .push_str(&format!("<th scope=\"col\"{}", class(column)));
                self.dir_attr(cell);
                self.out.push('>');
                self.break_word();
                self.inlines(cell);
                self.break_word();
                self.out.push_str("</th>");
            }
            self.out.push_str("</tr>\n</thead>\n");
        }
        if !rows.is_empty() {
            self.out.push_str("<tbody>\n");
            for (r, row) in rows.iter().enumerate() {
                self.out.push_str("<tr>");
                for (column, cell) in row.iter().enumerate() {
                    // a cell another spans over is not written
                    let covered = spans.iter().any(|s| {
                        (s.row..s.row + s.rows).contains(&r)
                            && (s.col..s.col + s.cols).contains(&column)
                            && (s.row, s.col) != (r, column)
                    });
                    if covered {
                        continue;
                    }
                    let mut attrs = class(column).to_string();
                    if let Some(s) = spans.iter().find(|s| (s.row, s.col) == (r, column)) {
                        if s.rows > 1 {
                            attrs.push_str(&format!(" rowspan=\"{}\"", s.rows));
                        }
                        if s.cols > 1 {
                            attrs.push_str(&format!(" colspan=\"{}\"", s.cols));
                        }
                    }
                    self.out.push_str(&format!("<td{attrs}"));
                    self.dir_attr(cell);
                    self.out.push('>');
                    self.break_word();
                    self.inlines(cell);
                    self.break_word();
                    self.out.push_str("</td>");
                }
                self.out.push_str("</tr>\n");
            }
            self.out.push_str("</tbody>\n");
        }
        self.out.push_str("</table>\n");
        self.end_words(saved);
    }

    /// An image, or its alternative text when the EPUB does not hold it;
    /// `count` when its alt text is part of the block's words.
    fn image(&mut self, src: &str, alt: &str, size: ImageSize, pos: Pos, count: bool) {
        if let Some(href) = self.images.get(src) {
            if count {
                // the image is a word of the block's text (`doc::words`)
                self.count_atom();
            }
            if self.decorative {
                // marked decorative by the author: no alt text, and screen
                // readers pass over it
                self.out.push_str("<img src=\"");
                xml::push_attr(&mut self.out, href);
                self.out.push('"');
                self.out.push_str(&size_style(size));
                self.out.push_str(" alt=\"\" role=\"presentation\"/>");
                return;
            }
            self.out.push_str("<img src=\"");
            xml::push_attr(&mut self.out, href);
            self.out.push('"');
            self.out.push_str(&size_style(size));
            if alt.trim().is_empty() {
                // no alt text, and not marked decorative: written without
                // one, so that checkers show the author what is missing
                // (`alt=""` would tell readers it is decoration)
                self.out.push_str("/>");
                return;
            }
            self.out.push_str(" alt=\"");
            xml::push_attr(&mut self.out, alt);
            self.out.push_str("\"/>");
            return;
        }
        self.findings.diagnostics.push(Diagnostic::warning(
            "missing-image",
            self.location(pos),
            format!("image `{src}` is not in the EPUB; its alternative text stands in"),
        ));
        self.out.push_str("<span class=\"image-alt\">");
        if alt.trim().is_empty() {
            self.out.push('[');
            xml::push_text(&mut self.out, src);
            self.out.push(']');
        } else if count {
            self.text(alt);
        } else {
            xml::push_text(&mut self.out, alt);
        }
        self.out.push_str("</span>");
    }

    fn inlines(&mut self, content: &'a [Inline]) {
        for inline in content {
            self.inline(inline);
        }
    }

    fn wrapped(&mut self, tag: &str, content: &'a [Inline]) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.inlines(content);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn inline(&mut self, inline: &'a Inline) {
        match inline {
            Inline::Text { text } => self.text(text),
            Inline::Emph { content } => self.wrapped("em", content),
            Inline::Strong { content } => self.wrapped("strong", content),
            Inline::Strikethrough { content } => self.wrapped("s", content),
            Inline::Superscript { content } => self.wrapped("sup", content),
            Inline::Subscript { content } => self.wrapped("sub", content),
            Inline::Code { code } => {
                self.out.push_str("<code>");
                self.text(code);
                self.out.push_str("</code>");
            }
            Inline::Link {
                target,
                title,
                content,
                pos,
            } => {
                let href = match target {
                    LinkTarget::Internal { id } => self.targets.href(id, self.chapter),
                    LinkTarget::External { url } => self.external(url, *pos),
                };
                match href {
                    Some(href) if !self.in_link => {
                        self.out.push_str("<a href=\"");
                        xml::push_attr(&mut self.out, &href);
                        self.out.push('"');
                        if !title.is_empty() {
                            self.out.push_str(" title=\"");
                            xml::push_attr(&mut self.out, title);
                            self.out.push('"');
                        }
                        self.out.push('>');
                        self.in_link = true;
                        self.inlines(content);
                        self.in_link = false;
                        self.out.push_str("</a>");
                    }
                    _ => self.inlines(content),
                }
            }
            Inline::Image {
                src,
                alt,
                size,
                pos,
            } => self.image(src, alt, *size, *pos, true),
            Inline::FootnoteRef { id, number } => self.note_ref(id, *number),
            Inline::SoftBreak => {
                self.break_word();
                self.out.push('\n');
            }
            Inline::HardBreak => {
                self.break_word();
                self.out.push_str("<br/>\n");
            }
            Inline::Math { source } => {
                self.out.push_str("<span class=\"math\">");
                self.text(source);
                self.out.push_str("</span>");
            }
            // as `BlockKind::RawHtml`: in neither output
            Inline::RawHtml { .. } => {}
            Inline::Span {
                classes, content, ..
            } if classes.iter().any(|c| c == "decorative")
                && content.iter().all(|i| matches!(i, Inline::Image { .. })) =>
            {
                self.decorative = true;
                self.inlines(content);
                self.decorative = false;
            }
            Inline::Span {
                id,
                classes,
                lang,
                content,
            } => {
                // the classes the reader gives HTML's `<u>`, `<mark>`,
                // `<small>` and `<kbd>` are those elements again
                let elements: Vec<&str> =
                    classes.iter().filter_map(|c| phrase_element(c)).collect();
                let others: Vec<String> = classes
                    .iter()
                    .filter(|c| phrase_element(c).is_none())
                    .cloned()
                    .collect();
                let outer = elements.first().copied().unwrap_or("span");
                self.out.push('<');
                self.out.push_str(outer);
                if let Some(id) = id {
                    self.id_attr(id);
                }
                self.class_attr(&others, None);
                self.lang_attr(lang.as_deref());
                self.out.push('>');
                for inner in elements.iter().skip(1) {
                    self.out.push_str(&format!("<{inner}>"));
                }
                self.inlines(content);
                for inner in elements.iter().skip(1).rev() {
                    self.out.push_str(&format!("</{inner}>"));
                }
                self.out.push_str("</");
                self.out.push_str(outer);
                self.out.push('>');
            }
        }
    }

    /// `dir` on a block of text `content` whose direction is not the one
    /// around it (a Hebrew paragraph in an English book): the print edition
    /// sets that paragraph in the same direction.
    fn dir_attr(&mut self, content: &[Inline]) {
        if let Dir::Auto(around) = self.dir {
            let rtl = self.dir.paragraph_rtl(content);
            if rtl != around {
                self.out
                    .push_str(if rtl { " dir=\"rtl\"" } else { " dir=\"ltr\"" });
            }
        }
    }

    /// `lang` and `xml:lang` for content in another language.
    fn lang_attr(&mut self, lang: Option<&str>) {
        if let Some(lang) = lang.map(str::trim).filter(|l| is_language_tag(l)) {
            self.out.push_str(" lang=\"");
            xml::push_attr(&mut self.out, lang);
            self.out.push_str("\" xml:lang=\"");
            xml::push_attr(&mut self.out, lang);
            self.out.push('"');
        }
    }

    fn note_ref(&mut self, id: &str, number: u32) {
        let target = self
            .targets
            .get(id)
            .filter(|t| t.kind == Kind::Note)
            .map(|t| t.xml_id.clone());
        match target {
            Some(note) if !self.in_link => {
                self.out.push_str(
                    "<a epub:type=\"noteref\" role=\"doc-noteref\" class=\"noteref\" href=\"#",
                );
                xml::push_attr(&mut self.out, &note);
                self.out.push('"');
                if self.refs_seen.insert(id.to_string()) {
                    if let Some(first) = self.first_refs.get(id) {
                        self.out.push_str(" id=\"");
                        xml::push_attr(&mut self.out, first);
                        self.out.push('"');
                    }
                }
                self.out.push_str(&format!(">{number}</a>"));
            }
            _ => self
                .out
                .push_str(&format!("<sup class=\"noteref\">{number}</sup>")),
        }
    }

    /// The href of an external link, or `None` (with a warning) when it
    /// cannot be kept.
    fn external(&mut self, url: &str, pos: Pos) -> Option<String> {
        let url = url.trim();
        if let Some(fragment) = url.strip_prefix('#') {
            return self.targets.href(fragment, self.chapter);
        }
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .filter(|s| {
                s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            });
        let why = match scheme.as_deref() {
            Some("javascript" | "vbscript" | "data" | "file") => "is not allowed in an EPUB",
            Some(_) => return Some(url::encode_url(url)),
            None => "points to a file the EPUB does not hold",
        };
        self.findings.diagnostics.push(Diagnostic::warning(
            "unsafe-link",
            self.location(pos),
            format!("link to `{url}` {why}; its text is kept without the link"),
        ));
        None
    }

    /// Writes a text block's content with its page markers: markers at
    /// word 0 first, then the content, then markers past the last word.
    fn text_block(&mut self, id: &str, content: impl FnOnce(&mut Self)) {
        let saved = self.begin_words(id);
        if let Some(prefix) = self.prefix.take() {
            self.out.push_str(&prefix);
        }
        content(self);
        if let Some(suffix) = self.suffix.take() {
            self.out.push_str(&suffix);
        }
        let left = self.take_words(saved);
        self.emit_markers(left);
    }

    /// Starts counting the words of block `id`; markers at word 0 are
    /// written now (the caller decides whether that is before the element
    /// or inside it). Returns the counting state to restore.
    fn begin_words(&mut self, id: &str) -> Option<Words> {
        let mut pending: VecDeque<(usize, Marker)> =
            self.plan.in_blocks.remove(id).unwrap_or_default().into();
        let mut first = Vec::new();
        while pending.front().is_some_and(|(w, _)| *w == 0) {
            first.push(pending.pop_front().expect("non-empty").1);
        }
        self.emit_markers(first);
        self.words.replace(Words {
            pending,
            ..Words::default()
        })
    }

    /// Ends the block's word counting and writes the markers left (pages
    /// that start past its last word) where the output stands.
    fn end_words(&mut self, saved: Option<Words>) {
        let left = self.take_words(saved);
        self.emit_markers(left);
    }

    fn take_words(&mut self, saved: Option<Words>) -> Vec<Marker> {
        let words = std::mem::replace(&mut self.words, saved);
        words
            .map(|w| w.pending.into_iter().map(|(_, m)| m).collect())
            .unwrap_or_default()
    }

    /// Writes all markers of a block that is not text, before it.
    fn markers_before(&mut self, id: &str) {
        let markers = self.plan.in_blocks.remove(id).unwrap_or_default();
        self.emit_markers(markers.into_iter().map(|(_, m)| m).collect());
    }

    fn emit_markers(&mut self, markers: Vec<Marker>) {
        for marker in markers {
            self.out.push_str(&marker.html());
        }
    }

    /// Writes text, escaped, with the markers of the words it starts.
    fn text(&mut self, text: &str) {
        let Some(words) = self.words.as_mut() else {
            xml::push_text(&mut self.out, text);
            return;
        };
        let out = &mut self.out;
        let pending = &mut words.pending;
        let mut run = 0;
        words.counter.text(text, |at, word| {
            if pending.front().is_some_and(|(w, _)| *w <= word) {
                xml::push_text(out, &text[run..at]);
                run = at;
                while pending.front().is_some_and(|(w, _)| *w <= word) {
                    let (_, marker) = pending.pop_front().expect("non-empty");
                    out.push_str(&marker.html());
                }
            }
        });
        xml::push_text(out, &text[run..]);
    }

    /// Counts an image as a word (or as part of the word it touches); its
    /// markers are written where the output stands.
    fn count_atom(&mut self) {
        let mut markers = Vec::new();
        if let Some(words) = self.words.as_mut() {
            let pending = &mut words.pending;
            words.counter.atom(|word| {
                while pending.front().is_some_and(|(w, _)| *w <= word) {
                    markers.push(pending.pop_front().expect("non-empty").1);
                }
            });
        }
        self.emit_markers(markers);
    }

    /// A word ends here whatever follows (a line break, a table cell).
    fn break_word(&mut self) {
        if let Some(words) = self.words.as_mut() {
            words.counter.end_word();
        }
    }

    fn id_attr(&mut self, id: &str) {
        let xml_id = self.targets.xml_id(id);
        self.out.push_str(" id=\"");
        xml::push_attr(&mut self.out, &xml_id);
        self.out.push('"');
    }

    fn class_attr(&mut self, classes: &[String], extra: Option<&str>) {
        let mut all: Vec<String> = classes
            .iter()
            .flat_map(|c| c.split_whitespace())
            .map(str::to_string)
            .collect();
        all.extend(extra.map(str::to_string));
        if !all.is_empty() {
            self.out.push_str(" class=\"");
            xml::push_attr(&mut self.out, &all.join(" "));
            self.out.push('"');
        }
    }

    fn location(&self, pos: Pos) -> Location {
        Location::new(self.book.file_name(pos), pos.line, pos.col)
    }
}

/// The element a span class stands for: the classes the reader gives
/// HTML's phrase elements that have no node of their own (as pandoc
/// reads them).
fn phrase_element(class: &str) -> Option<&'static str> {
    Some(match class {
        "underline" => "u",
        "mark" => "mark",
        "small" => "small",
        "kbd" => "kbd",
        _ => return None,
    })
}

/// The ids of the notes some reference in `chapter` points to.
fn referenced_notes<'c>(chapter: &'c Chapter) -> HashSet<&'c str> {
    let mut found = HashSet::new();
    let mut visit = |blocks: &'c [Block]| {
        walk_blocks(blocks, &mut |block| {
            for content in block_inlines(block) {
                walk_inlines(content, &mut |inline| {
                    if let Inline::FootnoteRef { id, .. } = inline {
                        found.insert(id.as_str());
                    }
                });
            }
        });
    };
    visit(&chapter.blocks);
    for note in &chapter.footnotes {
        visit(&note.blocks);
    }
    found
}

/// The book's language as a BCP 47 tag; `und` (undetermined) when it is
/// missing or malformed.
pub fn language(book: &Book) -> String {
    let lang = book.meta.language.trim();
    let ok = !lang.is_empty()
        && lang.len() <= 35
        && lang.starts_with(|c: char| c.is_ascii_alphabetic())
        && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !lang.ends_with('-')
        && !lang.contains("--");
    if ok {
        lang.to_string()
    } else {
        "und".to_string()
    }
}

/// Whether `tag` looks like a BCP 47 language tag (`fr`, `en-GB`,
/// `zh-Hant-TW`): letters and digits in parts of one to eight.
fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.split('-').all(|part| {
            (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// The `epub:type` and matching ARIA role of a chapter's section, from its
/// division and, for front and back matter, its title (DPUB-ARIA 1.1).
fn section_semantics(chapter: &Chapter) -> (&'static str, &'static str) {
    match chapter.division {
        Division::Part => return ("part", "doc-part"),
        Division::Appendix => return ("appendix", "doc-appendix"),
        Division::Dedication => return ("dedication", "doc-dedication"),
        Division::Epigraph => return ("epigraph", "doc-epigraph"),
        Division::Front | Division::Back => {}
        Division::Chapter => return ("chapter", "doc-chapter"),
    }
    if chapter.classes.iter().any(|c| c == "abstract") {
        return ("abstract", "doc-abstract");
    }
    match plain_text(&chapter.title).trim().to_lowercase().as_str() {
        "foreword" => ("foreword", "doc-foreword"),
        "preface" => ("preface", "doc-preface"),
        "introduction" => ("introduction", "doc-introduction"),
        "prologue" => ("prologue", "doc-prologue"),
        "epilogue" => ("epilogue", "doc-epilogue"),
        "afterword" => ("afterword", "doc-afterword"),
        "acknowledgments" | "acknowledgements" => ("acknowledgments", "doc-acknowledgments"),
        "conclusion" => ("conclusion", "doc-conclusion"),
        "colophon" => ("colophon", "doc-colophon"),
        _ => ("chapter", "doc-chapter"),
    }
}

/// The `style` attribute (with its leading space) that gives an image the
/// size the author asked for, empty for its natural size: a width in % is a
/// share of the containing block, as in print of the measure; a height in
/// % a share of the screen's height (`vh`), as in print of the text
/// block's; lengths in points. Given one, the other follows the image's
/// proportions (`auto`).
/// Whether an image's alt text says word for word what its figure's
/// caption says (letter case, spacing and closing punctuation aside).
fn repeats_caption(alt: &str, caption: &[Inline]) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end_matches(['.', ':', ';', ','])
            .split(' ')
            .map(str::to_string)
            .collect()
    };
    let alt = words(alt);
    !caption.is_empty() && alt != [""] && alt == words(&crate::doc::walk::plain_text(caption))
}

fn size_style(size: ImageSize) -> String {
    let css = |length: Length, percent: &str| match length {
        Length::Percent(p) => format!("{}{percent}", trim_number(p)),
        Length::Pt(pt) => format!("{}pt", trim_number(pt)),
    };
    let mut style = Vec::new();
    if let Some(w) = size.width {
        style.push(format!("width: {}", css(w, "%")));
    }
    if let Some(h) = size.height {
        style.push(format!("height: {}", css(h, "vh")));
    }
    if style.is_empty() {
        return String::new();
    }
    format!(" style=\"{}\"", style.join("; "))
}

/// A number with at most two decimals and no trailing zeros (`56.69`, `50`).
fn trim_number(n: f64) -> String {
    let text = format!("{n:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn sizes_become_css() {
        let size = |w: Option<&str>, h: Option<&str>| ImageSize {
            width: w.and_then(Length::parse),
            height: h.and_then(Length::parse),
        };
        assert_eq!(size_style(size(None, None)), "");
        assert_eq!(size_style(size(Some("50%"), None)), " style=\"width: 50%\"");
        assert_eq!(
            size_style(size(Some("2cm"), None)),
            " style=\"width: 56.69pt\""
        );
        assert_eq!(
            size_style(size(Some("120"), Some("30%"))),
            " style=\"width: 90pt; height: 30vh\""
        );
    }
}
