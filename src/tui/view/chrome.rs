//! The title line, the filter chips and the status line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::geometry::{CHIPS_PREFIX, chip_text};
use super::super::state::{Level, State};
use super::super::styles::Styles;
use crate::catalog::Severity;
use crate::catalog::themes::Role;
use crate::store::EventStore;
use crate::text::sanitize;

/// The most of the source's name the title keeps when the line is short.
const SHORT_SOURCE: usize = 32;

/// A part of the title line: what matters most (lowest rank) stays when the line is short.
struct Piece {
    rank: u8,
    spans: Vec<Span<'static>>,
    /// A shorter form, taken before anything is left out.
    short: Option<Vec<Span<'static>>>,
}

impl Piece {
    fn new(rank: u8, spans: Vec<Span<'static>>) -> Piece {
        Piece {
            rank,
            spans,
            short: None,
        }
    }
}

fn width_of(spans: &[Span<'_>]) -> usize {
    spans.iter().map(Span::width).sum()
}

/// The pieces that fit in `width`, in their order: the least important left out first (the
/// last of equals first), and shorter forms taken before anything that matters is.
fn fit(mut pieces: Vec<Piece>, width: usize) -> Vec<Span<'static>> {
    let total = |pieces: &[Piece]| pieces.iter().map(|p| width_of(&p.spans)).sum::<usize>();
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
    // The least important shortened first, until the line fits.
    let mut shortenable: Vec<usize> = (0..pieces.len())
        .filter(|&i| pieces[i].short.is_some())
        .collect();
    shortenable.sort_by_key(|&i| std::cmp::Reverse(pieces[i].rank));
    for i in shortenable {
        if total(&pieces) <= width {
            break;
        }
        if let Some(short) = pieces[i].short.take() {
            pieces[i].spans = short;
        }
    }
    leave_out(&mut pieces, 1);
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
    let counts = |short: bool| {
        let mut spans = vec![Span::styled(lead, styles.get(Role::Text))];
        for &(severity, n) in &fired {
            let role = match severity {
                Severity::Critical | Severity::High => Role::Deny,
                Severity::Medium => Role::Warning,
                Severity::Low | Severity::Info => Role::Muted,
            };
            let name = match (short, severity) {
                (true, Severity::Critical) => "crit",
                (true, Severity::Medium) => "med",
                _ => severity.name(),
            };
            spans.push(Span::styled(format!(" {n} {name}"), styles.get(role)));
        }
        spans.push(Span::styled(" (F) ", styles.get(Role::Text)));
        spans
    };
    Some(Piece {
        rank: 1,
        spans: counts(false),
        short: Some(counts(true)),
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
            short: (source.chars().count() > SHORT_SOURCE).then(|| {
                let cut: String = source.chars().take(SHORT_SOURCE - 1).collect();
                vec![Span::styled(format!("{cut}… "), styles.get(Role::Text))]
            }),
            spans: vec![Span::styled(format!("{source} "), styles.get(Role::Text))],
        },
        Piece::new(
            0,
            vec![Span::styled(
                format!("· {} events ", store.len()),
                styles.get(Role::Muted),
            )],
        ),
    ];
    pieces.extend(findings(state, styles));
    if !load.done && load.bytes_total > 0 {
        let pct = load.bytes_done * 100 / load.bytes_total.max(1);
        pieces.push(warn(1, format!("· loading {pct}% "), Role::Warning));
    }
    if load.problems > 0 {
        let text = format!(
            "· {} unreadable line{} (kaudit formats lists them) ",
            load.problems,
            if load.problems == 1 { "" } else { "s" }
        );
        pieces.push(warn(1, text, Role::Warning));
    }
    if let Some(tail) = &state.status.tail {
        pieces.push(if tail.paused {
            let text = format!("· tail PAUSED, {} waiting (p resumes) ", tail.buffered);
            warn(1, text, Role::Warning)
        } else {
            let text = format!("· following: {} new, {:.1}/s ", tail.added, tail.per_second);
            warn(2, text, Role::Accent)
        });
        if tail.sampled {
            // Events are missing: said before anything else.
            let text = "· SAMPLED by CloudWatch: some events are not sent ".to_string();
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
            short: short.map(|s| vec![Span::raw(s)]),
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
    }
}
