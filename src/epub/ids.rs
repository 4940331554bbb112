//! Where every id of the tree ends up: which XHTML file holds it and under
//! which XML id (tree ids are kept when they are valid XML names).

use std::collections::{HashMap, HashSet};

use super::xml;
use crate::doc::{block_inlines, walk_blocks, walk_inlines, Book, Inline};

/// What an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A chapter (its `<section>`).
    Chapter,
    /// A block.
    Block,
    /// A footnote (its `<aside>`).
    Note,
}

/// The place of one tree id in the EPUB.
#[derive(Clone, Debug)]
pub struct Target {
    /// Index of the chapter whose file holds it.
    pub chapter: usize,
    /// The XML id written on the element.
    pub xml_id: String,
    /// What the id names.
    pub kind: Kind,
}

/// The id → file map over chapters, blocks and notes, and the set of XML
/// ids already taken (ids are kept unique across the whole book).
#[derive(Debug, Default)]
pub struct Targets {
    map: HashMap<String, Target>,
    taken: HashSet<String>,
    /// The XHTML file name of each chapter.
    pub files: Vec<String>,
}

impl Targets {
    /// Maps every id of `book`; chapter `i` is written to `files[i]`.
    /// Front-matter ids in `reserved` are taken first.
    pub fn build(book: &Book, files: Vec<String>, reserved: &[&str]) -> Targets {
        let mut targets = Targets {
            files,
            ..Targets::default()
        };
        for id in reserved {
            targets.taken.insert((*id).to_string());
        }
        for (index, chapter) in book.chapters.iter().enumerate() {
            targets.add(&chapter.id, index, Kind::Chapter);
            walk_blocks(&chapter.blocks, &mut |block| {
                targets.add(&block.id, index, Kind::Block);
                // `[text]{#id}`: an anchor in the text
                for inlines in block_inlines(block) {
                    walk_inlines(inlines, &mut |inline| {
                        if let Inline::Span { id: Some(id), .. } = inline {
                            targets.add(id, index, Kind::Block);
                        }
                    });
                }
            });
            for note in &chapter.footnotes {
                targets.add(&note.id, index, Kind::Note);
                walk_blocks(&note.blocks, &mut |block| {
                    targets.add(&block.id, index, Kind::Block);
                });
            }
        }
        targets
    }

    fn add(&mut self, id: &str, chapter: usize, kind: Kind) {
        if id.is_empty() || self.map.contains_key(id) {
            return;
        }
        let wanted = if xml::is_ncname(id) {
            id.to_string()
        } else {
            xml::to_ncname(id, "id-")
        };
        let xml_id = self.fresh(&wanted);
        self.map.insert(
            id.to_string(),
            Target {
                chapter,
                xml_id,
                kind,
            },
        );
    }

    /// The target of tree id `id`.
    pub fn get(&self, id: &str) -> Option<&Target> {
        self.map.get(id)
    }

    /// The XML id for tree id `id`, or a sanitised copy when it is unknown.
    pub fn xml_id(&self, id: &str) -> String {
        match self.map.get(id) {
            Some(t) => t.xml_id.clone(),
            None => xml::to_ncname(id, "id-"),
        }
    }

    /// The href of tree id `id` from a file of chapter `from`: `#id` in the
    /// same file, `file#id` in another, the bare file for a chapter.
    pub fn href(&self, id: &str, from: usize) -> Option<String> {
        let target = self.map.get(id)?;
        let file = &self.files[target.chapter];
        Some(match (target.kind, target.chapter == from) {
            (Kind::Chapter, _) => file.clone(),
            (_, true) => format!("#{}", target.xml_id),
            (_, false) => format!("{file}#{}", target.xml_id),
        })
    }

    /// A new XML id, `wanted` if free, else `wanted-2`, `wanted-3`…
    pub fn fresh(&mut self, wanted: &str) -> String {
        let mut id = wanted.to_string();
        let mut n = 2;
        while self.taken.contains(&id) {
            id = format!("{wanted}-{n}");
            n += 1;
        }
        self.taken.insert(id.clone());
        id
    }
}
