//! Arbitrary bytes as `book.toml`: parsing must return a configuration or an
//! error naming a place inside the text, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match quire::config::parse_toml("book.toml", &text) {
        Ok(config) => {
            // what the build does next with the values
            let _ = quire::typeset::Settings::from_config(&config.pdf);
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("book.toml:"), "{message}");
        }
    }
    // the same bytes as YAML front matter
    let _ = quire::config::parse_front_matter("a.md", &text, 1);
});
