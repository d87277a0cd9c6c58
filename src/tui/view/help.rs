//! The help overlay (`?`): the keymap, a section per layer, a line per row, and the `:`
//! commands; as wide as the terminal allows, each description wrapped to it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::super::keymap::help::{self, HelpLine};
use super::super::styles::Styles;
use crate::catalog::themes::Role;

pub fn draw(buf: &mut Buffer, area: Rect, styles: &Styles, scroll: u16) {
    let popup = help::popup(area);
    Clear.render(popup, buf);
    let lines: Vec<Line> = help::lines(popup.width.saturating_sub(2))
        .into_iter()
        .map(|line| match line {
            HelpLine::Title(title) => Line::styled(title, styles.get(Role::Header)),
            HelpLine::Row(keys, words) => Line::from(vec![
                Span::styled(format!("  {keys:<26}"), styles.get(Role::Accent)),
                Span::styled(words, styles.get(Role::Text)),
            ]),
            HelpLine::Blank => Line::default(),
        })
        .collect();
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
