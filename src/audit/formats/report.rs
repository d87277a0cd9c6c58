//! What a scan found besides events: counts by kind and the first problems with positions.

use std::fmt;

use super::Format;
use super::shapes::NotAuditData;

/// How many problems a report keeps with their positions; the counts stay exact.
pub const MAX_PROBLEMS: usize = 20;

/// How many distinct kinds of "not an audit event" records a report names; the rest are
/// counted under [`OTHER_SHAPES`].
const MAX_SHAPES: usize = 16;
const OTHER_SHAPES: &str = "other records that are not audit events";

/// What is wrong with a record or an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// Not JSON, or JSON of the wrong shape (`{"kind": 0}`), or not UTF-8.
    Malformed,
    /// An event cut short: delivered with what its prefix held, and listed here.
    Truncated,
    /// Valid JSON, but not a Kubernetes audit event (a GKE `LogEntry`, a wrapper object…).
    NotAuditEvent,
    /// The whole input is not audit data (empty, binary, YAML, Markdown, plain text).
    NotAuditData,
    /// The input could not be read to its end (a corrupt or cut gzip stream).
    Unreadable,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Malformed => "malformed",
            ProblemKind::Truncated => "truncated",
            ProblemKind::NotAuditEvent => "not an audit event",
            ProblemKind::NotAuditData => "not audit data",
            ProblemKind::Unreadable => "unreadable",
        })
    }
}

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the (decompressed) input.
    pub line: u64,
    /// 1-based column, in characters.
    pub column: u64,
    /// Byte offset in the (decompressed) input.
    pub offset: u64,
    pub kind: ProblemKind,
    /// What is wrong, in words; never a copy of the record.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `line:column: kind: message`; prefix it with the input's name for `file:line:column`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.kind, self.message
        )
    }
}

/// What one input held: events per format, exact counts of everything else, and the first
/// [`MAX_PROBLEMS`] problems with their positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// The input's name ([`super::Origin::name`]).
    pub name: String,
    /// Bytes scanned (decompressed).
    pub bytes: u64,
    /// Lines scanned (a last line without a newline counts).
    pub lines: u64,
    /// Events found per format, in [`Format::ALL`] order, formats with none left out.
    pub formats: Vec<(Format, u64)>,
    /// Events delivered, truncated ones included.
    pub events: u64,
    /// Events delivered that were cut short.
    pub truncated: u64,
    /// Records that are not JSON, or JSON that cannot be an audit event.
    pub malformed: u64,
    /// Records that are valid JSON but not audit events.
    pub not_audit: u64,
    /// `not_audit` split by what the records were, where recognised, in order of appearance.
    pub not_audit_shapes: Vec<(String, u64)>,
    /// CloudWatch subscription `CONTROL_MESSAGE` records (health checks, not errors).
    pub control_messages: u64,
    /// Read errors (a corrupt gzip stream): what came before was scanned.
    pub unreadable: u64,
    /// Set when the whole input is not audit data.
    pub not_audit_data: Option<NotAuditData>,
    /// The first [`MAX_PROBLEMS`] problems, in input order.
    pub problems: Vec<Problem>,
    /// The event callback asked to stop: the counts cover only what was read until then.
    pub stopped_early: bool,
    /// One-line records the reader's prefilter said could not matter, passed over unread
    /// ([`super::scan_skipping`]), and their bytes.
    pub skipped: u64,
    pub skipped_bytes: u64,
}

impl ScanReport {
    pub(super) fn not_audit_data(name: &str, bytes: u64, what: NotAuditData) -> ScanReport {
        let mut report = ScanReport {
            name: name.to_string(),
            bytes,
            not_audit_data: Some(what),
            ..ScanReport::default()
        };
        report.problems.push(Problem {
            line: 1,
            column: 1,
            offset: 0,
            kind: ProblemKind::NotAuditData,
            message: what.explain(),
        });
        report
    }

    /// Events found in one format.
    pub fn events_in(&self, format: Format) -> u64 {
        self.formats
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(0, |(_, n)| *n)
    }

    /// All problems counted, whether kept in [`Self::problems`] or not.
    pub fn problem_count(&self) -> u64 {
        self.truncated
            + self.malformed
            + self.not_audit
            + self.unreadable
            + u64::from(self.not_audit_data.is_some())
    }

    /// Counts a problem found outside the scan (the reader's), and keeps it if there is room.
    pub fn add_problem(&mut self, problem: Problem) {
        self.count(problem.kind);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }

    pub(super) fn count(&mut self, kind: ProblemKind) {
        match kind {
            ProblemKind::Malformed => self.malformed += 1,
            ProblemKind::Truncated => self.truncated += 1,
            ProblemKind::NotAuditEvent => self.not_audit += 1,
            ProblemKind::Unreadable => self.unreadable += 1,
            ProblemKind::NotAuditData => {}
        }
    }

    pub(super) fn count_shape(&mut self, shape: &str) {
        self.add_shape(shape, 1);
    }

    /// Counts `n` records of `shape`: under its own name while fewer than [`MAX_SHAPES`] are
    /// named, else under [`OTHER_SHAPES`] (which may be one more).
    fn add_shape(&mut self, shape: &str, n: u64) {
        let named = self.not_audit_shapes.iter().any(|(s, _)| s == shape)
            || self.not_audit_shapes.len() < MAX_SHAPES;
        let shape = if named { shape } else { OTHER_SHAPES };
        match self.not_audit_shapes.iter_mut().find(|(s, _)| s == shape) {
            Some((_, m)) => *m += n,
            None => self.not_audit_shapes.push((shape.to_string(), n)),
        }
    }

    /// Adds a later report of the same input (a [`crate::source::local::Follower`] poll).
    pub fn absorb(&mut self, other: ScanReport) {
        if self.name.is_empty() {
            self.name = other.name;
        }
        self.bytes += other.bytes;
        self.lines += other.lines;
        for (format, n) in other.formats {
            match self.formats.iter_mut().find(|(f, _)| *f == format) {
                Some((_, m)) => *m += n,
                None => self.formats.push((format, n)),
            }
        }
        self.formats.sort();
        self.events += other.events;
        self.truncated += other.truncated;
        self.malformed += other.malformed;
        self.not_audit += other.not_audit;
        for (shape, n) in other.not_audit_shapes {
            self.add_shape(&shape, n);
        }
        self.control_messages += other.control_messages;
        self.unreadable += other.unreadable;
        // A verdict on the whole input ("empty", "binary") stands only while nothing in it has
        // read as audit data: a followed file that was empty when opened is not a problem once
        // events arrive.
        self.not_audit_data = if self.events > 0 {
            None
        } else {
            self.not_audit_data.or(other.not_audit_data)
        };
        let room = MAX_PROBLEMS.saturating_sub(self.problems.len());
        self.problems.extend(other.problems.into_iter().take(room));
        self.stopped_early |= other.stopped_early;
        self.skipped += other.skipped;
        self.skipped_bytes += other.skipped_bytes;
    }

    /// Moves the problems' lines by `by`: for a report of a part of an input scanned on its own,
    /// once the lines before the part are known.
    pub fn shift_lines(&mut self, by: u64) {
        for p in &mut self.problems {
            p.line += by;
        }
    }

    /// The kept problems as `name:line:column: kind: message`, one per line of output.
    pub fn located_problems(&self) -> impl Iterator<Item = String> + '_ {
        self.problems.iter().map(|p| format!("{}:{p}", self.name))
    }
}

impl fmt::Display for ScanReport {
    /// One line: `name: 12 events (JSON lines 10, CloudWatch export (S3) 2); 1 truncated, …`, or
    /// `name: not audit data (YAML)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(what) = self.not_audit_data {
            return write!(f, "{}: not audit data ({what})", self.name);
        }
        let noun = if self.events == 1 { "event" } else { "events" };
        write!(f, "{}: {} {noun}", self.name, self.events)?;
        if !self.formats.is_empty() {
            let parts: Vec<String> = self
                .formats
                .iter()
                .map(|(format, n)| format!("{format} {n}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        let counts = [
            (self.truncated, "truncated"),
            (self.malformed, "malformed"),
            (self.not_audit, "not audit events"),
            (self.control_messages, "control messages"),
            (self.unreadable, "unreadable"),
        ];
        let mut sep = "; ";
        for (n, what) in counts {
            if n > 0 {
                write!(f, "{sep}{n} {what}")?;
                sep = ", ";
            }
        }
        if self.stopped_early {
            write!(f, " (stopped early)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::super::{Depth, Origin, scan};
    use super::*;

    /// JSON records of `n` distinct shapes (each its own kind), none an audit event.
    fn shapes(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| format!("{{\"kind\":\"Thing{i}\"}}\n").into_bytes())
            .collect()
    }

    #[test]
    fn past_the_named_shapes_the_rest_are_counted_as_other_and_the_count_stays_exact() {
        // More distinct shapes than are named once ran the count in a circle, for ever.
        let data = shapes(3 * MAX_SHAPES);
        let origin = Origin::new("t", "t");
        let report = scan(&data, &origin, Depth::Full, |_| ControlFlow::Continue(()));
        assert_eq!(report.not_audit, 3 * MAX_SHAPES as u64);
        let total: u64 = report.not_audit_shapes.iter().map(|(_, n)| n).sum();
        assert_eq!(total, 3 * MAX_SHAPES as u64);
        assert_eq!(report.not_audit_shapes.len(), MAX_SHAPES + 1);
        assert_eq!(
            report.not_audit_shapes.last(),
            Some(&(OTHER_SHAPES.to_string(), 2 * MAX_SHAPES as u64))
        );
        // Reports added up (a followed file's polls) keep the same bound.
        let mut followed = report.clone();
        for _ in 0..3 {
            let more = scan(&shapes(3 * MAX_SHAPES), &origin, Depth::Full, |_| {
                ControlFlow::Continue(())
            });
            followed.absorb(more);
        }
        assert_eq!(followed.not_audit_shapes.len(), MAX_SHAPES + 1);
        let total: u64 = followed.not_audit_shapes.iter().map(|(_, n)| n).sum();
        assert_eq!(total, 4 * 3 * MAX_SHAPES as u64);
    }
}
