//! The table's columns: what each would like, and how they share a screen too narrow for all.

use super::width;
use crate::insights::exec::QueryResult;
use crate::insights::value::Value;

/// Cells wider than this are cut in the table; the detail of a value is elsewhere.
pub(super) const MAX_COLUMN: usize = 60;

/// Rows looked at to size the columns.
const SAMPLE_ROWS: usize = 500;

/// A cell as the table shows it: terminal-safe, and cut to what a column can show.
pub(super) fn cell_text(value: &Value) -> String {
    let text = value.display();
    let cut = crate::text::truncate_to_width(&text, MAX_COLUMN * 4);
    crate::text::sanitize(&cut).into_owned()
}

/// A column of identities (`user.username`, `impersonatedUser.username`, a `username` of
/// one's own): cut in the middle where it is too narrow.
pub(super) fn is_identity_column(title: &str) -> bool {
    title.to_ascii_lowercase().ends_with("username")
}

/// What a column would like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ColumnWidth {
    /// The widest of the first rows' cells.
    pub content: usize,
    /// The title's, with room for the sort arrow.
    pub title: usize,
    /// Only times and numbers: cut short they mislead, so they keep their width.
    pub plain: bool,
}

pub(super) fn column_widths(result: &QueryResult) -> Vec<ColumnWidth> {
    result
        .columns
        .iter()
        .enumerate()
        .map(|(c, title)| {
            let cells = || {
                result
                    .rows
                    .iter()
                    .take(SAMPLE_ROWS)
                    .filter_map(|r| r.get(c))
            };
            let content = cells().map(|v| width(&cell_text(v))).max().unwrap_or(0);
            let plain = cells().all(|v| {
                matches!(
                    v,
                    Value::Int(_) | Value::Float(_) | Value::Time(_) | Value::Bool(_)
                ) || v.is_absent()
            });
            ColumnWidth {
                content: content.min(MAX_COLUMN),
                title: (width(&crate::text::sanitize(title)) + 2).min(MAX_COLUMN),
                plain,
            }
        })
        .collect()
}

pub(super) const SPACING: usize = 2;

/// Column widths that fit `room`: whole titles when there is room; else columns of times and
/// numbers keep their values' width (cut short they mislead) and the others share the rest,
/// the widest giving way first, so that a long name or `@message` does not squeeze the rest.
pub(super) fn fit(wanted: &[ColumnWidth], room: usize) -> Vec<usize> {
    let whole: Vec<usize> = wanted.iter().map(|w| w.content.max(w.title)).collect();
    if whole.iter().sum::<usize>() <= room {
        return whole;
    }
    // A number's title keeps a few letters to be recognised by.
    let kept = |w: &ColumnWidth| w.content.max(w.title.min(6));
    let fixed: usize = wanted.iter().filter(|w| w.plain).map(kept).sum();
    let flexible: Vec<usize> = wanted
        .iter()
        .zip(&whole)
        .filter(|(w, _)| !w.plain)
        .map(|(_, whole)| *whole)
        .collect();
    if flexible.is_empty() || fixed + flexible.len() > room {
        return share(&whole, room);
    }
    let mut cut = share(&flexible, room - fixed).into_iter();
    wanted
        .iter()
        .map(|w| {
            if w.plain {
                kept(w)
            } else {
                cut.next().unwrap_or(1)
            }
        })
        .collect()
}

/// The widest give way first.
fn share(wanted: &[usize], room: usize) -> Vec<usize> {
    if wanted.iter().sum::<usize>() <= room {
        return wanted.to_vec();
    }
    let mut sorted = wanted.to_vec();
    sorted.sort_unstable();
    // The largest cap such that the columns, each cut to it, fit.
    let mut used = 0;
    let mut cap = 0;
    for (i, w) in sorted.iter().enumerate() {
        let left = sorted.len() - i;
        if used + w * left > room {
            cap = (room - used) / left;
            break;
        }
        used += w;
    }
    let cap = cap.max(1);
    // What the division left over goes to the first of the columns cut.
    let mut spare = room.saturating_sub(wanted.iter().map(|w| (*w).min(cap)).sum());
    wanted
        .iter()
        .map(|&w| {
            if w > cap && spare > 0 {
                spare -= 1;
                cap + 1
            } else {
                w.min(cap)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widest_columns_give_way_first() {
        assert_eq!(share(&[23, 42, 6, 20, 21], 200), [23, 42, 6, 20, 21]);
        assert_eq!(share(&[23, 42, 6, 20, 21], 90), [22, 21, 6, 20, 21]);
        assert_eq!(share(&[23, 42, 6], 40), [17, 17, 6]);
        assert_eq!(share(&[23, 42, 6], 41), [18, 17, 6]);
        let col = |content, title, plain| ColumnWidth {
            content,
            title,
            plain,
        };
        let cols = [
            col(23, 12, true),
            col(42, 15, false),
            col(6, 6, false),
            col(10, 20, false),
            col(3, 21, true),
        ];
        assert_eq!(fit(&cols, 200), [23, 42, 6, 20, 21]);
        // The time keeps its width and the code its digits and a few letters of its title.
        assert_eq!(fit(&cols, 70), [23, 18, 6, 17, 6]);
        assert_eq!(fit(&cols, 30).iter().sum::<usize>(), 30);
    }
}
