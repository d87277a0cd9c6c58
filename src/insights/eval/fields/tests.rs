use std::borrow::Cow;

use super::*;
use crate::audit::formats::{AuditRecord, Format, SystemFields};
use crate::source::demo::{DemoConfig, demo_bytes};

/// An EKS audit event as CloudWatch stores it: Go's encoder escapes `&`, `<` and `>`.
const CREATE_BINDING: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"5e0c2b43-8a7d-4f0e-9d1c-3b2a1f0e9d8c","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create\u0026fieldValidation=Strict","verb":"create","user":{"username":"priya.sharma","uid":"aws-iam-authenticator:111122223333:AIDAQ3EGRT7ZN4KD2WXYB","groups":["system:authenticated"],"extra":{"accessKeyId":["AKIAQ3EGRT7ZMPX5KL2V"],"arn":["arn:aws:iam::111122223333:user/priya.sharma"],"sessionName":[""],"sigs.k8s.io/aws-iam-authenticator/principalId":["AIDAQ3EGRT7ZN4KD2WXYB"]}},"sourceIPs":["203.0.113.77","10.0.0.1"],"userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/94953ac","objectRef":{"resource":"clusterrolebindings","name":"node-health-agent","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"ClusterRoleBinding","metadata":{"name":"node-health-agent","annotations":{"note":"a \"quoted\" {brace} [bracket] \\ back"}},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"ServiceAccount","name":"node-health-agent","namespace":"kube-system"}]},"requestReceivedTimestamp":"2026-11-02T08:14:03.120311Z","stageTimestamp":"2026-11-02T08:14:03.131907Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"EKS Access Policy: allowed by ClusterRoleBinding \u003cnone\u003e"}}"#;

/// A pretty-printed event with a literal dotted key, escapes in a key, nested arrays, a float,
/// a negative number, `null`, booleans and a key starting with `@`.
const ODD_SHAPES: &str = r#"{
  "kind": "Event",
  "@type": "audit",
  "verb": "patch",
  "a.b": "literal",
  "a": {"b": "nested", "c": {"d.e": {"f": 7}}},
  "objectRef": {"resource": "pods", "subresource": "exec", "namespace": null},
  "responseStatus": {"code": 403, "status": "Failure", "reason": "Forbidden", "ratio": -1.5e2, "ok": false, "big": 12345678901234567890},
  "matrix": [[1, 2], [3, [4, "five"]], {"x": true}],
  "empty": {}, "none": [],
  "weird\"key": "q",
  "sla\/sh": "s\u00e9\n",
  "annotations": {"authorization.k8s.io/decision": "forbid", "pod-security.kubernetes.io/enforce-policy": "restricted:latest"}
}"#;

fn s(text: &str) -> Value {
    Value::str(text)
}

#[test]
fn paths_resolve_in_real_event_shapes() {
    let table: &[(&str, &str, Value)] = &[
        (CREATE_BINDING, "verb", s("create")),
        (
            CREATE_BINDING,
            "objectRef.resource",
            s("clusterrolebindings"),
        ),
        (CREATE_BINDING, "user.username", s("priya.sharma")),
        (CREATE_BINDING, "user.groups.0", s("system:authenticated")),
        (CREATE_BINDING, "user.groups.1", Value::Missing),
        (CREATE_BINDING, "sourceIPs.1", s("10.0.0.1")),
        (CREATE_BINDING, "user.extra.sessionName.0", s("")),
        (
            CREATE_BINDING,
            "user.extra.sigs.k8s.io/aws-iam-authenticator/principalId.0",
            s("AIDAQ3EGRT7ZN4KD2WXYB"),
        ),
        (CREATE_BINDING, "responseStatus.code", Value::Int(201)),
        (CREATE_BINDING, "responseStatus.metadata", s("{}")),
        (
            CREATE_BINDING,
            "annotations.authorization.k8s.io/decision",
            s("allow"),
        ),
        (
            CREATE_BINDING,
            "annotations.authorization.k8s.io/reason",
            s("EKS Access Policy: allowed by ClusterRoleBinding <none>"),
        ),
        (
            CREATE_BINDING,
            "requestURI",
            s(
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create&fieldValidation=Strict",
            ),
        ),
        (
            CREATE_BINDING,
            "requestObject.roleRef.name",
            s("cluster-admin"),
        ),
        (
            CREATE_BINDING,
            "requestObject.subjects.0.namespace",
            s("kube-system"),
        ),
        (
            CREATE_BINDING,
            "requestObject.metadata.annotations.note",
            s(r#"a "quoted" {brace} [bracket] \ back"#),
        ),
        (
            CREATE_BINDING,
            "requestObject.subjects.0.missing",
            Value::Missing,
        ),
        (CREATE_BINDING, "objectRef.namespace", Value::Missing),
        (ODD_SHAPES, "a.b", s("literal")),
        (ODD_SHAPES, "a.c.d.e.f", Value::Int(7)),
        (ODD_SHAPES, "objectRef.namespace", Value::Null),
        (ODD_SHAPES, "responseStatus.code", Value::Int(403)),
        (ODD_SHAPES, "responseStatus.ratio", Value::Float(-150.0)),
        (ODD_SHAPES, "responseStatus.ok", Value::Bool(false)),
        (
            ODD_SHAPES,
            "responseStatus.big",
            Value::Float(12_345_678_901_234_567_890.0),
        ),
        (ODD_SHAPES, "matrix.0.1", Value::Int(2)),
        (ODD_SHAPES, "matrix.1.1.1", s("five")),
        (ODD_SHAPES, "matrix.2.x", Value::Bool(true)),
        (ODD_SHAPES, "matrix.1", s(r#"[3, [4, "five"]]"#)),
        (ODD_SHAPES, "matrix.01", Value::Missing),
        (ODD_SHAPES, "matrix.3", Value::Missing),
        (ODD_SHAPES, "weird\"key", s("q")),
        (ODD_SHAPES, "sla/sh", s("sé\n")),
        (ODD_SHAPES, "@@type", s("audit")),
        (ODD_SHAPES, "@type", Value::Missing),
        (ODD_SHAPES, "empty", s("{}")),
        (ODD_SHAPES, "none.0", Value::Missing),
        (
            ODD_SHAPES,
            "annotations.pod-security.kubernetes.io/enforce-policy",
            s("restricted:latest"),
        ),
        (ODD_SHAPES, "", Value::Missing),
        ("not json", "verb", Value::Missing),
        (r#"{"verb":"get","user":{"username":"x"#, "verb", s("get")),
        (
            r#"{"verb":"get","user":{"username":"x"#,
            "user.username",
            Value::Missing,
        ),
    ];
    for (event, path, want) in table {
        assert_eq!(get(event, &FieldPath::new(path)), *want, "{path}");
    }
    // A whole object reads as its text, as written.
    let user = get(CREATE_BINDING, &FieldPath::new("user"));
    assert!(
        matches!(&user, Value::Str(t) if t.starts_with(r#"{"username":"priya.sharma","#)
        && t.ends_with(r#"["AIDAQ3EGRT7ZN4KD2WXYB"]}}"#))
    );
    // Keys of 63 bytes and more are told apart by comparing them.
    let long = "k".repeat(70);
    let text = format!(r#"{{"{long}x":0,"{long}":{{"b":1}}}}"#);
    assert_eq!(
        get(&text, &FieldPath::new(&format!("{long}.b"))),
        Value::Int(1)
    );
    // Empty segments are keys like any other.
    let empty = r#"{"":{"a":1},"b":{"":2}}"#;
    assert_eq!(get(empty, &FieldPath::new(".a")), Value::Int(1));
    assert_eq!(get(empty, &FieldPath::new("b.")), Value::Int(2));
    let names: Vec<String> = flatten(empty).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, [".a", "b."]);
}

#[test]
fn field_set_equals_get_per_path() {
    let names = [
        "verb",
        "objectRef.resource",
        "objectRef.name",
        "user.groups.0",
        "a.b",
        "a",
        "a.c.d.e.f",
        "matrix.1.1.0",
        "matrix.1",
        "annotations.authorization.k8s.io/decision",
        "requestObject.subjects.0.kind",
        "responseStatus.code",
        "@timestamp",
        "@@type",
        "nothing.here",
    ];
    // More paths than fit on the stack, too, with repeats.
    let mut many: Vec<&str> = names.to_vec();
    many.extend(names.iter().rev());
    for set_names in [&names[..], &names[..3], &names[4..6], &many[..]] {
        let set = FieldSet::from_names(set_names.iter());
        for event in [CREATE_BINDING, ODD_SHAPES] {
            let mut out = vec![Value::Int(-1); set.len()];
            set.resolve(event, &mut out);
            for (path, got) in set.paths().iter().zip(&out) {
                assert_eq!(*got, get(event, path), "{}", path.name());
            }
        }
    }
}

#[test]
fn raw_values_borrow_from_the_message() {
    let path = FieldPath::new("objectRef.resource");
    let raw = get_raw(CREATE_BINDING, &path);
    assert!(matches!(
        raw.as_str(),
        Some(Cow::Borrowed("clusterrolebindings"))
    ));
    let raw = get_raw(ODD_SHAPES, &FieldPath::new("sla/sh"));
    assert_eq!(raw.as_str().as_deref(), Some("sé\n"));
    assert_eq!(
        get_raw(CREATE_BINDING, &FieldPath::new("responseStatus.code")),
        RawValue::Number("201")
    );
}

#[test]
fn flatten_names_every_leaf_in_order() {
    let got = flatten(ODD_SHAPES);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "kind",
            "@@type",
            "verb",
            "a.b",
            "a.b",
            "a.c.d.e.f",
            "objectRef.resource",
            "objectRef.subresource",
            "objectRef.namespace",
            "responseStatus.code",
            "responseStatus.status",
            "responseStatus.reason",
            "responseStatus.ratio",
            "responseStatus.ok",
            "responseStatus.big",
            "matrix.0.0",
            "matrix.0.1",
            "matrix.1.0",
            "matrix.1.1.0",
            "matrix.1.1.1",
            "matrix.2.x",
            "weird\"key",
            "sla/sh",
            "annotations.authorization.k8s.io/decision",
            "annotations.pod-security.kubernetes.io/enforce-policy",
        ]
    );
    // Each flattened name reads back the first leaf of that name.
    let mut seen = std::collections::HashSet::new();
    for (name, value) in &got {
        if seen.insert(name.clone()) {
            assert_eq!(get(ODD_SHAPES, &FieldPath::new(name)), *value, "{name}");
        }
    }
    assert!(flatten("[1,2]").is_empty());
    assert_eq!(
        flatten(r#"{"a":1,"b":"#),
        [("a".to_string(), Value::Int(1))]
    );
}

fn record(message: &str) -> AuditRecord<'_> {
    let event = crate::audit::decode_event(message.as_bytes(), crate::audit::Depth::Table)
        .expect("fixture decodes");
    AuditRecord {
        event,
        message: message.as_bytes(),
        original: message.as_bytes(),
        system: SystemFields {
            timestamp_ms: Some(1_793_607_243_131),
            ingestion_time_ms: None,
            log_stream: Cow::Borrowed("kube-apiserver-audit-2f1a"),
            log_group: Cow::Borrowed("/aws/eks/atlas-prod/cluster"),
            event_id: None,
            source_id: "f3a9c2d1e0",
            offset: 1234,
        },
        format: Format::JsonLines,
        line: 7,
    }
}

#[test]
fn system_fields_come_from_the_record() {
    let rec = record(CREATE_BINDING);
    let fields = RecordFields::new(&rec);
    let set = FieldSet::from_names([
        "@timestamp",
        "@message",
        "@logStream",
        "@log",
        "@ingestionTime",
        "@ptr",
        "@eventId",
        "verb",
    ]);
    let mut out = vec![Value::Missing; set.len()];
    fields.resolve(&set, &mut out);
    assert_eq!(
        out,
        [
            Value::Time(1_793_607_243_131),
            s(CREATE_BINDING),
            s("kube-apiserver-audit-2f1a"),
            s("/aws/eks/atlas-prod/cluster"),
            Value::Missing,
            s("f3a9c2d1e0:1234"),
            Value::Missing,
            s("create"),
        ]
    );
    for (path, want) in set.paths().iter().zip(&out) {
        assert_eq!(fields.get(path), *want, "{}", path.name());
    }
    assert_eq!(
        FieldPath::new("@timestamp").system(),
        Some(SystemField::Timestamp)
    );
    assert!(!FieldPath::new("@eventId").is_json());
}

#[test]
fn prefilter_is_conservative_about_escapes_and_numbers() {
    assert!(prefilter_applies("clusterrolebindings"));
    assert!(prefilter_applies(
        "system:serviceaccount:kube-system:node-health-agent"
    ));
    for needle in [
        "",
        "a/b",
        "<none>",
        "a&b",
        "é",
        "say \"hi\"",
        "401",
        "4.5",
        "tab\t",
    ] {
        assert!(!prefilter_applies(needle), "{needle}");
    }
    assert!(may_contain(
        CREATE_BINDING.as_bytes(),
        b"clusterrolebindings"
    ));
    assert!(!may_contain(CREATE_BINDING.as_bytes(), b"configmaps"));
    let pre = Prefilter::new("clusterrolebindings").expect("a plain word applies");
    assert!(pre.may_match(CREATE_BINDING.as_bytes()));
    assert!(!pre.may_match(ODD_SHAPES.as_bytes()));
    assert!(Prefilter::new("<none>").is_none());
    // The reason the slash and `<` are refused: the text holds them escaped.
    assert!(!may_contain(ODD_SHAPES.as_bytes(), b"sla/sh"));
    assert!(!may_contain(CREATE_BINDING.as_bytes(), b"<none>"));
}

/// Flattening with serde_json, written without any of this module's code.
fn flatten_reference(json: &serde_json::Value, name: &str, out: &mut Vec<(String, Value)>) {
    let join = |k: &str| {
        if name.is_empty() {
            if k.starts_with('@') {
                format!("@{k}")
            } else {
                k.to_string()
            }
        } else {
            format!("{name}.{k}")
        }
    };
    match json {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten_reference(v, &join(k), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_reference(v, &join(&i.to_string()), out);
            }
        }
        leaf => out.push((name.to_string(), Value::from_json(leaf))),
    }
}

/// The demo incident as JSON lines.
fn demo_text(events: usize, seed: u64) -> String {
    String::from_utf8(demo_bytes(&DemoConfig { events, seed })).expect("demo is UTF-8")
}

#[test]
fn demo_events_flatten_and_resolve_like_serde_json() {
    let text = demo_text(2000, 3);
    let probe = FieldSet::from_names([
        "verb",
        "objectRef.resource",
        "responseStatus.code",
        "user.username",
        "user.groups.1",
        "sourceIPs.0",
        "annotations.authorization.k8s.io/decision",
        "requestObject.spec.containers.0.image",
        "responseObject.metadata.name",
        "not.there",
    ]);
    let mut out = vec![Value::Missing; probe.len()];
    for line in text.lines() {
        let json: serde_json::Value = serde_json::from_str(line).expect("demo line is JSON");
        let mut want = Vec::new();
        flatten_reference(&json, "", &mut want);
        let mut got = flatten(line);
        // serde_json (without preserve_order) sorts keys, so compare as sorted lists.
        want.sort_by(|a, b| a.0.cmp(&b.0));
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want, "{line}");
        // Every leaf reads back through one set of all the event's names (demo events have no
        // two leaves of one name).
        let every = FieldSet::from_names(want.iter().map(|(n, _)| n));
        let mut values = vec![Value::Missing; every.len()];
        every.resolve(line, &mut values);
        let expected: Vec<Value> = want.iter().map(|(_, v)| v.clone()).collect();
        assert_eq!(values, expected, "{line}");
        probe.resolve(line, &mut out);
        for (path, got) in probe.paths().iter().zip(&out) {
            let want = want
                .iter()
                .find(|(n, _)| n == path.name())
                .map_or(Value::Missing, |(_, v)| v.clone());
            assert_eq!(*got, want, "{} in {line}", path.name());
        }
    }
}
