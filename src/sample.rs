//! Generated sample manuscripts, for tests and benchmarks: a book of any
//! number of chapters that uses every construct (lists, quotes, code,
//! tables, footnotes, definition lists, links across chapters, raw HTML,
//! math), built from the default book's prose so that hyphenation and line
//! breaking see real English.

/// The prose the chapters are made of (the default book's opening paragraphs).
const PROSE: [&str; 4] = [
    "Human rights are the foundation of good governance. China has always been committed to respecting, protecting and advancing human rights, and increasing the people’s sense of fulfillment, happiness and security. The route to moderate prosperity has reinforced the groundwork for human rights.",
    "In the process of building a moderately prosperous society, China has maintained its commitment to the new development philosophy. The economy has achieved long-term rapid growth and the basic needs of over one billion people have been met. The urban-rural divide has been resolved and the income distribution profile has been reformed to improve living standards.",
    "Targeted poverty reduction and eradication has achieved success, strengthening protection of all vulnerable groups. A social security system covering all the people is in place, with better medical services and a higher overall level of health. Public cultural services have improved. Free compulsory education has been realized in both urban and rural areas.",
    "An efficient and ubiquitous information network has been set up. With accelerated efforts to build an eco-civilization, a basic national policy of environmental protection has been implemented, measures to prevent and control pollution have intensified, and the eco-environment has notably improved.",
];

/// A manuscript of `chapters` chapters: `(file name, content)` pairs,
/// `book.toml` first. Each chapter has about 4.5 kB of prose, a bullet list,
/// a block quote, a code block, a small table, a footnote, a definition
/// list, raw HTML and a link to the next chapter; every tenth has a figure,
/// and every tenth a decorative inline image.
pub fn large_book(chapters: usize) -> Vec<(String, String)> {
    let mut files = vec![(
        "book.toml".to_string(),
        "[book]\ntitle = \"A Generated Book\"\nauthors = [\"quire\"]\nlanguage = \"en\"\ndate = \"2026-01-01\"\n"
            .to_string(),
    )];
    for n in 1..=chapters {
        files.push((format!("ch{n:04}.md"), chapter(n, chapters)));
    }
    files
}

fn chapter(n: usize, total: usize) -> String {
    let p = |i: usize| PROSE[(n + i) % PROSE.len()];
    let next = if n < total { n + 1 } else { 1 };
    format!(
        "# Chapter {n}: On Prosperity {{#chapter-{n}}}\n\n\
{p0} {p1}\n\n\
{p2}[^note{n}] See also [the next chapter](ch{next:04}.md#chapter-{next}) and [this chapter’s table](#table-{n}).\n\n\
## Material foundations {{#material-{n}}}\n\n\
{p3}\n\n\
- economic rights, which are *more equitable*;\n\
- political rights, which are **better protected**;\n\
- cultural rights, with `code` and a [link](https://example.org/{n}).\n\n\
> {p0}\n>\n> — a quotation\n\n\
{p1} {p2}\n\n\
```rust\nfn chapter_{n}() -> usize {{\n    // a comment long enough to need wrapping when the measure is narrow, as code lines sometimes are\n    {n}\n}}\n```\n\n\
## A table {{#table-{n}}}\n\n\
| Area | Measure | Change |\n|:-----|:-------:|-------:|\n| Income | distribution reformed | +{n}% |\n| Health | overall level | +3.{n}% |\n| Education | compulsory, free | 100% |\n\n\
Term {n}\n: A definition with $x^{n}$ math.\n\n\
{p3} {p0}\n\n\
<span class=\"note\">Raw <em>HTML</em> inline.</span>\n\n\
{figure}\
[^note{n}]: A footnote for chapter {n}: {p1}\n",
        p0 = p(0),
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        figure = match n % 10 {
            1 => format!("![Figure {n}: an ellipse]({IMAGE_NAME})\n\n"),
            // an ornament the author marked decorative: no alt text needed
            5 => format!("An ornament ![]({IMAGE_NAME}){{.decorative}} in the text.\n\n"),
            _ => String::new(),
        },
    )
}

/// Writes a manuscript's `(file name, content)` pairs into `dir`.
fn write_files(dir: &std::path::Path, files: Vec<(String, String)>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

/// The image every tenth chapter shows.
pub const IMAGE_NAME: &str = "ellipse.png";
/// A small PNG (an ellipse on a transparent ground), for samples.
pub const IMAGE: &[u8] = include_bytes!("../tests/fixtures/images/ellipse.png");

/// Writes [`large_book`] into `dir`, with its image.
pub fn write_large_book(dir: &std::path::Path, chapters: usize) -> std::io::Result<()> {
    write_files(dir, large_book(chapters))?;
    std::fs::write(dir.join(IMAGE_NAME), IMAGE)
}

/// A manuscript of `chapters` plain prose chapters whose shapes vary from
/// one to the next, as a real book's do: chapter `n` opens with `n + 3`
/// sentences (in paragraphs of up to five), then a section heading and
/// `1 + 5n mod 7` paragraphs; every third chapter has a footnote in its
/// opening. `(file name, content)` pairs, `book.toml` first.
pub fn varied_book(chapters: usize) -> Vec<(String, String)> {
    let sentences: Vec<&str> = PROSE
        .iter()
        .flat_map(|p| p.split_inclusive(". "))
        .map(str::trim)
        .collect();
    let mut files = vec![(
        "book.toml".to_string(),
        "[book]\ntitle = \"A Varied Book\"\nauthors = [\"quire\"]\nlanguage = \"en\"\ndate = \"2026-01-01\"\n"
            .to_string(),
    )];
    for n in 1..=chapters {
        let mut out = format!("# Chapter {n}: On Variety {{#chapter-{n}}}\n\n");
        let opening: Vec<&str> = (0..n + 3)
            .map(|i| sentences[(n + i) % sentences.len()])
            .collect();
        for (k, paragraph) in opening.chunks(5).enumerate() {
            out.push_str(&paragraph.join(" "));
            if k == 0 && n % 3 == 0 {
                out.push_str(&format!("[^n{n}]"));
            }
            out.push_str("\n\n");
        }
        out.push_str(&format!("## A section {{#section-{n}}}\n\n"));
        for k in 0..1 + 5 * n % 7 {
            out.push_str(PROSE[(n + k) % PROSE.len()]);
            out.push_str("\n\n");
        }
        if n % 3 == 0 {
            out.push_str(&format!(
                "[^n{n}]: A note to chapter {n}: {}\n",
                PROSE[n % 4]
            ));
        }
        files.push((format!("ch{n:04}.md"), out));
    }
    files
}

/// Writes [`varied_book`] into `dir`.
pub fn write_varied_book(dir: &std::path::Path, chapters: usize) -> std::io::Result<()> {
    write_files(dir, varied_book(chapters))
}

/// A manuscript of `chapters` chapters whose blocks are long enough for
/// printed pages to start inside them: a code block of 20 to 34 lines
/// (some too long for the measure, so they wrap), a table of 12 to 21 rows,
/// lists with several paragraphs to an item and a nested list, a definition
/// list, a quotation, long footnotes (which continue on the next page; the
/// last one, cited at the chapter's end, on a page of its own)
/// and no-break spaces between words; read as pandoc's Markdown (for the
/// table captions). `(file name, content)` pairs, `book.toml` first.
pub fn long_blocks_book(chapters: usize) -> Vec<(String, String)> {
    pandoc_book("Long Blocks", chapters, long_blocks_chapter)
}

fn long_blocks_chapter(n: usize) -> String {
    let p = |i: usize| PROSE[(n + i) % PROSE.len()];
    let mut out = format!("# Chapter {n}: Long Blocks {{#chapter-{n}}}\n\n");
    out.push_str(&format!(
        "{} Mr.\u{a0}Li weighed 10\u{a0}kg on 1\u{a0}May.[^a{n}] {}\n\n",
        p(0),
        p(1)
    ));
    // a code block, with indentation, an empty line and lines that wrap
    out.push_str("```rust\n");
    for line in 0..20 + n % 15 {
        match line % 7 {
            0 => out.push_str(&format!("fn step_{n}_{line}(state: &mut State) -> Result<(), Error> {{\n")),
            1 => out.push_str("    let total = state.items.iter().map(|item| item.weight * item.count).sum::<u64>();\n"),
            2 => out.push_str(&format!("    state.log(\"step {line} of chapter {n}\");\n")),
            3 => out.push('\n'),
            4 => out.push_str("    // a comment long enough to need wrapping when the measure is narrow, as code lines sometimes are\n"),
            5 => out.push_str("\tOk(())\n"),
            _ => out.push_str("}\n"),
        }
    }
    out.push_str("```\n\n");
    out.push_str(&format!("{} {}\n\n", p(2), p(3)));
    // a table with a caption
    out.push_str(&format!(
        "Table: Measures of chapter {n}\n\n| Area | Measure | Change |\n|:-----|:-------:|-------:|\n"
    ));
    for row in 0..12 + n % 10 {
        out.push_str(&format!(
            "| Region {row} | level {}\u{a0}% | +{row}.{n} |\n",
            (row * 7 + n) % 100
        ));
    }
    out.push('\n');
    out.push_str(&format!("{}[^b{n}]\n\n", p(1)));
    // a loose list: items of two paragraphs, one with a nested list
    for item in 0..6 {
        out.push_str(&format!(
            "- Item {item}: {}\n\n  {}\n\n",
            p(item),
            p(item + 1)
        ));
        if item == 3 {
            out.push_str(&format!(
                "  1. nested first, {}\n  2. nested second\n\n",
                p(2)
            ));
        }
    }
    out.push_str(&format!("> {}\n>\n> {}\n\n", p(3), p(0)));
    out.push_str(&format!(
        "Term {n}\n: {}\n\nAnother term\n: {}\n\n",
        p(2),
        p(1)
    ));
    out.push_str(&format!("{} {}[^c{n}]\n\n", p(0), p(2)));
    out.push_str(&format!(
        "[^c{n}]: The last note, too long for the last page. {} {} {} {} {} {}\n\n",
        p(0),
        p(1),
        p(2),
        p(3),
        p(0),
        p(1)
    ));
    out.push_str(&format!(
        "[^a{n}]: A long note of chapter {n}. {} {} {}\n\n",
        p(1),
        p(2),
        p(3)
    ));
    out.push_str(&format!("[^b{n}]: Another long note. {} {}\n", p(3), p(0)));
    out
}

/// A book of `chapters` chapters made by `chapter`, read as pandoc's
/// Markdown: `(file name, content)` pairs, `book.toml` first.
fn pandoc_book(
    title: &str,
    chapters: usize,
    chapter: fn(usize) -> String,
) -> Vec<(String, String)> {
    let toml = format!(
        "[book]\ntitle = \"{title}\"\nauthors = [\"quire\"]\nlanguage = \"en\"\ndate = \"2026-01-01\"\n\n\
         [markdown]\nflavor = \"pandoc\"\n"
    );
    let mut files = vec![("book.toml".to_string(), toml)];
    files.extend((1..=chapters).map(|n| (format!("ch{n:04}.md"), chapter(n))));
    files
}

/// Writes [`long_blocks_book`] into `dir`.
pub fn write_long_blocks_book(dir: &std::path::Path, chapters: usize) -> std::io::Result<()> {
    write_files(dir, long_blocks_book(chapters))
}

/// A code-heavy technical manuscript of `chapters` chapters, of the kind a
/// programming book is: identifiers and paths in prose (`IpAddrKind`,
/// `std::collections::HashMap`), Rust listings whose lines are longer than
/// the measure, each with a `Filename:` line before it and a `Listing N-M:`
/// caption after it, terminal sessions (`console`) and program output
/// (`text`), headings with code in them, lists nested three deep, a narrow
/// table and a long one, and a figure as wide as the measure that often
/// does not fit where it is cited. Read as pandoc's Markdown (for the
/// table captions). `(file name, content)` pairs, `book.toml` first; the
/// figure's image is [`DIAGRAM`], written by [`write_code_heavy_book`].
pub fn code_heavy_book(chapters: usize) -> Vec<(String, String)> {
    pandoc_book("Code Heavy", chapters, code_heavy_chapter)
}

/// Identifiers a programming book names in its prose (in inline code).
pub const IDENTIFIERS: [&str; 8] = [
    "IpAddrKind",
    "ImportantExcerpt",
    "HelloMacro",
    "std::collections::HashMap",
    "Vec<String>",
    "read_username_from_file",
    "src/main.rs",
    "Result<T, E>",
];

fn code_heavy_chapter(n: usize) -> String {
    let p = |i: usize| PROSE[(n + i) % PROSE.len()];
    let id = |i: usize| IDENTIFIERS[(n + i) % IDENTIFIERS.len()];
    let mut out = format!(
        "# Chapter {n}: Working with `{}` {{#chapter-{n}}}\n\n",
        id(0)
    );
    // prose with identifiers in it, some where a line is likely to end
    for k in 0..2 + n % 3 {
        out.push_str(&format!(
            "{} The type `{}` holds what `{}` returns, and `{}` reads it. {}\n\n",
            p(k),
            id(k + 1),
            id(k + 2),
            id(k + 3),
            p(k + 1)
        ));
    }
    // a listing: a file name before, a caption after, lines too long to fit
    out.push_str("<span class=\"filename\">Filename: src/main.rs</span>\n\n```rust\n");
    for line in 0..8 + n % 9 {
        match line % 6 {
            0 => out.push_str(&format!(
                "fn read_username_from_file_{n}_{line}(path: &std::path::Path, options: &OpenOptions) -> Result<String, std::io::Error> {{\n"
            )),
            1 => out.push_str("    let mut username_file = File::open(path).expect(\"the configuration file should be readable\");\n"),
            2 => out.push_str("    let total: u64 = state.items.iter().map(|item| item.weight * item.count).filter(|w| *w > 0).sum();\n"),
            3 => out.push_str("    // a comment long enough to need wrapping when the measure is narrow, as code lines sometimes are\n"),
            4 => out.push_str("    Ok(username_file.read_to_string_with_a_very_long_method_name_that_does_not_fit_anywhere_at_all()?)\n"),
            _ => out.push_str("}\n"),
        }
    }
    out.push_str(&format!(
        "```\n\n<span class=\"caption\">Listing {n}-1: Reading a file with `{}`</span>\n\n",
        id(4)
    ));
    out.push_str(&format!(
        "## Running `{}` {{#running-{n}}}\n\n{}\n\n",
        id(5),
        p(2)
    ));
    // a terminal session and a program's output
    out.push_str(&format!(
        "```console\n$ cargo run --release -- --input data/chapter-{n}.txt\n   Compiling hello v0.1.0 (file:///projects/hello)\n    Finished `release` profile [optimized] target(s) in 2.85 secs\n     Running `target/release/hello --input data/chapter-{n}.txt`\nerror: the file `data/chapter-{n}.txt` does not exist; if it is there, and it is readable, run again\n```\n\n"
    ));
    out.push_str("```text\nHello, world! This output line is long enough that it will not fit on one line of the page.\nThe count is 42 and the list is [1, 2, 3]\n```\n\n");
    // lists nested three deep
    out.push_str(&format!(
        "{}\n\n- First, `cargo new` makes a project.\n  - It writes `Cargo.toml` and `src/main.rs`.\n    - The manifest names the package.\n    - The source prints a greeting.\n  - It starts a Git repository.\n- Then `cargo build` compiles it.\n\n",
        p(3)
    ));
    // a narrow table, then a long one
    out.push_str(
        "Table: Two commands\n\n| Command | Does |\n|:--|:--|\n| `cargo build` | compiles |\n| `cargo run` | runs |\n\n",
    );
    out.push_str(&format!("{}\n\n", p(0)));
    out.push_str(&format!(
        "Table: Exit codes of chapter {n}\n\n| Code | Meaning | Where |\n|:-----|:--------|:------|\n"
    ));
    for row in 0..10 + n % 25 {
        out.push_str(&format!(
            "| {row} | the run {} | `src/bin/tool_{row}.rs` |\n",
            ["succeeded", "failed to read its input file", "was stopped"][row % 3]
        ));
    }
    out.push('\n');
    // a figure as wide as the measure, cited before it
    out.push_str(&format!(
        "Figure {n} below shows the layout. {}\n\n![Figure {n}: The layout of chapter {n}]({DIAGRAM_NAME}){{width=100%}}\n\n",
        p(1)
    ));
    for k in 0..1 + n % 4 {
        out.push_str(&format!("{} {}\n\n", p(k + 2), p(k)));
    }
    out
}

/// Writes [`code_heavy_book`] into `dir`, with its image.
pub fn write_code_heavy_book(dir: &std::path::Path, chapters: usize) -> std::io::Result<()> {
    write_files(dir, code_heavy_book(chapters))?;
    std::fs::write(dir.join(DIAGRAM_NAME), DIAGRAM)
}

/// The wide figure of [`code_heavy_book`] (an SVG diagram, 2:1).
pub const DIAGRAM_NAME: &str = "diagram.svg";
/// The SVG of [`DIAGRAM_NAME`].
pub const DIAGRAM: &[u8] = include_bytes!("../tests/fixtures/images/diagram.svg");
