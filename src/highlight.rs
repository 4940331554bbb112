//! Syntax highlighting of code blocks, shared by the PDF and the EPUB.
//!
//! The grammars are the Sublime Text syntaxes that `syntect` bundles
//! (<https://github.com/trishume/syntect>, built here with its pure-Rust
//! `fancy-regex` engine and no themes). A block's language token (`rust`,
//! `python`, `js`, `sh`, `json`, `c`, `html`…) picks the grammar; each line
//! is parsed with a [`ParseState`] and the scopes it reports are reduced to a
//! handful of [`TokenKind`]s, which each edition styles its own way: colours
//! dark enough to print well in greyscale for the PDF
//! ([`TokenKind::print_rgb`]) and CSS classes for the EPUB
//! ([`TokenKind::css_class`]). TOML, which syntect does not bundle, gets a
//! small lexer of its own.
//!
//! Highlighting is bounded and never fails: an unknown language, a line
//! longer than [`MAX_LINE`] or with a word longer than [`MAX_WORD`], a
//! block larger than [`MAX_BLOCK`] or a grammar
//! error leaves the text plain. Everything is deterministic (no time
//! budgets), so builds stay byte-reproducible.

use std::sync::{Mutex, OnceLock};

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

/// Lines longer than this (in bytes) are not highlighted: grammars can be
/// slow on pathological input (and such a line fills a dozen printed lines,
/// where colour helps little).
pub const MAX_LINE: usize = 1_000;

/// Lines with a word (a run of non-space characters) longer than this are
/// not highlighted. Grammars rescan a long token from each of its
/// characters: one 2,000-letter identifier takes about 0.3 s in the
/// JavaScript grammar, one of 250 letters under 20 ms.
pub const MAX_WORD: usize = 256;

/// Blocks larger than this (in bytes) are not highlighted at all.
pub const MAX_BLOCK: usize = 64 * 1024;

/// What a token is, as far as styling goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Identifiers, white space, anything not classified below.
    Plain,
    /// Keywords, declarators and storage modifiers (`fn`, `let`, `pub`).
    Keyword,
    /// String and character literals, with their quotes and escapes.
    String,
    /// Comments, with their delimiters.
    Comment,
    /// Numeric literals.
    Number,
    /// Names of functions and macros, where defined or (for built-ins) used.
    Function,
    /// Type names: primitive types, declared structs, classes, enums.
    Type,
    /// Brackets, separators and operators.
    Punctuation,
    /// The `$` prompt of a terminal session.
    Prompt,
}

impl TokenKind {
    /// The colour of the token in print (RGB, 0–1), or `None` for black.
    ///
    /// All colours are dark (relative luminance ≤ 0.2) so that code stays
    /// crisp when the book is printed in greyscale; comments are a mid grey
    /// instead of italic, since the monospace face has no italic.
    pub fn print_rgb(self) -> Option<[f32; 3]> {
        match self {
            TokenKind::Plain | TokenKind::Punctuation => None,
            TokenKind::Keyword => Some([0.05, 0.20, 0.55]),
            TokenKind::String => Some([0.05, 0.36, 0.10]),
            TokenKind::Comment | TokenKind::Prompt => Some([0.40, 0.40, 0.40]),
            TokenKind::Number => Some([0.62, 0.10, 0.05]),
            TokenKind::Function => Some([0.38, 0.10, 0.50]),
            TokenKind::Type => Some([0.00, 0.34, 0.40]),
        }
    }

    /// The EPUB class of the token (`tok-keyword`…), or `None` for plain
    /// text, which gets no span.
    pub fn css_class(self) -> Option<&'static str> {
        match self {
            TokenKind::Plain => None,
            TokenKind::Keyword => Some("tok-keyword"),
            TokenKind::String => Some("tok-string"),
            TokenKind::Comment => Some("tok-comment"),
            TokenKind::Number => Some("tok-number"),
            TokenKind::Function => Some("tok-function"),
            TokenKind::Type => Some("tok-type"),
            TokenKind::Punctuation => Some("tok-punctuation"),
            TokenKind::Prompt => Some("tok-prompt"),
        }
    }
}

/// One highlighted source line: its text cut into classified pieces, in
/// order, adjacent pieces of the same kind merged. The pieces concatenate
/// to the line exactly.
pub type Line = Vec<(TokenKind, String)>;

/// Highlights `code` written in `lang` (a Markdown info string: its first
/// word is the language, `rust,ignore` and `{.rust}` are understood).
///
/// Returns one [`Line`] per line of `code` as [`str::lines`] splits it
/// (so a final newline adds no line), each without its line ending. An
/// unknown or absent language gives plain lines.
pub fn highlight(lang: Option<&str>, code: &str) -> Vec<Line> {
    // with or without its final line ending, a block has the same lines:
    // one cache entry for both (the PDF and EPUB writers differ there)
    let code = code
        .strip_suffix("\r\n")
        .or_else(|| code.strip_suffix('\n'))
        .unwrap_or(code);
    let plain = || code.lines().map(plain_line).collect();
    let session = || code.lines().map(session_line).collect();
    let Some(token) = lang.and_then(language_token) else {
        return if lang.is_some_and(is_session_language) {
            session()
        } else {
            plain()
        };
    };
    // a shell block with a prompt is a session: commands and their output,
    // whose words are not the shell's keywords
    if matches!(token.as_str(), "sh" | "bash") && code.lines().any(|l| l.starts_with("$ ")) {
        return session();
    }
    if code.len() > MAX_BLOCK {
        return plain();
    }
    if matches!(token.as_str(), "toml" | "ini" | "cfg" | "conf") {
        let mut multi = None;
        return code.lines().map(|l| toml_line(l, &mut multi)).collect();
    }
    let set = syntax_set();
    let syntax = match set.find_syntax_by_token(&token) {
        Some(syntax) if syntax.name != "Plain Text" => syntax,
        _ => return plain(),
    };
    // Each block is highlighted twice in a build (the PDF, then the EPUB,
    // whose page-list needs the layout too): parse it once.
    let key = (syntax.name.clone(), code.to_string());
    if let Some(lines) = cache().get(&key) {
        return lines.clone();
    }
    let lines = highlight_with(set, syntax, code);
    cache().insert(key, lines.clone());
    lines
}

/// Highlighted blocks by (grammar, code), dropped whole past
/// [`CACHE_BYTES`] of code (a long `quire watch` session).
#[derive(Default)]
struct Cache {
    map: std::collections::HashMap<(String, String), Vec<Line>>,
    bytes: usize,
}

/// The most code the cache keeps.
const CACHE_BYTES: usize = 32 * 1024 * 1024;

impl Cache {
    fn get(&self, key: &(String, String)) -> Option<&Vec<Line>> {
        self.map.get(key)
    }

    fn insert(&mut self, key: (String, String), lines: Vec<Line>) {
        if self.bytes + key.1.len() > CACHE_BYTES {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += key.1.len();
        self.map.insert(key, lines);
    }
}

/// The cache, locked (a panic elsewhere while it was held leaves it usable:
/// it holds finished results only).
fn cache() -> std::sync::MutexGuard<'static, Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether [`highlight`] knows the language named by `lang`.
pub fn knows(lang: &str) -> bool {
    match language_token(lang) {
        Some(t) if matches!(t.as_str(), "toml" | "ini" | "cfg" | "conf") => true,
        Some(t) => syntax_set()
            .find_syntax_by_token(&t)
            .is_some_and(|s| s.name != "Plain Text"),
        None => false,
    }
}

/// The grammar lookup token of an info string: its first word, lowercased,
/// with common aliases mapped to names the bundled grammars answer to.
fn language_token(info: &str) -> Option<String> {
    let word = info
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())?
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.')
        .to_ascii_lowercase();
    let token = match word.as_str() {
        // terminal sessions and program output are shown as they are
        "" | "console" | "shellsession" | "sh-session" | "text" | "txt" | "output" | "plain"
        | "plaintext" => return None,
        "shell" | "zsh" | "ksh" => "sh",
        "ts" | "typescript" | "jsx" | "tsx" | "mjs" | "cjs" | "node" => "js",
        "python3" | "py3" | "python2" => "py",
        "c#" | "csharp" => "cs",
        "golang" => "go",
        "jsonc" | "json5" => "json",
        "xhtml" | "htm" => "html",
        "svg" | "xsl" | "xslt" => "xml",
        "objc" | "objective-c" => "m",
        "rs" => "rust",
        other => other,
    };
    Some(token.to_string())
}

/// The bundled grammars, loaded once (they are a compressed dump inside
/// syntect; loading takes a few milliseconds, compiling each grammar's
/// regexes happens lazily on first use).
fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Scope prefixes and what they mean, checked from the innermost scope out.
/// Comments, strings and numbers are checked first over the whole stack so
/// that their delimiters and escapes keep their colour.
struct Rules {
    /// Kinds that own everything inside them.
    outer: Vec<(Scope, TokenKind)>,
    /// The rest, first match wins for a scope.
    inner: Vec<(Scope, TokenKind)>,
    /// `storage.type` alone: a type (`u8`, `int`) or a declarator (`let`).
    storage_type: Scope,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let list = |pairs: &[(&str, TokenKind)]| {
            pairs
                .iter()
                .map(|(s, k)| (Scope::new(s).expect("a valid scope"), *k))
                .collect()
        };
        use TokenKind::*;
        Rules {
            outer: list(&[
                ("comment", Comment),
                ("punctuation.definition.comment", Comment),
                ("string", String),
                ("punctuation.definition.string", String),
                ("constant.numeric", Number),
            ]),
            inner: list(&[
                ("keyword.operator.word", Keyword),
                ("keyword.operator.logical.python", Keyword),
                ("keyword.operator", Punctuation),
                ("keyword", Keyword),
                ("storage.type.function", Keyword),
                ("storage.type.class", Keyword),
                ("storage.type.struct", Keyword),
                ("storage.type.enum", Keyword),
                ("storage.type.union", Keyword),
                ("storage.type.impl", Keyword),
                ("storage.type.trait", Keyword),
                ("storage.type.type", Keyword),
                ("storage.type.module", Keyword),
                ("storage.type.mod", Keyword),
                ("storage.type.interface", Keyword),
                ("storage.type.namespace", Keyword),
                ("storage.type.macro", Keyword),
                ("storage.type.string", String),
                ("storage.type", Type),
                ("storage", Keyword),
                ("constant.language", Keyword),
                ("variable.language", Keyword),
                ("entity.name.function", Function),
                ("support.function", Function),
                ("support.macro", Function),
                ("variable.function", Function),
                ("entity.name.type", Type),
                ("entity.name.struct", Type),
                ("entity.name.enum", Type),
                ("entity.name.class", Type),
                ("entity.name.trait", Type),
                ("entity.name.impl", Type),
                ("entity.name.union", Type),
                ("entity.name.interface", Type),
                ("entity.other.inherited-class", Type),
                ("entity.name.tag", Keyword),
                ("entity.other.attribute-name", Type),
                ("support.type", Type),
                ("support.class", Type),
                ("punctuation", Punctuation),
            ]),
            storage_type: Scope::new("storage.type").expect("a valid scope"),
        }
    })
}

/// Words that some grammars scope as a bare `storage.type` but that read as
/// keywords (`let` in Rust, `var` in JavaScript).
const DECLARATORS: &[&str] = &[
    "let", "var", "const", "mut", "static", "auto", "typedef", "extern", "struct", "enum", "union",
    "class", "fn", "func", "def", "function", "type",
];

/// The kind of a piece of text under `stack`.
fn classify(stack: &[Scope], text: &str) -> TokenKind {
    let rules = rules();
    for scope in stack {
        if let Some((_, kind)) = rules.outer.iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            return *kind;
        }
    }
    for scope in stack.iter().rev() {
        if let Some((prefix, kind)) = rules.inner.iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            if *prefix == rules.storage_type && DECLARATORS.contains(&text.trim()) {
                return TokenKind::Keyword;
            }
            return *kind;
        }
    }
    TokenKind::Plain
}

fn highlight_with(set: &SyntaxSet, syntax: &SyntaxReference, code: &str) -> Vec<Line> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut failed = false;
    let mut out = Vec::new();
    let mut buf = String::new();
    for line in code.lines() {
        if failed || line.len() > MAX_LINE || longest_word(line) > MAX_WORD {
            // Not parsed: the state carries on as if the line were absent.
            out.push(plain_line(line));
            continue;
        }
        // The grammars expect each line with its newline.
        buf.clear();
        buf.push_str(line);
        buf.push('\n');
        match highlight_line(set, &mut state, &mut stack, &buf) {
            Some(mut pieces) => {
                // drop the newline we added
                if let Some((_, last)) = pieces.last_mut() {
                    last.pop();
                    if last.is_empty() {
                        pieces.pop();
                    }
                }
                out.push(pieces);
            }
            None => {
                failed = true;
                out.push(plain_line(line));
            }
        }
    }
    out
}

/// Parses one line (with its newline); `None` if the grammar fails.
fn highlight_line(
    set: &SyntaxSet,
    state: &mut ParseState,
    stack: &mut ScopeStack,
    line: &str,
) -> Option<Line> {
    let ops = state.parse_line(line, set).ok()?;
    let mut pieces: Line = Vec::new();
    let mut start = 0;
    for (at, op) in ops {
        let at = at.min(line.len());
        if at > start {
            let text = &line[start..at];
            push_piece(&mut pieces, classify(stack.as_slice(), text), text);
            start = at;
        }
        stack.apply(&op).ok()?;
    }
    if start < line.len() {
        let text = &line[start..];
        push_piece(&mut pieces, classify(stack.as_slice(), text), text);
    }
    Some(pieces)
}

/// Appends a piece, merging it with the previous one when they share a
/// kind. White space alone is plain (spans hold just their token; the PDF
/// gives spaces the colour of what follows, see `typeset::flow`).
fn push_piece(pieces: &mut Line, kind: TokenKind, text: &str) {
    if text.is_empty() {
        return;
    }
    let kind = if text.chars().all(char::is_whitespace) {
        TokenKind::Plain
    } else {
        kind
    };
    match pieces.last_mut() {
        Some((last_kind, last)) if *last_kind == kind => last.push_str(text),
        _ => pieces.push((kind, text.to_string())),
    }
}

/// The length in bytes of the longest run of non-space characters.
fn longest_word(line: &str) -> usize {
    line.split(char::is_whitespace)
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Whether an info string names a terminal session (`console`…).
fn is_session_language(info: &str) -> bool {
    let word = info
        .split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .trim_start_matches('{')
        .trim_start_matches('.');
    ["console", "shellsession", "sh-session"]
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s))
}

/// A line of a terminal session: its `$ ` prompt marked, the rest plain
/// (no keyword is coloured in a command or its output).
fn session_line(line: &str) -> Line {
    match line.strip_prefix('$') {
        Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
            let mut pieces = vec![(TokenKind::Prompt, "$".to_string())];
            if !rest.is_empty() {
                pieces.push((TokenKind::Plain, rest.to_string()));
            }
            pieces
        }
        _ => plain_line(line),
    }
}

fn plain_line(line: &str) -> Line {
    if line.is_empty() {
        Vec::new()
    } else {
        vec![(TokenKind::Plain, line.to_string())]
    }
}

/// A small TOML (and INI) lexer for one line: comments, strings (basic,
/// literal, and multi-line ones, whose closing quotes `in_multi` awaits
/// across lines), numbers and dates, booleans, table headers and keys.
fn toml_line(line: &str, in_multi: &mut Option<&'static str>) -> Line {
    let mut pieces: Line = Vec::new();
    let mut rest = line;
    let at_key = |pieces: &Line| {
        pieces
            .iter()
            .all(|(_, t)| t.chars().all(char::is_whitespace))
    };
    while !rest.is_empty() {
        if let Some(close) = *in_multi {
            let (text, done) = match rest.find(close) {
                Some(i) => (&rest[..i + close.len()], true),
                None => (rest, false),
            };
            push_piece(&mut pieces, TokenKind::String, text);
            rest = &rest[text.len()..];
            if done {
                *in_multi = None;
            }
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        let (kind, len) = if c == '#' || (c == ';' && at_key(&pieces)) {
            (TokenKind::Comment, rest.len())
        } else if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            *in_multi = Some(if c == '"' { "\"\"\"" } else { "'''" });
            (TokenKind::String, 3)
        } else if c == '"' || c == '\'' {
            let mut end = rest.len();
            let mut escaped = false;
            for (i, ch) in rest.char_indices().skip(1) {
                if c == '"' && ch == '\\' && !escaped {
                    escaped = true;
                    continue;
                }
                if ch == c && !escaped {
                    end = i + 1;
                    break;
                }
                escaped = false;
            }
            (TokenKind::String, end)
        } else if c == '[' && at_key(&pieces) {
            (
                TokenKind::Type,
                rest.find(']').map_or(rest.len(), |i| i + 1),
            )
        } else if c.is_whitespace() {
            let n = rest
                .find(|ch: char| !ch.is_whitespace())
                .unwrap_or(rest.len());
            (TokenKind::Plain, n)
        } else if c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.') {
            let n = rest
                .find(|ch: char| {
                    !(ch.is_alphanumeric() || matches!(ch, '_' | '-' | '+' | '.' | ':'))
                })
                .unwrap_or(rest.len());
            let word = &rest[..n];
            let kind = if at_key(&pieces) {
                TokenKind::Function
            } else if matches!(word, "true" | "false" | "inf" | "nan" | "+inf" | "-inf") {
                TokenKind::Keyword
            } else if word.starts_with(|ch: char| ch.is_ascii_digit() || ch == '+' || ch == '-') {
                TokenKind::Number
            } else {
                TokenKind::Plain
            };
            (kind, n.max(c.len_utf8()))
        } else {
            (TokenKind::Punctuation, c.len_utf8())
        };
        push_piece(&mut pieces, kind, &rest[..len]);
        rest = &rest[len..];
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_output_are_not_highlighted() {
        let script = "if true; then echo \"x\"; fi\n";
        assert!(highlight(Some("sh"), script)
            .iter()
            .flatten()
            .any(|(k, _)| *k == TokenKind::Keyword));
        // a session (a `$ ` prompt), whatever its language: only the
        // prompt is marked, and a stray backtick colours nothing after it
        let code =
            "$ if true; then echo \"x\"; fi\nerror: `for` is not a file; if it is, run it\n$\n";
        for lang in [
            "console",
            "sh",
            "bash",
            "shell",
            "console,ignore",
            "shellsession",
        ] {
            let lines = highlight(Some(lang), code);
            assert_eq!(text_of(&lines), code.trim_end(), "{lang}");
            assert_eq!(lines[0][0], (TokenKind::Prompt, "$".into()), "{lang}");
            assert_eq!(lines[2], [(TokenKind::Prompt, "$".into())], "{lang}");
            assert!(
                lines
                    .iter()
                    .flatten()
                    .all(|(k, _)| matches!(k, TokenKind::Plain | TokenKind::Prompt)),
                "{lang}: {lines:?}"
            );
        }
        for lang in ["text", "output", "plain"] {
            let lines = highlight(Some(lang), code);
            assert!(
                lines.iter().flatten().all(|(k, _)| *k == TokenKind::Plain),
                "{lang}: {lines:?}"
            );
        }
    }

    fn kinds_of(lines: &[Line], word: &str) -> Vec<TokenKind> {
        lines
            .iter()
            .flatten()
            .filter(|(_, t)| t.contains(word))
            .map(|(k, _)| *k)
            .collect()
    }

    fn text_of(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| l.iter().map(|(_, t)| t.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn rust_keywords_strings_comments_and_numbers() {
        let code = "// a comment\nfn main() {\n    let x: u8 = 42;\n    println!(\"hi\");\n}\n";
        let lines = highlight(Some("rust"), code);
        assert_eq!(lines.len(), 5);
        assert_eq!(text_of(&lines), code.trim_end());
        assert_eq!(lines[0], vec![(TokenKind::Comment, "// a comment".into())]);
        assert_eq!(lines[1][0], (TokenKind::Keyword, "fn".into()));
        assert_eq!(lines[1][1], (TokenKind::Plain, " ".into()));
        assert_eq!(kinds_of(&lines, "main"), [TokenKind::Function]);
        assert_eq!(kinds_of(&lines, "let"), [TokenKind::Keyword]);
        assert_eq!(kinds_of(&lines, "u8"), [TokenKind::Type]);
        assert_eq!(kinds_of(&lines, "42"), [TokenKind::Number]);
        assert_eq!(kinds_of(&lines, "\"hi\""), [TokenKind::String]);
        assert_eq!(kinds_of(&lines, "println!"), [TokenKind::Function]);
    }

    #[test]
    fn info_strings_and_aliases() {
        let code = "x = 1 # c\n";
        for lang in ["python", "py", "{.python}", "python3 title=x"] {
            let lines = highlight(Some(lang), code);
            assert_eq!(kinds_of(&lines, "# c"), [TokenKind::Comment], "{lang}");
        }
        let rust = highlight(Some("rust,ignore"), "fn f() {}");
        assert_eq!(rust[0][0].0, TokenKind::Keyword);
        for lang in [
            "sh", "bash", "shell", "js", "ts", "json", "c", "html", "yaml", "toml",
        ] {
            assert!(knows(lang), "{lang}");
        }
    }

    #[test]
    fn unknown_or_absent_language_is_plain() {
        let code = "fn main() {}\n\nlet x = \"s\";";
        for lang in [None, Some("klingon"), Some(""), Some("text"), Some("   ")] {
            let lines = highlight(lang, code);
            assert_eq!(lines.len(), 3);
            assert!(lines[1].is_empty());
            assert!(lines.iter().flatten().all(|(k, _)| *k == TokenKind::Plain));
            assert_eq!(text_of(&lines), code);
        }
    }

    #[test]
    fn a_very_long_line_is_plain_and_quick() {
        let long = format!("let s = \"{}\";", "a(".repeat(5_000));
        assert!(long.len() > 10_000);
        let code = format!("fn f() {{\n{long}\n    let y = 1;\n}}\n");
        let started = std::time::Instant::now();
        let lines = highlight(Some("rust"), &code);
        assert!(started.elapsed().as_secs() < 10);
        assert_eq!(lines[1], vec![(TokenKind::Plain, long.clone())]);
        // the lines after it are still highlighted
        assert_eq!(kinds_of(&lines[2..], "let"), [TokenKind::Keyword]);
        assert_eq!(text_of(&lines), code.trim_end());
    }

    #[test]
    fn a_line_with_a_very_long_word_is_plain() {
        let word = "x".repeat(MAX_WORD + 1);
        let code = format!(
            "let a = 1;\nlet b = {word};\nlet c = \"{}\";",
            "y".repeat(100)
        );
        let lines = highlight(Some("js"), &code);
        assert_eq!(
            lines[1],
            vec![(TokenKind::Plain, format!("let b = {word};"))]
        );
        assert_eq!(kinds_of(&lines[..1], "let"), [TokenKind::Keyword]);
        assert_eq!(kinds_of(&lines[2..], "let"), [TokenKind::Keyword]);
        assert_eq!(kinds_of(&lines[2..], "yyy"), [TokenKind::String]);
    }

    #[test]
    fn a_huge_block_is_plain() {
        let code = "let x = 1;\n".repeat(MAX_BLOCK / 10);
        let lines = highlight(Some("rust"), &code);
        assert!(lines.iter().flatten().all(|(k, _)| *k == TokenKind::Plain));
    }

    #[test]
    fn crlf_lines_and_unicode_round_trip() {
        let code = "// é → ü\r\nlet s = \"ß\";\r\n";
        let lines = highlight(Some("rust"), code);
        assert_eq!(lines.len(), 2);
        assert_eq!(text_of(&lines), "// é → ü\nlet s = \"ß\";");
    }

    #[test]
    fn toml_is_highlighted() {
        let code = "[package]\nname = \"quire\" # c\nversion = 3\nok = true\n";
        let lines = highlight(Some("toml"), code);
        assert_eq!(text_of(&lines), code.trim_end());
        assert_eq!(lines[0], vec![(TokenKind::Type, "[package]".into())]);
        assert_eq!(kinds_of(&lines, "name"), [TokenKind::Function]);
        assert_eq!(kinds_of(&lines, "\"quire\""), [TokenKind::String]);
        assert_eq!(kinds_of(&lines, "# c"), [TokenKind::Comment]);
        assert_eq!(kinds_of(&lines, "3"), [TokenKind::Number]);
        assert_eq!(kinds_of(&lines, "true"), [TokenKind::Keyword]);
        let multi = highlight(
            Some("toml"),
            "s = \"\"\"\none # not a comment\n\"\"\"\nn = 1",
        );
        assert_eq!(
            multi[1],
            vec![(TokenKind::String, "one # not a comment".into())]
        );
        assert_eq!(kinds_of(&multi, "1"), [TokenKind::Number]);
    }

    #[test]
    fn every_kind_has_a_style() {
        use TokenKind::*;
        for kind in [
            Keyword,
            String,
            Comment,
            Number,
            Function,
            Type,
            Punctuation,
            Prompt,
        ] {
            assert!(kind.css_class().is_some_and(|c| c.starts_with("tok-")));
        }
        assert_eq!(Plain.css_class(), None);
        assert_eq!(Plain.print_rgb(), None);
        for kind in [Keyword, String, Comment, Number, Function, Type] {
            let [r, g, b] = kind.print_rgb().unwrap();
            // dark enough for greyscale print
            assert!(0.2126 * r + 0.7152 * g + 0.0722 * b <= 0.45, "{kind:?}");
        }
    }
}
