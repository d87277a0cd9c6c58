//! Charts of a `stats` answer: a bar per group, or bars along time for a `bin(…)` answer.
//! Drawn by hand with block characters, eighths included, so that small differences show.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::width;
use crate::insights::ast::CommandKind;
use crate::insights::duration::{Period, format_time, parse_period, parse_time};
use crate::insights::parser::parse;
use crate::insights::value::Value;

/// What a chart plots, by column index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartKind {
    /// One bar per row: the value column's number, labelled by the group columns.
    Bars { labels: Vec<usize>, value: usize },
    /// The value column's number along the time column.
    Series { time: usize, value: usize },
}

/// Whether every value present in column `c` is a number.
fn numeric(rows: &[Vec<Value>], c: usize) -> bool {
    let mut any = false;
    for row in rows {
        match row.get(c) {
            Some(Value::Int(_) | Value::Float(_)) => any = true,
            Some(Value::Missing | Value::Null) | None => {}
            Some(_) => return false,
        }
    }
    any
}

/// The point in time a cell holds, for a series.
pub(super) fn time_of(value: &Value) -> Option<i64> {
    match value {
        Value::Time(t) => Some(*t),
        Value::Str(s) => parse_time(s),
        _ => None,
    }
}

/// What the query says its answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The last `stats`: its group and aggregate column names.
    Stats {
        by: Vec<String>,
        aggregates: Vec<String>,
    },
    NotStats,
    /// The text did not parse here (a command only CloudWatch knows): judged from the values.
    Unknown,
}

impl Shape {
    pub fn of(query: &str) -> Shape {
        let Ok(query) = parse(query) else {
            return Shape::Unknown;
        };
        let names =
            |p: &[crate::insights::ast::Projection]| p.iter().map(|p| p.name.clone()).collect();
        for command in query.commands.iter().rev() {
            match &command.kind {
                CommandKind::Stats { aggregates, by } => {
                    return Shape::Stats {
                        by: names(by),
                        aggregates: names(aggregates),
                    };
                }
                // A command only CloudWatch runs (`pattern`, `diff`) makes columns of its own.
                CommandKind::AwsOnly { .. } => return Shape::Unknown,
                _ => {}
            }
        }
        Shape::NotStats
    }
}

/// The chart an answer allows, if any: a numeric aggregate and at least one group. The
/// query's own `stats` names them; for a query that did not parse here, an answer of at most
/// three columns with a numeric one is taken as grouped counts.
pub fn detect_chart(columns: &[String], rows: &[Vec<Value>], shape: &Shape) -> Option<ChartKind> {
    if rows.is_empty() || columns.len() < 2 {
        return None;
    }
    let find = |name: &String| columns.iter().position(|c| c == name);
    let (value, labels) = match shape {
        Shape::NotStats => return None,
        Shape::Stats { by, aggregates } => {
            let value = aggregates
                .iter()
                .filter_map(find)
                .find(|&c| numeric(rows, c))?;
            let labels: Vec<usize> = by.iter().filter_map(find).collect();
            (value, labels)
        }
        Shape::Unknown => {
            if columns.len() > 3 {
                return None;
            }
            let value = (0..columns.len()).rev().find(|&c| numeric(rows, c))?;
            (value, (0..columns.len()).filter(|&c| c != value).collect())
        }
    };
    match labels.as_slice() {
        [] => None,
        [time]
            if columns[*time].to_ascii_lowercase().starts_with("bin(")
                || rows
                    .iter()
                    .all(|r| r.get(*time).and_then(time_of).is_some()) =>
        {
            Some(ChartKind::Series { time: *time, value })
        }
        _ => Some(ChartKind::Bars { labels, value }),
    }
}

/// The width of the bins of a `bin(5m)` column: what places a bin the answer left out.
/// Calendar periods (`bin(1mo)`) are not one width; their gaps are judged from the points.
pub(super) fn bin_step(column: &str) -> Option<i64> {
    let inner = column.strip_prefix("bin(")?.strip_suffix(')')?;
    match parse_period(inner).ok()? {
        Period::Millis(ms) => Some(ms),
        Period::Months(_) => None,
    }
}

const EIGHTHS_WIDE: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
const EIGHTHS_TALL: [&str; 8] = ["", "▁", "▂", "▃", "▄", "▅", "▆", "▇"];

/// A number as a chart labels it.
pub(super) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

/// Horizontal bars, one a line: label, bar, number. `max` scales every bar, so that bars
/// compare across scrolling.
pub(super) fn draw_bars(
    area: Rect,
    buf: &mut Buffer,
    bars: &[(String, f64, Style)],
    max: f64,
    bar_style: Style,
) {
    let label_width = bars
        .iter()
        .map(|(l, _, _)| width(l))
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) * 2 / 5);
    let number_width = bars
        .iter()
        .map(|(_, v, _)| number(*v).len())
        .max()
        .unwrap_or(1);
    let bar_room = usize::from(area.width).saturating_sub(label_width + number_width + 2);
    for (i, (label, value, style)) in bars.iter().enumerate().take(usize::from(area.height)) {
        let y = area.y + i as u16;
        buf.set_stringn(area.x, y, label, label_width, *style);
        let eighths = if max > 0.0 && *value > 0.0 {
            ((value / max) * (bar_room * 8) as f64).round() as usize
        } else {
            0
        };
        let bar = format!("{}{}", "█".repeat(eighths / 8), EIGHTHS_WIDE[eighths % 8]);
        let x = area.x + (label_width + 1) as u16;
        let (end, _) = buf.set_stringn(x, y, &bar, bar_room, bar_style);
        let text = number(*value);
        buf.set_stringn(end + 1, y, &text, number_width, *style);
    }
}

/// Vertical bars along time. Bins the answer left out (no events in them) are gaps at their
/// place, so the gaps of an incident show; when there are more bins than columns, a column
/// shows the highest of its bins.
pub(super) fn draw_series(
    area: Rect,
    buf: &mut Buffer,
    points: &[(i64, f64)],
    step: Option<i64>,
    styles: [Style; 2],
) {
    let [bar_style, axis_style] = styles;
    if area.height < 3 || area.width < 12 || points.is_empty() {
        return;
    }
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let top_label = number(max);
    let axis = (top_label.len().max(1) + 1) as u16;
    let plot = Rect {
        x: area.x + axis,
        y: area.y,
        width: area.width.saturating_sub(axis),
        height: area.height - 1,
    };
    if plot.width == 0 {
        return;
    }
    buf.set_stringn(area.x, area.y, &top_label, usize::from(axis), axis_style);
    buf.set_stringn(area.x, plot.bottom() - 1, "0", 1, axis_style);
    let columns = bin_columns(points, step, usize::from(plot.width));
    let rows = usize::from(plot.height);
    for (x, value) in columns.iter().enumerate() {
        let Some(value) = value else { continue };
        let eighths = if max > 0.0 {
            ((value / max) * (rows * 8) as f64).round() as usize
        } else {
            0
        };
        for r in 0..rows {
            let filled = eighths.saturating_sub(r * 8).min(8);
            let symbol = if filled == 8 {
                "█"
            } else {
                EIGHTHS_TALL[filled]
            };
            if !symbol.is_empty() {
                let y = plot.bottom() - 1 - r as u16;
                buf.set_string(plot.x + x as u16, y, symbol, bar_style);
            }
        }
    }
    let first = format_time(points[0].0);
    let last = format_time(points[points.len() - 1].0);
    let y = area.bottom() - 1;
    buf.set_stringn(plot.x, y, &first, usize::from(plot.width), axis_style);
    let room = usize::from(plot.width);
    if first.len() * 2 + 2 <= room {
        let x = plot.right() - last.len() as u16;
        buf.set_string(x, y, &last, axis_style);
    }
}

/// The value each screen column shows. Points are sorted by time; `step` is the bins' width
/// when known, else the smallest gap between points.
fn bin_columns(points: &[(i64, f64)], step: Option<i64>, columns: usize) -> Vec<Option<f64>> {
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let step = step.filter(|s| *s > 0).or_else(|| {
        points
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .filter(|d| *d > 0)
            .min()
    });
    let slots = match step {
        Some(step) => usize::try_from((t1 - t0) / step + 1).unwrap_or(usize::MAX),
        None => 1,
    };
    let mut out = vec![None; columns];
    let mut put = |x: usize, v: f64| {
        let cell = &mut out[x.min(columns - 1)];
        *cell = Some(cell.map_or(v, |c: f64| c.max(v)));
    };
    if slots <= columns {
        // Each bin its own slot, a column of gap between bins when there is room.
        let slot = columns / slots;
        let bar = if slot >= 2 { slot - 1 } else { 1 };
        for &(t, v) in points {
            let i = step.map_or(0, |s| ((t - t0) / s) as usize);
            for x in 0..bar {
                put(i * slot + x, v);
            }
        }
    } else {
        let span = (t1 - t0).max(1) as f64;
        for &(t, v) in points {
            put(((t - t0) as f64 / span * (columns - 1) as f64) as usize, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_take_their_place_and_missing_ones_are_gaps() {
        // Three one-minute bins, the middle one absent: three slots of four columns.
        let points = [(0, 2.0), (120_000, 4.0)];
        assert_eq!(bin_step("bin(1m)"), Some(60_000));
        assert_eq!(bin_step("bin(1mo)"), None);
        assert_eq!(bin_step("count(*)"), None);
        let cols = bin_columns(&points, bin_step("bin(1m)"), 12);
        assert_eq!(
            cols,
            [
                Some(2.0),
                Some(2.0),
                Some(2.0),
                None,
                None,
                None,
                None,
                None,
                Some(4.0),
                Some(4.0),
                Some(4.0),
                None
            ]
        );
        // More bins than columns: each column keeps its highest.
        let many: Vec<(i64, f64)> = (0..100).map(|i| (i * 60_000, i as f64)).collect();
        let cols = bin_columns(&many, None, 10);
        assert_eq!(cols[9], Some(99.0));
        assert!(cols.iter().all(Option::is_some));
        // Without the bins' width, the smallest gap stands for it.
        let guessed = bin_columns(&[(0, 1.0), (60_000, 1.0), (180_000, 1.0)], None, 4);
        assert_eq!(guessed, [Some(1.0), Some(1.0), None, Some(1.0)]);
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.50");
    }
}
