//! Tests of the Markdown reader: what the golden trees
//! (`tests/tree_golden.rs`) show poorly — the slug rules one by one, deep
//! nesting on a small stack, and id uniqueness over a large document.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::*;
use crate::doc::walk_blocks;
use crate::manuscript::Source;

/// An in-memory manuscript of `(file name, text)` pairs, without book.toml.
fn manuscript(files: &[(&str, &str)]) -> Manuscript {
    Manuscript {
        root: PathBuf::from("."),
        config: Config::default(),
        has_config_file: false,
        sources: files
            .iter()
            .map(|(name, text)| Source {
                name: name.to_string(),
                text: text.to_string(),
                ..Source::default()
            })
            .collect(),
        other_files: Vec::new(),
        diagnostics: Vec::new(),
    }
}

fn read_one(text: &str) -> Read {
    read(&manuscript(&[("a.md", text)])).expect("the reader succeeds")
}

#[test]
fn slug_lower_cases_and_turns_every_space_into_a_hyphen() {
    assert_eq!(slug("Hello World"), "hello-world");
    // as GitHub and mdBook: no collapsing
    assert_eq!(
        slug("  Several   spaces\tand a tab "),
        "several---spaces-and-a-tab"
    );
    assert_eq!(slug("Line\nbreak"), "line-break");
    assert_eq!(
        slug("Where\u{2019}s the -> Operator?"),
        "wheres-the---operator"
    );
}

#[test]
fn slug_keeps_letters_digits_underscore_and_hyphen_only() {
    assert_eq!(slug("Hello, World!"), "hello-world");
    assert_eq!(
        slug("“Quoted” heading — with a dash"),
        "quoted-heading--with-a-dash"
    );
    assert_eq!(slug("C++ & C#"), "c--c");
    assert_eq!(
        slug("snake_case and kebab-case"),
        "snake_case-and-kebab-case"
    );
    assert_eq!(slug("Version 2.0 notes"), "version-20-notes");
    assert_eq!(slug("1. Introduction"), "1-introduction");
    assert_eq!(slug("Wait..."), "wait");
    assert_eq!(slug("!?"), "");
    assert_eq!(slug(""), "");
}

#[test]
fn slug_keeps_non_ascii_letters_and_lower_cases_them() {
    assert_eq!(slug("Über Straße"), "über-straße");
    assert_eq!(slug("ΑΒΓ Δ"), "αβγ-δ");
}

#[test]
fn heading_without_slug_text_gets_a_fallback_id() {
    let read = read_one("# !?\n\n## 42\n\n## 42\n\n## ...\n");
    let chapter = &read.book.chapters[0];
    assert_eq!(chapter.id, "chapter-1");
    let ids: Vec<&str> = chapter.blocks.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["42", "42-1", "section"]);
}

#[test]
fn links_written_for_github_mdbook_or_pandoc_all_resolve() {
    let read = read(&manuscript(&[
        ("a.md", "# Where’s the `->` Operator?\n\n## Summary\n\n[gh](#wheres-the---operator) [pandoc](#wheres-the---operator) [b](b.md#summary) [own](#summary)\n"),
        ("b.md", "# B\n\n## Summary\n\n## 1. Intro\n\n[here](#summary) [pandoc style](#intro) [a](./a.md)\n"),
    ]))
    .unwrap();
    let targets: Vec<String> = read
        .book
        .chapters
        .iter()
        .flat_map(|c| &c.blocks)
        .filter_map(|b| match &b.kind {
            BlockKind::Paragraph { content } => Some(content),
            _ => None,
        })
        .flatten()
        .filter_map(|i| match i {
            Inline::Link {
                target: crate::doc::LinkTarget::Internal { id },
                ..
            } => Some(id.clone()),
            _ => None,
        })
        .collect();
    // each page's own `#summary` is its own heading
    assert_eq!(
        targets,
        [
            "wheres-the---operator",
            "wheres-the---operator",
            "summary-1",
            "summary",
            "summary-1",
            "1-intro",
            "wheres-the---operator"
        ]
    );
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
}

/// The greatest container depth (quotes, lists) of `blocks`, iteratively.
fn depth(blocks: &[Block]) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&Block, usize)> = blocks.iter().map(|b| (b, 1)).collect();
    while let Some((block, d)) = stack.pop() {
        deepest = deepest.max(d);
        match &block.kind {
            BlockKind::BlockQuote { blocks } => stack.extend(blocks.iter().map(|b| (b, d + 1))),
            BlockKind::List { items, .. } => {
                for item in items {
                    stack.extend(item.blocks.iter().map(|b| (b, d + 1)));
                }
            }
            _ => {}
        }
    }
    deepest
}

/// Reads `text` on a thread with a 2 MiB stack (a quarter of the main
/// thread's usual 8 MiB): the reader must not recurse with the nesting.
fn read_on_small_stack(text: String) -> Read {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let read = read_one(&text);
            // serialising and dropping the tree must be shallow enough too
            let json = serde_json::to_string(&read.book).expect("serialises");
            assert!(json.contains("deep"));
            read
        })
        .expect("spawn")
        .join()
        .expect("the reader does not overflow a 2 MiB stack")
}

fn assert_flattened(read: &Read) {
    let warnings: Vec<&Diagnostic> = read
        .diagnostics
        .iter()
        .filter(|d| d.code == "nesting-too-deep")
        .collect();
    assert_eq!(warnings.len(), 1, "one warning: {:?}", read.diagnostics);
    assert_eq!(warnings[0].location.file, "a.md");
    assert_eq!(warnings[0].location.line, 3);
    let blocks = &read.book.chapters[0].blocks;
    let d = depth(blocks);
    assert!(d <= MAX_DEPTH + 1, "the tree is {d} deep");
    let mut text = String::new();
    walk_blocks(blocks, &mut |b| {
        if let BlockKind::Paragraph { content } = &b.kind {
            text.push_str(&plain_text(content));
        }
    });
    assert_eq!(text, "deep", "the deepest text is kept");
}

#[test]
fn two_hundred_nested_quotes_are_flattened_with_a_warning() {
    let text = format!("# Deep\n\n{}deep\n", "> ".repeat(200));
    let read = read_on_small_stack(text);
    assert_flattened(&read);
    // the quotes down to the limit are kept
    assert!(depth(&read.book.chapters[0].blocks) >= MAX_DEPTH);
}

#[test]
fn a_hundred_and_fifty_nested_lists_are_flattened_with_a_warning() {
    let text = format!("# Deep\n\n{}deep\n", "- ".repeat(150));
    let read = read_on_small_stack(text);
    assert_flattened(&read);
    // a list level is two frames (list and item), one tree level
    assert!(depth(&read.book.chapters[0].blocks) >= MAX_DEPTH / 2);
}

#[test]
fn shallow_nesting_gives_no_warning() {
    let read = read_one("# Fine\n\n> > > - - - fine\n");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(depth(&read.book.chapters[0].blocks), 7);
}

/// A chapter file exercising every kind of block, with ids chosen to
/// collide with generated ones (`b-N-M`, `fn-N-M`, `chapter-N`) and
/// headings repeated in every file.
fn mixed_file(n: usize) -> String {
    format!(
        "Intro paragraph of file {n}[^a].\n\n\
         # Chapter {n}\n\n\
         ## Section\n\n\
         ## Section\n\n\
         ## Claims a block id {{#b-{m}-3}}\n\n\
         ## Claims a note id {{#fn-{m}-1}}\n\n\
         ## Claims a chapter id {{#chapter-{m}}}\n\n\
         Text with a note[^a], another[^b] and [a link](#section).\n\n\
         > Quote\n>\n> > Nested quote\n>\n> - item in quote\n\n\
         1. one\n2. two\n   - nested\n\n     loose paragraph\n\n\
         - [x] done\n- [ ] open\n\n\
         | a | b |\n|---|:-:|\n| 1 | 2 |\n\n\
         ![Figure {n}](f{n}.png)\n\n\
         ```rust\nfn x() {{}}\n```\n\n\
         ***\n\n\
         Term\n: Definition one\n\n: Definition two\n\n\
         <div>raw</div>\n\n\
         $$x^2$$\n\n\
         ### Section\n\n\
         [^a]: Note a with a paragraph.\n\n    And a second one.\n\n\
         [^b]: Note b.\n    > with a quote\n",
        m = n + 1,
    )
}

#[test]
fn every_id_in_a_large_mixed_book_is_unique() {
    let texts: Vec<(String, String)> = (1..=12)
        .map(|n| (format!("{n:02}.md"), mixed_file(n)))
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let read = read(&manuscript(&files)).expect("the reader succeeds");
    // file 1 opens with an untitled chapter, then one chapter a file
    assert_eq!(read.book.chapters.len(), 13);

    let mut ids = BTreeSet::new();
    let mut blocks = 0;
    let mut claim = |id: &str, what: &str| {
        assert!(!id.is_empty(), "{what} without an id");
        assert!(ids.insert(id.to_string()), "{what} id `{id}` is not unique");
    };
    for chapter in &read.book.chapters {
        claim(&chapter.id, "chapter");
        walk_blocks(&chapter.blocks, &mut |b| {
            blocks += 1;
            claim(&b.id, "block");
        });
        for note in &chapter.footnotes {
            claim(&note.id, "note");
            walk_blocks(&note.blocks, &mut |b| {
                blocks += 1;
                claim(&b.id, "block in a note");
            });
        }
    }
    assert!(blocks > 12 * 30, "a large book: {blocks} blocks");

    // the references point at notes of their own chapter, numbered from 1
    for chapter in &read.book.chapters {
        let notes: Vec<&str> = chapter.footnotes.iter().map(|n| n.id.as_str()).collect();
        walk_blocks(&chapter.blocks, &mut |b| {
            if let BlockKind::Paragraph { content } = &b.kind {
                crate::doc::walk_inlines(content, &mut |i| {
                    if let Inline::FootnoteRef { id, number } = i {
                        assert_eq!(notes.get(*number as usize - 1), Some(&id.as_str()));
                    }
                });
            }
        });
    }

    // explicit ids that collide are reported, one warning each
    let duplicates = read
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-id")
        .count();
    assert!(duplicates >= 12, "{:?}", read.diagnostics);
}

#[test]
fn structure_classes_and_short_titles_are_read() {
    let read = read_one(
        "# To Ada {.dedication}\n\nFor Ada.\n\n# Opening {-}\n\nText.\n\n# The Long Title: With a Subtitle {short=\"Long\"}\n\nText.\n\n# The First Part {.part}\n\n# One: Two\n\nText.\n\n# Tables {.appendix}\n\nA.\n\n# Index {.backmatter}\n\nB.\n",
    );
    let got: Vec<(Division, Option<&str>, &str)> = read
        .book
        .chapters
        .iter()
        .map(|c| (c.division, c.label.as_deref(), c.short_title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Division::Dedication, None, "To Ada"),
            (Division::Chapter, None, "Opening"),
            (Division::Chapter, Some("Chapter 1"), "Long"),
            (Division::Part, Some("Part I"), "The First Part"),
            (Division::Chapter, Some("Chapter 2"), "One"),
            (Division::Appendix, Some("Appendix A"), "Appendix A. Tables"),
            (Division::Back, None, "Index"),
        ]
    );
}

#[test]
fn page_breaks_from_latex_commands_and_css() {
    let read = read_one(
        "# A\n\nOne.\n\n\\newpage\n\nTwo.\n\n<div style=\"page-break-before: always\"></div>\n\nThree.\n\n<div style=\"page-break-after: always\">Text</div>\n",
    );
    let kinds: Vec<&str> = read.book.chapters[0]
        .blocks
        .iter()
        .map(|b| match b.kind {
            BlockKind::PageBreak => "break",
            BlockKind::Paragraph { .. } => "p",
            BlockKind::Div { .. } => "div",
            _ => "other",
        })
        .collect();
    // a div with text of its own is a div, and then a page break
    assert_eq!(kinds, ["p", "break", "p", "break", "p", "div", "break"]);
}

#[test]
fn abbreviations_take_a_no_break_space() {
    let mut text = "Mr. Smith and Dr. Who, cf. p. 3; not Mr.X or AMr. Y.".to_string();
    no_break_after_abbreviations(&mut text);
    assert_eq!(
        text,
        "Mr.\u{a0}Smith and Dr.\u{a0}Who, cf.\u{a0}p.\u{a0}3; not Mr.X or AMr. Y."
    );
}

#[test]
fn sub_and_superscripts_inside_words() {
    let read =
        read_one("# A\n\nH~2~O, x^2^ and 2^10^; not a ~ b ~ c, nor ~~struck~~; `x^2^` in code.\n");
    let BlockKind::Paragraph { content } = &read.book.chapters[0].blocks[0].kind else {
        panic!("a paragraph")
    };
    let kinds: Vec<String> = content
        .iter()
        .map(|i| match i {
            Inline::Text { text } => format!("t:{text}"),
            Inline::Subscript { content } => format!("sub:{}", plain_text(content)),
            Inline::Superscript { content } => format!("sup:{}", plain_text(content)),
            Inline::Strikethrough { content } => format!("del:{}", plain_text(content)),
            Inline::Code { code } => format!("code:{code}"),
            _ => "other".to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "t:H",
            "sub:2",
            "t:O, x",
            "sup:2",
            "t: and 2",
            "sup:10",
            "t:; not a ~ b ~ c, nor ",
            "del:struck",
            "t:; ",
            "code:x^2^",
            "t: in code."
        ]
    );
}

#[test]
fn the_flavor_setting_decides_and_the_chapter_label_is_the_books() {
    let text = "# One\n\na. first\nb. second\n\n# Two\n\nText.\n";
    let mut m = manuscript(&[("a.md", text)]);
    let list = |read: &Read| {
        read.book.chapters[0]
            .blocks
            .iter()
            .find_map(|b| match &b.kind {
                BlockKind::List { numbering, .. } => Some(*numbering),
                _ => None,
            })
    };
    // a `.md` file without front matter: CommonMark, `a.` is text
    let plain = read(&m).unwrap();
    assert_eq!(plain.book.flavors, [Flavor::Commonmark]);
    assert_eq!(list(&plain), None);
    m.config.markdown.flavor = Some(Flavor::Pandoc);
    m.config.book.chapter_label = Some("Lesson {n}".to_string());
    let pandoc = read(&m).unwrap();
    assert_eq!(pandoc.book.flavors, [Flavor::Pandoc]);
    assert_eq!(list(&pandoc), Some(Numbering::LowerAlpha));
    assert_eq!(pandoc.book.chapters[1].label.as_deref(), Some("Lesson 2"));
}

#[test]
fn a_reference_two_headings_share_is_a_warning_naming_both() {
    let m = manuscript(&[(
        "a.md",
        "---\ntitle: T\n---\n\n# One\n\n## Setup\n\nSee [Setup].\n\n# Two\n\n## Setup\n\nText.\n",
    )]);
    let read = read(&m).unwrap();
    let warnings: Vec<String> = read.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("ambiguous-reference")
            && warnings[0].contains("`#setup` (a.md:7)")
            && warnings[0].contains("`#setup-1` (a.md:13)"),
        "{warnings:?}"
    );
}

#[test]
fn links_in_a_table_caption_resolve() {
    let m = manuscript(&[(
        "a.md",
        "---\ntitle: T\n---\n\n# Top\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: See [the top](#top).\n",
    )]);
    let read = read(&m).unwrap();
    let BlockKind::Table { caption, .. } = &read.book.chapters[0].blocks[0].kind else {
        panic!("a table")
    };
    assert!(
        caption.iter().any(|i| matches!(i, Inline::Link { target: crate::doc::LinkTarget::Internal { id }, .. } if id == "top")),
        "{caption:?}"
    );
}
