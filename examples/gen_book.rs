//! Writes a generated manuscript: `cargo run --example gen_book -- DIR CHAPTERS`.

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "target/large-book".to_string());
    let chapters: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(400);
    if let Err(e) = quire::sample::write_large_book(std::path::Path::new(&dir), chapters) {
        eprintln!("error: {dir}: {e}");
        std::process::exit(1);
    }
    eprintln!("wrote {chapters} chapters to {dir}");
}
