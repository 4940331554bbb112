//! The EPUB's fonts: subset to the characters the book uses (the default
//! book's EPUB stays under 300 kB), still fonts a reading system shapes
//! with (EPUBCheck accepts them, Chromium loads every one), or embedded
//! whole with `[epub] subset-fonts = false`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use read_fonts::TableProvider;

/// The entries of an EPUB: name → bytes.
fn entries(epub: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            (entry.name().to_string(), bytes)
        })
        .collect()
}

/// The bundled font file `name`.
fn bundled(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fonts").join(name)).unwrap()
}

/// The characters of an XHTML document's text (tags dropped, the few
/// references the writer uses decoded).
fn text_chars(xhtml: &str) -> Vec<char> {
    let mut out = Vec::new();
    // (from inside the body's start tag)
    let mut in_tag = true;
    let body = xhtml.split("<body").nth(1).unwrap_or("");
    let body = body
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_default_book_embeds_subsets_that_render() {
    let dir = tempfile::tempdir().unwrap();
    let manuscript = root().join("manuscript");
    let out = run_in(
        dir.path(),
        &[
            "build",
            manuscript.to_str().unwrap(),
            "--out",
            "out",
            "--format",
            "epub",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let epub = dir.path().join("out/manuscript.epub");
    let size = std::fs::metadata(&epub).unwrap().len();
    assert!(size < 300_000, "the EPUB is {size} bytes");
    let files = entries(&epub);
    let fonts: Vec<(&String, &Vec<u8>)> = files
        .iter()
        .filter(|(name, _)| name.starts_with("OEBPS/fonts/"))
        .collect();
    assert_eq!(fonts.len(), 6, "{:?}", files.keys().collect::<Vec<_>>());
    // every character of the text is in every face (the stylesheet and the
    // reader decide which face sets it), and a subset is a fraction of the font
    let mut chars: Vec<char> = files
        .iter()
        .filter(|(name, _)| name.ends_with(".xhtml"))
        .flat_map(|(_, x)| text_chars(&String::from_utf8_lossy(x)))
        .collect();
    chars.sort();
    chars.dedup();
    assert!(chars.len() > 40, "{chars:?}");
    for (name, bytes) in &fonts {
        let whole = bundled(name.rsplit('/').next().unwrap());
        assert!(
            bytes.len() * 2 < whole.len(),
            "{name}: {} bytes",
            bytes.len()
        );
        let font = read_fonts::FontRef::new(bytes).unwrap();
        let whole = read_fonts::FontRef::new(&whole).unwrap();
        let (cmap, whole_cmap) = (font.cmap().unwrap(), whole.cmap().unwrap());
        for &c in &chars {
            if whole_cmap.map_codepoint(c).is_some() {
                assert!(cmap.map_codepoint(c).is_some(), "{name} lacks {c:?}");
            }
        }
        for tag in [b"GSUB", b"CFF "] {
            let whole_has = whole.table_data(read_fonts::types::Tag::new(tag)).is_some();
            let has = font.table_data(read_fonts::types::Tag::new(tag)).is_some();
            assert_eq!(has, whole_has, "{name} {tag:?}");
        }
    }
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    // Chromium (its font sanitizer, OTS, refuses a broken font) loads
    // every face the stylesheet declares
    if !have("chromium") {
        return;
    }
    let unpacked = dir.path().join("unpacked");
    for (name, bytes) in &files {
        let path = unpacked.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let page = unpacked.join("OEBPS/check.html");
    std::fs::write(
        &page,
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="stylesheet.css"></head><body>
<p id="out">pending</p>
<script>
const faces = ['normal 400 16px "Linux Libertine O"', 'italic 400 16px "Linux Libertine O"',
  'normal 700 16px "Linux Libertine O"', 'italic 700 16px "Linux Libertine O"', 'normal 400 16px Inconsolata'];
Promise.all(faces.map(f => document.fonts.load(f, 'Office 1234'))).then(() => {
  const states = [];
  document.fonts.forEach(f => states.push(f.family + ' ' + f.style + ' ' + f.weight + ' ' + f.status));
  document.getElementById('out').textContent = 'fonts: ' + states.join('; ');
}, e => { document.getElementById('out').textContent = 'fonts: error ' + e; });
</script></body></html>"#,
    )
    .unwrap();
    let url = format!("file://{}", page.display());
    let dom = tool(
        "chromium",
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url,
        ],
    );
    let line = dom.lines().find(|l| l.contains("id=\"out\"")).unwrap();
    assert_eq!(line.matches(" loaded").count(), 5, "{line}");
    assert!(!line.contains("error"), "{line}");
}

#[test]
fn subset_fonts_false_embeds_the_fonts_whole() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Whole\"\nlanguage = \"en\"\n\n[epub]\nsubset-fonts = false\n",
    )
    .unwrap();
    std::fs::write(
        book.join("a.md"),
        "# A\n\nA little text, *some* **bold**.\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", "book", "--out", "out", "--format", "epub"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let files = entries(&dir.path().join("out/book.epub"));
    for name in [
        "LinLibertine_R.otf",
        "LinLibertine_RI.otf",
        "LinLibertine_RB.otf",
        "LinLibertine_RBI.otf",
        "Inconsolata.otf",
    ] {
        assert!(
            files[&format!("OEBPS/fonts/{name}")] == bundled(name),
            "{name} is not the whole font"
        );
    }
    // and by default the same book's fonts are subsets
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Whole\"\nlanguage = \"en\"\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", "book", "--out", "out", "--format", "epub"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let files = entries(&dir.path().join("out/book.epub"));
    let regular = &files["OEBPS/fonts/LinLibertine_R.otf"];
    assert!(regular.len() * 4 < bundled("LinLibertine_R.otf").len());
}
