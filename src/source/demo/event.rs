//! One audit event as the generator describes it, and its rendering as the JSON line the API
//! server writes, field for field in the order Go's encoder emits them.

use super::cast::Actor;
use super::json::JsonOut;

/// How much of the request the audit policy keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// `objectRef`. `group` is empty for the core API group, which the API server leaves out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ObjRef<'a> {
    pub(crate) resource: &'a str,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    pub(crate) group: &'a str,
    pub(crate) version: &'a str,
    pub(crate) subresource: Option<&'a str>,
}

/// The authorizer's verdict, or none when authentication already failed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Authz<'a> {
    Allow(&'a str),
    Forbid,
    Unauthenticated,
}

/// Everything that varies between events; the rest of the line is fixed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event<'a> {
    pub(crate) audit_id: AuditId<'a>,
    /// The URI as sent, unescaped: `&` becomes `\u0026` on the way out, as Go writes it.
    pub(crate) uri: &'a [u8],
    pub(crate) verb: &'a str,
    pub(crate) actor: &'a Actor,
    pub(crate) object: Option<ObjRef<'a>>,
    pub(crate) code: u16,
    /// The response's `reason` (`Forbidden`, `NotFound` …) for failures.
    pub(crate) failure: Option<&'a str>,
    /// Raw JSON bodies; only written when the level keeps them.
    pub(crate) request_object: Option<&'a [u8]>,
    pub(crate) response_object: Option<&'a [u8]>,
    pub(crate) received_micros: i64,
    pub(crate) stage_micros: i64,
    pub(crate) authz: Authz<'a>,
    /// Annotations other than the authorizer's, sorted by key, all after `authorization.k8s.io/`.
    pub(crate) annotations: &'a [(&'a str, &'a str)],
    /// Annotations sorted before `authorization.k8s.io/` (`apiserver.latency…`,
    /// `authentication.k8s.io/…`).
    pub(crate) early_annotations: &'a [(&'a str, &'a str)],
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum AuditId<'a> {
    Bits(u128),
    Text(&'a str),
}

/// API groups the EKS audit policy knows; requests to other groups (leases, endpoint slices,
/// custom resources) are kept at Metadata only.
const KNOWN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "extensions",
    "metrics.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

impl Event<'_> {
    /// The level the EKS audit policy gives this request: full bodies for changes to
    /// `aws-auth`, Metadata for secrets, config maps and token reviews, Request for kubelet
    /// status writes and for reads, RequestResponse for other writes, Metadata for the rest.
    pub(crate) fn level(&self) -> Level {
        let Some(obj) = &self.object else {
            return Level::Metadata;
        };
        let write = matches!(self.verb, "update" | "patch" | "delete");
        if obj.resource == "configmaps"
            && obj.namespace == Some("kube-system")
            && obj.name == Some("aws-auth")
            && write
        {
            return Level::RequestResponse;
        }
        if matches!(self.verb, "update" | "patch")
            && matches!(obj.subresource, Some("status"))
            && matches!(obj.resource, "nodes" | "pods")
            && self.actor.username.starts_with("system:node:")
        {
            return Level::Request;
        }
        if matches!(obj.resource, "secrets" | "configmaps")
            && obj.group.is_empty()
            && obj.subresource.is_none()
            || obj.resource == "tokenreviews"
        {
            return Level::Metadata;
        }
        if !KNOWN_GROUPS.contains(&obj.group) {
            return Level::Metadata;
        }
        if matches!(self.verb, "get" | "list" | "watch") {
            return Level::Request;
        }
        Level::RequestResponse
    }

    pub(crate) fn render(&self, out: &mut Vec<u8>) {
        let level = self.level();
        out.raw(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#);
        out.raw(level.as_str());
        out.raw(r#"","auditID":""#);
        match self.audit_id {
            AuditId::Bits(bits) => out.uuid(bits),
            AuditId::Text(text) => out.str_body(text),
        }
        out.raw(r#"","stage":"ResponseComplete","requestURI":"#);
        out.push(b'"');
        out.bytes_body(self.uri);
        out.push(b'"');
        out.raw(r#","verb":""#);
        out.raw(self.verb);
        out.raw(r#"","user":"#);
        out.raw(&self.actor.user_json);
        out.raw(r#","sourceIPs":["#);
        out.str(&self.actor.source_ip);
        out.raw(r#"],"userAgent":"#);
        out.str(&self.actor.user_agent);
        if let Some(obj) = &self.object {
            render_object_ref(obj, out);
        }
        out.raw(r#","responseStatus":{"metadata":{}"#);
        if let Some(reason) = self.failure {
            // The audit log keeps only the bounded fields of a failed status; the message
            // appears in responseObject when the level keeps it.
            out.raw(r#","status":"Failure","reason":""#);
            out.raw(reason);
            out.push(b'"');
        }
        out.raw(r#","code":"#);
        out.num(u64::from(self.code));
        out.push(b'}');
        if level >= Level::Request
            && let Some(body) = self.request_object
        {
            out.raw(r#","requestObject":"#);
            out.extend_from_slice(body);
        }
        if level == Level::RequestResponse
            && let Some(body) = self.response_object
        {
            out.raw(r#","responseObject":"#);
            out.extend_from_slice(body);
        }
        out.raw(r#","requestReceivedTimestamp":""#);
        out.time_micros(self.received_micros);
        out.raw(r#"","stageTimestamp":""#);
        out.time_micros(self.stage_micros);
        out.push(b'"');
        self.render_annotations(out);
        out.push(b'}');
    }

    fn render_annotations(&self, out: &mut Vec<u8>) {
        let decision = match self.authz {
            Authz::Allow(reason) => Some(("allow", reason)),
            Authz::Forbid => Some(("forbid", "")),
            Authz::Unauthenticated => None,
        };
        if decision.is_none() && self.annotations.is_empty() && self.early_annotations.is_empty() {
            return;
        }
        out.raw(r#","annotations":{"#);
        let mut first = true;
        let mut pair = |out: &mut Vec<u8>, key: &str, value: &str| {
            if !first {
                out.push(b',');
            }
            first = false;
            out.str(key);
            out.push(b':');
            out.str(value);
        };
        for (k, v) in self.early_annotations {
            pair(out, k, v);
        }
        if let Some((decision, reason)) = decision {
            pair(out, "authorization.k8s.io/decision", decision);
            pair(out, "authorization.k8s.io/reason", reason);
        }
        for (k, v) in self.annotations {
            pair(out, k, v);
        }
        out.push(b'}');
    }
}

fn render_object_ref(obj: &ObjRef<'_>, out: &mut Vec<u8>) {
    out.raw(r#","objectRef":{"resource":"#);
    out.str(obj.resource);
    if let Some(ns) = obj.namespace {
        out.raw(r#","namespace":"#);
        out.str(ns);
    }
    if let Some(name) = obj.name {
        out.raw(r#","name":"#);
        out.str(name);
    }
    if !obj.group.is_empty() {
        out.raw(r#","apiGroup":"#);
        out.str(obj.group);
    }
    out.raw(r#","apiVersion":"#);
    out.str(obj.version);
    if let Some(sub) = obj.subresource {
        out.raw(r#","subresource":"#);
        out.str(sub);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(username: &str) -> Actor {
        let id = super::super::cast::Identity {
            username,
            uid: None,
            groups: &["system:authenticated"],
            extra: &[],
        };
        Actor::new(id, "kubectl/v1.31.0", "10.0.0.1", "RBAC: x")
    }

    fn event<'a>(actor: &'a Actor, verb: &'a str, object: Option<ObjRef<'a>>) -> Event<'a> {
        Event {
            audit_id: AuditId::Bits(1),
            uri: b"/api/v1/namespaces/a/pods?limit=500&watch=true",
            verb,
            actor,
            object,
            code: 200,
            failure: None,
            request_object: Some(br#"{"a":1}"#),
            response_object: Some(br#"{"b":2}"#),
            received_micros: 1_793_599_200_000_000,
            stage_micros: 1_793_599_200_012_345,
            authz: Authz::Allow("RBAC: x"),
            annotations: &[],
            early_annotations: &[],
        }
    }

    fn obj<'a>(resource: &'a str, group: &'a str, name: Option<&'a str>) -> ObjRef<'a> {
        ObjRef {
            resource,
            namespace: Some("kube-system"),
            name,
            group,
            version: "v1",
            subresource: None,
        }
    }

    #[test]
    fn levels_follow_the_eks_policy() {
        let a = actor("alice");
        let level = |verb, o| event(&a, verb, Some(o)).level();
        assert_eq!(
            level("patch", obj("configmaps", "", Some("aws-auth"))),
            Level::RequestResponse
        );
        assert_eq!(
            level("get", obj("configmaps", "", Some("aws-auth"))),
            Level::Metadata
        );
        assert_eq!(level("create", obj("secrets", "", None)), Level::Metadata);
        assert_eq!(level("list", obj("pods", "", None)), Level::Request);
        assert_eq!(
            level("create", obj("pods", "", None)),
            Level::RequestResponse
        );
        assert_eq!(
            level("update", obj("leases", "coordination.k8s.io", None)),
            Level::Metadata
        );
        assert_eq!(event(&a, "get", None).level(), Level::Metadata);
    }

    #[test]
    fn renders_a_parseable_line_in_api_server_order() {
        let a = actor("alice");
        let mut out = Vec::new();
        event(&a, "create", Some(obj("pods", "", Some("p")))).render(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(r#""requestURI":"/api/v1/namespaces/a/pods?limit=500\u0026watch=true""#)
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.contains(&"requestObject") && keys.contains(&"responseObject"));
        assert!(text.starts_with(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse""#
        ));
        assert!(text.find("\"requestObject\"") < text.find("\"requestReceivedTimestamp\""));
        assert_eq!(v["annotations"]["authorization.k8s.io/decision"], "allow");
    }

    #[test]
    fn metadata_level_drops_bodies_and_failures_keep_bounded_fields() {
        let a = actor("alice");
        let mut e = event(&a, "list", Some(obj("secrets", "", None)));
        e.code = 403;
        e.failure = Some("Forbidden");
        e.authz = Authz::Forbid;
        let mut out = Vec::new();
        e.render(&mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(v.get("requestObject").is_none());
        assert_eq!(v["responseStatus"]["status"], "Failure");
        assert_eq!(v["responseStatus"]["code"], 403);
        assert_eq!(v["annotations"]["authorization.k8s.io/reason"], "");
    }
}
