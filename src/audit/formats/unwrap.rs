//! Audit events inside other records: AKS diagnostic records (`properties.log`), Log Analytics
//! rows (`log_s`), GKE `LogEntry` records (the event rebuilt from them, see [`super::gke`]) and
//! the one-level wrappers SIEMs put around an event or a record (Panther's `log`, a SIEM's
//! `event`, or any member holding an `audit.k8s.io` Event).

use std::borrow::Cow;

use super::Format;
use super::gke;
use super::gke_event::event_of;
use super::lines::{Meta, Run, shape_of};
use super::report::ProblemKind;
use super::shapes::{Keys, prescan};
use crate::audit::decode::{DecodeErrorKind, decode_event};
use crate::audit::json::{Scan, Scanner};

/// Where the event of a record that is not an event itself is.
struct Inner<'t> {
    /// The event's JSON text: borrowed when the member holds an object, unescaped into an owned
    /// buffer when it holds the event as a JSON string, written into one for a GKE entry.
    text: Cow<'t, [u8]>,
    /// The byte offset, within the record, of the member's value.
    at: usize,
    /// The member, as messages name it (`properties.log`, `log_s`, `event`).
    member: Cow<'t, str>,
    format: Format,
}

/// What one scan of a record's top-level members found.
#[derive(Default)]
struct Members<'t> {
    category: Option<Cow<'t, str>>,
    /// `properties.log` (AKS), as a string or an object, and where its value starts.
    properties_log: Option<(Cow<'t, [u8]>, usize)>,
    /// `log_s` (Log Analytics), and where its value starts.
    log_s: Option<(Cow<'t, [u8]>, usize)>,
    /// The first member holding an object that a wrapper may hold the event in: the usual
    /// names first, then any member whose object says `"kind":"Event"`.
    wrapper: Option<(Cow<'t, str>, &'t str, usize)>,
    /// `wrapper` came from a usual name (`log`, `event`, …), not from its content.
    named: bool,
    /// `protoPayload` holds an object: a Cloud Logging `LogEntry`.
    proto_payload: bool,
}

/// Member names SIEMs nest an event under; any other member is taken only when its object is
/// an audit Event.
const WRAPPERS: [&str; 4] = ["log", "event", "Log", "auditEvent"];

fn read_members<'t>(s: &mut Scanner<'t>, m: &mut Members<'t>) -> Scan<()> {
    s.members(|s, key| {
        let at = s.pos;
        match (key.as_ref(), s.peek()?) {
            ("category" | "Category", b'"') => m.category = Some(s.string()?),
            ("properties", b'{') => s.members(|s, key| {
                let at = s.pos;
                match (key.as_ref(), s.peek()?) {
                    ("log", b'"') => m.properties_log = Some((s.string_bytes()?, at)),
                    ("log", b'{') => {
                        m.properties_log = Some((Cow::Borrowed(s.raw_value()?.as_bytes()), at))
                    }
                    _ => s.skip_value()?,
                }
                Ok(())
            })?,
            ("log_s", b'"') => m.log_s = Some((s.string_bytes()?, at)),
            ("protoPayload", b'{') => {
                m.proto_payload = true;
                s.skip_value()?;
            }
            (name, b'{') if !m.named => {
                let raw = s.raw_value()?;
                let named = WRAPPERS.contains(&name);
                if named || (m.wrapper.is_none() && is_event_object(raw)) {
                    m.wrapper = Some((key, raw, at));
                    m.named = named;
                }
            }
            _ => s.skip_value()?,
        }
        Ok(())
    })
}

/// An object whose `kind` is `Event` and whose `apiVersion`, when it has one, is audit's.
fn is_event_object(raw: &str) -> bool {
    let mut keys = Keys::default();
    let mut s = Scanner::new(raw);
    prescan(&mut s, &mut keys).is_ok()
        && keys.kind.as_deref() == Some("Event")
        && keys
            .api_version
            .as_deref()
            .is_none_or(|v| v.starts_with("audit.k8s.io/"))
}

/// Whether a record (one line) is a whole AKS diagnostic record holding an audit event.
pub(super) fn is_aks_record(raw: &[u8]) -> bool {
    super::shapes::looks_like_aks_record(raw)
        && std::str::from_utf8(raw).is_ok_and(|text| {
            inner_of(text, false).is_some_and(|inner| {
                inner.format == Format::AksDiagnostic
                    && decode_event(&inner.text, crate::audit::decode::Depth::Minimal)
                        .is_ok_and(|e| !e.truncated)
            })
        })
}

fn is_kube_audit(category: Option<&str>) -> bool {
    category.is_some_and(|c| c.starts_with("kube-audit"))
}

/// The event a record holds, where it holds one: an AKS record's `properties.log`, a Log
/// Analytics row's `log_s`, the one a GKE entry stands for, a wrapper's member (itself possibly
/// an AKS record or a GKE entry). `None` when the record has none of these shapes, or is not
/// JSON to its end.
fn inner_of(raw: &str, wrapped: bool) -> Option<Inner<'_>> {
    let mut m = Members::default();
    let mut s = Scanner::new(raw);
    read_members(&mut s, &mut m).ok()?;
    if m.proto_payload
        && let Some(event) = gke::event_json(raw)
    {
        return Some(Inner {
            text: Cow::Owned(event.into_bytes()),
            at: 0,
            member: Cow::Borrowed("protoPayload"),
            format: Format::GkeCloudAudit,
        });
    }
    if let Some((text, at)) = m.properties_log
        && is_kube_audit(m.category.as_deref())
    {
        return Some(Inner {
            text,
            at,
            member: Cow::Borrowed("properties.log"),
            format: Format::AksDiagnostic,
        });
    }
    if let Some((text, at)) = m.log_s
        && (m.category.is_none() || is_kube_audit(m.category.as_deref()))
    {
        return Some(Inner {
            text,
            at,
            member: Cow::Borrowed("log_s"),
            format: Format::AksLogAnalytics,
        });
    }
    if wrapped {
        return None;
    }
    let (member, text, at) = m.wrapper?;
    // A wrapper around an AKS record or a GKE entry (Panther keeps them so): its event, at its
    // place.
    if let Some(inner) = inner_of(text, true) {
        return Some(Inner {
            at: at + inner.at,
            member: Cow::Owned(format!("{member}.{}", inner.member)),
            ..inner
        });
    }
    Some(Inner {
        text: Cow::Borrowed(text.as_bytes()),
        at,
        member,
        format: Format::Wrapped,
    })
}

impl Run<'_, '_> {
    /// Reads the event inside a record that is not one itself (`raw`, at `off` in the data).
    /// Returns false, having done nothing, when the record holds no event in a known place; the
    /// caller then reports it as it is.
    pub(super) fn unwrapped(&mut self, raw: &str, off: usize) -> bool {
        let Some(inner) = inner_of(raw, false) else {
            return false;
        };
        // Positions inside a text that is not in the input are told within that text.
        let escaped =
            raw.as_bytes().get(inner.at) == Some(&b'"') || inner.format == Format::GkeCloudAudit;
        let at = off + inner.at;
        let line = self.line_at(off);
        let text = &*inner.text;
        match decode_event(text, self.depth) {
            Ok(event) => {
                let original = raw.as_bytes();
                self.emit(
                    event,
                    text,
                    original,
                    Meta::default(),
                    inner.format,
                    off,
                    line,
                );
            }
            Err(err) => {
                let member = &inner.member;
                let column = err.column_in(text);
                match err.kind {
                    DecodeErrorKind::NotAnEvent(reason) => {
                        let shape = shape_of(text, &reason);
                        self.not_audit(at, format!("in `{member}`: {shape}"));
                    }
                    kind if escaped => {
                        self.problem(ProblemKind::Malformed, at, || {
                            format!("in `{member}`, at its column {column}: {kind}")
                        });
                    }
                    kind => self.problem(ProblemKind::Malformed, at + err.offset, || {
                        format!("in `{member}`: {kind}")
                    }),
                }
            }
        }
        true
    }

    /// Reads `raw` (at `off` in the data) as a GKE `LogEntry`: the event it stands for is
    /// delivered, the entry kept as its record. Returns false, having done nothing, when it is
    /// not the entry of a Kubernetes API request; the caller then reads it as anything else.
    pub(super) fn gke_entry(&mut self, raw: &str, off: usize, one_line: bool) -> bool {
        self.gke_entry_as(raw, raw.as_bytes(), off, one_line)
    }

    /// [`Self::gke_entry`] for an entry given as `json` whose record is `original` (a YAML
    /// document's text), rebuilt into the buffers the last entry left.
    pub(super) fn gke_entry_as(
        &mut self,
        json: &str,
        original: &[u8],
        off: usize,
        one_line: bool,
    ) -> bool {
        let mut rebuilt = std::mem::take(&mut self.rebuilt);
        let found = gke::rebuild_into(json, one_line, &mut rebuilt);
        if found {
            let line = self.line_at(off);
            let event = event_of(&rebuilt.text, &rebuilt.spans, self.depth);
            let meta = Meta {
                timestamp_ms: rebuilt.time_micros.map(|us| us.div_euclid(1000)),
                ..Meta::default()
            };
            let text = rebuilt.text.as_bytes();
            self.emit(
                event,
                text,
                original,
                meta,
                Format::GkeCloudAudit,
                off,
                line,
            );
        }
        self.rebuilt = rebuilt;
        found
    }
}
