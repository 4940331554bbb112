//! The fonts: Linux Libertine O (text) and Inconsolata (code), compiled into
//! the binary so that quire needs nothing installed; and, only for a book
//! with characters they lack, a few fallback faces found among the system's
//! fonts with `fontdb` (see [`Fonts::for_book`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use read_fonts::model::{Blob, Font};
use read_fonts::types::Tag;
use read_fonts::{FontRef, TableProvider};

use crate::doc::{walk_blocks, walk_inlines, Block, BlockKind, Book, Inline};
use crate::error::{Error, Result};

/// One of the faces a book uses: the six bundled ones, then any fallbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaceId {
    /// Upright text.
    Regular,
    /// Italic text.
    Italic,
    /// Bold text.
    Bold,
    /// Bold italic text.
    BoldItalic,
    /// Code.
    Mono,
    /// Code in bold text (a heading's, a strong span's).
    MonoBold,
    /// The `n`th fallback face: a system font for characters the bundled
    /// faces lack.
    Fallback(u8),
}

impl FaceId {
    /// The bundled faces, in a fixed order (used for font resource names).
    pub const ALL: [FaceId; 6] = [
        FaceId::Regular,
        FaceId::Italic,
        FaceId::Bold,
        FaceId::BoldItalic,
        FaceId::Mono,
        FaceId::MonoBold,
    ];

    /// The face for a combination of bold and italic.
    pub fn styled(bold: bool, italic: bool) -> FaceId {
        match (bold, italic) {
            (false, false) => FaceId::Regular,
            (false, true) => FaceId::Italic,
            (true, false) => FaceId::Bold,
            (true, true) => FaceId::BoldItalic,
        }
    }

    /// Index into [`Fonts::faces`]: the bundled faces as in
    /// [`FaceId::ALL`], then the fallbacks.
    pub fn index(self) -> usize {
        match self {
            FaceId::Regular => 0,
            FaceId::Italic => 1,
            FaceId::Bold => 2,
            FaceId::BoldItalic => 3,
            FaceId::Mono => 4,
            FaceId::MonoBold => 5,
            FaceId::Fallback(n) => 6 + usize::from(n),
        }
    }

    /// Whether this is a monospaced face (code).
    pub fn is_mono(self) -> bool {
        matches!(self, FaceId::Mono | FaceId::MonoBold)
    }

    /// The code face that goes with text in this face: bold code in bold
    /// text.
    pub fn code(self) -> FaceId {
        if matches!(self, FaceId::Bold | FaceId::BoldItalic | FaceId::MonoBold) {
            FaceId::MonoBold
        } else {
            FaceId::Mono
        }
    }

    /// Whether this is a fallback face (a system font).
    pub fn is_fallback(self) -> bool {
        matches!(self, FaceId::Fallback(_))
    }
}

/// A font file as shipped: what the EPUB embeds and the PDF subsets.
#[derive(Clone, Copy, Debug)]
pub struct FontFile {
    /// The face.
    pub face: FaceId,
    /// File name, e.g. `LinLibertine_R.otf`.
    pub file_name: &'static str,
    /// CSS font family, e.g. `Linux Libertine O`.
    pub family: &'static str,
    /// `true` for italic faces.
    pub italic: bool,
    /// CSS weight (400 or 700).
    pub weight: u16,
    /// The OpenType data.
    pub bytes: &'static [u8],
}

const FILES: [FontFile; 6] = [
    FontFile {
        face: FaceId::Regular,
        file_name: "LinLibertine_R.otf",
        family: "Linux Libertine O",
        italic: false,
        weight: 400,
        bytes: include_bytes!("../../fonts/LinLibertine_R.otf"),
    },
    FontFile {
        face: FaceId::Italic,
        file_name: "LinLibertine_RI.otf",
        family: "Linux Libertine O",
        italic: true,
        weight: 400,
        bytes: include_bytes!("../../fonts/LinLibertine_RI.otf"),
    },
    FontFile {
        face: FaceId::Bold,
        file_name: "LinLibertine_RB.otf",
        family: "Linux Libertine O",
        italic: false,
        weight: 700,
        bytes: include_bytes!("../../fonts/LinLibertine_RB.otf"),
    },
    FontFile {
        face: FaceId::BoldItalic,
        file_name: "LinLibertine_RBI.otf",
        family: "Linux Libertine O",
        italic: true,
        weight: 700,
        bytes: include_bytes!("../../fonts/LinLibertine_RBI.otf"),
    },
    FontFile {
        face: FaceId::Mono,
        file_name: "Inconsolata.otf",
        family: "Inconsolata",
        italic: false,
        weight: 400,
        bytes: include_bytes!("../../fonts/Inconsolata.otf"),
    },
    FontFile {
        face: FaceId::MonoBold,
        file_name: "Inconsolata-Bold.ttf",
        family: "Inconsolata",
        italic: false,
        weight: 700,
        bytes: include_bytes!("../../fonts/Inconsolata-Bold.ttf"),
    },
];

/// The font files compiled into quire (SVG text is set in them too).
pub fn bundled_files() -> &'static [FontFile] {
    &FILES
}

/// At most this many fallback faces are loaded for a book.
const MAX_FALLBACKS: usize = 6;

/// Metrics of one face, in font units.
#[derive(Clone)]
pub struct Face {
    /// Which face this is.
    pub id: FaceId,
    /// The bundled file it comes from; `None` for a system fallback (which
    /// the EPUB does not embed).
    pub file: Option<FontFile>,
    /// The file name of a bundled face, the path of a system font: for
    /// messages.
    pub name: String,
    /// The family name.
    pub family: String,
    /// The font data (owned for a system font, shared by the shapers).
    data: Blob,
    /// The face's index in its file (a font collection holds several).
    pub index: u32,
    /// Font units per em.
    pub units_per_em: u16,
    /// Typographic ascender (positive).
    pub ascender: i16,
    /// Typographic descender (negative).
    pub descender: i16,
    /// Height of capital letters, when the font says.
    pub cap_height: i16,
    /// Height of lower-case x.
    pub x_height: i16,
    /// The PostScript name (for the PDF font name).
    pub postscript_name: String,
    /// What the size of text set in this face is multiplied by: 1 for the
    /// bundled faces; for a fallback, what brings its x-height to the text
    /// face's ([`Face::x_height_em`]), kept within 0.8–1.25.
    pub scale: f64,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("index", &self.index)
            .field("postscript_name", &self.postscript_name)
            .finish_non_exhaustive()
    }
}

/// Which fallback face sets a character the bundled faces lack: one table
/// for text, one for code (where a monospaced fallback is preferred).
/// Sorted by character; only characters some fallback covers are listed.
#[derive(Clone, Debug, Default)]
pub struct Fallbacks {
    text: Vec<(char, FaceId)>,
    code: Vec<(char, FaceId)>,
}

impl Fallbacks {
    /// No fallback at all (the common case: nothing to look up).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.code.is_empty()
    }

    /// The fallback face for `c` when it is set in `primary` and `primary`
    /// lacks it.
    pub fn get(&self, primary: FaceId, c: char) -> Option<FaceId> {
        let table = if primary.is_mono() {
            &self.code
        } else {
            &self.text
        };
        table
            .binary_search_by_key(&c, |e| e.0)
            .ok()
            .map(|i| table[i].1)
    }
}

/// The loaded fonts of a book.
#[derive(Clone, Debug)]
pub struct Fonts {
    /// Indexed by [`FaceId::index`].
    pub faces: Vec<Face>,
    /// Fallback faces for characters the bundled ones lack.
    pub fallbacks: Arc<Fallbacks>,
}

impl Fonts {
    /// Loads the fonts compiled into quire.
    pub fn bundled() -> Result<Fonts> {
        let faces = FILES
            .iter()
            .map(|file| {
                Face::load(
                    file.face,
                    Some(*file),
                    file.file_name.to_string(),
                    file.family.to_string(),
                    Blob::Static(file.bytes),
                    0,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Fonts {
            faces,
            fallbacks: Arc::default(),
        })
    }

    /// The bundled fonts, and fallbacks for the characters of `book` they
    /// lack, from the system's fonts (or the folders in `QUIRE_FONT_DIRS`,
    /// separated like `PATH`; set but empty, no system font is used). The
    /// system is only searched when some character needs it.
    pub fn for_book(book: &Book) -> Result<Fonts> {
        let fonts = Fonts::bundled()?;
        let (text, code) = fonts.uncovered(book);
        if text.is_empty() && code.is_empty() {
            return Ok(fonts);
        }
        Ok(fonts.with_fallbacks(&text, &code, &FontDirs::from_env(), &book.meta.language))
    }

    /// Adds fallback faces from `dirs` for the characters in `text` (set in
    /// the text faces) and `code` (set in the monospaced face) of a book in
    /// `language`. The characters of each script go to the first font that
    /// has them all (so that a script is set in one face), else font after
    /// font, each taking what it has; characters common to scripts
    /// (punctuation, digits) go to a face already chosen when it has them
    /// (a Devanagari danda with its Devanagari). Fonts are tried serifs (and
    /// Naskh) before sans serifs for text, monospaced fonts first for code,
    /// the Chinese, Japanese or Korean variant of a CJK family the book
    /// needs first, then by family name and path (so that the choice does
    /// not depend on the order of the file system). Fonts without outlines
    /// the PDF can embed are passed over; at most `MAX_FALLBACKS` (six)
    /// faces are added. Characters no font has are left out (they stay
    /// missing glyphs).
    pub fn with_fallbacks(
        mut self,
        text: &BTreeSet<char>,
        code: &BTreeSet<char>,
        dirs: &FontDirs,
        language: &str,
    ) -> Fonts {
        let candidates = candidates(dirs);
        let cjk = cjk_variant(language, text.iter().chain(code));
        let mut search = Search::new(&candidates, text.iter().chain(code).copied().collect());
        let mut tables: [BTreeMap<char, usize>; 2] = Default::default();
        for (pass, needed) in [text, code].into_iter().enumerate() {
            let mut order: Vec<usize> = (0..candidates.len()).collect();
            order.sort_by(|&a, &b| {
                let (a, b) = (&candidates[a], &candidates[b]);
                a.rank(pass == 1, cjk).cmp(&b.rank(pass == 1, cjk))
            });
            let mut scripts: BTreeMap<harfrust::Script, Vec<char>> = BTreeMap::new();
            let mut common = Vec::new();
            for &c in needed {
                match harfrust::unicode::script(u32::from(c)) {
                    harfrust::Script::COMMON
                    | harfrust::Script::INHERITED
                    | harfrust::Script::UNKNOWN => common.push(c),
                    script => scripts.entry(script).or_default().push(c),
                }
            }
            for group in scripts.into_values() {
                let whole = order
                    .iter()
                    .copied()
                    .find(|&i| search.maps_all(i, &group) && search.choose(i, &group));
                match whole {
                    Some(i) => tables[pass].extend(group.iter().map(|&c| (c, i))),
                    None => {
                        search.font_by_font(&order, group, &mut tables[pass]);
                    }
                }
            }
            let mut chosen_first: Vec<usize> = search.chosen.clone();
            chosen_first.sort_by_key(|&i| order.iter().position(|&o| o == i));
            let rest = search.font_by_font(&chosen_first, common, &mut tables[pass]);
            search.font_by_font(&order, rest, &mut tables[pass]);
        }
        let main_x_height = self.face(FaceId::Regular).x_height_em();
        let mut fallbacks = Fallbacks::default();
        for &i in &search.chosen {
            let candidate = &candidates[i];
            let id = FaceId::Fallback((self.faces.len() - FaceId::ALL.len()) as u8);
            let Some(data) = search.data.get(&candidate.path) else {
                continue;
            };
            let data: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
            let face = Face::load(
                id,
                None,
                candidate.path.display().to_string(),
                candidate.family.clone(),
                Blob::Shared(data),
                candidate.index,
            );
            let Ok(mut face) = face else { continue };
            face.scale = match (main_x_height, face.x_height_em()) {
                (Some(main), Some(own)) if own > 0.0 => (main / own).clamp(0.8, 1.25),
                _ => 1.0,
            };
            debug_assert_eq!(id.index(), self.faces.len());
            self.faces.push(face);
            for (pass, table) in tables.iter().enumerate() {
                let out = if pass == 0 {
                    &mut fallbacks.text
                } else {
                    &mut fallbacks.code
                };
                out.extend(table.iter().filter(|e| *e.1 == i).map(|(&c, _)| (c, id)));
            }
        }
        fallbacks.text.sort_unstable();
        fallbacks.code.sort_unstable();
        self.fallbacks = Arc::new(fallbacks);
        self
    }

    /// The face `id`.
    pub fn face(&self, id: FaceId) -> &Face {
        &self.faces[id.index()]
    }

    /// The bundled font files, for embedding in the EPUB. System fallbacks
    /// are not embedded there: their licences vary, and reading systems
    /// have fallbacks of their own.
    pub fn files(&self) -> Vec<FontFile> {
        self.faces.iter().filter_map(|f| f.file).collect()
    }

    /// The characters of `book` that the bundled faces lack and a fallback
    /// could set: (in text, in code).
    pub fn uncovered(&self, book: &Book) -> (BTreeSet<char>, BTreeSet<char>) {
        let mut scan = Scan {
            regular: Coverage::new(self.face(FaceId::Regular)),
            mono: Coverage::new(self.face(FaceId::Mono)),
            text: BTreeSet::new(),
            code: BTreeSet::new(),
        };
        let meta = &book.meta;
        for s in [&meta.title, &meta.language]
            .into_iter()
            .chain(&meta.authors)
            .chain(
                [
                    &meta.subtitle,
                    &meta.identifier,
                    &meta.publisher,
                    &meta.date,
                    &meta.description,
                    &meta.rights,
                ]
                .into_iter()
                .flatten(),
            )
        {
            scan.text(s);
        }
        for chapter in &book.chapters {
            scan.inlines(&chapter.title);
            scan.blocks(&chapter.blocks, false);
            for note in &chapter.footnotes {
                scan.blocks(&note.blocks, true);
            }
        }
        (scan.text, scan.code)
    }
}

/// The search for fallback faces among the candidates: what each font
/// tried maps of the characters needed (each file read once), the faces
/// chosen and their data.
struct Search<'c> {
    candidates: &'c [Candidate],
    /// All the characters a fallback is looked for, sorted.
    needed: Vec<char>,
    /// By candidate: the needed characters it maps, with their glyphs;
    /// `None` for a font that cannot be used.
    maps: HashMap<usize, Option<Vec<(char, u16)>>>,
    /// The data of the chosen fonts, by path.
    data: HashMap<PathBuf, Arc<Vec<u8>>>,
    /// The last file read (a collection holds several faces).
    last: Option<(PathBuf, Option<Arc<Vec<u8>>>)>,
    /// The candidates chosen, in the order they were.
    chosen: Vec<usize>,
}

impl<'c> Search<'c> {
    fn new(candidates: &'c [Candidate], mut needed: Vec<char>) -> Search<'c> {
        needed.sort_unstable();
        needed.dedup();
        Search {
            candidates,
            needed,
            maps: HashMap::new(),
            data: HashMap::new(),
            last: None,
            chosen: Vec::new(),
        }
    }

    /// The data of candidate `i`'s file.
    fn read(&mut self, i: usize) -> Option<Arc<Vec<u8>>> {
        let path = &self.candidates[i].path;
        if let Some(data) = self.data.get(path) {
            return Some(data.clone());
        }
        match &self.last {
            Some((last, data)) if last == path => data.clone(),
            _ => {
                let data = std::fs::read(path).ok().map(Arc::new);
                self.last = Some((path.clone(), data.clone()));
                data
            }
        }
    }

    /// The needed characters candidate `i` maps, with their glyphs.
    fn maps(&mut self, i: usize) -> Option<&[(char, u16)]> {
        if !self.maps.contains_key(&i) {
            let found = self.read(i).and_then(|data| {
                let cmap = outline_font(&data, self.candidates[i].index)?;
                Some(
                    self.needed
                        .iter()
                        .filter_map(|&c| cmap(c).filter(|&g| g != 0).map(|g| (c, g)))
                        .collect::<Vec<_>>(),
                )
            });
            self.maps.insert(i, found);
        }
        self.maps[&i].as_deref()
    }

    /// Whether candidate `i` maps every character of `chars`.
    fn maps_all(&mut self, i: usize, chars: &[char]) -> bool {
        if !self.chosen.contains(&i) && self.chosen.len() >= MAX_FALLBACKS {
            return false;
        }
        self.maps(i).is_some_and(|map| {
            chars
                .iter()
                .all(|c| map.binary_search_by_key(c, |e| e.0).is_ok())
        })
    }

    /// Chooses candidate `i` to set `chars` (which it maps), unless what
    /// the PDF writer will do with their glyphs fails for it.
    fn choose(&mut self, i: usize, chars: &[char]) -> bool {
        if self.chosen.contains(&i) {
            return true;
        }
        if self.chosen.len() >= MAX_FALLBACKS {
            return false;
        }
        let glyphs: Vec<u16> = match self.maps(i) {
            Some(map) => map
                .iter()
                .filter(|(c, _)| chars.contains(c))
                .map(|&(_, g)| g)
                .collect(),
            None => return false,
        };
        let Some(data) = self.read(i) else {
            return false;
        };
        if !crate::pdf::embeddable(&data, self.candidates[i].index, &glyphs) {
            self.maps.insert(i, None);
            return false;
        }
        self.chosen.push(i);
        self.data.insert(self.candidates[i].path.clone(), data);
        true
    }

    /// Sets `chars` font after font in `order`, each taking what it maps;
    /// returns what none has.
    fn font_by_font(
        &mut self,
        order: &[usize],
        mut chars: Vec<char>,
        table: &mut BTreeMap<char, usize>,
    ) -> Vec<char> {
        for &i in order {
            if chars.is_empty() {
                break;
            }
            if !self.chosen.contains(&i) && self.chosen.len() >= MAX_FALLBACKS {
                continue;
            }
            let covered: Vec<char> = match self.maps(i) {
                Some(map) => chars
                    .iter()
                    .copied()
                    .filter(|c| map.binary_search_by_key(c, |e| e.0).is_ok())
                    .collect(),
                None => continue,
            };
            if covered.is_empty() || !self.choose(i, &covered) {
                continue;
            }
            table.extend(covered.iter().map(|&c| (c, i)));
            chars.retain(|c| !covered.contains(c));
        }
        chars
    }
}

/// The variant of a CJK family (Noto's `JP`, `KR`, `SC`, `TC`, `HK`) to
/// prefer: the book's language's (`ko` Korean, `ja` Japanese, `zh` with its
/// region or script), else Korean when the book has Hangul, Japanese when it
/// has kana, else Simplified Chinese. Han characters are drawn differently in
/// each.
fn cjk_variant<'a>(language: &str, chars: impl Iterator<Item = &'a char>) -> &'static str {
    let lower = language.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    match parts.next().unwrap_or("") {
        "ko" => return "KR",
        "ja" => return "JP",
        "zh" => {
            let rest: Vec<&str> = parts.collect();
            return if rest.contains(&"hk") || rest.contains(&"mo") {
                "HK"
            } else if rest.contains(&"hant") || rest.contains(&"tw") {
                "TC"
            } else {
                "SC"
            };
        }
        _ => {}
    }
    let mut kana = false;
    for &c in chars {
        match harfrust::unicode::script(u32::from(c)) {
            harfrust::Script::HANGUL => return "KR",
            harfrust::Script::HIRAGANA | harfrust::Script::KATAKANA => kana = true,
            _ => {}
        }
    }
    if kana {
        "JP"
    } else {
        "SC"
    }
}

/// Where fallback fonts are looked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FontDirs {
    /// The system's font folders (`fontdb`'s list for the platform).
    System,
    /// These folders (searched recursively), and no others.
    Only(Vec<PathBuf>),
}

impl FontDirs {
    /// `QUIRE_FONT_DIRS` when set (a `PATH`-like list), else the system's.
    pub fn from_env() -> FontDirs {
        match std::env::var_os("QUIRE_FONT_DIRS") {
            Some(list) => FontDirs::Only(
                std::env::split_paths(&list)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect(),
            ),
            None => FontDirs::System,
        }
    }
}

/// A font face found on the system.
#[derive(Clone, Debug)]
struct Candidate {
    path: PathBuf,
    index: u32,
    family: String,
    upright: bool,
    weight: u16,
    normal_width: bool,
    monospaced: bool,
}

impl Candidate {
    /// The order of preference: upright, regular weight and width; then
    /// serif (or Naskh), sans serif, other, monospaced (monospaced first for
    /// code); then the CJK variant `cjk` before the others; then family
    /// name and path, so the choice is reproducible.
    #[allow(clippy::type_complexity)]
    fn rank(
        &self,
        code: bool,
        cjk: &str,
    ) -> (bool, bool, u16, u8, bool, &str, &std::path::Path, u32) {
        let family = self.family.to_ascii_lowercase();
        let mono = self.monospaced || family.contains("mono");
        let class = if mono {
            if code {
                0
            } else {
                4
            }
        } else if family.contains("sans") {
            2
        } else if family.contains("serif") || family.contains("naskh") {
            // Naskh is the book hand of Arabic
            1
        } else {
            3
        };
        // a CJK family of another variant than the book's
        let other_cjk = family.contains("cjk")
            && !family
                .rsplit(' ')
                .next()
                .is_some_and(|v| v.eq_ignore_ascii_case(cjk));
        (
            !self.upright,
            !self.normal_width,
            self.weight.abs_diff(400),
            class,
            other_cjk,
            &self.family,
            &self.path,
            self.index,
        )
    }
}

/// The faces in `dirs`, found once per process (`quire watch` builds many
/// times).
fn candidates(dirs: &FontDirs) -> Arc<Vec<Candidate>> {
    static FOUND: OnceLock<Mutex<HashMap<FontDirs, Arc<Vec<Candidate>>>>> = OnceLock::new();
    let found = FOUND.get_or_init(Mutex::default);
    if let Some(list) = found.lock().ok().and_then(|f| f.get(dirs).cloned()) {
        return list;
    }
    let mut db = fontdb::Database::new();
    match dirs {
        FontDirs::System => db.load_system_fonts(),
        FontDirs::Only(list) => {
            for dir in list {
                db.load_fonts_dir(dir);
            }
        }
    }
    let list: Arc<Vec<Candidate>> = Arc::new(
        db.faces()
            .filter_map(|f| match &f.source {
                fontdb::Source::File(path) => Some(Candidate {
                    path: path.clone(),
                    index: f.index,
                    family: f
                        .families
                        .first()
                        .map(|(name, _)| name.clone())
                        .unwrap_or_else(|| f.post_script_name.clone()),
                    upright: f.style == fontdb::Style::Normal,
                    weight: f.weight.0,
                    normal_width: f.stretch == fontdb::Stretch::Normal,
                    monospaced: f.monospaced,
                }),
                _ => None,
            })
            .collect(),
    );
    if let Ok(mut f) = found.lock() {
        f.insert(dirs.clone(), list.clone());
    }
    list
}

/// The character map of a face whose glyphs are outlines (TrueType or CFF)
/// with the metrics tables the PDF writer reads; `None` for anything else:
/// colour fonts (bitmaps, or layers over outlines that may be empty), CFF2,
/// broken files.
fn outline_font(data: &[u8], index: u32) -> Option<impl Fn(char) -> Option<u16> + '_> {
    let font = FontRef::from_index(data, index).ok()?;
    let has = |tag: &[u8; 4]| font.table_data(Tag::new(tag)).is_some();
    if !(has(b"glyf") && has(b"loca") || has(b"CFF "))
        || !has(b"hmtx")
        || !has(b"hhea")
        || has(b"COLR")
        || has(b"CBDT")
        || has(b"sbix")
    {
        return None;
    }
    font.head().ok()?;
    let cmap = font.cmap().ok()?;
    Some(move |c: char| {
        cmap.map_codepoint(c)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
    })
}

/// Whether a fallback font may set `c`: not white space, controls,
/// noncharacters, private-use characters (whose meaning is each font's own),
/// default-ignorable characters (the shaper hides them) or U+FFFD (which
/// stands for bytes that were not text: it stays reported).
pub fn may_fall_back(c: char) -> bool {
    let u = c as u32;
    !(c.is_whitespace()
        || c.is_control()
        || c == '\u{FFFD}'
        || u & 0xFFFE == 0xFFFE
        || matches!(u, 0xFDD0..=0xFDEF | 0xE000..=0xF8FF | 0xF0000..)
        || is_default_ignorable(c))
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties).
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// Which characters a face maps: a bit set below U+3000 (Latin, Greek,
/// Cyrillic, punctuation: nearly all of most books), the cmap above.
struct Coverage {
    low: Vec<u64>,
    font: Option<Font>,
}

const LOW: u32 = 0x3000;

impl Coverage {
    fn new(face: &Face) -> Coverage {
        let font = Font::new(face.data.clone(), face.index);
        let mut low = vec![0u64; (LOW / 64) as usize];
        if let Some(font) = &font {
            for (c, g) in font.charmap().unicodes() {
                if c < LOW && g.to_u32() != 0 {
                    low[(c / 64) as usize] |= 1 << (c % 64);
                }
            }
        }
        Coverage { low, font }
    }

    fn covers(&self, c: char) -> bool {
        let u = c as u32;
        if u < LOW {
            return self.low[(u / 64) as usize] & (1 << (u % 64)) != 0;
        }
        self.font
            .as_ref()
            .and_then(|f| f.charmap().map_unicode(u))
            .is_some_and(|g| g.to_u32() != 0)
    }
}

/// The walk over a book's text for [`Fonts::uncovered`].
struct Scan {
    regular: Coverage,
    mono: Coverage,
    text: BTreeSet<char>,
    code: BTreeSet<char>,
}

impl Scan {
    fn text(&mut self, s: &str) {
        for c in s.chars() {
            if !self.regular.covers(c) && may_fall_back(c) {
                self.text.insert(c);
            }
        }
    }

    fn code(&mut self, s: &str) {
        for c in s.chars() {
            if !self.mono.covers(c) && may_fall_back(c) {
                self.code.insert(c);
            }
        }
    }

    fn inlines(&mut self, inlines: &[Inline]) {
        walk_inlines(inlines, &mut |inline| match inline {
            Inline::Text { text } => self.text(text),
            Inline::Math { source } => self.text(source),
            Inline::Image { alt, .. } => self.text(alt),
            Inline::Code { code } => self.code(code),
            // `<kbd>` is set in the monospaced face
            Inline::Span {
                classes, content, ..
            } if classes.iter().any(|c| c == "kbd") => self.code(&crate::doc::plain_text(content)),
            _ => {}
        });
    }

    /// `in_note`: a note's code block is set in the text face.
    fn blocks(&mut self, blocks: &[Block], in_note: bool) {
        walk_blocks(blocks, &mut |block| match &block.kind {
            BlockKind::Heading { content, .. } | BlockKind::Paragraph { content } => {
                self.inlines(content)
            }
            BlockKind::CodeBlock { code, .. } => {
                self.code(code);
                if in_note {
                    self.text(code);
                }
            }
            BlockKind::Table {
                caption,
                head,
                rows,
                ..
            } => {
                self.inlines(caption);
                for cell in head.iter().chain(rows.iter().flatten()) {
                    self.inlines(cell);
                }
            }
            BlockKind::Figure {
                src, alt, caption, ..
            } => {
                self.text(src);
                self.text(alt);
                self.inlines(caption);
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    self.inlines(&item.term);
                }
            }
            BlockKind::Math { source } => self.text(source),
            BlockKind::Callout { kind, .. } => self.text(kind.title()),
            BlockKind::BlockQuote { .. }
            | BlockKind::Div { .. }
            | BlockKind::PageBreak
            | BlockKind::List { .. }
            | BlockKind::ThematicBreak
            | BlockKind::RawHtml { .. } => {}
        });
    }
}

impl Face {
    fn load(
        id: FaceId,
        file: Option<FontFile>,
        name: String,
        family: String,
        data: Blob,
        index: u32,
    ) -> Result<Face> {
        let bad = |what: &str| Error::Output {
            format: "pdf",
            message: format!("font {name}: {what}"),
        };
        let font = FontRef::from_index(&data, index).map_err(|_| bad("not an OpenType font"))?;
        let head = font.head().map_err(|_| bad("no head table"))?;
        let hhea = font.hhea().map_err(|_| bad("no hhea table"))?;
        let os2 = font.os2().ok();
        let postscript_name = font
            .name()
            .ok()
            .and_then(|table| {
                table
                    .name_record()
                    .iter()
                    .find(|r| r.name_id() == read_fonts::types::NameId::POSTSCRIPT_NAME)
                    .and_then(|r| r.string(table.string_data()).ok())
                    .map(|s| s.chars().collect::<String>())
            })
            // a PDF name: printable ASCII without delimiters or spaces
            .map(|s| {
                s.chars()
                    .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                family
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            });
        let units_per_em = head.units_per_em().max(16);
        let face = Face {
            id,
            file,
            family,
            index,
            units_per_em,
            ascender: hhea.ascender().to_i16(),
            descender: hhea.descender().to_i16(),
            cap_height: os2
                .as_ref()
                .and_then(|o| o.s_cap_height())
                .unwrap_or((units_per_em as f32 * 0.66) as i16),
            x_height: os2
                .as_ref()
                .and_then(|o| o.sx_height())
                .unwrap_or((units_per_em as f32 * 0.45) as i16),
            postscript_name,
            name,
            data,
            scale: 1.0,
        };
        Ok(face)
    }

    /// The face's Latin x-height in ems: as it declares it (OS/2
    /// `sxHeight`), else as its `x` is drawn (TrueType outlines). `None`
    /// for a face without a Latin `x` (a Devanagari, Arabic or Hebrew face:
    /// what it declares there is the height of its own letters, such as
    /// Devanagari's headline, which is not to be matched to a Latin
    /// x-height; such faces are drawn to go with Latin at the same size) or
    /// that says neither.
    pub fn x_height_em(&self) -> Option<f64> {
        let font = self.font_ref();
        let upem = f64::from(self.units_per_em);
        let gid = font.cmap().ok()?.map_codepoint('x')?;
        if gid.to_u32() == 0 {
            return None;
        }
        if let Some(x) = font.os2().ok().and_then(|o| o.sx_height()) {
            if x > 0 {
                return Some(f64::from(x) / upem);
            }
        }
        let loca = font.loca(None).ok()?;
        let glyf = font.glyf().ok()?;
        let glyph = loca.get_glyf(gid, &glyf).ok()??;
        let top = glyph.y_max();
        (top > 0).then(|| f64::from(top) / upem)
    }

    /// The font data.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The font data, shared (for the shaper).
    pub fn blob(&self) -> Blob {
        self.data.clone()
    }

    /// A parsed view of the font data.
    pub fn font_ref(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, self.index).expect("checked when loaded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(family: &str, path: &str, upright: bool, weight: u16, mono: bool) -> Candidate {
        Candidate {
            path: PathBuf::from(path),
            index: 0,
            family: family.to_string(),
            upright,
            weight,
            normal_width: true,
            monospaced: mono,
        }
    }

    #[test]
    fn fallbacks_are_ranked_serif_sans_other_and_reproducibly() {
        let list = [
            candidate("Zed Sans", "/a/zs.ttf", true, 400, false),
            candidate("DejaVu Sans Mono", "/b/dm.ttf", true, 400, true),
            candidate("DejaVu Serif", "/c/ds-b.ttf", true, 700, false),
            candidate("Noto Serif", "/d/ns-i.ttf", false, 400, false),
            candidate("Symbola", "/e/sy.ttf", true, 400, false),
            candidate("DejaVu Serif", "/c/ds.ttf", true, 400, false),
            candidate("Abc Sans", "/f/as.ttf", true, 400, false),
        ];
        let order = |code: bool| {
            let mut l: Vec<&Candidate> = list.iter().collect();
            l.sort_by(|a, b| a.rank(code, "SC").cmp(&b.rank(code, "SC")));
            l.iter()
                .map(|c| c.path.to_str().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            order(false),
            [
                "/c/ds.ttf",
                "/f/as.ttf",
                "/a/zs.ttf",
                "/e/sy.ttf",
                "/b/dm.ttf",
                "/c/ds-b.ttf",
                "/d/ns-i.ttf"
            ]
        );
        assert_eq!(order(true)[0], "/b/dm.ttf");
    }

    #[test]
    fn the_cjk_variant_follows_the_language_then_the_characters() {
        let none: [char; 0] = [];
        assert_eq!(cjk_variant("ko", none.iter()), "KR");
        assert_eq!(cjk_variant("ja-JP", none.iter()), "JP");
        assert_eq!(cjk_variant("zh-Hant", none.iter()), "TC");
        assert_eq!(cjk_variant("zh-TW", none.iter()), "TC");
        assert_eq!(cjk_variant("zh-HK", none.iter()), "HK");
        assert_eq!(cjk_variant("zh", none.iter()), "SC");
        assert_eq!(cjk_variant("en", ['中', '한'].iter()), "KR");
        assert_eq!(cjk_variant("en", ['中', 'か'].iter()), "JP");
        assert_eq!(cjk_variant("en", ['中'].iter()), "SC");
        // a Japanese book's Hangul does not make it Korean
        assert_eq!(cjk_variant("ja", ['한'].iter()), "JP");
        let kr = candidate("Noto Serif CJK KR", "/n/cjk.ttc", true, 400, false);
        let jp = candidate("Noto Serif CJK JP", "/n/cjk.ttc", true, 400, false);
        assert!(kr.rank(false, "KR") < jp.rank(false, "KR"));
        assert!(jp.rank(false, "JP") < kr.rank(false, "JP"));
        // Naskh, Arabic's book hand, counts as a serif
        let naskh = candidate("Noto Naskh Arabic", "/n/naskh.ttf", true, 400, false);
        let sans = candidate("DejaVu Sans", "/d/dv.ttf", true, 400, false);
        assert!(naskh.rank(false, "SC") < sans.rank(false, "SC"));
    }

    #[test]
    fn only_characters_a_font_may_set_fall_back() {
        for c in ['\u{2603}', '\u{4e2d}', 'λ', '\u{301}'] {
            assert!(may_fall_back(c), "{c:?}");
        }
        for c in [
            ' ',
            '\u{a0}',
            '\u{1}',
            '\u{85}',
            '\u{200D}',
            '\u{FE0F}',
            '\u{AD}',
            '\u{E000}',
            '\u{10FFFD}',
            '\u{FFFE}',
            '\u{FDD0}',
            '\u{FFFD}',
            '\u{E0001}',
        ] {
            assert!(!may_fall_back(c), "{c:?}");
        }
    }

    #[test]
    fn bundled_fonts_load_with_sane_metrics() {
        let fonts = Fonts::bundled().unwrap();
        assert_eq!(fonts.faces.len(), FaceId::ALL.len());
        for face in &fonts.faces {
            assert!(face.units_per_em >= 1000, "{}", face.name);
            assert!(face.ascender > 0 && face.descender < 0);
            assert!(!face.postscript_name.is_empty());
        }
        assert_eq!(fonts.face(FaceId::Italic).name, "LinLibertine_RI.otf");
        assert_eq!(fonts.files().len(), FaceId::ALL.len());
        assert!(fonts.fallbacks.is_empty());
    }
}
