//! The Findings view: every detection of the library over the events held, listed by severity
//! with its hits in the time range chosen; Enter shows those hits, F2 changes the range. It opens
//! at once: the hits are worked out as events arrive ([`super::found`]).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::found::{Found, FoundItem};
use super::styles::Styles;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::text::{columns, fit_columns, sanitize};

/// What the view asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingsAction {
    None,
    /// Show this detection's hits in the range.
    Open(String),
    /// The next time range.
    NextRange,
    Close,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsView {
    pub cursor: usize,
    /// The detection under the cursor: it stays there as counts change the order.
    pub selected: Option<String>,
    /// Why the detections could not run.
    pub error: Option<String>,
}

impl FindingsView {
    /// Puts the cursor back on the detection it was on, in `found`'s order.
    pub fn follow(&mut self, found: &Found) {
        if let Some(at) = self
            .selected
            .as_ref()
            .and_then(|name| found.items.iter().position(|i| &i.name == name))
        {
            self.cursor = at;
        }
        self.cursor = self.cursor.min(found.items.len().saturating_sub(1));
        self.selected = found.items.get(self.cursor).map(|i| i.name.clone());
    }

    pub fn handle_key(&mut self, key: KeyEvent, found: Option<&Found>) -> FindingsAction {
        let items = found.map_or(&[][..], |f| &f.items[..]);
        let len = items.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q' | 'F') => return FindingsAction::Close,
            KeyCode::F(2) => return FindingsAction::NextRange,
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Enter => {
                if let Some(item) = items.get(self.cursor) {
                    return FindingsAction::Open(item.name.clone());
                }
            }
            _ => {}
        }
        self.selected = items.get(self.cursor).map(|i| i.name.clone());
        FindingsAction::None
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, found: Option<&Found>, styles: &Styles) {
        if area.is_empty() {
            return;
        }
        Clear.render(area, buf);
        let title = match found {
            None => " findings · reading the events held… · Esc closes ".to_string(),
            Some(found) => {
                let fired = found
                    .items
                    .iter()
                    .filter(|i| i.hits().is_some_and(|n| n > 0))
                    .count();
                let so_far = if found.complete() {
                    String::new()
                } else {
                    format!(
                        " so far ({} of {} read)",
                        found.read,
                        crate::text::count(found.held, "event")
                    )
                };
                format!(
                    " findings{so_far} · {} · {fired} of {} fired · Enter shows · F2 range · Esc ",
                    found.range.label(),
                    found.items.len()
                )
            }
        };
        let mut lines = Vec::new();
        if let Some(e) = &self.error {
            lines.push(Line::styled(
                sanitize(e).into_owned(),
                styles.get(Role::Error),
            ));
        }
        let items = found.map_or(&[][..], |f| &f.items[..]);
        let height = usize::from(area.height.saturating_sub(2));
        let name_width = items
            .iter()
            .map(|i| i.name.chars().count() + 1)
            .max()
            .unwrap_or(0)
            .clamp(24, 40);
        let first = self.cursor.saturating_sub(height.saturating_sub(1));
        for (i, item) in items.iter().enumerate().skip(first).take(height) {
            let hits = item.hits().unwrap_or(0);
            let role = match (hits, item.severity) {
                (0, _) => Role::Muted,
                (_, Severity::Critical | Severity::High) => Role::Deny,
                (_, Severity::Medium) => Role::Warning,
                _ => Role::Text,
            };
            let mut style = styles.get(role);
            if i == self.cursor {
                style = style.patch(styles.get(Role::Selected));
            }
            let head = format!(
                "{:<9}{:<name_width$}{:>6}  ",
                item.severity.name(),
                clip(&sanitize(&item.name), name_width - 1),
                count_of(item)
            );
            let outside = outside(item);
            // A description cut short says so, rather than ending inside a word.
            let room = usize::from(area.width.saturating_sub(2))
                .saturating_sub(columns(&head) + columns(&outside));
            let description = sanitize(&item.description);
            lines.push(Line::from(vec![
                Span::styled(head, style),
                Span::styled(outside, styles.get(Role::Warning)),
                Span::styled(
                    fit_columns(&description, room).into_owned(),
                    styles.get(Role::Muted),
                ),
            ]));
        }
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .border_style(styles.border(true)),
            )
            .render(area, buf);
    }
}

/// The hits in the range; `run` for a detection that is only answered as a query.
fn count_of(item: &FoundItem) -> String {
    item.hits().map_or("run".to_string(), |n| n.to_string())
}

/// Hits held outside the range, said so that a narrow range does not hide them.
fn outside(item: &FoundItem) -> String {
    match item.hits() {
        Some(n) if item.all > n => format!("(+{} outside) ", item.all - n),
        _ => String::new(),
    }
}

/// At most `width` characters of `text`, the last one `…` when some were cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::tui::query::TimeChoice;

    fn item(name: &str, severity: Severity, hits: usize, all: usize) -> FoundItem {
        FoundItem {
            name: name.into(),
            severity,
            description: String::new(),
            text: String::new(),
            rows: Some(Arc::new((0..hits as u32).collect())),
            all,
        }
    }

    #[test]
    fn the_cursor_stays_on_its_detection_and_enter_opens_it() {
        let mut found = Found {
            items: vec![
                item("high", Severity::High, 1, 1),
                item("medium", Severity::Medium, 2, 2),
            ],
            read: 5,
            held: 5,
            range: TimeChoice::All,
            resolved: Default::default(),
        };
        let mut v = FindingsView::default();
        v.follow(&found);
        v.handle_key(KeyEvent::from(KeyCode::Char('j')), Some(&found));
        assert_eq!(v.selected.as_deref(), Some("medium"));
        // New counts put "medium" first: the cursor goes with it.
        found.items.swap(0, 1);
        v.follow(&found);
        assert_eq!(v.cursor, 0);
        assert_eq!(
            v.handle_key(KeyEvent::from(KeyCode::Enter), Some(&found)),
            FindingsAction::Open("medium".into())
        );
        assert_eq!(
            v.handle_key(KeyEvent::from(KeyCode::F(2)), Some(&found)),
            FindingsAction::NextRange
        );
        // Esc closes, also before anything is found.
        assert_eq!(
            v.handle_key(KeyEvent::from(KeyCode::Esc), None),
            FindingsAction::Close
        );
    }

    #[test]
    fn hits_outside_the_range_are_said() {
        assert_eq!(outside(&item("a", Severity::High, 0, 1)), "(+1 outside) ");
        assert_eq!(outside(&item("a", Severity::High, 1, 1)), "");
    }
}
