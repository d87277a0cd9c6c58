//! `inherits`: each theme's entries with its parent's filled in, loops and unknown parents
//! reported.

use super::model::Entries;
use super::parse::Parsed;
use super::{Theme, ThemeProblem, did_you_mean};
use crate::text::suggest::nearest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    Embedded(usize),
    User(usize),
}

/// Applies `inherits`, each theme once, reporting unknown parents and loops where they are named.
pub(super) struct Resolver<'a> {
    embedded: &'a [Parsed],
    user: &'a [Parsed],
    /// Resolved entries by slot: embedded themes first, then user ones.
    done: Vec<Option<Entries>>,
    /// The themes whose parents are being resolved, to catch a loop.
    visiting: Vec<Key>,
    problems: &'a mut Vec<ThemeProblem>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(
        embedded: &'a [Parsed],
        user: &'a [Parsed],
        problems: &'a mut Vec<ThemeProblem>,
    ) -> Self {
        Resolver {
            embedded,
            user,
            done: vec![None; embedded.len() + user.len()],
            visiting: Vec::new(),
            problems,
        }
    }

    fn parsed(&self, key: Key) -> &Parsed {
        match key {
            Key::Embedded(i) => &self.embedded[i],
            Key::User(i) => &self.user[i],
        }
    }

    fn slot(&self, key: Key) -> usize {
        match key {
            Key::Embedded(i) => i,
            Key::User(i) => self.embedded.len() + i,
        }
    }

    pub(super) fn theme(&mut self, key: Key) -> Theme {
        let entries = self.entries(key);
        let parsed = self.parsed(key);
        Theme {
            name: parsed.name.clone(),
            description: parsed.description.clone(),
            inherits: parsed.inherits.as_ref().map(|(n, _)| n.clone()),
            origin: parsed.origin.clone(),
            entries,
        }
    }

    /// Where `parent` is looked up: a user theme sees user themes over the defaults, except that
    /// naming itself means the default it replaces; a default sees only defaults, so a user file
    /// cannot change what a built-in theme is made of.
    fn find_parent(&self, key: Key, parent: &str) -> Option<Key> {
        let own = &self.parsed(key).name;
        let embedded = || {
            self.embedded
                .iter()
                .position(|p| p.name == parent)
                .map(Key::Embedded)
        };
        match key {
            Key::User(_) if parent != own => self
                .user
                .iter()
                .position(|p| p.name == parent)
                .map(Key::User)
                .or_else(embedded),
            Key::User(_) => embedded(),
            Key::Embedded(_) if parent == own => None,
            Key::Embedded(_) => embedded(),
        }
    }

    fn entries(&mut self, key: Key) -> Entries {
        let slot = self.slot(key);
        if let Some(done) = self.done[slot] {
            return done;
        }
        let parsed = self.parsed(key);
        let mut entries = parsed.entries;
        if let Some((parent, at)) = parsed.inherits.clone() {
            let path = parsed.path.clone();
            let name = parsed.name.clone();
            let problem = match self.find_parent(key, &parent) {
                None if parent == name => Some(format!(
                    "`inherits = \"{parent}\"` names this theme itself; name another theme"
                )),
                None => {
                    let names = self
                        .embedded
                        .iter()
                        .chain(self.user)
                        .map(|p| p.name.as_str());
                    Some(format!(
                        "there is no theme named `{parent}` to inherit{}; the file is used without it",
                        did_you_mean(nearest(&parent, names).as_deref())
                    ))
                }
                Some(p) if p == key || self.visiting.contains(&p) => Some(format!(
                    "`inherits = \"{parent}\"` makes a loop back to this theme; remove one of the `inherits` lines"
                )),
                Some(p) => {
                    self.visiting.push(key);
                    let inherited = self.entries(p);
                    self.visiting.pop();
                    for (own, theirs) in entries.iter_mut().zip(inherited) {
                        if own.is_none() {
                            *own = theirs;
                        }
                    }
                    None
                }
            };
            if let Some(message) = problem {
                self.problems.push(ThemeProblem {
                    path,
                    line: Some(at.line),
                    column: Some(at.column),
                    message,
                    skipped: false,
                });
            }
        }
        self.done[slot] = Some(entries);
        entries
    }
}
