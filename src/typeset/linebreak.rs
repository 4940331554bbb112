//! Knuth–Plass total-fit line breaking, pure and font-free.
//!
//! This module chooses the line breaks of one paragraph. It works on
//! abstract widths in points (`f64`); it knows nothing about fonts, glyphs or
//! hyphenation patterns. The caller turns shaped text into [`Item`]s (boxes,
//! glue and penalties, TeX's model) and gets back the chosen [`Line`]s.
//!
//! # Sources
//!
//! Written from the published descriptions, not from any other program's code:
//!
//! * D. E. Knuth and M. F. Plass, "Breaking Paragraphs into Lines",
//!   *Software—Practice and Experience* 11 (1981), 1119–1184: the box/glue/
//!   penalty model, the adjustment ratio *r*, badness, demerits, fitness
//!   classes and the active-node algorithm with running sums
//!   (Σw, Σy, Σz).
//! * D. E. Knuth, *The TeXbook*, chapter 14 ("How TeX Breaks Paragraphs into
//!   Lines"): `\pretolerance`, `\tolerance`, `\emergencystretch`,
//!   `\linepenalty`, `\adjdemerits`, `\doublehyphendemerits`,
//!   `\finalhyphendemerits`, `\looseness`, the end-of-paragraph convention
//!   (`\unskip\penalty10000\hskip\parfillskip\penalty-10000`), and the rule
//!   that glue, kerns and penalties after a break are discarded.
//! * D. E. Knuth, *TeX: The Program* (`tex.web`), §813–890 (part 38, "Breaking
//!   paragraphs into lines"): the three passes (§863, §873), badness and
//!   fitness classes (§851–§853: thresholds 12 and 99 on the badness scale,
//!   i.e. |r| = 0.5 and |r| = 1), the demerits formula (§859, including the
//!   cap `if abs(l+b) >= 10000 then d := 100000000`), deactivation of active
//!   nodes when a line would be overfull or a forced break is passed (§851,
//!   §854), the final-hyphen rule (§859: the last break of a paragraph counts
//!   as hyphenated, so a hyphen on the penultimate line costs
//!   `\finalhyphendemerits` instead of `\doublehyphendemerits`), and the
//!   choice of the best node for `\looseness` (§875).
//! * Character protrusion (margin kerning) follows the idea of pdfTeX's
//!   `\lpcode`/`\rpcode` as used by the `microtype` package: the first glyph
//!   of a line may hang into the left margin and the last glyph (or the
//!   inserted hyphen) into the right margin, so the line's material may be
//!   that much wider than the measure.
//!
//! # Differences from TeX (deliberate)
//!
//! * Active nodes are keyed by line number up to `Params::same_width_from`
//!   (TeX's `easy_line`: the caller says from which line on widths repeat,
//!   which a closure cannot tell us), by
//!   fitness class, and by the number of consecutive hyphenated lines ending
//!   there, so the `max_consecutive_hyphens` limit (TeX has none; it is
//!   LaTeX/ConTeXt practice) is honoured exactly while the result stays
//!   optimal. TeX's pruning of nodes worse than `minimal_demerits +
//!   adj_demerits` is not done, because it would be unsound with the extra
//!   keys.
//! * When even the emergency pass finds nothing, TeX forces a break with
//!   "artificial demerits" at the last active node. Here a last-resort run
//!   accepts every line, pricing infinitely bad lines at 10⁸ demerits and
//!   overfull lines at 10¹⁰ × (1 + excess in pt) more, so the least-bad set
//!   of breaks is chosen, and the paragraph always breaks at legal points.

/// Badness of a line that cannot stretch enough ("infinitely bad"): TeX's
/// `inf_bad` (tex.web §108).
pub const INF_BAD: f64 = 10000.0;

/// A penalty at or above this value forbids a break (TeX's `inf_penalty`,
/// tex.web §157).
pub const INF_PENALTY: f64 = 10000.0;

/// A penalty at or below this value forces a break (TeX's `eject_penalty`,
/// tex.web §157).
pub const EJECT_PENALTY: f64 = -10000.0;

/// A stretchability large enough to act as TeX's `fil` glue for the
/// `\parfillskip` of the last line (Knuth & Plass use a very large finite
/// value in the paper). [`push_paragraph_end`] uses it. `f64::INFINITY` is
/// also accepted in [`Item::Glue`] and treated exactly like TeX's infinite
/// glue (see [`Line::ratio`]).
pub const FILL_STRETCH: f64 = 1.0e6;

/// Extra demerits for an overfull line in the last-resort run (not in TeX,
/// which forces such breaks with "artificial demerits"): large enough that
/// any number of underfull lines (10⁸ each at worst) is preferred to one
/// overfull line, and scaled by the excess so the least overfull choice wins.
const OVERFULL_DEMERITS: f64 = 1.0e10;

/// Demerits of a line whose `line_penalty + badness` reaches 10000
/// (tex.web §859).
const HUGE_DEMERITS: f64 = 1.0e8;

/// One element of a paragraph in TeX's box/glue/penalty model.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// Unbreakable material (a word fragment, a glyph run). `hang_left`/`hang_right`:
    /// how far (pt) this box may protrude into the left margin when it starts a line /
    /// into the right margin when it ends a line (character protrusion, as pdfTeX's
    /// microtype does: the line is allowed to be that much longer).
    Box {
        /// Natural width in points.
        width: f64,
        /// Protrusion into the left margin when this box starts a line.
        hang_left: f64,
        /// Protrusion into the right margin when this box ends a line.
        hang_right: f64,
    },
    /// Space: a legal break point when it follows a box. Discarded at a line break.
    Glue {
        /// Natural width in points.
        width: f64,
        /// Stretchability in points (`f64::INFINITY` acts as TeX's `fil`).
        stretch: f64,
        /// Shrinkability in points (never infinite; an infinite value is treated as 0).
        shrink: f64,
    },
    /// A possible break with cost `penalty` (<= -10000 forces a break, >= 10000 forbids it);
    /// `width` is material added only when breaking here (e.g. a hyphen); `flagged` marks
    /// hyphen breaks (for double-hyphen and final-hyphen demerits and the consecutive-hyphen
    /// limit); `hang_right` is how far the inserted material (the hyphen) may protrude into
    /// the right margin.
    Penalty {
        /// Width of the material typeset only if the line breaks here.
        width: f64,
        /// Cost of breaking here (clamped to [-10000, 10000]).
        penalty: f64,
        /// A hyphenation break (ignored on forced breaks).
        flagged: bool,
        /// Protrusion of the break material into the right margin.
        hang_right: f64,
    },
}

impl Item {
    /// A box without protrusion.
    pub fn boxed(width: f64) -> Item {
        Item::Box {
            width,
            hang_left: 0.0,
            hang_right: 0.0,
        }
    }

    /// Glue with the given natural width, stretch and shrink.
    pub fn glue(width: f64, stretch: f64, shrink: f64) -> Item {
        Item::Glue {
            width,
            stretch,
            shrink,
        }
    }

    /// An unflagged penalty without break material.
    pub fn penalty(penalty: f64) -> Item {
        Item::Penalty {
            width: 0.0,
            penalty,
            flagged: false,
            hang_right: 0.0,
        }
    }

    /// A hyphenation point: a flagged penalty whose break material is a
    /// hyphen `width` wide (TeX's `\hyphenpenalty` is 50).
    pub fn hyphen(width: f64, penalty: f64) -> Item {
        Item::Penalty {
            width,
            penalty,
            flagged: true,
            hang_right: 0.0,
        }
    }
}

/// Appends TeX's end-of-paragraph sequence to `items`: removes trailing glue
/// (TeX's `\unskip`), then pushes `Penalty{10000}` (no break before the
/// fill), `Glue{0, FILL_STRETCH, 0}` (`\parfillskip`) and the forced
/// `Penalty{-10000}`. Does nothing to an empty list.
pub fn push_paragraph_end(items: &mut Vec<Item>) {
    while matches!(items.last(), Some(Item::Glue { .. })) {
        items.pop();
    }
    if items.is_empty() {
        return;
    }
    items.push(Item::penalty(INF_PENALTY));
    items.push(Item::glue(0.0, FILL_STRETCH, 0.0));
    items.push(Item::penalty(EJECT_PENALTY));
}

/// Tuning, defaults as in plain TeX (each constant documented with its reason/source).
#[derive(Clone, Debug)]
pub struct Params {
    /// Badness threshold of the first pass, which does not try flagged
    /// (hyphen) breaks. Plain TeX `\pretolerance=100`. A negative value skips
    /// the first pass, as in TeX (tex.web §863).
    pub pretolerance: f64,
    /// Badness threshold of the second pass (hyphenation allowed) and of the
    /// emergency pass. Plain TeX `\tolerance=200`.
    pub tolerance: f64,
    /// Extra stretch (pt) assumed on every line in the third pass (TeX's
    /// `\emergencystretch`, 0 in plain TeX, so the default is 0: the caller
    /// should set it, e.g. 1.5 em). The extra stretch only influences the
    /// choice of breaks; the returned ratios use the real glue. 0 skips the
    /// emergency pass (straight to the last-resort run).
    pub emergency_stretch: f64,
    /// Added to the badness of every line before squaring, so fewer lines are
    /// preferred. Plain TeX `\linepenalty=10`.
    pub line_penalty: f64,
    /// Demerits added when the fitness classes of adjacent lines differ by
    /// more than one (a tight line next to a loose one). Plain TeX
    /// `\adjdemerits=10000`.
    pub adj_demerits: f64,
    /// Demerits added when two consecutive lines end at flagged breaks.
    /// Plain TeX `\doublehyphendemerits=10000`.
    pub double_hyphen_demerits: f64,
    /// Demerits added when the penultimate line ends at a flagged break.
    /// Plain TeX `\finalhyphendemerits=5000`.
    pub final_hyphen_demerits: f64,
    /// Never more than this many consecutive lines ending at a flagged break
    /// (2 is the usual typographic rule, as LaTeX's/ConTeXt's hyphenation
    /// limits; TeX itself has no such limit). Forced breaks never count.
    pub max_consecutive_hyphens: usize,
    /// Make the paragraph this many lines longer (positive) or shorter
    /// (negative) than optimal if that is feasible. Plain TeX `\looseness=0`.
    pub looseness: i32,
    /// The adjustment ratio a line's badness is measured from (0 in TeX):
    /// with 0.3 a line at r = 0.3 costs nothing and one at r = 0 costs as
    /// much as one at r = 0.3 does normally. Feasibility (`tolerance`) and
    /// fitness classes still use the real ratio, and lines ending in
    /// infinite glue are not affected. quire sets it to even a paragraph's
    /// spacing out against the paragraph before it (see
    /// `Flow::paragraph`); the idea is Knuth & Plass's, who note that the
    /// badness function may be any increasing function of |r| (§3), here
    /// taken around a target instead of 0.
    pub target_ratio: f64,
    /// Lines from this index on all have the same width (TeX's `easy_line`,
    /// tex.web §847): active nodes past it are not told apart by line
    /// number, which keeps the active list short and the algorithm linear
    /// on long paragraphs. `usize::MAX` (the default) distinguishes every
    /// line, as a closure of arbitrary widths needs; ignored when
    /// `looseness` is not 0 (TeX does the same).
    pub same_width_from: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            pretolerance: 100.0,
            tolerance: 200.0,
            emergency_stretch: 0.0,
            line_penalty: 10.0,
            adj_demerits: 10000.0,
            double_hyphen_demerits: 10000.0,
            final_hyphen_demerits: 5000.0,
            max_consecutive_hyphens: 2,
            looseness: 0,
            target_ratio: 0.0,
            same_width_from: usize::MAX,
        }
    }
}

impl Params {
    /// The same parameters with every non-finite number replaced by its
    /// default (thresholds may be `+inf`, meaning "accept anything").
    fn sanitized(&self) -> Params {
        let d = Params::default();
        let pick = |x: f64, def: f64| if x.is_finite() { x } else { def };
        let threshold = |x: f64, def: f64| {
            if x.is_nan() || x == f64::NEG_INFINITY {
                def
            } else {
                x
            }
        };
        Params {
            pretolerance: threshold(self.pretolerance, d.pretolerance),
            tolerance: threshold(self.tolerance, d.tolerance),
            emergency_stretch: pick(self.emergency_stretch, 0.0).max(0.0),
            line_penalty: pick(self.line_penalty, d.line_penalty),
            adj_demerits: pick(self.adj_demerits, d.adj_demerits),
            double_hyphen_demerits: pick(self.double_hyphen_demerits, d.double_hyphen_demerits),
            final_hyphen_demerits: pick(self.final_hyphen_demerits, d.final_hyphen_demerits),
            max_consecutive_hyphens: self.max_consecutive_hyphens,
            looseness: self.looseness,
            target_ratio: pick(self.target_ratio, 0.0).clamp(-1.0, 1.0),
            same_width_from: self.same_width_from,
        }
    }
}

/// Which pass produced the result (in the order they run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pass {
    /// `pretolerance`, flagged breaks not tried (TeX's first pass).
    First,
    /// `tolerance`, flagged breaks tried (TeX's second pass).
    Second,
    /// `tolerance` plus `emergency_stretch` on every line, or, failing that,
    /// the last-resort run that accepts underfull and overfull lines.
    Emergency,
}

/// One chosen line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Index of the first item of the line (after discarding glue/penalties
    /// at the start, as TeX does; the first line starts at 0). Equals `end`
    /// for an empty line (only possible before a forced break).
    pub start: usize,
    /// Index of the break item (exclusive end of material; the break item
    /// itself is a glue/penalty, or `items.len()` at the end when the items
    /// do not end with a forced penalty). Glue at the break is not part of
    /// the line; the width of a penalty at the break is.
    pub end: usize,
    /// Adjustment ratio r as in the paper: the line is set by giving every
    /// glue `width + r·stretch` if r ≥ 0, `width + r·shrink` if r < 0. It is
    /// computed with the real glue (never the emergency stretch). 0 for a
    /// line at natural width, for an underfull line without stretch, and for
    /// a line containing infinite (`f64::INFINITY`) stretch: then the caller
    /// gives the whole shortfall to the infinite glue. −1 for an overfull
    /// line (shrunk as far as possible, as TeX does).
    pub ratio: f64,
    /// 100·|r|³, capped at 10000 ([`INF_BAD`]); 10001 for an overfull line.
    pub badness: f64,
    /// Ended at a flagged penalty.
    pub hyphenated: bool,
    /// Could not shrink enough (only possible in the emergency pass).
    pub overfull: bool,
    /// 0 tight (r < −0.5), 1 decent, 2 loose (0.5 < r ≤ 1), 3 very loose
    /// (r > 1, or underfull without stretch). From the real ratio.
    pub fitness: u8,
}

/// The result of breaking one paragraph.
#[derive(Clone, Debug, PartialEq)]
pub struct Breaks {
    /// The lines in order; they cover the items exactly once (items between
    /// one line's `end` and the next line's `start` are the break item and
    /// discarded glue/penalties).
    pub lines: Vec<Line>,
    /// The pass that produced the lines.
    pub pass: Pass,
    /// Total demerits of the chosen breaks, as computed in that pass (for
    /// the emergency pass, with the emergency stretch).
    pub demerits: f64,
}

// ---------------------------------------------------------------------------
// Preparation: sanitized items, running sums, legal breaks.

/// A legal breakpoint.
#[derive(Clone, Debug)]
struct Brk {
    /// Index of the break item, or `n` for the implicit final break.
    pos: usize,
    /// Penalty (0 for glue).
    penalty: f64,
    /// Width of the break material (penalty width).
    width: f64,
    /// Hyphen break (never for forced breaks).
    flagged: bool,
    /// Forced break (penalty <= -10000, or the final break).
    forced: bool,
    /// The final break of the paragraph.
    last: bool,
    /// Right protrusion if breaking here: (index of the protruding item, amount).
    hang: Option<(usize, f64)>,
    /// Where the next line's material starts.
    next_start: usize,
}

/// Items reduced to running sums (Knuth & Plass: Σw, Σy, Σz) plus the list
/// of legal breaks.
struct Prepared {
    /// `width[i]`: total width of boxes and glue in `items[..i]`.
    width: Vec<f64>,
    /// Total finite stretch in `items[..i]`.
    stretch: Vec<f64>,
    /// Total shrink in `items[..i]`.
    shrink: Vec<f64>,
    /// Number of infinite-stretch glues in `items[..i]`.
    fil: Vec<usize>,
    /// Left protrusion of item `i` when it starts a line (0 unless a box).
    hang_left: Vec<f64>,
    /// Legal breaks in order; the last one is the final break.
    breaks: Vec<Brk>,
}

/// Largest dimension taken at face value (pt); larger finite values are
/// clamped so that running sums can neither overflow nor lose all precision
/// (TeX's own limit, `\maxdimen`, is about 16384 pt).
const MAX_DIMEN: f64 = 1.0e12;

/// A finite value clamped to ±[`MAX_DIMEN`]; NaN and ±∞ become 0.
fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(-MAX_DIMEN, MAX_DIMEN)
    } else {
        0.0
    }
}

fn sanitize_penalty(p: f64) -> f64 {
    if p.is_nan() {
        INF_PENALTY
    } else {
        p.clamp(EJECT_PENALTY, INF_PENALTY)
    }
}

impl Prepared {
    fn new(items: &[Item]) -> Prepared {
        let n = items.len();
        let mut width = Vec::with_capacity(n + 1);
        let mut stretch = Vec::with_capacity(n + 1);
        let mut shrink = Vec::with_capacity(n + 1);
        let mut fil = Vec::with_capacity(n + 1);
        let mut hang_left = Vec::with_capacity(n + 1);
        let (mut w, mut y, mut z, mut f) = (0.0, 0.0, 0.0, 0usize);
        for item in items {
            width.push(w);
            stretch.push(y);
            shrink.push(z);
            fil.push(f);
            match *item {
                Item::Box {
                    width: bw,
                    hang_left: hl,
                    ..
                } => {
                    w += finite_or_zero(bw);
                    hang_left.push(finite_or_zero(hl));
                }
                Item::Glue {
                    width: gw,
                    stretch: gy,
                    shrink: gz,
                } => {
                    w += finite_or_zero(gw);
                    if gy == f64::INFINITY {
                        f += 1;
                    } else if gy > 0.0 {
                        y += finite_or_zero(gy);
                    }
                    if gz > 0.0 {
                        z += finite_or_zero(gz);
                    }
                    hang_left.push(0.0);
                }
                Item::Penalty { .. } => hang_left.push(0.0),
            }
        }
        width.push(w);
        stretch.push(y);
        shrink.push(z);
        fil.push(f);
        hang_left.push(0.0);

        let is_forced = |i: usize| {
            matches!(items[i], Item::Penalty { penalty, .. }
                if sanitize_penalty(penalty) <= EJECT_PENALTY)
        };
        // first_start[j]: first index >= j holding a box or a forced penalty
        // (where material resumes after a break), or n.
        let mut first_start = vec![n; n + 1];
        for j in (0..n).rev() {
            first_start[j] = if matches!(items[j], Item::Box { .. }) || is_forced(j) {
                j
            } else {
                first_start[j + 1]
            };
        }
        let final_pos = if n > 0 && is_forced(n - 1) { n - 1 } else { n };

        let mut breaks = Vec::new();
        // Last box before the current position, skipping only penalties
        // (which have no width unless broken at).
        let mut last_box: Option<usize> = None;
        for (i, item) in items.iter().enumerate().take(final_pos) {
            match *item {
                Item::Box { .. } => {}
                Item::Glue { .. } => {
                    if i > 0 {
                        if let Item::Box { hang_right, .. } = items[i - 1] {
                            breaks.push(Brk {
                                pos: i,
                                penalty: 0.0,
                                width: 0.0,
                                flagged: false,
                                forced: false,
                                last: false,
                                hang: Some((i - 1, finite_or_zero(hang_right))),
                                next_start: first_start[i + 1],
                            });
                        }
                    }
                }
                Item::Penalty {
                    width: pw,
                    penalty,
                    flagged,
                    hang_right,
                } => {
                    let p = sanitize_penalty(penalty);
                    if p < INF_PENALTY {
                        let forced = p <= EJECT_PENALTY;
                        let pw = finite_or_zero(pw);
                        let hang = if pw != 0.0 {
                            Some((i, finite_or_zero(hang_right)))
                        } else {
                            last_box.map(|b| (b, box_hang_right(&items[b])))
                        };
                        breaks.push(Brk {
                            pos: i,
                            penalty: p,
                            width: pw,
                            flagged: flagged && !forced,
                            forced,
                            last: false,
                            hang,
                            next_start: first_start[i + 1],
                        });
                    }
                }
            }
            match item {
                Item::Box { .. } => last_box = Some(i),
                Item::Glue { .. } => last_box = None,
                Item::Penalty { .. } => {}
            }
        }
        // The final break: the closing forced penalty, or an implicit one at n.
        let (fw, fhang) = match items.get(final_pos) {
            Some(&Item::Penalty {
                width, hang_right, ..
            }) if finite_or_zero(width) != 0.0 => (
                finite_or_zero(width),
                Some((final_pos, finite_or_zero(hang_right))),
            ),
            _ => (0.0, last_box.map(|b| (b, box_hang_right(&items[b])))),
        };
        breaks.push(Brk {
            pos: final_pos,
            penalty: EJECT_PENALTY,
            width: fw,
            flagged: false,
            forced: true,
            last: true,
            hang: fhang,
            next_start: n,
        });
        Prepared {
            width,
            stretch,
            shrink,
            fil,
            hang_left,
            breaks,
        }
    }

    /// Natural width, stretch, infinite-stretch count and shrink of the line
    /// whose material starts at `start` and which ends at `brk`, with
    /// protrusion subtracted from the width.
    fn line_sums(&self, start: usize, brk: &Brk) -> (f64, f64, usize, f64) {
        let end = brk.pos;
        let mut w = self.width[end] - self.width[start] + brk.width;
        if start < end {
            w -= self.hang_left[start];
            if let Some((at, hang)) = brk.hang {
                if at >= start {
                    w -= hang;
                }
            }
        }
        (
            w,
            self.stretch[end] - self.stretch[start],
            self.fil[end] - self.fil[start],
            self.shrink[end] - self.shrink[start],
        )
    }
}

fn box_hang_right(item: &Item) -> f64 {
    match *item {
        Item::Box { hang_right, .. } => finite_or_zero(hang_right),
        _ => 0.0,
    }
}

/// Widths closer than this (in points) are equal when a line is fitted.
/// Glyph advances are `f32` (about seven significant digits): a line summed
/// from them differs from the same text measured whole by some 1e-5 pt, and
/// without this tolerance a table cell set in exactly its natural width was
/// "overfull" by that much, and wrapped (`Pt::EPSILON`, far below a device
/// pixel).
pub const WIDTH_TOLERANCE: f64 = 1e-3;

/// How a line fits the measure.
#[derive(Clone, Copy, Debug)]
struct Fit {
    ratio: f64,
    badness: f64,
    fitness: u8,
    overfull: bool,
    /// How much an overfull line exceeds the measure after full shrinking.
    excess: f64,
}

/// 100·|r|³ capped at [`INF_BAD`] (Knuth & Plass eq. (2); tex.web §108).
fn badness_of(r: f64) -> f64 {
    let b = 100.0 * r.abs().powi(3);
    if b.is_nan() || b > INF_BAD {
        INF_BAD
    } else {
        b
    }
}

/// Adjustment ratio, badness and fitness class (tex.web §851–§853; the
/// paper's r) of a line with natural width `w`, stretch `y` (+`fil` infinite
/// glues) and shrink `z` against `measure`.
fn fit(w: f64, y: f64, fil: usize, z: f64, measure: f64) -> Fit {
    let shortfall = measure - w;
    let eps = (1e-9 * (1.0 + measure.abs() + w.abs())).max(WIDTH_TOLERANCE);
    if shortfall.abs() <= eps {
        return Fit {
            ratio: 0.0,
            badness: 0.0,
            fitness: 1,
            overfull: false,
            excess: 0.0,
        };
    }
    if shortfall > 0.0 {
        if fil > 0 {
            // Infinite stretch: badness 0, decent (tex.web §852).
            return Fit {
                ratio: 0.0,
                badness: 0.0,
                fitness: 1,
                overfull: false,
                excess: 0.0,
            };
        }
        if y <= 0.0 {
            return Fit {
                ratio: 0.0,
                badness: INF_BAD,
                fitness: 3,
                overfull: false,
                excess: 0.0,
            };
        }
        let r = shortfall / y;
        let fitness = if r > 1.0 {
            3
        } else if r > 0.5 {
            2
        } else {
            1
        };
        Fit {
            ratio: r,
            badness: badness_of(r),
            fitness,
            overfull: false,
            excess: 0.0,
        }
    } else {
        let excess = -shortfall;
        if z > 0.0 && excess <= z + eps {
            let r = -(excess / z).min(1.0);
            Fit {
                ratio: r,
                badness: badness_of(r),
                fitness: if r < -0.5 { 0 } else { 1 },
                overfull: false,
                excess: 0.0,
            }
        } else {
            Fit {
                ratio: if z > 0.0 { -1.0 } else { 0.0 },
                badness: INF_BAD + 1.0,
                fitness: 0,
                overfull: true,
                excess: excess - z.max(0.0),
            }
        }
    }
}

/// Demerits of one line (tex.web §859; Knuth & Plass eq. (4)), without the
/// terms that depend on the previous line.
fn line_demerits(params: &Params, f: &Fit, brk: &Brk) -> f64 {
    let lb = params.line_penalty + f.badness;
    let mut d = if lb.abs() >= 10000.0 {
        HUGE_DEMERITS
    } else {
        lb * lb
    };
    if !brk.forced {
        let p = brk.penalty;
        if p > 0.0 {
            d += p * p;
        } else if p < 0.0 {
            d -= p * p;
        }
    }
    if f.overfull {
        d += OVERFULL_DEMERITS * (1.0 + f.excess);
    }
    d
}

/// The line's fit with its badness measured from `params.target_ratio`
/// (unchanged for a target of 0, a line ending at a forced break, as the
/// last line of a paragraph, a line with infinite stretch, and an
/// infinitely bad or overfull line).
fn aimed(params: &Params, f: Fit, fil: usize, brk: &Brk) -> Fit {
    let plain = brk.forced || fil > 0 || f.overfull || f.badness >= INF_BAD;
    if params.target_ratio == 0.0 || plain {
        return f;
    }
    Fit {
        badness: badness_of(f.ratio - params.target_ratio),
        ..f
    }
}

/// Demerits that depend on the previous line: adjacent fitness classes,
/// double hyphens and final hyphen (tex.web §859).
fn pair_demerits(
    params: &Params,
    prev_fitness: u8,
    prev_flagged: bool,
    fitness: u8,
    brk: &Brk,
) -> f64 {
    let mut d = 0.0;
    if prev_flagged {
        if brk.last {
            d += params.final_hyphen_demerits;
        } else if brk.flagged {
            d += params.double_hyphen_demerits;
        }
    }
    if prev_fitness.abs_diff(fitness) > 1 {
        d += params.adj_demerits;
    }
    d
}

/// Line widths from the caller's closure, sanitized (non-finite → 0) and
/// cached.
struct Measures<'a> {
    f: &'a dyn Fn(usize) -> f64,
    cache: Vec<f64>,
}

impl Measures<'_> {
    fn get(&mut self, line: usize) -> f64 {
        while self.cache.len() <= line {
            let v = (self.f)(self.cache.len());
            self.cache.push(finite_or_zero(v));
        }
        self.cache[line]
    }
}

// ---------------------------------------------------------------------------
// The total-fit algorithm.

/// One run of the algorithm.
#[derive(Clone, Copy, Debug)]
struct RunCfg {
    threshold: f64,
    allow_flagged: bool,
    background_stretch: f64,
    last_resort: bool,
}

/// A feasible breakpoint (Knuth & Plass's "passive node"; an "active node"
/// while it can still start a line).
#[derive(Clone, Debug)]
struct Node {
    /// Index into `Prepared::breaks`, `None` for the paragraph start.
    brk: Option<usize>,
    /// Where the material of the line starting here begins.
    start: usize,
    /// Number of lines before this break (= index of the next line).
    line: usize,
    fitness: u8,
    /// Consecutive lines ending at flagged breaks, up to and including this one.
    hyphens: usize,
    total: f64,
    prev: Option<usize>,
}

#[cfg(test)]
thread_local! {
    /// How many (active node, break) pairs were evaluated: the algorithm's work.
    static EVALUATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs one pass. Returns the node arena and the indices of the nodes at the
/// final break, or `None` if no feasible set of breaks exists.
fn run(
    prep: &Prepared,
    measures: &mut Measures<'_>,
    params: &Params,
    cfg: RunCfg,
) -> Option<(Vec<Node>, Vec<usize>)> {
    let mut nodes = vec![Node {
        brk: None,
        start: 0,
        line: 0,
        fitness: 1, // tex.web §864: the first active node is decent.
        hyphens: 0,
        total: 0.0,
        prev: None,
    }];
    let mut active: Vec<usize> = vec![0];
    let mut kept: Vec<usize> = Vec::new();
    // Best candidate per (line, fitness, hyphens): (total, predecessor).
    let mut cands: Vec<((usize, u8, usize), f64, usize)> = Vec::new();

    for (bi, brk) in prep.breaks.iter().enumerate() {
        if brk.flagged && !cfg.allow_flagged {
            continue;
        }
        cands.clear();
        kept.clear();
        for &ai in &active {
            let a = &nodes[ai];
            if a.start > brk.pos {
                // The line has not started yet (b is a discardable penalty
                // between a break and the next box).
                kept.push(ai);
                continue;
            }
            #[cfg(test)]
            EVALUATIONS.with(|e| e.set(e.get() + 1));
            let (w, y, fil, z) = prep.line_sums(a.start, brk);
            let f = fit(w, y + cfg.background_stretch, fil, z, measures.get(a.line));
            let hyphens = if brk.flagged {
                a.hyphens.saturating_add(1)
            } else {
                0
            };
            let allowed = hyphens <= params.max_consecutive_hyphens;
            let feasible = cfg.last_resort || (!f.overfull && f.badness <= cfg.threshold + 1e-9);
            if feasible && allowed {
                let a_flagged = a.hyphens > 0;
                let d = line_demerits(params, &aimed(params, f, fil, brk), brk)
                    + pair_demerits(params, a.fitness, a_flagged, f.fitness, brk);
                let total = a.total + d;
                let line = if params.looseness == 0 {
                    (a.line + 1).min(params.same_width_from)
                } else {
                    a.line + 1
                };
                let key = (line, f.fitness, hyphens);
                match cands.iter_mut().find(|c| c.0 == key) {
                    Some(c) => {
                        if total < c.1 {
                            c.1 = total;
                            c.2 = ai;
                        }
                    }
                    None => cands.push((key, total, ai)),
                }
            }
            // Deactivate when the line got overfull (it can only get longer)
            // or a forced break is passed (tex.web §851, §854). In the last
            // resort an overfull node that could not record a break here
            // (hyphen limit) stays, so that the active list never empties.
            let deactivate = brk.forced || f.overfull;
            if !deactivate || (cfg.last_resort && !allowed && !brk.forced) {
                kept.push(ai);
            }
        }
        std::mem::swap(&mut active, &mut kept);
        let first_new = nodes.len();
        for &((line, fitness, hyphens), total, prev) in &cands {
            nodes.push(Node {
                brk: Some(bi),
                start: brk.next_start,
                line,
                fitness,
                hyphens,
                total,
                prev: Some(prev),
            });
        }
        if brk.last {
            let finals: Vec<usize> = (first_new..nodes.len()).collect();
            return if finals.is_empty() {
                None
            } else {
                Some((nodes, finals))
            };
        }
        active.extend(first_new..nodes.len());
        if active.is_empty() {
            return None;
        }
    }
    None
}

/// Chooses among the final nodes: the fewest demerits, or for a nonzero
/// looseness the line count closest to optimal + looseness (tex.web §875).
/// Returns the node and whether the looseness was met.
fn choose(nodes: &[Node], finals: &[usize], looseness: i32) -> (usize, bool) {
    let mut best = finals[0];
    for &f in finals {
        if nodes[f].total < nodes[best].total {
            best = f;
        }
    }
    if looseness == 0 {
        return (best, true);
    }
    let best_line = nodes[best].line as i64;
    let looseness = i64::from(looseness);
    let mut chosen = best;
    let mut actual = 0i64;
    for &f in finals {
        let diff = nodes[f].line as i64 - best_line;
        if (diff < actual && looseness <= diff) || (diff > actual && looseness >= diff) {
            chosen = f;
            actual = diff;
        } else if diff == actual && nodes[f].total < nodes[chosen].total {
            chosen = f;
        }
    }
    (chosen, actual == looseness)
}

/// Builds the output lines for a chain of nodes ending at `last`.
fn build(
    prep: &Prepared,
    measures: &mut Measures<'_>,
    nodes: &[Node],
    last: usize,
    pass: Pass,
) -> Breaks {
    let mut chain = Vec::new();
    let mut cur = Some(last);
    while let Some(i) = cur {
        chain.push(i);
        cur = nodes[i].prev;
    }
    chain.reverse();
    let lines = chain
        .windows(2)
        .map(|pair| {
            let (a, b) = (&nodes[pair[0]], &nodes[pair[1]]);
            let brk = &prep.breaks[b.brk.unwrap_or(0)];
            make_line(prep, a.start, a.line, brk, measures)
        })
        .collect();
    Breaks {
        lines,
        pass,
        demerits: nodes[last].total,
    }
}

fn make_line(
    prep: &Prepared,
    start: usize,
    line: usize,
    brk: &Brk,
    measures: &mut Measures<'_>,
) -> Line {
    let (w, y, fil, z) = prep.line_sums(start, brk);
    let f = fit(w, y, fil, z, measures.get(line));
    Line {
        start,
        end: brk.pos,
        ratio: f.ratio,
        badness: f.badness,
        hyphenated: brk.flagged,
        overfull: f.overfull,
        fitness: f.fitness,
    }
}

/// Break `items` into lines whose widths are `line_width(line_index)`
/// (0-based; allows a different first-line measure or a hanging shape).
///
/// # Building the items
///
/// Words are [`Item::Box`]es (split into several boxes at hyphenation
/// points, with an [`Item::hyphen`] flagged penalty between the pieces),
/// interword spaces are [`Item::Glue`]. The caller ends a paragraph the TeX
/// way (TeXbook ch. 14): remove trailing glue, then append
/// `Penalty{10000}` (no break), `Glue{0, fill-stretch, 0}` (e.g.
/// [`FILL_STRETCH`] or `f64::INFINITY`), `Penalty{-10000}` (forced);
/// [`push_paragraph_end`] does exactly this. Without that ending the items
/// are treated as ending with an implicit forced break at `items.len()`
/// and the last line is justified like the others. A forced break inside
/// the paragraph is `Penalty{-10000}`; to leave that line ragged (LaTeX's
/// `\\`), put `Penalty{10000}, Glue{0, fill, 0}` before it.
///
/// # Passes
///
/// Pass 1 (`pretolerance`, no flagged breaks; skipped if pretolerance < 0)
/// → pass 2 (`tolerance`, with flagged) → pass 3 emergency (`tolerance` +
/// `emergency_stretch` on every line; skipped if that is 0) → last resort
/// (reported as [`Pass::Emergency`]): every line is acceptable, infinitely
/// bad lines cost 10⁸ demerits and overfull lines 10¹⁰ × (1 + excess) more,
/// so the least-bad breaks are chosen and a paragraph ALWAYS breaks. Every
/// line ends at a legal break; a box wider than the measure gives an
/// overfull line (`overfull: true`).
///
/// # Protrusion
///
/// A line's natural width is reduced by the `hang_left` of its first item
/// when that is a box, and by the `hang_right` of the last box before the
/// break (penalties between that box and the break are skipped; glue is
/// not, so a line ending in glue does not protrude), or, when the break is
/// at a penalty with nonzero width, by the penalty's `hang_right` instead.
/// So a line's material may be up to that much wider than the measure; the
/// caller shifts the line left by the first box's `hang_left`.
///
/// Non-finite widths, stretch and shrink are treated as 0 (except
/// `f64::INFINITY` stretch, which is TeX's infinite glue); a NaN penalty
/// forbids the break; a non-finite line width is 0. Never panics, never
/// loops; the work is O(items × active nodes). Empty `items` give zero
/// lines.
pub fn break_lines(items: &[Item], line_width: &dyn Fn(usize) -> f64, params: &Params) -> Breaks {
    if items.is_empty() {
        return Breaks {
            lines: Vec::new(),
            pass: Pass::First,
            demerits: 0.0,
        };
    }
    let params = params.sanitized();
    let prep = Prepared::new(items);
    let mut measures = Measures {
        f: line_width,
        cache: Vec::new(),
    };
    let mut passes = Vec::with_capacity(3);
    if params.pretolerance >= 0.0 {
        passes.push((
            Pass::First,
            RunCfg {
                threshold: params.pretolerance,
                allow_flagged: false,
                background_stretch: 0.0,
                last_resort: false,
            },
        ));
    }
    passes.push((
        Pass::Second,
        RunCfg {
            threshold: params.tolerance,
            allow_flagged: true,
            background_stretch: 0.0,
            last_resort: false,
        },
    ));
    if params.emergency_stretch > 0.0 {
        passes.push((
            Pass::Emergency,
            RunCfg {
                threshold: params.tolerance,
                allow_flagged: true,
                background_stretch: params.emergency_stretch,
                last_resort: false,
            },
        ));
    }
    let mut fallback: Option<Breaks> = None;
    for (pass, cfg) in passes {
        if let Some((nodes, finals)) = run(&prep, &mut measures, &params, cfg) {
            let (best, met) = choose(&nodes, &finals, params.looseness);
            let breaks = build(&prep, &mut measures, &nodes, best, pass);
            if met {
                return breaks;
            }
            fallback = Some(breaks);
        }
    }
    if let Some(breaks) = fallback {
        // Looseness could not be met: keep the latest feasible result, as
        // TeX does after its final pass.
        return breaks;
    }
    let cfg = RunCfg {
        threshold: f64::INFINITY,
        allow_flagged: true,
        background_stretch: params.emergency_stretch,
        last_resort: true,
    };
    match run(&prep, &mut measures, &params, cfg) {
        Some((nodes, finals)) => {
            // Nothing is feasible: ignore looseness, take the least bad.
            let (best, _) = choose(&nodes, &finals, 0);
            build(&prep, &mut measures, &nodes, best, Pass::Emergency)
        }
        // Unreachable in theory (the last resort always keeps a node); be
        // safe anyway.
        None => {
            let mut b = first_fit(items, line_width, &params);
            b.pass = Pass::Emergency;
            b
        }
    }
}

/// Breaks a paragraph as [`break_lines`] does, then evens it out against
/// its neighbour, the paragraph before it, whose mean adjustment ratio
/// ([`colour`]) is `before`.
///
/// Total fit chooses each paragraph's breaks on its own, so a paragraph
/// that can only be set loose may stand beside one set tight with a hyphen
/// on most lines. Two more tries, each kept only when it is found in the
/// same pass (so within the same tolerance) and adds no hyphen:
/// - a paragraph with three hyphenated line ends in four lines is set again
///   with no two hyphenated lines in a row (`max_consecutive_hyphens` 1;
///   three of four always include two in a row);
/// - a paragraph whose mean ratio differs from `before` by more than
///   [`EVEN_APART`] is set again with line badness measured from halfway
///   between `before` and 0 ([`Params::target_ratio`]: halfway, so that one
///   loose paragraph does not loosen all the ones after it), and kept when
///   its mean ratio comes at least [`EVEN_GAIN`] nearer `before` with no
///   line looser than the loosest of the first try (or r = 1).
///
/// A paragraph's mean ratio is nearly fixed by its line count and the
/// length of its last line (the other lines share the same material
/// whichever way it is broken), so evening mostly moves words to or from
/// the last line; many paragraphs have no such choice within the tolerance
/// and stay as they are. The neighbour is the previous paragraph only, so
/// the text is evened as it is read; a paragraph set tight before a loose one is evened when the
/// loose one cannot be (it is loose because it has no other breaks).
pub fn break_evened(
    items: &[Item],
    line_width: &dyn Fn(usize) -> f64,
    params: &Params,
    before: Option<f64>,
) -> Breaks {
    let mut breaks = break_lines(items, line_width, params);
    let mut params = params.clone();
    if crowded_hyphens(&breaks) {
        params.max_consecutive_hyphens = params.max_consecutive_hyphens.min(1);
        let spaced = break_lines(items, line_width, &params);
        let no_more = hyphen_count(&spaced) <= hyphen_count(&breaks);
        if spaced.pass <= breaks.pass && no_more && !crowded_hyphens(&spaced) {
            breaks = spaced;
        }
    }
    let (Some(before), Some(own)) = (before.filter(|b| b.is_finite()), colour(&breaks)) else {
        return breaks;
    };
    if (own - before).abs() <= EVEN_APART {
        return breaks;
    }
    params.target_ratio = (before / 2.0).clamp(-0.5, 0.5);
    let evened = break_lines(items, line_width, &params);
    let nearer =
        colour(&evened).is_some_and(|c| (c - before).abs() + EVEN_GAIN <= (own - before).abs());
    if nearer
        && evened.pass <= breaks.pass
        && loosest(&evened) <= loosest(&breaks).max(1.0)
        && hyphen_count(&evened) <= hyphen_count(&breaks)
        && !crowded_hyphens(&evened)
    {
        breaks = evened;
    }
    breaks
}

/// How far (in adjustment ratio) a paragraph's mean spacing may differ
/// from the previous paragraph's before it is set again against it. With
/// TeX's interword stretch of half a space, 0.3 is about 0.04 em of space
/// in a roman font; smaller differences are left alone (most neighbours in
/// the books measured differ by less).
const EVEN_APART: f64 = 0.3;

/// The mean adjustment ratio of a paragraph's justified lines (all but the
/// last), or `None` for a paragraph of fewer than three lines.
pub fn colour(breaks: &Breaks) -> Option<f64> {
    let lines = breaks.lines.split_last()?.1;
    if lines.len() < 2 {
        return None;
    }
    Some(lines.iter().map(|l| l.ratio).sum::<f64>() / lines.len() as f64)
}

/// How much nearer its neighbour's spacing an evened paragraph must come
/// to be kept (in adjustment ratio).
const EVEN_GAIN: f64 = 0.1;

/// The largest adjustment ratio of a paragraph's justified lines.
fn loosest(breaks: &Breaks) -> f64 {
    let lines = breaks.lines.split_last().map_or(&[][..], |(_, l)| l);
    lines
        .iter()
        .map(|l| l.ratio)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Lines ending in a hyphen the breaker added.
fn hyphen_count(breaks: &Breaks) -> usize {
    breaks.lines.iter().filter(|l| l.hyphenated).count()
}

/// Whether three of any four lines in a row end in a hyphen.
fn crowded_hyphens(breaks: &Breaks) -> bool {
    breaks
        .lines
        .windows(4)
        .any(|w| w.iter().filter(|l| l.hyphenated).count() >= 3)
}

/// Greedy first-fit breaking ("the method used by most systems" in Knuth &
/// Plass §1): put as much on each line as fits (shrinking if needed) and
/// break at the last legal break that fits; a line with nothing that fits
/// ends, overfull, at the first break. Flagged breaks are allowed (within
/// `max_consecutive_hyphens`), forced breaks are respected, protrusion is
/// as in [`break_lines`]. `demerits` is computed with the same formula as
/// [`break_lines`] (including 10⁸ for infinitely bad lines and the overfull
/// surcharge). `pass` is [`Pass::Second`] (hyphenation allowed).
pub fn first_fit(items: &[Item], line_width: &dyn Fn(usize) -> f64, params: &Params) -> Breaks {
    if items.is_empty() {
        return Breaks {
            lines: Vec::new(),
            pass: Pass::Second,
            demerits: 0.0,
        };
    }
    let params = params.sanitized();
    let prep = Prepared::new(items);
    let mut measures = Measures {
        f: line_width,
        cache: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut demerits = 0.0;
    // Current line: start of material, previous line's fitness and hyphen run.
    let (mut start, mut prev_fit, mut prev_hyph) = (0usize, 1u8, 0usize);
    let mut best: Option<usize> = None; // last break that fits
    let mut i = 0;
    let nb = prep.breaks.len();
    // Each step either advances `i` or emits a line (which moves `start`
    // past a break), so the loop ends after at most 2·nb steps.
    while i < nb {
        let brk = &prep.breaks[i];
        if start > brk.pos {
            i += 1;
            continue;
        }
        let (w, y, fil, z) = prep.line_sums(start, brk);
        let f = fit(w, y, fil, z, measures.get(lines.len()));
        let hyph = if brk.flagged {
            prev_hyph.saturating_add(1)
        } else {
            0
        };
        let allowed = hyph <= params.max_consecutive_hyphens;
        let take = if !f.overfull {
            if brk.forced {
                Some(i)
            } else {
                if allowed {
                    best = Some(i);
                }
                None
            }
        } else {
            Some(best.unwrap_or(i))
        };
        if let Some(t) = take {
            let tb = &prep.breaks[t];
            let (w, y, fil, z) = prep.line_sums(start, tb);
            let f = fit(w, y, fil, z, measures.get(lines.len()));
            demerits += line_demerits(&params, &f, tb)
                + pair_demerits(&params, prev_fit, prev_hyph > 0, f.fitness, tb);
            lines.push(make_line(&prep, start, lines.len(), tb, &mut measures));
            prev_fit = f.fitness;
            prev_hyph = if tb.flagged {
                prev_hyph.saturating_add(1)
            } else {
                0
            };
            start = tb.next_start;
            best = None;
            if tb.last {
                break;
            }
            // Re-examine the breaks after the chosen one.
            i = t + 1;
        } else {
            i += 1;
        }
    }
    Breaks {
        lines,
        pass: Pass::Second,
        demerits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    // ----- helpers -----------------------------------------------------------

    const TOL: f64 = 1e-6;

    fn bx(w: f64) -> Item {
        Item::boxed(w)
    }

    fn sp() -> Item {
        Item::glue(6.0, 3.0, 2.0)
    }

    fn fixed(w: f64) -> impl Fn(usize) -> f64 {
        move |_| w
    }

    fn is_box(it: &Item) -> bool {
        matches!(it, Item::Box { .. })
    }

    fn is_forced(it: &Item) -> bool {
        matches!(it, Item::Penalty { penalty, .. } if *penalty <= EJECT_PENALTY)
    }

    /// Where material resumes after a break at `b` (independent of the
    /// implementation's tables).
    fn start_after(items: &[Item], b: usize) -> usize {
        let mut j = b + 1;
        while j < items.len() && !is_box(&items[j]) && !is_forced(&items[j]) {
            j += 1;
        }
        j
    }

    /// Natural width (with protrusion), stretch and shrink of items[start..end]
    /// broken at `end`, summed item by item.
    fn metrics(items: &[Item], start: usize, end: usize) -> (f64, f64, f64) {
        let (mut w, mut y, mut z) = (0.0, 0.0, 0.0);
        for it in &items[start..end] {
            match *it {
                Item::Box { width, .. } => w += width,
                Item::Glue {
                    width,
                    stretch,
                    shrink,
                } => {
                    w += width;
                    y += stretch;
                    z += shrink;
                }
                Item::Penalty { .. } => {}
            }
        }
        if start < end {
            if let Item::Box { hang_left, .. } = items[start] {
                w -= hang_left;
            }
            let mut right = None;
            if let Some(Item::Penalty {
                width, hang_right, ..
            }) = items.get(end)
            {
                if *width != 0.0 {
                    right = Some(*hang_right);
                }
            }
            if right.is_none() {
                let mut j = end;
                while j > start {
                    j -= 1;
                    match items[j] {
                        Item::Penalty { .. } => continue,
                        Item::Box { hang_right, .. } => right = Some(hang_right),
                        Item::Glue { .. } => {}
                    }
                    break;
                }
            }
            w -= right.unwrap_or(0.0);
        }
        if let Some(Item::Penalty { width, .. }) = items.get(end) {
            w += width;
        }
        (w, y, z)
    }

    /// The width of a returned line when set with its ratio.
    fn set_width(items: &[Item], line: &Line) -> f64 {
        let (w, y, z) = metrics(items, line.start, line.end);
        if line.ratio >= 0.0 {
            w + line.ratio * y
        } else {
            w + line.ratio * z
        }
    }

    fn is_legal_break(items: &[Item], i: usize) -> bool {
        match items.get(i) {
            None => i == items.len(),
            Some(Item::Glue { .. }) => i > 0 && is_box(&items[i - 1]),
            Some(Item::Penalty { penalty, .. }) => *penalty < INF_PENALTY,
            Some(Item::Box { .. }) => false,
        }
    }

    /// Lines cover every item exactly once, end at legal breaks, and only
    /// discardable items are dropped.
    fn check_cover(items: &[Item], br: &Breaks) {
        if items.is_empty() {
            assert!(br.lines.is_empty());
            return;
        }
        assert!(!br.lines.is_empty());
        assert_eq!(br.lines[0].start, 0);
        for (k, l) in br.lines.iter().enumerate() {
            assert!(l.start <= l.end, "line {k}: {l:?}");
            assert!(is_legal_break(items, l.end), "line {k} ends at {}", l.end);
            for i in l.start..l.end {
                if k + 1 < br.lines.len() || i + 1 < items.len() {
                    assert!(!is_forced(&items[i]), "forced break {i} inside line {k}");
                }
            }
            if let Some(next) = br.lines.get(k + 1) {
                assert!(next.start > l.end);
                assert_eq!(next.start, start_after(items, l.end));
                for it in &items[l.end + 1..next.start] {
                    assert!(!is_box(it), "a box was dropped");
                }
            }
        }
        let last = br.lines.last().unwrap();
        let n = items.len();
        assert!(
            last.end == n || (last.end == n - 1 && is_forced(&items[n - 1])),
            "last line ends at {} of {n}",
            last.end
        );
    }

    /// Every line but the last, set with its ratio, fills the measure.
    fn check_justified(items: &[Item], br: &Breaks, width: &dyn Fn(usize) -> f64) {
        for (k, l) in br.lines.iter().enumerate().take(br.lines.len() - 1) {
            let got = set_width(items, l);
            assert!(
                (got - width(k)).abs() < TOL,
                "line {k} set to {got}, measure {}: {l:?}",
                width(k)
            );
        }
    }

    /// cmr10-like widths in units of 1/18 em, after the paper's example.
    fn char_width(c: char) -> f64 {
        match c {
            'a' | 'g' | 'o' | 'v' => 9.0,
            'b' | 'd' | 'h' | 'k' | 'n' | 'p' | 'q' | 'u' | 'x' | 'y' => 10.0,
            'c' | 'e' | 'z' => 8.0,
            'f' | 'j' | 'I' | '-' => 6.0,
            'i' | 'l' | ',' | ';' | '.' | '\'' => 5.0,
            'm' => 15.0,
            'r' | 's' | 't' => 7.0,
            'w' => 13.0,
            _ => 13.0,
        }
    }

    fn word_width(s: &str) -> f64 {
        s.chars().map(char_width).sum()
    }

    /// Text to items: words are boxes, explicit hyphens are flagged
    /// penalties (TeX's \exhyphenpenalty 50), spaces are 6/3/2 glue (more
    /// after punctuation); the TeX paragraph ending is appended.
    fn para(text: &str) -> Vec<Item> {
        let mut items = Vec::new();
        let mut prev = "";
        for (k, word) in text.split_whitespace().enumerate() {
            if k > 0 {
                // Interword glue as in the paper: wider and more elastic
                // after punctuation.
                items.push(match prev.chars().last() {
                    Some(',') => Item::glue(6.0, 4.0, 2.0),
                    Some(';') => Item::glue(6.0, 4.0, 1.0),
                    Some('.') => Item::glue(8.0, 6.0, 1.0),
                    _ => sp(),
                });
            }
            prev = word;
            let parts: Vec<&str> = word.split_inclusive('-').collect();
            for (j, part) in parts.iter().enumerate() {
                if j > 0 {
                    items.push(Item::hyphen(0.0, 50.0));
                }
                items.push(bx(word_width(part)));
            }
        }
        push_paragraph_end(&mut items);
        items
    }

    const FROG_KING: &str = "In olden times when wishing still helped one, there lived a king \
        whose daughters were all beautiful; and the youngest was so beautiful that the sun \
        itself, which has seen so much, was astonished whenever it shone in her face. Close \
        by the king's castle lay a great dark forest, and under an old lime-tree in the \
        forest was a well, and when the day was very warm, the king's child went out into \
        the forest and sat down by the side of the cool fountain; and when she was bored \
        she took a golden ball, and threw it up on high and caught it; and this ball was \
        her favorite plaything.";

    /// Memo of [`optimum`]: (line start, previous fitness, hyphen run, line) → best.
    type Memo = HashMap<(usize, u8, usize, usize), Option<f64>>;

    /// Independent reference: the minimum total demerits over all break
    /// sequences whose lines are all feasible (badness <= threshold, not
    /// overfull), enumerated recursively. With `memo` it is memoised on the
    /// state (previous break, fitness, hyphen run, line number), which does
    /// not change the result, only the running time.
    fn optimum(
        items: &[Item],
        width: &dyn Fn(usize) -> f64,
        params: &Params,
        allow_flagged: bool,
        threshold: f64,
        memo: bool,
    ) -> Option<f64> {
        let n = items.len();
        let final_pos = if is_forced(&items[n - 1]) { n - 1 } else { n };
        let mut breaks: Vec<usize> = (0..final_pos)
            .filter(|&i| is_legal_break(items, i))
            .filter(|&i| {
                allow_flagged
                    || is_forced(&items[i])
                    || !matches!(items[i], Item::Penalty { flagged: true, .. })
            })
            .collect();
        breaks.push(final_pos);
        struct Ctx<'a> {
            items: &'a [Item],
            width: &'a dyn Fn(usize) -> f64,
            params: &'a Params,
            threshold: f64,
            breaks: Vec<usize>,
            final_pos: usize,
            memo: Option<Memo>,
        }
        // Best demerits from the state "line `line` starts at `start`".
        fn rec(
            c: &mut Ctx,
            from: usize,
            start: usize,
            fit_prev: u8,
            hyph: usize,
            line: usize,
        ) -> Option<f64> {
            let key = (start, fit_prev, hyph, line);
            if let Some(m) = &c.memo {
                if let Some(v) = m.get(&key) {
                    return *v;
                }
            }
            let mut best: Option<f64> = None;
            for bi in from..c.breaks.len() {
                let b = c.breaks[bi];
                if b < start {
                    continue;
                }
                let it = c.items.get(b);
                let forced = b == c.final_pos || it.is_some_and(is_forced);
                let (p, flagged) = match it {
                    Some(Item::Penalty {
                        penalty, flagged, ..
                    }) if !forced => (*penalty, *flagged),
                    _ => (0.0, false),
                };
                let (w, y, z) = metrics(c.items, start, b);
                let l = (c.width)(line);
                let (r, bad) = if (w - l).abs() < 1e-9 {
                    (0.0, 0.0)
                } else if w < l {
                    if y > 0.0 {
                        let r = (l - w) / y;
                        (r, (100.0 * r * r * r).min(INF_BAD))
                    } else {
                        (f64::INFINITY, INF_BAD)
                    }
                } else if z > 0.0 && w - l <= z + 1e-9 {
                    let r = (l - w) / z;
                    (r, 100.0 * (-r) * (-r) * (-r))
                } else {
                    break; // overfull: longer lines are worse still
                };
                let h = if flagged { hyph + 1 } else { 0 };
                if bad <= c.threshold + 1e-9 && h <= c.params.max_consecutive_hyphens {
                    let fitness = if r > 1.0 {
                        3
                    } else if r > 0.5 {
                        2
                    } else if r >= -0.5 {
                        1
                    } else {
                        0
                    };
                    let t = c.params.target_ratio;
                    let aimed = if t != 0.0 && !forced && bad < INF_BAD {
                        (100.0 * (r - t).abs().powi(3)).min(INF_BAD)
                    } else {
                        bad
                    };
                    let lb = c.params.line_penalty + aimed;
                    let mut d = if lb.abs() >= 10000.0 { 1e8 } else { lb * lb };
                    if !forced {
                        d += p.signum() * p * p;
                    }
                    if hyph > 0 && b == c.final_pos {
                        d += c.params.final_hyphen_demerits;
                    } else if hyph > 0 && flagged {
                        d += c.params.double_hyphen_demerits;
                    }
                    if (fitness as i32 - fit_prev as i32).abs() > 1 {
                        d += c.params.adj_demerits;
                    }
                    let rest = if b == c.final_pos {
                        Some(0.0)
                    } else {
                        let s = start_after(c.items, b);
                        rec(c, bi + 1, s, fitness, h, line + 1)
                    };
                    if let Some(rest) = rest {
                        let t = d + rest;
                        if best.is_none_or(|x| t < x) {
                            best = Some(t);
                        }
                    }
                }
                if forced {
                    break; // a line cannot pass a forced break
                }
            }
            if let Some(m) = &mut c.memo {
                m.insert(key, best);
            }
            best
        }
        let mut c = Ctx {
            items,
            width,
            params,
            threshold,
            breaks,
            final_pos,
            memo: memo.then(HashMap::new),
        };
        rec(&mut c, 0, 0, 1, 0, 0)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
    }

    /// A small deterministic pseudo-random generator (no dependencies).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn range(&mut self, lo: u64, hi: u64) -> u64 {
            lo + self.next() % (hi - lo + 1)
        }
    }

    // ----- tests -------------------------------------------------------------

    #[test]
    fn empty_items_give_no_lines() {
        let br = break_lines(&[], &fixed(100.0), &Params::default());
        assert!(br.lines.is_empty());
        assert_eq!(br.demerits, 0.0);
        assert!(first_fit(&[], &fixed(100.0), &Params::default())
            .lines
            .is_empty());
    }

    #[test]
    fn badness_and_fitness_classes_follow_tex() {
        let f = fit(90.0, 10.0, 0, 5.0, 100.0);
        assert_eq!((f.ratio, f.badness, f.fitness), (1.0, 100.0, 2));
        let f = fit(80.0, 10.0, 0, 5.0, 100.0);
        assert_eq!((f.ratio, f.badness, f.fitness), (2.0, 800.0, 3));
        let f = fit(95.0, 10.0, 0, 5.0, 100.0);
        assert_eq!((f.ratio, f.fitness), (0.5, 1));
        let f = fit(103.0, 10.0, 0, 5.0, 100.0);
        assert!((f.ratio + 0.6).abs() < 1e-12 && f.fitness == 0);
        let f = fit(102.5, 10.0, 0, 5.0, 100.0);
        assert!((f.ratio + 0.5).abs() < 1e-12 && f.fitness == 1);
        let f = fit(106.0, 10.0, 0, 5.0, 100.0);
        assert!(f.overfull && f.badness > INF_BAD);
        let f = fit(50.0, 10.0, 0, 5.0, 100.0);
        assert_eq!(f.badness, INF_BAD);
        let f = fit(50.0, 0.0, 1, 0.0, 100.0);
        assert_eq!((f.ratio, f.badness, f.fitness), (0.0, 0.0, 1));
    }

    #[test]
    fn frog_king_lines_fill_the_measure_and_are_optimal() {
        let items = para(FROG_KING);
        let params = Params::default();
        let mut emergencies = 0;
        for measure in (330..=520).step_by(10) {
            let m = measure as f64;
            let br = break_lines(&items, &fixed(m), &params);
            check_cover(&items, &br);
            check_justified(&items, &br, &fixed(m));
            if br.pass == Pass::Emergency {
                // Only if no feasible solution exists at `tolerance`.
                assert!(optimum(&items, &fixed(m), &params, true, 200.0, true).is_none());
                emergencies += 1;
                // An emergency stretch of one em rescues these widths.
                let p = Params {
                    emergency_stretch: 18.0,
                    ..Params::default()
                };
                let br = break_lines(&items, &fixed(m), &p);
                check_cover(&items, &br);
                check_justified(&items, &br, &fixed(m));
                assert!(br.lines.iter().all(|l| !l.overfull && l.badness < INF_BAD));
                continue;
            }
            let threshold = if br.pass == Pass::First { 100.0 } else { 200.0 };
            for l in &br.lines {
                assert!(!l.overfull && l.badness <= threshold + 1e-9);
                assert!(l.ratio >= -1.0 && l.ratio <= 1.26);
            }
            let last = br.lines.last().unwrap();
            assert!(last.ratio >= 0.0 && last.ratio < 1e-3);
            let best = optimum(
                &items,
                &fixed(m),
                &params,
                br.pass != Pass::First,
                threshold,
                true,
            )
            .expect("oracle finds a solution");
            assert!(
                close(best, br.demerits),
                "{measure}: {best} vs {}",
                br.demerits
            );
        }
        assert!(emergencies < 10, "most widths are feasible");
    }

    /// A random short paragraph: words of 1–3 fragments joined by flagged
    /// hyphen penalties, glue of varying elasticity, occasional plain,
    /// forbidden and forced penalties, and protrusion on some boxes.
    fn random_para(rng: &mut Lcg, words: usize) -> Vec<Item> {
        let mut items = Vec::new();
        for k in 0..words {
            if k > 0 {
                match rng.range(0, 29) {
                    0 => items.push(Item::penalty(EJECT_PENALTY)),
                    3 => {
                        // A ragged forced break (LaTeX's \\).
                        items.push(Item::penalty(INF_PENALTY));
                        items.push(Item::glue(0.0, FILL_STRETCH, 0.0));
                        items.push(Item::penalty(EJECT_PENALTY));
                    }
                    1 => items.push(Item::penalty(rng.range(0, 200) as f64 - 100.0)),
                    2 => items.push(Item::penalty(INF_PENALTY)),
                    _ => {}
                }
                items.push(Item::glue(
                    rng.range(4, 8) as f64,
                    rng.range(3, 9) as f64,
                    rng.range(1, 4) as f64,
                ));
                if rng.range(0, 15) == 0 {
                    items.push(Item::penalty(0.0)); // discardable after a break
                }
            }
            let frags = rng.range(1, 3);
            for j in 0..frags {
                if j > 0 {
                    items.push(Item::Penalty {
                        width: 4.0,
                        penalty: 50.0,
                        flagged: true,
                        hang_right: if rng.range(0, 1) == 0 { 2.0 } else { 0.0 },
                    });
                }
                items.push(Item::Box {
                    width: rng.range(8, 35) as f64,
                    hang_left: if rng.range(0, 4) == 0 { 1.5 } else { 0.0 },
                    hang_right: if rng.range(0, 4) == 0 { 2.5 } else { 0.0 },
                });
            }
        }
        if rng.range(0, 4) > 0 {
            push_paragraph_end(&mut items);
        }
        items
    }

    /// A paragraph of prose: words of 1–3 syllables (a flagged hyphen
    /// between them) and TeX's interword glue, ended the TeX way.
    fn prose_para(rng: &mut Lcg, words: usize) -> Vec<Item> {
        let mut items = Vec::new();
        for k in 0..words {
            if k > 0 {
                items.push(Item::glue(6.0, 3.0, 2.0));
            }
            for j in 0..rng.range(1, 3) {
                if j > 0 {
                    items.push(Item::hyphen(4.0, 50.0));
                }
                items.push(Item::boxed(rng.range(8, 30) as f64));
            }
        }
        push_paragraph_end(&mut items);
        items
    }

    #[test]
    fn evening_brings_a_paragraph_nearer_its_neighbour_at_no_cost() {
        let mut rng = Lcg(0xe7e7);
        let params = Params {
            emergency_stretch: 15.0,
            ..Params::default()
        };
        // paragraphs evened towards a looser and a tighter neighbour
        let (mut loosened, mut tightened, mut crowded, mut spaced) = (0, 0, 0, 0);
        for case in 0..1500 {
            let words = rng.range(25, 70) as usize;
            let items = prose_para(&mut rng, words);
            let width = fixed(rng.range(150, 260) as f64);
            let before = [0.9, 0.6, -0.4, -0.7][case % 4];
            let plain = break_lines(&items, &width, &params);
            let br = break_evened(&items, &width, &params, Some(before));
            check_cover(&items, &br);
            // never a later pass (a looser tolerance), never another hyphen
            assert!(br.pass <= plain.pass, "case {case}");
            assert!(hyphen_count(&br) <= hyphen_count(&plain), "case {case}");
            if crowded_hyphens(&plain) {
                crowded += 1;
                if crowded_hyphens(&br) {
                    // only when no two hyphens in a row cost a pass or
                    // more hyphens
                    let one = Params {
                        max_consecutive_hyphens: 1,
                        ..params.clone()
                    };
                    let other = break_lines(&items, &width, &one);
                    assert!(
                        other.pass > plain.pass || hyphen_count(&other) > hyphen_count(&plain),
                        "case {case}"
                    );
                } else {
                    spaced += 1;
                }
                continue;
            }
            let (Some(was), Some(is)) = (colour(&plain), colour(&br)) else {
                continue;
            };
            // never further from the neighbour, nor looser than needed
            assert!(
                (is - before).abs() <= (was - before).abs() + 1e-9,
                "case {case}"
            );
            assert!(
                loosest(&br) <= loosest(&plain).max(1.0) + 1e-9,
                "case {case}"
            );
            if (was - before).abs() > EVEN_APART {
                if (is - before).abs() + EVEN_GAIN <= (was - before).abs() {
                    if before > was {
                        loosened += 1;
                    } else {
                        tightened += 1;
                    }
                }
            } else {
                assert_eq!(br, plain, "case {case}: near enough is left alone");
            }
        }
        // both ways happen (a paragraph's mean ratio is nearly fixed by its
        // line count and the length of its last line, so only some can move)
        assert!(
            loosened > 5 && tightened > 5,
            "{loosened} loosened, {tightened} tightened"
        );
        assert!(
            spaced * 2 >= crowded && crowded > 10,
            "{spaced} of {crowded} spaced"
        );
    }

    #[test]
    fn total_fit_equals_brute_force_on_short_paragraphs() {
        let mut rng = Lcg(0x5eed);
        let (mut compared, mut infeasible, mut hyphenated) = (0, 0, 0);
        for case in 0..2000 {
            let words = rng.range(5, 14) as usize;
            let items = random_para(&mut rng, words);
            let base = rng.range(110, 200) as f64;
            let indent = rng.range(0, 2) as f64 * 15.0;
            let width = move |i: usize| if i == 0 { base - indent } else { base };
            let params = Params {
                pretolerance: if case % 2 == 0 { -1.0 } else { 100.0 },
                adj_demerits: [0.0, 10000.0][rng.range(0, 1) as usize],
                double_hyphen_demerits: [0.0, 10000.0, 1e5][rng.range(0, 2) as usize],
                final_hyphen_demerits: [0.0, 5000.0, 1e5][rng.range(0, 2) as usize],
                max_consecutive_hyphens: [0, 1, 2, 10][rng.range(0, 3) as usize],
                target_ratio: [0.0, 0.0, 0.4, -0.3][rng.range(0, 3) as usize],
                ..Params::default()
            };
            let br = break_lines(&items, &width, &params);
            check_cover(&items, &br);
            let (flags, threshold) = match br.pass {
                Pass::First => (false, 100.0),
                _ => (true, 200.0),
            };
            let best = optimum(&items, &width, &params, flags, threshold, false);
            if br.pass == Pass::Emergency {
                assert!(
                    best.is_none(),
                    "case {case}: emergency but feasible {best:?}"
                );
                infeasible += 1;
                continue;
            }
            if br.pass == Pass::First {
                // Pass 2 is only tried if pass 1 has no solution.
                assert!(br.lines.iter().all(|l| !l.hyphenated));
            } else if params.pretolerance >= 0.0 {
                assert!(optimum(&items, &width, &params, false, 100.0, false).is_none());
            }
            let best = best.expect("oracle agrees a solution exists");
            assert!(
                close(best, br.demerits),
                "case {case}: brute force {best}, total fit {}\n{items:?}\n{br:?}",
                br.demerits
            );
            check_justified(&items, &br, &width);
            let mut run = 0;
            for l in &br.lines {
                run = if l.hyphenated { run + 1 } else { 0 };
                assert!(run <= params.max_consecutive_hyphens);
            }
            hyphenated += br.lines.iter().filter(|l| l.hyphenated).count();
            compared += 1;
        }
        assert!(
            compared > 500 && infeasible > 100 && hyphenated > 200,
            "{compared} {infeasible} {hyphenated}"
        );
    }

    /// `lines` lines of "T G B40 G H1-", each exactly 100 wide when broken
    /// at the hyphen (T = 25, H1 = 10, a hyphen 5), the hyphenated word
    /// being H1+T = 35; then a last line.
    fn hyphen_ladder(lines: usize, glue: (f64, f64, f64), hyphen_penalty: f64) -> Vec<Item> {
        let g = || Item::glue(glue.0, glue.1, glue.2);
        let mut items = vec![bx(25.0)];
        for _ in 0..lines {
            items.extend([
                g(),
                bx(40.0),
                g(),
                bx(10.0),
                Item::hyphen(5.0, hyphen_penalty),
                bx(25.0),
            ]);
        }
        items.extend([g(), bx(40.0)]);
        push_paragraph_end(&mut items);
        items
    }

    fn max_hyphen_run(br: &Breaks) -> usize {
        let (mut run, mut max) = (0, 0);
        for l in &br.lines {
            run = if l.hyphenated { run + 1 } else { 0 };
            max = max.max(run);
        }
        max
    }

    fn hyphen_pattern(br: &Breaks) -> String {
        br.lines
            .iter()
            .map(|l| if l.hyphenated { '-' } else { '.' })
            .collect()
    }

    #[test]
    fn total_fit_beats_first_fit_small() {
        // Greedy fills line 1 (four words, shrunk) and leaves "30 30" very
        // loose (r = 3); total fit sets 3 + 3 words: r = 1 and r = 0.
        let mut items = Vec::new();
        for (i, w) in [20.0, 20.0, 20.0, 20.0, 30.0, 30.0, 60.0]
            .iter()
            .enumerate()
        {
            if i > 0 {
                items.push(Item::glue(10.0, 10.0, 5.0));
            }
            items.push(bx(*w));
        }
        push_paragraph_end(&mut items);
        let params = Params::default();
        let ff = first_fit(&items, &fixed(100.0), &params);
        let tf = break_lines(&items, &fixed(100.0), &params);
        check_cover(&items, &ff);
        check_cover(&items, &tf);
        check_justified(&items, &tf, &fixed(100.0));
        assert_eq!(ff.lines.len(), 3);
        assert_eq!(ff.lines[0].end, 7, "greedy takes four words");
        assert_eq!((ff.lines[1].ratio, ff.lines[1].fitness), (3.0, 3));
        assert_eq!(tf.pass, Pass::First);
        assert_eq!(tf.lines.len(), 3);
        assert_eq!(tf.lines[0].end, 5);
        assert_eq!(tf.lines[0].ratio, 1.0);
        assert_eq!(tf.lines[1].ratio, 0.0);
        assert!(tf.lines.iter().all(|l| l.fitness < 3));
        assert!(
            tf.demerits < ff.demerits / 5.0,
            "{} vs {}",
            tf.demerits,
            ff.demerits
        );
    }

    #[test]
    fn total_fit_beats_first_fit_on_the_frog_king() {
        let items = para(FROG_KING);
        let params = Params::default();
        for measure in [410.0, 450.0] {
            let ff = first_fit(&items, &fixed(measure), &params);
            let tf = break_lines(&items, &fixed(measure), &params);
            check_cover(&items, &ff);
            check_cover(&items, &tf);
            let body = |b: &Breaks| b.lines[..b.lines.len() - 1].to_vec();
            assert!(
                body(&ff).iter().any(|l| l.ratio > 2.0),
                "greedy leaves a gap"
            );
            assert!(body(&tf)
                .iter()
                .all(|l| l.ratio.abs() <= 1.0 && l.fitness < 3));
            assert!(tf.demerits * 10.0 < ff.demerits);
        }
        // Total fit is never worse than first fit when first fit is feasible.
        let p2 = Params {
            pretolerance: -1.0,
            ..Params::default()
        };
        for measure in (330..=520).step_by(5) {
            let m = measure as f64;
            let ff = first_fit(&items, &fixed(m), &p2);
            let tf = break_lines(&items, &fixed(m), &p2);
            if ff.lines.iter().all(|l| l.badness <= 200.0) {
                assert_eq!(tf.pass, Pass::Second);
                assert!(tf.demerits <= ff.demerits + 1e-6, "{measure}");
            }
        }
    }

    #[test]
    fn first_pass_refuses_flagged_breaks() {
        // Every ladder line fits exactly at a hyphen, but unhyphenated
        // lines with r <= 1 exist, so pass 1 succeeds without hyphens even
        // though hyphenating is far cheaper.
        let items = hyphen_ladder(6, (10.0, 15.0, 12.0), 50.0);
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        check_cover(&items, &br);
        check_justified(&items, &br, &fixed(100.0));
        assert_eq!(br.pass, Pass::First);
        assert_eq!(hyphen_pattern(&br), ".......");
        assert!(br.lines.iter().all(|l| l.badness <= 100.0));
        let second = Params {
            pretolerance: -1.0,
            ..Params::default()
        };
        let br2 = break_lines(&items, &fixed(100.0), &second);
        assert_eq!(br2.pass, Pass::Second);
        assert!(br2.lines.iter().any(|l| l.hyphenated));
        assert!(br2.demerits < br.demerits);
    }

    #[test]
    fn second_pass_hyphenates_when_needed() {
        // With less stretch no unhyphenated solution is within tolerance.
        let items = hyphen_ladder(2, (10.0, 10.0, 12.0), 50.0);
        let params = Params::default();
        assert!(optimum(&items, &fixed(100.0), &params, false, 200.0, false).is_none());
        let br = break_lines(&items, &fixed(100.0), &params);
        check_cover(&items, &br);
        check_justified(&items, &br, &fixed(100.0));
        assert_eq!(br.pass, Pass::Second);
        assert!(br.lines[0].hyphenated);
        assert_eq!(br.lines[0].ratio, 0.0);
        let best = optimum(&items, &fixed(100.0), &params, true, 200.0, false).unwrap();
        assert!(close(best, br.demerits));
    }

    #[test]
    fn never_more_than_max_consecutive_hyphens() {
        let items = hyphen_ladder(6, (10.0, 15.0, 12.0), 50.0);
        let free = Params {
            pretolerance: -1.0,
            double_hyphen_demerits: 0.0,
            final_hyphen_demerits: 0.0,
            max_consecutive_hyphens: usize::MAX,
            ..Params::default()
        };
        let unlimited = break_lines(&items, &fixed(100.0), &free);
        assert_eq!(hyphen_pattern(&unlimited), "------.");
        for max in [0, 1, 2, 3] {
            let limited = Params {
                max_consecutive_hyphens: max,
                ..free.clone()
            };
            let br = break_lines(&items, &fixed(100.0), &limited);
            check_cover(&items, &br);
            check_justified(&items, &br, &fixed(100.0));
            assert_eq!(br.pass, Pass::Second, "max {max}");
            assert!(
                max_hyphen_run(&br) <= max,
                "max {max}: {}",
                hyphen_pattern(&br)
            );
            assert!(br.demerits > unlimited.demerits);
            let best = optimum(&items, &fixed(100.0), &limited, true, 200.0, true).unwrap();
            assert!(
                close(best, br.demerits),
                "max {max}: {best} vs {}",
                br.demerits
            );
        }
        // The default limit also holds in the emergency pass.
        let tight = hyphen_ladder(6, (10.0, 10.0, 12.0), 50.0);
        let br = break_lines(&tight, &fixed(100.0), &free);
        assert_eq!(hyphen_pattern(&br), "------.");
        let br = break_lines(
            &tight,
            &fixed(100.0),
            &Params {
                max_consecutive_hyphens: 2,
                ..free
            },
        );
        assert_eq!(br.pass, Pass::Emergency);
        check_cover(&tight, &br);
        assert!(max_hyphen_run(&br) <= 2);
    }

    #[test]
    fn final_hyphen_demerits_change_the_choice() {
        let items = hyphen_ladder(2, (10.0, 10.0, 12.0), 50.0);
        let base = Params {
            double_hyphen_demerits: 0.0,
            final_hyphen_demerits: 0.0,
            ..Params::default()
        };
        let br = break_lines(&items, &fixed(100.0), &base);
        assert_eq!(hyphen_pattern(&br), "--.");
        let p = Params {
            final_hyphen_demerits: 5000.0,
            ..base
        };
        let br = break_lines(&items, &fixed(100.0), &p);
        assert_eq!(
            hyphen_pattern(&br),
            "-..",
            "no hyphen on the penultimate line"
        );
        check_justified(&items, &br, &fixed(100.0));
        let best = optimum(&items, &fixed(100.0), &p, true, 200.0, false).unwrap();
        assert!(close(best, br.demerits));
    }

    #[test]
    fn double_hyphen_demerits_change_the_choice() {
        let items = hyphen_ladder(2, (10.0, 10.0, 12.0), 50.0);
        let p = Params {
            final_hyphen_demerits: 0.0,
            double_hyphen_demerits: 10000.0,
            ..Params::default()
        };
        let br = break_lines(&items, &fixed(100.0), &p);
        assert_eq!(hyphen_pattern(&br), "-..", "no two hyphens in a row");
        let best = optimum(&items, &fixed(100.0), &p, true, 200.0, false).unwrap();
        assert!(close(best, br.demerits));
        // Longer: double-hyphen demerits cost one hyphen near the end.
        let items = hyphen_ladder(4, (10.0, 15.0, 12.0), 50.0);
        let cheap = Params {
            pretolerance: -1.0,
            double_hyphen_demerits: 0.0,
            max_consecutive_hyphens: 10,
            ..p.clone()
        };
        let dear = Params {
            double_hyphen_demerits: 10000.0,
            ..cheap.clone()
        };
        let a = break_lines(&items, &fixed(100.0), &cheap);
        let b = break_lines(&items, &fixed(100.0), &dear);
        assert_eq!(hyphen_pattern(&a), "----.");
        assert_eq!(hyphen_pattern(&b), "---..");
    }

    #[test]
    fn a_box_wider_than_the_measure_gives_an_overfull_line() {
        // A single enormous box.
        let mut items = vec![bx(500.0)];
        push_paragraph_end(&mut items);
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        assert_eq!(br.pass, Pass::Emergency);
        assert_eq!(br.lines.len(), 1);
        assert!(br.lines[0].overfull);
        assert_eq!((br.lines[0].start, br.lines[0].end), (0, 3));
        check_cover(&items, &br);
        // Without the paragraph ending: an implicit final break.
        let items = vec![bx(500.0)];
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        assert_eq!(br.lines.len(), 1);
        assert_eq!((br.lines[0].start, br.lines[0].end), (0, 1));
        assert!(br.lines[0].overfull);
        // A huge box inside a paragraph: only its own line is overfull.
        let text = "In olden times when wishing still helped one, there lived a king";
        let mut items = para(text);
        items.truncate(items.len() - 3);
        let huge = items.len() / 2 + 1;
        assert!(is_box(&items[huge]));
        items[huge] = bx(300.0);
        push_paragraph_end(&mut items);
        for es in [0.0, 18.0] {
            let p = Params {
                emergency_stretch: es,
                ..Params::default()
            };
            let br = break_lines(&items, &fixed(150.0), &p);
            assert_eq!(br.pass, Pass::Emergency);
            check_cover(&items, &br);
            let over: Vec<&Line> = br.lines.iter().filter(|l| l.overfull).collect();
            assert_eq!(over.len(), 1, "{br:?}");
            assert!(over[0].start <= huge && huge < over[0].end);
            assert!(over[0].ratio == -1.0 || over[0].ratio == 0.0);
        }
        // Every box wider than the measure: one box a line, all overfull.
        let mut items = Vec::new();
        for i in 0..2000 {
            if i > 0 {
                items.push(sp());
            }
            items.push(bx(150.0));
        }
        push_paragraph_end(&mut items);
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        check_cover(&items, &br);
        assert_eq!(br.lines.len(), 2000);
        assert!(br
            .lines
            .iter()
            .all(|l| l.overfull && l.end == l.start + 1 || l.end == items.len() - 1));
        assert_eq!(
            first_fit(&items, &fixed(100.0), &Params::default())
                .lines
                .len(),
            2000
        );
    }

    #[test]
    fn emergency_stretch_rescues_an_infeasible_paragraph() {
        let items = para(FROG_KING);
        let plain = break_lines(&items, &fixed(340.0), &Params::default());
        assert_eq!(plain.pass, Pass::Emergency);
        check_cover(&items, &plain);
        let p = Params {
            emergency_stretch: 18.0,
            ..Params::default()
        };
        let br = break_lines(&items, &fixed(340.0), &p);
        assert_eq!(br.pass, Pass::Emergency);
        check_cover(&items, &br);
        check_justified(&items, &br, &fixed(340.0));
        assert!(br.lines.iter().all(|l| !l.overfull));
        // Every line is within tolerance once the emergency stretch is
        // added (the returned ratios use the real glue).
        for l in &br.lines[..br.lines.len() - 1] {
            let (w, y, _) = metrics(&items, l.start, l.end);
            let r = (340.0 - w) / (y + 18.0);
            assert!(100.0 * r.abs().powi(3) <= 200.0 + 1e-9, "{l:?}");
        }
        assert!(br.demerits.is_finite() && br.demerits < plain.demerits);
    }

    #[test]
    fn forced_breaks_are_respected() {
        // A ragged forced break (\\) after "face." in the frog king.
        let text = FROG_KING.replace("face. ", "face.\n");
        let mut items = Vec::new();
        for (k, part) in text.split('\n').enumerate() {
            let mut p = para(part);
            p.truncate(p.len() - 3);
            if k > 0 {
                items.push(sp());
            }
            let forced_at = items.len() + p.len() + 2;
            items.extend(p);
            if k == 0 {
                items.push(Item::penalty(INF_PENALTY));
                items.push(Item::glue(0.0, FILL_STRETCH, 0.0));
                items.push(Item::penalty(EJECT_PENALTY));
                assert!(is_forced(&items[forced_at]));
            }
        }
        push_paragraph_end(&mut items);
        let forced = items.iter().position(is_forced).expect("a forced break");
        assert!(forced < items.len() - 1);
        for measure in [400.0, 450.0, 480.0] {
            let p = Params {
                emergency_stretch: 18.0,
                ..Params::default()
            };
            let br = break_lines(&items, &fixed(measure), &p);
            check_cover(&items, &br);
            let k = br
                .lines
                .iter()
                .position(|l| l.end == forced)
                .expect("a line ends at the forced break");
            assert!(br.lines[k].ratio >= 0.0 && br.lines[k].ratio < 1e-3);
            assert_eq!(
                br.lines[k + 1].start,
                forced + 2,
                "the space after it is discarded"
            );
            if br.pass != Pass::Emergency {
                let t = if br.pass == Pass::First { 100.0 } else { 200.0 };
                let best = optimum(&items, &fixed(measure), &p, br.pass != Pass::First, t, true);
                assert!(close(best.unwrap(), br.demerits));
            }
        }
        // A bare forced break where no break would otherwise be chosen.
        let mut items = vec![
            bx(30.0),
            sp(),
            bx(30.0),
            Item::penalty(EJECT_PENALTY),
            bx(30.0),
        ];
        push_paragraph_end(&mut items);
        let br = break_lines(&items, &fixed(500.0), &Params::default());
        check_cover(&items, &br);
        assert_eq!(br.lines.len(), 2);
        assert_eq!(br.lines[0].end, 3);
        assert_eq!(
            br.lines[0].badness, INF_BAD,
            "underfull: it cannot stretch to 500"
        );
    }

    #[test]
    fn protrusion_lets_a_line_end_at_measure_plus_hang() {
        let g = || Item::glue(10.0, 2.0, 1.0);
        let items = vec![
            // Line 1: 40 + 10 + 53 = 103 = 100 + 1 (left) + 2 (comma).
            Item::Box {
                width: 40.0,
                hang_left: 1.0,
                hang_right: 0.0,
            },
            g(),
            Item::Box {
                width: 53.0,
                hang_left: 0.0,
                hang_right: 2.0,
            },
            g(),
            // Line 2: 30 + 10 + 58 + hyphen 5 = 103 = 100 + 3 (the hyphen's
            // hang; the box's own hang_right 4 is not used).
            bx(30.0),
            g(),
            Item::Box {
                width: 58.0,
                hang_left: 0.0,
                hang_right: 4.0,
            },
            Item::Penalty {
                width: 5.0,
                penalty: 50.0,
                flagged: true,
                hang_right: 3.0,
            },
            bx(20.0),
            g(),
            bx(30.0),
            Item::penalty(INF_PENALTY),
            Item::glue(0.0, FILL_STRETCH, 0.0),
            Item::penalty(EJECT_PENALTY),
        ];
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        check_cover(&items, &br);
        check_justified(&items, &br, &fixed(100.0));
        assert_eq!(br.pass, Pass::Second);
        assert_eq!(br.lines.len(), 3);
        assert_eq!((br.lines[0].end, br.lines[1].end), (3, 7));
        assert_eq!((br.lines[0].ratio, br.lines[1].ratio), (0.0, 0.0));
        assert!(br.lines[1].hyphenated);
        // Raw material: 103 on both lines.
        let raw = |l: &Line| -> f64 {
            items[l.start..l.end]
                .iter()
                .map(|it| match *it {
                    Item::Box { width, .. } | Item::Glue { width, .. } => width,
                    Item::Penalty { .. } => 0.0,
                })
                .sum::<f64>()
                + match items[l.end] {
                    Item::Penalty { width, .. } => width,
                    _ => 0.0,
                }
        };
        assert_eq!(raw(&br.lines[0]), 103.0);
        assert_eq!(raw(&br.lines[1]), 103.0);
        // The same material without protrusion cannot be set.
        let plain: Vec<Item> = items
            .iter()
            .map(|it| match *it {
                Item::Box { width, .. } => bx(width),
                Item::Penalty {
                    width,
                    penalty,
                    flagged,
                    ..
                } => Item::Penalty {
                    width,
                    penalty,
                    flagged,
                    hang_right: 0.0,
                },
                ref other => other.clone(),
            })
            .collect();
        let br = break_lines(&plain, &fixed(100.0), &Params::default());
        assert_eq!(br.pass, Pass::Emergency);
    }

    #[test]
    fn line_widths_may_vary_by_line() {
        let items = para(FROG_KING);
        let shape = |i: usize| match i {
            0 => 400.0,
            1 | 2 => 420.0,
            _ => 480.0,
        };
        let params = Params::default();
        let br = break_lines(&items, &shape, &params);
        check_cover(&items, &br);
        check_justified(&items, &br, &shape);
        assert_ne!(br.pass, Pass::Emergency);
        let t = if br.pass == Pass::First { 100.0 } else { 200.0 };
        let best = optimum(&items, &shape, &params, br.pass != Pass::First, t, true).unwrap();
        assert!(close(best, br.demerits), "{best} vs {}", br.demerits);
        // A narrow first line (an initial, a hanging indent) shifts breaks.
        let uniform = break_lines(&items, &fixed(450.0), &params);
        assert_ne!(uniform.lines[0].end, br.lines[0].end);
        // A closure giving nonsense is survived.
        let bad = |i: usize| {
            if i.is_multiple_of(2) {
                f64::NAN
            } else {
                f64::INFINITY
            }
        };
        check_cover(&items, &break_lines(&items, &bad, &params));
    }

    #[test]
    fn looseness_adds_or_removes_lines_when_feasible() {
        let items = para(FROG_KING);
        let p = |looseness| Params {
            looseness,
            ..Params::default()
        };
        let normal = break_lines(&items, &fixed(420.0), &p(0));
        let looser = break_lines(&items, &fixed(420.0), &p(1));
        let tighter = break_lines(&items, &fixed(420.0), &p(-1));
        check_cover(&items, &looser);
        check_cover(&items, &tighter);
        assert_eq!(looser.lines.len(), normal.lines.len() + 1);
        assert!(looser.demerits > normal.demerits);
        assert!(tighter.lines.len() <= normal.lines.len());
        for br in [&looser, &tighter] {
            assert!(br.lines.iter().all(|l| !l.overfull && l.badness <= 200.0));
        }
    }

    #[test]
    fn non_finite_inputs_do_not_panic() {
        let items = vec![
            bx(f64::NAN),
            Item::glue(f64::INFINITY, f64::NAN, f64::INFINITY),
            bx(30.0),
            Item::glue(6.0, -3.0, -2.0),
            Item::Box {
                width: 40.0,
                hang_left: f64::NAN,
                hang_right: f64::NEG_INFINITY,
            },
            Item::Penalty {
                width: f64::NAN,
                penalty: f64::NAN,
                flagged: true,
                hang_right: f64::INFINITY,
            },
            bx(20.0),
            Item::penalty(f64::NEG_INFINITY),
            bx(20.0),
            sp(),
            Item::penalty(f64::INFINITY),
            Item::glue(0.0, f64::INFINITY, 0.0),
            Item::penalty(EJECT_PENALTY),
        ];
        let weird = Params {
            pretolerance: f64::NAN,
            tolerance: f64::INFINITY,
            emergency_stretch: f64::NAN,
            line_penalty: f64::INFINITY,
            adj_demerits: f64::NAN,
            double_hyphen_demerits: f64::NEG_INFINITY,
            final_hyphen_demerits: f64::NAN,
            max_consecutive_hyphens: 0,
            looseness: i32::MIN,
            target_ratio: f64::NAN,
            same_width_from: 0,
        };
        for params in [Params::default(), weird] {
            for w in [0.0, 50.0, 1e9, f64::NAN, -5.0] {
                let br = break_lines(&items, &fixed(w), &params);
                check_cover(&items, &br);
                assert!(br.demerits.is_finite());
                for l in &br.lines {
                    assert!(l.ratio.is_finite() && l.badness.is_finite());
                }
                check_cover(&items, &first_fit(&items, &fixed(w), &params));
            }
        }
        // Absurdly large finite values are clamped, not overflowed.
        let huge = vec![bx(f64::MAX), sp(), bx(-f64::MAX), sp(), bx(1e300)];
        for w in [100.0, f64::MAX] {
            let br = break_lines(&huge, &fixed(w), &Params::default());
            check_cover(&huge, &br);
            assert!(!br.demerits.is_nan());
        }
        // The -inf penalty is a forced break.
        let br = break_lines(&items, &fixed(100.0), &Params::default());
        assert!(br.lines.iter().any(|l| l.end == 7));
        // Infinite fill: the last line has ratio 0 and badness 0.
        let last = br.lines.last().unwrap();
        assert_eq!((last.ratio, last.badness, last.fitness), (0.0, 0.0, 1));
        // Degenerate lists.
        for items in [
            vec![sp()],
            vec![Item::penalty(EJECT_PENALTY)],
            vec![Item::penalty(0.0), sp(), Item::penalty(EJECT_PENALTY)],
            vec![
                bx(10.0),
                Item::penalty(EJECT_PENALTY),
                Item::penalty(EJECT_PENALTY),
            ],
        ] {
            let br = break_lines(&items, &fixed(100.0), &Params::default());
            check_cover(&items, &br);
        }
    }

    #[test]
    fn long_paragraphs_take_linear_work() {
        // with uniform line widths declared, the work per item stays the same
        // as the paragraph grows (TeX's easy_line), and the result is the
        // same as when every line number is kept apart
        let work = |copies: usize, same_width_from: usize| {
            let items = para(&vec![FROG_KING; copies].join(" "));
            let p = Params {
                emergency_stretch: 18.0,
                same_width_from,
                ..Params::default()
            };
            EVALUATIONS.with(|e| e.set(0));
            let br = break_lines(&items, &fixed(450.0), &p);
            check_cover(&items, &br);
            (
                EVALUATIONS.with(|e| e.get()) as f64 / items.len() as f64,
                br,
            )
        };
        let (short, a) = work(10, 0);
        let (long, b) = work(160, 0);
        assert!(b.lines.len() > 1000);
        assert!(
            long < short * 1.5,
            "work per item grew from {short:.1} to {long:.1}"
        );
        let (_, c) = work(10, usize::MAX);
        assert!((a.demerits - c.demerits).abs() < 1e-6 * c.demerits.max(1.0));
        assert_eq!(a.lines, c.lines);
    }

    #[test]
    fn push_paragraph_end_removes_trailing_glue() {
        let mut items = vec![bx(10.0), sp(), sp()];
        push_paragraph_end(&mut items);
        assert_eq!(items.len(), 4);
        assert_eq!(items[1], Item::penalty(INF_PENALTY));
        assert_eq!(items[2], Item::glue(0.0, FILL_STRETCH, 0.0));
        assert!(is_forced(&items[3]));
        let mut empty = vec![sp()];
        push_paragraph_end(&mut empty);
        assert!(empty.is_empty());
    }
}
