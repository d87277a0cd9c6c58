//! The help overlay (`?`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::keymap::KEYS;
use super::super::styles::Styles;
use crate::catalog::themes::Role;

pub fn draw(buf: &mut Buffer, area: Rect, styles: &Styles, scroll: u16) {
    let width = area.width.min(84);
    let lines_needed: usize = KEYS.iter().map(|(_, keys)| keys.len() + 2).sum();
    let height = area.height.min(lines_needed as u16 + 2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let mut lines = Vec::new();
    for (section, keys) in KEYS {
        lines.push(Line::styled(*section, styles.get(Role::Header)));
        for (key, what) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<26}"), styles.get(Role::Accent)),
                Span::styled(*what, styles.get(Role::Text)),
            ]));
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
