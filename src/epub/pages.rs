//! The print edition's pages in the EPUB: where each page-break marker goes
//! and the page-list that points at them.
//!
//! A [`PageStart`](crate::doc::PageStart) names a block and a word: the
//! number of words of the block's text (its inline text in document order,
//! as [`plain_text`](crate::doc::plain_text) gives it, split at white space)
//! that come before the page. The XHTML writer counts words the same way
//! while it writes a block and drops the marker in just before that word.

use std::collections::HashMap;

use super::ids::{Kind, Targets};
use super::xml;
use crate::doc::{Book, PageMap};

/// One page-break marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The marker's XML id (`pg-…`).
    pub xml_id: String,
    /// The page label as printed.
    pub label: String,
}

impl Marker {
    /// The marker as XHTML.
    pub fn html(&self) -> String {
        format!(
            "<span epub:type=\"pagebreak\" role=\"doc-pagebreak\" id=\"{}\" aria-label=\"{}\"></span>",
            xml::attr(&self.xml_id),
            xml::attr(&self.label)
        )
    }
}

/// One entry of the page-list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file holding the marker.
    pub file: String,
    /// The marker.
    pub marker: Marker,
}

/// Where every marker goes, and the page-list in page order.
#[derive(Debug, Default)]
pub struct Plan {
    /// Markers inside blocks, by tree block id: (word, marker), in page order.
    pub in_blocks: HashMap<String, Vec<(usize, Marker)>>,
    /// Markers at the start of each chapter, in page order.
    pub at_chapter: Vec<Vec<Marker>>,
    /// The page-list.
    pub list: Vec<Entry>,
}

impl Plan {
    /// Places the pages of `map` in `book`. Pages whose block is unknown go
    /// to their chapter's start (or the previous page's chapter, or the first
    /// chapter), so that none is lost.
    pub fn new(book: &Book, map: Option<&PageMap>, targets: &mut Targets) -> Plan {
        let mut plan = Plan {
            at_chapter: vec![Vec::new(); book.chapters.len()],
            ..Plan::default()
        };
        let Some(map) = map else {
            return plan;
        };
        if book.chapters.is_empty() {
            return plan;
        }
        let chapter_index: HashMap<&str, usize> = book
            .chapters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mut previous = 0;
        for (n, page) in map.pages.iter().enumerate() {
            let label = match xml::clean(page.label.trim()) {
                l if l.trim().is_empty() => (n + 1).to_string(),
                l => l.trim().to_string(),
            };
            let wanted = xml::to_ncname(&format!("pg-{label}"), "pg-");
            let marker = Marker {
                xml_id: targets.fresh(&wanted),
                label,
            };
            let block = targets
                .get(&page.block_id)
                .filter(|t| t.kind == Kind::Block && page.block_id != page.chapter_id)
                .map(|t| t.chapter);
            let chapter = match block {
                Some(chapter) => {
                    plan.in_blocks
                        .entry(page.block_id.clone())
                        .or_default()
                        .push((page.word, marker.clone()));
                    chapter
                }
                None => {
                    let chapter = chapter_index
                        .get(page.chapter_id.as_str())
                        .copied()
                        .unwrap_or(previous);
                    plan.at_chapter[chapter].push(marker.clone());
                    chapter
                }
            };
            previous = chapter;
            plan.list.push(Entry {
                file: targets.files[chapter].clone(),
                marker,
            });
        }
        // Within a block, markers go in word order (stable: page order on ties).
        for markers in plan.in_blocks.values_mut() {
            markers.sort_by_key(|(word, _)| *word);
        }
        plan
    }
}
