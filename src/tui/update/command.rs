//! The update's `:` commands: filters by facet, queries, exports, chips, help and quit.

use std::path::PathBuf;

use super::super::effect::Effect;
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
            vec![export_effect(state, PathBuf::from(arg), false, false)]
        }
        "export-all" => vec![export_effect(state, PathBuf::from(arg), true, false)],
        "user" | "as" | "ip" | "verb" | "resource" | "namespace" | "code" | "decision" => {
            let facet = match name {
                // Either identity of a request: who sent it, or whom it impersonated.
                "user" => Facet::User,
                "as" => Facet::Impersonated,
                "ip" => Facet::SourceIp,
                "verb" => Facet::Verb,
                "resource" => Facet::Resource,
                "namespace" => Facet::Namespace,
                "code" => Facet::Code,
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
        other => {
            let shown = crate::text::sanitize(other).into_owned();
            state.say(
                format!("unknown command :{shown} (try :run, :query, :queries, :export, :export-all, :user, :as, :ip, :verb, :clear, :q; ? for help)"),
                Level::Error,
            );
            Vec::new()
        }
    }
}
