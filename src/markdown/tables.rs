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
    /// Cells spanning rows or columns, by the line of `text` (1-based) the
    /// table starts on: (row, column, rows, columns) of its body.
    pub spans: std::collections::BTreeMap<u32, Vec<(usize, usize, usize, usize)>>,
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
    /// Body cells that span rows or columns: (row, column, rows, columns).
    spans: Vec<(usize, usize, usize, usize)>,
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
    let mut spans = std::collections::BTreeMap::new();
    let mut fence = super::fences::CodeFence::default();
    // captions written so far end here: never a later table's
    let mut settled = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        // fenced code is left alone
        if fence.code_line(line.len() - trimmed.len(), trimmed) {
            out.push((line.to_string(), i as u32 + 1));
            i += 1;
            continue;
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
                if !table.spans.is_empty() {
                    spans.insert(out.len() as u32 + 1, table.spans.clone());
                }
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
        spans,
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
        spans: Vec::new(),
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
        spans: Vec::new(),
    };
    Some((table, j))
}

/// A grid table at line `i`: `+---+---+` borders, `|` between cells, an
/// optional `+===+` under the header; colons in a border give alignments.
/// Cells are found by their corners, as docutils finds them, so a cell may
/// span rows and columns (pandoc's manual, "grid_tables").
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
    // the table's lines: up to the last border before a line that is not
    // part of it
    let mut end = i + 1;
    let mut last_border = i;
    while end < lines.len() {
        let t = lines[end].trim_end();
        if !(t.starts_with('+') || t.starts_with('|')) {
            break;
        }
        if border(t) {
            last_border = end;
        }
        end += 1;
    }
    if last_border == i {
        return None;
    }
    let block: Vec<Vec<char>> = lines[i..=last_border]
        .iter()
        .map(|l| l.trim_end().chars().collect())
        .collect();
    let width = block.iter().map(Vec::len).max()?;
    let grid: Vec<Vec<char>> = block
        .into_iter()
        .map(|mut l| {
            l.resize(width, ' ');
            l
        })
        .collect();
    let at = |y: usize, x: usize| grid.get(y).and_then(|l| l.get(x)).copied().unwrap_or(' ');
    let horizontal = |c: char| matches!(c, '-' | '=' | ':' | '+');
    let vertical = |c: char| matches!(c, '|' | '+');
    // cells by their corners: (top, left, bottom, right)
    let mut cells: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut corners = vec![(0usize, 0usize)];
    let mut seen = std::collections::BTreeSet::new();
    let bottom = grid.len() - 1;
    while let Some((top, left)) = corners.pop() {
        if !seen.insert((top, left)) || top >= bottom || at(top, left) != '+' {
            continue;
        }
        // right along the top edge to a corner with a wall below it
        let mut found = None;
        'right: for right in left + 1..width {
            if !horizontal(at(top, right)) {
                break;
            }
            if at(top, right) != '+' || !vertical(at(top + 1, right)) {
                continue;
            }
            // down the right wall to a corner whose bottom edge closes the cell
            for down in top + 1..grid.len() {
                if !vertical(at(down, right)) {
                    break;
                }
                if at(down, right) != '+' {
                    continue;
                }
                let bottom_ok = (left..=right).all(|x| horizontal(at(down, x)));
                let left_ok = (top..=down).all(|y| vertical(at(y, left)));
                if bottom_ok && left_ok {
                    found = Some((down, right));
                    break 'right;
                }
            }
        }
        // (a corner on the right edge or the bottom opens no cell)
        let Some((down, right)) = found else {
            continue;
        };
        cells.push((top, left, down, right));
        corners.push((top, right));
        corners.push((down, left));
    }
    if cells.is_empty() {
        return None;
    }
    // the grid's rows and columns: every top and every left edge
    let mut tops: Vec<usize> = cells.iter().map(|c| c.0).collect();
    tops.sort_unstable();
    tops.dedup();
    let mut lefts: Vec<usize> = cells.iter().map(|c| c.1).collect();
    lefts.sort_unstable();
    lefts.dedup();
    let ncols = lefts.len();
    // the header ends at the `=` border, if there is one
    let head_end = (1..grid.len()).find(|&y| grid[y].contains(&'=') && grid[y][0] == '+');
    let row_of = |y: usize| tops.iter().position(|&t| t == y).unwrap_or(0);
    let col_of = |x: usize| lefts.iter().position(|&l| l == x).unwrap_or(0);
    let text_of = |(top, left, down, right): (usize, usize, usize, usize)| {
        let mut parts = Vec::new();
        for line in &grid[top + 1..down] {
            let t: String = line[left + 1..right].iter().collect();
            let t = t.trim();
            match t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                Some(item) => parts.push(format!("\u{2022} {item}")),
                None if !t.is_empty() => parts.push(t.to_string()),
                None => {}
            }
        }
        parts.join(" ")
    };
    let nrows = tops.len();
    let mut texts = vec![vec![String::new(); ncols]; nrows];
    let mut spans = Vec::new();
    for &cell in &cells {
        let (r, c) = (row_of(cell.0), col_of(cell.1));
        let rows = tops.iter().filter(|&&t| t >= cell.0 && t < cell.2).count();
        let cols = lefts.iter().filter(|&&l| l >= cell.1 && l < cell.3).count();
        texts[r][c] = text_of(cell);
        if rows > 1 || cols > 1 {
            spans.push((r, c, rows, cols));
        }
    }
    // alignments from the colons of the border under the header, else the top
    let align_line = head_end.unwrap_or(0);
    let aligns = (0..ncols)
        .map(|k| {
            let from = lefts[k];
            let to = lefts.get(k + 1).copied().unwrap_or(width - 1);
            let left = at(align_line, from + 1) == ':';
            let right = at(align_line, to.saturating_sub(1)) == ':';
            match (left, right) {
                (true, true) => Align::Center,
                (true, false) => Align::Left,
                (false, true) => Align::Right,
                (false, false) => Align::Default,
            }
        })
        .collect();
    let head_rows = head_end.map_or(0, |y| tops.iter().filter(|&&t| t < y).count());
    let line_of = |r: usize| (i + tops[r] + 1) as u32 + 1;
    let mut rows: Vec<(Vec<String>, u32)> = Vec::new();
    let mut head = None;
    for (r, cells) in texts.into_iter().enumerate() {
        if r < head_rows {
            // a header of several rows: their texts joined, column by column
            let joined = head.get_or_insert_with(|| (vec![String::new(); ncols], line_of(0)));
            for (k, t) in cells.into_iter().enumerate() {
                if !t.is_empty() {
                    if !joined.0[k].is_empty() {
                        joined.0[k].push(' ');
                    }
                    joined.0[k].push_str(&t);
                }
            }
        } else {
            rows.push((cells, line_of(r)));
        }
    }
    let spans = spans
        .into_iter()
        .filter(|&(r, _, _, _)| r >= head_rows)
        .map(|(r, c, rs, cs)| (r - head_rows, c, rs, cs))
        .collect();
    let rule_line = head.as_ref().map_or(i as u32 + 1, |(_, at)| *at + 1);
    Some((
        Table {
            aligns,
            head,
            rows,
            rule_line,
            spans,
        },
        last_border + 1,
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
    fn grid_cells_spanning_rows_and_columns() {
        let text = "+---------------------+----------+\n| Property            | Earth    |\n+=============+=======+==========+\n|             | min   | -89.2 °C |\n| Temperature +-------+----------+\n| 1961-1990   | mean  | 14 °C    |\n+-------------+-------+----------+\n| Both columns        | x        |\n+---------------------+----------+\n";
        let lines: Vec<&str> = text.lines().collect();
        let (table, end) = grid(&lines, 0).unwrap();
        assert_eq!(end, 9);
        assert_eq!(table.aligns.len(), 3);
        assert_eq!(table.head.as_ref().unwrap().0, ["Property", "", "Earth"]);
        let rows: Vec<&Vec<String>> = table.rows.iter().map(|(r, _)| r).collect();
        assert_eq!(rows[0], &["Temperature 1961-1990", "min", "-89.2 °C"]);
        assert_eq!(rows[1], &["", "mean", "14 °C"]);
        assert_eq!(rows[2], &["Both columns", "", "x"]);
        // the temperature cell spans two rows; "Both columns" two columns
        assert_eq!(table.spans, [(0, 0, 2, 1), (2, 0, 1, 2)]);
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
