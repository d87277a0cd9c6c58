//! The time range a query runs over: a preset ("the last hour") or two typed RFC 3339 bounds.
//! A preset is resolved against a `now` the caller supplies, so nothing here reads a clock.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::buffer::TextBuffer;
use super::{ctrl, typed};
use crate::audit::time::{TimeRange, format_millis_utc, parse_rfc3339_micros};

/// Which events a query looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeChoice {
    /// Every event, whenever it happened.
    #[default]
    All,
    /// The events of the last while, up to now.
    Last(Duration),
    /// `[start, end)`, in epoch milliseconds.
    Between { start_ms: i64, end_ms: i64 },
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// What F2 steps through, in order.
pub const PRESETS: [TimeChoice; 5] = [
    TimeChoice::Last(Duration::from_secs(15 * MINUTE)),
    TimeChoice::Last(Duration::from_secs(HOUR)),
    TimeChoice::Last(Duration::from_secs(DAY)),
    TimeChoice::Last(Duration::from_secs(7 * DAY)),
    TimeChoice::All,
];

impl TimeChoice {
    /// The range at `now_ms`. `Last` stays open at the end: events stamped after the key was
    /// pressed (a followed file, a log clock a little ahead of this one) still count.
    pub fn resolve(&self, now_ms: i64) -> TimeRange {
        match *self {
            TimeChoice::All => TimeRange::default(),
            TimeChoice::Last(span) => {
                let span = i64::try_from(span.as_millis()).unwrap_or(i64::MAX);
                TimeRange {
                    start_ms: Some(now_ms.saturating_sub(span)),
                    end_ms: None,
                }
            }
            TimeChoice::Between { start_ms, end_ms } => TimeRange {
                start_ms: Some(start_ms),
                end_ms: Some(end_ms),
            },
        }
    }

    /// The preset after this one; from typed bounds, the first preset.
    pub fn next_preset(&self) -> TimeChoice {
        let at = PRESETS.iter().position(|p| p == self);
        at.map_or(PRESETS[0], |i| PRESETS[(i + 1) % PRESETS.len()])
    }

    /// How the editor shows it: `last 15m`, `all time`, `2026-11-02T08:00:00.000Z → …`.
    pub fn label(&self) -> String {
        match *self {
            TimeChoice::All => "all time".to_string(),
            TimeChoice::Last(span) => format!("last {}", short_duration(span)),
            TimeChoice::Between { start_ms, end_ms } => format!(
                "{} → {}",
                format_millis_utc(start_ms.saturating_mul(1000)),
                format_millis_utc(end_ms.saturating_mul(1000))
            ),
        }
    }

    /// Two typed bounds, checked.
    pub fn between(start: &str, end: &str) -> Result<TimeChoice, RangeError> {
        let start_ms = parse_bound(start, RangeField::Start)?;
        let end_ms = parse_bound(end, RangeField::End)?;
        if end_ms <= start_ms {
            return Err(RangeError {
                field: RangeField::End,
                message: "the end must come after the start".to_string(),
            });
        }
        Ok(TimeChoice::Between { start_ms, end_ms })
    }
}

/// Where a preset counts back from: now over a live source (followed files, CloudWatch), else
/// the newest event held. Logs read after the fact have no events in "the last hour" of the
/// clock, and a responder asking for the last hour means the last hour of the log.
pub fn anchor_ms(live: bool, newest_ms: Option<i64>, now_ms: i64) -> i64 {
    match newest_ms {
        Some(newest) if !live => newest,
        _ => now_ms,
    }
}

/// `15m`, `1h`, `24h`, `7d`: the largest unit that divides it, with a day shown as `24h`.
fn short_duration(span: Duration) -> String {
    let secs = span.as_secs();
    match secs {
        0 => format!("{}ms", span.as_millis()),
        s if s.is_multiple_of(DAY) && s != DAY => format!("{}d", s / DAY),
        s if s.is_multiple_of(HOUR) => format!("{}h", s / HOUR),
        s if s.is_multiple_of(MINUTE) => format!("{}m", s / MINUTE),
        s => format!("{s}s"),
    }
}

fn parse_bound(text: &str, field: RangeField) -> Result<i64, RangeError> {
    let text = text.trim();
    let what = field.name();
    if text.is_empty() {
        return Err(RangeError {
            field,
            message: format!("the {what} is empty: write a time such as 2026-11-02T08:00:00Z"),
        });
    }
    parse_rfc3339_micros(text)
        .map(|micros| micros.div_euclid(1000))
        .ok_or_else(|| RangeError {
            field,
            message: format!(
                "the {what} `{}` is not an RFC 3339 time: write it as 2026-11-02T08:00:00Z or with an offset, +02:00",
                crate::text::sanitize(text)
            ),
        })
}

/// Which bound of a typed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeField {
    Start,
    End,
}

impl RangeField {
    pub fn name(self) -> &'static str {
        match self {
            RangeField::Start => "start",
            RangeField::End => "end",
        }
    }
}

/// A typed bound that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RangeError {
    pub field: RangeField,
    pub message: String,
}

/// The small input where the two bounds are typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeInput {
    pub start: TextBuffer,
    pub end: TextBuffer,
    pub field: RangeField,
    pub error: Option<RangeError>,
}

/// What a key did to the range input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOutcome {
    Editing,
    Done(TimeChoice),
    Cancelled,
}

impl RangeInput {
    /// Starts from the current bounds when there are typed ones.
    pub fn new(current: &TimeChoice) -> RangeInput {
        let (start, end) = match current {
            TimeChoice::Between { start_ms, end_ms } => (
                format_millis_utc(start_ms.saturating_mul(1000)),
                format_millis_utc(end_ms.saturating_mul(1000)),
            ),
            _ => (String::new(), String::new()),
        };
        RangeInput {
            start: TextBuffer::new(&start),
            end: TextBuffer::new(&end),
            field: RangeField::Start,
            error: None,
        }
    }

    pub fn focused(&self) -> &TextBuffer {
        match self.field {
            RangeField::Start => &self.start,
            RangeField::End => &self.end,
        }
    }

    fn focused_mut(&mut self) -> &mut TextBuffer {
        match self.field {
            RangeField::Start => &mut self.start,
            RangeField::End => &mut self.end,
        }
    }

    fn switch(&mut self) {
        self.field = match self.field {
            RangeField::Start => RangeField::End,
            RangeField::End => RangeField::Start,
        };
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> RangeOutcome {
        if let Some(c) = typed(&key) {
            self.focused_mut().insert(c);
            return RangeOutcome::Editing;
        }
        match key.code {
            KeyCode::Esc => return RangeOutcome::Cancelled,
            KeyCode::Enter if self.field == RangeField::Start && self.end.is_empty() => {
                self.switch()
            }
            KeyCode::Enter => {
                match TimeChoice::between(&self.start.text(), &self.end.text()) {
                    Ok(choice) => return RangeOutcome::Done(choice),
                    Err(e) => {
                        self.field = e.field;
                        self.error = Some(e);
                    }
                }
                return RangeOutcome::Editing;
            }
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => self.switch(),
            KeyCode::Left => self.focused_mut().left(),
            KeyCode::Right => self.focused_mut().right(),
            KeyCode::Home => self.focused_mut().line_start(),
            KeyCode::End => self.focused_mut().line_end(),
            KeyCode::Backspace => {
                self.focused_mut().backspace();
            }
            KeyCode::Delete => {
                self.focused_mut().delete();
            }
            _ if ctrl(&key, 'u') => {
                self.focused_mut().delete_to_line_start();
            }
            _ => return RangeOutcome::Editing,
        }
        // The error stays until the bounds are tried again, so that it can be read while fixing.
        RangeOutcome::Editing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    const T0: i64 = 1_793_606_400_000; // 2026-11-02T08:00:00Z

    #[test]
    fn presets_resolve_back_from_now_and_stay_open_at_the_end() {
        let [m15, h1, d1, d7, all] = PRESETS;
        assert_eq!(m15.resolve(T0).start_ms, Some(T0 - 900_000));
        assert_eq!(h1.resolve(T0).start_ms, Some(T0 - 3_600_000));
        assert_eq!(d1.resolve(T0).start_ms, Some(T0 - 86_400_000));
        assert_eq!(d7.resolve(T0).start_ms, Some(T0 - 604_800_000));
        assert_eq!(h1.resolve(T0).end_ms, None);
        assert_eq!(all.resolve(T0), TimeRange::default());
        assert!(h1.resolve(T0).contains(Some(T0 + 5)));
        assert!(!h1.resolve(T0).contains(Some(T0 - 3_600_001)));
        let huge = TimeChoice::Last(Duration::from_secs(u64::MAX));
        assert_eq!(huge.resolve(0).start_ms, Some(-i64::MAX));
        let between = TimeChoice::Between {
            start_ms: 5,
            end_ms: 9,
        };
        assert_eq!(
            between.resolve(T0),
            TimeRange {
                start_ms: Some(5),
                end_ms: Some(9)
            }
        );
    }

    #[test]
    fn presets_count_back_from_the_newest_event_unless_live() {
        let newest = T0 - 30 * 86_400_000;
        assert_eq!(anchor_ms(false, Some(newest), T0), newest);
        assert_eq!(anchor_ms(true, Some(newest), T0), T0);
        assert_eq!(anchor_ms(false, None, T0), T0);
        let hour = PRESETS[1].resolve(anchor_ms(false, Some(newest), T0));
        assert_eq!(hour.start_ms, Some(newest - 3_600_000));
        assert!(hour.contains(Some(newest)));
    }

    #[test]
    fn presets_cycle_and_are_labelled() {
        let labels: Vec<String> = PRESETS.iter().map(TimeChoice::label).collect();
        assert_eq!(
            labels,
            ["last 15m", "last 1h", "last 24h", "last 7d", "all time"]
        );
        assert_eq!(TimeChoice::All.next_preset(), PRESETS[0]);
        assert_eq!(PRESETS[1].next_preset(), PRESETS[2]);
        let typed = TimeChoice::Between {
            start_ms: 0,
            end_ms: 1,
        };
        assert_eq!(typed.next_preset(), PRESETS[0]);
        assert_eq!(
            TimeChoice::Last(Duration::from_secs(90)).label(),
            "last 90s"
        );
    }

    #[test]
    fn typed_bounds_must_be_rfc3339_and_in_order() {
        assert_eq!(
            TimeChoice::between("2026-11-02T08:00:00Z", "2026-11-02T10:00:00+02:00"),
            Err(RangeError {
                field: RangeField::End,
                message: "the end must come after the start".into()
            })
        );
        let ok = TimeChoice::between(" 2026-11-02T08:00:00Z", "2026-11-02T09:30:00.5Z");
        assert_eq!(
            ok,
            Ok(TimeChoice::Between {
                start_ms: T0,
                end_ms: T0 + 5_400_500
            })
        );
        let bad = TimeChoice::between("2026-11-02 08:00", "2026-11-02T09:00:00Z");
        let e = bad.expect_err("no seconds, no offset");
        assert_eq!(e.field, RangeField::Start);
        assert!(e.message.contains("not an RFC 3339 time"), "{e}");
        let e = TimeChoice::between("2026-11-02T08:00:00Z", "\u{1b}[2J").expect_err("junk");
        assert!(e.message.contains("\\x1b[2J"), "{e}");
        assert_eq!(
            TimeChoice::between("", "x").map_err(|e| e.field),
            Err(RangeField::Start)
        );
    }

    #[test]
    fn the_input_moves_between_bounds_and_shows_the_error_in_place() {
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut input = RangeInput::new(&TimeChoice::All);
        for c in "2026-11-02T08:00:00Z".chars() {
            input.handle_key(key(KeyCode::Char(c)));
        }
        assert_eq!(input.handle_key(key(KeyCode::Enter)), RangeOutcome::Editing);
        assert_eq!(input.field, RangeField::End);
        for c in "2026-11-02T07:00:00Z".chars() {
            input.handle_key(key(KeyCode::Char(c)));
        }
        assert_eq!(input.handle_key(key(KeyCode::Enter)), RangeOutcome::Editing);
        assert_eq!(input.error.as_ref().map(|e| e.field), Some(RangeField::End));
        for _ in 0.."07:00:00Z".len() {
            input.handle_key(key(KeyCode::Backspace));
        }
        for c in "09:00:00Z".chars() {
            input.handle_key(key(KeyCode::Char(c)));
        }
        assert_eq!(
            input.handle_key(key(KeyCode::Enter)),
            RangeOutcome::Done(TimeChoice::Between {
                start_ms: T0,
                end_ms: T0 + 3_600_000
            })
        );
        assert_eq!(input.handle_key(key(KeyCode::Esc)), RangeOutcome::Cancelled);
        let again = RangeInput::new(&TimeChoice::Between {
            start_ms: T0,
            end_ms: T0 + 1,
        });
        assert_eq!(again.start.text(), "2026-11-02T08:00:00.000Z");
    }
}
