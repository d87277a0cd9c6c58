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
use std::fmt::Write as _;

use crate::audit::json::{Scan, Scanner, compact};
use crate::audit::time::parse_rfc3339_micros;

/// A JSON value as the entry writes it (a string with its quotes and escapes): what the event
/// only repeats is copied, never unescaped and escaped again.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Quoted<'t>(&'t str);

/// What a `LogEntry` holds that the event is made of.
#[derive(Default)]
struct Entry<'t> {
    insert_id: Option<Quoted<'t>>,
    timestamp: Option<i64>,
    /// `receiveTimestamp` as written: read only when `timestamp` is missing.
    receive_timestamp: Option<&'t str>,
    labels: Vec<(Cow<'t, str>, Quoted<'t>)>,
    resource_labels: Vec<(Cow<'t, str>, Quoted<'t>)>,
    operation_id: Option<Quoted<'t>>,
    first: bool,
    last: bool,
    payload: bool,
    service: Option<Cow<'t, str>>,
    method: Option<Cow<'t, str>>,
    resource_name: Option<Cow<'t, str>>,
    /// `authorizationInfo[0].resource`: the resource name when `resourceName` is missing.
    authorized_resource: Option<Cow<'t, str>>,
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

/// The audit event a GKE `LogEntry` stands for.
pub(super) struct Rebuilt {
    /// Its JSON text.
    pub text: String,
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
    let mut entry = Entry::default();
    let mut s = Scanner::new(raw);
    entry.read(&mut s).ok()?;
    s.skip_ws();
    if !s.at_end() || !entry.payload || entry.event || !entry.is_kubernetes() {
        return None;
    }
    let time_micros = entry.time();
    Some(Rebuilt {
        text: entry.to_event(raw.len(), time_micros, one_line),
        time_micros,
    })
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
                "timestamp" => self.timestamp = time(s)?,
                "receiveTimestamp" => self.receive_timestamp = Some(s.raw_value()?),
                "labels" => {
                    self.labels.reserve(8);
                    string_members(s, &mut self.labels)?;
                }
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
                        self.resource_labels.reserve(4);
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
                "authorizationInfo" if s.peek()? == b'[' => s.elements(|s| {
                    if self.authorized_resource.is_none() && s.peek()? == b'{' {
                        s.members(|s, key| {
                            if key == "resource" {
                                self.authorized_resource = string(s)?;
                                Ok(())
                            } else {
                                s.skip_value()
                            }
                        })
                    } else {
                        s.skip_value()
                    }
                })?,
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

    fn to_event(&self, entry_len: usize, time: Option<i64>, one_line: bool) -> String {
        let method = self
            .method
            .as_deref()
            .map(Method::parse)
            .unwrap_or_default();
        let target = self
            .resource_name
            .as_deref()
            .or(self.authorized_resource.as_deref())
            .map(|name| Target::parse(name, &method))
            .unwrap_or_default()
            .or_method(&method);
        // The event repeats the entry's values under shorter names: rarely longer than it.
        let mut out = String::with_capacity(entry_len + 256);
        out.push_str(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"#);
        out.push_str(match (self.request, self.response) {
            (_, Some(_)) => "\"RequestResponse\"",
            (Some(_), None) => "\"Request\"",
            (None, None) => "\"Metadata\"",
        });
        if let Some(id) = self.operation_id.or(self.insert_id) {
            raw_member(&mut out, "auditID", id);
        }
        let started = self.first && !self.last;
        member(
            &mut out,
            "stage",
            if started {
                "ResponseStarted"
            } else {
                "ResponseComplete"
            },
        );
        if let Some(uri) = target.request_uri() {
            member(&mut out, "requestURI", &uri);
        }
        if let Some(verb) = method.verb {
            member(&mut out, "verb", verb);
        }
        let principal = self.principal.or(self.authority_selector);
        let (user, impersonated) = match (self.delegated_by, principal) {
            (Some(by), Some(as_whom)) => (Some(by), Some(as_whom)),
            (by, principal) => (principal.or(by), None),
        };
        out.push_str(",\"user\":{");
        if let Some(user) = user {
            push_key(&mut out, "username", true);
            out.push_str(user.0);
        }
        out.push('}');
        if let Some(user) = impersonated {
            out.push_str(",\"impersonatedUser\":{");
            push_key(&mut out, "username", true);
            out.push_str(user.0);
            out.push('}');
        }
        if let Some(ip) = self.caller_ip {
            out.push_str(",\"sourceIPs\":[");
            out.push_str(ip.0);
            out.push(']');
        }
        if let Some(agent) = self.user_agent {
            raw_member(&mut out, "userAgent", agent);
        }
        target.write_object_ref(&mut out);
        if let Some((code, message)) = self.status {
            let http = http_code(code);
            out.push_str(r#","responseStatus":{"metadata":{}"#);
            member(
                &mut out,
                "status",
                if http < 400 { "Success" } else { "Failure" },
            );
            if let Some(message) = message.filter(|m| m.0 != "\"\"") {
                raw_member(&mut out, "message", message);
            }
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
                push_key(&mut out, key, false);
                // A pretty-printed entry's object, on one line like the rest of the event.
                if !one_line && memchr::memchr(b'\n', raw.as_bytes()).is_some() {
                    out.push_str(&compact(raw));
                } else {
                    out.push_str(raw);
                }
            }
        }
        if let Some(micros) = time {
            push_key(&mut out, "requestReceivedTimestamp", false);
            out.push('"');
            let at = out.len();
            push_micros(&mut out, micros);
            let end = out.len();
            out.push('"');
            push_key(&mut out, "stageTimestamp", false);
            out.push('"');
            out.extend_from_within(at..end);
            out.push('"');
        }
        let labels = self.labels.iter().chain(
            self.resource_labels
                .iter()
                .filter(|(k, _)| !self.labels.iter().any(|(l, _)| l == k)),
        );
        let mut first = true;
        for (key, value) in labels {
            out.push_str(if first { ",\"annotations\":{" } else { "," });
            first = false;
            push_string(&mut out, key);
            out.push(':');
            out.push_str(value.0);
        }
        if !first {
            out.push('}');
        }
        out.push('}');
        out
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
fn string_members<'t>(s: &mut Scanner<'t>, out: &mut Vec<(Cow<'t, str>, Quoted<'t>)>) -> Scan<()> {
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

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as the API server writes its times.
#[cfg(test)]
fn format_micros(micros: i64) -> String {
    let mut out = String::new();
    push_micros(&mut out, micros);
    out
}

/// Appends `YYYY-MM-DDTHH:MM:SS.ffffffZ`; written digit by digit, as every event has two.
fn push_micros(out: &mut String, micros: i64) {
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

/// The HTTP status Google's APIs answer for a `google.rpc.Code` (`google/rpc/code.proto`).
pub(super) fn http_code(grpc: i64) -> i64 {
    match grpc {
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

/// What `methodName` says: `io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>`, or
/// `io.k8s.<path>[.<verb>]` for a request outside the resource API (`io.k8s.readyz`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Method<'m> {
    pub group: Option<Cow<'m, str>>,
    pub version: Option<&'m str>,
    pub resource: Option<&'m str>,
    pub subresource: Option<&'m str>,
    pub verb: Option<&'m str>,
    /// The path of a non-resource request (`/readyz`).
    pub path: Option<String>,
}

/// The verbs of the API server's authorizer, the last word of a `methodName`.
const VERBS: [&str; 12] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "proxy",
    "connect",
    "impersonate",
    "escalate",
];

fn is_version(part: &str) -> bool {
    let Some(rest) = part.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = &rest[digits..];
    digits > 0
        && (tail.is_empty()
            || ["alpha", "beta"].iter().any(|pre| {
                tail.strip_prefix(pre)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }))
}

/// The API group a `methodName` names by its first word (`rbac` for `rbac.authorization.k8s.io`):
/// the built-in groups whose name GKE shortens.
fn full_group(group: &str) -> Cow<'_, str> {
    match group {
        "core" => Cow::Borrowed(""),
        "rbac" | "authorization.rbac" | "rbac.authorization" => {
            Cow::Borrowed("rbac.authorization.k8s.io")
        }
        "flowcontrol" | "flowcontrol.apiserver" => Cow::Borrowed("flowcontrol.apiserver.k8s.io"),
        "admissionregistration" => Cow::Borrowed("admissionregistration.k8s.io"),
        "apiextensions" => Cow::Borrowed("apiextensions.k8s.io"),
        "apiregistration" => Cow::Borrowed("apiregistration.k8s.io"),
        "authentication" => Cow::Borrowed("authentication.k8s.io"),
        "authorization" => Cow::Borrowed("authorization.k8s.io"),
        "certificates" => Cow::Borrowed("certificates.k8s.io"),
        "coordination" => Cow::Borrowed("coordination.k8s.io"),
        "discovery" => Cow::Borrowed("discovery.k8s.io"),
        "events" => Cow::Borrowed("events.k8s.io"),
        "internal.apiserver" => Cow::Borrowed("internal.apiserver.k8s.io"),
        "networking" => Cow::Borrowed("networking.k8s.io"),
        "node" => Cow::Borrowed("node.k8s.io"),
        "resource" => Cow::Borrowed("resource.k8s.io"),
        "scheduling" => Cow::Borrowed("scheduling.k8s.io"),
        "storage" => Cow::Borrowed("storage.k8s.io"),
        "storagemigration" => Cow::Borrowed("storagemigration.k8s.io"),
        _ => Cow::Borrowed(group),
    }
}

impl<'m> Method<'m> {
    pub fn parse(method: &'m str) -> Method<'m> {
        let Some(rest) = method.strip_prefix("io.k8s.") else {
            return Method::default();
        };
        let mut offset = 0;
        let mut version = None;
        for part in rest.split('.') {
            if is_version(part) {
                version = Some(part);
                break;
            }
            offset += part.len() + 1;
        }
        let Some(version) = version else {
            let parts: Vec<&str> = rest.split('.').collect();
            let (verb, path) = match parts.split_last() {
                Some((last, path)) if !path.is_empty() && VERBS.contains(last) => {
                    (Some(*last), path)
                }
                _ => (None, &parts[..]),
            };
            return Method {
                verb,
                path: Some(format!("/{}", path.join("/"))),
                ..Method::default()
            };
        };
        let group = (offset > 0).then(|| full_group(&rest[..offset - 1]));
        // `<resource>[.<subresource>].<verb>` after the version.
        let after = rest.get(offset + version.len() + 1..).unwrap_or("");
        let (head, verb) = match after.rsplit_once('.') {
            Some((head, verb)) => (head, Some(verb)),
            None => (after, None),
        };
        let (resource, subresource) = match head.split_once('.') {
            Some((resource, sub)) => (resource, sub.split('.').next()),
            None => (head, None),
        };
        let resource = (!resource.is_empty()).then_some(resource);
        Method {
            group,
            version: Some(version),
            resource,
            subresource,
            verb,
            path: None,
        }
    }
}

/// The object a request is about, from `resourceName` (`core/v1/namespaces/NS/pods/NAME/exec`,
/// `rbac.authorization.k8s.io/v1/clusterrolebindings/NAME`), completed from `methodName`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Target<'n> {
    pub group: Option<Cow<'n, str>>,
    pub version: Option<&'n str>,
    pub namespace: Option<&'n str>,
    pub resource: Option<&'n str>,
    pub name: Option<&'n str>,
    pub subresource: Option<&'n str>,
    /// The path of a non-resource request.
    pub path: Option<Cow<'n, str>>,
}

impl<'n> Target<'n> {
    pub fn parse(name: &'n str, method: &Method<'_>) -> Target<'n> {
        if name.starts_with('/') {
            return Target {
                path: Some(Cow::Borrowed(name)),
                ..Target::default()
            };
        }
        // At most `group/version/namespaces/NS/resource/name/subresource/…`: no allocation.
        let mut buf = [""; 10];
        let mut n = 0;
        for seg in name.split('/') {
            let Some(slot) = buf.get_mut(n) else {
                break;
            };
            *slot = seg;
            n += 1;
        }
        let [group, version, rest @ ..] = &buf[..n] else {
            return Target::default();
        };
        if rest.is_empty() || rest.iter().any(|s| s.is_empty()) {
            return Target::default();
        }
        // `namespaces/NS/status` is a namespace's subresource, not a resource in it: the
        // method's resource tells, else the words Kubernetes uses for them.
        let namespaced = rest[0] == "namespaces"
            && rest.len() >= 3
            && match method.resource {
                Some(resource) => resource != "namespaces",
                None => !(rest.len() == 3 && ["status", "finalize"].contains(&rest[2])),
            };
        let (namespace, rest) = if namespaced {
            (Some(rest[1]), &rest[2..])
        } else {
            (None, rest)
        };
        let subresource = match rest.len() {
            0..=2 => None,
            // `pods/NAME/proxy/some/path`: the subresource is the first word.
            _ => Some(rest[2]),
        };
        Target {
            group: Some(if *group == "core" {
                Cow::Borrowed("")
            } else {
                Cow::Borrowed(*group)
            }),
            version: Some(*version),
            namespace,
            resource: Some(rest[0]),
            name: rest.get(1).copied(),
            subresource,
            path: None,
        }
    }

    /// Fills what `resourceName` did not say from `methodName`.
    fn or_method<'m: 'n>(mut self, method: &Method<'m>) -> Target<'n> {
        if self.path.is_none() && self.resource.is_none() {
            if let Some(path) = &method.path {
                self.path = Some(Cow::Owned(path.clone()));
            }
            self.resource = method.resource;
        }
        if self.group.is_none() {
            self.group = method.group.clone();
        }
        self.version = self.version.or(method.version);
        if self.subresource.is_none() && self.resource == method.resource {
            self.subresource = method.subresource;
        }
        self
    }

    /// The request's path as the API server serves it (GKE keeps no query string).
    fn request_uri(&self) -> Option<String> {
        if let Some(path) = &self.path {
            return Some(path.to_string());
        }
        let resource = self.resource?;
        let version = self.version?;
        let mut uri = String::with_capacity(128);
        match self.group.as_deref() {
            None | Some("") => uri.push_str("/api/"),
            Some(group) => {
                uri.push_str("/apis/");
                uri.push_str(group);
                uri.push('/');
            }
        }
        uri.push_str(version);
        if let Some(ns) = self.namespace {
            uri.push_str("/namespaces/");
            uri.push_str(ns);
        }
        for part in [Some(resource), self.name, self.subresource]
            .into_iter()
            .flatten()
        {
            uri.push('/');
            uri.push_str(part);
        }
        Some(uri)
    }

    fn write_object_ref(&self, out: &mut String) {
        let Some(resource) = self.resource else {
            return;
        };
        out.push_str(",\"objectRef\":{");
        push_key(out, "resource", true);
        push_string(out, resource);
        for (key, value) in [
            ("namespace", self.namespace),
            ("name", self.name),
            ("apiGroup", self.group.as_deref().filter(|g| !g.is_empty())),
            ("apiVersion", self.version),
            ("subresource", self.subresource),
        ] {
            if let Some(value) = value {
                member(out, key, value);
            }
        }
        out.push('}');
    }
}

/// `,"key":<value as written>`.
fn raw_member(out: &mut String, key: &str, value: Quoted<'_>) {
    push_key(out, key, false);
    out.push_str(value.0);
}

/// `,"key":"value"`.
fn member(out: &mut String, key: &str, value: &str) {
    push_key(out, key, false);
    push_string(out, value);
}

fn push_key(out: &mut String, key: &str, first: bool) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
}

/// `text` as a JSON string.
pub(super) fn push_string(out: &mut String, text: &str) {
    out.push('"');
    if !text
        .bytes()
        .any(|b| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f)
    {
        out.push_str(text);
        out.push('"');
        return;
    }
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
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
    out.push('"');
}

#[cfg(test)]
#[path = "gke_tests.rs"]
mod tests;
