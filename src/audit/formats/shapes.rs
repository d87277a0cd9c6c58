//! Recognising what an input or a record is when it is not an audit event: whole inputs that
//! are not audit data, and JSON objects of known foreign shapes (other services' Cloud Audit
//! `LogEntry`, wrappers…).

use std::borrow::Cow;
use std::fmt;

use crate::audit::json::{Scan, Scanner};
use crate::audit::time::parse_rfc3339_micros;

pub(super) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of an input the sniffer looks at.
const SAMPLE: usize = 64 * 1024;
/// How much of it must be text: binary data is recognised in the first bytes.
const BINARY_SAMPLE: usize = 8 * 1024;

/// Why a whole input holds no audit data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotAuditData {
    /// No bytes at all.
    Empty,
    /// Only blank lines.
    Blank,
    /// NUL bytes or mostly non-text bytes, and not gzip.
    Binary,
    /// UTF-16 text (what some Windows tools write).
    Utf16,
    /// Compressed in a format that is not read here, or gzip left compressed; names it.
    Compressed(&'static str),
    Yaml,
    Markdown,
    /// Text with no JSON in it.
    Text,
}

impl fmt::Display for NotAuditData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAuditData::Empty => f.write_str("empty file"),
            NotAuditData::Blank => f.write_str("only blank lines"),
            NotAuditData::Binary => f.write_str("binary data"),
            NotAuditData::Utf16 => f.write_str("UTF-16 text"),
            NotAuditData::Compressed(what) => write!(f, "{what}-compressed data"),
            NotAuditData::Yaml => f.write_str("YAML"),
            NotAuditData::Markdown => f.write_str("Markdown"),
            NotAuditData::Text => f.write_str("plain text with no JSON"),
        }
    }
}

const READS: &str = "audit events are read as JSON lines, JSON arrays, EventList, CloudWatch \
                     JSON, CloudWatch export lines, subscription records, AKS diagnostic records \
                     or Log Analytics rows, GKE Cloud Audit entries (JSON or YAML), and one level \
                     down in a SIEM's record";

impl NotAuditData {
    /// A sentence for the problem list: what the input is and what to do.
    pub fn explain(self) -> String {
        match self {
            NotAuditData::Empty => "the input is empty: nothing to read".to_string(),
            NotAuditData::Blank => "the input holds only blank lines: nothing to read".to_string(),
            NotAuditData::Binary => format!("binary data, not audit data ({READS})"),
            NotAuditData::Utf16 => {
                "UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)".to_string()
            }
            NotAuditData::Compressed("gzip") => {
                "gzip data inside gzip data: decompress it once (gunzip) and read the result"
                    .to_string()
            }
            NotAuditData::Compressed(what) => {
                format!("{what}-compressed data: decompress it first; only gzip is read directly")
            }
            NotAuditData::Yaml | NotAuditData::Markdown | NotAuditData::Text => {
                format!("{self}: not audit data ({READS})")
            }
        }
    }
}

/// Says why `data` is not audit data at all, or `None` when it may hold some. Looks at the
/// first bytes only; records are judged one by one afterwards.
pub(super) fn sniff(data: &[u8], name: &str) -> Option<NotAuditData> {
    if data.is_empty() {
        return Some(NotAuditData::Empty);
    }
    if let Some(what) = compression(data) {
        return Some(NotAuditData::Compressed(what));
    }
    if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        return Some(NotAuditData::Utf16);
    }
    let data = data.strip_prefix(UTF8_BOM).unwrap_or(data);
    let Some(first) = data.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Some(NotAuditData::Blank);
    };
    let binary_sample = &data[..data.len().min(BINARY_SAMPLE)];
    if binary_sample.contains(&0) {
        // ASCII in UTF-16 has every other byte zero.
        let zeros = binary_sample.iter().skip(1).step_by(2).filter(|b| **b == 0);
        let half = binary_sample.len() / 2;
        return Some(if zeros.count() * 10 > half * 9 {
            NotAuditData::Utf16
        } else {
            NotAuditData::Binary
        });
    }
    if mostly_not_text(binary_sample) {
        return Some(NotAuditData::Binary);
    }
    let first_line = line_at(data, first);
    if data_like(first_line) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return Some(NotAuditData::Yaml);
    }
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        return Some(NotAuditData::Markdown);
    }
    let sample = &data[..data.len().min(SAMPLE)];
    let lines = || sample.split(|b| *b == b'\n').take(500);
    if lines()
        .find(|l| !is_blank(l) && !l.starts_with(b"#"))
        .is_some_and(yaml_like)
    {
        return Some(NotAuditData::Yaml);
    }
    if lines().any(|l| l.starts_with(b"```") || l.starts_with(b"# ") || l.starts_with(b"## ")) {
        return Some(NotAuditData::Markdown);
    }
    // A stray first line (a fragment left by log rotation) does not make a log unreadable.
    if lines().any(|l| l.starts_with(b"{\"") || export_like(l)) {
        return None;
    }
    Some(NotAuditData::Text)
}

fn compression(data: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 5] = [
        (b"\x1F\x8B", "gzip"),
        (b"\x28\xB5\x2F\xFD", "zstd"),
        (b"BZh", "bzip2"),
        (b"\xFD7zXZ\x00", "xz"),
        (b"PK\x03\x04", "zip"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, what)| *what)
}

/// More than a tenth control characters or invalid UTF-8.
fn mostly_not_text(sample: &[u8]) -> bool {
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)) || b == 0x7F)
        .count();
    let mut invalid = 0;
    let mut rest = sample;
    while let Err(e) = std::str::from_utf8(rest) {
        // An incomplete character at the end is where the sample was cut.
        let Some(len) = e.error_len() else { break };
        invalid += len;
        rest = &rest[e.valid_up_to() + len..];
    }
    (controls + invalid) * 10 > sample.len()
}

fn line_at(data: &[u8], at: usize) -> &[u8] {
    let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
    &data[at..end]
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A line that may hold audit data: JSON, or an export line.
fn data_like(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii_start();
    matches!(trimmed.first(), Some(b'{' | b'[')) || export_like(trimmed)
}

/// `2026-11-02T08:15:31.123Z …`.
pub(super) fn export_like(line: &[u8]) -> bool {
    split_export(line).is_some()
}

/// Splits an export line into its time (µs) and its message.
pub(super) fn split_export(line: &[u8]) -> Option<(i64, &[u8])> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let space = memchr::memchr(b' ', &line[..line.len().min(40)])?;
    let time = std::str::from_utf8(&line[..space]).ok()?;
    let micros = parse_rfc3339_micros(time)?;
    Some((micros, &line[space + 1..]))
}

/// `key: value`, `key:`, `- item`, `---`.
fn yaml_like(line: &[u8]) -> bool {
    if line.starts_with(b"---") || line.starts_with(b"%YAML") || line.starts_with(b"- ") {
        return true;
    }
    let Some(colon) = memchr::memchr(b':', line) else {
        return false;
    };
    let key = &line[..colon];
    let after = line.get(colon + 1);
    !key.is_empty()
        && (key[0].is_ascii_alphabetic() || matches!(key[0], b'_' | b'"' | b'\''))
        && key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./ \"'".contains(b))
        && after.is_none_or(|b| b.is_ascii_whitespace())
}

/// The top-level members of a JSON object that say what it is. Filled by [`prescan`], which
/// skips every value it does not keep.
#[derive(Debug, Default)]
pub(super) struct Keys<'t> {
    pub kind: Option<Cow<'t, str>>,
    pub api_version: Option<Cow<'t, str>>,
    pub message_type: Option<Cow<'t, str>>,
    pub log_group: Option<Cow<'t, str>>,
    pub log_stream: Option<Cow<'t, str>>,
    pub category: Option<Cow<'t, str>>,
    pub audit_id: bool,
    /// `events` holds an array.
    pub events: bool,
    /// `logEvents` holds an array.
    pub log_events: bool,
    /// `items` holds an array.
    pub items: bool,
    /// `records` holds an array (Azure diagnostic logs as a storage account or Event Hubs
    /// holds them).
    pub records: bool,
    pub proto_payload: bool,
    pub properties: bool,
    /// How many of CloudTrail's `eventVersion`, `eventSource` are present.
    pub cloudtrail: u8,
    /// How many of a Falco alert's `output`, `priority`, `rule` are present.
    pub falco: u8,
    /// The first member, among the usual wrapper names, that holds an object.
    pub wrapper: Option<&'static str>,
}

const WRAPPER_KEYS: [&str; 9] = [
    "event",
    "log",
    "Log",
    "auditEvent",
    "detail",
    "_source",
    "data",
    "record",
    "json",
];

/// Reads the members of the object at the scanner into `keys`, skipping all other values.
pub(super) fn prescan<'t>(s: &mut Scanner<'t>, keys: &mut Keys<'t>) -> Scan<()> {
    s.members(|s, key| {
        match key.as_ref() {
            "kind" => keys.kind = lenient_string(s)?,
            "apiVersion" => keys.api_version = lenient_string(s)?,
            "messageType" => keys.message_type = lenient_string(s)?,
            "logGroup" => keys.log_group = lenient_string(s)?,
            "logStream" => keys.log_stream = lenient_string(s)?,
            "category" => keys.category = lenient_string(s)?,
            "auditID" => {
                keys.audit_id = true;
                s.skip_value()?;
            }
            "events" | "logEvents" | "items" | "records" => {
                let array = s.peek()? == b'[';
                match key.as_ref() {
                    "events" => keys.events = array,
                    "logEvents" => keys.log_events = array,
                    "records" => keys.records = array,
                    _ => keys.items = array,
                }
                s.skip_value()?;
            }
            "protoPayload" => {
                keys.proto_payload = true;
                s.skip_value()?;
            }
            "properties" => {
                keys.properties = true;
                s.skip_value()?;
            }
            "eventVersion" | "eventSource" => {
                keys.cloudtrail += 1;
                s.skip_value()?;
            }
            "output" | "priority" | "rule" => {
                keys.falco += 1;
                s.skip_value()?;
            }
            other => {
                if keys.wrapper.is_none() && s.peek()? == b'{' {
                    keys.wrapper = WRAPPER_KEYS.iter().copied().find(|w| *w == other);
                }
                s.skip_value()?;
            }
        }
        Ok(())
    })
}

/// A string member, or `None` for any other kind of value (skipped).
pub(super) fn lenient_string<'t>(s: &mut Scanner<'t>) -> Scan<Option<Cow<'t, str>>> {
    if s.peek()? == b'"' {
        s.string().map(Some)
    } else {
        s.skip_value().map(|_| None)
    }
}

/// What kind of document an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DocKind {
    Subscription,
    CloudWatch,
    EventList,
    /// `{"records":[…]}`: Azure diagnostic records.
    Records,
    /// Anything else: read as a single event.
    Single,
}

pub(super) fn classify(keys: &Keys<'_>) -> DocKind {
    let kind = keys.kind.as_deref();
    if keys.message_type.is_some() && (keys.log_events || keys.log_group.is_some()) {
        DocKind::Subscription
    } else if keys.events && kind.is_none() && !keys.audit_id {
        DocKind::CloudWatch
    } else if keys.items
        && (kind.is_some_and(|k| k.ends_with("List"))
            || (kind.is_none()
                && keys
                    .api_version
                    .as_deref()
                    .is_some_and(|v| v.starts_with("audit.k8s.io/"))))
    {
        DocKind::EventList
    } else if keys.records && kind.is_none() && !keys.audit_id {
        DocKind::Records
    } else {
        DocKind::Single
    }
}

/// Names a record that is valid JSON but not an audit event; `reason` is the decoder's word
/// for it, used when the shape is not recognised. Bounded in length: it may quote the input.
pub(super) fn describe(keys: Option<&Keys<'_>>, reason: &str) -> String {
    let text = match keys {
        Some(k) if k.proto_payload => {
            "Cloud Audit LogEntry (`protoPayload`) of a Google Cloud service other than GKE's \
             Kubernetes API (`serviceName` is not `k8s.io`)"
                .to_string()
        }
        Some(k)
            if k.properties
                && k.category
                    .as_deref()
                    .is_some_and(|c| c.starts_with("kube-audit")) =>
        {
            "AKS `kube-audit` diagnostic record without an audit event in `properties.log`"
                .to_string()
        }
        Some(k) if k.properties && k.category.is_some() => format!(
            "Azure diagnostic record of category `{}`, not an audit log",
            k.category.as_deref().unwrap_or_default()
        ),
        Some(k) if k.cloudtrail == 2 => {
            "AWS CloudTrail record, not a Kubernetes audit Event".into()
        }
        Some(k) if k.falco == 3 => "Falco alert, not a Kubernetes audit Event".into(),
        Some(k) if k.message_type.is_some() => format!(
            "CloudWatch subscription record of messageType {:?}",
            k.message_type.as_deref().unwrap_or_default()
        ),
        Some(k) if k.kind.is_none() && k.wrapper.is_some() => format!(
            "wrapper object: `{}` holds no audit Event or AKS record (one level of wrapping is read)",
            k.wrapper.unwrap_or_default()
        ),
        _ => reason.to_string(),
    };
    bounded(text, 160)
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(super) fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Whether a JSON object starts with a member an AKS diagnostic record starts with as Azure
/// writes it (`operationName`, `category`, `time`, `resourceId`), so that it is read as one
/// before anything else. Costs a few byte compares; a wrong guess only costs the try.
pub(super) fn looks_like_aks_record(raw: &[u8]) -> bool {
    let Some(rest) = raw.strip_prefix(b"{") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    [
        &b"\"operationName\""[..],
        b"\"category\"",
        b"\"time\"",
        b"\"resourceId\"",
    ]
    .iter()
    .any(|key| rest.starts_with(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_whole_inputs() {
        assert_eq!(sniff(b"", "a"), Some(NotAuditData::Empty));
        assert_eq!(sniff(b"\n \n", "a"), Some(NotAuditData::Blank));
        assert_eq!(
            sniff(b"\x1f\x8b\x08\x00", "a"),
            Some(NotAuditData::Compressed("gzip"))
        );
        assert_eq!(sniff(b"ab\x00cd", "a"), Some(NotAuditData::Binary));
        assert_eq!(sniff(b"{\x00\"\x00k\x00", "a"), Some(NotAuditData::Utf16));
        assert_eq!(
            sniff(b"# Title\n\ntext\n", "a"),
            Some(NotAuditData::Markdown)
        );
        assert_eq!(sniff(b"# c\nkey: v\n", "a"), Some(NotAuditData::Yaml));
        assert_eq!(
            sniff(b"Prose, here.\n", "notes.md"),
            Some(NotAuditData::Markdown)
        );
        assert_eq!(sniff(b"Prose, here.\n", "notes"), Some(NotAuditData::Text));
        assert_eq!(sniff(b"{\"kind\":\"Event\"}", "x.yaml"), None);
        assert_eq!(sniff(b"  [\n", "x"), None);
        assert_eq!(sniff(b"2026-11-02T08:15:31.123Z {}\n", "x"), None);
        assert_eq!(sniff(b"ource\":\"x\"}\n{\"kind\":\"Event\"}\n", "x"), None);
    }

    #[test]
    fn export_lines_split() {
        let (us, msg) = split_export(b"2026-11-02T08:15:31.123Z {\"a\":1}").unwrap();
        assert_eq!(us % 1_000_000, 123_000);
        assert_eq!(msg, b"{\"a\":1}");
        assert!(split_export(b"2026 is a year").is_none());
    }

    #[test]
    fn describes_known_shapes() {
        let mut keys = Keys::default();
        let mut s = Scanner::new(r#"{"technique":"t","event":{"kind":"Event"}}"#);
        prescan(&mut s, &mut keys).unwrap();
        assert_eq!(
            describe(Some(&keys), "x"),
            "wrapper object: `event` holds no audit Event or AKS record (one level of wrapping is \
             read)"
        );
        assert_eq!(bounded("é".repeat(100), 5), "éé…");
    }
}
