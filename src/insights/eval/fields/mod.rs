//! The fields of an event the way Logs Insights names them, read straight from the event's JSON.
//!
//! Logs Insights flattens a JSON event into dotted names: `objectRef.resource`,
//! `user.groups.0`, `responseStatus.code`, and keys that hold dots or slashes themselves,
//! `annotations.authorization.k8s.io/decision`. A query names a handful of them; this module
//! finds those in the raw text without parsing the rest.
//!
//! # How names map to the JSON
//! - A path matches a member whose key spells the next one or more segments, dots included, so
//!   both `{"a":{"b":1}}` and `{"a.b":1}` answer `a.b`. When several leaves carry the same
//!   flattened name, the first in the text wins (that is also the order [`flatten`] lists them in).
//! - A segment of decimal digits (`0`, `12`; no sign, no leading zero) indexes an array.
//! - A leaf that is an object or array reads as its JSON text, as written in the event (Logs
//!   Insights itself lists only scalar leaves; the text is what a reader wants to see).
//! - Strings, numbers, booleans and `null` become [`Value::Str`], [`Value::Int`] or
//!   [`Value::Float`], [`Value::Bool`] and [`Value::Null`]; an absent field is [`Value::Missing`].
//! - Names starting with `@` are the system fields ([`SystemField`]); a JSON key that itself
//!   starts with `@` is named with one more `@` (`@@key`), as Logs Insights displays it.
//! - Logs Insights discovers at most 200 fields of a JSON event; kaudit reads every field, so a
//!   field deep in a large `requestObject` may have a value here and none in CloudWatch.

mod flatten;
mod intern;
mod record;
mod walk;

use std::borrow::Cow;
use std::sync::Arc;

use crate::audit::json::Scanner;
use crate::audit::skip as scan;
use crate::insights::eval::value::Value;

pub use flatten::flatten;
pub use intern::Interner;
pub use record::{RecordFields, SystemField};

/// A field name prepared once per query: split into segments, its system field recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    name: Box<str>,
    system: Option<SystemField>,
    json: Option<JsonPath>,
}

/// The part of a name that is looked up in the event's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonPath {
    text: Box<str>,
    segs: Box<[Seg]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg {
    start: u32,
    /// The array index this segment spells, if it spells one.
    index: Option<u32>,
}

/// How a member key relates to the rest of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The key does not spell the next segments.
    No,
    /// The key spells the rest of the path: its value is the field.
    Leaf,
    /// The key spells some segments; the path goes on at this segment inside the value.
    Into(u32),
}

impl FieldPath {
    /// Prepares `name` as written in a query (without backticks): `user.username`,
    /// `annotations.authorization.k8s.io/decision`, `@timestamp`, `@@key`.
    pub fn new(name: &str) -> FieldPath {
        let (system, json) = match name.strip_prefix('@') {
            Some(rest) if rest.starts_with('@') => (None, Some(JsonPath::new(rest))),
            Some(_) => (SystemField::from_name(name), None),
            None => (None, Some(JsonPath::new(name))),
        };
        FieldPath {
            name: name.into(),
            system,
            json,
        }
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The system field this name is, if it is one.
    pub fn system(&self) -> Option<SystemField> {
        self.system
    }

    /// Whether the name is looked up in the event's JSON (not a system field, nor an unknown
    /// `@name`, which has no value in any event).
    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }
}

impl JsonPath {
    fn new(text: &str) -> JsonPath {
        let mut segs = Vec::new();
        let mut start = 0;
        for part in text.split('.') {
            segs.push(Seg {
                start: start as u32,
                index: array_index(part),
            });
            start += part.len() + 1;
        }
        JsonPath {
            text: text.into(),
            segs: segs.into(),
        }
    }

    /// How `key`, met in an object where the path stands at segment `seg`, moves the path on.
    #[inline]
    fn step_key(&self, seg: u32, key: &str) -> Step {
        let Some(s) = self.segs.get(seg as usize) else {
            return Step::No;
        };
        let rest = &self.text.as_bytes()[s.start as usize..];
        let key = key.as_bytes();
        // The key must end where a segment ends; testing that byte first rejects most keys
        // without comparing them.
        let after = rest.get(key.len());
        if !matches!(after, None | Some(b'.'))
            || key.len() > rest.len()
            || key.first().is_some_and(|k| Some(k) != rest.first())
            || !rest.starts_with(key)
        {
            return Step::No;
        }
        match after {
            None => Step::Leaf,
            Some(_) => {
                let next = s.start as usize + key.len() + 1;
                // Every dot separates segments, so one starts right after this one.
                match self.segs[seg as usize..]
                    .iter()
                    .position(|s| s.start as usize == next)
                {
                    Some(k) => Step::Into(seg + k as u32),
                    None => Step::No,
                }
            }
        }
    }

    /// One bit per key length (below 64) that can match at segment `seg`: the lengths at
    /// which a segment ends. Lets an object's walk pass over most keys without comparing them.
    #[inline]
    fn key_lengths(&self, seg: u32) -> u64 {
        let Some(first) = self.segs.get(seg as usize) else {
            return 0;
        };
        let ends = self.segs[seg as usize + 1..]
            .iter()
            .map(|s| s.start as usize - 1)
            .chain([self.text.len()]);
        ends.map(|end| end - first.start as usize)
            .fold(
                0,
                |m, len| if len < 64 { m | 1 << len } else { m | 1 << 63 },
            )
    }

    /// How element `i` of an array, met where the path stands at segment `seg`, moves it on.
    #[inline]
    fn step_index(&self, seg: u32, i: u32) -> Step {
        match self.segs.get(seg as usize) {
            Some(s) if s.index == Some(i) && seg as usize + 1 == self.segs.len() => Step::Leaf,
            Some(s) if s.index == Some(i) => Step::Into(seg + 1),
            _ => Step::No,
        }
    }

    /// The largest array index segment `seg` can ask for.
    fn index_at(&self, seg: u32) -> Option<u32> {
        self.segs.get(seg as usize).and_then(|s| s.index)
    }
}

fn array_index(part: &str) -> Option<u32> {
    let canonical = !part.is_empty()
        && part.bytes().all(|c| c.is_ascii_digit())
        && (part == "0" || !part.starts_with('0'));
    if canonical { part.parse().ok() } else { None }
}

/// Several paths resolved together in one pass over an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    paths: Vec<FieldPath>,
}

impl FieldSet {
    pub fn new(paths: impl IntoIterator<Item = FieldPath>) -> FieldSet {
        FieldSet {
            paths: paths.into_iter().collect(),
        }
    }

    /// A set of names as written in a query.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> FieldSet {
        FieldSet::new(names.into_iter().map(|n| FieldPath::new(n.as_ref())))
    }

    pub fn paths(&self) -> &[FieldPath] {
        &self.paths
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Writes the value of path `i` to `out[i]` (`out` at least as long as the set). Only the
    /// members the paths lead through are read; everything else is skipped, and reading stops
    /// once every path has its value. System fields come out `Missing` here: see
    /// [`RecordFields::resolve`].
    pub fn resolve(&self, message: &str, out: &mut [Value]) {
        let mut raw = [RawValue::Missing; 16];
        let mut heap = Vec::new();
        let raw: &mut [RawValue<'_>] = if self.paths.len() <= raw.len() {
            &mut raw[..self.paths.len()]
        } else {
            heap.resize(self.paths.len(), RawValue::Missing);
            &mut heap
        };
        self.resolve_raw(message, raw);
        for (slot, value) in out.iter_mut().zip(raw.iter()) {
            *slot = value.to_value();
        }
    }

    /// Like [`FieldSet::resolve`], but hands out the values as slices of `message`, so that a
    /// filter can compare them without building a [`Value`].
    pub fn resolve_raw<'a>(&self, message: &'a str, out: &mut [RawValue<'a>]) {
        for slot in out.iter_mut() {
            *slot = RawValue::Missing;
        }
        walk::resolve(&self.paths, message, out);
    }
}

/// The value of one path in an event's JSON text. To resolve several paths of every record,
/// prepare a [`FieldSet`] instead: it reads each event once for all of them.
pub fn get(message: &str, path: &FieldPath) -> Value {
    get_raw(message, path).to_value()
}

/// Like [`get`], as a slice of `message`.
pub fn get_raw<'a>(message: &'a str, path: &FieldPath) -> RawValue<'a> {
    let mut out = [RawValue::Missing];
    walk::resolve(std::slice::from_ref(path), message, &mut out);
    out[0]
}

/// A field's value as it stands in the JSON text, not yet decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RawValue<'a> {
    #[default]
    Missing,
    Null,
    Bool(bool),
    /// A JSON number as written.
    Number(&'a str),
    /// A JSON string token, quotes included; `escaped` when it holds backslash escapes.
    Str {
        token: &'a str,
        escaped: bool,
    },
    /// An object or an array, as written.
    Json(&'a str),
}

impl<'a> RawValue<'a> {
    /// Classifies one JSON value token (no surrounding blanks).
    pub(crate) fn from_token(token: &'a str) -> RawValue<'a> {
        match token.as_bytes().first() {
            Some(b'"') => RawValue::Str {
                token,
                escaped: token.contains('\\'),
            },
            Some(b'{' | b'[') => RawValue::Json(token),
            Some(b'-' | b'0'..=b'9') => RawValue::Number(token),
            _ => match token {
                "true" => RawValue::Bool(true),
                "false" => RawValue::Bool(false),
                "null" => RawValue::Null,
                // Not JSON: nothing a query could use.
                _ => RawValue::Missing,
            },
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, RawValue::Missing)
    }

    /// The value as text: a string decoded (borrowed unless it holds escapes), a number or a
    /// container as written, a boolean as `true`/`false`; `None` when absent or `null`.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match *self {
            RawValue::Missing | RawValue::Null => None,
            RawValue::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
            RawValue::Number(t) | RawValue::Json(t) => Some(Cow::Borrowed(t)),
            RawValue::Str { token, escaped } => Some(string_text(token, escaped)),
        }
    }

    /// The value a query computes with.
    pub fn to_value(&self) -> Value {
        match *self {
            RawValue::Missing => Value::Missing,
            RawValue::Null => Value::Null,
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Number(t) => number_value(t),
            RawValue::Str { token, escaped } => Value::Str(Arc::from(string_text(token, escaped))),
            RawValue::Json(t) => Value::str(t),
        }
    }
}

/// The text of a string token; a token the decoder rejects is shown as written rather than
/// dropped, so a reader still sees what the event held.
fn string_text(token: &str, escaped: bool) -> Cow<'_, str> {
    let inner = token
        .get(1..token.len().saturating_sub(1))
        .unwrap_or_default();
    if !escaped {
        return Cow::Borrowed(inner);
    }
    Scanner::new(token).string().unwrap_or(Cow::Borrowed(inner))
}

/// A JSON number: exact when it is an integer that fits an i64, else a float.
fn number_value(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Int(i);
    }
    match text.parse::<f64>() {
        Ok(f) => Value::float(f),
        Err(_) => Value::Missing,
    }
}

/// Whether `needle` can occur in `message` at all: a planner's quick test before resolving any
/// field. Only sound for needles that [`prefilter_applies`] accepts.
#[inline]
pub fn may_contain(message: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(message, needle).is_some()
}

/// A literal prepared once per query for [`may_contain`]-style tests on every record.
#[derive(Debug, Clone)]
pub struct Prefilter {
    finder: memchr::memmem::Finder<'static>,
}

impl Prefilter {
    /// A prefilter for `needle`, or `None` when [`prefilter_applies`] refuses it.
    pub fn new(needle: &str) -> Option<Prefilter> {
        prefilter_applies(needle).then(|| Prefilter {
            finder: memchr::memmem::Finder::new(needle.as_bytes()).into_owned(),
        })
    }

    /// A prefilter for a field loosely equal to the integer `n`: its text holds `n`'s digits
    /// whether it is the number `401`, `401.0` or the string `"401"`. Only a value written with an
    /// exponent (`4.01e2`) would escape it, and no Kubernetes audit writer writes integers so
    /// (docs/insights.md).
    pub fn integer(n: i64) -> Prefilter {
        Prefilter {
            finder: memchr::memmem::Finder::new(n.to_string().as_bytes()).into_owned(),
        }
    }

    /// False only when no string field of `message` can contain the needle.
    #[inline]
    pub fn may_match(&self, message: &[u8]) -> bool {
        self.finder.find(message).is_some()
    }
}

/// Whether a string that contains `needle` is sure to contain it byte for byte in its JSON
/// text, so that [`may_contain`] may reject records for a case-sensitive equality or substring
/// test on a string field.
///
/// Encoders escape some characters: quotes, backslashes and control characters always; Go's
/// `encoding/json`, which writes Kubernetes audit logs, also `<`, `>`, `&` and U+2028/U+2029;
/// others `/` and any non-ASCII character. A needle holding one of them is refused. So is a
/// needle that reads as a number: a loose comparison matches `"401"` against `401.0` or
/// `4.01e2`, whose text differs.
pub fn prefilter_applies(needle: &str) -> bool {
    !needle.is_empty()
        && crate::insights::eval::value::parse_number(needle).is_none()
        && needle.bytes().all(|c| {
            (0x20..0x7f).contains(&c) && !matches!(c, b'"' | b'\\' | b'/' | b'<' | b'>' | b'&')
        })
}

#[cfg(test)]
mod tests;
