//! Drawing a component into a test terminal, and the buffer back as text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use crate::catalog::themes::Themes;
use crate::tui::styles::Styles;

pub fn styles() -> Styles {
    Styles::from_theme(Themes::load(None).get("dark").expect("the dark theme"))
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Draws with `render` over the whole of a `width`×`height` terminal, and places the cursor
/// where `cursor` says.
pub fn draw(
    width: u16,
    height: u16,
    render: impl FnOnce(Rect, &mut Buffer),
    cursor: impl FnOnce(Rect) -> Option<Position>,
) -> (Buffer, Option<Position>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    let mut at = None;
    terminal
        .draw(|frame| {
            let area = frame.area();
            render(area, frame.buffer_mut());
            at = cursor(area);
            if let Some(p) = at {
                frame.set_cursor_position(p);
            }
        })
        .expect("drawing");
    (terminal.backend().buffer().clone(), at)
}

pub fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The first screen position of `needle` (a string of single-width characters).
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let rows: Vec<String> = text(buf).lines().map(str::to_string).collect();
    rows.iter().enumerate().find_map(|(y, row)| {
        let chars: Vec<char> = row.chars().collect();
        let n: Vec<char> = needle.chars().collect();
        (0..chars.len())
            .find(|&x| chars[x..].starts_with(&n))
            .map(|x| (x as u16, y as u16))
    })
}
