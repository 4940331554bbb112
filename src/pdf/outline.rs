//! The document outline (bookmarks): chapters with their sections nested
//! (ISO 32000-1, 12.3.3).

use lopdf::{dictionary, Object};

use super::text_string;
use crate::typeset::Layout;

/// Writes the outline tree: chapters (level 1) with their sections nested.
pub(super) fn write_outline(
    doc: &mut lopdf::Document,
    layout: &Layout,
    page_ids: &[lopdf::ObjectId],
) -> Option<lopdf::ObjectId> {
    if layout.outline.is_empty() {
        return None;
    }
    let root_id = doc.new_object_id();
    // build a tree by levels: parents stack
    struct Node {
        id: lopdf::ObjectId,
        title: String,
        page: usize,
        y: f64,
        children: Vec<usize>,
        parent: Option<usize>,
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut top: Vec<usize> = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    for entry in &layout.outline {
        let index = nodes.len();
        while stack.last().is_some_and(|(level, _)| *level >= entry.level) {
            stack.pop();
        }
        let parent = stack.last().map(|(_, i)| *i);
        nodes.push(Node {
            id: doc.new_object_id(),
            title: entry.title.clone(),
            page: entry.page,
            y: entry.y,
            children: Vec::new(),
            parent,
        });
        match parent {
            Some(p) => nodes[p].children.push(index),
            None => top.push(index),
        }
        stack.push((entry.level, index));
    }
    let h = layout.page_height;
    for i in 0..nodes.len() {
        let siblings: &[usize] = match nodes[i].parent {
            Some(p) => &nodes[p].children,
            None => &top,
        };
        let pos = siblings.iter().position(|&s| s == i).unwrap_or(0);
        let prev = pos.checked_sub(1).map(|p| nodes[siblings[p]].id);
        let next = siblings.get(pos + 1).map(|&n| nodes[n].id);
        let parent_id = nodes[i].parent.map_or(root_id, |p| nodes[p].id);
        let page_id = page_ids.get(nodes[i].page).copied().unwrap_or(page_ids[0]);
        let mut dict = dictionary! {
            "Title" => text_string(&nodes[i].title),
            "Parent" => parent_id,
            "Dest" => vec![page_id.into(), "XYZ".into(), Object::Null, Object::Real((h - nodes[i].y + 6.0) as f32), Object::Null],
        };
        if let Some(p) = prev {
            dict.set("Prev", p);
        }
        if let Some(n) = next {
            dict.set("Next", n);
        }
        if let (Some(&first), Some(&last)) = (nodes[i].children.first(), nodes[i].children.last()) {
            dict.set("First", nodes[first].id);
            dict.set("Last", nodes[last].id);
            dict.set("Count", Object::Integer(nodes[i].children.len() as i64));
        }
        doc.objects.insert(nodes[i].id, Object::Dictionary(dict));
    }
    let root = dictionary! {
        "Type" => "Outlines",
        "First" => nodes[top[0]].id,
        "Last" => nodes[*top.last().expect("non-empty")].id,
        "Count" => Object::Integer(top.len() as i64),
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    Some(root_id)
}
