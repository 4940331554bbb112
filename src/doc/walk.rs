//! Traversal helpers over the tree.
//!
//! Both are iterative (an explicit stack), so a pathologically deep tree
//! cannot overflow the call stack.

use super::{Block, BlockKind, Book, ImageSize, Inline, Pos};

/// Calls `f` on every block in `blocks`, depth first, in document order,
/// including blocks nested in quotes, lists, definition lists.
pub fn walk_blocks<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a Block)) {
    let mut stack: Vec<&'a Block> = blocks.iter().rev().collect();
    while let Some(block) = stack.pop() {
        f(block);
        let start = stack.len();
        match &block.kind {
            BlockKind::BlockQuote { blocks }
            | BlockKind::Div { blocks, .. }
            | BlockKind::Callout { blocks, .. } => stack.extend(blocks.iter()),
            BlockKind::List { items, .. } => {
                for item in items {
                    stack.extend(item.blocks.iter());
                }
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    for def in &item.definitions {
                        stack.extend(def.iter());
                    }
                }
            }
            _ => {}
        }
        stack[start..].reverse();
    }
}

/// Calls `f` on every inline in `inlines`, depth first, in document order.
pub fn walk_inlines<'a>(inlines: &'a [Inline], f: &mut dyn FnMut(&'a Inline)) {
    let mut stack: Vec<&'a Inline> = inlines.iter().rev().collect();
    while let Some(inline) = stack.pop() {
        f(inline);
        if let Some(children) = inline_children(inline) {
            stack.extend(children.iter().rev());
        }
    }
}

/// The inline children of a container inline, if it is one.
pub(crate) fn inline_children(inline: &Inline) -> Option<&[Inline]> {
    match inline {
        Inline::Emph { content }
        | Inline::Strong { content }
        | Inline::Strikethrough { content }
        | Inline::Superscript { content }
        | Inline::Subscript { content }
        | Inline::Link { content, .. }
        | Inline::Span { content, .. } => Some(content),
        _ => None,
    }
}

/// The inline children of a container inline, mutably.
pub(crate) fn inline_children_mut(inline: &mut Inline) -> Option<&mut Vec<Inline>> {
    match inline {
        Inline::Emph { content }
        | Inline::Strong { content }
        | Inline::Strikethrough { content }
        | Inline::Superscript { content }
        | Inline::Subscript { content }
        | Inline::Link { content, .. }
        | Inline::Span { content, .. } => Some(content),
        _ => None,
    }
}

/// The text of inlines without markup: what a reader would read aloud,
/// used for alt text, slugs, outlines and running heads.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    walk_inlines(inlines, &mut |inline| match inline {
        Inline::Text { text } => out.push_str(text),
        Inline::Code { code } => out.push_str(code),
        Inline::Math { source } => out.push_str(source),
        Inline::Image { alt, .. } => out.push_str(alt),
        Inline::SoftBreak | Inline::HardBreak => out.push(' '),
        _ => {}
    });
    out
}

/// The inline sequences a block holds itself (not those of nested blocks).
pub fn block_inlines(block: &Block) -> Vec<&[Inline]> {
    match &block.kind {
        BlockKind::Heading { content, .. } | BlockKind::Paragraph { content } => {
            vec![content.as_slice()]
        }
        BlockKind::Table {
            caption,
            head,
            rows,
            ..
        } => std::iter::once(caption)
            .chain(head.iter())
            .chain(rows.iter().flatten())
            .map(Vec::as_slice)
            .collect(),
        BlockKind::Figure { caption, .. } => vec![caption.as_slice()],
        BlockKind::DefinitionList { items } => items.iter().map(|i| i.term.as_slice()).collect(),
        _ => Vec::new(),
    }
}

/// The numbers of the notes `blocks` cite (in their own inlines and those
/// of nested blocks), in order.
pub fn cited_notes(blocks: &[Block]) -> Vec<u32> {
    let mut out = Vec::new();
    walk_blocks(blocks, &mut |block| {
        for content in block_inlines(block) {
            out.extend(cited_notes_in(content));
        }
    });
    out
}

/// The numbers of the notes `inlines` cite, in order.
pub fn cited_notes_in(inlines: &[Inline]) -> Vec<u32> {
    let mut out = Vec::new();
    walk_inlines(inlines, &mut |inline| {
        if let Inline::FootnoteRef { number, .. } = inline {
            out.push(*number);
        }
    });
    out
}

/// An image the book shows: a figure's or one set in a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageUse<'a> {
    /// The image file or URL.
    pub src: &'a str,
    /// Its alternative text.
    pub alt: &'a str,
    /// The size the author asked for.
    pub size: ImageSize,
    /// Where it is in the source.
    pub pos: Pos,
    /// Marked decorative by the author (`[![](x.png)]{.decorative}`).
    pub decorative: bool,
}

/// Every image of `book`, in reading order, wherever it sits: figures, and
/// inline images in chapter titles, headings, paragraphs, table captions
/// and cells, figure captions and definition terms, in every block nested
/// in quotes, lists, definitions, divs and callouts, and in notes.
pub fn book_images(book: &Book) -> Vec<ImageUse<'_>> {
    fn inlines<'a>(content: &'a [Inline], out: &mut Vec<ImageUse<'a>>) {
        // the images directly inside a span of class `decorative`
        let mut decorative: Vec<&Inline> = Vec::new();
        walk_inlines(content, &mut |inline| match inline {
            Inline::Span {
                classes, content, ..
            } if classes.iter().any(|c| c == "decorative") => decorative.extend(content),
            Inline::Image {
                src,
                alt,
                size,
                pos,
            } => out.push(ImageUse {
                src,
                alt,
                size: *size,
                pos: *pos,
                decorative: decorative.iter().any(|d| std::ptr::eq(*d, inline)),
            }),
            _ => {}
        });
    }
    fn blocks<'a>(list: &'a [Block], out: &mut Vec<ImageUse<'a>>) {
        walk_blocks(list, &mut |block| {
            if let BlockKind::Figure { src, alt, size, .. } = &block.kind {
                out.push(ImageUse {
                    src,
                    alt,
                    size: *size,
                    pos: block.pos,
                    decorative: false,
                });
            }
            for content in block_inlines(block) {
                inlines(content, out);
            }
        });
    }
    let mut out = Vec::new();
    for chapter in &book.chapters {
        inlines(&chapter.title, &mut out);
        blocks(&chapter.blocks, &mut out);
        for note in &chapter.footnotes {
            blocks(&note.blocks, &mut out);
        }
    }
    out
}
