//! Emoji short codes (`:smile:`), as GitHub and pandoc's `emoji` extension
//! read them: the names and characters of GitHub's list (gemoji) that books
//! use most. A name not in the list stays as it is written.

/// The short codes, sorted by name for binary search.
const CODES: &[(&str, &str)] = &[
    ("+1", "\u{1F44D}"),
    ("-1", "\u{1F44E}"),
    ("100", "\u{1F4AF}"),
    ("airplane", "\u{2708}\u{FE0F}"),
    ("alarm_clock", "\u{23F0}"),
    ("angry", "\u{1F620}"),
    ("arrow_down", "\u{2B07}\u{FE0F}"),
    ("arrow_left", "\u{2B05}\u{FE0F}"),
    ("arrow_right", "\u{27A1}\u{FE0F}"),
    ("arrow_up", "\u{2B06}\u{FE0F}"),
    ("beer", "\u{1F37A}"),
    ("bell", "\u{1F514}"),
    ("blush", "\u{1F60A}"),
    ("book", "\u{1F4D6}"),
    ("bookmark", "\u{1F516}"),
    ("books", "\u{1F4DA}"),
    ("boom", "\u{1F4A5}"),
    ("bug", "\u{1F41B}"),
    ("bulb", "\u{1F4A1}"),
    ("calendar", "\u{1F4C6}"),
    ("camera", "\u{1F4F7}"),
    ("cat", "\u{1F431}"),
    ("check", "\u{2714}\u{FE0F}"),
    ("clap", "\u{1F44F}"),
    ("coffee", "\u{2615}"),
    ("computer", "\u{1F4BB}"),
    ("confused", "\u{1F615}"),
    ("cry", "\u{1F622}"),
    ("dog", "\u{1F436}"),
    ("email", "\u{1F4E7}"),
    ("eyes", "\u{1F440}"),
    ("fire", "\u{1F525}"),
    ("flushed", "\u{1F633}"),
    ("gift", "\u{1F381}"),
    ("grin", "\u{1F601}"),
    ("grinning", "\u{1F600}"),
    ("hammer", "\u{1F528}"),
    ("heart", "\u{2764}\u{FE0F}"),
    ("heavy_check_mark", "\u{2714}\u{FE0F}"),
    ("hourglass", "\u{231B}"),
    ("house", "\u{1F3E0}"),
    ("information_source", "\u{2139}\u{FE0F}"),
    ("joy", "\u{1F602}"),
    ("key", "\u{1F511}"),
    ("laughing", "\u{1F606}"),
    ("lock", "\u{1F512}"),
    ("mag", "\u{1F50D}"),
    ("memo", "\u{1F4DD}"),
    ("moon", "\u{1F314}"),
    ("muscle", "\u{1F4AA}"),
    ("no_entry", "\u{26D4}"),
    ("ok_hand", "\u{1F44C}"),
    ("pencil", "\u{1F4DD}"),
    ("pencil2", "\u{270F}\u{FE0F}"),
    ("point_right", "\u{1F449}"),
    ("pray", "\u{1F64F}"),
    ("question", "\u{2753}"),
    ("rainbow", "\u{1F308}"),
    ("rocket", "\u{1F680}"),
    ("rotating_light", "\u{1F6A8}"),
    ("sad", "\u{1F61E}"),
    ("scream", "\u{1F631}"),
    ("see_no_evil", "\u{1F648}"),
    ("smile", "\u{1F604}"),
    ("smiley", "\u{1F603}"),
    ("sparkles", "\u{2728}"),
    ("star", "\u{2B50}"),
    ("sunglasses", "\u{1F60E}"),
    ("sunny", "\u{2600}\u{FE0F}"),
    ("tada", "\u{1F389}"),
    ("thinking", "\u{1F914}"),
    ("thumbsdown", "\u{1F44E}"),
    ("thumbsup", "\u{1F44D}"),
    ("tools", "\u{1F6E0}\u{FE0F}"),
    ("trophy", "\u{1F3C6}"),
    ("unlock", "\u{1F513}"),
    ("warning", "\u{26A0}\u{FE0F}"),
    ("wave", "\u{1F44B}"),
    ("white_check_mark", "\u{2705}"),
    ("wink", "\u{1F609}"),
    ("wrench", "\u{1F527}"),
    ("x", "\u{274C}"),
    ("zap", "\u{26A1}"),
];

/// The character of short code `name` (without the colons).
pub fn lookup(name: &str) -> Option<&'static str> {
    CODES
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| CODES[i].1)
}

/// `text` with every known `:name:` replaced by its character.
pub fn replace(text: &str) -> Option<String> {
    if !text.contains(':') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let end =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')));
        match end.filter(|&e| e > 0 && after[e..].starts_with(':')) {
            Some(e) if lookup(&after[..e]).is_some() => {
                out.push_str(&rest[..start]);
                out.push_str(lookup(&after[..e]).unwrap_or_default());
                rest = &after[e + 1..];
                changed = true;
            }
            _ => {
                out.push_str(&rest[..start + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_codes_are_replaced() {
        assert!(
            CODES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        assert_eq!(
            replace("Done :tada: at 10:30, :not_a_code: :+1:").as_deref(),
            Some("Done \u{1F389} at 10:30, :not_a_code: \u{1F44D}")
        );
        assert_eq!(replace("no codes: here"), None);
    }
}
