//! GKE entries written as YAML (`gcloud logging read --format=yaml`, and the tools that keep
//! entries so): documents separated by `---`, each an entry or a list of entries.
//!
//! A YAML input is read only when it holds entries: a document whose top-level keys (or those
//! of its list's items) include `protoPayload`. Any other YAML (rules, configuration) stays
//! "not audit data", unread. Each entry is turned into the JSON it stands for, then read as a
//! JSON entry is ([`super::gke`]); its record is its YAML text, byte for byte, from its first
//! key (or its `- `) to its last line of content.
//!
//! Aliases (`*name`) are refused rather than expanded: Cloud Logging never writes them, and a
//! few lines of them can stand for gigabytes.

use std::ops::Range;

use yaml_rust2::parser::{Event as YamlEvent, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::gke_event::push_string;
use super::lines::Run;
use super::report::ProblemKind;

/// Nesting deeper than this is refused: entries are a few levels deep, and the event's JSON is
/// read by recursive code.
const MAX_DEPTH: usize = 128;

/// Whether `data` holds a YAML document that may be a GKE entry.
pub(super) fn holds_entries(data: &[u8]) -> bool {
    memchr::memmem::find_iter(data, b"protoPayload:").any(|at| entry_key_at(data, at))
}

/// `protoPayload:` at `at` is a top-level key, or one of a top-level list's items.
fn entry_key_at(data: &[u8], at: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
    matches!(&data[line_start..at], b"" | b"- " | b"  ")
}

/// The end of the YAML record that starts at `start` (an entry read by [`Run::yaml`]): an
/// item of a top-level list ends where the next item or document starts, a document where the
/// next document starts; without the blank and comment lines before that.
pub(super) fn record_end(data: &[u8], start: usize) -> usize {
    let item = data[start..].starts_with(b"-");
    let mut pos = start;
    let end = loop {
        let Some(nl) = memchr::memchr(b'\n', &data[pos..]) else {
            break data.len();
        };
        let next = pos + nl + 1;
        let line = &data[next..];
        if is_marker(line, b"---")
            || is_marker(line, b"...")
            || (item && (line.starts_with(b"- ") || line.starts_with(b"-\n")))
        {
            break next;
        }
        pos = next;
    };
    trim_end(data, start, end)
}

/// One document: its text's range in the data, from its first line of content.
struct Document {
    range: Range<usize>,
    /// The ranges of the entries in it: the document, or the items of its top-level list.
    items: Vec<Range<usize>>,
}

/// Splits the text into documents at `---` and `...` lines.
fn documents(text: &str, from: usize) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut start = from;
    let mut pos = from;
    let bytes = text.as_bytes();
    loop {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let line = &bytes[pos..end];
        let marker = is_marker(line, b"---") || is_marker(line, b"...");
        if marker || end == bytes.len() {
            let doc_end = if marker { pos } else { end };
            if let Some(doc) = document(text, start, doc_end) {
                docs.push(doc);
            }
            start = (end + 1).min(bytes.len());
        }
        if end == bytes.len() {
            return docs;
        }
        pos = end + 1;
    }
}

fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.first().is_none_or(|b| b.is_ascii_whitespace()))
}

/// A line with nothing to read: blank, or a comment.
fn is_empty_line(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    // `%YAML 1.2` and other directives come before a document's `---`.
    t.is_empty() || t.starts_with(b"#") || line.starts_with(b"%")
}

fn document(text: &str, start: usize, end: usize) -> Option<Document> {
    let bytes = text.as_bytes();
    let mut items: Vec<usize> = Vec::new();
    let mut first = None;
    let mut last_end = start;
    let mut pos = start;
    let mut list = false;
    while pos < end {
        let line_end = memchr::memchr(b'\n', &bytes[pos..end]).map_or(end, |i| pos + i);
        let line = &bytes[pos..line_end];
        if !is_empty_line(line) {
            if first.is_none() {
                first = Some(pos);
                list = line == b"-" || line.starts_with(b"- ") || line == b"-\r";
            }
            if list && (line.starts_with(b"- ") || line.trim_ascii_end() == b"-") {
                items.push(pos);
            }
            last_end = line_end;
        }
        pos = line_end + 1;
    }
    let first = first?;
    // Up to the last line of content, without its line break.
    let doc_end = trim_end(bytes, first, last_end);
    let items = if list {
        let mut ranges: Vec<Range<usize>> = Vec::with_capacity(items.len());
        for (i, &item) in items.iter().enumerate() {
            let next = items.get(i + 1).copied().unwrap_or(doc_end);
            ranges.push(item..trim_end(bytes, item, next));
        }
        ranges
    } else {
        // One entry: the document.
        std::iter::once(first..doc_end).collect()
    };
    Some(Document {
        range: first..doc_end,
        items,
    })
}

/// The end of the last line of content in `bytes[start..end]`, without the blanks that end it.
fn trim_end(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut end = end;
    loop {
        let slice = &bytes[start..end];
        let slice_trimmed = slice.trim_ascii_end();
        let e = start + slice_trimmed.len();
        let line_start = memchr::memrchr(b'\n', &bytes[start..e]).map_or(start, |i| start + i + 1);
        if line_start > start && is_empty_line(&bytes[line_start..e]) {
            end = line_start;
        } else {
            return e;
        }
    }
}

/// Builds JSON text from YAML parser events: one text per entry (the document, or each item
/// of its top-level list).
#[derive(Default)]
struct ToJson {
    values: Vec<String>,
    buf: String,
    stack: Vec<Frame>,
    /// The document is a list whose items are the values.
    list: bool,
    error: Option<(Marker, String)>,
}

#[derive(Clone, Copy)]
struct Frame {
    map: bool,
    first: bool,
    /// In a mapping: the next scalar is a key.
    key_next: bool,
}

impl ToJson {
    fn fail(&mut self, mark: Marker, msg: &str) {
        if self.error.is_none() {
            self.error = Some((mark, msg.to_string()));
        }
    }

    /// Writes what comes before a value or key; returns whether it is a key.
    fn before(&mut self) -> bool {
        let list_items = self.list && self.stack.len() == 1;
        let Some(top) = self.stack.last_mut() else {
            return false;
        };
        if top.map && !top.key_next {
            top.key_next = true;
            return false;
        }
        if !top.first && !list_items {
            self.buf.push(',');
        }
        top.first = false;
        if top.map {
            top.key_next = false;
            return true;
        }
        false
    }

    /// A value ended: at the top of the document, or of its list, it is one entry.
    fn after(&mut self) {
        let depth = self.stack.len();
        if depth == usize::from(self.list) {
            self.values.push(std::mem::take(&mut self.buf));
        }
    }

    fn open(&mut self, map: bool, mark: Marker) {
        if self.stack.is_empty() && !map && self.values.is_empty() && self.buf.is_empty() {
            self.list = true;
            self.stack.push(Frame {
                map: false,
                first: true,
                key_next: false,
            });
            return;
        }
        if self.before() {
            self.fail(mark, "a key that is a mapping or a list is not read");
            return;
        }
        if self.stack.len() >= MAX_DEPTH {
            self.fail(mark, "nested too deep");
            return;
        }
        self.buf.push(if map { '{' } else { '[' });
        self.stack.push(Frame {
            map,
            first: true,
            key_next: map,
        });
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if self.list && self.stack.is_empty() {
            return;
        }
        self.buf.push(if frame.map { '}' } else { ']' });
        self.after();
    }

    fn scalar(&mut self, value: &str, style: TScalarStyle, mark: Marker) {
        if self.stack.is_empty() {
            self.fail(mark, "the document is a single value, not an entry");
            return;
        }
        if self.before() {
            push_string(&mut self.buf, value);
            self.buf.push(':');
            return;
        }
        if style == TScalarStyle::Plain {
            plain_scalar(&mut self.buf, value);
        } else {
            push_string(&mut self.buf, value);
        }
        self.after();
    }
}

impl MarkedEventReceiver for ToJson {
    fn on_event(&mut self, ev: YamlEvent, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            YamlEvent::MappingStart(..) => self.open(true, mark),
            YamlEvent::SequenceStart(..) => self.open(false, mark),
            YamlEvent::MappingEnd | YamlEvent::SequenceEnd => self.close(),
            YamlEvent::Scalar(value, style, ..) => self.scalar(&value, style, mark),
            YamlEvent::Alias(_) => self.fail(mark, "aliases (`*name`) are not read"),
            _ => {}
        }
    }
}

/// A plain scalar as JSON, typed as YAML 1.2's core schema types it.
fn plain_scalar(out: &mut String, value: &str) {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => out.push_str("null"),
        "true" | "True" | "TRUE" => out.push_str("true"),
        "false" | "False" | "FALSE" => out.push_str("false"),
        _ => match number(value) {
            Some(n) => out.push_str(&n),
            None => push_string(out, value),
        },
    }
}

/// A YAML number as JSON, or `None` when the scalar is not one (or not one JSON can hold).
fn number(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if let Some(hex) = value.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|n| n.to_string());
    }
    if let Some(oct) = value.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|n| n.to_string());
    }
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return value.parse::<i64>().ok().map(|n| n.to_string());
    }
    let float_chars = b
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'));
    let has_digit = digits
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == b'.')
        && b.iter().any(u8::is_ascii_digit);
    if float_chars && has_digit {
        let f: f64 = value.parse().ok()?;
        return f.is_finite().then(|| format!("{f:?}"));
    }
    None
}

impl Run<'_, '_> {
    /// Reads the GKE entries of a YAML input from `from`.
    pub(super) fn yaml(&mut self, from: usize) {
        let data = self.data;
        let text = match std::str::from_utf8(data) {
            Ok(text) => text,
            Err(e) => {
                self.problem(ProblemKind::Malformed, e.valid_up_to(), || {
                    "invalid UTF-8 (binary or corrupted data): the YAML is read up to here"
                        .to_string()
                });
                std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default()
            }
        };
        for doc in documents(text, from) {
            if self.stopped {
                return;
            }
            self.yaml_document(text, &doc);
        }
    }

    fn yaml_document(&mut self, text: &str, doc: &Document) {
        let bytes = text.as_bytes();
        let holds_entry = memchr::memmem::find_iter(&bytes[doc.range.clone()], b"protoPayload:")
            .any(|at| entry_key_at(bytes, doc.range.start + at));
        if !holds_entry {
            self.not_audit(
                doc.range.start,
                "YAML document with no `protoPayload`: not a GKE \
                                              Cloud Audit LogEntry"
                    .to_string(),
            );
            return;
        }
        let piece = &text[doc.range.clone()];
        let mut json = ToJson::default();
        let mut parser = Parser::new_from_str(piece);
        let error = match parser.load(&mut json, false) {
            Err(e) => Some((*e.marker(), e.info().to_string())),
            Ok(()) => json.error.take(),
        };
        if let Some((mark, msg)) = error {
            let at = doc.range.start + offset_of(piece, mark);
            self.problem(ProblemKind::Malformed, at, || {
                format!("invalid YAML: {msg} (the document is not read)")
            });
            return;
        }
        // Items the parser and the line split agree on keep their own text; otherwise each is
        // the document's.
        let agree = json.values.len() == doc.items.len();
        for (i, value) in json.values.iter().enumerate() {
            let range = if agree {
                doc.items[i].clone()
            } else {
                doc.range.clone()
            };
            self.yaml_entry(value, range);
            if self.stopped {
                return;
            }
        }
    }

    fn yaml_entry(&mut self, json: &str, range: Range<usize>) {
        let data = self.data;
        if !self.gke_entry_as(json, &data[range.clone()], range.start, true) {
            self.not_audit(
                range.start,
                "YAML entry that is not a GKE Cloud Audit LogEntry of the \
                                         Kubernetes API"
                    .to_string(),
            );
        }
    }
}

/// The byte offset in `piece` of a parser position (1-based line, column in characters).
fn offset_of(piece: &str, mark: Marker) -> usize {
    let mut start = 0;
    for _ in 1..mark.line() {
        match memchr::memchr(b'\n', &piece.as_bytes()[start..]) {
            Some(i) => start += i + 1,
            None => return piece.len(),
        }
    }
    let line = &piece[start..];
    start
        + line
            .char_indices()
            .nth(mark.col())
            .map_or(line.len(), |(i, _)| i)
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
