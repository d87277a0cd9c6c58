//! A case's report, readable without kaudit: the story in time order (each marked event with its
//! tag and note, who did what to which object, from where, the decision and its reason, the IAM
//! principal where EKS names one), the queries that found the events, the findings reviewed,
//! and the notes.
//!
//! Everything from a log is hostile: a user agent may hold `<script>`, `<img onerror=…>` or a
//! `javascript:` link. The HTML escapes every value it prints (and forbids scripts and any
//! request by its Content-Security-Policy); the Markdown puts a backslash before every mark that
//! could start markup, a link, an image, a tag or an entity, and breaks what would make a bare
//! address a link, so no value becomes one. Both first make control characters visible, as the
//! terminal does.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use crate::audit::Depth;
use crate::audit::formats::{Origin, scan};
use crate::audit::time::format_millis_utc;
use crate::text::sanitize;

use super::journal::{Entry, What};

/// One marked event, as the report tells it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Told {
    pub time: String,
    pub tag: String,
    pub note: String,
    pub user: String,
    /// The IAM principal EKS names in `user.extra.arn`.
    pub principal: String,
    pub source_ip: String,
    pub user_agent: String,
    pub verb: String,
    pub object: String,
    pub code: String,
    pub decision: String,
    pub reason: String,
    /// Where it was read (`@ptr`, else the source).
    pub from: String,
}

/// What the report holds, gathered from the journal.
#[derive(Debug, Clone, Default)]
pub struct Story {
    pub case: String,
    pub exported_by: String,
    pub exported_at: String,
    pub version: String,
    pub told: Vec<Told>,
    /// `(when, who, text, range, sources, rows)`.
    pub queries: Vec<[String; 6]>,
    /// `(when, who, detection, severity, hits, range)`: each time a finding was opened, in the
    /// journal's order (the order it was done in).
    pub findings: Vec<[String; 6]>,
    /// `(when, who, text)`.
    pub notes: Vec<[String; 3]>,
}

/// The headings of the findings reviewed.
const FINDING_HEADS: [&str; 6] = ["when", "who", "detection", "severity", "hits", "range"];

impl Story {
    /// The story of `entries`, whose marks (in time order) are `marks`.
    pub fn new(case: &str, entries: &[Entry], marks: &[&Entry]) -> Story {
        let mut story = Story {
            case: case.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            ..Story::default()
        };
        for entry in entries {
            match &entry.what {
                What::Query(q) => story.queries.push([
                    entry.at.clone(),
                    entry.user.clone(),
                    q.text.clone(),
                    q.range_shown().to_string(),
                    q.read_from().cloned().collect::<Vec<_>>().join(", "),
                    q.rows.to_string(),
                ]),
                // Every opening is listed, not one line per detection with a count: its hits
                // and range are those of that moment (more events held, another range), and
                // its time places it among the queries and notes, so that a reader can tell
                // what was reviewed before and after what. A hand-over is read for that trail;
                // a count would say how often, not when or over what.
                What::FindingOpened(f) => story.findings.push([
                    entry.at.clone(),
                    entry.user.clone(),
                    f.detection.clone(),
                    f.severity.clone(),
                    f.hits.to_string(),
                    f.range_shown().to_string(),
                ]),
                What::Note { text } => {
                    story
                        .notes
                        .push([entry.at.clone(), entry.user.clone(), text.clone()]);
                }
                _ => {}
            }
        }
        story.told = marks.iter().filter_map(|m| told(m)).collect();
        story
    }
}

fn told(entry: &Entry) -> Option<Told> {
    let What::Marked {
        event,
        tag,
        note,
        original,
    } = &entry.what
    else {
        return None;
    };
    let mut t = Told {
        time: event.time.clone().unwrap_or_default(),
        tag: tag.clone(),
        note: note.clone().unwrap_or_default(),
        from: event
            .ptr
            .clone()
            .or_else(|| event.source.clone())
            .unwrap_or_default(),
        ..Told::default()
    };
    let bytes = original.bytes().unwrap_or_default();
    let origin = Origin::new("case", "case");
    scan(&bytes, &origin, Depth::Full, |record| {
        let e = &record.event;
        if t.time.is_empty() {
            t.time = e.time_micros().map(format_millis_utc).unwrap_or_default();
        }
        t.user = e.username().unwrap_or_default().to_string();
        if let Some(as_whom) = e
            .impersonated_user
            .as_ref()
            .and_then(|u| u.username.as_deref())
        {
            t.user = format!("{} as {as_whom}", t.user);
        }
        t.principal = e
            .user
            .extra
            .iter()
            .find(|(k, _)| k == "arn")
            .and_then(|(_, v)| v.first())
            .map(|v| v.to_string())
            .unwrap_or_default();
        t.source_ip = e
            .source_ips
            .first()
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        t.user_agent = e.user_agent.as_deref().unwrap_or_default().to_string();
        t.verb = e.verb().unwrap_or_default().to_string();
        t.object = object(e);
        t.code = e.code().map(|c| c.to_string()).unwrap_or_default();
        t.decision = e.decision().unwrap_or_default().to_string();
        t.reason = e.reason().unwrap_or_default().to_string();
        ControlFlow::Break(())
    });
    Some(t)
}

/// `resource/subresource namespace/name`, as much as the event names.
fn object(e: &crate::audit::Event<'_>) -> String {
    let Some(o) = &e.object_ref else {
        return e.request_uri.as_deref().unwrap_or_default().to_string();
    };
    let mut what = o.resource.as_deref().unwrap_or_default().to_string();
    if let Some(sub) = &o.subresource {
        let _ = write!(what, "/{sub}");
    }
    let place = match (o.namespace.as_deref(), o.name.as_deref()) {
        (Some(ns), Some(name)) => format!("{ns}/{name}"),
        (Some(ns), None) => format!("{ns}/"),
        (None, Some(name)) => name.to_string(),
        (None, None) => String::new(),
    };
    format!("{what} {place}").trim().to_string()
}

/// A column of the story's table: its heading, and the value of a told event.
type Column = (&'static str, fn(&Told) -> &str);

const COLUMNS: [Column; 9] = [
    ("time", |t| &t.time),
    ("tag", |t| &t.tag),
    ("who", |t| &t.user),
    ("IAM principal", |t| &t.principal),
    ("from", |t| &t.source_ip),
    ("did", |t| &t.verb),
    ("to", |t| &t.object),
    ("code", |t| &t.code),
    ("decision", |t| &t.decision),
];

/// The report as Markdown.
pub fn markdown(story: &Story) -> String {
    let m = |s: &str| md(s);
    let mut out = String::new();
    let _ = writeln!(out, "# Case {}\n", m(&story.case));
    let _ = writeln!(
        out,
        "Exported by {} at {} with kaudit {}. {} marked.\n",
        m(&story.exported_by),
        m(&story.exported_at),
        m(&story.version),
        crate::text::count(story.told.len() as u64, "event")
    );
    out.push_str("## The story, in time order\n\n");
    md_head(&mut out, COLUMNS.map(|(h, _)| h));
    for t in &story.told {
        md_row(&mut out, COLUMNS.iter().map(|(_, f)| m(f(t))));
    }
    for (i, t) in story.told.iter().enumerate() {
        let _ = writeln!(out, "\n### {}. {} {}\n", i + 1, m(&t.time), m(&t.tag));
        for (label, value) in [
            ("Note", &t.note),
            ("Reason", &t.reason),
            ("User agent", &t.user_agent),
            ("Read from", &t.from),
        ] {
            if !value.is_empty() {
                let _ = writeln!(out, "- {label}: {}", m(value));
            }
        }
    }
    out.push_str("\n## The queries that found them\n\n");
    if story.queries.is_empty() {
        out.push_str("No query was run in the case.\n");
    }
    for [at, who, text, range, sources, rows] in &story.queries {
        let rows = match rows.as_str() {
            "1" => "1 row".to_string(),
            n => format!("{n} rows"),
        };
        let _ = writeln!(
            out,
            "- {} by {}: {} over {} ({}): {}",
            m(at),
            m(who),
            m(text),
            m(sources),
            m(range),
            m(&rows)
        );
    }
    // Said even when empty: a reader must tell "none reviewed" from a report that does not
    // record findings.
    out.push_str("\n## The findings reviewed\n\n");
    if story.findings.is_empty() {
        out.push_str("No finding was reviewed.\n");
    } else {
        md_head(&mut out, FINDING_HEADS);
        for row in &story.findings {
            md_row(&mut out, row.iter().map(|v| m(v)));
        }
    }
    if !story.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for [at, who, text] in &story.notes {
            let _ = writeln!(out, "- {} by {}: {}", m(at), m(who), m(text));
        }
    }
    out
}

/// A Markdown table's heading row and the rule under it.
fn md_head<const N: usize>(out: &mut String, heads: [&str; N]) {
    let _ = writeln!(out, "| {} |\n|{}", heads.join(" | "), "---|".repeat(N));
}

/// A Markdown table's row of cells, each already made inert by [`md`].
fn md_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// A value made inert in Markdown: control characters shown (so no line break), and a
/// backslash before every mark that could start markup, a link, an image, an HTML tag or an
/// entity, and before what would make a bare address a link (`://`, `www.`, `@`).
fn md(s: &str) -> String {
    let shown = sanitize(s);
    let chars: Vec<char> = shown.chars().collect();
    let mut out = String::with_capacity(shown.len());
    for (i, &c) in chars.iter().enumerate() {
        let markup = matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '!'
                | '|'
                | '~'
                | '&'
                | '@'
        );
        let address = (c == ':' && chars.get(i + 1) == Some(&'/'))
            || (c == '.' && i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w')));
        if markup || address || (i == 0 && c == '-') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The report as one HTML file: no script, nothing fetched, every value escaped.
pub fn html(story: &Story) -> String {
    let h = |s: &str| escape_html(s);
    let mut out = String::new();
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; form-action 'none'; \
         base-uri 'none'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n",
    );
    let _ = writeln!(out, "<title>Case {}</title>", h(&story.case));
    out.push_str(
        "<style>body{font-family:sans-serif;margin:2em;color:#111}\
         table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;\
         text-align:left;vertical-align:top}.attacker{color:#a00;font-weight:bold}\
         code{white-space:pre-wrap;word-break:break-all}</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(out, "<h1>Case {}</h1>", h(&story.case));
    let _ = writeln!(
        out,
        "<p>Exported by {} at {} with kaudit {}. {} marked.</p>",
        h(&story.exported_by),
        h(&story.exported_at),
        h(&story.version),
        crate::text::count(story.told.len() as u64, "event")
    );
    out.push_str("<h2>The story, in time order</h2>\n<table>\n<tr>");
    for (head, _) in COLUMNS {
        let _ = write!(out, "<th>{}</th>", h(head));
    }
    out.push_str("<th>note</th><th>reason</th><th>user agent</th><th>read from</th></tr>\n");
    for t in &story.told {
        let class = if t.tag == "attacker" {
            " class=\"attacker\""
        } else {
            ""
        };
        let _ = write!(out, "<tr{class}>");
        for (_, f) in COLUMNS {
            let _ = write!(out, "<td>{}</td>", h(f(t)));
        }
        for value in [&t.note, &t.reason, &t.user_agent, &t.from] {
            let _ = write!(out, "<td><code>{}</code></td>", h(value));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n<h2>The queries that found them</h2>\n");
    if story.queries.is_empty() {
        out.push_str("<p>No query was run in the case.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>when</th><th>who</th><th>query</th><th>range</th><th>sources</th><th>rows</th></tr>\n");
        for row in &story.queries {
            out.push_str("<tr>");
            for value in row {
                let _ = write!(out, "<td><code>{}</code></td>", h(value));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>The findings reviewed</h2>\n");
    if story.findings.is_empty() {
        out.push_str("<p>No finding was reviewed.</p>\n");
    } else {
        out.push_str("<table>\n<tr>");
        for head in FINDING_HEADS {
            let _ = write!(out, "<th>{head}</th>");
        }
        out.push_str("</tr>\n");
        for row in &story.findings {
            out.push_str("<tr>");
            for value in row {
                let _ = write!(out, "<td>{}</td>", h(value));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    if !story.notes.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul>\n");
        for [at, who, text] in &story.notes {
            let _ = writeln!(out, "<li>{} by {}: {}</li>", h(at), h(who), h(text));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A value as HTML text: control characters shown, then `& < > " '` as entities, so that it
/// stays text in an element and in a quoted attribute alike.
fn escape_html(s: &str) -> String {
    let shown = sanitize(s);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
