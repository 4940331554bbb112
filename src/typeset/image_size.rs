//! How big an image is printed: the size the author asked for
//! (`{width=50%}`, `<img width=120>`), else its natural size, always within
//! the measure and the room the page has.

use crate::doc::ImageSize;

/// Where an image is set, for its size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Room {
    /// The width it is set in (the measure, or a table column), in points:
    /// what a `width=…%` is a share of, and the widest it is printed.
    pub measure: f64,
    /// The text block's height: what a `height=…%` is a share of (as
    /// LaTeX's `\textheight` is for pandoc's `height=50%`).
    pub text_height: f64,
    /// The tallest it is printed (the text block less what must stand on
    /// the same page, such as a caption).
    pub max_height: f64,
}

/// The printed size of an image whose natural size is `natural` (points)
/// when the author asked `asked`: a width or a height alone keeps the
/// image's proportions; both give both. The result is scaled down, keeping
/// its proportions, to fit `room`.
pub fn placed_size(natural: (f64, f64), asked: ImageSize, room: Room) -> (f64, f64) {
    let (nw, nh) = (natural.0.max(0.01), natural.1.max(0.01));
    let (nw, nh) = if nw.is_finite() && nh.is_finite() {
        (nw, nh)
    } else {
        (room.measure, room.measure)
    };
    let width = asked.width.map(|w| w.resolve(room.measure));
    let height = asked.height.map(|h| h.resolve(room.text_height));
    let (w, h) = match (width, height) {
        (Some(w), Some(h)) => (w, h),
        (Some(w), None) => (w, w * nh / nw),
        (None, Some(h)) => (h * nw / nh, h),
        (None, None) => (nw, nh),
    };
    let scale = (room.measure.max(1.0) / w)
        .min(room.max_height.max(1.0) / h)
        .min(1.0);
    (w * scale, h * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Length;

    const ROOM: Room = Room {
        measure: 300.0,
        text_height: 500.0,
        max_height: 400.0,
    };

    fn size(width: Option<&str>, height: Option<&str>) -> ImageSize {
        ImageSize {
            width: width.and_then(Length::parse),
            height: height.and_then(Length::parse),
        }
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6
    }

    #[test]
    fn a_width_or_a_height_alone_keeps_the_proportions() {
        let natural = (200.0, 100.0);
        // natural size when nothing is asked and it fits
        assert!(close(
            placed_size(natural, size(None, None), ROOM),
            (200.0, 100.0)
        ));
        // 50 % of the 300 pt measure
        assert!(close(
            placed_size(natural, size(Some("50%"), None), ROOM),
            (150.0, 75.0)
        ));
        // 2 in = 144 pt, 2 cm = 56.69 pt, 96 px = 72 pt, 30 mm = 85.04 pt
        assert!(close(
            placed_size(natural, size(Some("2in"), None), ROOM),
            (144.0, 72.0)
        ));
        let cm = 72.0 / 2.54 * 2.0;
        assert!(close(
            placed_size(natural, size(None, Some("2cm")), ROOM),
            (cm * 2.0, cm)
        ));
        assert!(close(
            placed_size(natural, size(Some("96px"), None), ROOM),
            (72.0, 36.0)
        ));
        let mm = 72.0 / 25.4 * 30.0;
        assert!(close(
            placed_size(natural, size(Some("30mm"), None), ROOM),
            (mm, mm / 2.0)
        ));
        // a height in % is a share of the text block's height
        assert!(close(
            placed_size(natural, size(None, Some("10%")), ROOM),
            (100.0, 50.0)
        ));
    }

    #[test]
    fn both_give_both_and_everything_fits_the_room() {
        let natural = (200.0, 100.0);
        assert!(close(
            placed_size(natural, size(Some("1in"), Some("1in")), ROOM),
            (72.0, 72.0)
        ));
        // wider than the measure: scaled down to it, proportions kept
        assert!(close(
            placed_size(natural, size(Some("150%"), None), ROOM),
            (300.0, 150.0)
        ));
        assert!(close(
            placed_size((600.0, 60.0), size(None, None), ROOM),
            (300.0, 30.0)
        ));
        // taller than the room: scaled down to it
        assert!(close(
            placed_size((100.0, 800.0), size(None, None), ROOM),
            (50.0, 400.0)
        ));
        assert!(close(
            placed_size(natural, size(Some("10pt"), Some("800pt")), ROOM),
            (5.0, 400.0)
        ));
        // no room at all: a point, not a negative size
        let none = Room {
            max_height: -20.0,
            ..ROOM
        };
        let (w, h) = placed_size(natural, size(None, None), none);
        assert!(w > 0.0 && h > 0.0 && h <= 1.0, "{w} {h}");
    }
}
