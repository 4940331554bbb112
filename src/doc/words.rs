//! One definition of a word of a block's text, for the page map: the
//! typesetter numbers the words a printed page starts in, and the EPUB
//! writer puts the page's marker before the word of that number. Both count
//! with this module, so that they agree (a property test checks it).
//!
//! - A word is a run of characters between white space ([`is_space`]); the
//!   no-break spaces (U+00A0, U+2007, U+202F) join the words on either side
//!   into one, as they do on the page.
//! - A block's own text is a sequence of [`Unit`]s ([`units`]): a
//!   paragraph's or heading's inlines; a table's caption, then its header
//!   cells and its body cells, row by row; a figure's caption; a definition
//!   list's terms; a code block's code; display math's source. No word runs
//!   from one unit into the next. Nested blocks (a list's items, a quote's
//!   paragraphs, a note's blocks) have their own ids and count their own
//!   words.
//! - Within inlines ([`count_inlines`]): text, inline code and math source
//!   are words; a soft or hard line break ends a word; an image the book
//!   holds is one word (or part of the word it touches, as `x![](dot.png)`),
//!   an image it lacks is its alternative text; note references and raw
//!   HTML are not text and do not end a word.

use super::{Block, BlockKind, Inline};

/// Whether `c` separates words: white space, except the no-break spaces
/// (U+00A0 no-break space, U+2007 figure space, U+202F narrow no-break
/// space), which join the words on either side.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}')
}

/// Counts words in text fed to it piece by piece, in document order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    count: usize,
    in_word: bool,
}

impl Counter {
    /// A counter starting at word `count`, not inside a word.
    pub fn at(count: usize) -> Counter {
        Counter {
            count,
            in_word: false,
        }
    }

    /// How many words have started.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Feeds `text`; `start(offset, word)` is called where each word
    /// starts (its byte offset in `text` and its number, from 0).
    pub fn text(&mut self, text: &str, mut start: impl FnMut(usize, usize)) {
        for (i, c) in text.char_indices() {
            if is_space(c) {
                self.in_word = false;
            } else if !self.in_word {
                self.in_word = true;
                start(i, self.count);
                self.count += 1;
            }
        }
    }

    /// Feeds something without characters that is part of the text (an
    /// image): it starts a word unless one is going on; `start(word)` is
    /// called when it does.
    pub fn atom(&mut self, start: impl FnOnce(usize)) {
        if !self.in_word {
            self.in_word = true;
            start(self.count);
            self.count += 1;
        }
    }

    /// A word ends here whatever follows (a line break, a table cell).
    pub fn end_word(&mut self) {
        self.in_word = false;
    }
}

/// A piece of a block's own text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit<'a> {
    /// Inline content.
    Inlines(&'a [Inline]),
    /// Preformatted text: code, or display math's source.
    Code(&'a str),
}

/// The units of `block`'s own text, in document order (see the module
/// documentation).
pub fn units(block: &Block) -> Vec<Unit<'_>> {
    match &block.kind {
        BlockKind::CodeBlock { code, .. } => vec![Unit::Code(code)],
        BlockKind::Math { source } => vec![Unit::Code(source)],
        // the inline sequences in the order `block_inlines` gives them (a
        // table's caption, its head, its rows)
        _ => super::block_inlines(block)
            .into_iter()
            .map(Unit::Inlines)
            .collect(),
    }
}

/// Counts the words of `inlines` with `counter`, calling `text(piece,
/// counter)` for each piece of text in document order and `atom(counter)`
/// for each image the book holds (`has_image(src)`).
pub fn count_inlines(
    inlines: &[Inline],
    has_image: &dyn Fn(&str) -> bool,
    counter: &mut Counter,
    on_start: &mut dyn FnMut(usize),
) {
    let mut stack: Vec<&Inline> = inlines.iter().rev().collect();
    while let Some(inline) = stack.pop() {
        match inline {
            Inline::Text { text } => counter.text(text, |_, w| on_start(w)),
            Inline::Code { code } => counter.text(code, |_, w| on_start(w)),
            Inline::Math { source } => counter.text(source, |_, w| on_start(w)),
            Inline::Image { src, alt, .. } => {
                if has_image(src) {
                    counter.atom(&mut *on_start);
                } else {
                    counter.text(alt, |_, w| on_start(w));
                }
            }
            Inline::SoftBreak | Inline::HardBreak => counter.end_word(),
            Inline::FootnoteRef { .. } | Inline::RawHtml { .. } => {}
            other => {
                if let Some(children) = super::walk::inline_children(other) {
                    stack.extend(children.iter().rev());
                }
            }
        }
    }
}

/// The words of `block`'s own text, in order (an image the book holds is
/// an empty word).
pub fn words(block: &Block, has_image: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for unit in units(block) {
        let mut counter = Counter::at(out.len());
        match unit {
            Unit::Code(code) => push_words(code, &mut counter, &mut out),
            Unit::Inlines(inlines) => {
                let mut stack: Vec<&Inline> = inlines.iter().rev().collect();
                while let Some(inline) = stack.pop() {
                    match inline {
                        Inline::Text { text } => push_words(text, &mut counter, &mut out),
                        Inline::Code { code } => push_words(code, &mut counter, &mut out),
                        Inline::Math { source } => push_words(source, &mut counter, &mut out),
                        Inline::Image { src, alt, .. } => {
                            if has_image(src) {
                                counter.atom(|_| out.push(String::new()));
                            } else {
                                push_words(alt, &mut counter, &mut out);
                            }
                        }
                        Inline::SoftBreak | Inline::HardBreak => counter.end_word(),
                        Inline::FootnoteRef { .. } | Inline::RawHtml { .. } => {}
                        other => {
                            if let Some(children) = super::walk::inline_children(other) {
                                stack.extend(children.iter().rev());
                            }
                        }
                    }
                }
            }
        }
        debug_assert_eq!(counter.count(), out.len());
    }
    out
}

/// Adds the words of `text` to `out`: a new word where the counter starts
/// one, else the text continues the last.
fn push_words(text: &str, counter: &mut Counter, out: &mut Vec<String>) {
    let mut starts = Vec::new();
    counter.text(text, |offset, _| starts.push(offset));
    // the text before the first start continues the word going on
    let first = starts.first().copied().unwrap_or(text.len());
    if let Some(last) = out.last_mut() {
        last.extend(text[..first].chars().take_while(|&c| !is_space(c)));
    }
    for (k, &from) in starts.iter().enumerate() {
        let to = starts.get(k + 1).copied().unwrap_or(text.len());
        out.push(
            text[from..to]
                .chars()
                .take_while(|&c| !is_space(c))
                .collect(),
        );
    }
}

/// The number of the first word of each of `block`'s [`units`].
pub fn unit_starts(block: &Block, has_image: &dyn Fn(&str) -> bool) -> Vec<usize> {
    let mut counter = Counter::default();
    units(block)
        .into_iter()
        .map(|unit| {
            let start = counter.count();
            match unit {
                Unit::Code(code) => counter.text(code, |_, _| {}),
                Unit::Inlines(inlines) => {
                    count_inlines(inlines, has_image, &mut counter, &mut |_| {})
                }
            }
            counter.end_word();
            start
        })
        .collect()
}

/// How many words `inlines` hold.
pub fn inline_word_count(inlines: &[Inline], has_image: &dyn Fn(&str) -> bool) -> usize {
    let mut counter = Counter::default();
    count_inlines(inlines, has_image, &mut counter, &mut |_| {});
    counter.count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Pos;

    fn text(t: &str) -> Inline {
        Inline::Text {
            text: t.to_string(),
        }
    }

    fn block(kind: BlockKind) -> Block {
        Block {
            id: "b".into(),
            pos: Pos::default(),
            kind,
        }
    }

    #[test]
    fn no_break_spaces_join_words_and_markup_does_not_split_them() {
        let p = block(BlockKind::Paragraph {
            content: vec![
                text("Mr.\u{a0}Li weighs 10\u{202f}kg: H"),
                Inline::Subscript {
                    content: vec![text("2")],
                },
                text("O,"),
                Inline::FootnoteRef {
                    id: "n".into(),
                    number: 1,
                },
                Inline::SoftBreak,
                text("figure\u{2007}1\tand"),
                Inline::Image {
                    src: "dot.png".into(),
                    alt: "a red dot".into(),
                    size: Default::default(),
                    pos: Pos::default(),
                },
                Inline::HardBreak,
                Inline::Image {
                    src: "gone.png".into(),
                    alt: "a gone image".into(),
                    size: Default::default(),
                    pos: Pos::default(),
                },
            ],
        });
        let has = |src: &str| src == "dot.png";
        assert_eq!(
            words(&p, &has),
            [
                "Mr.\u{a0}Li",
                "weighs",
                "10\u{202f}kg:",
                "H2O,",
                "figure\u{2007}1",
                "and",
                "a",
                "gone",
                "image"
            ]
        );
        assert_eq!(unit_starts(&p, &has), [0]);
    }

    #[test]
    fn a_table_counts_its_caption_then_its_cells_row_by_row() {
        let t = block(BlockKind::Table {
            caption: vec![text("Two words")],
            spans: Vec::new(),
            aligns: Vec::new(),
            head: vec![vec![text("A")], vec![text("B b")]],
            rows: vec![
                vec![vec![], vec![text("x")]],
                vec![vec![text("y")], vec![text("z")]],
            ],
        });
        let none = |_: &str| false;
        assert_eq!(
            words(&t, &none),
            ["Two", "words", "A", "B", "b", "x", "y", "z"]
        );
        assert_eq!(unit_starts(&t, &none), [0, 2, 3, 5, 5, 6, 7]);
        // cells never join: "A" and "B" are two words
        let code = block(BlockKind::CodeBlock {
            lang: None,
            code: "fn main() {\n\tlet x = 1;\n\n}\n".into(),
        });
        assert_eq!(
            words(&code, &none),
            ["fn", "main()", "{", "let", "x", "=", "1;", "}"]
        );
    }
}
