use super::*;

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/configmaps","verb":"list","user":{"username":"alice","groups":["system:authenticated"],"extra":{"arn":["arn:aws:iam::1:user/alice"]}},"sourceIPs":["10.0.0.1","10.0.0.2"],"objectRef":{"resource":"configmaps","namespace":"default"},"responseStatus":{"metadata":{},"code":200},"annotations":{"authorization.k8s.io/decision":"allow"},"@odd":1,"esc\"aped":{"k\u0065y":true}}"#;

fn seen(events: &[&str]) -> FieldTree {
    let mut tree = FieldTree::new();
    for e in events {
        tree.add_event(e.as_bytes());
    }
    tree
}

#[test]
fn the_schema_lists_every_audit_event_field() {
    let s = schema();
    for name in [
        "kind",
        "auditID",
        "verb",
        "user",
        "user.username",
        "user.groups.0",
        "user.groups.12",
        "impersonatedUser.extra",
        "objectRef.resource",
        "objectRef.subresource",
        "responseStatus.code",
        "responseStatus.details.causes.0.field",
        "sourceIPs.0",
        "annotations.authorization.k8s.io/decision",
        "user.extra.sigs.k8s.io/aws-iam-authenticator/principalId.0",
        "requestReceivedTimestamp",
        "stageTimestamp",
        "timestamp",
    ] {
        assert_eq!(s.find(name), Found::Listed, "{name}");
    }
    // maps and objects kept as sent hold any key
    for name in [
        "annotations.example.com/anything",
        "user.extra.some-key.0",
        "requestObject.spec.containers.0.image",
        "responseObject.items.3.metadata.name",
        "metadata.creationTimestamp",
    ] {
        assert_eq!(s.find(name), Found::Below, "{name}");
    }
    for name in [
        "objectRef.resorce",
        "user.name",
        "verb.x",
        "sourceIPs.01",
        "responseStatus.details.causes.x",
        "@timestamp",
        "protoPayload.methodName",
    ] {
        assert_eq!(s.find(name), Found::Absent, "{name}");
    }
}

#[test]
fn names_come_from_events_keys_and_all() {
    let tree = seen(&[EVENT]);
    for name in [
        "kind",
        "user.extra.arn.0",
        "sourceIPs.1",
        "objectRef.namespace",
        // an empty object is a field too (it reads as `{}`)
        "responseStatus.metadata",
        "annotations.authorization.k8s.io/decision",
        "@@odd",
        "esc\"aped.key",
    ] {
        assert_eq!(tree.find(name), Found::Listed, "{name}");
    }
    for name in ["objectRef.name", "@odd", "annotations.other", "user.uid"] {
        assert_eq!(tree.find(name), Found::Absent, "{name}");
    }
    // the names of a second event add to the first's
    let mut both = tree.clone();
    both.add_event(br#"{"protoPayload":{"methodName":"io.k8s.core.v1.pods.create"}}"#);
    assert_eq!(both.find("protoPayload.methodName"), Found::Listed);
    assert_eq!(tree.find("protoPayload.methodName"), Found::Absent);
}

#[test]
fn broken_and_odd_text_adds_what_came_before() {
    let tree = seen(&[
        r#"{"a":1,"b":{"c":"#,
        "not json",
        "[1,2]",
        "",
        r#"{"d":[[{"e":1}]],"f":[]}"#,
    ]);
    assert_eq!(tree.find("a"), Found::Listed);
    assert_eq!(tree.find("b.c"), Found::Listed);
    assert_eq!(tree.find("d.0.0.e"), Found::Listed);
    assert_eq!(tree.find("f"), Found::Listed);
    assert_eq!(tree.find("f.0"), Found::Absent);
}

#[test]
fn bounds_open_nodes_rather_than_lose_names() {
    // a map with more keys than a node lists: every key below it may exist
    let mut big = String::from(r#"{"data":{"#);
    for i in 0..(MAX_KEYS + 5) {
        if i > 0 {
            big.push(',');
        }
        big.push_str(&format!(r#""key{i}":{{"v":1}}"#));
    }
    big.push_str("}}");
    let tree = seen(&[&big]);
    assert_eq!(tree.find("data.key3.v"), Found::Listed);
    assert_eq!(
        tree.find(&format!("data.key{}", MAX_KEYS + 2)),
        Found::Below
    );
    assert_eq!(tree.find("data.never.seen"), Found::Below);
    assert_eq!(tree.find("other"), Found::Absent);
    // nesting past the depth bound
    let deep = format!(
        "{}1{}",
        r#"{"x":"#.repeat(MAX_DEPTH + 3),
        "}".repeat(MAX_DEPTH + 3)
    );
    let tree = seen(&[&deep]);
    let below = vec!["x"; MAX_DEPTH + 3].join(".");
    assert_eq!(tree.find(&below), Found::Below);
    // the whole tree is bounded
    let mut tree = FieldTree::new();
    for i in 0..(MAX_NODES / 500 + 2) {
        let mut e = String::from("{");
        for k in 0..500 {
            if k > 0 {
                e.push(',');
            }
            e.push_str(&format!(r#""f{i}_{k}":1"#));
        }
        e.push('}');
        tree.add_event(e.as_bytes());
    }
    assert!(tree.len() <= MAX_NODES);
    assert_eq!(tree.find("f0_0"), Found::Listed);
    assert_eq!(tree.find("zzz"), Found::Below);
}

#[test]
fn names_are_listed_as_a_query_writes_them() {
    let tree = seen(&[EVENT]);
    let names = tree.names(usize::MAX);
    for n in [
        "user.groups.0",
        "sourceIPs.0",
        "@@odd",
        "annotations.authorization.k8s.io/decision",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
    }
    // parents before children, bounded
    let u = names.iter().position(|n| n == "user");
    let uu = names.iter().position(|n| n == "user.username");
    assert!(u < uu);
    assert_eq!(tree.names(3).len(), 3);
    assert!(schema_names().iter().any(|n| n == "objectRef.resource"));
}

#[test]
fn names_given_by_hand() {
    let tree = FieldTree::from_names(["a.`b.c`.d", "list.#.x", "m.*", "@@at"]);
    assert_eq!(tree.find("a.b.c.d"), Found::Listed);
    assert_eq!(tree.find("list.4.x"), Found::Listed);
    assert_eq!(tree.find("m.anything.at.all"), Found::Below);
    assert_eq!(tree.find("@@at"), Found::Listed);
    assert_eq!(tree.find("a.b"), Found::Absent);
    assert!(FieldTree::new().is_empty());
    assert!(!tree.is_empty());
}

#[test]
fn names_are_spelt_as_a_query_must_write_them() {
    let s = schema();
    assert_eq!(
        s.spell("annotations.authorization.k8s.io/decision")
            .as_deref(),
        Some("annotations.`authorization.k8s.io/decision`")
    );
    assert_eq!(
        s.spell("objectRef.resource").as_deref(),
        Some("objectRef.resource")
    );
    assert_eq!(s.spell("user.groups.3").as_deref(), Some("user.groups.3"));
    assert_eq!(s.spell("objectRef.resorce"), None);
    let tree = seen(&[EVENT, r#"{"a.b":{"c-d":1},"7up":2}"#]);
    assert_eq!(tree.spell("@@odd").as_deref(), Some("@@odd"));
    // a key holding a dot is one key: quoted, it cannot be read as two
    assert_eq!(tree.spell("a.b.c-d").as_deref(), Some("`a.b`.`c-d`"));
    assert_eq!(tree.spell("7up").as_deref(), Some("`7up`"));
}

#[test]
fn what_a_name_holds_below_a_map() {
    let s = schema();
    assert_eq!(
        s.below_open("requestObject.roleRef.name"),
        Some("roleRef.name")
    );
    assert_eq!(s.below_open("user.extra.team.0"), Some("team.0"));
    assert_eq!(
        s.below_open("annotations.example.com/team"),
        Some("example.com/team")
    );
    assert_eq!(s.below_open("objectRef.resource"), None);
    assert_eq!(s.below_open("requestObject"), None);
    assert_eq!(s.below_open("@timestamp"), None);
}
