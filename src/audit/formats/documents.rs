//! JSON documents: pretty-printed events, arrays, `EventList`, CloudWatch `filter-log-events` /
//! `get-log-events` output and subscription records, alone or back to back.
//!
//! Every document is read twice: once skipping all values, to learn from its top-level members
//! what it is ([`prescan`]), then to deliver its records. Array elements are measured before they
//! are decoded, so that one bad element is reported on its own and the next ones are still read.

use std::borrow::Cow;

use super::Format;
use super::lines::{Meta, Run, shape_of};
use super::report::ProblemKind;
use super::shapes::{DocKind, Keys, classify, describe, lenient_string, prescan};
use crate::audit::decode::{DecodeErrorKind, decode_event};
use crate::audit::json::{Scan, ScanError, Scanner};

/// The text being read: where it starts in the data, and whether it reaches the end of what
/// may be read (rather than stopping at an invalid UTF-8 byte).
#[derive(Clone, Copy)]
struct Doc<'d> {
    text: &'d str,
    start: usize,
    whole: bool,
}

/// What an array holds.
#[derive(Clone, Copy)]
enum Element<'k> {
    Event(Format),
    /// A CloudWatch log event: `{timestamp, message, …}`, with the log group and stream of the
    /// document when it names them.
    LogEvent {
        format: Format,
        group: Option<&'k str>,
        stream: Option<&'k str>,
    },
}

/// Raised inside scanner callbacks when the event callback asked to stop.
fn stopped() -> ScanError {
    ScanError::Syntax {
        at: 0,
        msg: "stopped".into(),
    }
}

fn scan_error_text(err: &ScanError) -> (usize, String) {
    match err {
        ScanError::Eof => (0, "cut short".to_string()),
        ScanError::Syntax { at, msg } => (*at, format!("invalid JSON: {msg}")),
        ScanError::WrongType {
            at,
            field,
            expected,
            found,
        } => (*at, format!("`{field}` is {found}, expected {expected}")),
    }
}

impl<'d> Run<'d, '_> {
    /// Reads JSON values from `start` (a line start) up to `limit`: the end of that line for a
    /// document on one line, the end of the data for a multi-line one. Returns where line mode
    /// picks up again: the start of the line after the last value.
    pub(super) fn values(&mut self, start: usize, limit: usize, single: Format) -> usize {
        let data_len = self.data.len();
        let next_line = (limit + 1).min(data_len);
        let (text_start, text) = self.texts.at(start);
        let avail = (text_start + text.len()).min(limit);
        let text = text.get(..avail - text_start).unwrap_or(text);
        let doc = Doc {
            text,
            start: text_start,
            whole: text_start + text.len() >= limit,
        };
        let text_end = text_start + text.len();
        let after_error = |run: &Run<'_, '_>, from: usize| {
            if limit < data_len {
                next_line
            } else {
                run.resync(from)
            }
        };
        self.cut_reported = false;
        let mut s = Scanner::new(text);
        s.pos = start - text_start;
        loop {
            let value_start = text_start + s.pos;
            let result = self.value(&mut s, doc, single);
            if self.stopped {
                return data_len;
            }
            match result {
                Ok(()) => {}
                Err(ScanError::Eof) if !doc.whole => {
                    self.problem(ProblemKind::Malformed, text_end, || {
                        DecodeErrorKind::InvalidUtf8.to_string()
                    });
                    return after_error(self, text_end);
                }
                Err(ScanError::Eof) => {
                    if !self.cut_reported {
                        self.problem(ProblemKind::Malformed, value_start, || {
                            "the input ends inside this JSON document (cut short?)".to_string()
                        });
                    }
                    return next_line;
                }
                Err(err) => {
                    let (at, msg) = scan_error_text(&err);
                    let first_line = self.line_at(value_start);
                    self.problem(ProblemKind::Malformed, text_start + at, || {
                        format!("{msg} (in the JSON value that starts on line {first_line})")
                    });
                    return after_error(self, value_start);
                }
            }
            // Another value may follow on the same line (`}{`); otherwise back to line mode.
            let rest = &text.as_bytes()[s.pos..];
            let blank = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r'))
                .unwrap_or(rest.len());
            s.pos += blank;
            match rest.get(blank) {
                None if doc.whole => return next_line,
                None => {
                    self.problem(ProblemKind::Malformed, text_end, || {
                        DecodeErrorKind::InvalidUtf8.to_string()
                    });
                    return after_error(self, text_end);
                }
                Some(b'\n') => return text_start + s.pos + 1,
                Some(_) => {}
            }
        }
    }

    /// One value: an array of events, a document, or a single event.
    fn value(&mut self, s: &mut Scanner<'d>, doc: Doc<'d>, single: Format) -> Scan<()> {
        let start = s.pos;
        match s.peek()? {
            b'[' => self.array(s, doc, Element::Event(Format::JsonArray)),
            b'{' => {
                let mut keys = Keys::default();
                let mut pre = Scanner::new(doc.text);
                pre.pos = start;
                let scanned = prescan(&mut pre, &mut keys);
                match classify(&keys) {
                    DocKind::Single => match scanned {
                        Ok(()) => {
                            self.single(
                                &doc.text[start..pre.pos],
                                doc.start + start,
                                single,
                                Some(&keys),
                            );
                            s.pos = pre.pos;
                            Ok(())
                        }
                        Err(ScanError::Eof) if doc.whole => {
                            self.single(&doc.text[start..], doc.start + start, single, Some(&keys));
                            self.cut_reported = true;
                            Err(ScanError::Eof)
                        }
                        Err(err) => Err(err),
                    },
                    kind => self.document(s, doc, kind, &keys),
                }
            }
            _ => s.syntax(start, "expected a JSON object or array"),
        }
    }

    /// One object read as an audit event.
    fn single(&mut self, raw: &str, off: usize, format: Format, keys: Option<&Keys<'_>>) {
        if super::gke::looks_like_entry(raw.as_bytes()) && self.gke_entry(raw, off, false) {
            return;
        }
        // Neither `kind` nor `auditID`: no event itself, so the one it holds is looked for at
        // once (an AKS record, a wrapper) rather than after a decode bound to fail.
        if keys.is_some_and(|k| k.kind.is_none() && !k.audit_id) && self.unwrapped(raw, off) {
            return;
        }
        let line = self.line_at(off);
        match decode_event(raw.as_bytes(), self.depth) {
            Ok(event) => {
                let raw = raw.as_bytes();
                self.emit(event, raw, raw, Meta::default(), format, off, line);
            }
            Err(err) => match err.kind {
                DecodeErrorKind::NotAnEvent(_) if self.unwrapped(raw, off) => {}
                DecodeErrorKind::NotAnEvent(reason) => {
                    let shape = match keys {
                        Some(keys) => describe(Some(keys), &reason),
                        None => shape_of(raw.as_bytes(), &reason),
                    };
                    self.not_audit(off, shape);
                }
                kind => self.problem(ProblemKind::Malformed, off + err.offset, || {
                    kind.to_string()
                }),
            },
        }
    }

    fn document(
        &mut self,
        s: &mut Scanner<'d>,
        doc: Doc<'d>,
        kind: DocKind,
        keys: &Keys<'_>,
    ) -> Scan<()> {
        let start = doc.start + s.pos;
        match kind {
            DocKind::Subscription => match keys.message_type.as_deref() {
                Some("DATA_MESSAGE") => {
                    let element = Element::LogEvent {
                        format: Format::CloudWatchSubscription,
                        group: keys.log_group.as_deref(),
                        stream: keys.log_stream.as_deref(),
                    };
                    self.member_array(s, doc, "logEvents", element)
                }
                Some("CONTROL_MESSAGE") => {
                    self.count_control_message();
                    s.skip_value()
                }
                _ => {
                    self.not_audit(start, describe(Some(keys), "unknown subscription record"));
                    s.skip_value()
                }
            },
            DocKind::CloudWatch => {
                let element = Element::LogEvent {
                    format: Format::CloudWatchJson,
                    group: None,
                    stream: None,
                };
                self.member_array(s, doc, "events", element)
            }
            DocKind::EventList => {
                self.member_array(s, doc, "items", Element::Event(Format::EventList))
            }
            DocKind::Records => {
                self.member_array(s, doc, "records", Element::Event(Format::JsonDocuments))
            }
            DocKind::Single => s.skip_value(),
        }
    }

    /// Reads the array in member `key` of the object at the scanner, skipping the rest.
    fn member_array(
        &mut self,
        s: &mut Scanner<'d>,
        doc: Doc<'d>,
        key: &str,
        element: Element<'_>,
    ) -> Scan<()> {
        s.members(|s, k| {
            if k == key && s.peek()? == b'[' {
                self.array(s, doc, element)
            } else {
                s.skip_value()
            }
        })
    }

    fn array(&mut self, s: &mut Scanner<'d>, doc: Doc<'d>, element: Element<'_>) -> Scan<()> {
        s.expect(b'[', "expected an array")?;
        if s.peek()? == b']' {
            s.pos += 1;
            return Ok(());
        }
        loop {
            s.peek()?;
            let start = s.pos;
            match s.raw_value() {
                Ok(raw) => self.element(raw, doc.start + start, element),
                Err(ScanError::Eof) if doc.whole => {
                    self.element(&doc.text[start..], doc.start + start, element);
                    self.cut_reported = true;
                    return Err(ScanError::Eof);
                }
                Err(err) => return Err(err),
            }
            if self.stopped {
                return Err(stopped());
            }
            match s.peek()? {
                b',' => s.pos += 1,
                b']' => {
                    s.pos += 1;
                    return Ok(());
                }
                _ => return s.syntax(s.pos, "expected ',' or ']' in an array"),
            }
        }
    }

    fn element(&mut self, raw: &'d str, off: usize, element: Element<'_>) {
        match element {
            Element::Event(format) => self.single(raw, off, format, None),
            Element::LogEvent {
                format,
                group,
                stream,
            } => self.log_event(raw, off, format, group, stream),
        }
    }

    /// `{"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}` (CloudWatch JSON)
    /// or `{"id", "timestamp", "message"}` (subscription).
    fn log_event(
        &mut self,
        raw: &'d str,
        off: usize,
        format: Format,
        group: Option<&str>,
        stream: Option<&str>,
    ) {
        let mut fields = LogEvent::default();
        let mut s = Scanner::new(raw);
        if let Err(err) = fields.read(&mut s) {
            match err {
                ScanError::Eof => self.problem(ProblemKind::Malformed, off, || {
                    "the input ends inside this CloudWatch log event (cut short?)".to_string()
                }),
                err => {
                    let (at, msg) = scan_error_text(&err);
                    self.problem(ProblemKind::Malformed, off + at, || {
                        format!("in a CloudWatch log event: {msg}")
                    });
                }
            }
            return;
        }
        let Some(message) = fields.message else {
            self.problem(ProblemKind::Malformed, off, || {
                "a CloudWatch log event without a `message` string".to_string()
            });
            return;
        };
        let meta = Meta {
            timestamp_ms: fields.timestamp,
            ingestion_time_ms: fields.ingestion_time,
            log_stream: fields.stream.or(stream.map(Cow::Borrowed)),
            log_group: group.map(Cow::Borrowed),
            event_id: fields.id,
        };
        let line = self.line_at(off);
        match decode_event(message.as_bytes(), self.depth) {
            Ok(event) => {
                let message = message.as_bytes();
                self.emit(event, message, message, meta, format, off, line);
            }
            Err(err) => {
                self.message_error(message.as_bytes(), off + fields.message_at, err, true);
            }
        }
    }
}

/// The members of a CloudWatch log event.
#[derive(Default)]
struct LogEvent<'d> {
    timestamp: Option<i64>,
    ingestion_time: Option<i64>,
    stream: Option<Cow<'d, str>>,
    id: Option<Cow<'d, str>>,
    message: Option<Cow<'d, str>>,
    message_at: usize,
}

impl<'d> LogEvent<'d> {
    fn read(&mut self, s: &mut Scanner<'d>) -> Scan<()> {
        s.members(|s, key| {
            match key.as_ref() {
                "timestamp" => self.timestamp = lenient_integer(s)?,
                "ingestionTime" => self.ingestion_time = lenient_integer(s)?,
                "logStreamName" => self.stream = lenient_string(s)?,
                "eventId" | "id" => self.id = lenient_string(s)?,
                "message" => {
                    self.message_at = s.pos;
                    self.message = lenient_string(s)?;
                }
                _ => s.skip_value()?,
            }
            Ok(())
        })
    }
}

fn lenient_integer(s: &mut Scanner<'_>) -> Scan<Option<i64>> {
    match s.peek()? {
        b'-' | b'0'..=b'9' | b'"' => s.integer().map(Some),
        _ => s.skip_value().map(|_| None),
    }
}
