//! The event table: the columns an analyst scans, made safe for the terminal.

use std::io::{self, Write};

use crate::audit::Event;
use crate::audit::time::format_millis_utc;
use crate::text::{columns, fit_columns, sanitize};

/// Column titles and the widest each may grow.
const COLUMNS: [(&str, usize); 8] = [
    ("TIME", 24),
    ("USER", 44),
    ("SOURCE IP", 15),
    ("VERB", 8),
    ("RESOURCE", 28),
    ("NAMESPACE/NAME", 44),
    ("CODE", 4),
    ("DECISION", 8),
];

pub type Row = Vec<String>;

/// One row of the table for an event whose `@timestamp` is `timestamp_ms`.
pub fn row(event: &Event<'_>, timestamp_ms: Option<i64>) -> Row {
    let time = timestamp_ms
        .map(|ms| format_millis_utc(ms * 1000))
        .unwrap_or_else(|| "-".to_string());
    let user = event.username().unwrap_or("-");
    let ip = event.source_ips.first().map_or("-", |s| s.as_ref());
    let verb = event.verb().unwrap_or("-");
    let obj = event.object_ref.as_ref();
    let resource = match obj.map(|o| (o.resource.as_deref(), o.subresource.as_deref())) {
        Some((Some(r), Some(sub))) => format!("{r}/{sub}"),
        Some((Some(r), None)) => r.to_string(),
        _ => event
            .request_uri
            .as_deref()
            .map_or_else(|| "-".to_string(), |u| u.to_string()),
    };
    let target = match obj.map(|o| (o.namespace.as_deref(), o.name.as_deref())) {
        Some((Some(ns), Some(name))) => format!("{ns}/{name}"),
        Some((Some(ns), None)) => format!("{ns}/"),
        Some((None, Some(name))) => name.to_string(),
        _ => "-".to_string(),
    };
    let code = event
        .code()
        .map_or_else(|| "-".to_string(), |c| c.to_string());
    let mut decision = event.decision().unwrap_or("-").to_string();
    if event.truncated {
        decision.push_str(" [cut]");
    }
    let cells: [&str; 8] = [&time, user, ip, verb, &resource, &target, &code, &decision];
    cells
        .iter()
        .map(|cell| sanitize(cell).into_owned())
        .collect()
}

/// Writes rows as aligned columns, streaming. Column widths, in terminal columns, fit the first
/// rows (up to each column's maximum) and then stay fixed; a longer cell is cut at its end with
/// `…`, so that what is shown is what the value starts with (a cut in the middle once joined
/// two halves into a name that was not there). Cells must already be terminal-safe.
#[derive(Debug)]
pub struct TableWriter {
    titles: Vec<String>,
    max: Vec<usize>,
    pending: Vec<Row>,
    widths: Option<Vec<usize>>,
    /// The widths are the maximums, whatever the first rows hold: for rows that come one at a
    /// time, far apart, where the first says nothing of the next.
    fixed: bool,
}

impl Default for TableWriter {
    /// The event table.
    fn default() -> Self {
        TableWriter::new(
            COLUMNS.iter().map(|(t, _)| t.to_string()).collect(),
            COLUMNS.iter().map(|(_, w)| *w).collect(),
        )
    }
}

/// Rows looked at before the widths are fixed.
const SAMPLE_ROWS: usize = 500;

impl TableWriter {
    /// The event table after `lead`'s columns (title, widest).
    pub fn leading(lead: &[(&str, usize)]) -> Self {
        let all = lead.iter().chain(COLUMNS.iter());
        TableWriter::new(
            all.clone().map(|(t, _)| t.to_string()).collect(),
            all.map(|(_, w)| *w).collect(),
        )
    }

    pub fn new(titles: Vec<String>, max: Vec<usize>) -> Self {
        TableWriter {
            titles,
            max,
            pending: Vec::new(),
            widths: None,
            fixed: false,
        }
    }

    /// Columns as wide as their maximums.
    pub fn fixed(titles: Vec<String>, widths: Vec<usize>) -> Self {
        TableWriter {
            fixed: true,
            ..TableWriter::new(titles, widths)
        }
    }

    pub fn push(&mut self, out: &mut dyn Write, row: Row) -> io::Result<()> {
        match &self.widths {
            Some(widths) => write_line(out, &row, widths),
            None => {
                self.pending.push(row);
                if self.pending.len() >= SAMPLE_ROWS {
                    self.flush(out)?;
                }
                Ok(())
            }
        }
    }

    /// Writes what is held back; from then on rows are written as they come.
    pub fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let widths = match self.widths.take() {
            Some(w) => w,
            None => {
                let w = self.fit_widths();
                write_line(out, &self.titles, &w)?;
                w
            }
        };
        for r in self.pending.drain(..) {
            write_line(out, &r, &widths)?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    fn fit_widths(&self) -> Vec<usize> {
        if self.fixed {
            return self.max.clone();
        }
        let mut widths: Vec<usize> = self.titles.iter().map(|t| columns(t)).collect();
        for r in &self.pending {
            for (i, cell) in r.iter().enumerate().take(widths.len()) {
                let max = self.max.get(i).copied().unwrap_or(usize::MAX);
                widths[i] = widths[i].max(columns(cell).min(max));
            }
        }
        widths
    }
}

fn write_line(out: &mut dyn Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::with_capacity(200);
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let text = fit_columns(cell, *width);
        line.push_str(&text);
        if i + 1 < cells.len() {
            let pad = width.saturating_sub(columns(&text)) + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Depth, decode_event};
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn a_row_shows_what_an_analyst_scans() {
        let line = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","verb":"get","user":{"username":"alice"},"sourceIPs":["203.0.113.9"],"objectRef":{"resource":"pods","subresource":"exec","namespace":"prod","name":"web-1"},"responseStatus":{"code":403},"annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#;
        let ev = decode_event(line, Depth::Table).unwrap();
        let r = row(&ev, Some(1_793_606_400_123));
        assert_eq!(
            r,
            [
                "2026-11-02T08:00:00.123Z",
                "alice",
                "203.0.113.9",
                "get",
                "pods/exec",
                "prod/web-1",
                "403",
                "forbid"
            ]
        );
    }

    #[test]
    fn hostile_text_is_escaped_and_long_text_shortened() {
        let line = br#"{"auditID":"a","verb":"get","user":{"username":"\u001b]0;pwned\u0007mallory"},"objectRef":{"name":"arn:aws:iam::111122223333:role/a-very-long-role-name-that-goes-on-and-on/session"}}"#;
        let ev = decode_event(line, Depth::Table).unwrap();
        let r = row(&ev, None);
        assert!(
            !r[1].contains('\u{1b}') && !r[1].contains('\u{7}'),
            "{}",
            r[1]
        );
        let mut out = Vec::new();
        let mut table = TableWriter::default();
        table.push(&mut out, r).unwrap();
        table.flush(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains('…'), "{text}");
        assert!(text.lines().all(|l| l.chars().count() < 220));
    }

    fn table_text(max: usize, cells: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let mut table = TableWriter::new(vec!["A".into(), "B".into()], vec![max, 10]);
        for cell in cells {
            table
                .push(&mut out, vec![(*cell).to_string(), "end".into()])
                .unwrap();
        }
        table.flush(&mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_long_value_is_cut_at_its_end_never_in_the_middle() {
        let reason = r#"RBAC: allowed by ClusterRoleBinding "ops" of ClusterRole "cluster-admin" to User "eve""#;
        let lines = table_text(60, &[reason]);
        let cell = lines[1].trim_end_matches("end").trim_end();
        assert_eq!(
            cell,
            r#"RBAC: allowed by ClusterRoleBinding "ops" of ClusterRole "c…"#
        );
        assert_eq!(cell.chars().count(), 60);
    }

    #[test]
    fn widths_are_terminal_columns_and_escapes_stay_whole() {
        // Wide characters take two columns: the next column starts at the same place in
        // every row, whatever the characters before it.
        let lines = table_text(12, &["名前空間名前空間名前空間", "abcdefghijklmnop", "ab"]);
        let at = |l: &String, word| UnicodeWidthStr::width(&l[..l.find(word).unwrap()]);
        assert_eq!(lines[1], "名前空間名…   end", "{lines:?}");
        assert_eq!(at(&lines[0], "B"), 14, "{lines:?}");
        for line in &lines[1..] {
            assert_eq!(at(line, "end"), 14, "{lines:?}");
        }
        // An escape is shown whole or not at all: `\u{202e}` never becomes `\u{20…`.
        let hostile = sanitize("name\u{202e}gpj.exe");
        let lines = table_text(12, &[&hostile]);
        assert!(lines[1].starts_with("name…  "), "{lines:?}");
        let lines = table_text(13, &[&hostile]);
        assert!(lines[1].starts_with(r"name\u{202e}…  "), "{lines:?}");
    }
}
