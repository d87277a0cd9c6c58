//! The canned queries, fuzzy-searched by name, description and tags, with the chosen one's
//! description and text beside the list.
//!
//! Typing always goes to the search (so `j`, `k` and `e` are letters); the arrows move through
//! the list, Enter runs the query and Tab (or Ctrl-E) takes it to the editor.

use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::super::keymap::{self, Action, Layer};
use super::buffer::TextBuffer;
use super::typed;
use crate::catalog::{CannedQuery, Catalog};
use crate::engine::Detection;

/// What the browser asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserAction {
    None,
    /// Run this canned query as it is.
    Run {
        text: String,
        name: String,
    },
    /// Open this canned query in the editor.
    Edit {
        text: String,
        name: String,
    },
    Close,
}

/// One query that matches the search, and which of its characters matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Into [`Browser::queries`].
    pub index: usize,
    pub score: i64,
    /// Character positions in the name, the description and [`tag_line`].
    pub name: Vec<usize>,
    pub description: Vec<usize>,
    pub tags: Vec<usize>,
}

/// The tags as the browser shows (and searches) them.
pub fn tag_line(query: &CannedQuery) -> String {
    query.tags.join(", ")
}

/// The browser's state.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    queries: Vec<CannedQuery>,
    /// The queries with a severity, made once: asked for every time events arrive.
    detections: Arc<[Detection]>,
    pub(super) search: TextBuffer,
    hits: Vec<Hit>,
    /// Into `hits`.
    selected: usize,
}

/// Rows PgUp and PgDn move.
const PAGE: usize = 10;

/// A name hit counts for more: names are what people remember of a query.
const NAME_WEIGHT: i64 = 2;

impl Browser {
    pub fn new(catalog: &Catalog) -> Browser {
        Browser::with_queries(catalog.queries().to_vec())
    }

    /// A browser of just these queries.
    pub fn with_queries(queries: Vec<CannedQuery>) -> Browser {
        let mut browser = Browser {
            detections: Detection::among(&queries).into(),
            queries,
            ..Browser::default()
        };
        browser.refilter();
        browser
    }

    pub fn queries(&self) -> &[CannedQuery] {
        &self.queries
    }

    /// Every query with a severity, as a detection.
    pub fn detections(&self) -> Arc<[Detection]> {
        self.detections.clone()
    }

    /// The canned query of this name.
    pub fn get(&self, name: &str) -> Option<&CannedQuery> {
        self.queries.iter().find(|q| q.name == name)
    }

    /// The matching queries, best first.
    pub fn hits(&self) -> &[Hit] {
        &self.hits
    }

    pub fn search(&self) -> String {
        self.search.text()
    }

    /// The hit under the cursor, if anything matches.
    pub fn selected(&self) -> Option<(&Hit, &CannedQuery)> {
        let hit = self.hits.get(self.selected)?;
        Some((hit, &self.queries[hit.index]))
    }

    pub(super) fn selected_index(&self) -> usize {
        self.selected
    }

    /// Opened afresh: an empty search, every query listed, the first one picked.
    pub fn clear_search(&mut self) {
        self.search = TextBuffer::default();
        self.refilter();
    }

    /// The search's words that match no query at all (each word must match one, all of them
    /// the same query).
    pub fn misses(&self) -> Vec<String> {
        let text = self.search.text();
        text.split_whitespace()
            .filter(|w| filter(&self.queries, w).is_empty())
            .map(str::to_string)
            .collect()
    }

    fn refilter(&mut self) {
        self.hits = filter(&self.queries, &self.search.text());
        self.selected = 0;
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> BrowserAction {
        if key.kind == KeyEventKind::Release {
            return BrowserAction::None;
        }
        match keymap::action(Layer::Browser, &key) {
            None => BrowserAction::None,
            Some(Action::Close) => BrowserAction::Close,
            Some(Action::Run) => self.take(false),
            Some(Action::Edit) => self.take(true),
            Some(action) => {
                if self.move_or_edit(action, &key) {
                    self.refilter();
                }
                BrowserAction::None
            }
        }
    }

    /// True when the search changed.
    fn move_or_edit(&mut self, action: Action, key: &KeyEvent) -> bool {
        let last = self.hits.len().saturating_sub(1) as isize;
        let by = match action {
            Action::Type => return typed(key).is_some_and(|c| self.search.insert(c)),
            Action::ClearLine => {
                let had = !self.search.is_empty();
                self.search = TextBuffer::default();
                return had;
            }
            Action::DeleteBack => return self.search.backspace(),
            Action::DeleteForward => return self.search.delete(),
            Action::Left => {
                self.search.left();
                return false;
            }
            Action::Right => {
                self.search.right();
                return false;
            }
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(PAGE as isize),
            Action::PageDown => PAGE as isize,
            Action::First => -last,
            Action::Last => last,
            _ => 0,
        };
        self.selected = self
            .selected
            .saturating_add_signed(by)
            .min(last.max(0) as usize);
        false
    }

    fn take(&self, edit: bool) -> BrowserAction {
        let Some((_, query)) = self.selected() else {
            return BrowserAction::None;
        };
        let (text, name) = (query.text.clone(), query.name.clone());
        if edit {
            BrowserAction::Edit { text, name }
        } else {
            BrowserAction::Run { text, name }
        }
    }
}

/// The queries that match `search`, best first; every query, in catalog order, for an empty
/// search. Each word of the search must match the name, the description or the tags.
pub fn filter(queries: &[CannedQuery], search: &str) -> Vec<Hit> {
    let matcher = SkimMatcherV2::default().smart_case();
    let words: Vec<&str> = search.split_whitespace().collect();
    let mut hits: Vec<Hit> = queries
        .iter()
        .enumerate()
        .filter_map(|(index, q)| {
            let tags = tag_line(q);
            let mut hit = Hit {
                index,
                score: 0,
                name: Vec::new(),
                description: Vec::new(),
                tags: Vec::new(),
            };
            for word in &words {
                let fields = [
                    (matcher.fuzzy_indices(&q.name, word), NAME_WEIGHT, 0),
                    (matcher.fuzzy_indices(&q.description, word), 1, 1),
                    (matcher.fuzzy_indices(&tags, word), 1, 2),
                ];
                let best = fields
                    .into_iter()
                    .filter_map(|(m, weight, field)| m.map(|(s, at)| (s * weight, at, field)))
                    .max_by_key(|(score, _, _)| *score)?;
                let (score, at, field) = best;
                hit.score += score;
                let into = match field {
                    0 => &mut hit.name,
                    1 => &mut hit.description,
                    _ => &mut hit.tags,
                };
                into.extend(at);
            }
            for v in [&mut hit.name, &mut hit.description, &mut hit.tags] {
                v.sort_unstable();
                v.dedup();
            }
            Some(hit)
        })
        .collect();
    // Stable: equal scores keep the catalog's curated order.
    hits.sort_by_key(|h| std::cmp::Reverse(h.score));
    hits
}

#[cfg(test)]
#[path = "browser_tests.rs"]
mod tests;
