//! The Findings view: every detection of the library run over the loaded events, listed by
//! severity with its hits; Enter runs the one under the cursor, its hits then in the events table.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::styles::Styles;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::text::sanitize;

/// One detection's result: the engine's finding, whatever the source.
pub use crate::engine::Finding as FindingItem;

/// What the view asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingsAction {
    None,
    /// Run this detection (its hits into the events table).
    Open(String),
    Close,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsView {
    /// `None` while the detections run.
    pub items: Option<Vec<FindingItem>>,
    pub error: Option<String>,
    pub cursor: usize,
}

impl FindingsView {
    /// The findings, those that fired first, the most severe first.
    pub fn set_items(&mut self, mut items: Vec<FindingItem>) {
        items.sort_by(|a, b| {
            (b.hits > 0, b.severity, &a.name).cmp(&(a.hits > 0, a.severity, &b.name))
        });
        self.items = Some(items);
        self.cursor = 0;
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FindingsAction {
        let len = self.items.as_ref().map_or(0, Vec::len);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q' | 'F') => return FindingsAction::Close,
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Enter => {
                if let Some(item) = self.items.as_ref().and_then(|i| i.get(self.cursor)) {
                    return FindingsAction::Open(item.name.clone());
                }
            }
            _ => {}
        }
        FindingsAction::None
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        if area.is_empty() {
            return;
        }
        Clear.render(area, buf);
        let title = match &self.items {
            None => " findings · running every detection over the loaded events… ".to_string(),
            Some(items) => format!(
                " findings · {} of {} detections fired · Enter shows the hits · Esc closes ",
                items.iter().filter(|i| i.hits > 0).count(),
                items.len()
            ),
        };
        let mut lines = Vec::new();
        if let Some(e) = &self.error {
            lines.push(Line::styled(
                sanitize(e).into_owned(),
                styles.get(Role::Error),
            ));
        }
        let height = usize::from(area.height.saturating_sub(2));
        let name_width = self
            .items
            .iter()
            .flatten()
            .map(|i| i.name.chars().count() + 1)
            .max()
            .unwrap_or(0)
            .clamp(24, 40);
        let first = self.cursor.saturating_sub(height.saturating_sub(1));
        for (i, item) in self
            .items
            .iter()
            .flatten()
            .enumerate()
            .skip(first)
            .take(height)
        {
            let role = match (item.hits, item.severity) {
                (0, _) => Role::Muted,
                (_, Severity::Critical | Severity::High) => Role::Deny,
                (_, Severity::Medium) => Role::Warning,
                _ => Role::Text,
            };
            let mut style = styles.get(role);
            if i == self.cursor {
                style = style.patch(styles.get(Role::Selected));
            }
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{:<9}{:<name_width$}{:>6}  ",
                        item.severity.name(),
                        clip(&sanitize(&item.name), name_width - 1),
                        item.hits
                    ),
                    style,
                ),
                Span::styled(
                    sanitize(&item.description).into_owned(),
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
    use super::*;

    fn item(name: &str, severity: Severity, hits: usize) -> FindingItem {
        let detection = crate::engine::Detection {
            name: name.into(),
            text: String::new(),
            severity,
            description: String::new(),
        };
        let refs = (0..hits)
            .map(|i| crate::engine::HitRef::AuditId(i.to_string()))
            .collect();
        FindingItem::of(&detection, refs, true)
    }

    #[test]
    fn fired_and_severe_first_and_enter_opens() {
        let mut v = FindingsView::default();
        v.set_items(vec![
            item("quiet-critical", Severity::Critical, 0),
            item("medium", Severity::Medium, 2),
            item("high", Severity::High, 1),
        ]);
        let names: Vec<&str> = v.items.iter().flatten().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["high", "medium", "quiet-critical"]);
        v.handle_key(KeyEvent::from(KeyCode::Char('j')));
        assert_eq!(
            v.handle_key(KeyEvent::from(KeyCode::Enter)),
            FindingsAction::Open("medium".into())
        );
        assert_eq!(
            v.handle_key(KeyEvent::from(KeyCode::Esc)),
            FindingsAction::Close
        );
    }
}
