//! The structure tree of a tagged PDF (ISO 32000-1, 14.7 and 14.8; the
//! checklist of PDF/UA-1, ISO 14289-1, 7.1): one `StructElem` per element
//! of the layout's structure ([`crate::typeset::structure`]) that holds
//! content, under a `Document` element; each element's kids in the order
//! their content is drawn (an element comes in where its first content
//! does, so a note reads after the text on its page that calls it); a
//! `Link` element for each link annotation, in the element of the text it
//! covers; the parent tree that leads from marked content (by page and
//! MCID) and from annotations back to their elements; an ID tree for the
//! notes' ids.

use std::collections::HashMap;
use std::sync::Arc;

use std::io::Write;

use lopdf::{Object, ObjectId};

use super::save::{self, Raw};
use super::text_string;
use crate::typeset::structure::{Node, Role};

/// One element being built.
struct Element {
    id: ObjectId,
    role: Role,
    parent: Option<usize>,
    alt: Option<String>,
    note_id: Option<String>,
    /// Its page (that of its first marked content), and its kids.
    page: Option<ObjectId>,
    kids: Vec<Kid>,
}

enum Kid {
    Element(usize),
    /// Marked content: the page and the MCID.
    Content(ObjectId, usize),
    /// An annotation on a page.
    Annotation(ObjectId, ObjectId),
}

/// The structure tree being built: elements by their node.
struct Builder<'a> {
    doc: &'a mut lopdf::Document,
    elements: Vec<Element>,
    /// Element index by node (pointer identity: two items belong to the
    /// same element when they point to the same node).
    by_node: HashMap<*const Node, usize>,
    /// The `Document` element's kids.
    top: Vec<usize>,
}

impl Builder<'_> {
    /// The element of `node`, made (with its ancestors) on first use and
    /// put among its parent's kids.
    fn element(&mut self, node: &Arc<Node>) -> usize {
        if let Some(&e) = self.by_node.get(&Arc::as_ptr(node)) {
            return e;
        }
        let parent = node.parent.as_ref().map(|p| self.element(p));
        let e = self.add(node.role, parent);
        self.elements[e].alt = node.alt.clone().filter(|a| !a.trim().is_empty());
        self.elements[e].note_id = node.id.clone();
        self.by_node.insert(Arc::as_ptr(node), e);
        e
    }

    /// A new element of `role` in `parent` (or at the top).
    fn add(&mut self, role: Role, parent: Option<usize>) -> usize {
        let e = self.elements.len();
        self.elements.push(Element {
            id: self.doc.new_object_id(),
            role,
            parent,
            alt: None,
            note_id: None,
            page: None,
            kids: Vec::new(),
        });
        match parent {
            Some(p) => self.elements[p].kids.push(Kid::Element(e)),
            None => self.top.push(e),
        }
        e
    }
}

/// What the tree is built from: for each page, its id, the elements of its
/// marked content by MCID, and its link annotations with the element of
/// the text each covers.
pub(super) struct PageMarks<'a> {
    pub id: ObjectId,
    pub marked: &'a [Arc<Node>],
    pub annotations: Vec<(ObjectId, Option<&'a Arc<Node>>)>,
}

/// Writes the structure tree into `doc`; returns the `StructTreeRoot`'s
/// id. Page `i` has `/StructParents i`; the annotations, in page order,
/// have `/StructParent` from the page count on ([`annotation_keys`]).
pub(super) fn write(
    doc: &mut lopdf::Document,
    pages: &[PageMarks],
    raw: &mut save::RawObjects,
) -> ObjectId {
    let root_id = doc.new_object_id();
    let document_id = doc.new_object_id();
    let mut b = Builder {
        doc,
        elements: Vec::new(),
        by_node: HashMap::new(),
        top: Vec::new(),
    };
    // the parent tree: the element of each page's MCIDs, then of each
    // annotation
    let mut parent_nums: Vec<Vec<usize>> = Vec::with_capacity(pages.len());
    let mut annotation_parents: Vec<usize> = Vec::new();
    for page in pages {
        let mut by_mcid = Vec::with_capacity(page.marked.len());
        for (mcid, node) in page.marked.iter().enumerate() {
            let e = b.element(node);
            let element = &mut b.elements[e];
            element.page.get_or_insert(page.id);
            element.kids.push(Kid::Content(page.id, mcid));
            by_mcid.push(e);
        }
        parent_nums.push(by_mcid);
        for &(annotation, node) in &page.annotations {
            let parent = node.map(|n| b.element(n));
            let link = b.add(Role::Link, parent);
            let element = &mut b.elements[link];
            element.page = Some(page.id);
            element.kids.push(Kid::Annotation(page.id, annotation));
            annotation_parents.push(link);
        }
    }
    let next_key = pages.len() + annotation_parents.len();
    let Builder {
        doc, elements, top, ..
    } = b;
    // the objects are written as bytes: a book has tens of thousands
    let mut ids: Vec<(&str, ObjectId)> = Vec::new();
    for element in &elements {
        let mut out = Vec::with_capacity(96 + 8 * element.kids.len());
        let parent = element.parent.map_or(document_id, |p| elements[p].id);
        let _ = write!(
            out,
            "<</Type /StructElem/S /{}/P {} 0 R",
            element.role.name(),
            parent.0
        );
        if let Some(page) = element.page {
            let _ = write!(out, "/Pg {} 0 R", page.0);
        }
        if element.role == Role::TH {
            // a header row's cells head their columns
            out.extend_from_slice(b"/A <</O /Table/Scope /Column>>");
        }
        if let Some(alt) = &element.alt {
            out.extend_from_slice(b"/Alt ");
            save::write_object(&mut out, &text_string(alt));
        }
        if let Some(id) = &element.note_id {
            out.extend_from_slice(b"/ID ");
            save::write_object(&mut out, &Object::string_literal(id.as_bytes()));
            ids.push((id, element.id));
        }
        out.extend_from_slice(b"/K [");
        for (i, kid) in element.kids.iter().enumerate() {
            let sep = if i > 0 { " " } else { "" };
            let _ = match *kid {
                Kid::Element(e) => write!(out, "{sep}{} 0 R", elements[e].id.0),
                Kid::Content(page, mcid) if Some(page) == element.page => {
                    write!(out, "{sep}{mcid}")
                }
                Kid::Content(page, mcid) => {
                    write!(out, "{sep}<</Type /MCR/Pg {} 0 R/MCID {mcid}>>", page.0)
                }
                Kid::Annotation(page, annotation) => write!(
                    out,
                    "{sep}<</Type /OBJR/Pg {} 0 R/Obj {} 0 R>>",
                    page.0, annotation.0
                ),
            };
        }
        out.extend_from_slice(b"]>>");
        raw.push((element.id.0, Raw::Bytes(out)));
    }
    let mut out = Vec::with_capacity(64 + 8 * top.len());
    let _ = write!(
        out,
        "<</Type /StructElem/S /Document/P {} 0 R/K [",
        root_id.0
    );
    for (i, &e) in top.iter().enumerate() {
        let sep = if i > 0 { " " } else { "" };
        let _ = write!(out, "{sep}{} 0 R", elements[e].id.0);
    }
    out.extend_from_slice(b"]>>");
    raw.push((document_id.0, Raw::Bytes(out)));
    // the parent tree, one flat number tree
    let parent_tree = doc.new_object_id();
    let mut out = Vec::with_capacity(64 + 16 * elements.len());
    out.extend_from_slice(b"<</Nums [");
    for (index, by_mcid) in parent_nums.iter().enumerate() {
        let _ = write!(out, "{index} [");
        for (i, e) in by_mcid.iter().enumerate() {
            let sep = if i > 0 { " " } else { "" };
            let _ = write!(out, "{sep}{} 0 R", elements[*e].id.0);
        }
        out.extend_from_slice(b"] ");
    }
    for (k, &e) in annotation_parents.iter().enumerate() {
        let _ = write!(out, "{} {} 0 R ", pages.len() + k, elements[e].id.0);
    }
    out.extend_from_slice(b"]>>");
    raw.push((parent_tree.0, Raw::Bytes(out)));
    let mut out = Vec::with_capacity(160);
    let _ = write!(
        out,
        "<</Type /StructTreeRoot/K {} 0 R/ParentTree {} 0 R/ParentTreeNextKey {next_key}",
        document_id.0, parent_tree.0
    );
    // the ID tree: names in byte order, as a name tree must have them
    ids.sort();
    ids.dedup_by(|a, b| a.0 == b.0);
    if !ids.is_empty() {
        out.extend_from_slice(b"/IDTree <</Names [");
        for (id, element) in ids {
            save::write_object(&mut out, &Object::string_literal(id.as_bytes()));
            let _ = write!(out, " {} 0 R ", element.0);
        }
        out.extend_from_slice(b"]>>");
    }
    out.extend_from_slice(b">>");
    raw.push((root_id.0, Raw::Bytes(out)));
    root_id
}
