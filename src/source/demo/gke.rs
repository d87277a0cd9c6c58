//! The demo's events as GKE writes its audit log: Cloud Audit `LogEntry` records of service
//! `k8s.io`, one a line, as a Cloud Logging sink or Pub/Sub delivers them.
//!
//! GKE keeps less than the API server's event, and the entry says only what GKE says: no user
//! groups or `extra`, no query string (an exec's command is in the request, as
//! `PodExecOptions`), and Google's gRPC status in place of the HTTP code.

use serde_json::{Map, Value, json};

/// The project and place of the demo's cluster, as GKE's resource labels name them.
const PROJECT: &str = "atlas-prod-4821";
const LOCATION: &str = "us-east1";

/// `event`, an audit event's JSON, as one GKE `LogEntry` line appended to `out`.
pub(super) fn entry(out: &mut Vec<u8>, event: &[u8], cluster: &str) {
    let Ok(e) = serde_json::from_slice::<Value>(event) else {
        return;
    };
    if !e.is_object() {
        return;
    }
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let object = &e["objectRef"];
    let verb = s(&e["verb"]);
    let group = match object["apiGroup"].as_str() {
        Some("") | None => "core".to_string(),
        Some(g) => g.to_string(),
    };
    let version = object["apiVersion"].as_str().unwrap_or("v1").to_string();
    let (method, resource_name) = if object.is_object() {
        let resource = s(&object["resource"]);
        let mut name = format!("{group}/{version}");
        if let Some(ns) = object["namespace"].as_str() {
            name.push_str(&format!("/namespaces/{ns}"));
        }
        name.push_str(&format!("/{resource}"));
        if let Some(n) = object["name"].as_str() {
            name.push_str(&format!("/{n}"));
        }
        let mut method = format!("io.k8s.{}.{version}.{resource}", method_group(&group));
        if let Some(sub) = object["subresource"].as_str() {
            name.push_str(&format!("/{sub}"));
            method.push_str(&format!(".{sub}"));
        }
        (format!("{method}.{verb}"), name)
    } else {
        let path = s(&e["requestURI"]);
        let path = path.split('?').next().unwrap_or("").trim_matches('/');
        (
            format!("io.k8s.{}.{verb}", path.replace('/', ".")),
            path.to_string(),
        )
    };

    let mut authentication = Map::new();
    match e["impersonatedUser"]["username"].as_str() {
        Some(as_whom) => {
            authentication.insert("principalEmail".into(), json!(as_whom));
            authentication.insert(
                "serviceAccountDelegationInfo".into(),
                json!([{"firstPartyPrincipal": {"principalEmail": s(&e["user"]["username"])}}]),
            );
        }
        None => {
            authentication.insert("principalEmail".into(), e["user"]["username"].clone());
        }
    }
    let code = e["responseStatus"]["code"].as_i64().unwrap_or(200);
    let mut payload = Map::new();
    payload.insert(
        "@type".into(),
        json!("type.googleapis.com/google.cloud.audit.AuditLog"),
    );
    payload.insert("authenticationInfo".into(), Value::Object(authentication));
    payload.insert(
        "authorizationInfo".into(),
        json!([{"granted": code != 403, "permission": method, "resource": resource_name}]),
    );
    payload.insert("methodName".into(), json!(method));
    if let Some(request) = request_of(&e) {
        payload.insert("request".into(), request);
    }
    let mut metadata = Map::new();
    if let Some(ip) = e["sourceIPs"][0].as_str() {
        metadata.insert("callerIp".into(), json!(ip));
    }
    if let Some(agent) = e["userAgent"].as_str() {
        metadata.insert("callerSuppliedUserAgent".into(), json!(agent));
    }
    payload.insert("requestMetadata".into(), Value::Object(metadata));
    payload.insert("resourceName".into(), json!(resource_name));
    if let Some(response) = e.get("responseObject") {
        payload.insert("response".into(), response.clone());
    }
    payload.insert("serviceName".into(), json!("k8s.io"));
    let mut status = json!({"code": grpc_code(code)});
    if let Some(message) = e["responseStatus"]["message"].as_str() {
        status["message"] = json!(message);
    }
    payload.insert("status".into(), status);

    let id = s(&e["auditID"]);
    let time = e
        .get("stageTimestamp")
        .or_else(|| e.get("requestReceivedTimestamp"))
        .cloned()
        .unwrap_or(Value::Null);
    let reads = matches!(verb.as_str(), "get" | "list" | "watch");
    let log = if reads { "data_access" } else { "activity" };
    let entry = json!({
        "insertId": id,
        "labels": e.get("annotations").cloned().unwrap_or_else(|| json!({})),
        "logName": format!("projects/{PROJECT}/logs/cloudaudit.googleapis.com%2F{log}"),
        "operation": {"first": true, "id": id, "last": true, "producer": "k8s.io"},
        "protoPayload": Value::Object(payload),
        "receiveTimestamp": time,
        "resource": {
            "labels": {"cluster_name": cluster, "location": LOCATION, "project_id": PROJECT},
            "type": "k8s_cluster"
        },
        "severity": if code >= 400 { "WARNING" } else { "NOTICE" },
        "timestamp": time,
    });
    if let Ok(line) = serde_json::to_vec(&entry) {
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
}

/// The request as GKE writes it: the request object, or an exec's options (GKE keeps no query
/// string, so the command the API server read from it is written as `PodExecOptions`).
fn request_of(e: &Value) -> Option<Value> {
    if let Some(request) = e.get("requestObject") {
        return Some(request.clone());
    }
    let uri = e["requestURI"].as_str()?;
    let (path, query) = uri.split_once('?')?;
    if !(path.ends_with("/exec") || path.ends_with("/attach")) {
        return None;
    }
    let mut options = Map::new();
    options.insert("@type".into(), json!("core.k8s.io/v1.PodExecOptions"));
    let mut command = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        match key {
            "command" => command.push(json!(value)),
            "container" => {
                options.insert("container".into(), json!(value));
            }
            "stdin" | "stdout" | "stderr" | "tty" => {
                options.insert(key.into(), json!(value == "true"));
            }
            _ => {}
        }
    }
    if !command.is_empty() {
        options.insert("command".into(), Value::Array(command));
    }
    Some(Value::Object(options))
}

/// A query string's value: `+` a space, `%XX` a byte.
fn decode(value: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How `methodName` names an API group: the built-in groups under `k8s.io` shortened and
/// reversed as GKE writes them (`rbac.authorization.k8s.io` → `authorization.rbac`).
fn method_group(group: &str) -> String {
    match group.strip_suffix(".k8s.io") {
        Some(short) => short.split('.').rev().collect::<Vec<_>>().join("."),
        None => group.to_string(),
    }
}

/// The gRPC code Google writes for an HTTP code.
fn grpc_code(http: i64) -> i64 {
    match http {
        100..=399 => 0,
        400 | 422 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        429 => 8,
        499 => 1,
        501 => 12,
        503 => 14,
        504 => 4,
        _ => 13,
    }
}
