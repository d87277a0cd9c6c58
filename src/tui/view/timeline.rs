//! The timeline: events over the result's time span, denied requests (401, 403, forbid) drawn
//! in their own colour on top, so that bursts stand out; under it, a ▲ where a detection of
//! medium severity or more fired.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Widget};

use super::super::format::format_time;
use super::super::geometry::{column_span, histogram_columns};
use super::super::state::State;
use super::super::styles::Styles;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::store::EventStore;

const LEVELS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let h = &state.histogram;
    let denied: u64 = h.buckets.iter().map(|b| b.denied).sum();
    let total: u64 = h.buckets.iter().map(|b| b.total).sum();
    let width = histogram_columns(h, area.width.saturating_sub(2));
    let picked = state
        .timeline_cursor
        .and_then(|x| Some((x, column_span(h, width, x)?)));
    let title = match (h.buckets.first(), h.buckets.last(), picked) {
        (_, _, Some((_, (range, n, refused)))) => format!(
            " ◂ {} → {} · {n} events, {refused} denied ▸ Enter narrows to it · Esc ",
            format_time(range.start_ms),
            format_time(range.end_ms)
        ),
        (Some(first), Some(last), None) => format!(
            " {} → {} · {total} events, {denied} denied ",
            format_time(Some(first.start_ms)),
            format_time(Some(last.start_ms))
        ),
        _ => " timeline ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(picked.is_some()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() || h.buckets.is_empty() {
        return;
    }
    let columns = usize::from(inner.width);
    let rows = u64::from(inner.height);
    // Buckets to columns. A column may get one bucket more than its neighbour: draw each
    // column's mean, so that equal rates look equal (in hundredths, to keep small counts).
    let n = h.buckets.len();
    let width = width.max(1);
    let mut sums = vec![(0u64, 0u64, 0u64); width];
    for (i, b) in h.buckets.iter().enumerate() {
        let c = i * width / n;
        sums[c].0 += b.total;
        sums[c].1 += b.denied;
        sums[c].2 += 1;
    }
    let sums: Vec<(u64, u64)> = sums
        .iter()
        .map(|(all, denied, k)| (all * 100 / k.max(&1), denied * 100 / k.max(&1)))
        .collect();
    if let Some((x, _)) = picked {
        for y in 0..inner.height {
            buf[(inner.x + x as u16, inner.y + y)].set_style(styles.get(Role::Selected));
        }
    }
    draw_markers(buf, area, state, store, width, styles);
    let max = sums.iter().map(|s| s.0).max().unwrap_or(1).max(1);
    let eighths = |v: u64| (v * rows * 8).div_ceil(max);
    debug_assert!(sums.len() <= columns);
    for (x, (all, denied)) in sums.iter().enumerate() {
        let all8 = eighths(*all);
        let denied8 = eighths(*denied);
        for y in 0..rows {
            // From the bottom: how much of this cell is filled.
            let level = all8.saturating_sub(y * 8).min(8) as usize;
            if level == 0 {
                continue;
            }
            let role = if denied8 > y * 8 {
                Role::Deny
            } else {
                Role::Bar
            };
            let cell = (inner.x + x as u16, inner.y + inner.height - 1 - y as u16);
            let style = match picked {
                Some((at, _)) if at == x => styles.get(Role::Selected),
                _ => styles.get(role),
            };
            buf[cell].set_symbol(LEVELS[level]).set_style(style);
        }
    }
}

/// The most severe finding in each column, on the timeline's bottom edge.
fn draw_markers(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    store: &EventStore,
    width: usize,
    styles: &Styles,
) {
    let markers = markers(state, store, width);
    let y = area.bottom().saturating_sub(1);
    for (x, severity) in markers.iter().enumerate() {
        let Some(severity) = severity else { continue };
        let role = if *severity >= Severity::High {
            Role::Deny
        } else {
            Role::Warning
        };
        let cell = (area.x + 1 + x as u16, y);
        buf[cell].set_symbol("▲").set_style(styles.get(role));
    }
}

/// Per column of `width`, the most severe detection (medium or more) with a hit in it.
pub(super) fn markers(state: &State, store: &EventStore, width: usize) -> Vec<Option<Severity>> {
    let mut out = vec![None; width];
    let h = &state.histogram;
    let (Some(found), n) = (&state.found, h.buckets.len()) else {
        return out;
    };
    if n == 0 || width == 0 {
        return out;
    }
    let bucket_ms = h.bucket_ms.max(1);
    for item in found
        .items
        .iter()
        .filter(|i| i.severity >= Severity::Medium)
    {
        for &row in item.rows.iter().flat_map(|r| r.iter()) {
            let Some(t) = store.time_ms(row) else {
                continue;
            };
            let Ok(i) = usize::try_from((t - h.start_ms).div_euclid(bucket_ms)) else {
                continue;
            };
            if i >= n {
                continue;
            }
            let c = &mut out[i * width / n];
            if c.is_none_or(|s| s < item.severity) {
                *c = Some(item.severity);
            }
        }
    }
    out
}
