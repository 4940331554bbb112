//! Images: one XObject per image, drawn by a content stream of its own on
//! each page that shows it.

use std::collections::BTreeMap;
use std::sync::Arc;

use lopdf::{dictionary, Object};

use super::fail;
use crate::error::Result;
use crate::typeset::frame::Item;
use crate::typeset::structure::{Node, Tag};
use crate::typeset::Layout;

/// Image XObjects, one per image: JPEG passed through (`DCTDecode`), PNG
/// decoded to samples (compressed with the other streams) with its alpha
/// channel as a soft mask; then, for each page that shows images, a content
/// stream that draws them and resources of its own (every page's, `shared`,
/// with the images added). Returns those two by page index.
///
/// An image whose tag is an element (a figure) is its marked content, with
/// the page's MCIDs from `first[page]` on; the elements come back by page
/// in MCID order. Any other image is a layout artifact.
pub(super) fn add_images(
    doc: &mut lopdf::Document,
    layout: &Layout,
    shared: lopdf::ObjectId,
    first: &[usize],
) -> Result<(Drawn, Vec<Vec<Arc<Node>>>)> {
    use crate::images::{decode, Format};
    let mut names: BTreeMap<&str, (String, lopdf::ObjectId)> = BTreeMap::new();
    for (n, (src, image)) in layout.images.iter().enumerate() {
        let color_space = |components: u8| match components {
            1 => "DeviceGray",
            4 => "DeviceCMYK",
            _ => "DeviceRGB",
        };
        let id = match image.format {
            Format::Jpeg => {
                let dict = dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => i64::from(image.width),
                    "Height" => i64::from(image.height),
                    "ColorSpace" => color_space(image.components),
                    "BitsPerComponent" => 8,
                    "Filter" => "DCTDecode",
                };
                let mut stream = lopdf::Stream::new(dict, image.bytes.clone());
                stream.allows_compression = false;
                doc.add_object(stream)
            }
            Format::Svg => match &image.vector {
                Some(vector) => super::vector::import(doc, vector)?,
                None => return Err(fail(format!("image `{src}`: no drawing"))),
            },
            Format::Png | Format::Gif | Format::Webp => {
                let pixels = decode(image.format, &image.bytes)
                    .map_err(|e| fail(format!("image `{src}`: {e}")))?;
                let mut dict = dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => i64::from(image.width),
                    "Height" => i64::from(image.height),
                    "ColorSpace" => color_space(pixels.components),
                    "BitsPerComponent" => 8,
                };
                if let Some(alpha) = pixels.alpha {
                    let mask = dictionary! {
                        "Type" => "XObject",
                        "Subtype" => "Image",
                        "Width" => i64::from(image.width),
                        "Height" => i64::from(image.height),
                        "ColorSpace" => "DeviceGray",
                        "BitsPerComponent" => 8,
                    };
                    let mask_id = doc.add_object(lopdf::Stream::new(mask, alpha));
                    dict.set("SMask", mask_id);
                }
                doc.add_object(lopdf::Stream::new(dict, pixels.color))
            }
        };
        names.insert(src.as_str(), (format!("Im{}", n + 1), id));
    }
    let mut drawn = vec![None; layout.pages.len()];
    let mut figures = vec![Vec::new(); layout.pages.len()];
    if names.is_empty() {
        return Ok((drawn, figures));
    }
    let h = layout.page_height;
    let shared = doc
        .get_dictionary(shared)
        .map_err(|e| fail(e.to_string()))?
        .clone();
    let pages = layout.pages.iter().zip(&mut drawn).zip(&mut figures);
    for (index, ((page, drawn), figures)) in pages.enumerate() {
        let mut ops = String::new();
        let mut used = lopdf::Dictionary::new();
        for (i, item) in page.items.iter().enumerate() {
            if let Item::Image {
                src,
                x,
                y,
                width,
                height,
            } = item
            {
                let Some((name, id)) = names.get(src.as_str()) else {
                    continue;
                };
                match page.tags.get(i) {
                    Some(Tag::Node(node)) => {
                        let mcid = first.get(index).copied().unwrap_or(0) + figures.len();
                        let role = node.role.name();
                        ops.push_str(&format!("/{role} <</MCID {mcid}>> BDC\n"));
                        figures.push(node.clone());
                    }
                    _ => ops.push_str("/Artifact <</Type /Layout>> BDC\n"),
                }
                ops.push_str(&format!(
                    "q {width:.3} 0 0 {height:.3} {x:.3} {:.3} cm /{name} Do Q\nEMC\n",
                    h - y - height
                ));
                used.set(name.as_bytes().to_vec(), *id);
            }
        }
        if ops.is_empty() {
            continue;
        }
        let content = doc.add_object(lopdf::Stream::new(
            lopdf::Dictionary::new(),
            ops.into_bytes(),
        ));
        // every page's resources, with the images added
        let mut resources = shared.clone();
        let mut xobjects = owned_dictionary(doc, resources.get(b"XObject"))?;
        for (k, v) in used.iter() {
            xobjects.set(k.clone(), v.clone());
        }
        resources.set("XObject", xobjects);
        *drawn = Some((content, doc.add_object(resources)));
    }
    Ok((drawn, figures))
}

/// Each page's image stream and resources, if it shows images.
pub(super) type Drawn = Vec<Option<(lopdf::ObjectId, lopdf::ObjectId)>>;

/// A copy of the dictionary `value` is or refers to (an empty one if it is
/// neither).
fn owned_dictionary(
    doc: &lopdf::Document,
    value: lopdf::Result<&Object>,
) -> Result<lopdf::Dictionary> {
    Ok(match value {
        Ok(Object::Reference(r)) => doc
            .get_dictionary(*r)
            .map_err(|e| fail(e.to_string()))?
            .clone(),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => lopdf::Dictionary::new(),
    })
}
