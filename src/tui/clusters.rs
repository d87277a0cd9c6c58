//! The cluster picker: the EKS clusters whose audit log is in CloudWatch Logs, found with
//! DescribeLogGroups, fuzzy-searched as one types; Enter opens one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::styles::Styles;
use crate::catalog::themes::Role;
use crate::text::sanitize;

/// One cluster found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterItem {
    pub cluster: String,
    pub group: String,
    pub stored_bytes: Option<i64>,
}

/// What the picker asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerAction {
    None,
    /// Open this log group.
    Open(String),
    Quit,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterPicker {
    /// `None` while discovery runs.
    pub items: Option<Vec<ClusterItem>>,
    pub error: Option<String>,
    pub search: String,
    /// Into [`ClusterPicker::shown`].
    pub cursor: usize,
}

impl ClusterPicker {
    /// The items that match the search, best first (all, in name order, when it is empty).
    pub fn shown(&self) -> Vec<&ClusterItem> {
        let Some(items) = &self.items else {
            return Vec::new();
        };
        if self.search.is_empty() {
            return items.iter().collect();
        }
        let matcher = SkimMatcherV2::default().smart_case();
        let mut scored: Vec<(i64, &ClusterItem)> = items
            .iter()
            .filter_map(|i| Some((matcher.fuzzy_match(&i.cluster, &self.search)?, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cluster.cmp(&b.1.cluster)));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    pub fn set_items(&mut self, mut items: Vec<ClusterItem>) {
        items.sort_by(|a, b| a.cluster.cmp(&b.cluster));
        self.items = Some(items);
        self.cursor = 0;
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PickerAction {
        let shown = self.shown().len();
        match key.code {
            KeyCode::Esc => return PickerAction::Quit,
            KeyCode::Enter => {
                return match self.shown().get(self.cursor) {
                    Some(item) => PickerAction::Open(item.group.clone()),
                    None => PickerAction::None,
                };
            }
            KeyCode::Down => self.cursor = (self.cursor + 1).min(shown.saturating_sub(1)),
            KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Backspace => {
                self.search.pop();
                self.cursor = 0;
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.search.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.search.push(c);
                self.cursor = 0;
            }
            _ => {}
        }
        PickerAction::None
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, styles: &Styles) {
        if area.is_empty() {
            return;
        }
        Clear.render(area, buf);
        let shown = self.shown();
        let title = match &self.items {
            None => " EKS clusters · looking in CloudWatch Logs… ".to_string(),
            Some(items) => format!(
                " EKS clusters · {} of {} · type to search · Enter opens · Esc quits ",
                shown.len(),
                items.len()
            ),
        };
        let mut lines = vec![Line::from(vec![
            Span::styled("search: ", styles.get(Role::Muted)),
            Span::styled(sanitize(&self.search).into_owned(), styles.get(Role::Text)),
        ])];
        if let Some(error) = &self.error {
            lines.push(Line::styled(
                sanitize(error).into_owned(),
                styles.get(Role::Error),
            ));
        } else if self.items.as_ref().is_some_and(Vec::is_empty) {
            lines.push(Line::styled(
                "no EKS audit log groups (/aws/eks/NAME/cluster) here: is audit logging on, and is this the right region?",
                styles.get(Role::Warning),
            ));
        }
        let height = usize::from(area.height.saturating_sub(3));
        let first = self.cursor.saturating_sub(height.saturating_sub(1));
        for (i, item) in shown.iter().enumerate().skip(first).take(height) {
            let size = item.stored_bytes.map_or(String::new(), |b| {
                format!("  {:.1} GB stored", b as f64 / 1e9)
            });
            let mut style = styles.get(Role::Text);
            if i == self.cursor {
                style = style.patch(styles.get(Role::Selected));
            }
            lines.push(Line::from(vec![
                Span::styled(format!("{:<32}", sanitize(&item.cluster)), style),
                Span::styled(
                    format!(" {}{size}", sanitize(&item.group)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str) -> ClusterItem {
        ClusterItem {
            cluster: name.into(),
            group: format!("/aws/eks/{name}/cluster"),
            stored_bytes: None,
        }
    }

    #[test]
    fn typing_narrows_and_enter_opens_the_one_under_the_cursor() {
        let mut p = ClusterPicker::default();
        assert_eq!(
            p.handle_key(KeyEvent::from(KeyCode::Enter)),
            PickerAction::None
        );
        p.set_items(vec![item("staging"), item("prod-eu"), item("prod-us")]);
        assert_eq!(p.shown()[0].cluster, "prod-eu");
        for c in "prdus".chars() {
            p.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        assert_eq!(p.shown()[0].cluster, "prod-us");
        assert_eq!(
            p.handle_key(KeyEvent::from(KeyCode::Enter)),
            PickerAction::Open("/aws/eks/prod-us/cluster".into())
        );
        assert_eq!(
            p.handle_key(KeyEvent::from(KeyCode::Esc)),
            PickerAction::Quit
        );
    }
}
