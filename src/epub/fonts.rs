//! The fonts the EPUB embeds, subset to what the book uses.
//!
//! A reading system shapes the text itself (kerning, ligatures, old-style
//! figures, small capitals from the stylesheet), so an EPUB font must keep
//! its character map and its layout tables, unlike a PDF subset. The subset
//! is made in two steps, each by a maintained subsetter:
//!
//! 1. `skera` (fontations' port of HarfBuzz's hb-subset) picks the glyphs:
//!    those of the characters, and their closure under every GSUB feature
//!    of the font (so `fi`, small capitals and old-style figures of those
//!    characters stay), and writes every table but the outlines: `cmap`,
//!    `GSUB`, `GPOS`, `GDEF`, metrics, names, `OS/2`, `post`;
//! 2. `skera` 0.9 cannot subset CFF outlines (the bundled faces are CFF),
//!    so `subsetter` (Typst's, already used for the PDF) subsets the `CFF `
//!    table to the same glyphs, numbered the same way (kept glyphs in their
//!    original order, from 0), and that table joins the others.
//!
//! A font either step cannot subset, or whose two halves would not agree, is
//! embedded whole. Which characters a face keeps: every character of the
//! documents' text and image alternative texts (whatever face the
//! stylesheet sets it in), of the navigation document, and of what the
//! stylesheet and reading systems generate (list markers, figures and
//! letters of ordered lists, hyphens, an ellipsis).

use std::collections::BTreeSet;
use std::hash::Hasher;
use std::sync::Arc;

use read_fonts::collections::IntSet;
use read_fonts::types::{GlyphId, NameId, Tag};
use read_fonts::FontRef;

/// Subsets kept between the builds of `quire watch`, by a hash of the
/// font's file name and the characters: an edit that brings in no new
/// character does not subset the fonts again.
pub type FontCache = crate::kept::Kept<Vec<u8>>;

/// The subsets of `fonts` for `chars` (`None` for a font embedded whole),
/// made in parallel; those in `kept` are taken from it.
pub fn subsets(
    fonts: &[crate::typeset::fonts::FontFile],
    chars: &BTreeSet<char>,
    kept: Option<&FontCache>,
) -> Vec<Option<Arc<Vec<u8>>>> {
    use rayon::prelude::*;
    if let Some(kept) = kept {
        kept.start();
    }
    let made: Vec<(u64, Option<Arc<Vec<u8>>>)> = fonts
        .par_iter()
        .map(|font| {
            let key = kept.map_or(0, |_| {
                let mut h = crate::kept::Mix::default();
                h.write(font.file_name.as_bytes());
                h.write_usize(font.bytes.len());
                for c in chars {
                    h.write_u32(*c as u32);
                }
                h.finish()
            });
            if let Some(hit) = kept.and_then(|kept| kept.get(key)) {
                return (key, Some(hit));
            }
            (key, subset(font.bytes, chars).map(Arc::new))
        })
        .collect();
    if let Some(kept) = kept {
        kept.replace(
            made.iter()
                .filter_map(|(key, subset)| subset.clone().map(|s| (*key, s)))
                .collect(),
        );
    }
    made.into_iter().map(|(_, subset)| subset).collect()
}

/// Characters a reading system may set without their being in the text:
/// list markers (disc, circle, square), ordered-list labels (decimal,
/// alphabetic, roman), hyphens for `hyphens: auto`, an ellipsis, quotes,
/// the spaces.
const GENERATED: &str = "0123456789.,:;()[]-\u{2010}\u{2011}\u{2013}\u{2014}\u{2026}\u{2022}\u{25E6}\u{25AA}\u{2018}\u{2019}\u{201C}\u{201D}\"' \u{A0}abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The characters of `texts` (XHTML documents or fragments): their text,
/// entities and character references decoded, and the values of `alt`
/// attributes; with [`GENERATED`].
pub fn characters(texts: &[&str]) -> BTreeSet<char> {
    let mut out: BTreeSet<char> = GENERATED.chars().collect();
    for text in texts {
        let mut rest = *text;
        while !rest.is_empty() {
            match rest.find('<') {
                Some(open) => {
                    decode_into(&rest[..open], &mut out);
                    let Some(close) = rest[open..].find('>').map(|i| open + i) else {
                        break;
                    };
                    if let Some(alt) = alt_of(&rest[open + 1..close]) {
                        decode_into(alt, &mut out);
                    }
                    rest = &rest[close + 1..];
                }
                None => {
                    decode_into(rest, &mut out);
                    break;
                }
            }
        }
    }
    out.retain(|c| !c.is_control() || *c == '\t');
    out
}

/// The `alt` attribute of a tag's inside (`img src=… alt="…"/`).
fn alt_of(tag: &str) -> Option<&str> {
    let at = tag.find(" alt=\"")? + 6;
    tag[at..].split('"').next()
}

/// Adds the characters of XML text `text` to `out`, references decoded.
fn decode_into(text: &str, out: &mut BTreeSet<char>) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.extend(rest[..amp].chars());
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&s| s <= 10) else {
            out.insert('&');
            rest = after;
            continue;
        };
        let name = &after[..semi];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.insert(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.insert('&');
                rest = after;
            }
        }
    }
    out.extend(rest.chars());
}

/// `font` subset to the glyphs `chars` need (with their layout closure),
/// still an OpenType font a reading system can shape with; `None` when it
/// cannot be subset (it is then embedded whole).
pub fn subset(font: &[u8], chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let face = FontRef::new(font).ok()?;
    let unicodes: IntSet<u32> = chars.iter().map(|&c| c as u32).collect();
    // HarfBuzz's default set of tables to drop (hb-subset-input.cc): legacy
    // layout (AAT, `kern`, whose data GPOS holds), bitmaps, Graphite
    let drop: IntSet<Tag> = [
        "morx", "mort", "kerx", "kern", "JSTF", "DSIG", "EBDT", "EBLC", "EBSC", "SVG ", "PCLT",
        "LTSH", "feat", "Glat", "Gloc", "Silf", "Sill",
    ]
    .iter()
    .map(|t| Tag::new_checked(t.as_bytes()).expect("a four-byte tag"))
    .collect();
    // every script and every feature: the stylesheet asks for old-style and
    // lining figures and small capitals, and readers may ask for more
    let mut all_tags = IntSet::<Tag>::empty();
    all_tags.invert();
    let mut names = IntSet::<NameId>::empty();
    names.insert_range(NameId::new(0)..=NameId::new(6));
    let mut languages = IntSet::<u16>::empty();
    languages.insert(0x0409);
    let plan = skera::Plan::new(
        &IntSet::empty(),
        &unicodes,
        &face,
        skera::SubsetFlags::default(),
        &drop,
        &all_tags,
        &all_tags,
        &names,
        &languages,
    );
    let tables = skera::subset_font(&face, &plan).ok()?;
    let cff = Tag::new(b"CFF ");
    if face.table_data(cff).is_none() {
        // TrueType outlines: skera subsets them itself
        return Some(tables);
    }
    // the same glyphs, in the same order, for the CFF outlines
    let mut kept: Vec<(GlyphId, GlyphId)> = plan.old_to_new_glyph_mapping().collect();
    kept.sort_by_key(|&(_, new)| new);
    let mut remapper = subsetter::GlyphRemapper::new();
    for (i, &(old, new)) in kept.iter().enumerate() {
        let old = u16::try_from(old.to_u32()).ok()?;
        if new.to_u32() as usize != i || remapper.remap(old) as usize != i {
            return None;
        }
    }
    let outlines = subsetter::subset(font, 0, &remapper).ok()?;
    let outlines = FontRef::new(&outlines).ok()?;
    let cff_table = outlines.table_data(cff)?;
    let tables = FontRef::new(&tables).ok()?;
    let glyphs = |f: &FontRef| {
        use read_fonts::TableProvider;
        f.maxp().ok().map(|m| m.num_glyphs())
    };
    if glyphs(&tables)? as usize != kept.len() || glyphs(&outlines)? as usize != kept.len() {
        return None;
    }
    let mut builder = write_fonts::FontBuilder::new();
    for record in tables.table_directory().table_records() {
        let tag = record.tag();
        builder.add_raw(tag, tables.table_data(tag)?.as_bytes().to_vec());
    }
    builder.add_raw(cff, cff_table.as_bytes().to_vec());
    Some(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use read_fonts::TableProvider;

    #[test]
    fn characters_are_the_texts_and_alternative_texts() {
        let chars = characters(&[
            "<p class=\"zq\">Caf\u{e9} &amp; &#x4E2D;&#169;<img src=\"x.png\" alt=\"\u{3b1}\"/></p>",
        ]);
        for c in [
            'C', '\u{e9}', '&', '\u{4e2d}', '\u{a9}', '\u{3b1}', '\u{2022}', '7',
        ] {
            assert!(chars.contains(&c), "{c:?}");
        }
        // markup is not text: `=` and `<` appear only in tags
        assert!(!chars.contains(&'=') && !chars.contains(&'<'));
    }

    #[test]
    fn watch_keeps_the_subsets_while_the_characters_stay() {
        let fonts = crate::typeset::fonts::Fonts::bundled().unwrap().files();
        let kept = FontCache::default();
        let chars: BTreeSet<char> = "Some text".chars().collect();
        let first = subsets(&fonts, &chars, Some(&kept));
        assert!(first.iter().all(Option::is_some));
        assert_eq!(kept.reused(), 0);
        let again = subsets(&fonts, &chars, Some(&kept));
        assert_eq!(kept.reused(), fonts.len());
        assert_eq!(first, again);
        // a new character: made again, and the same as made without a cache
        let more: BTreeSet<char> = "Some text!".chars().collect();
        let changed = subsets(&fonts, &more, Some(&kept));
        assert_eq!(kept.reused(), 0);
        assert_eq!(changed, subsets(&fonts, &more, None));
        assert_ne!(changed, first);
    }

    #[test]
    fn a_subset_keeps_its_characters_and_their_ligatures() {
        let regular = crate::typeset::fonts::Fonts::bundled()
            .unwrap()
            .files()
            .into_iter()
            .find(|f| f.file_name == "LinLibertine_R.otf")
            .unwrap();
        let chars: BTreeSet<char> = "office fjord 1234".chars().collect();
        let small = subset(regular.bytes, &chars).expect("a subset");
        assert!(
            small.len() * 10 < regular.bytes.len(),
            "{} of {} bytes",
            small.len(),
            regular.bytes.len()
        );
        let whole = FontRef::new(regular.bytes).unwrap();
        let font = FontRef::new(&small).unwrap();
        for tag in [
            b"cmap", b"GSUB", b"GPOS", b"CFF ", b"hmtx", b"OS/2", b"name",
        ] {
            assert!(font.table_data(Tag::new(tag)).is_some(), "{tag:?}");
        }
        // every character maps to a glyph; characters not used do not
        let cmap = font.cmap().unwrap();
        for c in &chars {
            assert!(cmap.map_codepoint(*c).is_some(), "{c:?}");
        }
        assert!(cmap.map_codepoint('\u{416}').is_none(), "Cyrillic Zhe");
        // the outlines and the metrics agree on the number of glyphs
        let glyphs = font.maxp().unwrap().num_glyphs();
        assert!(glyphs < whole.maxp().unwrap().num_glyphs() / 4);
        // the reading system's shaper still finds the ligatures, the
        // old-style figures and the small capitals, with the same advances
        // as in the whole font
        let shape = |data: &[u8], text: &str, feature: Option<&[u8; 4]>| -> Vec<(u32, i32)> {
            use harfrust::{Buffer, Feature, ShapeOptions, ShaperFont};
            let blob = read_fonts::model::Blob::Shared(std::sync::Arc::new(data.to_vec()));
            let font = read_fonts::model::Font::new(blob, 0).unwrap();
            let mut buffer = Buffer::new();
            buffer.push_str(text);
            buffer.guess_segment_properties();
            let features: Vec<Feature> = feature
                .map(|f| Feature::new(harfrust::Tag::new(f), 1, ..))
                .into_iter()
                .collect();
            harfrust::shape(
                &ShaperFont::new(&font),
                &mut buffer,
                ShapeOptions::new().features(&features),
            )
            .unwrap();
            buffer
                .glyph_positions()
                .iter()
                .zip(buffer.glyph_infos())
                .map(|(p, i)| (i.cluster, p.x_advance))
                .collect()
        };
        for (text, feature) in [
            ("office fjord", None),
            ("1234", Some(b"onum")),
            ("office", Some(b"smcp")),
        ] {
            let sub = shape(&small, text, feature);
            let all = shape(regular.bytes, text, feature);
            assert_eq!(sub, all, "{text} {feature:?}");
        }
        // "ffi" is one glyph in both
        assert_eq!(shape(&small, "office", None).len(), 4);
    }
}
