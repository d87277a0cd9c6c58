//! The facets pane: one facet at a time, its top values with counts and a bar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::super::geometry::first_facet_value;
use super::super::state::{Focus, State};
use super::super::styles::Styles;
use crate::catalog::themes::Role;
use crate::text::{sanitize, truncate_to_width};

pub fn draw(buf: &mut Buffer, area: Rect, state: &State, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let f = &state.facets;
    let focused = state.focus == Focus::Facets;
    let title = match f.current() {
        Some((facet, counts)) => format!(" ◂ {} ({}) ▸ ", facet.label(), counts.distinct),
        None => " facets ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(styles.border(focused));
    let inner = block.inner(area);
    block.render(area, buf);
    let Some((facet, counts)) = f.current() else {
        return;
    };
    let width = usize::from(inner.width);
    let count_width = counts
        .values
        .first()
        .map_or(1, |(_, n)| n.to_string().len());
    let max = counts.values.first().map_or(1, |(_, n)| (*n).max(1));
    let height = usize::from(inner.height);
    let first = first_facet_value(f.cursor, inner.height);
    let mut lines = Vec::new();
    for (i, (value, n)) in counts.values.iter().enumerate().skip(first).take(height) {
        let chip = state
            .filters
            .chips
            .iter()
            .find(|c| c.facet == *facet && c.value == *value);
        let sign = match chip {
            Some(c) if c.include => "+",
            Some(_) => "-",
            None => " ",
        };
        let bar_width = 6;
        let filled = ((*n as f64 / max as f64) * bar_width as f64).ceil() as usize;
        let bar = format!("{:<bar_width$}", "▮".repeat(filled.min(bar_width)));
        let label_width = width.saturating_sub(count_width + bar_width + 4);
        let label = truncate_to_width(&sanitize(value), label_width).into_owned();
        let mut style = styles.get(Role::Text);
        if chip.is_some() {
            style = styles.get(Role::Chip);
        }
        if focused && i == f.cursor {
            style = style.patch(styles.get(Role::Selected));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{sign}{label:<label_width$} "), style),
            Span::styled(format!("{n:>count_width$} "), styles.get(Role::Muted)),
            Span::styled(bar, styles.get(Role::Bar)),
        ]));
    }
    if counts.missing > 0 && lines.len() < height {
        lines.push(Line::from(Span::styled(
            format!(" (none) {}", counts.missing),
            styles.get(Role::Muted),
        )));
    }
    Paragraph::new(lines).render(inner, buf);
}
