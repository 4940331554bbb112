//! The bundled fonts: Linux Libertine O (text) and Inconsolata (code),
//! compiled into the binary so that quire needs nothing installed.

use read_fonts::{FontRef, TableProvider};

use crate::error::{Error, Result};

/// One of the five faces a book uses.
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
}

impl FaceId {
    /// All faces, in a fixed order (used for font resource names).
    pub const ALL: [FaceId; 5] = [
        FaceId::Regular,
        FaceId::Italic,
        FaceId::Bold,
        FaceId::BoldItalic,
        FaceId::Mono,
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

    /// Index into [`FaceId::ALL`].
    pub fn index(self) -> usize {
        self as usize
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

const FILES: [FontFile; 5] = [
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
];

/// Metrics of one face, in font units.
#[derive(Clone, Debug)]
pub struct Face {
    /// The file it comes from.
    pub file: FontFile,
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
}

/// The loaded fonts of a book.
#[derive(Clone, Debug)]
pub struct Fonts {
    /// Indexed by [`FaceId::index`].
    pub faces: Vec<Face>,
}

impl Fonts {
    /// Loads the fonts compiled into quire.
    pub fn bundled() -> Result<Fonts> {
        let faces = FILES
            .iter()
            .map(|file| Face::load(*file))
            .collect::<Result<Vec<_>>>()?;
        Ok(Fonts { faces })
    }

    /// The face `id`.
    pub fn face(&self, id: FaceId) -> &Face {
        &self.faces[id.index()]
    }

    /// The font files, for embedding in the EPUB.
    pub fn files(&self) -> Vec<FontFile> {
        self.faces.iter().map(|f| f.file).collect()
    }
}

impl Face {
    fn load(file: FontFile) -> Result<Face> {
        let bad = |what: &str| Error::Output {
            format: "pdf",
            message: format!("font {}: {what}", file.file_name),
        };
        let font = FontRef::new(file.bytes).map_err(|_| bad("not an OpenType font"))?;
        let head = font.head().map_err(|_| bad("no head table"))?;
        let hhea = font.hhea().map_err(|_| bad("no hhea table"))?;
        let os2 = font.os2().ok();
        let postscript_name = font
            .name()
            .ok()
            .and_then(|name| {
                name.name_record()
                    .iter()
                    .find(|r| r.name_id() == read_fonts::types::NameId::POSTSCRIPT_NAME)
                    .and_then(|r| r.string(name.string_data()).ok())
                    .map(|s| s.chars().collect::<String>())
            })
            .unwrap_or_else(|| file.file_name.trim_end_matches(".otf").to_string());
        Ok(Face {
            file,
            units_per_em: head.units_per_em(),
            ascender: hhea.ascender().to_i16(),
            descender: hhea.descender().to_i16(),
            cap_height: os2
                .as_ref()
                .and_then(|o| o.s_cap_height())
                .unwrap_or((head.units_per_em() as f32 * 0.66) as i16),
            x_height: os2
                .as_ref()
                .and_then(|o| o.sx_height())
                .unwrap_or((head.units_per_em() as f32 * 0.45) as i16),
            postscript_name,
        })
    }

    /// A parsed view of the font data.
    pub fn font_ref(&self) -> FontRef<'static> {
        FontRef::new(self.file.bytes).expect("checked when loaded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_load_with_sane_metrics() {
        let fonts = Fonts::bundled().unwrap();
        assert_eq!(fonts.faces.len(), 5);
        for face in &fonts.faces {
            assert!(face.units_per_em >= 1000, "{}", face.file.file_name);
            assert!(face.ascender > 0 && face.descender < 0);
            assert!(!face.postscript_name.is_empty());
        }
        assert_eq!(
            fonts.face(FaceId::Italic).file.file_name,
            "LinLibertine_RI.otf"
        );
    }
}
