//! The line loop (the hot path for `--audit-log-path` files and CloudWatch exports) and what
//! every record goes through: delivery, problems, positions.

use std::borrow::Cow;

use super::gke;
use super::report::{MAX_PROBLEMS, Problem, ProblemKind, ScanReport};
use super::shapes::{self, split_export};
use super::{AuditRecord, Format, OnEvent, OnProblem, Origin, Position, Skip, SystemFields};
use crate::audit::decode::{DecodeError, DecodeErrorKind, Depth, decode_event};
use crate::audit::event::Event;

/// What a format knows about a record beyond the event itself.
#[derive(Default)]
pub(super) struct Meta<'a> {
    pub timestamp_ms: Option<i64>,
    pub ingestion_time_ms: Option<i64>,
    pub log_stream: Option<Cow<'a, str>>,
    pub log_group: Option<Cow<'a, str>>,
    pub event_id: Option<Cow<'a, str>>,
}

/// One scan over one input.
pub(super) struct Run<'d, 'r> {
    pub data: &'d [u8],
    origin: &'r Origin,
    pub depth: Depth,
    on_event: &'r mut OnEvent<'r>,
    report: ScanReport,
    base: Position,
    /// A known point: (`offset`, newlines in `data[..offset]`), moved as positions are asked
    /// for, so that finding lines costs one pass overall.
    index: (usize, u64),
    per_format: [u64; Format::ALL.len()],
    pub stopped: bool,
    /// Set when the end of a cut document was already reported with the record it cut.
    pub cut_reported: bool,
    pub texts: Texts<'d>,
    /// Says which one-line records cannot matter to the reader, so they are not decoded.
    pub skip: Option<Skip<'r>>,
    /// Is handed every problem as it is found, past the [`MAX_PROBLEMS`] the report keeps.
    pub on_problem: Option<&'r mut OnProblem<'r>>,
    /// The event of the last GKE entry read, whose buffers the next one reuses.
    pub rebuilt: super::gke::Rebuilt,
}

impl<'d, 'r> Run<'d, 'r> {
    pub fn new(
        data: &'d [u8],
        origin: &'r Origin,
        depth: Depth,
        base: Position,
        on_event: &'r mut OnEvent<'r>,
    ) -> Self {
        Run {
            data,
            origin,
            depth,
            on_event,
            report: ScanReport {
                name: origin.name.clone(),
                bytes: data.len() as u64,
                ..ScanReport::default()
            },
            base,
            index: (0, 0),
            per_format: [0; Format::ALL.len()],
            stopped: false,
            cut_reported: false,
            texts: Texts::new(data),
            skip: None,
            on_problem: None,
            rebuilt: super::gke::Rebuilt::default(),
        }
    }

    pub fn finish(mut self) -> ScanReport {
        let len = self.data.len();
        let newlines = self.newlines_before(len);
        let partial_last = self.data.last().is_some_and(|b| *b != b'\n');
        self.report.lines = newlines + u64::from(partial_last);
        self.report.formats = Format::ALL
            .iter()
            .zip(self.per_format)
            .filter(|(_, n)| *n > 0)
            .map(|(f, n)| (*f, n))
            .collect();
        self.report.stopped_early = self.stopped;
        self.report
    }

    /// Reads lines from `from` (a line start) to the end.
    pub fn lines(&mut self, from: usize) {
        let data = self.data;
        let mut pos = from;
        let mut line = self.line_at(from);
        while pos < data.len() && !self.stopped {
            let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i);
            let next = self.line(pos, end, line);
            if next == end + 1 {
                line += 1;
            } else {
                line = self.line_at(next);
            }
            pos = next;
        }
        if !self.stopped {
            // Leave the index at the end, so that counting lines costs nothing more.
            let newlines = line - self.base.line - 1 - u64::from(pos > data.len());
            self.index = (data.len(), newlines);
        }
    }

    /// Handles the line `data[start..end]`; returns where the next line starts.
    #[inline]
    fn line(&mut self, start: usize, end: usize, line: u64) -> usize {
        let mut rec = &self.data[start..end];
        if let [head @ .., b'\r'] = rec {
            rec = head;
        }
        let Some(first) = rec.iter().position(|b| !b.is_ascii_whitespace()) else {
            return end + 1;
        };
        // A GKE entry's event is written from it, with words the entry does not hold
        // (`/api/v1`, HTTP codes, times as Kubernetes writes them): a prefilter that judged the
        // entry's text would pass over events it should find. Only a line the prefilter would
        // pass over is searched for an entry.
        if let Some(skip) = self.skip
            && rec[first] == b'{'
            && rec.last() == Some(&b'}')
            && skip(rec)
            && memchr::memmem::find(rec, b"\"protoPayload\"").is_none()
        {
            self.report.skipped += 1;
            self.report.skipped_bytes += rec.len() as u64;
            return end + 1;
        }
        match rec[first] {
            b'{' if gke::looks_like_entry(&rec[first..]) && self.gke_line(rec, start, line) => {
                end + 1
            }
            // An AKS record is not an event: read its event first, not after a failed try.
            b'{' if shapes::looks_like_aks_record(&rec[first..])
                && self.aks_line(rec, start, line) =>
            {
                end + 1
            }
            b'{' => match decode_event(rec, self.depth) {
                Ok(event) => {
                    self.emit(
                        event,
                        rec,
                        rec,
                        Meta::default(),
                        Format::JsonLines,
                        start,
                        line,
                    );
                    end + 1
                }
                Err(err) => {
                    self.sync(start, line);
                    match err.kind {
                        // The first line of a pretty-printed document.
                        DecodeErrorKind::CutBeforeAnyField | DecodeErrorKind::EndsEarly
                            if matches!(rec.trim_ascii_end().last(), Some(b'{' | b'[')) =>
                        {
                            self.values(start, self.data.len(), Format::JsonDocuments)
                        }
                        // A document on one line, or several values on it.
                        DecodeErrorKind::NotAnEvent(_) | DecodeErrorKind::TrailingCharacters => {
                            self.values(start, end, Format::JsonLines);
                            end + 1
                        }
                        kind => {
                            self.problem(ProblemKind::Malformed, start + err.offset, || {
                                kind.to_string()
                            });
                            end + 1
                        }
                    }
                }
            },
            b'[' => {
                self.sync(start, line);
                self.values(start, self.data.len(), Format::JsonDocuments)
            }
            b'0'..=b'9' => {
                self.export_line(start, rec, line);
                end + 1
            }
            _ => {
                self.sync(start, line);
                self.problem(ProblemKind::Malformed, start + first, || {
                    "not JSON: a line holds one audit event as JSON, or `<timestamp> <JSON>` in a \
                     CloudWatch export"
                        .to_string()
                });
                end + 1
            }
        }
    }

    /// A line that starts like a GKE entry, read as one when it is one.
    fn gke_line(&mut self, rec: &'d [u8], start: usize, line: u64) -> bool {
        // Known already: finding it again would count the lines since the last one asked for.
        self.sync(start, line);
        std::str::from_utf8(rec).is_ok_and(|text| self.gke_entry(text, start, true))
    }

    /// A line that starts like an AKS record, read as one when it holds an event.
    fn aks_line(&mut self, rec: &'d [u8], start: usize, line: u64) -> bool {
        self.sync(start, line);
        std::str::from_utf8(rec).is_ok_and(|text| self.unwrapped(text, start))
    }

    /// `2026-11-02T08:15:31.123Z {"kind":"Event",…}`.
    fn export_line(&mut self, start: usize, rec: &'d [u8], line: u64) {
        let Some((micros, message)) = split_export(rec) else {
            self.sync(start, line);
            self.problem(ProblemKind::Malformed, start, || {
                "not JSON, and not a `<timestamp> <message>` line of a CloudWatch export"
                    .to_string()
            });
            return;
        };
        let at = start + (rec.len() - message.len());
        let meta = Meta {
            timestamp_ms: Some(micros.div_euclid(1000)),
            ..Meta::default()
        };
        match decode_event(message, self.depth) {
            Ok(event) => {
                self.emit(
                    event,
                    message,
                    rec,
                    meta,
                    Format::CloudWatchExport,
                    start,
                    line,
                );
            }
            Err(err) => {
                self.sync(start, line);
                self.message_error(message, at, err, false);
            }
        }
    }

    /// Reports why the text of one message (an export line's, a CloudWatch event's) is not an
    /// event. `at` is where the message starts in the input; `unescaped` says the message was
    /// decoded from a JSON string, so that positions inside it are not positions in the input.
    pub fn message_error(&mut self, message: &[u8], at: usize, err: DecodeError, unescaped: bool) {
        let first = message.iter().find(|b| !b.is_ascii_whitespace());
        let column = err.column_in(message);
        match err.kind {
            _ if first.is_some_and(|b| *b != b'{' && *b != b'[') => {
                self.not_audit(at, "plain-text log message, not JSON".to_string());
            }
            DecodeErrorKind::NotAnEvent(reason) => {
                let shape = shape_of(message, &reason);
                self.not_audit(at, shape);
            }
            kind if !unescaped => {
                self.problem(ProblemKind::Malformed, at + err.offset, || kind.to_string());
            }
            kind => {
                self.problem(ProblemKind::Malformed, at, || {
                    format!("in the message, at its column {column}: {kind}")
                });
            }
        }
    }

    /// Delivers one event: `message` is its JSON text, `original` the whole record it was read
    /// from (the same bytes for an event read as it is).
    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        event: Event<'_>,
        message: &[u8],
        original: &[u8],
        meta: Meta<'_>,
        format: Format,
        off: usize,
        line: u64,
    ) {
        let origin = self.origin;
        let truncated = event.truncated;
        let timestamp_ms = meta
            .timestamp_ms
            .or_else(|| event.time_micros().map(|us| us.div_euclid(1000)));
        let record = AuditRecord {
            event,
            message,
            original,
            system: SystemFields {
                timestamp_ms,
                ingestion_time_ms: meta.ingestion_time_ms,
                log_stream: meta.log_stream.unwrap_or(Cow::Borrowed(&origin.log_stream)),
                log_group: meta.log_group.unwrap_or(Cow::Borrowed(&origin.log_group)),
                event_id: meta.event_id,
                source_id: &origin.source_id,
                offset: self.base.offset + off as u64,
            },
            format,
            line,
        };
        self.report.events += 1;
        self.per_format[format.index()] += 1;
        if (self.on_event)(&record).is_break() {
            self.stopped = true;
        }
        if truncated {
            let len = message.len();
            self.problem(ProblemKind::Truncated, off, || {
                format!(
                    "event cut short after {len} bytes (CloudWatch keeps 256 KB of an entry): \
                     kept what it holds"
                )
            });
        }
    }

    /// Counts a record that is valid JSON but not an audit event, and names its shape.
    pub fn not_audit(&mut self, off: usize, shape: String) {
        self.report.count_shape(&shape);
        self.problem(ProblemKind::NotAuditEvent, off, || shape);
    }

    /// Counts a problem at byte `off` of the data; its position and words are worked out only
    /// while there is room to keep it, or when every problem is handed on ([`Run::on_problem`]).
    pub fn problem(&mut self, kind: ProblemKind, off: usize, message: impl FnOnce() -> String) {
        self.report.count(kind);
        let keep = self.report.problems.len() < MAX_PROBLEMS;
        if !keep && self.on_problem.is_none() {
            return;
        }
        let off = off.min(self.data.len());
        let line = self.line_at(off);
        let line_start = memchr::memrchr(b'\n', &self.data[..off]).map_or(0, |i| i + 1);
        let column = self.data[line_start..off]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count() as u64
            + 1;
        let problem = Problem {
            line,
            column,
            offset: self.base.offset + off as u64,
            kind,
            message: message(),
        };
        if let Some(on_problem) = self.on_problem.as_mut() {
            on_problem(&problem);
        }
        if keep {
            self.report.problems.push(problem);
        }
    }

    pub fn count_control_message(&mut self) {
        self.report.control_messages += 1;
    }

    /// Tells the index that `off` is on line `line`.
    pub fn sync(&mut self, off: usize, line: u64) {
        self.index = (off, line - self.base.line - 1);
    }

    fn newlines_before(&mut self, off: usize) -> u64 {
        let (at, n) = self.index;
        let n = if off >= at {
            n + memchr::memchr_iter(b'\n', &self.data[at..off]).count() as u64
        } else {
            n - memchr::memchr_iter(b'\n', &self.data[off..at]).count() as u64
        };
        self.index = (off, n);
        n
    }

    /// The 1-based line of byte `off`.
    pub fn line_at(&mut self, off: usize) -> u64 {
        self.base.line + self.newlines_before(off.min(self.data.len())) + 1
    }

    /// Where line mode picks up again after a broken multi-line document that started at
    /// `from`: the next line that starts, unindented, like a record.
    pub fn resync(&self, from: usize) -> usize {
        let data = self.data;
        let mut pos = from;
        while let Some(i) = memchr::memchr(b'\n', &data[pos..]) {
            pos += i + 1;
            if matches!(data.get(pos), Some(b'{' | b'[' | b'0'..=b'9')) {
                return pos;
            }
        }
        data.len()
    }
}

/// Names what a message that decoded as "not an event" is.
pub(super) fn shape_of(message: &[u8], reason: &str) -> String {
    let Ok(text) = std::str::from_utf8(message) else {
        return shapes::describe(None, reason);
    };
    let mut keys = shapes::Keys::default();
    let mut s = crate::audit::json::Scanner::new(text);
    let seen = s.peek() == Ok(b'{') && shapes::prescan(&mut s, &mut keys).is_ok();
    shapes::describe(seen.then_some(&keys), reason)
}

/// The input as text, validated lazily: from a starting point to the first invalid byte.
/// Document formats need `&str` for the scanner; JSON lines never pay for this.
pub(super) struct Texts<'d> {
    data: &'d [u8],
    start: usize,
    text: &'d str,
}

impl<'d> Texts<'d> {
    pub fn new(data: &'d [u8]) -> Self {
        Texts {
            data,
            start: 0,
            text: "",
        }
    }

    /// Text covering `at` (which must start a character): `(offset of the text, text)`. The text
    /// ends at the end of the data or at the first invalid byte after `at`.
    pub fn at(&mut self, at: usize) -> (usize, &'d str) {
        let end = self.start + self.text.len();
        if at < self.start || at > end || (at == end && end < self.data.len()) {
            let tail = &self.data[at..];
            self.text = match std::str::from_utf8(tail) {
                Ok(text) => text,
                Err(e) => std::str::from_utf8(&tail[..e.valid_up_to()]).unwrap_or_default(),
            };
            self.start = at;
        }
        (self.start, self.text)
    }
}
