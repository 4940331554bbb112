//! pandoc's simple, multiline and grid tables, rewritten before parsing as
//! the pipe tables pulldown-cmark reads, and table captions (`Table: …` or
//! `: …`, before or after any table) moved to just after their table, where
//! the reader takes them (pandoc's manual, "Tables": `simple_tables`,
//! `multiline_tables`, `grid_tables`, `table_captions`).
//!
//! Every output line records the input line it came from, so positions
//! still point into the source.
//!
//! Cells hold inline content in the tree: a grid cell's several lines are
//! joined with spaces (list items in a cell are marked with a bullet), and a
//! cell spanning rows or columns keeps its text in its first cell.

/// The rewritten text and, per output line, the input line (1-based).
pub struct Rewritten {
    /// The text, with pipe tables in place of the other kinds.
    pub text: String,
    /// For each line of `text`, the line of the input it stands for.
    pub lines: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Align {
    Default,
    Left,
    Right,
    Center,
}

/// A table read from the source: alignments, header (maybe none), rows,
/// and the input line each output line stands for.
struct Table {
    aligns: Vec<Align>,
    head: Option<(Vec<String>, u32)>,
    rows: Vec<(Vec<String>, u32)>,
    /// The input line of the table's rule under the header (or first line).
    rule_line: u32,
}

/// Rewrites every pandoc table that is not a pipe table; moves captions.
/// `None` when the text has none of either.
pub fn rewrite(text: &str) -> Option<Rewritten> {
    if !text.contains("---")
        && !text.contains("+=")
        && !text.contains("able:")
        && !text.contains("\n: ")
    {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, u32)> = Vec::with_capacity(lines.len());
    let mut changed = false;
    let mut fence: Option<(char, usize)> = None;
    // captions written so far end here: never a later table's
    let mut settled = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        // fenced code is left alone
        if let Some((c, n)) = fence {
            if trimmed.chars().take_while(|&x| x == c).count() >= n
                && trimmed.trim_start_matches(c).trim().is_empty()
            {
                fence = None;
            }
            out.push((line.to_string(), i as u32 + 1));
            i += 1;
            continue;
        }
        if let Some(c @ ('`' | '~')) = trimmed.chars().next() {
            let run = trimmed.chars().take_while(|&x| x == c).count();
            if run >= 3 && line.len() - trimmed.len() < 4 {
                fence = Some((c, run));
                out.push((line.to_string(), i as u32 + 1));
                i += 1;
                continue;
            }
        }
        let starts_block = i == 0 || lines[i - 1].trim().is_empty();
        // four spaces in is indented code (an example of a table, say)
        let indented = line.len() - trimmed.len() >= 4;
        if starts_block && !indented {
            let found = grid(&lines, i)
                .or_else(|| multiline(&lines, i))
                .or_else(|| simple(&lines, i));
            if let Some((table, end)) = found {
                changed = true;
                let before = caption_before(&mut out, settled);
                write_pipe_table(&table, &mut out);
                let (after, next) = caption_after(&lines, end);
                if let Some((caption, at)) = before.or(after) {
                    out.push((String::new(), at));
                    out.push((format!("Table: {caption}"), at));
                }
                settled = out.len();
                i = next;
                continue;
            }
            if let Some(end) = pipe_table(&lines, i) {
                // a pipe table stays; its caption goes after it
                let before = caption_before(&mut out, settled);
                for (n, l) in lines.iter().enumerate().take(end).skip(i) {
                    out.push((l.to_string(), n as u32 + 1));
                }
                let (after, next) = caption_after(&lines, end);
                if let Some((caption, at)) = before.or(after) {
                    changed = true;
                    out.push((String::new(), at));
                    out.push((format!("Table: {caption}"), at));
                }
                settled = out.len();
                i = next;
                continue;
            }
        }
        out.push((line.to_string(), i as u32 + 1));
        i += 1;
    }
    if !changed {
        return None;
    }
    let mut text_out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(out.len());
    for (line, at) in out {
        text_out.push_str(&line);
        text_out.push('\n');
        map.push(at);
    }
    Some(Rewritten {
        text: text_out,
        lines: map,
    })
}

/// A caption paragraph: `Table: x`, `table: x` or `: x`.
fn caption_start(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    t.strip_prefix("Table:")
        .or_else(|| t.strip_prefix("table:"))
        .or_else(|| t.strip_prefix(": "))
        .map(str::trim)
}

/// A caption paragraph just before the table (then a blank line): taken
/// out of what was written so far (not before `settled`, where another
/// table's caption may stand).
fn caption_before(out: &mut Vec<(String, u32)>, settled: usize) -> Option<(String, u32)> {
    let n = out.len();
    if n < 2 || !out[n - 1].0.trim().is_empty() {
        return None;
    }
    // the paragraph's first line
    let mut start = n - 1;
    while start > 0 && !out[start - 1].0.trim().is_empty() {
        start -= 1;
    }
    if start == n - 1 || start < settled {
        return None;
    }
    let first = caption_start(&out[start].0)?;
    if start > 0 && !out[start - 1].0.trim().is_empty() {
        return None;
    }
    let mut caption = first.to_string();
    for (l, _) in &out[start + 1..n - 1] {
        caption.push(' ');
        caption.push_str(l.trim());
    }
    let at = out[start].1;
    out.truncate(start);
    out.push((String::new(), at));
    Some((caption, at))
}

/// A caption paragraph after the table (line `end` on, after at most one
/// blank line): the caption and the line after it.
fn caption_after(lines: &[&str], end: usize) -> (Option<(String, u32)>, usize) {
    let mut j = end;
    if j < lines.len() && lines[j].trim().is_empty() {
        j += 1;
    }
    let Some(first) = lines.get(j).and_then(|l| caption_start(l)) else {
        return (None, end);
    };
    let at = j as u32 + 1;
    let mut caption = first.to_string();
    j += 1;
    while j < lines.len() && !lines[j].trim().is_empty() {
        caption.push(' ');
        caption.push_str(lines[j].trim());
        j += 1;
    }
    (Some((caption, at)), j)
}

/// Writes `table` as a pipe table.
fn write_pipe_table(table: &Table, out: &mut Vec<(String, u32)>) {
    let row = |cells: &[String]| {
        let mut s = String::from("|");
        for k in 0..table.aligns.len() {
            let cell = cells.get(k).map_or("", String::as_str);
            s.push(' ');
            s.push_str(&cell.replace('|', "\\|"));
            s.push_str(" |");
        }
        s
    };
    let (head, head_line) = match &table.head {
        Some((cells, at)) => (cells.clone(), *at),
        None => (vec![String::new(); table.aligns.len()], table.rule_line),
    };
    out.push((row(&head), head_line));
    let mut rule = String::from("|");
    for a in &table.aligns {
        rule.push_str(match a {
            Align::Default => "---|",
            Align::Left => ":--|",
            Align::Right => "--:|",
            Align::Center => ":-:|",
        });
    }
    out.push((rule, table.rule_line));
    for (cells, at) in &table.rows {
        out.push((row(cells), *at));
    }
}

/// The runs of `-` (or `=`) in a line: (start, end) in characters, end
/// inclusive. `None` when the line has anything else.
fn dash_groups(line: &str) -> Option<Vec<(usize, usize)>> {
    let chars: Vec<char> = line.chars().collect();
    if chars.iter().any(|&c| c != '-' && c != ' ') || !chars.contains(&'-') {
        return None;
    }
    let mut groups = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        if chars[k] == '-' {
            let s = k;
            while k < chars.len() && chars[k] == '-' {
                k += 1;
            }
            groups.push((s, k - 1));
        } else {
            k += 1;
        }
    }
    Some(groups)
}

/// The text of column `k` of `line`, columns bounded by `groups`.
fn column(line: &str, groups: &[(usize, usize)], k: usize) -> String {
    let chars: Vec<char> = line.chars().collect();
    let from = if k == 0 { 0 } else { groups[k - 1].1 + 1 };
    let to = if k + 1 == groups.len() {
        chars.len()
    } else {
        groups[k].1 + 1
    };
    chars
        .get(from.min(chars.len())..to.min(chars.len()))
        .map(|c| c.iter().collect::<String>())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A column's alignment from where `line`'s text sits over its dashes.
fn alignment(line: &str, group: (usize, usize)) -> Align {
    let chars: Vec<char> = line.chars().collect();
    let at = |k: usize| chars.get(k).is_some_and(|c| !c.is_whitespace());
    // text reaching past the dashes counts as flush on that side
    let left = at(group.0) && (group.0 == 0 || !at(group.0 - 1));
    let right = at(group.1) && !at(group.1 + 1);
    match (left, right) {
        (true, true) => Align::Default,
        (true, false) => Align::Left,
        (false, true) => Align::Right,
        (false, false) => Align::Center,
    }
}

fn is_blank(line: Option<&&str>) -> bool {
    line.is_none_or(|l| l.trim().is_empty())
}

/// A simple table at line `i`: header, dashes in two or more groups, rows
/// up to a blank line; or, without a header, dashes, rows, dashes. Returns
/// the table and the line after it.
fn simple(lines: &[&str], i: usize) -> Option<(Table, usize)> {
    let (head, rule, first_row) = match dash_groups(lines[i]) {
        // headerless: opens with its dashes
        Some(g) if g.len() >= 2 => (None, i, i + 1),
        Some(_) => return None,
        None => {
            let g = dash_groups(lines.get(i + 1)?)?;
            if g.len() < 2 || lines[i].trim().is_empty() {
                return None;
            }
            (Some(i), i + 1, i + 2)
        }
    };
    let groups = dash_groups(lines[rule])?;
    let mut rows = Vec::new();
    let mut j = first_row;
    while j < lines.len() && !lines[j].trim().is_empty() {
        if dash_groups(lines[j]).is_some() {
            // the closing dashes (required without a header)
            j += 1;
            break;
        }
        rows.push(j);
        j += 1;
    }
    if rows.is_empty() || (head.is_none() && !is_blank(lines.get(j))) {
        return None;
    }
    if head.is_none() && dash_groups(lines[j - 1]).is_none() {
        return None;
    }
    let align_line = head.unwrap_or(rows[0]);
    let table = Table {
        aligns: groups
            .iter()
            .map(|&g| alignment(lines[align_line], g))
            .collect(),
        head: head.map(|h| {
            (
                (0..groups.len())
                    .map(|k| column(lines[h], &groups, k))
                    .collect(),
                h as u32 + 1,
            )
        }),
        rows: rows
            .iter()
            .map(|&r| {
                (
                    (0..groups.len())
                        .map(|k| column(lines[r], &groups, k))
                        .collect(),
                    r as u32 + 1,
                )
            })
            .collect(),
        rule_line: rule as u32 + 1,
    };
    Some((table, j))
}

/// A multiline table at line `i`: a full line of dashes, header lines,
/// dashes in groups, rows separated by blank lines, a full line of dashes;
/// or, without a header, opening with the grouped dashes.
fn multiline(lines: &[&str], i: usize) -> Option<(Table, usize)> {
    let opening = dash_groups(lines[i])?;
    let (head_lines, rule) = if opening.len() == 1 {
        // header lines up to the grouped dashes
        let mut j = i + 1;
        while j < lines.len() && dash_groups(lines[j]).is_none() && !lines[j].trim().is_empty() {
            j += 1;
        }
        let g = dash_groups(lines.get(j)?)?;
        if g.len() < 2 || j == i + 1 {
            return None;
        }
        ((i + 1..j).collect::<Vec<_>>(), j)
    } else {
        (Vec::new(), i)
    };
    let groups = dash_groups(lines[rule])?;
    // rows up to the closing line of dashes; a blank line separates rows
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut j = rule + 1;
    let mut closed = false;
    let mut saw_blank = false;
    while j < lines.len() {
        let l = lines[j];
        if let Some(g) = dash_groups(l) {
            // a full line of dashes closes (a grouped one too, headerless)
            if g.len() == 1 || head_lines.is_empty() {
                closed = true;
                j += 1;
                break;
            }
            return None;
        }
        if l.trim().is_empty() {
            saw_blank = true;
            if is_blank(lines.get(j + 1)) {
                return None; // two blank lines: not a table after all
            }
            rows.push(Vec::new());
        } else {
            rows.last_mut().expect("a row").push(j);
        }
        j += 1;
    }
    rows.retain(|r| !r.is_empty());
    // a headerless table must show it is multiline (a blank between rows)
    if !closed || rows.is_empty() || (head_lines.is_empty() && !saw_blank && rows.len() < 2) {
        return None;
    }
    let join = |ls: &[usize], k: usize| {
        ls.iter()
            .map(|&l| column(lines[l], &groups, k))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let align_line = head_lines.first().copied().unwrap_or(rows[0][0]);
    let table = Table {
        aligns: groups
            .iter()
            .map(|&g| alignment(lines[align_line], g))
            .collect(),
        head: (!head_lines.is_empty()).then(|| {
            (
                (0..groups.len()).map(|k| join(&head_lines, k)).collect(),
                head_lines[0] as u32 + 1,
            )
        }),
        rows: rows
            .iter()
            .map(|r| {
                (
                    (0..groups.len()).map(|k| join(r, k)).collect(),
                    r[0] as u32 + 1,
                )
            })
            .collect(),
        rule_line: rule as u32 + 1,
    };
    Some((table, j))
}

/// A grid table at line `i`: `+---+---+` borders, `|` between cells, an
/// optional `+===+` under the header; colons in a border give alignments.
fn grid(lines: &[&str], i: usize) -> Option<(Table, usize)> {
    let border = |l: &str| {
        let t = l.trim_end();
        t.len() >= 3
            && t.starts_with('+')
            && t.ends_with('+')
            && t.chars().all(|c| matches!(c, '+' | '-' | '=' | ':'))
    };
    if !border(lines[i]) {
        return None;
    }
    let top: Vec<char> = lines[i].trim_end().chars().collect();
    let cuts: Vec<usize> = top
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == '+')
        .map(|(k, _)| k)
        .collect();
    if cuts.len() < 2 {
        return None;
    }
    let ncols = cuts.len() - 1;
    let align_from = |l: &str| -> Vec<Align> {
        let chars: Vec<char> = l.chars().collect();
        (0..ncols)
            .map(|k| {
                let left = chars.get(cuts[k] + 1) == Some(&':');
                let right = chars.get(cuts[k + 1].saturating_sub(1)) == Some(&':');
                match (left, right) {
                    (true, true) => Align::Center,
                    (true, false) => Align::Left,
                    (false, true) => Align::Right,
                    (false, false) => Align::Default,
                }
            })
            .collect()
    };
    let mut aligns = align_from(lines[i]);
    let mut head = None;
    let mut rows: Vec<(Vec<String>, u32)> = Vec::new();
    let mut cell_lines: Vec<Vec<String>> = vec![Vec::new(); ncols];
    let mut row_start = i + 1;
    let mut j = i + 1;
    let cell_text = |parts: &[Vec<String>]| -> Vec<String> {
        parts
            .iter()
            .map(|ls| {
                ls.iter()
                    .map(|l| {
                        let t = l.trim();
                        match t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                            Some(item) => format!("\u{2022} {item}"),
                            None => t.to_string(),
                        }
                    })
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    loop {
        let l = lines.get(j)?;
        if border(l) {
            let row = cell_text(&cell_lines);
            if l.contains('=') {
                if head.is_some() || !rows.is_empty() {
                    return None;
                }
                head = Some((row, row_start as u32 + 1));
                if l.contains(':') {
                    aligns = align_from(l);
                }
            } else {
                rows.push((row, row_start as u32 + 1));
            }
            cell_lines = vec![Vec::new(); ncols];
            row_start = j + 1;
            j += 1;
            if is_blank(lines.get(j)) || !lines[j].trim_start().starts_with(['|', '+']) {
                break;
            }
            continue;
        }
        let chars: Vec<char> = l.trim_end().chars().collect();
        if chars.first() != Some(&'|') && chars.first() != Some(&'+') {
            return None;
        }
        for k in 0..ncols {
            let from = (cuts[k] + 1).min(chars.len());
            let to = cuts[k + 1].min(chars.len());
            let piece: String = chars[from..to].iter().collect();
            // a cell spanning columns: its text is in the first one
            cell_lines[k].push(piece.trim_matches('|').to_string());
        }
        j += 1;
    }
    if rows.is_empty() && head.is_none() {
        return None;
    }
    let rule_line = head.as_ref().map_or(i as u32 + 1, |(_, at)| *at + 1);
    Some((
        Table {
            aligns,
            head,
            rows,
            rule_line,
        },
        j,
    ))
}

/// A pipe table at line `i` (header, delimiter row, rows up to a blank
/// line): the line after it.
fn pipe_table(lines: &[&str], i: usize) -> Option<usize> {
    let delimiter = |l: &str| {
        let t = l.trim();
        t.contains('-') && t.contains('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
    };
    if !lines[i].contains('|') || !delimiter(lines.get(i + 1)?) {
        return None;
    }
    let mut j = i + 2;
    while j < lines.len() && !lines[j].trim().is_empty() {
        j += 1;
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_of(text: &str) -> String {
        rewrite(text).map(|r| r.text).unwrap_or_default()
    }

    #[test]
    fn simple_tables_with_alignments_and_a_caption() {
        let text = "  Right     Left     Center     Default\n-------     ------ ----------   -------\n     12     12        12            12\n    123     123       123          123\n\nTable:  Demonstration of simple table syntax.\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "| Right | Left | Center | Default |\n|--:|:--|:-:|---|\n| 12 | 12 | 12 | 12 |\n| 123 | 123 | 123 | 123 |\n\nTable: Demonstration of simple table syntax.\n"
        );
        assert_eq!(out.lines, [1, 2, 3, 4, 6, 6]);
        // headerless, between two lines of dashes
        let text = "-------     ------ ----------   -------\n     12     12        12             12\n    123     123       123           123\n-------     ------ ----------   -------\n";
        assert!(
            table_of(text).starts_with("|  |  |  |  |\n|--:|:--|:-:|--:|\n| 12 |"),
            "{}",
            table_of(text)
        );
        // a setext heading is not a table
        assert!(rewrite("Title\n-----\n\nText.\n").is_none());
    }

    #[test]
    fn multiline_tables() {
        let text = "-------------------------------------------------------------\n Centered   Default           Right Left\n  Header    Aligned         Aligned Aligned\n----------- ------- --------------- -------------------------\n   First    row                12.0 Example of a row that\n                                    spans multiple lines.\n\n  Second    row                 5.0 Here's another one. Note\n                                    the blank line between\n                                    rows.\n-------------------------------------------------------------\n\nTable: Here's the caption. It, too, may span\nmultiple lines.\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "| Centered Header | Default Aligned | Right Aligned | Left Aligned |\n|:-:|---|--:|:--|\n| First | row | 12.0 | Example of a row that spans multiple lines. |\n| Second | row | 5.0 | Here's another one. Note the blank line between rows. |\n\nTable: Here's the caption. It, too, may span multiple lines.\n"
        );
        assert_eq!(out.lines, [2, 4, 5, 8, 13, 13]);
    }

    #[test]
    fn grid_tables_with_alignments_and_lists_in_cells() {
        let text = ": Sample grid table.\n\n+---------------+---------------+--------------------+\n| Fruit         | Price         | Advantages         |\n+==============:+:=============:+====================+\n| Bananas       | $1.34         | - built-in wrapper |\n|               |               | - bright color     |\n+---------------+---------------+--------------------+\n| Oranges       | $2.10         | - cures scurvy     |\n+---------------+---------------+--------------------+\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "\n| Fruit | Price | Advantages |\n|--:|:-:|---|\n| Bananas | $1.34 | \u{2022} built-in wrapper \u{2022} bright color |\n| Oranges | $2.10 | \u{2022} cures scurvy |\n\nTable: Sample grid table.\n"
        );
    }

    #[test]
    fn tables_in_indented_code_are_code() {
        let text = "Text.\n\n      Right     Left\n    -------     ------\n         12     12\n\n    Table: x\n";
        assert!(rewrite(text).is_none());
    }

    #[test]
    fn pipe_tables_stay_and_their_captions_move_after_them() {
        let text = "Table: Prices.\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\nText.\n";
        let out = rewrite(text).unwrap();
        assert_eq!(
            out.text,
            "\n| a | b |\n|---|--:|\n| 1 | 2 |\n\nTable: Prices.\n\nText.\n"
        );
    }
}
