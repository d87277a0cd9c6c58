//! The facets pane: one facet at a time, its top values with counts and a bar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::super::geometry::{
    count_width, facet_foot, facet_label, facet_list, facet_names, facet_row, first_facet_value,
    is_identity,
};
use super::super::names::fit_name;
use super::super::state::{Focus, State};
use super::super::styles::Styles;
use crate::catalog::themes::Role;
use crate::text::fit_columns;

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
    let count_width = count_width(counts);
    let (label_width, bar_width) = facet_row(inner.width, count_width);
    let names = facet_names(*facet, counts);
    let max = counts.values.first().map_or(1, |(_, n)| (*n).max(1));
    let list = facet_list(state, area);
    let height = usize::from(list.height);
    let first = first_facet_value(f.cursor, list.height);
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
        let filled = ((*n as f64 / max as f64) * bar_width as f64).ceil() as usize;
        let bar = format!("{:<bar_width$}", "▮".repeat(filled.min(bar_width)));
        let shown = facet_label(&names, *facet, value);
        let label = if is_identity(*facet) {
            fit_name(&shown, label_width)
        } else {
            fit_columns(&shown, label_width)
        };
        let pad = label_width.saturating_sub(crate::text::columns(&label));
        let mut style = styles.get(Role::Text);
        if chip.is_some() {
            style = styles.get(Role::Chip);
        }
        if focused && i == f.cursor {
            style = style.patch(styles.get(Role::Selected));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{sign}{label}{:pad$} ", ""), style),
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
    Paragraph::new(lines).render(list, buf);
    let foot = facet_foot(state, inner.width);
    let foot_area = Rect {
        y: list.y + list.height,
        height: inner.height.saturating_sub(list.height),
        ..inner
    };
    let foot: Vec<Line> = foot
        .into_iter()
        .map(|l| Line::styled(l, styles.get(Role::Accent)))
        .collect();
    Paragraph::new(foot).render(foot_area, buf);
}
