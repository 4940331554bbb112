//! The book around the text: chapters laid out one by one (each opens a new
//! page, so they are independent), then numbered; front matter (half-title,
//! title page, copyright page, contents with page numbers), blank versos so
//! that chapters open on rectos, running heads and folios, the outline and
//! the page map.

use hypher::Lang;
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{self, ChapterCache, Laid};
use super::flow::{glyph_run, note_hosts, set_line, BlockCtx, Flow, Line, Mode, ParStyle, VItem};
use super::fonts::{FaceId, Fonts};
use super::frame::{GlyphRun, Item, LinkDest, OutlineEntry, Page};
use super::pages::{self, roman, BodyPage};
use super::shape::{GlyphTexts, Shaper};
use super::structure::{Node, Role, Tag};
use super::{hyphenate, Layout, Report, Settings};
use crate::doc::direction::Dir;
use crate::doc::{
    plain_text, Block, BlockKind, Book, Chapter, Division, Footnote, Inline, PageMap, PageStart,
    Pos,
};
use crate::error::Result;

/// A chapter's pages, placed: with what the page map, the outline and the
/// report take from them.
#[derive(Default)]
struct Placed {
    pages: Vec<Page>,
    starts: Vec<PageStart>,
    outline: Vec<OutlineEntry>,
    bad_breaks: Vec<super::Spot>,
    texts: GlyphTexts,
    /// Characters no font has, where they are written and the label of
    /// the page they are printed on.
    missing: Vec<(char, Pos, String)>,
}

/// Lays out the whole book.
pub fn assemble(
    book: &Book,
    s: &Settings,
    fonts: &Fonts,
    images: &crate::images::Images,
    cache: Option<&ChapterCache>,
) -> Result<Layout> {
    let mut shaper = Shaper::new(fonts, &book.meta.language);
    let lang = hyphenate::language(&book.meta.language);
    let mut report = Report::default();
    // 1. each chapter on its own (each opens a new page, so they are
    //    independent): blocks → lines → pages, in parallel, one shaper per thread
    //    (the labels are the tree's, so the EPUB says the same)
    let labels: Vec<Option<String>> = book.chapters.iter().map(|c| c.label.clone()).collect();
    let common = Common {
        book,
        s,
        lang,
        images,
    };
    let context = cache.map(|cache| {
        cache.start();
        cache::context(book, s, fonts, images)
    });
    let laid: Vec<(Option<u64>, Arc<Laid>)> = book
        .chapters
        .par_iter()
        .zip(labels.par_iter())
        .map_init(
            || Shaper::new(fonts, &book.meta.language),
            |shaper, (chapter, label)| {
                let key = context.map(|c| cache::key(chapter, label.as_deref(), c));
                if let Some(hit) = key.zip(cache).and_then(|(k, cache)| cache.get(k)) {
                    return (key, hit);
                }
                if key.is_some() {
                    // a chapter kept for later builds records all its glyphs
                    shaper.new_record();
                }
                let (pages, report) = lay_chapter(shaper, chapter, label.as_deref(), &common);
                (key, Arc::new((pages, report, shaper.take_texts())))
            },
        )
        .collect();
    if let Some(cache) = cache {
        cache.replace(
            laid.iter()
                .filter_map(|(key, laid)| key.map(|k| (k, laid.clone())))
                .collect(),
        );
    }
    // (shared with the cache: read, never taken apart)
    let chapters: Vec<Arc<Laid>> = laid.into_iter().map(|(_, laid)| laid).collect();
    let mut glyph_texts = GlyphTexts::default();
    for laid in &chapters {
        report.merge(laid.1.clone());
        glyph_texts.merge(&laid.2);
    }

    // 2. number the body: chapters open on odd (recto) pages (parts always;
    //    chapters on any page with `openany`)
    let mut starts = Vec::with_capacity(chapters.len());
    let mut next = 1usize;
    let mut after_part = false;
    for (chapter, laid) in book.chapters.iter().zip(&chapters) {
        let recto = !s.openany || chapter.division == Division::Part || after_part;
        if recto && next.is_multiple_of(2) {
            next += 1; // a blank verso
        }
        starts.push(next);
        next += laid.0.len();
        after_part = chapter.division == Division::Part && laid.0.len() % 2 == 1;
    }
    let body_pages = next - 1;

    // 3. the contents, now that page numbers are known
    let toc = contents(
        book,
        &chapters,
        &starts,
        &mut shaper,
        fonts,
        lang,
        s,
        &mut report,
        &mut glyph_texts,
    );
    let toc_pages = if s.generated.contents {
        pages::break_pages_anywhere(toc, s)
    } else {
        Vec::new()
    };
    let before_toc = if s.generated.half_title { 4 } else { 2 };
    let mut front = before_toc + toc_pages.len();
    if front % 2 == 1 {
        front += 1; // body page 1 is a recto
    }

    // 4. the chapters' pages are placed, with folio and running head, in
    //    parallel: each knows its first page number
    let placed: Vec<Placed> = per_chapter(
        book,
        &chapters,
        &starts,
        fonts,
        |shaper, chapter, laid, start| {
            place_chapter(book, chapter, laid, (front, start), shaper, s)
        },
    );
    drop(chapters);

    // 5. assemble the pages
    let mut out: Vec<Page> = Vec::with_capacity(front + body_pages);
    let mut outline = Vec::new();
    let mut page_map = PageMap::default();
    if s.generated.half_title {
        out.push(half_title(book, &mut shaper, lang, s, &mut report));
        out.push(Page::default());
    }
    let label = roman(out.len() + 1);
    out.push(title_page(book, &mut shaper, lang, s, &mut report, &label));
    // (the copyright page is set last: its colophon names the faces the
    // other pages show)
    let copyright_at = out.len();
    out.push(Page::default());
    for (i, body) in toc_pages.into_iter().enumerate() {
        let physical = out.len() + 1;
        let opening = i == 0;
        let (mut page, headings) = pages::place(&body, physical, s);
        outline.extend(pages::outline_entries(&headings, physical - 1));
        let folio = roman(physical);
        let lines = body.lines.iter().chain(&body.notes).map(|(_, l)| l);
        report.missing_on(lines, &book.files, &folio);
        decorate(&mut page, &mut shaper, s, physical, &folio, None, opening);
        out.push(page);
    }
    while out.len() < front {
        out.push(Page::default());
    }
    if s.generated.copyright {
        let shown = out.iter().chain(placed.iter().flat_map(|p| &p.pages));
        let families = families_shown(fonts, shown);
        let label = roman(copyright_at + 1);
        out[copyright_at] =
            copyright_page(book, &mut shaper, lang, s, &mut report, (&label, &families));
    }
    for (index, (chapter, set)) in book.chapters.iter().zip(placed).enumerate() {
        while front + starts[index] > out.len() + 1 {
            // blank verso before a chapter opening: its page-list entry points at the chapter
            page_map.pages.push(PageStart {
                label: (out.len() + 1 - front).to_string(),
                chapter_id: chapter.id.clone(),
                block_id: chapter.id.clone(),
                word: 0,
            });
            out.push(Page::default());
        }
        out.extend(set.pages);
        page_map.pages.extend(set.starts);
        outline.extend(set.outline);
        report.widows_and_orphans.extend(set.bad_breaks);
        glyph_texts.merge(&set.texts);
        for (c, pos, page) in set.missing {
            report.missing_on_page(c, pos, &book.files, &page);
        }
    }
    for (i, page) in out.iter_mut().enumerate().take(front) {
        page.label = roman(i + 1);
    }
    report.pages = out.len();
    let placed: std::collections::BTreeSet<&str> = out
        .iter()
        .flat_map(|p| p.items.iter())
        .filter_map(|i| match i {
            Item::Image { src, .. } => Some(src.as_str()),
            _ => None,
        })
        .collect();
    let images = images
        .iter()
        .filter(|(src, _)| placed.contains(src.as_str()))
        .map(|(src, image)| (src.clone(), image.clone()))
        .collect();
    glyph_texts.merge(&shaper.take_texts());
    Ok(Layout {
        images,
        page_width: s.page_width,
        page_height: s.page_height,
        pages: out,
        front_pages: front,
        outline,
        page_map,
        report,
        glyph_texts,
    })
}

/// `f` of each chapter with its layout and first body page, chapters in
/// parallel with a shaper per thread; the results in chapter order.
fn per_chapter<T: Send>(
    book: &Book,
    chapters: &[Arc<Laid>],
    starts: &[usize],
    fonts: &Fonts,
    f: impl Fn(&mut Shaper, &Chapter, &Laid, usize) -> T + Sync + Send,
) -> Vec<T> {
    book.chapters
        .par_iter()
        .zip(chapters.par_iter())
        .zip(starts.par_iter())
        .map_init(
            || Shaper::new(fonts, &book.meta.language),
            |shaper, ((chapter, laid), &start)| f(shaper, chapter, laid, start),
        )
        .collect()
}

/// Places one chapter's body pages, with folios and running heads: its
/// first is body page `start`, after `front` pages of front matter.
fn place_chapter(
    book: &Book,
    chapter: &Chapter,
    laid: &Laid,
    (front, start): (usize, usize),
    shaper: &mut Shaper,
    s: &Settings,
) -> Placed {
    let title = if chapter.short_title.is_empty() {
        plain_text(&chapter.title)
    } else {
        chapter.short_title.clone()
    };
    let mut placed = Placed::default();
    for (i, body) in laid.0.iter().enumerate() {
        let n = start + i;
        let physical = front + n;
        if let Some(pos) = body.bad_break {
            placed.bad_breaks.push(super::Spot {
                file: book
                    .files
                    .get(pos.file as usize)
                    .cloned()
                    .unwrap_or_default(),
                line: pos.line,
            });
        }
        placed
            .starts
            .push(pages::page_start(n.to_string(), &chapter.id, body));
        let (mut page, headings) = pages::place(body, physical, s);
        if let Some(rule) = note_rule(body, physical, s) {
            page.push(rule, Tag::Layout);
        }
        placed
            .outline
            .extend(pages::outline_entries(&headings, physical - 1));
        for (_, line) in body.lines.iter().chain(&body.notes) {
            let pos = line.pos.unwrap_or_default();
            placed
                .missing
                .extend(line.missing.iter().map(|&c| (c, pos, n.to_string())));
        }
        let head = if n.is_multiple_of(2) {
            book.meta.title.as_str()
        } else {
            title.as_str()
        };
        decorate(
            &mut page,
            shaper,
            s,
            physical,
            &n.to_string(),
            Some(head),
            body.opening,
        );
        page.label = n.to_string();
        placed.pages.push(page);
    }
    placed.texts = shaper.take_texts();
    placed
}

fn block(id: &str) -> Block {
    Block {
        id: id.to_string(),
        pos: Pos::default(),
        kind: BlockKind::ThematicBreak,
    }
}

fn text(t: &str) -> Vec<Inline> {
    vec![Inline::Text {
        text: t.to_string(),
    }]
}

/// Centred lines of `content`.
#[allow(clippy::too_many_arguments)]
fn centered(
    flow: &mut Flow<'_>,
    content: &[Inline],
    face: FaceId,
    size: f64,
    leading: f64,
    id: &str,
) -> Vec<Line> {
    let style = ParStyle {
        face,
        size,
        leading,
        measure: flow.settings.measure,
        indent_left: 0.0,
        first_indent: 0.0,
        mode: Mode::Centered,
        dir: flow.dir,
    };
    let mut lines = flow.paragraph(content, &style, &block(id));
    for line in &mut lines {
        line.break_after = false;
        line.mark = None;
    }
    lines
}

/// The chapter's opening: sunk title block, anchored for links and outline.
///
/// Every opening puts its text at the same height: the label and the title
/// stand on a fixed baseline and the sink above them gives way to a title
/// of more lines; the space under the title never stretches, and the text
/// starts on a line of the page's grid, so the opening page is filled to
/// its foot as any other is.
fn opening(flow: &mut Flow<'_>, chapter: &Chapter, label: Option<&str>, out: &mut Vec<VItem>) {
    let s = flow.settings;
    let anchor = |sink: f64| {
        VItem::Line(Line {
            ascent: sink,
            descent: 0.0,
            items: vec![Item::Anchor {
                id: chapter.id.clone(),
                y: 0.0,
            }],
            break_after: false,
            mark: Some((chapter.id.clone(), 0)),
            headings: vec![(plain_text(&chapter.title), 1, chapter.id.clone())],
            ..Line::default()
        })
    };
    match chapter.division {
        // a part title stands a third of the way down its page
        Division::Part => {
            out.push(anchor(s.text_height * 0.18));
            out.push(VItem::Fixed(s.text_height * 0.2));
        }
        // a dedication or epigraph has no title: its text stands alone
        Division::Dedication | Division::Epigraph => {
            out.push(anchor(s.text_height * 0.18));
            out.push(VItem::Fixed(s.text_height * 0.25));
            return;
        }
        _ => {}
    }
    let mut block = Vec::new();
    if let Some(label) = label {
        block.extend(centered(
            flow,
            &text(label),
            FaceId::Italic,
            s.size * 1.1,
            s.leading * 1.4,
            &chapter.id,
        ));
    }
    // the chapter title is the first heading level of the shared design
    let design = crate::style::heading(1);
    let title_size = s.size * design.size;
    let title_leading = title_size * 1.25;
    if !chapter.title.is_empty() {
        block.extend(centered(
            flow,
            &super::flow::styled_heading(&chapter.title, design.face),
            super::flow::heading_face(design.face),
            title_size,
            title_leading,
            &chapter.id,
        ));
    }
    let height: f64 = block.iter().map(Line::height).sum();
    if chapter.division == Division::Part {
        out.extend(block.into_iter().map(VItem::Line));
        out.push(VItem::Fixed(s.leading * design.below));
        return;
    }
    // the text's first line: a whole number of lines down, below a sink of
    // about a fifth of the page, a label of one line, a title of one line
    // and two and a half lines of space
    let below = s.leading * design.below;
    let usual = s.text_height * 0.18 + s.leading * 1.4 + title_leading + below;
    let depth = (usual / s.leading).ceil() * s.leading;
    // (a title too long for that depth pushes the text down by whole lines)
    let depth = depth.max(((height + below + s.leading) / s.leading).ceil() * s.leading);
    out.push(anchor(depth - below - height));
    out.extend(block.into_iter().map(VItem::Line));
    out.push(VItem::Fixed(below));
}

/// Running head and folio for a page.
fn decorate(
    page: &mut Page,
    shaper: &mut Shaper,
    s: &Settings,
    physical: usize,
    folio: &str,
    head: Option<&str>,
    opening: bool,
) {
    page.decoration = Some(page.items.len());
    let left = s.left_margin(physical);
    // the folio at the fore-edge: a recto's right, or its left in a book
    // bound on the right
    let outside_right = (physical % 2 == 1) != s.bound_right;
    let size = s.size * 0.9;
    let run = |shaper: &mut Shaper, t: &str, face: FaceId| glyph_run(shaper, t, face, size);
    if opening {
        // folio centred at the foot, no running head
        let mut f = run(shaper, folio, FaceId::Regular);
        f.x = left + (s.measure - f.width()) / 2.0;
        f.y = s.margin_top + s.text_height + s.leading * 2.0;
        page.push(Item::Glyphs(f), Tag::Footer);
        return;
    }
    let y = s.margin_top - s.leading * 1.5;
    let mut f = run(shaper, folio, FaceId::Regular);
    f.x = if outside_right {
        left + s.measure - f.width()
    } else {
        left
    };
    f.y = y;
    page.push(Item::Glyphs(f), Tag::Header);
    // a head in pieces: a run per face (a fallback face sets what the
    // head's lacks, at the size that matches its x-height to the head's),
    // a box for a character no font has
    // (in display order, running as its first letter does: UAX #9)
    let set = |shaper: &mut Shaper, t: &str| {
        let rtl = crate::doc::direction::first_strong_rtl_in(t).unwrap_or(s.bound_right);
        let line = set_line(
            shaper,
            &[(t.to_string(), ())],
            (pages::HEAD_FACE, size, true),
            rtl,
        );
        line.pieces
            .into_iter()
            .map(|(items, w, ())| (items, w))
            .collect::<Vec<_>>()
    };
    let width = |set: &[(Vec<Item>, f64)]| set.iter().map(|p| p.1).sum::<f64>();
    if let Some(head) = head {
        let mut h = set(shaper, head);
        // too long a head is shortened at a word boundary
        if width(&h) > s.measure * 0.75 {
            let mut shortened = String::new();
            for word in head.split_whitespace() {
                let candidate = if shortened.is_empty() {
                    word.to_string()
                } else {
                    format!("{shortened} {word}")
                };
                if shaper.width(pages::HEAD_FACE, &format!("{candidate} …")) * size
                    > s.measure * 0.75
                {
                    break;
                }
                shortened = candidate;
            }
            h = set(shaper, &format!("{shortened} …"));
        }
        let mut x = left + (s.measure - width(&h)) / 2.0;
        for (items, w) in h {
            for item in items {
                page.push(pages::offset(item, x, y), Tag::Header);
            }
            x += w;
        }
    }
}

/// The rule above a page's notes: a third of the measure, flush with the
/// text's start side, halfway between the text and the notes.
fn note_rule(body: &BodyPage, physical: usize, s: &Settings) -> Option<Item> {
    let (baseline, first) = body.notes.first()?;
    let width = s.measure / 3.0;
    let thick = 0.4;
    let left = s.left_margin(physical);
    Some(Item::Rule {
        x: if s.bound_right {
            left + s.measure - width
        } else {
            left
        },
        y: s.margin_top + baseline - first.ascent - (s.leading + thick) / 2.0,
        width,
        height: thick,
    })
}

/// A page with lines from the top of the text block at `y0`.
fn page_of(lines: Vec<(f64, Line)>, physical: usize, s: &Settings) -> Page {
    let body = BodyPage {
        lines,
        ..BodyPage::default()
    };
    pages::place(&body, physical, s).0
}

/// `lines` tagged as one element of `role` in `parent`.
fn tagged(mut lines: Vec<Line>, parent: &Arc<Node>, role: Role) -> Vec<Line> {
    let tag = Tag::Node(Node::child(parent, role));
    for line in &mut lines {
        line.tag = tag.clone();
    }
    lines
}

fn stack(lines: Vec<Line>, mut y: f64, out: &mut Vec<(f64, Line)>) -> f64 {
    for line in lines {
        y += line.ascent;
        let d = line.descent;
        out.push((y, line));
        y += d;
    }
    y
}

fn half_title(
    book: &Book,
    shaper: &mut Shaper,
    lang: Option<Lang>,
    s: &Settings,
    report: &mut Report,
) -> Page {
    let mut flow = scratch_flow(shaper, lang, s, report, book);
    let lines = centered(
        &mut flow,
        &text(&book.meta.title),
        FaceId::Regular,
        s.size * 1.4,
        s.size * 1.8,
        "half-title",
    );
    let lines = tagged(lines, &Node::root(Role::Sect), Role::P);
    let mut placed = Vec::new();
    stack(lines, s.text_height * 0.2, &mut placed);
    report.missing_on(placed.iter().map(|(_, l)| l), &book.files, "i");
    page_of(placed, 1, s)
}

fn title_page(
    book: &Book,
    shaper: &mut Shaper,
    lang: Option<Lang>,
    s: &Settings,
    report: &mut Report,
    label: &str,
) -> Page {
    let mut flow = scratch_flow(shaper, lang, s, report, book);
    let m = &book.meta;
    let mut placed = Vec::new();
    let big = s.size * 2.2;
    // the title page's lines: a paragraph each
    let page = Node::root(Role::Sect);
    let mut y = stack(
        tagged(
            centered(
                &mut flow,
                &text(&m.title),
                FaceId::Regular,
                big,
                big * 1.2,
                "title",
            ),
            &page,
            Role::P,
        ),
        s.text_height * 0.15,
        &mut placed,
    );
    if let Some(sub) = &m.subtitle {
        y = stack(
            tagged(
                centered(
                    &mut flow,
                    &text(sub),
                    FaceId::Italic,
                    s.size * 1.25,
                    s.size * 1.6,
                    "title",
                ),
                &page,
                Role::P,
            ),
            y + s.leading,
            &mut placed,
        );
    }
    let _ = y;
    let mut y = s.text_height * 0.55;
    for author in &m.authors {
        y = stack(
            tagged(
                centered(
                    &mut flow,
                    &text(author),
                    FaceId::Regular,
                    s.size * 1.2,
                    s.size * 1.5,
                    "title",
                ),
                &page,
                Role::P,
            ),
            y,
            &mut placed,
        );
    }
    if let Some(publisher) = &m.publisher {
        stack(
            tagged(
                centered(
                    &mut flow,
                    &text(publisher),
                    FaceId::Italic,
                    s.size,
                    s.leading,
                    "title",
                ),
                &page,
                Role::P,
            ),
            s.text_height - s.leading * 2.0,
            &mut placed,
        );
    }
    report.missing_on(placed.iter().map(|(_, l)| l), &book.files, label);
    page_of(placed, 3, s)
}

/// The families of the faces `pages` show, and of the text face (the
/// colophon's own): the bundled families first, in their order, then the
/// fallbacks' by name. Each face shown is embedded in the PDF.
fn families_shown<'p>(fonts: &Fonts, pages: impl Iterator<Item = &'p Page>) -> Vec<String> {
    let mut faces = std::collections::BTreeSet::from([FaceId::Regular]);
    for page in pages {
        for item in &page.items {
            if let Item::Glyphs(run) = item {
                faces.insert(run.face);
            }
        }
    }
    let mut bundled: Vec<String> = Vec::new();
    let mut fallbacks = std::collections::BTreeSet::new();
    for face in faces {
        let family = &fonts.face(face).family;
        if face.is_fallback() {
            fallbacks.insert(family.clone());
        } else if !bundled.contains(family) {
            bundled.push(family.clone());
        }
    }
    // (a fallback of a bundled family, a copy, is named once)
    fallbacks.retain(|f| !bundled.contains(f));
    bundled.extend(fallbacks);
    bundled
}

/// "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The copyright page, labelled `label`; its colophon names `families`.
fn copyright_page(
    book: &Book,
    shaper: &mut Shaper,
    lang: Option<Lang>,
    s: &Settings,
    report: &mut Report,
    (label, families): (&str, &[String]),
) -> Page {
    let mut flow = scratch_flow(shaper, lang, s, report, book);
    let m = &book.meta;
    let mut paragraphs: Vec<String> = Vec::new();
    let year = m
        .date
        .as_deref()
        .and_then(|d| d.get(..4))
        .map(str::to_string);
    paragraphs.push(
        m.title.clone()
            + m.subtitle
                .as_deref()
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
                .as_str(),
    );
    match (&m.rights, year) {
        (Some(rights), _) => paragraphs.push(rights.clone()),
        (None, Some(year)) if !m.authors.is_empty() => {
            paragraphs.push(format!("\u{a9} {year} {}", m.authors.join(", ")))
        }
        _ => {}
    }
    if let Some(p) = &m.publisher {
        paragraphs.push(format!("Published by {p}"));
    }
    if let Some(id) = &m.identifier {
        paragraphs.push(id.clone());
    }
    if s.generated.colophon {
        paragraphs.push(format!("Set in {} with quire.", and_list(families)));
    }
    let size = s.note_size;
    let mut lines = Vec::new();
    let page = Node::root(Role::Sect);
    for p in &paragraphs {
        let style = ParStyle {
            face: FaceId::Regular,
            size,
            leading: s.note_leading,
            measure: s.measure,
            indent_left: 0.0,
            first_indent: 0.0,
            mode: Mode::Ragged,
            dir: flow.dir,
        };
        let mut par = tagged(
            flow.paragraph(&text(p), &style, &block("copyright")),
            &page,
            Role::P,
        );
        if let Some(last) = par.last_mut() {
            last.descent += s.note_leading * 0.5;
        }
        lines.extend(par);
    }
    let height: f64 = lines.iter().map(Line::height).sum();
    let mut placed = Vec::new();
    stack(lines, s.text_height - height, &mut placed);
    report.missing_on(placed.iter().map(|(_, l)| l), &book.files, label);
    page_of(placed, 4, s)
}

/// What every chapter's layout shares.
struct Common<'a> {
    book: &'a Book,
    s: &'a Settings,
    lang: Option<Lang>,
    images: &'a crate::images::Images,
}

/// A chapter's pages and what setting it adds to the report.
fn lay_chapter(
    shaper: &mut Shaper,
    chapter: &Chapter,
    label: Option<&str>,
    c: &Common,
) -> (Vec<BodyPage>, Report) {
    let s = c.s;
    let dir = Dir::of_book(&c.book.meta.language);
    let hosts = note_hosts(chapter);
    let mut report = Report::default();
    let mut flow = Flow {
        shaper,
        settings: s,
        lang: c.lang,
        notes: &chapter.footnotes,
        note_hosts: &hosts,
        note_stack: Vec::new(),
        report: &mut report,
        files: &c.book.files,
        images: c.images,
        dir,
        colour: None,
        heading: 1,
        node: Node::root(Role::Sect),
    };
    let mut items = Vec::new();
    opening(&mut flow, chapter, label, &mut items);
    // the label and title: the chapter's level-1 heading
    let title = Tag::Node(Node::child(&flow.node, Role::H(1)));
    if chapter.title.is_empty() {
        flow.heading = 0;
    }
    super::flow::tag_lines(&mut items, &title);
    let ctx = BlockCtx::chapter(s, dir);
    flow.blocks(&chapter.blocks, &ctx, &mut items);
    report.lines += items.iter().filter(|i| matches!(i, VItem::Line(_))).count();
    // (with `openany` a chapter does not know which side it opens on, so
    // which pages face each other)
    let pages = if s.openany {
        pages::break_pages_anywhere(items, s)
    } else {
        pages::break_pages(items, s)
    };
    (pages, report)
}

fn scratch_flow<'a>(
    shaper: &'a mut Shaper,
    lang: Option<Lang>,
    s: &'a Settings,
    report: &'a mut Report,
    book: &'a Book,
) -> Flow<'a> {
    const NO_NOTES: &[Footnote] = &[];
    Flow {
        shaper,
        settings: s,
        lang,
        notes: NO_NOTES,
        note_hosts: &[],
        note_stack: Vec::new(),
        report,
        files: &book.files,
        images: &crate::images::NO_IMAGES,
        dir: Dir::of_book(&book.meta.language),
        colour: None,
        heading: 1,
        node: Node::root(Role::Sect),
    }
}

/// The table of contents: chapters and their sections with page numbers,
/// dot leaders and links.
/// Each chapter's entries are set in parallel (one shaper per thread); what
/// they add to the report and the glyph texts is merged in order.
#[allow(clippy::too_many_arguments)]
fn contents(
    book: &Book,
    chapters: &[Arc<Laid>],
    starts: &[usize],
    shaper: &mut Shaper,
    fonts: &Fonts,
    lang: Option<Lang>,
    s: &Settings,
    report: &mut Report,
    glyph_texts: &mut GlyphTexts,
) -> Vec<VItem> {
    // the contents: its title a heading, its entries a TOC
    let page = Node::root(Role::Sect);
    let toc = Node::child(&page, Role::TOC);
    let entries = per_chapter(
        book,
        chapters,
        starts,
        fonts,
        |shaper, chapter, set, start| {
            let mut report = Report::default();
            let mut out = Vec::new();
            let mut flow = scratch_flow(shaper, lang, s, &mut report, book);
            flow.node = toc.clone();
            chapter_entries(&mut flow, chapter, set, start, &mut out);
            (out, report, shaper.take_texts())
        },
    );
    let mut flow = scratch_flow(shaper, lang, s, report, book);
    let mut out = Vec::new();
    out.push(VItem::Line(Line {
        ascent: s.text_height * 0.18,
        headings: vec![("Contents".to_string(), 1, "contents".to_string())],
        items: vec![Item::Anchor {
            id: "contents".to_string(),
            y: 0.0,
        }],
        break_after: false,
        ..Line::default()
    }));
    let size = s.size * 1.8;
    let title = centered(
        &mut flow,
        &text("Contents"),
        FaceId::Regular,
        size,
        size * 1.25,
        "contents",
    );
    out.extend(
        tagged(title, &page, Role::H(1))
            .into_iter()
            .map(VItem::Line),
    );
    out.push(VItem::Space(s.leading * 2.0));
    drop(flow);
    for (items, chapter_report, texts) in entries {
        out.extend(items);
        report.merge(chapter_report);
        glyph_texts.merge(&texts);
    }
    out
}

/// One chapter's contents entries: its title, then its sections.
fn chapter_entries(
    flow: &mut Flow<'_>,
    chapter: &Chapter,
    set: &Laid,
    start: usize,
    out: &mut Vec<VItem>,
) {
    let s = flow.settings;
    if !chapter.division.in_contents() {
        return;
    }
    let mut title = if chapter.title.is_empty() {
        text("Untitled")
    } else {
        chapter.title.clone()
    };
    // the number before the title, as LaTeX's contents set it ("3  Title");
    // a part's whole label ("Part II  Title")
    if let Some(label) = &chapter.label {
        let number = match chapter.division {
            Division::Part => label.as_str(),
            _ => label.rsplit(' ').next().unwrap_or(label),
        };
        title.insert(
            0,
            Inline::Text {
                text: format!("{number}\u{2002}"),
            },
        );
    }
    let is_part = chapter.division == Division::Part;
    out.push(VItem::Space(s.leading * if is_part { 1.0 } else { 0.4 }));
    let face = if is_part {
        FaceId::Bold
    } else {
        FaceId::Regular
    };
    toc_entry(flow, &title, start, &chapter.id, 0.0, face, out);
    // (a section's entry keeps its code in the code face)
    let mut sections = std::collections::BTreeMap::new();
    crate::doc::walk_blocks(&chapter.blocks, &mut |b| {
        if let BlockKind::Heading { content, .. } = &b.kind {
            sections.insert(b.id.as_str(), content);
        }
    });
    for (offset, page) in set.0.iter().enumerate() {
        for (_, line) in &page.lines {
            for (title, level, id) in &line.headings {
                if *level == 2 {
                    let title = sections
                        .get(id.as_str())
                        .map_or_else(|| text(title), |content| contents_title(content));
                    toc_entry(
                        flow,
                        &title,
                        start + offset,
                        id,
                        s.size * 1.5,
                        FaceId::Regular,
                        out,
                    );
                }
            }
        }
    }
}

/// A heading's content as the contents sets it: its words, emphasis and
/// code in their faces; links, notes and images as their plain text.
fn contents_title(content: &[Inline]) -> Vec<Inline> {
    content
        .iter()
        .map(|inline| match inline {
            Inline::Text { .. } | Inline::Code { .. } | Inline::SoftBreak => inline.clone(),
            Inline::Emph { content } => Inline::Emph {
                content: contents_title(content),
            },
            Inline::Strong { content } => Inline::Strong {
                content: contents_title(content),
            },
            other => Inline::Text {
                text: plain_text(std::slice::from_ref(other)),
            },
        })
        .collect()
}

/// One contents entry: the title set ragged, dot leaders on its last line up
/// to the right-aligned page number; the whole entry links to its target.
fn toc_entry(
    flow: &mut Flow<'_>,
    title: &[Inline],
    page: usize,
    id: &str,
    indent: f64,
    face: FaceId,
    out: &mut Vec<VItem>,
) {
    let s = flow.settings;
    let number_col = s.size * 2.5;
    // a right-to-left book's contents run from the right: titles at the
    // right, page numbers at the left (as its EPUB's navigation inherits
    // the book's direction, every entry takes it)
    let rtl = flow.dir.rtl();
    let style = ParStyle {
        face,
        size: s.size,
        leading: s.leading,
        measure: s.measure - indent - number_col - s.size,
        indent_left: if rtl { number_col + s.size } else { indent },
        first_indent: 0.0,
        mode: Mode::Ragged,
        dir: Dir::Fixed(rtl),
    };
    let mut lines = tagged(
        flow.paragraph(title, &style, &block(id)),
        &flow.node,
        Role::TOCI,
    );
    let n = lines.len();
    let hang = if rtl { -s.size } else { s.size };
    for (i, line) in lines.iter_mut().enumerate() {
        line.mark = None;
        line.break_after = i + 1 == n;
        if i > 0 {
            for item in &mut line.items {
                if let Item::Glyphs(g) = item {
                    g.x += hang; // hang the continuation lines
                }
            }
        }
        line.items.push(Item::Link {
            rect: [
                if rtl { 0.0 } else { indent },
                -line.ascent,
                s.measure - indent,
                line.height(),
            ],
            target: LinkDest::Internal(id.to_string()),
        });
    }
    if let Some(last) = lines.last_mut() {
        let glyphs = || {
            last.items.iter().filter_map(|i| match i {
                Item::Glyphs(g) => Some(g),
                _ => None,
            })
        };
        // where the title's last line ends (starts, right to left)
        let (first, end) = (
            glyphs().map(|g| g.x).fold(s.measure - indent, f64::min),
            glyphs().map(|g| g.x + g.width()).fold(indent, f64::max),
        );
        let mut number = flow.run(&page.to_string(), FaceId::Regular, s.size);
        number.x = if rtl { 0.0 } else { s.measure - number.width() };
        // leaders: dots on a fixed grid, so they line up from entry to entry
        let dot = flow.run(".", FaceId::Regular, s.size);
        let step = s.size * 0.55;
        let (from, to) = if rtl {
            (number.width() + s.size * 0.4, first - s.size * 0.5)
        } else {
            (end + s.size * 0.5, number.x - s.size * 0.4)
        };
        let mut x = (from / step).ceil() * step;
        // one run: each dot's advance carries the pen to the next
        let start = x;
        let mut glyphs = Vec::new();
        let gap = (step - dot.width()) as f32;
        while x + dot.width() < to {
            glyphs.extend(dot.glyphs.iter().cloned());
            if let Some(g) = glyphs.last_mut() {
                g.advance += gap;
            }
            x += step;
        }
        if !glyphs.is_empty() {
            // (the leaders are an ornament, not text to read)
            let leaders = Item::Glyphs(GlyphRun {
                x: start,
                glyphs: Arc::new(glyphs),
                ..dot
            });
            last.push_tagged(leaders, Tag::Layout);
        }
        last.items.push(Item::Glyphs(number));
    }
    out.extend(lines.into_iter().map(VItem::Line));
}

/// Outline entries carry page indices; keep the type in use for writers.
pub type Outline = Vec<OutlineEntry>;
