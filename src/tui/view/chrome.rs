//! The title line, the filter chips and the status line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::format::{count, format_span, format_time};
use super::super::geometry::{CHIPS_PREFIX, chip_text};
use super::super::query::TimeChoice;
use super::super::state::{Level, State};
use super::super::styles::Styles;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::store::EventStore;
use crate::text::sanitize;

/// The most of the source's name the title keeps when the line is short.
const SHORT_SOURCE: usize = 32;

/// A part of the title line: what matters most (lowest rank) stays when the line is short.
pub(super) struct Piece {
    rank: u8,
    spans: Vec<Span<'static>>,
    /// Shorter forms, each shorter than the one before, taken before anything is left out.
    short: Vec<Vec<Span<'static>>>,
    /// The longer forms given up so far, the nearest last.
    longer: Vec<Vec<Span<'static>>>,
}

impl Piece {
    pub(super) fn new(rank: u8, spans: Vec<Span<'static>>) -> Piece {
        Piece {
            rank,
            spans,
            short: Vec::new(),
            longer: Vec::new(),
        }
    }

    /// A piece of one style, with a shorter form.
    pub(super) fn text(rank: u8, style: Style, long: String, short: Option<String>) -> Piece {
        Piece {
            rank,
            spans: vec![Span::styled(long, style)],
            longer: Vec::new(),
            short: short
                .map(|s| vec![Span::styled(s, style)])
                .into_iter()
                .collect(),
        }
    }
}

fn width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// The pieces that fit in `width`, in their order: the least important left out first (the
/// last of equals first), and shorter forms taken before anything that matters is.
pub(super) fn fit(mut pieces: Vec<Piece>, width: usize) -> Vec<Span<'static>> {
    // The line's trailing blank takes no room that matters.
    let total = |pieces: &[Piece]| {
        let blank = pieces
            .last()
            .and_then(|p| p.spans.last())
            .map_or(0, |s| s.content.len() - s.content.trim_end().len());
        pieces.iter().map(|p| width_of(&p.spans)).sum::<usize>() - blank
    };
    let leave_out = |pieces: &mut Vec<Piece>, least: u8| {
        while total(pieces) > width {
            let Some(at) = pieces
                .iter()
                .enumerate()
                .filter(|(_, p)| p.rank >= least)
                .max_by_key(|(i, p)| (p.rank, *i))
                .map(|(i, _)| i)
            else {
                return;
            };
            pieces.remove(at);
        }
    };
    leave_out(&mut pieces, 3);
    // The least important shortened first, a step at a time, until the line fits.
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(pieces[i].rank));
    while total(&pieces) > width && pieces.iter().any(|p| !p.short.is_empty()) {
        for &i in &order {
            if total(&pieces) <= width {
                break;
            }
            if !pieces[i].short.is_empty() {
                let shorter = pieces[i].short.remove(0);
                let longer = std::mem::replace(&mut pieces[i].spans, shorter);
                pieces[i].longer.push(longer);
            }
        }
    }
    leave_out(&mut pieces, 1);
    // What was left out may have made room: the most important get their longer forms back.
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|&i| pieces[i].rank);
    for i in order {
        while let Some(longer) = pieces[i].longer.pop() {
            let shorter = std::mem::replace(&mut pieces[i].spans, longer);
            if total(&pieces) > width {
                pieces[i].spans = shorter;
                break;
            }
        }
    }
    pieces.into_iter().flat_map(|p| p.spans).collect()
}

/// The detections that fired among the events held, by severity: the first question of triage
/// answered on the first screen.
fn findings(state: &State, styles: &Styles) -> Option<Piece> {
    let found = state.found.as_ref().filter(|f| !f.items.is_empty())?;
    let fired = found.fired_by_severity();
    if fired.is_empty() {
        let text = if found.complete() {
            "· no findings (F) "
        } else {
            "· no findings yet (F) "
        };
        return Some(Piece::new(
            1,
            vec![Span::styled(text, styles.get(Role::Muted))],
        ));
    }
    let lead = if found.complete() {
        "· findings:"
    } else {
        "· findings so far:"
    };
    // 0: the long form; 1: short names; 2: the key left to the status line as well.
    let counts = |short: u8| {
        let mut spans = vec![Span::styled(lead, styles.get(Role::Text))];
        for &(severity, n) in &fired {
            let role = match severity {
                Severity::Critical | Severity::High => Role::Deny,
                Severity::Medium => Role::Warning,
                Severity::Low | Severity::Info => Role::Muted,
            };
            let name = match (short > 0, severity) {
                (true, Severity::Critical) => "crit",
                (true, Severity::Medium) => "med",
                _ => severity.name(),
            };
            spans.push(Span::styled(format!(" {n} {name}"), styles.get(role)));
        }
        // Shortest, the key is left to the status line: the counts and a warning come first.
        spans.push(Span::styled(
            if short > 1 { " " } else { " (F) " },
            styles.get(Role::Text),
        ));
        spans
    };
    Some(Piece {
        rank: 1,
        spans: counts(0),
        short: vec![counts(1), counts(2)],
        longer: Vec::new(),
    })
}

/// The time range the findings and queries read. A preset over events read after the fact
/// counts back from the newest of them, and says from when.
pub(super) fn range_piece(state: &State, store: &EventStore, styles: &Styles) -> Piece {
    let choice = state.query.editor.time();
    let label = choice.label();
    let accent = styles.get(Role::Accent);
    match choice {
        TimeChoice::All => Piece::text(
            0,
            styles.get(Role::Muted),
            "· range: all time ".into(),
            Some("· all time ".into()),
        ),
        TimeChoice::Last(_) => {
            let newest = store
                .time_span()
                .map(|s| s.1)
                .filter(|_| !state.status.live);
            let Some(newest) = newest else {
                return Piece::text(
                    0,
                    accent,
                    format!("· range: {label} "),
                    Some(format!("· {label} ")),
                );
            };
            let start = choice.resolve(newest).start_ms.unwrap_or(newest);
            Piece::text(
                0,
                accent,
                format!(
                    "· range: {label} of the log, from {} ",
                    format_time(Some(start))
                ),
                Some(format!("· {label} of log ")),
            )
        }
        TimeChoice::Between { start_ms, end_ms } => Piece::text(
            0,
            accent,
            format!("· range: {} ", format_span(start_ms, end_ms, true)),
            Some(format!(
                "· range: {} ",
                format_span(start_ms, end_ms, false)
            )),
        ),
    }
}

/// Over a terminal too low for the timeline: the events held and the range read, in one
/// piece that shortens down to clock times (`· last 1h of 06:00–09:59`).
fn held_and_range(state: &State, store: &EventStore, styles: &Styles) -> Option<Piece> {
    let (first, last) = store.time_span()?;
    let muted = styles.get(Role::Muted);
    let clock = |ms| format_time(Some(ms)).get(11..16).unwrap_or("").to_string();
    let held = format!("{}–{}", clock(first), clock(last));
    let mut range = range_piece(state, store, styles);
    let choice = state.query.editor.time();
    let tiny = match choice {
        TimeChoice::All => format!("· all {held} "),
        TimeChoice::Last(_) => format!("· {} of {held} ", choice.label()),
        TimeChoice::Between { start_ms, end_ms } => {
            format!("· {}–{} of {held} ", clock(start_ms), clock(end_ms))
        }
    };
    let with = |text: String, range: Vec<Span<'static>>| {
        let mut spans = vec![Span::styled(text, muted)];
        spans.extend(range);
        spans
    };
    let range_short = range
        .short
        .drain(..)
        .next()
        .unwrap_or_else(|| range.spans.clone());
    Some(Piece {
        rank: 0,
        spans: with(
            format!("· held {} ", format_span(first, last, false)),
            range.spans,
        ),
        short: vec![
            with(format!("· held {held} "), range_short),
            vec![Span::styled(tiny, styles.get(Role::Accent))],
        ],
        longer: Vec::new(),
    })
}

pub fn title(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    let load = &state.status.load;
    let warn = |rank: u8, text: String, role: Role| {
        Piece::new(rank, vec![Span::styled(text, styles.get(role))])
    };
    let source = sanitize(&state.status.source).into_owned();
    let mut pieces = vec![
        Piece::new(0, vec![Span::styled(" kaudit ", styles.get(Role::Accent))]),
        // Several files make a long name: cut before anything that matters is left out.
        Piece {
            rank: 2,
            longer: Vec::new(),
            short: (source.chars().count() > SHORT_SOURCE)
                .then(|| {
                    let cut: String = source.chars().take(SHORT_SOURCE - 1).collect();
                    vec![Span::styled(format!("{cut}… "), styles.get(Role::Text))]
                })
                .into_iter()
                .collect(),
            spans: vec![Span::styled(format!("{source} "), styles.get(Role::Text))],
        },
        Piece::new(
            0,
            vec![Span::styled(
                format!("· {} ", count(store.len(), "event")),
                styles.get(Role::Muted),
            )],
        ),
    ];
    if let Some(open) = &state.case {
        let writing = if open.unconfirmed > 0 {
            ", writing…"
        } else {
            ""
        };
        pieces.push(Piece::text(
            1,
            styles.get(Role::Accent),
            format!("· case {}: {} marked{writing} ", open.name, open.marked()),
            Some(format!("· case {} ", open.name)),
        ));
    }
    pieces.extend(findings(state, styles));
    if super::super::geometry::layout(state).timeline.is_empty() {
        // No timeline to say them: the events held and the range read are said here.
        pieces.extend(held_and_range(state, store, styles));
    }
    if !load.done && load.bytes_total > 0 {
        let pct = load.bytes_done * 100 / load.bytes_total.max(1);
        pieces.push(warn(1, format!("· loading {pct}% "), Role::Warning));
    }
    if load.problems > 0 {
        // Events are missing from what is shown: said however short the line.
        let lines = count(load.problems, "unreadable line");
        pieces.push(Piece::text(
            0,
            styles.get(Role::Warning),
            format!("· {lines} (kaudit formats lists them) "),
            Some(format!("· {lines} ")),
        ));
    }
    if let Some(tail) = &state.status.tail {
        pieces.push(if tail.paused {
            let text = format!("· tail PAUSED, {} waiting (p resumes) ", tail.buffered);
            warn(1, text, Role::Warning)
        } else {
            let text = format!("· following: {} new, {:.1}/s ", tail.added, tail.per_second);
            warn(2, text, Role::Accent)
        });
        // Events are missing: said before anything else, and still said once CloudWatch
        // stops sampling (its next heartbeat says so at once): what was not sent stays missing.
        if tail.sampled {
            let text = "· SAMPLED by CloudWatch: some events are not sent ".to_string();
            pieces.push(warn(0, text, Role::Error));
        } else if tail.was_sampled {
            let text = "· SAMPLED by CloudWatch earlier: some events were not sent ".to_string();
            pieces.push(warn(0, text, Role::Error));
        }
        if tail.dropped > 0 {
            let text = format!("· {} dropped while paused ", tail.dropped);
            pieces.push(warn(0, text, Role::Error));
        }
    }
    if let Some(run) = state.query.run.as_ref().filter(|r| r.running) {
        let text = format!("· query running: {} (Ctrl-X stops) ", sanitize(&run.title));
        pieces.push(warn(2, text, Role::Warning));
    }
    if state.status.filtering {
        pieces.push(warn(3, "· filtering… ".to_string(), Role::Muted));
    } else if let Some(ms) = state.status.filter_ms {
        pieces.push(warn(3, format!("· filtered in {ms} ms "), Role::Muted));
    }
    pieces.push(warn(3, "· ? help".to_string(), Role::Muted));
    let spans = fit(pieces, usize::from(area.width));
    Paragraph::new(Line::from(spans)).render(area, buf);
}

pub fn chips(buf: &mut Buffer, area: Rect, state: &State, styles: &Styles) {
    if area.is_empty() {
        return;
    }
    let mut spans = vec![Span::styled(CHIPS_PREFIX, styles.get(Role::Muted))];
    for (i, label) in state.chip_labels().iter().enumerate() {
        spans.push(Span::styled(chip_text(i, label), styles.get(Role::Chip)));
        spans.push(Span::raw(" "));
    }
    // The hint whole, or shorter, or not at all: never cut inside a word.
    let room = usize::from(area.width).saturating_sub(width_of(&spans));
    if let Some(hint) = [
        "(Backspace drops the last, :drop N or a click one, C all)",
        "(Backspace drops the last)",
    ]
    .into_iter()
    .find(|hint| crate::text::columns(hint) <= room)
    {
        spans.push(Span::styled(hint, styles.get(Role::Muted)));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}

/// Of a line of ` · `-separated parts (the keys), the first parts that fit
/// in `width` whole: a key's hint cut inside a word (`e expor`) reads as a key that is not.
fn whole_parts(text: &str, width: usize) -> String {
    if crate::text::columns(text) <= width {
        return text.to_string();
    }
    let mut kept = String::new();
    for part in text.split(" · ") {
        let next = if kept.is_empty() {
            part.to_string()
        } else {
            format!("{kept} · {part}")
        };
        if crate::text::columns(&next) > width {
            break;
        }
        kept = next;
    }
    if kept.is_empty() {
        text.to_string()
    } else {
        kept
    }
}

pub fn status(buf: &mut Buffer, area: Rect, state: &State, styles: &Styles) {
    if let Some(prompt) = &state.prompt {
        let label = prompt.label();
        let text = sanitize(&prompt.input).into_owned();
        let line = Line::from(vec![
            Span::styled(label, styles.get(Role::Accent)),
            Span::styled(text, styles.get(Role::Text)),
        ]);
        Paragraph::new(line).render(area, buf);
        return;
    }
    let (text, role) = if let Some((text, level)) = &state.status.message {
        let role = match level {
            Level::Info => Role::Text,
            Level::Warning => Role::Warning,
            Level::Error => Role::Error,
        };
        (sanitize(text).into_owned(), role)
    } else if let Some(advice) = &state.status.waiting {
        (sanitize(advice).into_owned(), Role::Error)
    } else if let Some(banner) = &state.status.banner {
        (banner.clone(), Role::Accent)
    } else {
        (
            whole_parts(
                "b queries · ; editor · Tab pane · Enter detail · / search · Space mark · e export · ? help · q quit",
                usize::from(area.width),
            ),
            Role::Muted,
        )
    };
    Paragraph::new(Line::styled(text, styles.get(role))).render(area, buf);
}

/// Where the cursor stands in the prompt on the status line.
pub fn prompt_cursor(area: Rect, state: &State) -> Option<Position> {
    let prompt = state.prompt.as_ref()?;
    let before: String = prompt.input.chars().take(prompt.cursor).collect();
    let x = area.x + (prompt.label().chars().count() + sanitize(&before).chars().count()) as u16;
    (x < area.x + area.width).then(|| Position::new(x, area.y))
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    fn piece(rank: u8, text: &'static str, short: Option<&'static str>) -> Piece {
        Piece {
            rank,
            spans: vec![Span::raw(text)],
            short: short.map(|s| vec![Span::raw(s)]).into_iter().collect(),
            longer: Vec::new(),
        }
    }

    fn line(spans: &[Span<'_>]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_short_line_leaves_out_the_least_important_and_shortens_before_losing_what_matters() {
        let pieces = || {
            vec![
                piece(0, "[source]", None),
                piece(1, "[findings long]", Some("[f]")),
                piece(2, "[following]", None),
                piece(0, "[SAMPLED]", None),
                piece(3, "[help]", None),
            ]
        };
        let all = "[source][findings long][following][SAMPLED][help]";
        assert_eq!(line(&fit(pieces(), 80)), all);
        // Help goes first, then the long form, then what is less than a finding.
        assert_eq!(
            line(&fit(pieces(), all.len() - 6)),
            "[source][findings long][following][SAMPLED]"
        );
        assert_eq!(line(&fit(pieces(), 34)), "[source][f][following][SAMPLED]");
        assert_eq!(line(&fit(pieces(), 25)), "[source][f][SAMPLED]");
        // What must be said stays, even past the width.
        assert_eq!(line(&fit(pieces(), 10)), "[source][SAMPLED]");
        // The least important is shortened first: a long name before the findings.
        let named = || {
            vec![
                piece(0, "[kaudit]", None),
                piece(2, "[a very long source name]", Some("[a…]")),
                piece(1, "[findings long]", Some("[f]")),
            ]
        };
        assert_eq!(line(&fit(named(), 30)), "[kaudit][a…][findings long]");
        assert_eq!(line(&fit(named(), 14)), "[kaudit][f]");
        // Step by step: the shortest form only when the shorter does not fit.
        let steps = || {
            vec![
                piece(0, "[kaudit]", None),
                Piece {
                    rank: 1,
                    spans: vec![Span::raw("[findings (F)]")],
                    short: vec![vec![Span::raw("[f (F)]")], vec![Span::raw("[f]")]],
                    longer: Vec::new(),
                },
                piece(0, "[2 bad]", None),
            ]
        };
        assert_eq!(line(&fit(steps(), 29)), "[kaudit][findings (F)][2 bad]");
        assert_eq!(line(&fit(steps(), 22)), "[kaudit][f (F)][2 bad]");
        assert_eq!(line(&fit(steps(), 20)), "[kaudit][f][2 bad]");
        assert_eq!(line(&fit(steps(), 15)), "[kaudit][2 bad]");
        // A piece left out makes room: what was shortened for it is whole again.
        let mut following = steps();
        following.pop();
        following.push(piece(2, "[following: 3 new]", None));
        assert_eq!(line(&fit(following, 24)), "[kaudit][findings (F)]");
    }
}
