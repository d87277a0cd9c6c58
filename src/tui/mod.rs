//! The console: all input becomes a [`Msg`], a pure [`update()`] turns it into state changes and
//! [`Effect`]s, a [`runner::Runner`] carries the effects out on worker threads and answers with
//! more messages, and the views draw the state read-only.
//!
//! | module | owns |
//! |---|---|
//! | `msg`, `effect` | what can happen, what can be asked for |
//! | `state/` | the state, in parts (the events table, columns, facets, filters, prompt, query, the case open), and which layers are open |
//! | `keymap/` | every key: where it works, what it does, what the help says of it |
//! | `update/` | the pure update: keys down the open layers, the mouse, the query side, the `:` commands |
//! | `geometry` | where each part of the screen goes: the layout, what a click hits, page sizes |
//! | `view/` | drawing, read-only, into the places `geometry` gives |
//! | `format` | times and counts as the screen writes them |
//! | `names` | identities shortened by meaning for the screen (`sa:NS/NAME`, `node:HOST`, role sessions), never two alike |
//! | `query/` | the query components: browser, editor, history, time range, answer view |
//! | `findings`, `found`, `clusters` | the Findings view; what the detections found among the events held, counted over a range; the cluster picker over CloudWatch Logs |
//! | `detail`, `detail_line`, `decoded`, `json` | what the detail pane shows of one event, as labelled lines in sections, pivots included; an exec's command and the aws-auth mappings read out; its request and response as ordered JSON |
//! | `runner` | effects carried out by the source of events (the engine's) and on worker threads |
//! | `query_run` | what the engine answers and tells, as the console's messages |
//! | `case_desk`, `case_entries` | the open case's journal, written on a thread of its own in the order asked, each entry confirmed once on disk; what the console and that writer say to each other |
//! | `field_names` | the loaded events' field names, gathered in the background for the editor |
//! | `terminal` | taking the terminal over and giving it back, on panic too |
//! | `styles`, `config` | the theme as ratatui styles; the config file |

pub mod case_desk;
pub mod case_entries;
pub mod clusters;
pub mod config;
mod decoded;
pub mod detail;
mod detail_line;
pub mod effect;
pub mod field_names;
pub mod findings;
pub mod format;
pub mod found;
pub mod geometry;
pub mod json;
pub mod keymap;
pub mod msg;
pub mod names;
pub mod query;
pub mod query_run;
pub mod runner;
pub mod state;
pub mod styles;
mod terminal;
pub mod update;
pub mod view;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc;

pub use effect::Effect;
pub use msg::Msg;
pub use state::State;
pub use styles::Styles;
pub use update::update;

use crate::engine::EventSource;
use crate::store::EventStore;
use runner::Runner;

/// What the console opens on.
pub struct Options {
    /// Where the events come from: files, the demo, CloudWatch.
    pub source: Arc<dyn EventSource>,
    /// A first line for newcomers (the demo says what it is and how to open real data).
    pub banner: Option<String>,
    /// A problem met while starting (a bad config file), for the status line.
    pub notice: Option<String>,
    pub styles: Styles,
    /// The canned queries the browser offers.
    pub catalog: crate::catalog::Catalog,
    /// Past queries, for the editor.
    pub history: query::History,
    /// Where the history is saved after each run; `None` keeps it for this run only.
    pub history_path: Option<std::path::PathBuf>,
    /// The case to open at once (made if new).
    pub case: Option<String>,
    /// Where cases are kept; `None` when no folder for them could be found (`:case` says so).
    pub case_root: Option<std::path::PathBuf>,
}

/// Runs the console until the user quits, or a signal (SIGTERM, SIGINT, SIGHUP) ends it: the
/// signal's number is returned then. The terminal is given back on every way out.
pub fn run(options: Options) -> Result<Option<i32>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the console's worker threads")?;
    runtime.block_on(run_loop(options))
}

fn from_terminal(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

async fn run_loop(options: Options) -> Result<Option<i32>> {
    let mut guard = terminal::Guard::enter().context("taking over the terminal")?;
    let size = guard.terminal.size()?;
    let mut state = State::new(&options.source.name(), options.banner);
    if let Some(notice) = options.notice {
        state.say(notice, state::Level::Warning);
    }
    state.width = size.width;
    state.height = size.height;
    state.query.browser = query::Browser::new(&options.catalog);
    state.query.editor = query::Editor::new("", options.history);
    let styles = options.styles;
    let store = Arc::new(RwLock::new(EventStore::default()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let needs_cluster = options.source.needs_cluster();
    state.status.live = runner::live(&*options.source);
    state.status.home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let mut runner = Runner::new(store.clone(), tx, options.source);
    runner.history_path = options.history_path;
    runner.case_root = options.case_root;
    if let Some(name) = options.case {
        state.say(format!("opening case {name}…"), state::Level::Info);
        runner.run(Effect::OpenCase(name));
    }
    if needs_cluster {
        // The clusters are found first, and one is picked.
        state.clusters = Some(clusters::ClusterPicker::default());
        runner.discover();
    } else {
        runner.load();
    }
    let mut terminal_events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    // Killed or hung up on, the console still gives the terminal back and stops its queries.
    let mut signals = Signals::new()?;
    let mut signalled = None;
    // For the tests that prove the terminal is given back after a panic (after the first frame).
    let panic_for_test = std::env::var_os("KAUDIT_PANIC_FOR_TEST").is_some();
    let mut dirty = true;
    while !state.quit {
        if dirty {
            // A poisoned lock means a worker panicked; the panic hook has reported it.
            let Ok(store) = store.read() else { break };
            guard
                .terminal
                .draw(|frame| view::draw(frame, &state, &store, &styles))?;
            dirty = false;
            if panic_for_test {
                panic!("a panic asked for by KAUDIT_PANIC_FOR_TEST");
            }
        }
        let first = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(event)) => from_terminal(event),
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                None => break,
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = tick.tick() => Some(Msg::Tick),
            signal = signals.next() => {
                signalled = Some(signal);
                break;
            }
        };
        // Drain what else is queued, then draw once.
        let mut batch: Vec<Msg> = first.into_iter().collect();
        while let Ok(msg) = rx.try_recv() {
            batch.push(msg);
        }
        for msg in batch {
            let quiet_tick = matches!(msg, Msg::Tick) && state.status.load.done;
            for effect in update(&mut state, msg) {
                runner.run(effect);
            }
            dirty |= !quiet_tick;
        }
    }
    runner
        .tail
        .stop
        .store(true, std::sync::atomic::Ordering::Relaxed);
    drop(guard);
    // Every entry the case was asked to keep is written before kaudit goes.
    if !runner.finish_case(Duration::from_secs(10)) {
        eprintln!(
            "kaudit: the case's journal could not be written in time; its last entries may be missing"
        );
    }
    // Nothing is left running in the account: a query still running is stopped (StopQuery)
    // before the console goes, waiting a few seconds at most for CloudWatch to answer.
    if state.query.running() {
        runner.run(Effect::CancelQuery);
        let ticket = state.query_ticket;
        let wait = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(msg) = rx.recv().await {
                if matches!(msg, Msg::QueryDone { ticket: t, .. } if t == ticket) {
                    break;
                }
            }
        });
        if wait.await.is_err() {
            eprintln!(
                "kaudit: the running query could not be stopped in time; it ends by itself in CloudWatch"
            );
        }
    }
    Ok(signalled)
}

/// The signals that end the console the orderly way.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("listening for SIGINT")?,
            hup: signal(SignalKind::hangup()).context("listening for SIGHUP")?,
        })
    }

    /// The next one's number.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.term.recv() => 15,
            _ = self.int.recv() => 2,
            _ = self.hup.recv() => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    /// The module table at the top of this file names every module of the console, and only
    /// those.
    #[test]
    fn the_module_table_names_every_module() {
        let doc: Vec<&str> = include_str!("mod.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! | "))
            .collect();
        let named: std::collections::BTreeSet<String> = doc
            .iter()
            .filter_map(|row| row.split(" | ").next())
            .flat_map(|cell| cell.split('`').skip(1).step_by(2))
            .map(|m| m.trim_end_matches('/').to_string())
            .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
        let mut modules = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("src/tui is there") {
            let path = entry.expect("an entry of src/tui").path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let module = if path.is_dir() {
                path.join("mod.rs").exists()
            } else {
                path.extension().is_some_and(|e| e == "rs")
                    && name != "mod"
                    && !name.ends_with("tests")
            };
            if module {
                modules.insert(name.to_string());
            }
        }
        let missing: Vec<_> = modules.difference(&named).collect();
        let stale: Vec<_> = named.difference(&modules).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "src/tui/mod.rs's table: not named {missing:?}; no such module {stale:?}"
        );
    }
}
