//! Front matter: the cover (the author's image or a generated one), the
//! title page and the copyright page.

use super::xhtml::document;
use super::xml;
use crate::doc::Metadata;

/// File names of the front-matter documents, in reading order.
pub const COVER: &str = "cover.xhtml";
/// The title page.
pub const TITLE_PAGE: &str = "titlepage.xhtml";
/// The copyright page.
pub const COPYRIGHT: &str = "copyright.xhtml";
/// The generated cover image.
pub const GENERATED_COVER: &str = "images/cover.png";

/// XML ids the front matter uses (kept free for it).
pub const IDS: &[&str] = &["cover", "titlepage", "copyright", "toc", "toc-title"];

/// `A, B and C`.
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The cover page showing `image` (an href inside the EPUB).
pub fn cover_page(meta: &Metadata, lang: &str, image: &str) -> String {
    let mut alt = format!("Cover: {}", meta.title.trim());
    if !meta.authors.is_empty() {
        alt.push_str(", by ");
        alt.push_str(&join_names(&meta.authors));
    }
    let body = format!(
        "<section epub:type=\"cover\" class=\"cover\" id=\"cover\">\n\
         <img role=\"doc-cover\" src=\"{}\" alt=\"{}\"/>\n</section>\n",
        xml::attr(image),
        xml::attr(&alt)
    );
    document(lang, &meta.title, "cover", &body)
}

/// The title page: title, subtitle, authors, publisher.
pub fn title_page(meta: &Metadata, lang: &str) -> String {
    let mut body =
        String::from("<section epub:type=\"titlepage\" class=\"titlepage\" id=\"titlepage\">\n");
    body.push_str(&format!(
        "<h1 class=\"title\">{}</h1>\n",
        xml::text(meta.title.trim())
    ));
    if let Some(subtitle) = meta.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        body.push_str(&format!(
            "<p class=\"subtitle\">{}</p>\n",
            xml::text(subtitle.trim())
        ));
    }
    for author in &meta.authors {
        body.push_str(&format!(
            "<p class=\"author\">{}</p>\n",
            xml::text(author.trim())
        ));
    }
    if let Some(publisher) = meta.publisher.as_deref().filter(|s| !s.trim().is_empty()) {
        body.push_str(&format!(
            "<p class=\"publisher\">{}</p>\n",
            xml::text(publisher.trim())
        ));
    }
    body.push_str("</section>\n");
    document(lang, &meta.title, "frontmatter", &body)
}

/// The copyright page: title, authors, date, rights, identifier, producer.
pub fn copyright_page(meta: &Metadata, lang: &str, identifier: &str) -> String {
    let mut body = String::from(
        "<section epub:type=\"copyright-page\" class=\"copyright\" id=\"copyright\" aria-label=\"Copyright\">\n",
    );
    let mut line = |class: &str, text: &str| {
        body.push_str(&format!(
            "<p class=\"{class}\">{}</p>\n",
            xml::text(text.trim())
        ));
    };
    let mut title = meta.title.trim().to_string();
    if let Some(subtitle) = meta.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        title.push_str(": ");
        title.push_str(subtitle.trim());
    }
    line("book-title", &title);
    if !meta.authors.is_empty() {
        line("authors", &join_names(&meta.authors));
    }
    if let Some(publisher) = meta.publisher.as_deref().filter(|s| !s.trim().is_empty()) {
        line("publisher", publisher);
    }
    if let Some(date) = meta.date.as_deref().filter(|s| !s.trim().is_empty()) {
        line("date", &format!("Published {}", date.trim()));
    }
    if let Some(rights) = meta.rights.as_deref().filter(|s| !s.trim().is_empty()) {
        line("rights", rights);
    }
    line("identifier", identifier);
    line("colophon", "Typeset with quire.");
    body.push_str("</section>\n");
    document(lang, &meta.title, "frontmatter", &body)
}

/// A generated cover: the title, subtitle and authors set on a plain
/// ground, as an SVG image (600 × 900, the 2:3 of most covers).
pub fn generated_cover(meta: &Metadata) -> String {
    const WIDTH: f64 = 600.0;
    const FAMILY: &str = "'Linux Libertine O', 'Libertinus Serif', Georgia, serif";
    // Characters per line at each size: the measure (480 units) over an
    // average serif letter width of about half the size.
    let title = meta.title.trim();
    let (title_size, title_lines) = [52.0, 44.0, 36.0, 30.0]
        .iter()
        .map(|&size: &f64| (size, wrap(title, (480.0 / (size * 0.5)) as usize)))
        .find(|(_, lines)| lines.len() <= 4)
        .unwrap_or_else(|| (30.0, wrap(title, 32)));
    let mut svg = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 600 900\" \
         width=\"600\" height=\"900\" role=\"img\" aria-labelledby=\"cover-title\">\n",
    );
    svg.push_str(&format!(
        "<title id=\"cover-title\">{}</title>\n",
        xml::text(title)
    ));
    svg.push_str("<rect width=\"600\" height=\"900\" fill=\"#f3eee3\"/>\n");
    svg.push_str(
        "<rect x=\"36\" y=\"36\" width=\"528\" height=\"828\" fill=\"none\" stroke=\"#2a2118\" stroke-width=\"2\"/>\n",
    );
    svg.push_str(
        "<rect x=\"46\" y=\"46\" width=\"508\" height=\"808\" fill=\"none\" stroke=\"#2a2118\" stroke-width=\"0.75\"/>\n",
    );
    let mut y = 300.0 - (title_lines.len() as f64 - 1.0) * title_size * 0.6;
    for line in &title_lines {
        svg.push_str(&text_line(WIDTH / 2.0, y, title_size, FAMILY, "", line));
        y += title_size * 1.2;
    }
    if let Some(subtitle) = meta.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        y += 20.0;
        for line in wrap(subtitle.trim(), 38).iter().take(5) {
            svg.push_str(&text_line(
                WIDTH / 2.0,
                y,
                24.0,
                FAMILY,
                " font-style=\"italic\"",
                line,
            ));
            y += 30.0;
        }
    }
    svg.push_str("<line x1=\"250\" y1=\"640\" x2=\"350\" y2=\"640\" stroke=\"#2a2118\" stroke-width=\"1.5\"/>\n");
    let mut y = 700.0;
    for author in meta.authors.iter().take(4) {
        for line in wrap(author.trim(), 36).iter().take(3) {
            svg.push_str(&text_line(WIDTH / 2.0, y, 24.0, FAMILY, "", line));
            y += 30.0;
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// The generated cover's raster size in pixels (2:3, the size stores ask for).
pub const COVER_PIXELS: (u32, u32) = (1600, 2400);

/// The generated cover as a PNG of [`COVER_PIXELS`]: [`generated_cover`]'s
/// SVG drawn by resvg with the bundled fonts only (never a system font, so
/// the image is the same on every machine and names no font a reading
/// system would have to load).
pub fn generated_cover_png(meta: &Metadata) -> Vec<u8> {
    let fonts = crate::images::svg::fonts(&crate::typeset::fonts::FontDirs::Only(Vec::new()));
    let options = usvg::Options {
        font_family: "Linux Libertine O".to_string(),
        fontdb: fonts,
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(&generated_cover(meta), &options)
        .expect("the generated cover is well-formed SVG");
    let (width, height) = COVER_PIXELS;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height).expect("a nonzero size");
    let scale = width as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    indexed_png(pixmap.data(), width, height)
}

/// The cover's ground and ink ([`generated_cover`]'s colours).
const GROUND: [u8; 3] = [0xf3, 0xee, 0xe3];
const INK: [u8; 3] = [0x2a, 0x21, 0x18];

/// Opaque RGBA pixels drawn in [`INK`] on [`GROUND`] (and the shades
/// between, at edges) as an 8-bit indexed PNG of 256 such shades: a
/// quarter of the RGBA file's size, the same to the eye.
fn indexed_png(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let shade = |i: u32, c: usize| {
        let (g, k) = (u32::from(GROUND[c]), u32::from(INK[c]));
        ((g * (255 - i) + k * i + 127) / 255) as u8
    };
    let palette: Vec<u8> = (0..256)
        .flat_map(|i| (0..3).map(move |c| shade(i, c)))
        .collect();
    // each pixel's index: how far its green (the widest-spread channel)
    // lies from the ground towards the ink
    let (g, k) = (i32::from(GROUND[1]), i32::from(INK[1]));
    let indexes: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|px| ((g - i32::from(px[1])) * 255 / (g - k)).clamp(0, 255) as u8)
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&indexes))
        .expect("a PNG in memory");
    out
}

fn text_line(x: f64, y: f64, size: f64, family: &str, extra: &str, text: &str) -> String {
    format!(
        "<text x=\"{x}\" y=\"{y:.0}\" font-size=\"{size}\" font-family=\"{}\" text-anchor=\"middle\" fill=\"#2a2118\"{extra}>{}</text>\n",
        xml::attr(family),
        xml::text(text)
    )
}

/// Greedy word wrap at `width` characters (a word longer than that gets a
/// line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_greedily() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), Vec::<String>::new());
        assert_eq!(
            join_names(&["A".into(), "B".into(), "C".into()]),
            "A, B and C"
        );
    }
}
