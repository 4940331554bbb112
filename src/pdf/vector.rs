//! SVG drawings: the Form XObject svg2pdf made for an SVG (see
//! [`crate::images::svg`]), copied into the document with the objects it
//! uses, so that a page draws it with `Do` as it draws an image.
//!
//! svg2pdf numbers its objects and orders its resource dictionaries as its
//! hash maps iterate; the copy is renumbered depth first from the form,
//! with every dictionary's keys sorted, so the output is the same on every
//! run.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Object, ObjectId};

use super::fail;
use crate::error::Result;
use crate::images::Vector;

/// Copies `vector`'s form and what it refers to into `doc`; returns the
/// form's id there.
pub(super) fn import(doc: &mut lopdf::Document, vector: &Vector) -> Result<ObjectId> {
    let source = lopdf::Document::load_mem(&vector.pdf)
        .map_err(|e| fail(format!("an SVG drawing cannot be read back: {e}")))?;
    let root = (vector.form, 0);
    // the objects the form reaches, depth first, references in key order
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Ok(object) = source.get_object(id) else {
            continue; // a dangling reference is written as null
        };
        order.push(id);
        let mut refs = Vec::new();
        references(object, &mut refs);
        stack.extend(refs.into_iter().rev());
    }
    if order.first() != Some(&root) {
        return Err(fail("an SVG drawing has no form"));
    }
    let map: BTreeMap<ObjectId, ObjectId> =
        order.iter().map(|&id| (id, doc.new_object_id())).collect();
    for id in &order {
        let mut object = source
            .get_object(*id)
            .map_err(|e| fail(e.to_string()))?
            .clone();
        canonical(&mut object, &map);
        doc.objects.insert(map[id], object);
    }
    Ok(map[&root])
}

/// The references in `object`, in order, dictionaries by sorted key.
fn references(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| references(o, out)),
        Object::Dictionary(dict) => dict_references(dict, out),
        Object::Stream(stream) => dict_references(&stream.dict, out),
        _ => {}
    }
}

fn dict_references(dict: &Dictionary, out: &mut Vec<ObjectId>) {
    let mut entries: Vec<(&Vec<u8>, &Object)> = dict.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (_, value) in entries {
        references(value, out);
    }
}

/// `object` with its dictionaries' keys sorted and its references mapped
/// to the new ids (null where the source had no such object).
fn canonical(object: &mut Object, map: &BTreeMap<ObjectId, ObjectId>) {
    match object {
        Object::Reference(id) => {
            *object = map
                .get(id)
                .map_or(Object::Null, |&new| Object::Reference(new));
        }
        Object::Array(items) => items.iter_mut().for_each(|o| canonical(o, map)),
        Object::Dictionary(dict) => canonical_dict(dict, map),
        Object::Stream(stream) => canonical_dict(&mut stream.dict, map),
        _ => {}
    }
}

fn canonical_dict(dict: &mut Dictionary, map: &BTreeMap<ObjectId, ObjectId>) {
    let mut entries: Vec<(Vec<u8>, Object)> =
        dict.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sorted = Dictionary::new();
    for (key, mut value) in entries {
        canonical(&mut value, map);
        sorted.set(key, value);
    }
    *dict = sorted;
}
