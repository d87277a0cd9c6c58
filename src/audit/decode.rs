//! Decoding one audit event from its JSON text, fast, and salvaging events that were cut short.

use std::borrow::Cow;
use std::fmt;

use super::event::{
    DECISION_ANNOTATION, Event, ObjectRef, REASON_ANNOTATION, ResponseStatus, Text, UserInfo,
};
use super::json::{Scan, ScanError, Scanner, kind_name};

/// How much of an event to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// What an event table shows: time, user name, source IPs, verb, object, code, decision and
    /// reason. User groups, `extra`, uids and other annotations are skipped.
    Table,
    /// Only what says the record is an audit event and when it happened: kind, apiVersion,
    /// auditID, verb, requestURI and the timestamps. For readers that take their fields from the
    /// raw JSON themselves (the query engine).
    Minimal,
    /// Only whether the record is an audit event: reading stops as soon as `kind` and
    /// `apiVersion` say so, and the rest of a record that ends in `}` is not looked at (a record
    /// that does not is read as [`Depth::Minimal`], to salvage and mark it). No time is read:
    /// for readers that need none (a query that never uses `@timestamp`).
    Classify,
    /// Everything in the model.
    Full,
}

/// Why a record could not be read as an audit event. `offset` is the byte offset in the record
/// where the problem was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct DecodeError {
    pub offset: usize,
    pub kind: DecodeErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DecodeErrorKind {
    /// The record is blank.
    Empty,
    /// Bytes that are not UTF-8 (a binary or corrupted file).
    InvalidUtf8,
    /// Not JSON at this point.
    Syntax(Cow<'static, str>),
    /// A known member holds the wrong kind of value (`{"kind": 0}`).
    WrongType {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    /// Valid JSON, but not a Kubernetes audit event.
    NotAnEvent(String),
    /// The record ends before any audit field could be read.
    CutBeforeAnyField,
    /// The record ends inside the event, and is too short to be one CloudWatch cut at its size
    /// cap ([`CUT_AT_CAP`]): a broken record, not a truncated event.
    EndsEarly,
    /// More text follows the event on the same record.
    TrailingCharacters,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty record"),
            Self::InvalidUtf8 => write!(f, "invalid UTF-8 (binary or corrupted data)"),
            Self::Syntax(msg) => write!(f, "invalid JSON: {msg}"),
            Self::WrongType {
                field,
                expected,
                found,
            } => write!(f, "`{field}` is {found}, expected {expected}"),
            Self::NotAnEvent(why) => write!(f, "not an audit event: {why}"),
            Self::CutBeforeAnyField => {
                write!(f, "the record ends before any audit field could be read")
            }
            Self::EndsEarly => write!(f, "invalid JSON: the record ends inside the event"),
            Self::TrailingCharacters => write!(f, "unexpected text after the event"),
        }
    }
}

impl DecodeError {
    /// 1-based column (in characters) of the problem within `record`.
    pub fn column_in(&self, record: &[u8]) -> usize {
        let upto = &record[..self.offset.min(record.len())];
        String::from_utf8_lossy(upto).chars().count() + 1
    }
}

/// CloudWatch Logs keeps at most 256 KB of an entry, 26 bytes of it its own overhead.
pub const CLOUDWATCH_CAP: usize = 256 * 1024;

/// A record at least this long that ends inside its event was cut at CloudWatch's cap: 1 KB
/// below it leaves room for the cap's overhead, a cut that backs off to a character boundary,
/// and shippers that cut a little before the cap. Shorter records that end early are broken
/// (a crash while writing, a bad copy), and salvaging them would invent events.
pub const CUT_AT_CAP: usize = CLOUDWATCH_CAP - 1024;

/// Decodes one audit event from the JSON text of a record (a line, or one CloudWatch message).
///
/// An event cut at CloudWatch's 256 KB cap (a record of at least [`CUT_AT_CAP`] bytes that
/// ends inside the event) is salvaged: the members its prefix holds are kept and
/// [`Event::truncated`] is set. A shorter record that ends early is an error
/// ([`DecodeErrorKind::EndsEarly`]).
pub fn decode_event(input: &[u8], depth: Depth) -> Result<Event<'_>, DecodeError> {
    if depth == Depth::Classify && input.trim_ascii_end().last() != Some(&b'}') {
        return decode_event(input, Depth::Minimal);
    }
    let (text, cut_in_char) = match std::str::from_utf8(input) {
        Ok(t) => (t, false),
        // An incomplete character at the very end is what a byte-level cut leaves behind.
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&input[..e.valid_up_to()]) {
            Ok(t) => (t, true),
            Err(_) => return Err(err(e.valid_up_to(), DecodeErrorKind::InvalidUtf8)),
        },
        Err(e) => return Err(err(e.valid_up_to(), DecodeErrorKind::InvalidUtf8)),
    };
    let mut s = Scanner::new(text);
    match s.peek() {
        Err(_) => return Err(err(0, DecodeErrorKind::Empty)),
        Ok(b'{') => {}
        Ok(c) if kind_name(c) == "not JSON" => {
            return Err(err(
                s.pos,
                DecodeErrorKind::Syntax("expected a JSON object".into()),
            ));
        }
        Ok(c) => {
            return Err(err(
                s.pos,
                DecodeErrorKind::NotAnEvent(format!(
                    "the record is {}, not an object",
                    kind_name(c)
                )),
            ));
        }
    }
    let mut event = Event {
        text,
        ..Event::default()
    };
    if depth == Depth::Classify {
        if let Some(api_version) = api_server_head(text) {
            event.kind = Some(Cow::Borrowed("Event"));
            event.api_version = Some(Cow::Borrowed(api_version));
            return Ok(event);
        }
        match classify_members(&mut s, &mut event) {
            Ok(true) => {
                check_is_event(&event)?;
                return Ok(event);
            }
            // Read to its end without deciding: judged as a whole record below.
            Ok(false) => {}
            Err(_) => return decode_event(input, Depth::Minimal),
        }
        s = Scanner::new(text);
        event = Event {
            text,
            ..Event::default()
        };
    }
    let outcome = event_members(&mut s, &mut event, depth);
    match outcome {
        Ok(()) => {
            if cut_in_char {
                return Err(err(text.len(), DecodeErrorKind::InvalidUtf8));
            }
            s.skip_ws();
            if !s.at_end() {
                return Err(err(s.pos, DecodeErrorKind::TrailingCharacters));
            }
            check_is_event(&event)?;
            Ok(event)
        }
        Err(ScanError::Eof) => {
            if !salvageable(&event) {
                Err(err(input.len(), DecodeErrorKind::CutBeforeAnyField))
            } else if input.len() < CUT_AT_CAP {
                Err(err(input.len(), DecodeErrorKind::EndsEarly))
            } else {
                event.truncated = true;
                Ok(event)
            }
        }
        Err(ScanError::Syntax { at, msg }) => Err(err(at, DecodeErrorKind::Syntax(msg))),
        Err(ScanError::WrongType {
            at,
            field,
            expected,
            found,
        }) => Err(err(
            at,
            DecodeErrorKind::WrongType {
                field,
                expected,
                found,
            },
        )),
    }
}

/// The `stageTimestamp` of an event written as the API server writes it, found from the end of
/// its text without reading the rest: Go writes the members in a fixed order that ends
/// `"stageTimestamp":"…"` and then, at most, `"annotations":{…}`, whose values are all strings.
/// `None` when the text does not end that way (a reader then walks the event).
pub fn stage_timestamp_from_end(text: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"stageTimestamp\":\"";
    let at = memchr::memmem::rfind(text, KEY)?;
    let value_start = at + KEY.len();
    let len = memchr::memchr(b'"', text.get(value_start..)?)?;
    let value = std::str::from_utf8(&text[value_start..value_start + len]).ok()?;
    let rest = text[value_start + len + 1..].trim_ascii_end();
    // A key of that name inside the annotations would be followed by more annotations, never
    // by the top-level object's end or its `annotations` member.
    (rest == b"}" || rest.starts_with(b",\"annotations\":{")).then_some(value)
}

fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError { offset, kind }
}

fn wrong_type<T>(s: &mut Scanner<'_>, field: &'static str, expected: &'static str) -> Scan<T> {
    let found = s.peek().map(kind_name).unwrap_or("nothing");
    Err(ScanError::WrongType {
        at: s.pos,
        field,
        expected,
        found,
    })
}

/// A string member, `null` as absent.
fn opt_string<'a>(s: &mut Scanner<'a>, field: &'static str) -> Scan<Option<Text<'a>>> {
    match s.peek()? {
        b'"' => s.string().map(Some),
        b'n' => s.null().map(|_| None),
        _ => wrong_type(s, field, "a string"),
    }
}

fn string_list<'a>(s: &mut Scanner<'a>, field: &'static str, out: &mut Vec<Text<'a>>) -> Scan<()> {
    match s.peek()? {
        b'[' => s.elements(|s| {
            if let Some(v) = opt_string(s, field)? {
                out.push(v);
            }
            Ok(())
        }),
        b'n' => s.null().map(|_| ()),
        _ => wrong_type(s, field, "an array"),
    }
}

/// A member that must be an object, or `null`.
fn object_or_null(s: &mut Scanner<'_>, field: &'static str) -> Scan<bool> {
    match s.peek()? {
        b'{' => Ok(true),
        b'n' => s.null().map(|_| false),
        _ => wrong_type(s, field, "an object"),
    }
}

/// A value shown as text whatever its JSON kind: annotation values and `extra` entries are
/// strings in practice, but a hand-edited log must not lose an odd one.
fn any_as_text<'a>(s: &mut Scanner<'a>) -> Scan<Text<'a>> {
    if s.peek()? == b'"' {
        s.string()
    } else {
        s.raw_value().map(Cow::Borrowed)
    }
}

fn event_members<'a>(s: &mut Scanner<'a>, ev: &mut Event<'a>, depth: Depth) -> Scan<()> {
    if depth == Depth::Minimal {
        return minimal_members(s, ev);
    }
    s.members(|s, key| {
        match key.as_ref() {
            "kind" => ev.kind = opt_string(s, "kind")?,
            "apiVersion" => ev.api_version = opt_string(s, "apiVersion")?,
            "level" => ev.level = opt_string(s, "level")?,
            "auditID" => ev.audit_id = opt_string(s, "auditID")?,
            "stage" => ev.stage = opt_string(s, "stage")?,
            "requestURI" => ev.request_uri = opt_string(s, "requestURI")?,
            "verb" => ev.verb = opt_string(s, "verb")?,
            "userAgent" => ev.user_agent = opt_string(s, "userAgent")?,
            "requestReceivedTimestamp" => {
                ev.request_received_timestamp = opt_string(s, "requestReceivedTimestamp")?;
            }
            "stageTimestamp" => ev.stage_timestamp = opt_string(s, "stageTimestamp")?,
            "timestamp" => ev.timestamp = opt_string(s, "timestamp")?,
            "sourceIPs" => string_list(s, "sourceIPs[]", &mut ev.source_ips)?,
            "user" => {
                if object_or_null(s, "user")? {
                    user_members(s, &mut ev.user, depth)?;
                }
            }
            "impersonatedUser" => {
                if object_or_null(s, "impersonatedUser")? {
                    let user = ev.impersonated_user.insert(UserInfo::default());
                    user_members(s, user, depth)?;
                }
            }
            "objectRef" => {
                if object_or_null(s, "objectRef")? {
                    let obj = ev.object_ref.insert(ObjectRef::default());
                    object_ref_members(s, obj)?;
                }
            }
            "responseStatus" => {
                if object_or_null(s, "responseStatus")? {
                    let status = ev.response_status.insert(ResponseStatus::default());
                    status_members(s, status)?;
                }
            }
            "annotations" => {
                if object_or_null(s, "annotations")? {
                    annotation_members(s, &mut ev.annotations, depth)?;
                }
            }
            "requestObject" => ev.request_object = raw_unless_null(s)?,
            "responseObject" => ev.response_object = raw_unless_null(s)?,
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

/// What the API server writes first, `{"kind":"Event","apiVersion":"audit.k8s.io/…"`: the
/// `apiVersion` when the record starts so, which decides it as [`classify_members`] would,
/// without a scanner.
fn api_server_head(text: &str) -> Option<&str> {
    const HEAD: &str = r#"{"kind":"Event","apiVersion":""#;
    let rest = text.strip_prefix(HEAD)?;
    let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    let api_version = rest.get(..end)?;
    (rest.as_bytes()[end] == b'"' && api_version.starts_with("audit.k8s.io/"))
        .then_some(api_version)
}

/// The members of [`Depth::Classify`], until they decide: `Ok(true)` when reading stopped
/// early, `Ok(false)` when the object ended first.
fn classify_members<'a>(s: &mut Scanner<'a>, ev: &mut Event<'a>) -> Scan<bool> {
    s.expect(b'{', "expected an object")?;
    if s.peek()? == b'}' {
        return Ok(false);
    }
    loop {
        let key = s.string()?;
        s.expect(b':', "expected ':' after an object key")?;
        s.skip_ws();
        match key.as_ref() {
            "kind" => ev.kind = opt_string(s, "kind")?,
            "apiVersion" => ev.api_version = opt_string(s, "apiVersion")?,
            "auditID" => ev.audit_id = opt_string(s, "auditID")?,
            _ => s.skip_value()?,
        }
        let decided = match ev.kind.as_deref() {
            Some("Event") => ev.api_version.is_some(),
            Some(_) => true,
            None => false,
        };
        if decided {
            return Ok(true);
        }
        match s.peek()? {
            b',' => s.pos += 1,
            _ => return Ok(false),
        }
    }
}

/// The members of [`Depth::Minimal`]; every other value is skipped unread.
fn minimal_members<'a>(s: &mut Scanner<'a>, ev: &mut Event<'a>) -> Scan<()> {
    s.members(|s, key| {
        match key.as_ref() {
            "kind" => ev.kind = opt_string(s, "kind")?,
            "apiVersion" => ev.api_version = opt_string(s, "apiVersion")?,
            "auditID" => ev.audit_id = opt_string(s, "auditID")?,
            "verb" => ev.verb = opt_string(s, "verb")?,
            "requestURI" => ev.request_uri = opt_string(s, "requestURI")?,
            "requestReceivedTimestamp" => {
                ev.request_received_timestamp = opt_string(s, "requestReceivedTimestamp")?;
            }
            "stageTimestamp" => ev.stage_timestamp = opt_string(s, "stageTimestamp")?,
            "timestamp" => ev.timestamp = opt_string(s, "timestamp")?,
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

fn raw_unless_null<'a>(s: &mut Scanner<'a>) -> Scan<Option<&'a str>> {
    let raw = s.raw_value()?;
    Ok((raw != "null").then_some(raw))
}

fn user_members<'a>(s: &mut Scanner<'a>, user: &mut UserInfo<'a>, depth: Depth) -> Scan<()> {
    let full = depth == Depth::Full;
    s.members(|s, key| {
        match key.as_ref() {
            "username" => user.username = opt_string(s, "user.username")?,
            "uid" if full => user.uid = opt_string(s, "user.uid")?,
            "groups" if full => string_list(s, "user.groups[]", &mut user.groups)?,
            "extra" if full => {
                if object_or_null(s, "user.extra")? {
                    s.members(|s, k| {
                        let mut values = Vec::new();
                        if s.peek()? == b'[' {
                            s.elements(|s| {
                                values.push(any_as_text(s)?);
                                Ok(())
                            })?;
                        } else {
                            values.push(any_as_text(s)?);
                        }
                        user.extra.push((k, values));
                        Ok(())
                    })?;
                }
            }
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

fn object_ref_members<'a>(s: &mut Scanner<'a>, obj: &mut ObjectRef<'a>) -> Scan<()> {
    s.members(|s, key| {
        match key.as_ref() {
            "resource" => obj.resource = opt_string(s, "objectRef.resource")?,
            "namespace" => obj.namespace = opt_string(s, "objectRef.namespace")?,
            "name" => obj.name = opt_string(s, "objectRef.name")?,
            "uid" => obj.uid = opt_string(s, "objectRef.uid")?,
            "apiGroup" => obj.api_group = opt_string(s, "objectRef.apiGroup")?,
            "apiVersion" => obj.api_version = opt_string(s, "objectRef.apiVersion")?,
            "resourceVersion" => {
                obj.resource_version = opt_string(s, "objectRef.resourceVersion")?;
            }
            "subresource" => obj.subresource = opt_string(s, "objectRef.subresource")?,
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

fn status_members<'a>(s: &mut Scanner<'a>, st: &mut ResponseStatus<'a>) -> Scan<()> {
    s.members(|s, key| {
        match key.as_ref() {
            "code" => {
                st.code = match s.peek()? {
                    b'n' => s.null().map(|_| None)?,
                    b'-' | b'0'..=b'9' | b'"' => Some(s.integer()?),
                    _ => return wrong_type(s, "responseStatus.code", "an integer"),
                }
            }
            "status" => st.status = opt_string(s, "responseStatus.status")?,
            "reason" => st.reason = opt_string(s, "responseStatus.reason")?,
            "message" => st.message = opt_string(s, "responseStatus.message")?,
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

fn annotation_members<'a>(
    s: &mut Scanner<'a>,
    out: &mut Vec<(Text<'a>, Text<'a>)>,
    depth: Depth,
) -> Scan<()> {
    s.members(|s, key| {
        let wanted = depth == Depth::Full || key == DECISION_ANNOTATION || key == REASON_ANNOTATION;
        if wanted {
            let value = any_as_text(s)?;
            out.push((key, value));
        } else {
            s.skip_value()?;
        }
        Ok(())
    })
}

/// A cut record is worth keeping when its prefix says which request it was.
fn salvageable(ev: &Event<'_>) -> bool {
    ev.audit_id.is_some() || ev.verb.is_some() || ev.request_uri.is_some() || is_audit_kind(ev)
}

fn is_audit_kind(ev: &Event<'_>) -> bool {
    ev.kind.as_deref() == Some("Event")
        && ev
            .api_version
            .as_deref()
            .is_none_or(|v| v.starts_with("audit.k8s.io/"))
}

fn check_is_event(ev: &Event<'_>) -> Result<(), DecodeError> {
    let why = match ev.kind.as_deref() {
        Some("Event") if is_audit_kind(ev) => return Ok(()),
        Some("Event") => format!(
            "a Kubernetes Event of apiVersion {:?}, not an audit.k8s.io Event",
            ev.api_version.as_deref().unwrap_or_default()
        ),
        Some(other) => format!("its kind is {other:?}"),
        None if ev.audit_id.is_some() => return Ok(()),
        None => "no `kind` and no `auditID`".to_string(),
    };
    Err(err(0, DecodeErrorKind::NotAnEvent(why)))
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
