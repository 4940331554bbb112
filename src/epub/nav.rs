//! The parts of the navigation document epub-builder does not write: the
//! landmarks (hidden; the table of contents is the visible part) and the
//! page-list of the print edition.

use super::pages::Entry;
use super::xml;

/// The landmarks nav: cover, title page, table of contents, start of the
/// body matter.
pub fn landmarks(first_chapter: Option<&str>) -> String {
    let mut items = vec![
        ("cover", super::front::COVER, "Cover"),
        ("titlepage", super::front::TITLE_PAGE, "Title page"),
        ("copyright-page", super::front::COPYRIGHT, "Copyright"),
        ("toc", "nav.xhtml#toc", "Contents"),
    ];
    if let Some(file) = first_chapter {
        items.push(("bodymatter", file, "Start of content"));
    }
    let mut out = String::from(
        "<nav epub:type=\"landmarks\" id=\"landmarks\" hidden=\"\">\n<h2>Landmarks</h2>\n<ol>\n",
    );
    for (kind, href, label) in items {
        out.push_str(&format!(
            "<li><a epub:type=\"{kind}\" href=\"{}\">{label}</a></li>\n",
            xml::attr(href)
        ));
    }
    out.push_str("</ol>\n</nav>\n");
    out
}

/// The page-list nav: one entry per printed page, in page order.
pub fn page_list(entries: &[Entry]) -> String {
    let mut out = String::from(
        "<nav epub:type=\"page-list\" role=\"doc-pagelist\" id=\"page-list\" hidden=\"\">\n<h2>Pages</h2>\n<ol>\n",
    );
    for entry in entries {
        out.push_str(&format!(
            "<li><a href=\"{}#{}\">{}</a></li>\n",
            xml::attr(&entry.file),
            xml::attr(&entry.marker.xml_id),
            xml::text(&entry.marker.label)
        ));
    }
    out.push_str("</ol>\n</nav>\n");
    out
}
