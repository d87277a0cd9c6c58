//! Audit annotations, named and grouped for a reader.
//!
//! The apiserver and its admission plugins leave their findings as flat `key: value` strings,
//! some of them JSON. [`classify`] puts each in a group with a human label and pulls out the
//! named fields; the value itself is always kept as written, and a key this module does not know
//! is shown as it is. The keys are the apiserver's own: `authorization.k8s.io/*` (endpoint
//! filters), `pod-security.kubernetes.io/*` (Pod Security admission), the mutating and validating
//! webhook dispatchers, ValidatingAdmissionPolicy, the latency trackers, the deprecated-API
//! filter and the service-account token authenticator.

use std::time::Duration;

use serde_json::Value;

use super::reason::{self, decode_reason, go_unquote, split_top_level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// `authorization.k8s.io/decision` and `/reason`.
    Authorization,
    /// Pod Security admission (and the older PodSecurityPolicy).
    PodSecurity,
    /// `mutation.webhook.admission.k8s.io/round_N_index_M`: whether a mutating webhook changed the object.
    WebhookMutation,
    /// `patch.webhook.admission.k8s.io/round_N_index_M`: the patch it applied.
    WebhookPatch,
    /// A webhook that could not be reached and was skipped (`failurePolicy: Ignore`).
    WebhookFailedOpen,
    /// ValidatingAdmissionPolicy failures.
    ValidationPolicy,
    /// `apiserver.latency.k8s.io/*`: where the request spent its time.
    Latency,
    /// A deprecated API version was used.
    Deprecation,
    /// Service-account token findings.
    Authentication,
    /// A webhook or aggregated API server presented a bad certificate.
    Certificate,
    Other,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Self::Authorization => "Authorization",
            Self::PodSecurity => "Pod Security",
            Self::WebhookMutation => "Admission webhook mutation",
            Self::WebhookPatch => "Admission webhook patch",
            Self::WebhookFailedOpen => "Admission webhook failed open",
            Self::ValidationPolicy => "Admission policy validation",
            Self::Latency => "API server latency",
            Self::Deprecation => "Deprecated API",
            Self::Authentication => "Authentication",
            Self::Certificate => "Certificate",
            Self::Other => "Other",
        }
    }
}

/// One annotation: the key and value as written, plus what they mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub key: String,
    pub value: String,
    pub group: Group,
    pub label: String,
    /// Named parts of the value, in reading order; a name may repeat (one per list entry).
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

impl Annotation {
    /// The first field with this name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The duration of an `apiserver.latency.k8s.io/*` annotation.
    pub fn latency(&self) -> Option<Duration> {
        (self.group == Group::Latency)
            .then(|| parse_go_duration(&self.value))
            .flatten()
    }
}

const DECISION: &str = "authorization.k8s.io/decision";
const REASON: &str = "authorization.k8s.io/reason";

/// Classifies every annotation of one event, in order; the reason is read with its decision.
pub fn classify_all<K: AsRef<str>, V: AsRef<str>>(annotations: &[(K, V)]) -> Vec<Annotation> {
    let decision = annotations
        .iter()
        .find(|(k, _)| k.as_ref() == DECISION)
        .map(|(_, v)| v.as_ref());
    annotations
        .iter()
        .map(|(k, v)| classify_with(k.as_ref(), v.as_ref(), decision))
        .collect()
}

/// Classifies one annotation on its own.
pub fn classify(key: &str, value: &str) -> Annotation {
    classify_with(key, value, None)
}

fn classify_with(key: &str, value: &str, decision: Option<&str>) -> Annotation {
    let mut fields = Vec::new();
    let (group, label) = label_and_fields(key, value, decision, &mut fields);
    Annotation {
        key: key.to_owned(),
        value: value.to_owned(),
        group,
        label,
        fields,
    }
}

fn push(fields: &mut Vec<Field>, name: &str, value: impl Into<String>) {
    fields.push(Field {
        name: name.to_owned(),
        value: value.into(),
    });
}

fn label_and_fields(
    key: &str,
    value: &str,
    decision: Option<&str>,
    fields: &mut Vec<Field>,
) -> (Group, String) {
    if key == DECISION {
        return (Group::Authorization, "Authorization decision".into());
    }
    if key == REASON {
        reason_fields(&decode_reason(decision, value), fields);
        return (Group::Authorization, "Authorization reason".into());
    }
    if let Some(name) = key.strip_prefix("pod-security.kubernetes.io/") {
        return (Group::PodSecurity, pod_security(name, value, fields));
    }
    if let Some(verb) = key.strip_prefix("podsecuritypolicy.policy.k8s.io/") {
        let label = match verb {
            "admit-policy" => "PodSecurityPolicy that admitted the pod".into(),
            "validate-policy" => "PodSecurityPolicy that validated the pod".into(),
            other => format!("PodSecurityPolicy {other}"),
        };
        push(fields, "policy", value);
        return (Group::PodSecurity, label);
    }
    if let Some(slot) = key.strip_prefix("mutation.webhook.admission.k8s.io/") {
        let label = webhook_label("Mutating webhook", slot, fields);
        json_fields(value, &["configuration", "webhook", "mutated"], fields);
        return (Group::WebhookMutation, label);
    }
    if let Some(slot) = key.strip_prefix("patch.webhook.admission.k8s.io/") {
        let label = webhook_label("Mutating webhook patch", slot, fields);
        json_fields(
            value,
            &["configuration", "webhook", "patchType", "patch"],
            fields,
        );
        patch_operations(value, fields);
        return (Group::WebhookPatch, label);
    }
    for (prefix, what) in [
        ("failed-open.mutation.webhook.admission.k8s.io/", "Mutating"),
        (
            "failed-open.validating.webhook.admission.k8s.io/",
            "Validating",
        ),
    ] {
        if let Some(slot) = key.strip_prefix(prefix) {
            let label = webhook_label(&format!("{what} webhook failed open"), slot, fields);
            push(fields, "webhook", value);
            return (Group::WebhookFailedOpen, label);
        }
    }
    if let Some(name) = key.strip_prefix("validation.policy.admission.k8s.io/") {
        if name == "validation_failure" {
            validation_failures(value, fields);
            return (
                Group::ValidationPolicy,
                "Admission policy validation failure".into(),
            );
        }
        return (Group::ValidationPolicy, format!("Admission policy {name}"));
    }
    if let Some(stage) = key.strip_prefix("apiserver.latency.k8s.io/") {
        push(fields, "stage", stage);
        if let Some(d) = parse_go_duration(value) {
            push(
                fields,
                "milliseconds",
                format!("{:.3}", d.as_secs_f64() * 1000.0),
            );
        }
        return (Group::Latency, format!("API server latency: {stage}"));
    }
    match key {
        "k8s.io/deprecated" => return (Group::Deprecation, "Deprecated API version used".into()),
        "k8s.io/removed-release" => {
            return (Group::Deprecation, "API version removed in release".into());
        }
        _ => {}
    }
    if let Some(name) = key
        .strip_prefix("authentication.k8s.io/")
        .or_else(|| key.strip_prefix("authentication.kubernetes.io/"))
    {
        return (Group::Authentication, authentication(name, value, fields));
    }
    for (prefix, what) in [
        (
            "missing-san.invalid-cert.kubernetes.io/",
            "Certificate without subjectAltName",
        ),
        (
            "insecure-sha1.invalid-cert.kubernetes.io/",
            "Certificate signed with SHA-1",
        ),
    ] {
        if let Some(host) = key.strip_prefix(prefix) {
            push(fields, "host", host);
            return (Group::Certificate, format!("{what}: {host}"));
        }
    }
    json_fields(value, &[], fields);
    (Group::Other, key.to_owned())
}

fn reason_fields(r: &reason::Reason, fields: &mut Vec<Field>) {
    push(fields, "authorizer", r.authorizer().label());
    if let Some(eks) = r.eks() {
        push(fields, "principal", eks.principal_arn.as_str());
        push(fields, "access policy", eks.policy_name.as_str());
        push(
            fields,
            "scope",
            eks.namespace.as_deref().unwrap_or("cluster"),
        );
    } else {
        if let Some(b) = r.binding() {
            push(fields, "binding", b.to_string());
        }
        if let Some(role) = r.role() {
            push(fields, "role", role.to_string());
        }
    }
    if let Some(s) = r.subject() {
        push(fields, "subject", s.to_string());
    }
    if let Some(node) = r.node().and_then(reason::NodeReason::node) {
        push(fields, "node", node);
    }
    if let Some(meaning) = r.empty_meaning() {
        push(fields, "meaning", meaning);
    }
}

fn pod_security(name: &str, value: &str, fields: &mut Vec<Field>) -> String {
    match name {
        "enforce-policy" => {
            let (level, version) = value.split_once(':').unwrap_or((value, ""));
            push(fields, "level", level);
            if !version.is_empty() {
                push(fields, "version", version);
            }
            "Pod Security enforced policy".into()
        }
        "audit-violations" => {
            // would violate PodSecurity "restricted:latest": a (detail), b (detail), ...
            let parsed = value
                .strip_prefix("would violate PodSecurity ")
                .and_then(go_unquote)
                .and_then(|(policy, rest)| Some((policy, rest.strip_prefix(": ")?)));
            if let Some((policy, violations)) = parsed {
                push(fields, "policy", policy);
                for v in split_top_level(violations) {
                    push(fields, "violation", v);
                }
            }
            "Pod Security audit violations".into()
        }
        "exempt" => {
            push(fields, "exempt by", value);
            "Pod Security exemption".into()
        }
        "error" => "Pod Security error".into(),
        other => format!("Pod Security {other}"),
    }
}

/// `round_N_index_M` → fields and a label naming the slot; older apiservers used other suffixes.
fn webhook_label(what: &str, slot: &str, fields: &mut Vec<Field>) -> String {
    let parsed = slot
        .strip_prefix("round_")
        .and_then(|r| r.split_once("_index_"))
        .filter(|(r, i)| is_number(r) && is_number(i));
    match parsed {
        Some((round, index)) => {
            push(fields, "round", round);
            push(fields, "index", index);
            format!("{what} (round {round}, index {index})")
        }
        None => format!("{what} {slot}"),
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Named fields of a JSON object value: `order` first, then the rest as they sort.
fn json_fields(value: &str, order: &[&str], fields: &mut Vec<Field>) {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(value) else {
        return;
    };
    for name in order {
        if let Some(v) = map.get(*name) {
            push(fields, name, json_text(v));
        }
    }
    for (name, v) in &map {
        if !order.contains(&name.as_str()) {
            push(fields, name, json_text(v));
        }
    }
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One `operation` field per JSON Patch step: `add /metadata/labels/x`.
fn patch_operations(value: &str, fields: &mut Vec<Field>) {
    let Ok(doc) = serde_json::from_str::<Value>(value) else {
        return;
    };
    let Some(ops) = doc.get("patch").and_then(Value::as_array) else {
        return;
    };
    for op in ops {
        let verb = op.get("op").and_then(Value::as_str).unwrap_or("?");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("?");
        push(fields, "operation", format!("{verb} {path}"));
    }
}

/// A JSON list of `{message, policy, binding, expressionIndex, validationActions}`.
fn validation_failures(value: &str, fields: &mut Vec<Field>) {
    let Ok(Value::Array(failures)) = serde_json::from_str::<Value>(value) else {
        return;
    };
    for failure in &failures {
        for name in [
            "policy",
            "binding",
            "expressionIndex",
            "validationActions",
            "message",
        ] {
            let Some(v) = failure.get(name) else { continue };
            let text = match v {
                Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
                other => json_text(other),
            };
            push(fields, name, text);
        }
    }
}

fn authentication(name: &str, value: &str, fields: &mut Vec<Field>) -> String {
    match name {
        "legacy-token" => {
            push(fields, "subject", value);
            if let Some((ns, sa)) = value
                .strip_prefix("system:serviceaccount:")
                .and_then(|r| r.split_once(':'))
            {
                push(fields, "namespace", ns);
                push(fields, "service account", sa);
            }
            "Legacy service-account token used".into()
        }
        "legacy-token-autogenerated-secret" | "legacy-token-manual-secret" => {
            push(fields, "secret", value);
            "Legacy service-account token secret".into()
        }
        "legacy-token-invalidated" => {
            push(fields, "secret", value);
            "Invalidated legacy service-account token used".into()
        }
        "stale-token" => {
            // subject: system:serviceaccount:ns:name, seconds after warning threshold: 4185802
            let parsed = value
                .strip_prefix("subject: ")
                .and_then(|r| r.rsplit_once(", seconds after warning threshold: "));
            if let Some((subject, seconds)) = parsed {
                push(fields, "subject", subject);
                let seconds = seconds.trim_end_matches('.');
                push(fields, "seconds after warning threshold", seconds);
            }
            "Stale service-account token".into()
        }
        "issued-credential-id" => {
            push(
                fields,
                "credential id",
                value.strip_prefix("JTI=").unwrap_or(value),
            );
            "Issued credential".into()
        }
        other => format!("Authentication {other}"),
    }
}

/// Parses Go's `time.Duration.String()`: `561.927µs`, `7.85594907s`, `1m2.5s`, `780ns`.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    match s {
        "" => return None,
        "0" => return Some(Duration::ZERO),
        _ => {}
    }
    let mut rest = s;
    let mut secs = 0f64;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&i| i > 0)?;
        let number: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        secs += number * scale;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
#[path = "annotations_tests.rs"]
mod tests;
