//! Images end to end: PNG (with alpha) and JPEG land in the PDF as image
//! XObjects and in the EPUB as resources; SVG as vector Form XObjects in the
//! PDF and sanitised SVG files in the EPUB; GIF and WebP as their first
//! frame; sizes as asked (`{width=…}`), else natural at the file's density;
//! broken raster files are warnings, unreadable SVGs and unusable formats
//! errors.

mod common;

use common::*;
use std::fs;
use std::io::Read as _;
use std::path::Path;

fn book_with_images() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    fs::copy(fixtures.join("ellipse.png"), dir.path().join("ellipse.png")).unwrap();
    fs::copy(fixtures.join("block.jpg"), dir.path().join("block.jpg")).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# Pictures\n\nBefore.\n\n![An ellipse](ellipse.png)\n\nBetween.\n\n![A block](block.jpg)\n\nAfter.\n",
    )
    .unwrap();
    dir
}

#[test]
fn png_and_jpeg_are_embedded_in_both_outputs() {
    let dir = book_with_images();
    let out = run_in(dir.path(), &["build", ".", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let name = book_name(dir.path());
    let pdf = dir.path().join(format!("o/{name}.pdf"));
    let epub = dir.path().join(format!("o/{name}.epub"));
    // the EPUB holds both files and refers to them
    let bytes = fs::read(&epub).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("images/img-1.jpg") || text.contains("images/img-2.jpg"),
        "no jpg in the EPUB"
    );
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    if !have("pdfimages") || !have("qpdf") {
        return;
    }
    let list = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert!(
        list.contains(" image ") && list.contains(" smask ") && list.contains(" jpeg "),
        "{list}"
    );
    let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let text = pdftotext(&pdf);
    assert!(
        text.contains("An ellipse") && text.contains("A block"),
        "captions: {text}"
    );
}

/// An image inside a paragraph is set in its line, foot on the baseline,
/// as LaTeX and pandoc set one: in the PDF it is drawn, not replaced by its
/// alternative text.
#[test]
fn an_inline_image_is_drawn_in_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    fs::copy(fixtures.join("ellipse.png"), dir.path().join("ellipse.png")).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# Inline\n\nA line with a small ![little ellipse](ellipse.png) picture in it.\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["build", ".", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join(format!("o/{}.pdf", book_name(dir.path())));
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    let text = pdftotext(&pdf);
    assert!(
        text.contains("small") && text.contains("picture in it"),
        "{text}"
    );
    assert!(
        !text.contains("little ellipse"),
        "the alt text is set: {text}"
    );
    if !have("pdfimages") {
        return;
    }
    let list = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    let images = list
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count();
    assert_eq!(images, 1, "{list}");
}

#[test]
fn a_corrupt_or_huge_image_is_a_warning_and_the_alt_text_stands_in() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("broken.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    // a PNG header claiming 60,000 × 60,000 pixels (a decompression bomb)
    let mut bomb = fs::read(root().join("tests/fixtures/images/ellipse.png")).unwrap();
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    fs::write(dir.path().join("bomb.png"), bomb).unwrap();
    fs::write(
        dir.path().join("a.md"),
        "# T\n\n![Broken picture](broken.png)\n\n![Huge picture](bomb.png)\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["build", ".", "--out", "o", "--format", "pdf,epub"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("bad-image") && err.contains("a.md:3:1"),
        "{err}"
    );
    assert!(err.contains("60000 × 60000"), "{err}");
}

/// A manuscript folder with the fixture images `names` and `a.md`.
fn manuscript(names: &[&str], text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/images");
    for name in names {
        fs::copy(fixtures.join(name), dir.path().join(name)).unwrap();
    }
    fs::write(dir.path().join("a.md"), text).unwrap();
    dir
}

/// Builds `dir` into `dir/o`; returns the PDF, the EPUB and stderr.
fn build_ok(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let out = run_in(dir, &["build", ".", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let name = book_name(dir);
    (
        dir.join(format!("o/{name}.pdf")),
        dir.join(format!("o/{name}.epub")),
        stderr(&out),
    )
}

/// An XObject a page draws: its subtype, its object, and the size it is
/// drawn at (the `cm` before its `Do`).
#[derive(Debug)]
struct Drawn {
    page: lopdf::ObjectId,
    subtype: String,
    id: lopdf::ObjectId,
    width: f64,
    height: f64,
}

/// Every XObject drawn on the pages of `pdf`, in page order.
fn drawn(pdf: &Path) -> Vec<Drawn> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let mut out = Vec::new();
    for (_, page) in doc.get_pages() {
        let Ok(resources) = doc.get_page_resources(page) else {
            continue;
        };
        let resources = match resources {
            (Some(dict), _) => dict.clone(),
            (None, ids) => match ids.first() {
                Some(id) => doc.get_dictionary(*id).unwrap().clone(),
                None => continue,
            },
        };
        let xobjects = match resources.get(b"XObject") {
            Ok(lopdf::Object::Reference(r)) => doc.get_dictionary(*r).unwrap().clone(),
            Ok(lopdf::Object::Dictionary(d)) => d.clone(),
            _ => continue,
        };
        let content = String::from_utf8_lossy(&doc.get_page_content(page)).into_owned();
        let tokens: Vec<&str> = content.split_whitespace().collect();
        for (i, token) in tokens.iter().enumerate() {
            if *token != "Do" || i < 8 || tokens[i - 2] != "cm" {
                continue;
            }
            let name = tokens[i - 1].trim_start_matches('/');
            let id = xobjects
                .get(name.as_bytes())
                .unwrap()
                .as_reference()
                .unwrap();
            let stream = doc.get_object(id).unwrap().as_stream().unwrap();
            out.push(Drawn {
                page,
                subtype: String::from_utf8_lossy(
                    stream.dict.get(b"Subtype").unwrap().as_name().unwrap(),
                )
                .into_owned(),
                id,
                width: tokens[i - 8].parse().unwrap(),
                height: tokens[i - 5].parse().unwrap(),
            });
        }
    }
    out
}

/// The files of an EPUB, by name.
fn epub_files(epub: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(fs::File::open(epub).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.01
}

/// Issue 13's bar for images: SVG figures (gradients, paths, text, an
/// embedded PNG) are vector Form XObjects in the PDF, drawn at the width
/// asked; PNGs too; a definition term's image is drawn; no attribute leaks
/// into the text; the EPUB carries the SVGs sanitised and passes EPUBCheck.
#[test]
fn svg_figures_are_vector_forms_and_widths_are_as_asked() {
    let dir = manuscript(
        &["diagram.svg", "evil.svg", "ellipse.png", "block.jpg"],
        "# Figures\n\n\
         ![The parser feeds the tree](diagram.svg){#fig-diagram width=80%}\n\n\
         ![An ellipse](ellipse.png){width=40%}\n\n\
         A sanitised square: ![A green square](evil.svg){width=2cm .icon} and on.\n\n\
         See [the diagram](#fig-diagram).\n\n\
         Term ![a block](block.jpg){height=0.5in}\n\
         :   A definition-list term with an image.\n",
    );
    let (pdf, epub, err) = build_ok(dir.path());
    assert!(
        err.contains("warning[unsafe-svg]") && err.contains("evil.svg"),
        "{err}"
    );
    // svg2pdf orders objects and resources as hash maps iterate: the PDF is
    // the same whatever the order was (each process seeds them anew)
    let again = run_in(dir.path(), &["build", ".", "--out", "again"]);
    assert!(again.status.success());
    let name = book_name(dir.path());
    let second = fs::read(dir.path().join(format!("again/{name}.pdf"))).unwrap();
    assert!(fs::read(&pdf).unwrap() == second, "two builds differ");
    assert_eq!(unreferenced_objects(&pdf), vec![]);
    let drawn = drawn(&pdf);
    let forms: Vec<&Drawn> = drawn.iter().filter(|d| d.subtype == "Form").collect();
    let images: Vec<&Drawn> = drawn.iter().filter(|d| d.subtype == "Image").collect();
    // the two SVGs are forms; the PNG and the JPEG (in the term) are images
    assert_eq!((forms.len(), images.len()), (2, 2), "{drawn:?}");
    let (diagram, square) = (forms[0], forms[1]);
    let (ellipse, block) = (images[0], images[1]);
    // 80 % and 40 % of one measure; 2 cm; the SVG's proportions kept (2:1)
    assert!(close(diagram.width / ellipse.width, 2.0), "{drawn:?}");
    assert!(close(diagram.height * 2.0, diagram.width), "{drawn:?}");
    assert!(close(ellipse.height * 2.0, ellipse.width), "{drawn:?}");
    assert!(close(square.width, 72.0 / 2.54 * 2.0), "{square:?}");
    assert!(close(square.height, square.width), "{square:?}");
    // the term's JPEG: half an inch high, 32 × 24 pixels kept in proportion
    assert!(
        close(block.height, 36.0) && close(block.width, 48.0),
        "{block:?}"
    );
    // no image XObject anywhere in the file but the two rasters (the SVG's
    // embedded PNG lives inside its form)
    let doc = lopdf::Document::load(&pdf).unwrap();
    let form = doc.get_object(diagram.id).unwrap().as_stream().unwrap();
    assert!(form.dict.get(b"BBox").is_ok() && form.dict.get(b"Resources").is_ok());
    if have("qpdf") {
        let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
        assert!(
            check.contains("No syntax or stream encoding errors"),
            "{check}"
        );
    }
    if have("pdftotext") {
        let text = pdftotext(&pdf);
        assert!(!text.contains('{') && !text.contains('}'), "{text}");
        assert!(!text.contains("width="), "{text}");
        // SVG text is text in the PDF; the term's image is drawn, not its alt
        assert!(text.contains("Parser") && text.contains("Tree"), "{text}");
        assert!(!text.contains("a block"), "{text}");
    }
    // `[the diagram](#fig-diagram)` links to the figure's page, lower than
    // the contents' entry for the chapter (which goes to its top)
    let mut heights: Vec<i64> = doc
        .objects
        .values()
        .filter_map(|o| {
            let dict = o.as_dict().ok()?;
            if dict.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Link".as_slice()) {
                return None;
            }
            let dest = dict
                .get(b"A")
                .ok()?
                .as_dict()
                .ok()?
                .get(b"D")
                .ok()?
                .as_array()
                .ok()?;
            (dest.first()?.as_reference().ok()? == diagram.page)
                .then(|| dest.get(3)?.as_float().ok().map(|y| y as i64))?
        })
        .collect();
    heights.sort();
    heights.dedup();
    assert_eq!(heights.len(), 2, "no link to the figure: {heights:?}");
    // the embedded PNG is an image inside the form, drawn from its data: URL
    let resources = form.dict.get(b"Resources").unwrap().as_dict().unwrap();
    let inner = resources.get(b"XObject").unwrap().as_dict().unwrap();
    let subtypes: Vec<Vec<u8>> = inner
        .iter()
        .map(|(_, r)| {
            let id = r.as_reference().unwrap();
            let o = doc.get_object(id).unwrap().as_stream().unwrap();
            o.dict.get(b"Subtype").unwrap().as_name().unwrap().to_vec()
        })
        .collect();
    assert!(subtypes.iter().any(|s| s == b"Image"), "{subtypes:?}");
    if have("pdffonts") {
        let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
        for line in fonts.lines().skip(2) {
            assert!(
                line.contains(" yes yes yes "),
                "not embedded and subset: {line}"
            );
        }
        // the SVG's text is set in the book's serif (`serif`, and
        // `sans-serif` with no system font to offer one) and monospace, as
        // fonts of the form's own; no other font is used
        assert!(fonts.contains("+LinLibertineO-Identity-H "), "{fonts}");
        assert!(fonts.contains("+Inconsolata-Identity-H "), "{fonts}");
        for line in fonts.lines().skip(2) {
            assert!(
                line.contains("+LinLibertineO") || line.contains("+Inconsolata-Identity-H"),
                "{line}"
            );
        }
    }
    // the EPUB: the SVGs as files, sanitised, sized as asked
    let files = epub_files(&epub);
    let svgs: Vec<&(String, Vec<u8>)> = files.iter().filter(|(n, _)| n.ends_with(".svg")).collect();
    assert_eq!(svgs.len(), 2);
    for (name, bytes) in &svgs {
        let text = String::from_utf8_lossy(bytes);
        assert!(text.contains("<svg"), "{name}");
        for bad in [
            "<script",
            "onload",
            "onclick",
            "javascript:",
            "example.com",
            "DOCTYPE",
        ] {
            assert!(!text.contains(bad), "{name} has {bad}: {text}");
        }
    }
    let diagram_svg = svgs
        .iter()
        .find(|(_, b)| b.windows(6).any(|w| w == b"Parser"))
        .unwrap();
    let original = fs::read_to_string(root().join("tests/fixtures/images/diagram.svg")).unwrap();
    // all but the document type, byte for byte
    let body = &original[original.find("<svg").unwrap()..];
    assert!(String::from_utf8_lossy(&diagram_svg.1).ends_with(body));
    let xhtml: String = files
        .iter()
        .filter(|(n, _)| n.ends_with(".xhtml"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    // a figure's alt text that repeats its caption is left out: the
    // caption is read once, as the figure's text
    assert!(
        xhtml.contains(
            "style=\"width: 80%\" alt=\"\" role=\"presentation\"/>\n\
             <figcaption>The parser feeds the tree</figcaption>"
        ),
        "{xhtml}"
    );
    assert!(
        xhtml.contains(r#"style="width: 56.69pt" alt="A green square""#),
        "{xhtml}"
    );
    assert!(
        xhtml.contains(r#"style="height: 36pt" alt="a block""#),
        "{xhtml}"
    );
    assert!(xhtml.contains(r#"<figure id="fig-diagram">"#), "{xhtml}");
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

/// An SVG that cannot be parsed is an error at the reference, with the
/// place in the SVG; nothing is written.
#[test]
fn an_unparseable_svg_is_an_error_at_its_reference() {
    let dir = manuscript(
        &["broken.svg"],
        "# T\n\nText and ![broken](broken.svg) here.\n",
    );
    let out = run_in(dir.path(), &["build", ".", "--out", "o"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("error: a.md:3:10: image `broken.svg`"),
        "{err}"
    );
    // the parser's own place: the `</svg>` on line 3 that closes nothing
    assert!(last.contains("(at broken.svg:3:1)"), "{err}");
    assert!(err.contains("error[invalid-svg]"), "{err}");
    assert!(
        !dir.path().join("o").exists()
            || fs::read_dir(dir.path().join("o")).unwrap().next().is_none()
    );
}

/// GIF and WebP are read: their first frame is printed (an animated GIF's
/// first frame is blue, its second red), and the EPUB carries the files.
#[test]
fn gif_and_webp_are_printed_as_their_first_frame() {
    let dir = manuscript(
        &["disc.gif", "disc.webp"],
        "# T\n\n![A blue disc](disc.gif)\n\n![A green disc](disc.webp)\n",
    );
    let (pdf, epub, err) = build_ok(dir.path());
    assert!(!err.contains("bad-image"), "{err}");
    let drawn = drawn(&pdf);
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    // natural size at 300 ppi: 90 px = 21.6 pt, 120 px = 28.8 pt
    assert!(
        close(drawn[0].width, 21.6) && close(drawn[1].width, 28.8),
        "{drawn:?}"
    );
    let doc = lopdf::Document::load(&pdf).unwrap();
    let mut colours = Vec::new();
    for d in &drawn {
        let image = doc.get_object(d.id).unwrap().as_stream().unwrap();
        assert!(image.dict.get(b"SMask").is_ok(), "transparency kept");
        let pixels = image.decompressed_content().unwrap();
        // the pixel at the centre
        let (w, h) = (
            image.dict.get(b"Width").unwrap().as_i64().unwrap() as usize,
            image.dict.get(b"Height").unwrap().as_i64().unwrap() as usize,
        );
        let at = (h / 2 * w + w / 2) * 3;
        colours.push((pixels[at], pixels[at + 1], pixels[at + 2]));
    }
    let (gif, webp) = (colours[0], colours[1]);
    assert!(
        gif.2 > 150 && gif.0 < 100,
        "the GIF's first frame is blue: {gif:?}"
    );
    assert!(webp.1 > 120 && webp.0 < 60, "the WebP is green: {webp:?}");
    let files = epub_files(&epub);
    let opf = files
        .iter()
        .find(|(n, _)| n.ends_with(".opf"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap();
    assert!(
        opf.contains("image/gif") && opf.contains("image/webp"),
        "{opf}"
    );
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

/// TIFF, BMP, AVIF and HEIC are errors that name the format.
#[test]
fn formats_quire_cannot_use_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8], &str); 4] = [
        ("scan.tif", b"II*\0\x08\0\0\0rest of a TIFF", "a TIFF image"),
        ("old.bmp", b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", "a BMP image"),
        ("new.avif", b"\0\0\0\x1cftypavif\0\0\0\0", "an AVIF image"),
        ("phone.heic", b"\0\0\0\x18ftypheic\0\0\0\0", "a HEIC image"),
    ];
    let mut text = "# T\n".to_string();
    for (name, bytes, _) in &files {
        fs::write(dir.path().join(name), bytes).unwrap();
        text.push_str(&format!("\n![{name}]({name})\n"));
    }
    fs::write(dir.path().join("a.md"), text).unwrap();
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for (line, (name, _, format)) in files.iter().enumerate() {
        let place = format!("--> a.md:{}:1", 3 + 2 * line);
        let message = format!("error[unsupported-image]: image `{name}` is {format}");
        assert!(err.contains(&message), "{message}\n{err}");
        assert!(err.contains(&place), "{place}\n{err}");
    }
}

/// A raster image without a size is printed at the density its file
/// states (600 ppi: an inch wide), else at 300 ppi; an image printed at
/// under 300 ppi is a `low-resolution` warning and a line of the report.
#[test]
fn images_are_set_at_their_density_and_low_resolution_is_reported() {
    let dir = manuscript(
        &["fine-600ppi.png", "coarse-72ppi.jpg", "ellipse.png"],
        "# T\n\n![Fine](fine-600ppi.png)\n\n![Coarse](coarse-72ppi.jpg)\n\n\
         ![Stretched](ellipse.png){width=1in}\n\n![Small](ellipse.png){width=0.1in}\n",
    );
    let (pdf, _, err) = build_ok(dir.path());
    let drawn = drawn(&pdf);
    assert_eq!(drawn.len(), 4, "{drawn:?}");
    // 600 px at 600 ppi: one inch; 200 px at 72 ppi: 200 pt; 1 in; 0.1 in
    assert!(
        close(drawn[0].width, 72.0) && close(drawn[0].height, 36.0),
        "{drawn:?}"
    );
    assert!(close(drawn[1].width, 200.0), "{drawn:?}");
    assert!(
        close(drawn[2].width, 72.0) && close(drawn[3].width, 7.2),
        "{drawn:?}"
    );
    // 72 ppi and 40 px in an inch are too coarse; 600 and 400 ppi are not
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("warning[low-resolution]"))
        .collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(
        warnings[0].contains("`coarse-72ppi.jpg` is printed at 72 ppi"),
        "{err}"
    );
    assert!(
        warnings[1].contains("`ellipse.png` is printed at 40 ppi"),
        "{err}"
    );
    assert!(
        err.contains("--> a.md:5:1") && err.contains("--> a.md:7:1"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(
        &fs::read(
            dir.path()
                .join(format!("o/{}.report.json", book_name(dir.path()))),
        )
        .unwrap(),
    )
    .unwrap();
    let low = report["low_resolution"].as_array().unwrap();
    assert_eq!(low.len(), 2, "{report}");
    assert_eq!(low[0]["image"], "coarse-72ppi.jpg");
    assert_eq!(low[0]["ppi"], 72);
    assert_eq!(
        (low[0]["file"].as_str(), low[0]["line"].as_u64()),
        (Some("a.md"), Some(5))
    );
    assert_eq!(low[1]["image"], "ellipse.png");
    assert_eq!(low[1]["ppi"], 40);
}

/// Images are found wherever they sit: a heading, a table cell, a note, a
/// quote, a list item, a div and a definition's body are drawn, not
/// replaced by their alternative text.
#[test]
fn images_anywhere_in_the_tree_are_drawn() {
    let dir = manuscript(
        &["ellipse.png"],
        "# Images everywhere\n\n## A heading ![h-alt](ellipse.png)\n\n\
         | A | B |\n|---|---|\n| ![cell-alt](ellipse.png){width=1in} | x |\n\n\
         Text with a note.[^n]\n\n> A quote ![quote-alt](ellipse.png).\n\n\
         - An item ![item-alt](ellipse.png)\n\n::: box\nA div ![div-alt](ellipse.png)\n:::\n\n\
         Term\n:   A definition ![def-alt](ellipse.png)\n\n\
         [^n]: The note ![note-alt](ellipse.png).\n",
    );
    let (pdf, _, err) = build_ok(dir.path());
    assert!(!err.contains("missing-image"), "{err}");
    let drawn = drawn(&pdf);
    assert_eq!(drawn.len(), 7, "{drawn:?}");
    // the cell's image is an inch wide, as its attributes ask
    assert_eq!(
        drawn.iter().filter(|d| close(d.width, 72.0)).count(),
        1,
        "{drawn:?}"
    );
    if have("pdftotext") {
        // (the contents lists the heading's alternative text: it has no
        // room for a picture)
        let text = pdftotext(&pdf);
        assert_eq!(
            text.matches("-alt").count(),
            1,
            "an alt text is set: {text}"
        );
        assert!(text.contains("A heading h-alt . ."), "{text}");
        assert!(!text.contains('{'), "{text}");
    }
}
