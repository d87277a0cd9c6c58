//! The timeline: events over the result's time span, denied requests (401, 403, forbid) drawn
//! in their own colour on top, so that bursts stand out; under it, a ▲ where a detection of
//! medium severity or more fired.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::super::format::{count, format_span, format_time, format_width};
use super::super::geometry::{column_span, timeline_bars};
use super::super::state::State;
use super::super::styles::Styles;
use super::chrome::{Piece, fit, range_piece};
use crate::audit::time::TimeRange;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::store::{EventStore, Histogram};

const LEVELS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let bars = timeline_bars(&state.histogram, area.width.saturating_sub(2));
    let picked = state
        .timeline_cursor
        .and_then(|x| Some((x, column_span(&bars, x)?)));
    let title = Line::from(fit(
        header(state, store, &bars, picked.map(|p| p.1), styles),
        usize::from(area.width.saturating_sub(2)),
    ));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(picked.is_some()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() || bars.buckets.is_empty() {
        return;
    }
    let rows = u64::from(inner.height);
    if let Some((x, _)) = picked {
        for y in 0..inner.height {
            buf[(inner.x + x as u16, inner.y + y)].set_style(styles.get(Role::Selected));
        }
    }
    draw_markers(buf, area, state, store, &bars, styles);
    // Every bar is the same stretch of time, so heights compare as rates; columns past the
    // last bar stay empty.
    let max = bars
        .buckets
        .iter()
        .map(|b| b.total)
        .max()
        .unwrap_or(1)
        .max(1);
    let eighths = |v: u64| (v * rows * 8).div_ceil(max);
    debug_assert!(bars.buckets.len() <= usize::from(inner.width));
    for (x, bar) in bars.buckets.iter().enumerate() {
        let all8 = eighths(bar.total);
        let denied8 = eighths(bar.denied);
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

/// The timeline's title: what its bars hold (from the first event to the last, how many, how
/// wide a bar is), the events held when a filter shows fewer, and the range the findings and
/// queries read; or the picked bar.
fn header(
    state: &State,
    store: &EventStore,
    bars: &Histogram,
    picked: Option<(TimeRange, u64, u64)>,
    styles: &Styles,
) -> Vec<Piece> {
    let text = styles.get(Role::Text);
    let muted = styles.get(Role::Muted);
    let width = format_width(bars.bucket_ms);
    if let Some((range, n, refused)) = picked {
        let (start, end) = (range.start_ms.unwrap_or(0), range.end_ms.unwrap_or(0));
        return vec![
            Piece::text(
                0,
                text,
                format!(" ◂ {} ({width})", format_span(start, end, true)),
                Some(format!(" ◂ {}", format_span(start, end, false))),
            ),
            Piece::text(
                0,
                text,
                format!(" · {}, {refused} denied ▸", count(n as usize, "event")),
                None,
            ),
            Piece::text(1, muted, " Enter narrows to it · Esc ".into(), None),
        ];
    }
    let mut pieces = Vec::new();
    if !bars.buckets.is_empty() {
        let (first, last) = (bars.first_ms, bars.last_ms);
        let total: u64 = bars.buckets.iter().map(|b| b.total).sum();
        let denied: u64 = bars.buckets.iter().map(|b| b.denied).sum();
        pieces.push(if first == last {
            Piece::text(0, text, format!(" {} ", format_time(Some(first))), None)
        } else {
            Piece::text(
                0,
                text,
                format!(" {} ", format_span(first, last, true)),
                Some(format!(" {} ", format_span(first, last, false))),
            )
        });
        let held = store.time_span().filter(|&held| held != (first, last));
        pieces.push(Piece::text(1, muted, format!("· {width} bars "), None));
        // The table's title counts them too: when a filter shows fewer than are held, the
        // span held is said first.
        pieces.push(Piece::text(
            if held.is_some() { 1 } else { 0 },
            text,
            format!("· {}, {denied} denied ", count(total as usize, "event")),
            None,
        ));
        if let Some((a, b)) = held {
            let clock = |ms| format_time(Some(ms)).get(11..16).unwrap_or("").to_string();
            pieces.push(Piece::text(
                0,
                muted,
                format!("· held {} ", format_span(a, b, false)),
                Some(format!("· held {}–{} ", clock(a), clock(b))),
            ));
        }
    } else {
        pieces.push(Piece::new(0, vec![Span::styled(" timeline ", text)]));
    }
    pieces.push(range_piece(state, store, styles));
    pieces
}

/// The most severe finding in each bar, on the timeline's bottom edge.
fn draw_markers(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    store: &EventStore,
    bars: &Histogram,
    styles: &Styles,
) {
    let markers = markers(state, store, bars);
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

/// Per bar, the most severe detection (medium or more) with a hit in it.
fn markers(state: &State, store: &EventStore, bars: &Histogram) -> Vec<Option<Severity>> {
    let mut out = vec![None; bars.buckets.len()];
    let Some(found) = &state.found else {
        return out;
    };
    for item in found
        .items
        .iter()
        .filter(|i| i.severity >= Severity::Medium)
    {
        for &row in item.rows.iter().flat_map(|r| r.iter()) {
            let Some(i) = store.time_ms(row).and_then(|t| bars.bucket_of(t)) else {
                continue;
            };
            let c = &mut out[i];
            if c.is_none_or(|s| s < item.severity) {
                *c = Some(item.severity);
            }
        }
    }
    out
}
