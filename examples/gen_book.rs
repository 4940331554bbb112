//! Writes a generated manuscript: `cargo run --example gen_book -- DIR
//! CHAPTERS [long-blocks|code-heavy|varied]` (`long-blocks`: the book whose code
//! blocks, tables, lists and notes are long enough for pages to start inside
//! them; `code-heavy`: a programming book's listings, terminal sessions,
//! identifiers in prose, tables and wide figures; `varied`: prose chapters
//! whose openings and lengths differ from one to the next).

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/large-book".to_string());
    let chapters: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(400);
    let path = std::path::Path::new(&dir);
    let written = match args.next().as_deref() {
        Some("long-blocks") => quire::sample::write_long_blocks_book(path, chapters),
        Some("code-heavy") => quire::sample::write_code_heavy_book(path, chapters),
        Some("varied") => quire::sample::write_varied_book(path, chapters),
        _ => quire::sample::write_large_book(path, chapters),
    };
    if let Err(e) = written {
        eprintln!("error: {dir}: {e}");
        std::process::exit(1);
    }
    eprintln!("wrote {chapters} chapters to {dir}");
}
