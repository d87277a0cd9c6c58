//! GKE audit logs: Cloud Audit `LogEntry` records of service `k8s.io`, as Cloud Logging writes
//! them (`gcloud logging read --format=json`, sinks, Pub/Sub), read into an `audit.k8s.io/v1`
//! Event.
//!
//! GKE does not keep the API server's event: Cloud Logging has its own schema, and the event
//! is rebuilt from it ([`event_json`]), as the JSON text queries, facets and detections read.
//! The entry itself stays the record ([`super::AuditRecord::original`]), so nothing GKE wrote
//! is lost, `resource.labels` included.
//!
//! | LogEntry | Event |
//! |---|---|
//! | `protoPayload.methodName` `io.k8s.core.v1.pods.exec.create` | `verb`, and `objectRef`'s group, version, resource and subresource where `resourceName` lacks them |
//! | `protoPayload.resourceName` `core/v1/namespaces/NS/pods/NAME/exec` | `objectRef` (`core` is the group `""`), `requestURI` (its path, rebuilt) |
//! | `authenticationInfo.principalEmail` (else `authoritySelector`) | `user.username`; with `serviceAccountDelegationInfo`, the first delegating principal is `user` and `principalEmail` the `impersonatedUser` |
//! | `requestMetadata.callerIp`, `callerSuppliedUserAgent` | `sourceIPs`, `userAgent` |
//! | `status.code` (gRPC) | `responseStatus.code` (HTTP, as Google maps them), `status.message` its message |
//! | `request`, `response` | `requestObject`, `responseObject` |
//! | `labels`, then `resource.labels` | `annotations` |
//! | `timestamp` (else `receiveTimestamp`) | `requestReceivedTimestamp`, `stageTimestamp` |
//! | `operation.id` (else `insertId`) | `auditID`; `operation.first` without `last` is stage `ResponseStarted` |

use std::borrow::Cow;

use smallvec::SmallVec;

use super::gke_event::{
    Quoted, Spans, member, push_key, push_micros, push_string, raw_member, write_object_ref,
    write_request_uri,
};
use super::gke_names::{Method, Target, http_code};
use crate::audit::json::{Scan, Scanner, compact};
use crate::audit::time::parse_rfc3339_micros;

/// An entry's `labels`, as written: a few, held in place rather than on the heap.
type Labels<'t> = SmallVec<[(Cow<'t, str>, Quoted<'t>); 6]>;

/// What a `LogEntry` holds that the event is made of.
#[derive(Default)]
struct Entry<'t> {
    insert_id: Option<Quoted<'t>>,
    timestamp: Option<i64>,
    /// `timestamp` as written, when it is `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    timestamp_text: Option<&'t str>,
    /// `receiveTimestamp` as written: read only when `timestamp` is missing.
    receive_timestamp: Option<&'t str>,
    labels: Labels<'t>,
    resource_labels: Labels<'t>,
    operation_id: Option<Quoted<'t>>,
    first: bool,
    last: bool,
    payload: bool,
    service: Option<Cow<'t, str>>,
    method: Option<Cow<'t, str>>,
    resource_name: Option<Cow<'t, str>>,
    /// `authorizationInfo`, as written: read only when `resourceName` or `status` is missing
    /// (see [`Authorization`]).
    authorization: Option<&'t str>,
    principal: Option<Quoted<'t>>,
    authority_selector: Option<Quoted<'t>>,
    delegated_by: Option<Quoted<'t>>,
    caller_ip: Option<Quoted<'t>>,
    user_agent: Option<Quoted<'t>>,
    status: Option<(i64, Option<Quoted<'t>>)>,
    request: Option<&'t str>,
    response: Option<&'t str>,
    payload_timestamp: Option<&'t str>,
    /// `"kind": "Event"`: an audit event that happens to hold a `protoPayload`, read as one.
    event: bool,
}

/// Whether a JSON object starts with a member `LogEntry`s start with in practice (`gcloud`
/// sorts them: `insertId` first), so that it is tried as one before anything else. Costs a few
/// byte compares; a wrong guess only costs the try.
pub(super) fn looks_like_entry(raw: &[u8]) -> bool {
    let Some(rest) = raw.strip_prefix(b"{") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    rest.starts_with(b"\"insertId\"")
        || rest.starts_with(b"\"protoPayload\"")
        || rest.starts_with(b"\"logName\"")
}

/// The audit event a GKE `LogEntry` stands for. A reader keeps one and rebuilds each entry
/// into it ([`rebuild_into`]), so that its text and spans are allocated once, not per entry.
#[derive(Default)]
pub(super) struct Rebuilt {
    /// Its JSON text.
    pub text: String,
    /// Where its values are in the text ([`super::gke_event::event_of`] takes the event).
    pub spans: Spans,
    /// Its time (`stageTimestamp`), in microseconds, so that it is not read again.
    pub time_micros: Option<i64>,
}

/// The audit event a GKE `LogEntry` stands for, as JSON text, or `None` when `raw` is not the
/// entry of a Kubernetes API request (another Google service's entry, no `protoPayload`, not
/// JSON to its end: whoever reads it next says what it is).
pub(super) fn event_json(raw: &str) -> Option<String> {
    rebuild(raw, false).map(|r| r.text)
}

/// [`event_json`], with the event's time; `one_line` says `raw` holds no line break (a line of
/// JSON lines), so that its objects need not be looked through for one.
pub(super) fn rebuild(raw: &str, one_line: bool) -> Option<Rebuilt> {
    let mut rebuilt = Rebuilt::default();
    rebuild_into(raw, one_line, &mut rebuilt).then_some(rebuilt)
}

/// [`rebuild`] into `into`, whose buffers are reused; false (and `into` to be ignored) where
/// [`rebuild`] says `None`.
pub(super) fn rebuild_into(raw: &str, one_line: bool, into: &mut Rebuilt) -> bool {
    let mut entry = Entry::default();
    let mut s = Scanner::new(raw);
    if entry.read(&mut s).is_err() {
        return false;
    }
    s.skip_ws();
    if !s.at_end() || !entry.payload || entry.event || !entry.is_kubernetes() {
        return false;
    }
    let mut authorization = Authorization::default();
    if let Some(raw) = entry.authorization
        && (entry.resource_name.is_none() || entry.status.is_none())
        && authorization.read(&mut Scanner::new(raw)).is_err()
    {
        return false;
    }
    into.time_micros = entry.time();
    entry.to_event(raw.len(), &authorization, into, one_line);
    true
}

/// What an entry's `authorizationInfo` says that the event needs, where the entry does not
/// say it otherwise: nearly every entry names its resource and has a status, so the list is
/// skipped whole, and read only for an entry without them.
#[derive(Default)]
struct Authorization<'t> {
    /// `authorizationInfo[0].resource`: the resource name when `resourceName` is missing.
    resource: Option<Cow<'t, str>>,
    /// Some `authorizationInfo` says `"granted": false`: the request was refused.
    refused: bool,
}

impl<'t> Authorization<'t> {
    fn read(&mut self, s: &mut Scanner<'t>) -> Scan<()> {
        s.elements(|s| {
            if s.peek()? != b'{' {
                return s.skip_value();
            }
            s.members(|s, key| match (key.as_ref(), s.peek()?) {
                ("resource", _) if self.resource.is_none() => {
                    self.resource = string(s)?;
                    Ok(())
                }
                ("granted", b'f') => {
                    self.refused = true;
                    s.skip_value()
                }
                _ => s.skip_value(),
            })
        })
    }
}

impl<'t> Entry<'t> {
    fn is_kubernetes(&self) -> bool {
        match self.service.as_deref() {
            Some(service) => service == "k8s.io",
            None => self
                .method
                .as_deref()
                .is_some_and(|m| m.starts_with("io.k8s.")),
        }
    }

    fn read(&mut self, s: &mut Scanner<'t>) -> Scan<()> {
        s.members(|s, key| {
            match key.as_ref() {
                "insertId" => self.insert_id = quoted(s)?,
                "kind" => self.event = string(s)?.as_deref() == Some("Event"),
                "timestamp" => {
                    let at = s.pos;
                    self.timestamp = time(s)?;
                    // Already as the API server writes its times: copied, not formatted again.
                    let raw = s.text(at..s.pos).trim_start();
                    if raw.len() == 29 && raw.as_bytes()[20] == b'.' && raw.ends_with("Z\"") {
                        self.timestamp_text = self.timestamp.map(|_| &raw[1..28]);
                    }
                }
                "receiveTimestamp" => self.receive_timestamp = Some(s.raw_value()?),
                "labels" => string_members(s, &mut self.labels)?,
                "operation" if s.peek()? == b'{' => s.members(|s, key| {
                    match key.as_ref() {
                        "id" => self.operation_id = quoted(s)?,
                        "first" => self.first = s.raw_value()? == "true",
                        "last" => self.last = s.raw_value()? == "true",
                        _ => s.skip_value()?,
                    }
                    Ok(())
                })?,
                "resource" if s.peek()? == b'{' => s.members(|s, key| {
                    if key == "labels" {
                        string_members(s, &mut self.resource_labels)
                    } else {
                        s.skip_value()
                    }
                })?,
                "protoPayload" if s.peek()? == b'{' => {
                    self.payload = true;
                    self.read_payload(s)?;
                }
                _ => s.skip_value()?,
            }
            Ok(())
        })
    }

    fn read_payload(&mut self, s: &mut Scanner<'t>) -> Scan<()> {
        s.members(|s, key| {
            match key.as_ref() {
                "serviceName" => self.service = string(s)?,
                "methodName" => self.method = string(s)?,
                "resourceName" => self.resource_name = string(s)?,
                "authenticationInfo" if s.peek()? == b'{' => self.read_authentication(s)?,
                "authorizationInfo" if s.peek()? == b'[' => {
                    self.authorization = Some(s.raw_value()?)
                }
                "requestMetadata" if s.peek()? == b'{' => s.members(|s, key| {
                    match key.as_ref() {
                        // Some SIEMs rename it `callerIP`.
                        "callerIp" | "callerIP" => self.caller_ip = quoted(s)?,
                        "callerSuppliedUserAgent" => self.user_agent = quoted(s)?,
                        _ => s.skip_value()?,
                    }
                    Ok(())
                })?,
                "status" if s.peek()? == b'{' => {
                    let mut code = 0;
                    let mut message = None;
                    s.members(|s, key| {
                        match (key.as_ref(), s.peek()?) {
                            ("code", b'-' | b'0'..=b'9' | b'"') => code = s.integer()?,
                            ("message", _) => message = quoted(s)?,
                            _ => s.skip_value()?,
                        }
                        Ok(())
                    })?;
                    self.status = Some((code, message));
                }
                "request" => self.request = object(s)?,
                "response" => self.response = object(s)?,
                "timestamp" => self.payload_timestamp = Some(s.raw_value()?),
                _ => s.skip_value()?,
            }
            Ok(())
        })
    }

    fn read_authentication(&mut self, s: &mut Scanner<'t>) -> Scan<()> {
        s.members(|s, key| {
            match key.as_ref() {
                "principalEmail" => self.principal = quoted(s)?,
                "authoritySelector" => self.authority_selector = quoted(s)?,
                "serviceAccountDelegationInfo" if s.peek()? == b'[' => s.elements(|s| {
                    if self.delegated_by.is_none() {
                        self.delegated_by = delegating_principal(s)?;
                    } else {
                        s.skip_value()?;
                    }
                    Ok(())
                })?,
                _ => s.skip_value()?,
            }
            Ok(())
        })
    }

    /// `timestamp`, else the payload's, else `receiveTimestamp`.
    fn time(&self) -> Option<i64> {
        let lazy = |raw: Option<&str>| {
            let raw = raw?;
            // A number is read up to what follows it.
            let text = format!("{raw} ");
            time(&mut Scanner::new(&text)).ok().flatten()
        };
        self.timestamp
            .or_else(|| lazy(self.payload_timestamp))
            .or_else(|| lazy(self.receive_timestamp))
    }

    fn to_event(
        &self,
        entry_len: usize,
        authorization: &Authorization<'_>,
        into: &mut Rebuilt,
        one_line: bool,
    ) {
        let time = into.time_micros;
        let method = self
            .method
            .as_deref()
            .map(Method::parse)
            .unwrap_or_default();
        let target = self
            .resource_name
            .as_deref()
            .or(authorization.resource.as_deref())
            .map(|name| Target::parse(name, &method))
            .unwrap_or_default()
            .or_method(&method);
        // The event repeats the entry's values under shorter names: rarely longer than it.
        let out = &mut into.text;
        out.clear();
        out.reserve(entry_len + 256);
        let mut annotations = std::mem::take(&mut into.spans.annotations);
        annotations.clear();
        let sp = &mut into.spans;
        *sp = Spans {
            annotations,
            level: match (self.request, self.response) {
                (_, Some(_)) => "RequestResponse",
                (Some(_), None) => "Request",
                (None, None) => "Metadata",
            },
            stage: if self.first && !self.last {
                "ResponseStarted"
            } else {
                "ResponseComplete"
            },
            ..Spans::default()
        };
        out.push_str(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1""#);
        member(out, "level", sp.level);
        sp.audit_id = self
            .operation_id
            .or(self.insert_id)
            .map(|id| raw_member(out, "auditID", id));
        member(out, "stage", sp.stage);
        sp.request_uri = write_request_uri(out, &target);
        sp.verb = method.verb.map(|verb| member(out, "verb", verb));
        let principal = self.principal.or(self.authority_selector);
        let (user, impersonated) = match (self.delegated_by, principal) {
            (Some(by), Some(as_whom)) => (Some(by), Some(as_whom)),
            (by, principal) => (principal.or(by), None),
        };
        let quoted = |out: &mut String, value: Quoted<'_>| {
            let at = out.len();
            out.push_str(value.0);
            at..out.len()
        };
        out.push_str(",\"user\":{");
        if let Some(user) = user {
            push_key(out, "username", true);
            sp.user = Some(quoted(out, user));
        }
        out.push('}');
        if let Some(user) = impersonated {
            out.push_str(",\"impersonatedUser\":{");
            push_key(out, "username", true);
            sp.impersonated = Some(quoted(out, user));
            out.push('}');
        }
        if let Some(ip) = self.caller_ip {
            out.push_str(",\"sourceIPs\":[");
            sp.source_ip = Some(quoted(out, ip));
            out.push(']');
        }
        sp.user_agent = self
            .user_agent
            .map(|agent| raw_member(out, "userAgent", agent));
        sp.object_ref = write_object_ref(out, &target);
        // Without a status, the entry may still say the request failed: an authorization not
        // granted (the API server's 403), or a response that is a failed `Status`.
        let said = match self.status {
            Some((grpc, message)) => Some((http_code(grpc), message)),
            None if authorization.refused => Some((403, None)),
            None => self.response.and_then(failed_status),
        };
        if let Some((http, message)) = said {
            let status = if http < 400 { "Success" } else { "Failure" };
            out.push_str(r#","responseStatus":{"metadata":{}"#);
            member(out, "status", status);
            let message = message
                .filter(|m| m.0 != "\"\"")
                .map(|message| raw_member(out, "message", message));
            sp.status = Some((http, status, message));
            out.push_str(",\"code\":");
            // Every code of the table has three digits.
            for d in [http / 100, http / 10 % 10, http % 10] {
                out.push(char::from(b'0' + d as u8));
            }
            out.push('}');
        }
        for (key, raw) in [
            ("requestObject", self.request),
            ("responseObject", self.response),
        ] {
            if let Some(raw) = raw {
                push_key(out, key, false);
                let at = out.len();
                // A pretty-printed entry's object, on one line like the rest of the event.
                if !one_line && memchr::memchr(b'\n', raw.as_bytes()).is_some() {
                    out.push_str(&compact(raw));
                } else {
                    out.push_str(raw);
                }
                let span = Some(at..out.len());
                if key == "requestObject" {
                    sp.request = span;
                } else {
                    sp.response = span;
                }
            }
        }
        if let Some(micros) = time {
            push_key(out, "requestReceivedTimestamp", false);
            out.push('"');
            let at = out.len();
            match self.timestamp_text {
                Some(text) if self.timestamp == Some(micros) => out.push_str(text),
                _ => push_micros(out, micros),
            }
            let end = out.len();
            sp.time = Some(at..end);
            out.push('"');
            push_key(out, "stageTimestamp", false);
            out.push('"');
            out.extend_from_within(at..end);
            out.push('"');
        }
        let labels = self.labels.iter().chain(
            self.resource_labels
                .iter()
                .filter(|(k, _)| !self.labels.iter().any(|(l, _)| l == k)),
        );
        // Nothing before the annotations holds a backslash (nearly always): the fields written
        // so far are taken from the text as they are, with no look for escapes each.
        sp.plain = memchr::memchr(b'\\', out.as_bytes()).is_none();
        sp.annotations
            .reserve(self.labels.len() + self.resource_labels.len());
        let mut first = true;
        for (key, value) in labels {
            out.push_str(if first { ",\"annotations\":{" } else { "," });
            first = false;
            let at = out.len();
            push_string(out, key);
            let key = at..out.len();
            out.push(':');
            let value = quoted(out, *value);
            sp.annotations.push((key, value));
        }
        if !first {
            out.push('}');
        }
        out.push('}');
    }
}

/// The first principal of `serviceAccountDelegationInfo`: who the request was made for.
fn delegating_principal<'t>(s: &mut Scanner<'t>) -> Scan<Option<Quoted<'t>>> {
    let mut found = None;
    if s.peek()? != b'{' {
        s.skip_value()?;
        return Ok(None);
    }
    s.members(|s, key| {
        if key == "firstPartyPrincipal" && s.peek()? == b'{' {
            s.members(|s, key| {
                if key == "principalEmail" {
                    found = quoted(s)?;
                    Ok(())
                } else {
                    s.skip_value()
                }
            })
        } else if key == "principalSubject" && found.is_none() {
            found = quoted(s)?;
            Ok(())
        } else {
            s.skip_value()
        }
    })?;
    Ok(found)
}

/// A string member, or `None` for any other kind of value (skipped).
fn string<'t>(s: &mut Scanner<'t>) -> Scan<Option<Cow<'t, str>>> {
    if s.peek()? == b'"' {
        s.string().map(Some)
    } else {
        s.skip_value().map(|_| None)
    }
}

/// An object member's raw text, or `None` for any other kind of value.
fn object<'t>(s: &mut Scanner<'t>) -> Scan<Option<&'t str>> {
    let object = s.peek()? == b'{';
    let raw = s.raw_value()?;
    Ok(object.then_some(raw))
}

/// The members of an object whose values are strings (`labels`), as written.
fn string_members<'t>(s: &mut Scanner<'t>, out: &mut Labels<'t>) -> Scan<()> {
    if s.peek()? != b'{' {
        return s.skip_value();
    }
    s.members(|s, key| {
        out.push((key, Quoted(s.raw_value()?)));
        Ok(())
    })
}

/// A string member as written, quotes and escapes kept, or `None` for any other kind of value
/// (skipped).
fn quoted<'t>(s: &mut Scanner<'t>) -> Scan<Option<Quoted<'t>>> {
    if s.peek()? == b'"' {
        s.raw_value().map(|raw| Some(Quoted(raw)))
    } else {
        s.skip_value().map(|_| None)
    }
}

/// A time as Cloud Logging and the tools around it write one: RFC 3339 with up to nanoseconds
/// (`Z` or an offset; none is read as UTC), a protobuf `{"seconds","nanos"}`, or a number of
/// seconds, milliseconds, microseconds or nanoseconds since the epoch (told apart by size).
/// In microseconds.
fn time(s: &mut Scanner<'_>) -> Scan<Option<i64>> {
    match s.peek()? {
        b'"' => {
            let text = s.string()?;
            Ok(parse_rfc3339_micros(&text).or_else(|| parse_rfc3339_micros(&format!("{text}Z"))))
        }
        b'{' => {
            let (mut seconds, mut nanos) = (None, 0);
            s.members(|s, key| {
                match (key.as_ref(), s.peek()?) {
                    ("seconds", b'-' | b'0'..=b'9' | b'"') => seconds = Some(s.integer()?),
                    ("nanos", b'-' | b'0'..=b'9' | b'"') => nanos = s.integer()?,
                    _ => s.skip_value()?,
                }
                Ok(())
            })?;
            Ok(seconds.and_then(|secs| secs.checked_mul(1_000_000)?.checked_add(nanos / 1000)))
        }
        b'-' | b'0'..=b'9' => {
            let n = s.integer()?;
            Ok(Some(match n.unsigned_abs() {
                0..100_000_000_000 => n.saturating_mul(1_000_000),
                100_000_000_000..100_000_000_000_000 => n * 1000,
                100_000_000_000_000..100_000_000_000_000_000 => n,
                _ => n / 1000,
            }))
        }
        _ => s.skip_value().map(|_| None),
    }
}

/// A response that is a Kubernetes `Status` of `"status": "Failure"`: its HTTP `code` (500, a
/// failure that names no code, where it gives none) and message.
fn failed_status(response: &str) -> Option<(i64, Option<Quoted<'_>>)> {
    let mut s = Scanner::new(response);
    let (mut failed, mut code, mut message) = (false, None, None);
    let scanned: Scan<()> = s.members(|s, key| {
        match (key.as_ref(), s.peek()?) {
            ("status", b'"') => failed = s.string()? == "Failure",
            ("code", b'0'..=b'9') => code = Some(s.integer()?),
            ("message", b'"') => message = quoted(s)?,
            _ => s.skip_value()?,
        }
        Ok(())
    });
    let code = code.filter(|c| (100..1000).contains(c)).unwrap_or(500);
    (scanned.is_ok() && failed).then_some((code, message))
}

#[cfg(test)]
#[path = "gke_tests.rs"]
mod tests;
