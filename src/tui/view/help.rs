//! The help overlay (`?`): the keymap, a section per layer, a line per row.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::geometry::help_lines;
use super::super::keymap;
use super::super::styles::Styles;
use crate::catalog::themes::Role;

pub fn draw(buf: &mut Buffer, area: Rect, styles: &Styles, scroll: u16) {
    let width = area.width.min(84);
    let height = area.height.min(help_lines() + 2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let mut lines = Vec::new();
    for (layer, rows) in keymap::sections() {
        lines.push(Line::styled(layer.title(), styles.get(Role::Header)));
        for row in rows {
            let mut label = row.label();
            for what in row.help.lines() {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {label:<26}"), styles.get(Role::Accent)),
                    Span::styled(what, styles.get(Role::Text)),
                ]));
                label.clear();
            }
        }
        lines.push(Line::default());
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys · j k scroll · Esc or ? closes ")
                .border_style(styles.border(true)),
        )
        .style(styles.get(Role::Text))
        .scroll((scroll, 0))
        .render(popup, buf);
}
