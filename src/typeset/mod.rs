//! Typesetting: the document tree → pages of positioned items.
//!
//! Stages, each a module: [`fonts`] (the bundled faces and fallbacks),
//! [`bidi`] (UAX #9: levels, display order), [`shape`] (text → glyphs with
//! harfrust), [`hyphenate`] (Liang patterns), [`linebreak`] (Knuth–Plass),
//! [`flow`] (blocks → lines and spaces), [`pages`] (page breaking, notes,
//! folios), and [`assemble`] (front matter, contents, running heads, the
//! page map). The output, [`Layout`], is all the PDF writer sees.

pub mod assemble;
pub mod bidi;
pub mod cache;
pub mod flow;
pub mod fonts;
pub mod frame;
pub mod hyphenate;
pub mod image_size;
/// Knuth–Plass line breaking over boxes, glue and penalties.
pub mod linebreak;
#[cfg(test)]
mod makeup_tests;
#[cfg(test)]
mod page_map_tests;
pub mod pages;
pub mod shape;
pub mod structure;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::config::PdfConfig;
use crate::doc::{Book, PageMap, Pos};
use crate::error::{Diagnostic, Error, Location, Result};
pub use cache::ChapterCache;
use fonts::Fonts;
use frame::{GlyphRun, OutlineEntry, Page};
use shape::GlyphTexts;

/// Page and type settings resolved from `[pdf]`.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Trim width in points.
    pub page_width: f64,
    /// Trim height in points.
    pub page_height: f64,
    /// Margin at the spine.
    pub margin_inner: f64,
    /// Margin at the fore-edge.
    pub margin_outer: f64,
    /// Margin above the text block (the running head sits in it).
    pub margin_top: f64,
    /// Margin below the text block.
    pub margin_bottom: f64,
    /// Width of the text block.
    pub measure: f64,
    /// Height of the text block.
    pub text_height: f64,
    /// Body size in points.
    pub size: f64,
    /// Body baseline distance.
    pub leading: f64,
    /// Note size.
    pub note_size: f64,
    /// Note baseline distance.
    pub note_leading: f64,
    /// Which generated pages are printed.
    pub generated: Generated,
    /// Chapters open on any page, not only on rectos.
    pub openany: bool,
    /// The book is bound on the right (its language is written right to
    /// left): a recto's spine is at its right.
    pub bound_right: bool,
}

/// The pages quire makes around the text, each of which can be turned off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Generated {
    /// The half-title page (and its blank verso).
    pub half_title: bool,
    /// The copyright page (the title page's verso).
    pub copyright: bool,
    /// The table of contents.
    pub contents: bool,
    /// The "Set in … with quire" line on the copyright page.
    pub colophon: bool,
}

pub use crate::config::trim_size;

impl Settings {
    /// Resolves `[pdf]` settings; sizes and margins suit the trim.
    pub fn from_config(config: &PdfConfig) -> Result<Settings> {
        // validated when the configuration was read, with its file and line
        let (w, h) = trim_size(&config.trim).ok_or_else(|| {
            Error::input(
                Location::new("book.toml", 0, 0),
                format!("unknown trim size `{}` (key `trim`)", config.trim),
            )
            .with_code("invalid-config")
        })?;
        // (sizes and leadings out of range were refused with the configuration)
        let size = config
            .font_size
            .filter(|s| crate::config::FONT_SIZES.contains(s))
            .unwrap_or(crate::config::default_font_size(w));
        let leading = config
            .leading
            .filter(|l| (size..=size * 3.0).contains(l))
            .unwrap_or((size * 1.27 * 2.0).round() / 2.0);
        // margins in proportion to the page (inner : top : outer : bottom ≈
        // 1.2 : 1.2 : 1 : 1.4, the outer margin wider at larger sizes)
        let margin_inner = w * 0.125;
        let margin_outer = w * 0.104;
        let margin_top = h * 0.085;
        let margin_bottom = h * 0.1;
        let measure = w - margin_inner - margin_outer;
        let lines = ((h - margin_top - margin_bottom) / leading).floor();
        let text_height = lines * leading;
        let margin_bottom = h - margin_top - text_height;
        Ok(Settings {
            page_width: w,
            page_height: h,
            margin_inner,
            margin_outer,
            margin_top,
            margin_bottom,
            measure,
            text_height,
            size,
            leading,
            note_size: (size * 0.82 * 2.0).round() / 2.0,
            note_leading: ((size * 0.82 * 1.25) * 2.0).round() / 2.0,
            generated: Generated {
                half_title: config.half_title,
                copyright: config.copyright_page,
                contents: config.contents,
                colophon: config.colophon,
            },
            openany: config.openany,
            bound_right: false,
        })
    }

    /// These settings for a book in `language`: bound on the right when it
    /// is written right to left.
    pub fn for_language(self, language: &str) -> Settings {
        Settings {
            bound_right: crate::doc::direction::language_is_rtl(language),
            ..self
        }
    }

    /// Left margin of a page: pages are mirrored, odd (recto) pages have the
    /// spine on the left (on the right in a book bound on the right).
    /// `page_number` counts from 1 over the whole PDF.
    pub fn left_margin(&self, page_number: usize) -> f64 {
        if (page_number % 2 == 1) != self.bound_right {
            self.margin_inner
        } else {
            self.margin_outer
        }
    }
}

/// The typeset book: pages and what the writers need to know about them.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Trim width in points.
    pub page_width: f64,
    /// Trim height in points.
    pub page_height: f64,
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// Number of front-matter pages (labelled in roman numerals).
    pub front_pages: usize,
    /// The outline (bookmarks).
    pub outline: Vec<OutlineEntry>,
    /// Where each body page starts in the tree.
    pub page_map: PageMap,
    /// The typographic report.
    pub report: Report,
    /// The images placed on the pages, by `src`.
    pub images: crate::images::Images,
    /// What each glyph on the pages stands for (the PDF's ToUnicode map).
    pub glyph_texts: GlyphTexts,
}

impl Layout {
    /// The text a run of glyphs stands for (what a PDF viewer extracts),
    /// in the order the glyphs are drawn: each glyph's own text, or the
    /// actual text of a stretch that has one.
    pub fn run_text(&self, run: &GlyphRun) -> String {
        let mut out = String::new();
        let mut spans = run.actual.iter().peekable();
        let mut i = 0u32;
        while (i as usize) < run.glyphs.len() {
            if let Some(span) = spans.next_if(|s| s.glyphs.start <= i) {
                if span.glyphs.start == i && span.glyphs.end > i {
                    out.push_str(&span.text);
                    i = span.glyphs.end;
                }
                continue;
            }
            out.push_str(self.glyph_texts.get(run.face, run.glyphs[i as usize].id));
            i += 1;
        }
        out
    }

    /// Findings of the typesetter as diagnostics (overfull lines, widows,
    /// missing glyphs), with file and line.
    pub fn diagnostics(&self, book: &Book) -> Vec<Diagnostic> {
        let _ = book;
        let mut out = Vec::new();
        for o in &self.report.overfull {
            out.push(Diagnostic::warning(
                "overfull-line",
                Location::new(&o.file, o.line, 0),
                format!("a line is {:.1}pt too wide for the measure", o.excess),
            ));
        }
        for w in &self.report.broken_words {
            out.push(Diagnostic::warning(
                "long-word",
                Location::new(&w.file, w.line, 0),
                "a word longer than the line had to be broken without a hyphen",
            ));
        }
        for w in &self.report.widows_and_orphans {
            out.push(Diagnostic::warning(
                "widow-orphan",
                Location::new(&w.file, w.line, 0),
                "a page had to end where a widow, an orphan or a heading is left alone",
            ));
        }
        for low in &self.report.low_resolution {
            out.push(Diagnostic::warning(
                "low-resolution",
                Location::new(&low.file, low.line, low.column),
                format!(
                    "image `{}` is printed at {} ppi, under the {} print needs: it may look blurred; give it more pixels or print it smaller",
                    low.image,
                    low.ppi,
                    crate::images::PRINT_PPI
                ),
            ));
        }
        for m in &self.report.missing_glyphs {
            let place = match &m.page {
                Some(page) => format!(", on page {page}"),
                None => String::new(),
            };
            out.push(Diagnostic::warning(
                "missing-glyph",
                Location::new(&m.file, m.line, 0),
                format!(
                    "no font has a glyph for {:?} (U+{:04X}){place}: it is printed as a box with its code",
                    m.character, m.character as u32
                ),
            ));
        }
        out
    }
}

/// An overfull line in the report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overfull {
    /// Source file.
    pub file: String,
    /// Line of the paragraph in it.
    pub line: u32,
    /// How far past the measure, in points.
    pub excess: f64,
}

/// A place in the source.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Spot {
    /// Source file.
    pub file: String,
    /// Line in it.
    pub line: u32,
}

/// A character no font could set.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    /// The character.
    pub character: char,
    /// Source file.
    pub file: String,
    /// Line of the block in it.
    pub line: u32,
    /// The label of the page it is first printed on (as a box).
    pub page: Option<String>,
}

/// A raster image printed at less than the resolution print needs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LowResolution {
    /// The image, as the manuscript names it.
    pub image: String,
    /// Its resolution as printed, in pixels per inch (rounded down).
    pub ppi: u32,
    /// Source file of the reference.
    pub file: String,
    /// Line of the reference.
    pub line: u32,
    /// Column of the reference.
    pub column: u32,
}

/// The typographic report: counts from the engine's real decisions.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Pages in the PDF.
    pub pages: usize,
    /// Lines of body text set.
    pub lines: usize,
    /// Lines wider than the measure (beyond the allowed protrusion).
    pub overfull: Vec<Overfull>,
    /// Justified lines stretched beyond the tolerance (adjustment ratio > 1).
    pub underfull_lines: usize,
    /// Lines ending in a hyphen.
    pub hyphenated_lines: usize,
    /// The longest run of consecutive hyphenated lines.
    pub longest_hyphen_run: usize,
    /// Pages that end with the first line of a paragraph (orphans), start
    /// with its last (widows) or end with a heading, because no better break
    /// existed: where the page ends.
    pub widows_and_orphans: Vec<Spot>,
    /// Characters no font covers.
    pub missing_glyphs: Vec<Missing>,
    /// Glyphs set in a fallback (system) font because the bundled faces
    /// lack their characters.
    pub fallback_glyphs: usize,
    /// The families of the fallback fonts used, sorted.
    pub fallback_fonts: Vec<String>,
    /// Paragraphs that needed the emergency pass.
    pub emergency_breaks: usize,
    /// Words longer than the measure, broken wherever they had to be.
    pub broken_words: Vec<Spot>,
    /// Code lines too long for the measure, wrapped with a continuation mark.
    pub wrapped_code_lines: usize,
    /// Raster images printed at under 300 pixels per inch.
    pub low_resolution: Vec<LowResolution>,
}

impl Report {
    /// One line for the terminal.
    pub fn summary(&self) -> String {
        format!(
            "{} pages, {} lines: {} overfull, {} loose, {} hyphenated (longest run {}), {} widows/orphans, {} missing glyphs",
            self.pages,
            self.lines,
            self.overfull.len(),
            self.underfull_lines,
            self.hyphenated_lines,
            self.longest_hyphen_run,
            self.widows_and_orphans.len(),
            self.missing_glyphs.len()
        ) + &if self.fallback_glyphs > 0 {
            format!(
                ", {} glyphs from fallback fonts ({})",
                self.fallback_glyphs,
                self.fallback_fonts.join(", ")
            )
        } else {
            String::new()
        }
    }

    /// Adds another chapter's figures to these.
    pub fn merge(&mut self, other: Report) {
        self.pages += other.pages;
        self.lines += other.lines;
        self.overfull.extend(other.overfull);
        self.underfull_lines += other.underfull_lines;
        self.hyphenated_lines += other.hyphenated_lines;
        self.longest_hyphen_run = self.longest_hyphen_run.max(other.longest_hyphen_run);
        self.widows_and_orphans.extend(other.widows_and_orphans);
        for m in other.missing_glyphs {
            let pos = Pos {
                file: 0,
                line: m.line,
                col: 0,
            };
            let files = [m.file.clone()];
            self.missing_glyph(m.character, pos, &files);
            if let Some(page) = &m.page {
                self.missing_on_page(m.character, pos, &files, page);
            }
        }
        self.fallback_glyphs += other.fallback_glyphs;
        for family in &other.fallback_fonts {
            self.fallback(family, 0);
        }
        self.emergency_breaks += other.emergency_breaks;
        self.broken_words.extend(other.broken_words);
        self.wrapped_code_lines += other.wrapped_code_lines;
        for low in other.low_resolution {
            self.low_resolution(low);
        }
    }

    /// The image `src` (referred to at `pos`) printed at `ppi` pixels per
    /// inch: noted when that is under [`crate::images::PRINT_PPI`].
    fn printed_at(&mut self, src: &str, ppi: f64, pos: Pos, files: &[String]) {
        // floor, so that an image at 299.6 ppi is not called 300 (and
        // one set at exactly 300 is not called 299 by a rounding error)
        let ppi = (ppi.max(0.0) + 1e-6).floor();
        if ppi >= crate::images::PRINT_PPI {
            return;
        }
        self.low_resolution(LowResolution {
            image: src.to_string(),
            ppi: ppi as u32,
            file: files.get(pos.file as usize).cloned().unwrap_or_default(),
            line: pos.line,
            column: pos.col,
        });
    }

    /// One entry per reference: an image set twice at one place (a table
    /// measured, then set) keeps its last resolution.
    fn low_resolution(&mut self, low: LowResolution) {
        match self.low_resolution.iter_mut().find(|l| {
            (&l.file, l.line, l.column, &l.image) == (&low.file, low.line, low.column, &low.image)
        }) {
            Some(found) => *found = low,
            None => self.low_resolution.push(low),
        }
    }

    fn overfull(&mut self, pos: Pos, files: &[String], excess: f64) {
        self.overfull.push(Overfull {
            file: files.get(pos.file as usize).cloned().unwrap_or_default(),
            line: pos.line,
            excess,
        });
    }

    /// `glyphs` glyphs set in the fallback font `family`.
    fn fallback(&mut self, family: &str, glyphs: usize) {
        self.fallback_glyphs += glyphs;
        if let Err(i) = self
            .fallback_fonts
            .binary_search_by(|f| f.as_str().cmp(family))
        {
            self.fallback_fonts.insert(i, family.to_string());
        }
    }

    fn missing_glyph(&mut self, character: char, pos: Pos, files: &[String]) {
        let file = files.get(pos.file as usize).cloned().unwrap_or_default();
        if !self
            .missing_glyphs
            .iter()
            .any(|m| m.character == character && m.file == file && m.line == pos.line)
        {
            self.missing_glyphs.push(Missing {
                character,
                file,
                line: pos.line,
                page: None,
            });
        }
    }

    /// `character`, reported at `pos`, is printed (as a box) on the page
    /// labelled `page`: the first such page is the one the report gives.
    pub(crate) fn missing_on_page(
        &mut self,
        character: char,
        pos: Pos,
        files: &[String],
        page: &str,
    ) {
        let file = files.get(pos.file as usize).map_or("", String::as_str);
        if let Some(m) = self.missing_glyphs.iter_mut().find(|m| {
            m.character == character && m.file == file && m.line == pos.line && m.page.is_none()
        }) {
            m.page = Some(page.to_string());
        }
    }

    /// Notes the pages of the characters no font has on `lines`, a page
    /// labelled `page`.
    pub(crate) fn missing_on<'l>(
        &mut self,
        lines: impl IntoIterator<Item = &'l flow::Line>,
        files: &[String],
        page: &str,
    ) {
        for line in lines {
            for &c in &line.missing {
                self.missing_on_page(c, line.pos.unwrap_or_default(), files, page);
            }
        }
    }
}

/// Lays out `book` in pages.
pub fn typeset(
    book: &Book,
    settings: &Settings,
    fonts: &Fonts,
    images: &crate::images::Images,
) -> Result<Layout> {
    assemble::assemble(book, settings, fonts, images, None)
}

/// [`typeset`], taking the chapters that have not changed since the last
/// build from `cache` and keeping this build's there (`quire watch`).
pub fn typeset_cached(
    book: &Book,
    settings: &Settings,
    fonts: &Fonts,
    images: &crate::images::Images,
    cache: &ChapterCache,
) -> Result<Layout> {
    assemble::assemble(book, settings, fonts, images, Some(cache))
}
