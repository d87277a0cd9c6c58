use std::borrow::Cow;

use super::super::gke_event::{event_of, format_micros};
use super::*;
use crate::audit::{Depth, decode_event};

#[test]
fn method_names_give_verb_group_version_resource_and_subresource() {
    let m = Method::parse("io.k8s.core.v1.pods.exec.create");
    assert_eq!(m.group.as_deref(), Some(""));
    assert_eq!(
        (m.version, m.resource, m.subresource, m.verb),
        (Some("v1"), Some("pods"), Some("exec"), Some("create"))
    );
    let m = Method::parse("io.k8s.apps.v1.deployments.create");
    assert_eq!(m.group.as_deref(), Some("apps"));
    assert_eq!((m.resource, m.verb), (Some("deployments"), Some("create")));
    // GKE shortens the built-in groups: the whole name is the API's.
    let m = Method::parse("io.k8s.rbac.v1.clusterrolebindings.create");
    assert_eq!(m.group.as_deref(), Some("rbac.authorization.k8s.io"));
    let m = Method::parse("io.k8s.authorization.rbac.v1.roles.patch");
    assert_eq!(m.group.as_deref(), Some("rbac.authorization.k8s.io"));
    assert_eq!((m.resource, m.verb), (Some("roles"), Some("patch")));
    let m = Method::parse("io.k8s.networking.gke.io.v1beta1.managedcertificates.deletecollection");
    assert_eq!(m.group.as_deref(), Some("networking.gke.io"));
    assert_eq!(m.version, Some("v1beta1"));
    assert_eq!(m.verb, Some("deletecollection"));
    let m = Method::parse("io.k8s.coordination.v1.leases.update");
    assert_eq!(m.group.as_deref(), Some("coordination.k8s.io"));
    // Outside the resource API: a path, and a verb only when one is written.
    let m = Method::parse("io.k8s.readyz");
    assert_eq!((m.verb, m.path.as_deref()), (None, Some("/readyz")));
    let m = Method::parse("io.k8s.core.v1.healthz.get");
    assert_eq!((m.resource, m.verb), (Some("healthz"), Some("get")));
    assert_eq!(
        Method::parse("v2.deploymentmanager.deployments.insert"),
        Method::default()
    );
}

#[test]
fn resource_names_give_the_object() {
    let m = Method::parse("io.k8s.core.v1.pods.exec.create");
    let t = Target::parse("core/v1/namespaces/ns1/pods/web-0/exec", &m);
    assert_eq!(t.group.as_deref(), Some(""));
    assert_eq!(
        (t.namespace, t.resource, t.name, t.subresource),
        (Some("ns1"), Some("pods"), Some("web-0"), Some("exec"))
    );
    assert_eq!(
        t.request_uri().as_deref(),
        Some("/api/v1/namespaces/ns1/pods/web-0/exec")
    );
    let m = Method::parse("io.k8s.rbac.v1.clusterrolebindings.create");
    let t = Target::parse(
        "rbac.authorization.k8s.io/v1/clusterrolebindings/admin-2",
        &m,
    );
    assert_eq!(t.group.as_deref(), Some("rbac.authorization.k8s.io"));
    assert_eq!((t.namespace, t.name), (None, Some("admin-2")));
    assert_eq!(
        t.request_uri().as_deref(),
        Some("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/admin-2")
    );
    // A namespace itself, and its subresources, are not objects in a namespace.
    let m = Method::parse("io.k8s.core.v1.namespaces.status.update");
    let t = Target::parse("core/v1/namespaces/team-a/status", &m);
    assert_eq!(
        (t.namespace, t.resource, t.name, t.subresource),
        (None, Some("namespaces"), Some("team-a"), Some("status"))
    );
    let t = Target::parse("core/v1/namespaces/team-a/finalize", &Method::default());
    assert_eq!((t.resource, t.name), (Some("namespaces"), Some("team-a")));
    // A list in a namespace.
    let m = Method::parse("io.k8s.core.v1.secrets.list");
    let t = Target::parse("core/v1/namespaces/prod/secrets", &m);
    assert_eq!(
        (t.namespace, t.resource, t.name),
        (Some("prod"), Some("secrets"), None)
    );
    assert_eq!(
        Target::parse("/readyz", &Method::default()).path,
        Some(Cow::Borrowed("/readyz"))
    );
    assert_eq!(Target::parse("core", &m), Target::default());
    assert_eq!(Target::parse("core/v1//x", &m), Target::default());
}

#[test]
fn grpc_codes_map_to_http_as_google_does() {
    let pairs = [
        (0, 200),
        (1, 499),
        (2, 500),
        (3, 400),
        (4, 504),
        (5, 404),
        (6, 409),
        (7, 403),
        (8, 429),
        (9, 400),
        (10, 409),
        (11, 400),
        (12, 501),
        (13, 500),
        (14, 503),
        (15, 500),
        (16, 401),
    ];
    for (grpc, http) in pairs {
        assert_eq!(http_code(grpc), http, "{grpc}");
    }
}

#[test]
fn times_are_written_as_the_api_server_writes_them() {
    for (raw, want) in [
        (
            r#""2024-01-19T13:47:18.279921238Z""#,
            "2024-01-19T13:47:18.279921Z",
        ),
        (
            r#""2024-01-19T13:47:18.279Z""#,
            "2024-01-19T13:47:18.279000Z",
        ),
        (r#""2024-01-01T01:00:00Z""#, "2024-01-01T01:00:00.000000Z"),
        // Panther writes them without a zone: UTC.
        (
            r#""2024-01-19 13:47:18.279921000""#,
            "2024-01-19T13:47:18.279921Z",
        ),
        (
            r#""2024-01-19T14:47:18+01:00""#,
            "2024-01-19T13:47:18.000000Z",
        ),
        (
            r#"{"seconds":1705672038,"nanos":279921238}"#,
            "2024-01-19T13:47:18.279921Z",
        ),
        ("1705672038279", "2024-01-19T13:47:18.279000Z"),
        ("1705672038279921238", "2024-01-19T13:47:18.279921Z"),
        ("1705672038", "2024-01-19T13:47:18.000000Z"),
        (r#""1969-12-31T23:59:59.5Z""#, "1969-12-31T23:59:59.500000Z"),
        (r#""2000-02-29T00:00:00Z""#, "2000-02-29T00:00:00.000000Z"),
    ] {
        // A number is read up to what follows it, as in an entry.
        let text = format!("{raw},");
        let mut s = Scanner::new(&text);
        let micros = time(&mut s).unwrap().unwrap_or_else(|| panic!("{raw}"));
        assert_eq!(format_micros(micros), want, "{raw}");
        assert_eq!(parse_rfc3339_micros(want), Some(micros), "{raw}");
    }
    let mut s = Scanner::new(r#""yesterday""#);
    assert_eq!(time(&mut s).unwrap(), None);
}

const EXEC: &str = r#"{"insertId":"i-1","labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"admins\""},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","operation":{"first":true,"id":"op-1","last":true,"producer":"k8s.io"},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"alice@example.com"},"methodName":"io.k8s.core.v1.pods.exec.create","request":{"@type":"core.k8s.io/v1.PodExecOptions","command":["sh"]},"requestMetadata":{"callerIp":"203.0.113.9","callerSuppliedUserAgent":"kubectl/v1.30.1"},"resourceName":"core/v1/namespaces/ns1/pods/web-0/exec","serviceName":"k8s.io","status":{"code":7,"message":"denied \"x\""}},"resource":{"labels":{"cluster_name":"c1","location":"europe-west1","project_id":"p"},"type":"k8s_cluster"},"timestamp":"2024-01-19T13:47:18.279921238Z"}"#;

#[test]
fn an_entry_becomes_the_event_it_stands_for() {
    let text = event_json(EXEC).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want = serde_json::json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Request",
        "auditID": "op-1",
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/ns1/pods/web-0/exec",
        "verb": "create",
        "user": {"username": "alice@example.com"},
        "sourceIPs": ["203.0.113.9"],
        "userAgent": "kubectl/v1.30.1",
        "objectRef": {"resource": "pods", "namespace": "ns1", "name": "web-0", "apiVersion": "v1", "subresource": "exec"},
        "responseStatus": {"metadata": {}, "status": "Failure", "message": "denied \"x\"", "code": 403},
        "requestObject": {"@type": "core.k8s.io/v1.PodExecOptions", "command": ["sh"]},
        "requestReceivedTimestamp": "2024-01-19T13:47:18.279921Z",
        "stageTimestamp": "2024-01-19T13:47:18.279921Z",
        "annotations": {
            "authorization.k8s.io/decision": "allow",
            "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"admins\"",
            "cluster_name": "c1",
            "location": "europe-west1",
            "project_id": "p"
        }
    });
    assert_eq!(v, want);
    // The decoder's fast paths know it for an API server's event.
    let event = decode_event(text.as_bytes(), Depth::Classify).unwrap();
    assert_eq!(event.api_version.as_deref(), Some("audit.k8s.io/v1"));
    let event = decode_event(text.as_bytes(), Depth::Full).unwrap();
    assert_eq!(event.decision(), Some("allow"));
    assert_eq!(event.code(), Some(403));
    assert_eq!(
        crate::audit::stage_timestamp_from_end(text.as_bytes()),
        Some("2024-01-19T13:47:18.279921Z")
    );
}

#[test]
fn delegation_is_impersonation_and_first_of_two_entries_is_response_started() {
    let entry = r#"{"insertId":"i-2","operation":{"id":"op-2","first":true},"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.watch","authenticationInfo":{"principalEmail":"deployer@p.iam.gserviceaccount.com","serviceAccountDelegationInfo":[{"firstPartyPrincipal":{"principalEmail":"bob@example.com"}},{"firstPartyPrincipal":{"principalEmail":"mid@p.iam.gserviceaccount.com"}}]},"resourceName":"core/v1/namespaces/prod/pods","status":{}},"receiveTimestamp":"2024-01-19T13:47:19Z"}"#;
    let v: serde_json::Value = serde_json::from_str(&event_json(entry).unwrap()).unwrap();
    assert_eq!(v["user"]["username"], "bob@example.com");
    assert_eq!(
        v["impersonatedUser"]["username"],
        "deployer@p.iam.gserviceaccount.com"
    );
    assert_eq!(v["stage"], "ResponseStarted");
    assert_eq!(v["verb"], "watch");
    assert_eq!(v["level"], "Metadata");
    assert_eq!(v["responseStatus"]["code"], 200);
    assert_eq!(v["responseStatus"]["status"], "Success");
    assert_eq!(v["stageTimestamp"], "2024-01-19T13:47:19.000000Z");
    assert_eq!(v["requestURI"], "/api/v1/namespaces/prod/pods");
    assert_eq!(v.get("annotations"), None);
    assert_eq!(v.get("sourceIPs"), None);
}

#[test]
fn other_services_and_other_shapes_are_not_read() {
    for raw in [
        r#"{"protoPayload":{"serviceName":"compute.googleapis.com","methodName":"compute.instances.list"}}"#,
        r#"{"protoPayload":{"methodName":"v2.deploymentmanager.deployments.insert"}}"#,
        r#"{"insertId":"x","jsonPayload":{"message":"hello"}}"#,
        r#"{"insertId":"x","protoPayload":"io.k8s.core.v1.pods.create"}"#,
        r#"{"protoPayload":{"serviceName":"k8s.io"}} trailing"#,
        r#"{"protoPayload":{"serviceName":"k8s.io""#,
        r#"{"protoPayload":{"serviceName":"k8s.io"},"kind":"Event","auditID":"a"}"#,
    ] {
        assert_eq!(event_json(raw), None, "{raw}");
    }
    // Hostile text stays inside its strings.
    let raw = "{\"protoPayload\":{\"serviceName\":\"k8s.io\",\"authenticationInfo\":{\"principalEmail\":\"a\\u001b[2J\\\"b\"}}}";
    let text = event_json(raw).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["user"]["username"], "a\u{1b}[2J\"b");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn entries_are_told_by_their_first_member() {
    assert!(looks_like_entry(br#"{"insertId":"x"}"#));
    assert!(looks_like_entry(b"{\n  \"insertId\": \"x\"}"));
    assert!(looks_like_entry(br#"{"protoPayload":{}}"#));
    assert!(!looks_like_entry(br#"{"kind":"Event"}"#));
    assert!(!looks_like_entry(b" {\"insertId\":1}"));
}

#[test]
fn the_event_taken_from_the_writing_is_the_one_its_text_decodes_to() {
    let fixtures = include_str!("../../../tests/fixtures/gke/entries.jsonl");
    let escapes = r#"{"insertId":"q\"1","labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: \"x\" \u00e9","n":7,"other/k":"v"},"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.get","resourceName":"core/v1/namespaces/a\"b/pods/c\\d","authenticationInfo":{"principalEmail":"a\u001b[2Jb"},"requestMetadata":{"callerIp":"::1","callerSuppliedUserAgent":"x\ty"},"status":{"code":16,"message":"no \"token\""}},"timestamp":"2024-01-19T13:47:18Z"}"#;
    let bare = r#"{"protoPayload":{"methodName":"io.k8s.readyz"}}"#;
    // A time already as the API server writes it is copied; nothing to escape before the
    // annotations, so the fields are taken as written.
    let micros = EXEC
        .replace("18.279921238Z", "18.279921Z")
        .replace(r#""message":"denied \"x\"""#, r#""message":"denied""#);
    let rebuilt = rebuild(&micros, true).unwrap();
    assert!(rebuilt.spans.plain, "{}", rebuilt.text);
    assert!(
        rebuilt
            .text
            .contains(r#""stageTimestamp":"2024-01-19T13:47:18.279921Z""#),
        "{}",
        rebuilt.text
    );
    assert_eq!(rebuilt.time_micros, Some(1_705_672_038_279_921));
    let mut entries: Vec<&str> = fixtures.lines().filter(|l| l.ends_with('}')).collect();
    entries.extend([EXEC, escapes, bare, &micros]);
    for raw in entries {
        let rebuilt = rebuild(raw, true).unwrap_or_else(|| panic!("{raw}"));
        for depth in [Depth::Classify, Depth::Minimal, Depth::Table, Depth::Full] {
            let taken = event_of(&rebuilt.text, &rebuilt.spans, depth);
            let decoded = decode_event(rebuilt.text.as_bytes(), depth).unwrap();
            assert_eq!(taken, decoded, "{depth:?}: {}", rebuilt.text);
        }
        let v: serde_json::Value = serde_json::from_str(&rebuilt.text).unwrap();
        assert_eq!(v["kind"], "Event");
    }
}

#[test]
fn authorization_info_names_the_resource_and_the_refusal_only_where_nothing_else_does() {
    let entry = |resource_name: &str, status: &str| {
        format!(
            r#"{{"protoPayload":{{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.secrets.get","authorizationInfo":[{{"granted":false,"permission":"io.k8s.core.v1.secrets.get","resource":"core/v1/namespaces/prod/secrets/db"}}]{resource_name}{status}}},"timestamp":"2024-01-19T13:47:19Z"}}"#
        )
    };
    let read = |raw: &str| -> serde_json::Value {
        serde_json::from_str(&event_json(raw).unwrap_or_else(|| panic!("{raw}"))).unwrap()
    };
    // Neither said otherwise: the object and the refusal come from it.
    let v = read(&entry("", ""));
    assert_eq!(v["objectRef"]["namespace"], "prod");
    assert_eq!(v["objectRef"]["name"], "db");
    assert_eq!(v["responseStatus"]["code"], 403);
    // Said otherwise: the entry's own resource name and status win.
    let v = read(&entry(
        r#","resourceName":"core/v1/namespaces/dev/secrets/app""#,
        r#","status":{"code":0}"#,
    ));
    assert_eq!(v["objectRef"]["namespace"], "dev");
    assert_eq!(v["objectRef"]["name"], "app");
    assert_eq!(v["responseStatus"]["code"], 200);
    // Needed, and not JSON: the entry is not read, as before.
    let bad = entry("", "").replace(r#""granted":false"#, r#""granted":fals"#);
    assert_eq!(event_json(&bad), None);
}
