//! The update's `:` commands: filters by facet, queries, exports, chips, help and quit.

use std::path::PathBuf;

use super::super::effect::Effect;
use super::super::keymap::help::{COMMANDS, command_known};
use super::super::state::{Level, State};
use super::export::export_effect;
use super::query;
use super::refresh::refilter;
use crate::store::Facet;

/// `:` commands.
pub fn command(state: &mut State, input: &str) -> Vec<Effect> {
    let (name, arg) = input
        .split_once(char::is_whitespace)
        .map_or((input, ""), |(n, a)| (n, a.trim()));
    if !name.is_empty() && !command_known(name) {
        return unknown(state, name);
    }
    match name {
        "" => Vec::new(),
        "q" | "quit" => {
            state.quit = true;
            Vec::new()
        }
        "help" => {
            state.help = true;
            Vec::new()
        }
        "clear" => {
            state.pivots.clear();
            state.filters.clear();
            state.query.narrowing = false;
            vec![refilter(state)]
        }
        "drop" => {
            let chips = state.chip_labels().len();
            match arg.parse::<usize>() {
                Ok(n) if (1..=chips).contains(&n) => {
                    state.drop_chip(n - 1);
                    vec![refilter(state)]
                }
                _ => {
                    state.say(
                        format!("usage: :drop N, N the chip's number (1 to {chips})"),
                        Level::Warning,
                    );
                    Vec::new()
                }
            }
        }
        "queries" | "browse" => {
            state.query.browser.clear_search();
            state.query.browser_open = true;
            Vec::new()
        }
        "edit" | "editor" => {
            if !arg.is_empty() {
                state.query.editor.set_text(arg);
            }
            state.query.editor_open = true;
            Vec::new()
        }
        "run" if arg.is_empty() => {
            state.say(
                "usage: :run NAME (a canned query; b lists them)",
                Level::Warning,
            );
            Vec::new()
        }
        "run" => query::run_canned(state, arg, None),
        "query" if arg.is_empty() => {
            state.say("usage: :query TEXT (or ; for the editor)", Level::Warning);
            Vec::new()
        }
        "query" => {
            let range = state.query.editor.time();
            let title = query::title_of(arg);
            query::start(state, &title, arg, range)
        }
        "export" | "export-all" if arg.is_empty() => {
            state.say(
                format!("usage: :{name} FILE (.json or .jsonl)"),
                Level::Warning,
            );
            Vec::new()
        }
        "export" => {
            if state.table.marked.is_empty() {
                state.say("nothing marked: Space marks a row; :export-all FILE writes the filtered result", Level::Warning);
                return Vec::new();
            }
            export_effect(state, PathBuf::from(arg), false, false)
        }
        "export-all" => export_effect(state, PathBuf::from(arg), true, false),
        "case" => super::case::command(state, arg),
        "note" => super::case::note(state, arg),
        "user" | "as" | "ip" | "verb" | "resource" | "namespace" | "code" | "decision"
        | "source" | "cluster" | "account" | "region" => {
            let facet = match name {
                // Either identity of a request: who sent it, or whom it impersonated.
                "user" => Facet::User,
                "as" => Facet::Impersonated,
                "ip" => Facet::SourceIp,
                "verb" => Facet::Verb,
                "resource" => Facet::Resource,
                "namespace" => Facet::Namespace,
                "code" => Facet::Code,
                "source" => Facet::Source,
                "cluster" => Facet::Cluster,
                "account" => Facet::Account,
                "region" => Facet::Region,
                _ => Facet::Decision,
            };
            let (keep, value) = match arg.strip_prefix('!') {
                Some(v) => (false, v.trim()),
                None => (true, arg),
            };
            if value.is_empty() {
                state.say(
                    format!("usage: :{name} VALUE (or !VALUE to drop it)"),
                    Level::Warning,
                );
                return Vec::new();
            }
            if state.filters.add(facet, value, keep) {
                return vec![refilter(state)];
            }
            Vec::new()
        }
        other => unknown(state, other),
    }
}

/// Says so, and which commands there are: those the help lists.
fn unknown(state: &mut State, name: &str) -> Vec<Effect> {
    let shown = crate::text::sanitize(name).into_owned();
    let known: Vec<&str> = COMMANDS
        .iter()
        .filter_map(|(usage, _)| usage.split_whitespace().next())
        .collect();
    state.say(
        format!(
            "unknown command :{shown} (known: {}; ? for help)",
            known.join(" ")
        ),
        Level::Error,
    );
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command the help lists is one the console knows, and one it does not know is
    /// answered with the list.
    #[test]
    fn the_help_lists_every_command_there_is() {
        for (usage, _) in COMMANDS {
            let name = usage
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_start_matches(':');
            let mut state = State::default();
            command(&mut state, &format!("{name} x"));
            let said = state.status.message.map(|m| m.0).unwrap_or_default();
            assert!(!said.contains("unknown command"), "{usage}: {said}");
        }
        let mut state = State::default();
        command(&mut state, "nonsense");
        let said = state.status.message.map(|m| m.0).unwrap_or_default();
        for (usage, _) in COMMANDS {
            let name = usage.split_whitespace().next().unwrap_or("");
            assert!(said.contains(name), "{name} in {said}");
        }
    }
}
