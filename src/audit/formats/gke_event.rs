//! Writing the event a GKE entry stands for: its JSON text, and where each of its values was
//! written, so that the [`Event`] is taken from the text without reading it again.
//!
//! The text is what queries, facets and detections read; the [`Event`] is what tables and
//! timelines show. Both come from one writing, so they cannot disagree, and a test decodes the
//! text to check they do not.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use super::gke_names::Target;
use crate::audit::decode::Depth;
use crate::audit::event::{
    DECISION_ANNOTATION, Event, ObjectRef, REASON_ANNOTATION, ResponseStatus, UserInfo,
};
use crate::audit::json::Scanner;

/// A JSON value as the entry writes it (a string with its quotes and escapes): what the event
/// only repeats is copied, never unescaped and escaped again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Quoted<'t>(pub &'t str);

/// Where the values of a written event are in its text: ranges of JSON values (strings with
/// their quotes), except `time`, the text of a time.
#[derive(Debug, Default)]
pub(super) struct Spans {
    pub level: &'static str,
    pub audit_id: Option<Range<usize>>,
    pub stage: &'static str,
    pub request_uri: Option<Range<usize>>,
    pub verb: Option<Range<usize>>,
    pub user: Option<Range<usize>>,
    pub impersonated: Option<Range<usize>>,
    pub source_ip: Option<Range<usize>>,
    pub user_agent: Option<Range<usize>>,
    /// `resource`, `namespace`, `name`, `apiGroup`, `apiVersion`, `subresource`.
    pub object_ref: Option<[Option<Range<usize>>; 6]>,
    /// The HTTP code, `Success` or `Failure`, the message.
    pub status: Option<(i64, &'static str, Option<Range<usize>>)>,
    pub request: Option<Range<usize>>,
    pub response: Option<Range<usize>>,
    pub time: Option<Range<usize>>,
    pub annotations: Vec<(Range<usize>, Range<usize>)>,
    /// No value before the annotations holds an escape.
    pub plain: bool,
}

/// The event written in `text`, as [`crate::audit::decode_event`] reads it at `depth`.
pub(super) fn event_of<'a>(text: &'a str, sp: &Spans, depth: Depth) -> Event<'a> {
    let mut ev = Event {
        kind: Some(Cow::Borrowed("Event")),
        api_version: Some(Cow::Borrowed("audit.k8s.io/v1")),
        text,
        ..Event::default()
    };
    if depth == Depth::Classify {
        return ev;
    }
    let string = |r: &Option<Range<usize>>| {
        r.as_ref().map(|r| match text.get(r.start + 1..r.end - 1) {
            Some(inner) if sp.plain => Cow::Borrowed(inner),
            _ => unquote(text, r),
        })
    };
    ev.audit_id = string(&sp.audit_id);
    ev.request_uri = string(&sp.request_uri);
    ev.verb = string(&sp.verb);
    let time = sp.time.as_ref().map(|r| Cow::Borrowed(&text[r.clone()]));
    ev.request_received_timestamp = time.clone();
    ev.stage_timestamp = time;
    if depth == Depth::Minimal {
        return ev;
    }
    ev.level = Some(Cow::Borrowed(sp.level));
    ev.stage = Some(Cow::Borrowed(sp.stage));
    ev.user = UserInfo {
        username: string(&sp.user),
        ..UserInfo::default()
    };
    ev.impersonated_user = sp.impersonated.as_ref().map(|r| UserInfo {
        username: string(&Some(r.clone())),
        ..UserInfo::default()
    });
    ev.source_ips = string(&sp.source_ip).into_iter().collect();
    ev.user_agent = string(&sp.user_agent);
    ev.object_ref = sp
        .object_ref
        .as_ref()
        .map(|[res, ns, name, group, version, sub]| ObjectRef {
            resource: string(res),
            namespace: string(ns),
            name: string(name),
            api_group: string(group),
            api_version: string(version),
            subresource: string(sub),
            ..ObjectRef::default()
        });
    ev.response_status = sp
        .status
        .as_ref()
        .map(|(code, status, message)| ResponseStatus {
            code: Some(*code),
            status: Some(Cow::Borrowed(*status)),
            message: string(message),
            ..ResponseStatus::default()
        });
    ev.request_object = sp.request.as_ref().map(|r| &text[r.clone()]);
    ev.response_object = sp.response.as_ref().map(|r| &text[r.clone()]);
    let full = depth == Depth::Full;
    ev.annotations
        .reserve(if full { sp.annotations.len() } else { 2 });
    for (key, value) in &sp.annotations {
        let key = unquote(text, key);
        if full || key == DECISION_ANNOTATION || key == REASON_ANNOTATION {
            let raw = &text[value.clone()];
            let value = if raw.starts_with('"') {
                unquote(text, value)
            } else {
                Cow::Borrowed(raw)
            };
            ev.annotations.push((key, value));
        }
    }
    ev
}

/// The string a JSON string at `r` holds: borrowed unless it has escapes.
#[inline]
fn unquote<'a>(text: &'a str, r: &Range<usize>) -> Cow<'a, str> {
    // Most values are short and hold no escape: the first quote or backslash is the last quote.
    if crate::audit::skip::quote_or_backslash(text.as_bytes(), r.start + 1) == Some(r.end - 1) {
        return Cow::Borrowed(text.get(r.start + 1..r.end - 1).unwrap_or_default());
    }
    unescape_value(&text[r.clone()])
}

/// The string a JSON string with escapes holds.
#[cold]
fn unescape_value(quoted: &str) -> Cow<'_, str> {
    let inner = quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default();
    Scanner::new(quoted)
        .string()
        .unwrap_or(Cow::Borrowed(inner))
}

/// Writes `,"requestURI":"<the request's path>"` where the entry names one; where its value
/// is.
pub(super) fn write_request_uri(out: &mut String, target: &Target<'_>) -> Option<Range<usize>> {
    if target.path.is_none() && (target.resource.is_none() || target.version.is_none()) {
        return None;
    }
    push_key(out, "requestURI", false);
    let at = out.len();
    out.push('"');
    target.uri_parts(|part, own| {
        if own {
            push_escaped(out, part);
        } else {
            out.push_str(part);
        }
    });
    out.push('"');
    Some(at..out.len())
}

/// Writes `objectRef` from what the entry names; its spans.
pub(super) fn write_object_ref(
    out: &mut String,
    target: &Target<'_>,
) -> Option<[Option<Range<usize>>; 6]> {
    let resource = target.resource?;
    out.push_str(",\"objectRef\":{");
    push_key(out, "resource", true);
    let at = out.len();
    push_string(out, resource);
    let mut spans: [Option<Range<usize>>; 6] = Default::default();
    spans[0] = Some(at..out.len());
    for (i, (key, value)) in [
        ("namespace", target.namespace),
        ("name", target.name),
        (
            "apiGroup",
            target.group.as_deref().filter(|g| !g.is_empty()),
        ),
        ("apiVersion", target.version),
        ("subresource", target.subresource),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(value) = value {
            spans[i + 1] = Some(member(out, key, value));
        }
    }
    out.push('}');
    Some(spans)
}

/// `,"key":<value as written>`; where the value is.
pub(super) fn raw_member(out: &mut String, key: &str, value: Quoted<'_>) -> Range<usize> {
    push_key(out, key, false);
    let at = out.len();
    out.push_str(value.0);
    at..out.len()
}

/// `,"key":"value"`; where the value is.
pub(super) fn member(out: &mut String, key: &str, value: &str) -> Range<usize> {
    push_key(out, key, false);
    let at = out.len();
    push_string(out, value);
    at..out.len()
}

pub(super) fn push_key(out: &mut String, key: &str, first: bool) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// Whether a byte of `text` must be escaped in a JSON string, eight bytes at a time (the
/// last eight again rather than byte by byte; a short text padded to eight).
#[inline]
fn needs_escape(text: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    // A byte below 0x20, or a quote, a backslash or DEL; a byte of 0x80 or more is never
    // taken for one.
    let escapes = |word: [u8; 8]| {
        let x = u64::from_le_bytes(word);
        x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0
            || zero_in(x ^ (ONES * u64::from(b'"')))
            || zero_in(x ^ (ONES * u64::from(b'\\')))
            || zero_in(x ^ (ONES * 0x7f))
    };
    let mut chunks = text.chunks_exact(8);
    for chunk in &mut chunks {
        if escapes(chunk.try_into().unwrap_or_default()) {
            return true;
        }
    }
    let rest = chunks.remainder();
    match text.last_chunk::<8>() {
        _ if rest.is_empty() => false,
        Some(last) => escapes(*last),
        // Padded in a register: a copy through memory would be read back before it is
        // written (a stall longer than the test).
        None => {
            let mut word = u64::from_le_bytes([b'a'; 8]);
            for (i, &b) in rest.iter().enumerate() {
                word = (word & !(0xff << (8 * i))) | u64::from(b) << (8 * i);
            }
            escapes(word.to_le_bytes())
        }
    }
}

/// `text` as a JSON string.
pub(super) fn push_string(out: &mut String, text: &str) {
    out.push('"');
    push_escaped(out, text);
    out.push('"');
}

/// `text` as the inside of a JSON string.
#[inline]
fn push_escaped(out: &mut String, text: &str) {
    if needs_escape(text.as_bytes()) {
        push_with_escapes(out, text);
    } else {
        out.push_str(text);
    }
}

/// [`push_escaped`] for a text that holds something to escape (rarely).
#[cold]
fn push_with_escapes(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 | 0x7f => "",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        from = i + 1;
    }
    out.push_str(&text[from..]);
}
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as the API server writes its times.
#[cfg(test)]
pub(super) fn format_micros(micros: i64) -> String {
    let mut out = String::new();
    push_micros(&mut out, micros);
    out
}

/// Appends `YYYY-MM-DDTHH:MM:SS.ffffffZ`; written digit by digit, as every event has two.
pub(super) fn push_micros(out: &mut String, micros: i64) {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        let _ = write!(
            out,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{frac:06}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
        return;
    }
    let mut buf = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, rem / 3600);
    put(14, 2, rem / 60 % 60);
    put(17, 2, rem % 60);
    put(20, 6, frac);
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::needs_escape;

    #[test]
    fn every_byte_that_needs_an_escape_is_found_at_every_place() {
        let naive = |t: &[u8]| {
            t.iter()
                .any(|&b| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f)
        };
        for len in 0..24 {
            for at in 0..len {
                for bad in [0u8, 0x1b, 0x1f, b'"', b'\\', 0x7f, b' ', 0x80, 0xc3, b'~'] {
                    let mut text = vec![b'k'; len];
                    text[at] = bad;
                    assert_eq!(needs_escape(&text), naive(&text), "{text:?}");
                }
            }
            assert!(!needs_escape(&vec![b'k'; len]));
        }
    }
}
