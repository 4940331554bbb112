//! The book's logical structure, as a tagged PDF carries it (ISO 32000-1,
//! 14.7 and 14.8; ISO 14289-1, PDF/UA-1): what each piece of a page's
//! content is (a heading, a paragraph, a list item, a table cell, a
//! figure, a note) and which element holds it.
//!
//! The typesetter builds the tree while it lays out the blocks: a block
//! makes a [`Node`] in the node it stands in, and every item of the lines
//! it makes carries a [`Tag`], the node it belongs to or the kind of
//! artifact it is (running heads and folios, rules). The PDF writer turns the tags into
//! marked content and the nodes into structure elements.

use std::sync::Arc;

/// A structure element's type: the standard types of ISO 32000-1, 14.8.4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A chapter, a part, or a page of front matter.
    Sect,
    /// A heading of level 1–6 (the chapter's title is level 1).
    H(u8),
    /// A paragraph (and a line of its own: an attribution, a caption's
    /// text).
    P,
    /// A list, or a definition list.
    L,
    /// A list item.
    LI,
    /// A list item's label (its bullet or number).
    Lbl,
    /// A list item's body.
    LBody,
    /// A quotation.
    BlockQuote,
    /// A table.
    Table,
    /// A table row.
    TR,
    /// A header cell.
    TH,
    /// A data cell.
    TD,
    /// An image or a diagram, with its alternative text.
    Figure,
    /// A figure's or a table's caption.
    Caption,
    /// A code block (role-mapped to `P` where the standard wants one).
    Code,
    /// A footnote, with its id.
    Note,
    /// A link (its annotation is attached by the PDF writer).
    Link,
    /// The table of contents.
    TOC,
    /// An entry of the table of contents.
    TOCI,
    /// A generic block (a callout, a div).
    Div,
    /// Display math.
    Formula,
}

impl Role {
    /// The element's structure type name in the PDF.
    pub fn name(self) -> &'static str {
        match self {
            Role::Sect => "Sect",
            Role::H(1) => "H1",
            Role::H(2) => "H2",
            Role::H(3) => "H3",
            Role::H(4) => "H4",
            Role::H(5) => "H5",
            Role::H(_) => "H6",
            Role::P => "P",
            Role::L => "L",
            Role::LI => "LI",
            Role::Lbl => "Lbl",
            Role::LBody => "LBody",
            Role::BlockQuote => "BlockQuote",
            Role::Table => "Table",
            Role::TR => "TR",
            Role::TH => "TH",
            Role::TD => "TD",
            Role::Figure => "Figure",
            Role::Caption => "Caption",
            Role::Code => "Code",
            Role::Note => "Note",
            Role::Link => "Link",
            Role::TOC => "TOC",
            Role::TOCI => "TOCI",
            Role::Div => "Div",
            Role::Formula => "Formula",
        }
    }
}

/// One structure element. Items point to the node they belong to, and a
/// node to the node it stands in, so the tree travels with the lines (a
/// chapter kept by `quire watch` keeps its nodes); two items belong to the
/// same element when they point to the same node ([`Arc::ptr_eq`]).
#[derive(Debug, PartialEq)]
pub struct Node {
    /// Its type.
    pub role: Role,
    /// The node it stands in (`None` for a chapter's or a page's root).
    pub parent: Option<Arc<Node>>,
    /// Alternative text (a figure's).
    pub alt: Option<String>,
    /// Its id (a note's, which its references point to).
    pub id: Option<String>,
}

impl Node {
    /// A root element of `role`.
    pub fn root(role: Role) -> Arc<Node> {
        Arc::new(Node {
            role,
            parent: None,
            alt: None,
            id: None,
        })
    }

    /// An element of `role` in `parent`.
    pub fn child(parent: &Arc<Node>, role: Role) -> Arc<Node> {
        Arc::new(Node {
            role,
            parent: Some(parent.clone()),
            alt: None,
            id: None,
        })
    }
}

/// What an item on a page is in the structure.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Tag {
    /// Not given one: written as a layout artifact (the typesetter tags
    /// every line it places in the text).
    #[default]
    Untagged,
    /// Content of this element.
    Node(Arc<Node>),
    /// A running head (a pagination artifact at the top).
    Header,
    /// A folio (a pagination artifact at the foot).
    Footer,
    /// A rule or an ornament (a layout artifact).
    Layout,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Node, Role, Tag};
    use crate::typeset::frame::Item;

    /// A node's role, then its parent's, up to the root's.
    fn ancestry(node: &Node) -> Vec<Role> {
        let mut out = vec![node.role];
        let mut at = node.parent.as_deref();
        while let Some(n) = at {
            out.push(n.role);
            at = n.parent.as_deref();
        }
        out
    }

    /// The roles (as paths such as `Sect/L/LI/Lbl`) of the text on a
    /// generated book's chapter pages; panics at text that is neither
    /// tagged nor a running head or folio, or tagged against the nesting
    /// rules of ISO 32000-1, 14.8.4.
    fn text_roles(write: fn(&std::path::Path, usize) -> std::io::Result<()>) -> BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 4).unwrap();
        let (layout, _) = super::super::makeup_tests::layout_of_dir(dir.path());
        let mut seen = BTreeSet::new();
        // text set as a layout artifact, and the header cells' text
        let (mut artifacts, mut headers) = (Vec::new(), BTreeSet::new());
        for page in &layout.pages[layout.front_pages..] {
            for (i, item) in page.items.iter().enumerate() {
                let Item::Glyphs(run) = item else { continue };
                let text = layout.run_text(run);
                let node = match page.tags.get(i) {
                    Some(Tag::Node(node)) => node,
                    Some(Tag::Header | Tag::Footer) => continue,
                    Some(Tag::Layout) => {
                        artifacts.push((page.label.clone(), text));
                        continue;
                    }
                    other => panic!("page {}: `{text}` is {other:?}", page.label),
                };
                if node.role == Role::TH {
                    headers.insert(text.clone());
                }
                let chain = ancestry(node);
                assert_eq!(chain.last(), Some(&Role::Sect), "`{text}`: {chain:?}");
                let parents = |roles: &[Role]| chain.get(1..=roles.len()) == Some(roles);
                let nested = match node.role {
                    Role::Lbl | Role::LBody => parents(&[Role::LI, Role::L]),
                    Role::TH | Role::TD => parents(&[Role::TR, Role::Table]),
                    Role::H(1) => parents(&[Role::Sect]),
                    // no paragraph in a paragraph, but a note's (a note
                    // stands where its reference is)
                    _ => !chain[1..]
                        .iter()
                        .take_while(|r| **r != Role::Note)
                        .any(|r| matches!(r, Role::P | Role::H(_))),
                };
                assert!(nested, "`{text}`: {chain:?}");
                let path: Vec<&str> = chain.iter().rev().map(|r| r.name()).collect();
                seen.insert(path.join("/"));
            }
        }
        // the only text that is an artifact is a table's header repeated
        // on the next page
        for (page, text) in artifacts {
            assert!(
                headers.contains(&text),
                "page {page}: `{text}` is an artifact"
            );
        }
        seen
    }

    #[test]
    fn every_text_on_a_chapters_pages_is_tagged_in_its_element() {
        let mut seen = text_roles(crate::sample::write_large_book);
        seen.extend(text_roles(crate::sample::write_code_heavy_book));
        for want in [
            "Sect/H1",
            "Sect/P",
            "Sect/H2",
            "Sect/L/LI/Lbl",
            "Sect/L/LI/LBody/P",
            "Sect/L/LI/LBody/L/LI/Lbl",
            "Sect/Table/TR/TH",
            "Sect/Table/TR/TD",
            "Sect/Code",
            "Sect/P/Note/P",
        ] {
            assert!(seen.contains(want), "no text in {want}: {seen:#?}");
        }
    }
}
