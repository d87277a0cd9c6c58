//! The cluster picker: the EKS clusters whose audit log is in CloudWatch Logs (over a fleet,
//! in every account and region of it), found with DescribeLogGroups, fuzzy-searched as one
//! types; Space chooses several, Enter opens those chosen (else the one under the cursor).

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
pub type ClusterItem = crate::engine::cloud::Cluster;

/// What the picker asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerAction {
    None,
    /// Open these clusters.
    Open(Vec<ClusterItem>),
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
            .filter_map(|i| Some((matcher.fuzzy_match(&searched(i), &self.search)?, i)))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cluster.cmp(&b.1.cluster)));
        scored.into_iter().map(|(_, i)| i).collect()
    }

    pub fn set_items(&mut self, mut items: Vec<ClusterItem>) {
        items.sort_by(|a, b| {
            (&a.cluster, &a.region, &a.account).cmp(&(&b.cluster, &b.region, &b.account))
        });
        self.items = Some(items);
        self.cursor = 0;
    }

    /// The clusters chosen.
    pub fn chosen(&self) -> Vec<&ClusterItem> {
        self.items.iter().flatten().filter(|i| i.chosen).collect()
    }

    /// Over a fleet, where each cluster is shows.
    fn fleet(&self) -> bool {
        self.items
            .iter()
            .flatten()
            .any(|i| i.account.is_some() || i.region.is_some())
    }

    fn toggle(&mut self, key: &str) {
        if let Some(item) = self.items.iter_mut().flatten().find(|i| i.key == key) {
            item.chosen = !item.chosen;
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> PickerAction {
        let shown = self.shown().len();
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return PickerAction::Quit,
            KeyCode::Enter => {
                let chosen: Vec<ClusterItem> = self.chosen().into_iter().cloned().collect();
                if !chosen.is_empty() {
                    return PickerAction::Open(chosen);
                }
                return match self.shown().get(self.cursor) {
                    Some(item) => PickerAction::Open(vec![(*item).clone()]),
                    None => PickerAction::None,
                };
            }
            KeyCode::Char(' ') => {
                if let Some(key) = self.shown().get(self.cursor).map(|i| i.key.clone()) {
                    self.toggle(&key);
                    self.cursor = (self.cursor + 1).min(shown.saturating_sub(1));
                }
            }
            KeyCode::Char('a') if control => {
                // Every cluster shown chosen, or, when they all are, none.
                let keys: Vec<String> = self.shown().iter().map(|i| i.key.clone()).collect();
                let all = self.shown().iter().all(|i| i.chosen);
                for item in self.items.iter_mut().flatten() {
                    if keys.contains(&item.key) {
                        item.chosen = !all;
                    }
                }
            }
            KeyCode::Down => self.cursor = (self.cursor + 1).min(shown.saturating_sub(1)),
            KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Backspace => {
                self.search.pop();
                self.cursor = 0;
            }
            KeyCode::Char('u') if control => {
                self.search.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) if !control => {
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
        let chosen = self.chosen().len();
        let title = match &self.items {
            None => " EKS clusters · looking in CloudWatch Logs… ".to_string(),
            Some(items) => format!(
                " EKS clusters · {} of {}{} · type to search · Space chooses · Enter opens · Esc quits ",
                shown.len(),
                items.len(),
                if chosen > 0 {
                    format!(" · {chosen} chosen")
                } else {
                    String::new()
                }
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
        let fleet = self.fleet();
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
            let mark = if item.chosen { "[x] " } else { "[ ] " };
            let place = if fleet {
                format!(
                    " {:<14} {:<14}",
                    sanitize(item.region.as_deref().unwrap_or("-")),
                    sanitize(item.account.as_deref().unwrap_or("-"))
                )
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(mark, styles.get(Role::Accent)),
                Span::styled(padded(&sanitize(&item.cluster), 28), style),
                Span::styled(place, styles.get(Role::Text)),
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

/// `text` (made safe already) in exactly `width` terminal columns: cut with `…`, else padded.
fn padded(text: &str, width: usize) -> String {
    let fit = crate::text::fit_columns(text, width);
    let pad = width.saturating_sub(crate::text::columns(&fit));
    format!("{fit}{}", " ".repeat(pad))
}

/// What a search is matched against: the cluster, and over a fleet its region and account.
fn searched(item: &ClusterItem) -> String {
    let mut text = item.cluster.clone();
    for part in [&item.region, &item.account].into_iter().flatten() {
        text.push(' ');
        text.push_str(part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str) -> ClusterItem {
        ClusterItem {
            cluster: name.into(),
            group: format!("/aws/eks/{name}/cluster"),
            key: format!("/aws/eks/{name}/cluster"),
            ..ClusterItem::default()
        }
    }

    fn keys(action: PickerAction) -> Vec<String> {
        match action {
            PickerAction::Open(items) => items.into_iter().map(|i| i.key).collect(),
            other => panic!("not opened: {other:?}"),
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
            keys(p.handle_key(KeyEvent::from(KeyCode::Enter))),
            ["/aws/eks/prod-us/cluster"]
        );
        assert_eq!(
            p.handle_key(KeyEvent::from(KeyCode::Esc)),
            PickerAction::Quit
        );
    }

    #[test]
    fn space_chooses_several_and_enter_opens_those_chosen() {
        let mut p = ClusterPicker::default();
        p.set_items(vec![item("staging"), item("prod-eu"), item("prod-us")]);
        // prod-eu, then (the cursor moved on) prod-us.
        p.handle_key(KeyEvent::from(KeyCode::Char(' ')));
        p.handle_key(KeyEvent::from(KeyCode::Char(' ')));
        assert_eq!(p.chosen().len(), 2);
        assert_eq!(
            keys(p.handle_key(KeyEvent::from(KeyCode::Enter))),
            ["/aws/eks/prod-eu/cluster", "/aws/eks/prod-us/cluster"]
        );
        // Ctrl-A: every one shown, then none.
        let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
        p.handle_key(ctrl_a);
        assert_eq!(p.chosen().len(), 3);
        p.handle_key(ctrl_a);
        assert!(p.chosen().is_empty());
    }

    #[test]
    fn over_a_fleet_a_search_matches_the_region_too() {
        let mut p = ClusterPicker::default();
        let mut eu = item("prod");
        eu.region = Some("eu-west-1".into());
        eu.key = "1 /aws/eks/prod/cluster".into();
        let mut us = item("prod");
        us.region = Some("us-east-1".into());
        us.key = "0 /aws/eks/prod/cluster".into();
        p.set_items(vec![us, eu]);
        for c in "euwest".chars() {
            p.handle_key(KeyEvent::from(KeyCode::Char(c)));
        }
        assert_eq!(p.shown()[0].region.as_deref(), Some("eu-west-1"));
    }
}
