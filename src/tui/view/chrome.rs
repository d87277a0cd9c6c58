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

/// The detections that fired among the events held, by severity: the first question of triage
/// answered on the first screen.
fn findings(state: &State, styles: &Styles) -> Vec<Span<'static>> {
    let Some(found) = state.found.as_ref().filter(|f| !f.items.is_empty()) else {
        return Vec::new();
    };
    let fired = found.fired_by_severity();
    if fired.is_empty() {
        let text = if found.complete() {
            "· no findings (F) "
        } else {
            "· no findings yet (F) "
        };
        return vec![Span::styled(text, styles.get(Role::Muted))];
    }
    let lead = if found.complete() {
        "· findings:"
    } else {
        "· findings so far:"
    };
    let mut spans = vec![Span::styled(lead, styles.get(Role::Text))];
    for (severity, n) in fired {
        let role = match severity {
            Severity::Critical | Severity::High => Role::Deny,
            Severity::Medium => Role::Warning,
            Severity::Low | Severity::Info => Role::Muted,
        };
        spans.push(Span::styled(
            format!(" {n} {}", severity.name()),
            styles.get(role),
        ));
    }
    spans.push(Span::styled(" (F) ", styles.get(Role::Text)));
    spans
}

pub fn title(buf: &mut Buffer, area: Rect, state: &State, store: &EventStore, styles: &Styles) {
    let load = &state.status.load;
    let mut spans = vec![
        Span::styled(" kaudit ", styles.get(Role::Accent)),
        Span::styled(
            format!("{} ", sanitize(&state.status.source)),
            styles.get(Role::Text),
        ),
        Span::styled(
            format!("· {} events ", store.len()),
            styles.get(Role::Muted),
        ),
    ];
    spans.extend(findings(state, styles));
    if !load.done && load.bytes_total > 0 {
        let pct = load.bytes_done * 100 / load.bytes_total.max(1);
        spans.push(Span::styled(
            format!("· loading {pct}% "),
            styles.get(Role::Warning),
        ));
    }
    if load.problems > 0 {
        spans.push(Span::styled(
            format!(
                "· {} unreadable line{} (kaudit formats lists them) ",
                load.problems,
                if load.problems == 1 { "" } else { "s" }
            ),
            styles.get(Role::Warning),
        ));
    }
    if let Some(tail) = &state.status.tail {
        let text = if tail.paused {
            format!("· tail PAUSED, {} waiting (p resumes) ", tail.buffered)
        } else {
            format!("· following: {} new, {:.1}/s ", tail.added, tail.per_second)
        };
        let role = if tail.paused {
            Role::Warning
        } else {
            Role::Accent
        };
        spans.push(Span::styled(text, styles.get(role)));
        if tail.sampled {
            spans.push(Span::styled(
                "· SAMPLED by CloudWatch: some events are not sent ",
                styles.get(Role::Error),
            ));
        }
        if tail.dropped > 0 {
            spans.push(Span::styled(
                format!("· {} dropped while paused ", tail.dropped),
                styles.get(Role::Error),
            ));
        }
    }
    if let Some(run) = state.query.run.as_ref().filter(|r| r.running) {
        spans.push(Span::styled(
            format!("· query running: {} (Ctrl-X stops) ", sanitize(&run.title)),
            styles.get(Role::Warning),
        ));
    }
    if state.status.filtering {
        spans.push(Span::styled("· filtering… ", styles.get(Role::Muted)));
    } else if let Some(ms) = state.status.filter_ms {
        spans.push(Span::styled(
            format!("· filtered in {ms} ms "),
            styles.get(Role::Muted),
        ));
    }
    spans.push(Span::styled("· ? help", styles.get(Role::Muted)));
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
    spans.push(Span::styled(
        "(Backspace drops the last, :drop N or a click one, C all)",
        styles.get(Role::Muted),
    ));
    Paragraph::new(Line::from(spans)).render(area, buf);
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
            "b queries · ; editor · Tab pane · Enter detail · / search · Space mark · e export · ? help · q quit"
                .to_string(),
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
