//! The print edition: what a printer's preset asks of the PDF's pages
//! (bleed, the boxes of each page, crop marks, annotations and outline,
//! the page count). The pages' content is the reading edition's, moved
//! onto a larger sheet; the figures are the printers' published
//! specifications (KDP, IngramSpark, Lulu; `../shared/PRINT.md` lists them).

use serde::Deserialize;

/// Points to an inch.
const INCH: f64 = 72.0;
/// The bleed every preset asks for: 0.125 in.
const BLEED: f64 = 0.125 * INCH;
/// How far crop marks stand off the bleed, and how long they are.
const MARK_OFFSET: f64 = 3.0;
const MARK_LENGTH: f64 = 18.0;

/// A printer whose specification the print edition follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Printer {
    /// Amazon KDP paperback: bleed at the outside edge, top and bottom
    /// only; no annotations and no outline.
    Kdp,
    /// IngramSpark (Lightning Source): bleed on all sides; an even page
    /// count ending on a blank page.
    Ingram,
    /// Lulu: bleed on all sides.
    Lulu,
    /// A generic offset printer: bleed on all sides, crop marks outside it.
    Offset,
}

/// What a printer asks of a book's pages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// The printer.
    pub printer: Printer,
    /// Bleed at the spine side of a page (points).
    pub inside: f64,
    /// Bleed at the outside edge, the head and the foot (points).
    pub outside: f64,
    /// Room for crop marks outside the bleed (points; 0 without marks).
    pub marks: f64,
    /// Link annotations kept.
    pub annotations: bool,
    /// The outline (bookmarks) kept.
    pub outline: bool,
    /// The last page left blank (after the page count is made even).
    pub blank_last: bool,
}

impl Printer {
    /// The printer's preset.
    pub fn preset(self) -> Preset {
        let all_sides = Preset {
            printer: self,
            inside: BLEED,
            outside: BLEED,
            marks: 0.0,
            annotations: true,
            outline: true,
            blank_last: false,
        };
        match self {
            Printer::Kdp => Preset {
                inside: 0.0,
                annotations: false,
                outline: false,
                ..all_sides
            },
            Printer::Ingram => Preset {
                blank_last: true,
                ..all_sides
            },
            Printer::Lulu => all_sides,
            Printer::Offset => Preset {
                marks: MARK_OFFSET + MARK_LENGTH + MARK_OFFSET,
                ..all_sides
            },
        }
    }
}

/// Where one page's trim, bleed and sheet lie (PDF user space, points,
/// origin at the sheet's lower left).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageBoxes {
    /// The sheet: `[0, 0, width, height]`.
    pub media: [f64; 4],
    /// The trimmed page.
    pub trim: [f64; 4],
    /// The trimmed page and its bleed.
    pub bleed: [f64; 4],
}

impl Preset {
    /// The boxes of page `index` (0: the first page, a recto) of a book
    /// trimmed to `width` × `height`: the bleed is at a recto's right and
    /// a verso's left, and at the head and the foot.
    pub fn boxes(&self, index: usize, width: f64, height: f64) -> PageBoxes {
        let recto = index.is_multiple_of(2);
        let (left, right) = if recto {
            (self.inside, self.outside)
        } else {
            (self.outside, self.inside)
        };
        let m = self.marks;
        let x0 = m + left;
        let y0 = m + self.outside;
        PageBoxes {
            media: [
                0.0,
                0.0,
                x0 + width + right + m,
                y0 + height + self.outside + m,
            ],
            trim: [x0, y0, x0 + width, y0 + height],
            bleed: [m, m, x0 + width + right, y0 + height + self.outside],
        }
    }

    /// The crop marks of a page (when the preset has them): content-stream
    /// operators drawing, at each corner of the trim, two hairlines in the
    /// trim's lines, outside the bleed.
    pub fn crop_marks(&self, boxes: &PageBoxes) -> Vec<u8> {
        if self.marks == 0.0 {
            return Vec::new();
        }
        let [tx0, ty0, tx1, ty1] = boxes.trim;
        let [bx0, by0, bx1, by1] = boxes.bleed;
        let mut out = String::from("q 0 G 0.25 w\n");
        let mut line = |x0: f64, y0: f64, x1: f64, y1: f64| {
            out.push_str(&format!("{x0:.3} {y0:.3} m {x1:.3} {y1:.3} l S\n"));
        };
        let (near, far) = (MARK_OFFSET, MARK_OFFSET + MARK_LENGTH);
        for x in [tx0, tx1] {
            line(x, by0 - near, x, by0 - far);
            line(x, by1 + near, x, by1 + far);
        }
        for y in [ty0, ty1] {
            line(bx0 - near, y, bx0 - far, y);
            line(bx1 + near, y, bx1 + far, y);
        }
        out.push_str("Q\n");
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdp_bleeds_at_the_outside_edge_and_alternates_with_parity() {
        let kdp = Printer::Kdp.preset();
        let (w, h) = (6.0 * INCH, 9.0 * INCH);
        let recto = kdp.boxes(0, w, h);
        let verso = kdp.boxes(1, w, h);
        // the sheet: trim + 0.125 in wide, + 0.25 in high
        for b in [recto, verso] {
            assert!((b.media[2] - (w + 9.0)).abs() < 1e-9, "{b:?}");
            assert!((b.media[3] - (h + 18.0)).abs() < 1e-9, "{b:?}");
            assert_eq!(b.bleed, b.media);
        }
        assert_eq!(recto.trim, [0.0, 9.0, w, h + 9.0]);
        assert_eq!(verso.trim, [9.0, 9.0, w + 9.0, h + 9.0]);
    }

    #[test]
    fn offset_marks_stand_outside_the_bleed() {
        let offset = Printer::Offset.preset();
        let b = offset.boxes(0, 400.0, 600.0);
        assert_eq!(b.bleed[0], 24.0);
        assert_eq!(b.trim[0], 33.0);
        assert_eq!(b.media[2], 33.0 + 400.0 + 9.0 + 24.0);
        let marks = String::from_utf8(offset.crop_marks(&b)).unwrap();
        assert_eq!(marks.matches(" l S").count(), 8, "{marks}");
        assert!(Printer::Lulu.preset().crop_marks(&b).is_empty());
    }
}
