use super::*;

const EKS_EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"5b2c9f7e-1d2a-4c1b-9b1e-0a6f3c2d1e00","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","verb":"create","user":{"username":"arn:aws:sts::111122223333:assumed-role/dev/alice","uid":"aws-iam-authenticator:111122223333:AROAEXAMPLE","groups":["system:authenticated"],"extra":{"accessKeyId":["ASIAEXAMPLE"],"arn":["arn:aws:sts::111122223333:assumed-role/dev/alice"],"sessionName":["alice"]}},"impersonatedUser":{"username":"bob","groups":["devs"]},"sourceIPs":["203.0.113.7","10.0.1.2"],"userAgent":"kubectl/v1.31.0 (darwin/arm64) kubernetes/abc","objectRef":{"resource":"clusterrolebindings","name":"pwn","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"ClusterRoleBinding","roleRef":{"name":"cluster-admin"},"note":"a } and a \" inside"},"responseObject":null,"requestReceivedTimestamp":"2026-11-02T08:15:31.123456Z","stageTimestamp":"2026-11-02T08:15:31.130001Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"admins\" of ClusterRole \"cluster-admin\" to Group \"devs\"","pod-security.kubernetes.io/enforce-policy":"privileged:latest"}}"#;

#[test]
fn decodes_every_member_of_an_eks_event() {
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Full).unwrap();
    assert_eq!(ev.kind.as_deref(), Some("Event"));
    assert_eq!(ev.api_version.as_deref(), Some("audit.k8s.io/v1"));
    assert_eq!(ev.level.as_deref(), Some("RequestResponse"));
    assert_eq!(ev.stage.as_deref(), Some("ResponseComplete"));
    assert_eq!(ev.verb(), Some("create"));
    assert_eq!(
        ev.username(),
        Some("arn:aws:sts::111122223333:assumed-role/dev/alice")
    );
    assert_eq!(
        ev.user.uid.as_deref(),
        Some("aws-iam-authenticator:111122223333:AROAEXAMPLE")
    );
    assert_eq!(ev.user.groups, ["system:authenticated"]);
    assert_eq!(ev.user_extra("sessionName"), Some("alice"));
    assert_eq!(ev.user_extra("accessKeyId"), Some("ASIAEXAMPLE"));
    let imp = ev.impersonated_user.as_ref().unwrap();
    assert_eq!(imp.username.as_deref(), Some("bob"));
    assert_eq!(imp.groups, ["devs"]);
    assert_eq!(ev.source_ips, ["203.0.113.7", "10.0.1.2"]);
    assert!(ev.user_agent.as_deref().unwrap().starts_with("kubectl/"));
    let obj = ev.object_ref.as_ref().unwrap();
    assert_eq!(obj.resource.as_deref(), Some("clusterrolebindings"));
    assert_eq!(obj.name.as_deref(), Some("pwn"));
    assert_eq!(obj.api_group.as_deref(), Some("rbac.authorization.k8s.io"));
    assert_eq!(obj.namespace, None);
    assert_eq!(ev.code(), Some(201));
    assert_eq!(
        ev.request_object,
        Some(
            r#"{"kind":"ClusterRoleBinding","roleRef":{"name":"cluster-admin"},"note":"a } and a \" inside"}"#
        )
    );
    assert_eq!(ev.response_object, None);
    assert_eq!(ev.decision(), Some("allow"));
    assert_eq!(
        ev.reason(),
        Some(
            r#"RBAC: allowed by ClusterRoleBinding "admins" of ClusterRole "cluster-admin" to Group "devs""#
        )
    );
    assert_eq!(
        ev.annotation("pod-security.kubernetes.io/enforce-policy"),
        Some("privileged:latest")
    );
    assert_eq!(ev.time_micros(), Some(1_793_607_331_130_001));
    assert!(!ev.truncated);
}

#[test]
fn table_detail_skips_what_a_table_does_not_show() {
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Table).unwrap();
    assert_eq!(ev.verb(), Some("create"));
    assert_eq!(ev.source_ips.len(), 2);
    assert!(ev.user.groups.is_empty());
    assert!(ev.user.extra.is_empty());
    assert_eq!(ev.annotations.len(), 2, "decision and reason only");
    assert_eq!(ev.decision(), Some("allow"));
}

#[test]
fn strings_borrow_from_the_input() {
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Full).unwrap();
    assert!(matches!(ev.verb, Some(Cow::Borrowed(_))));
    // The reason holds escaped quotes, so it alone is decoded into an owned string.
    let (_, reason) = &ev.annotations[1];
    assert!(matches!(reason, Cow::Owned(_)));
}

#[test]
fn v1beta1_timestamp_is_the_fallback_time() {
    let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","timestamp":"2017-09-11T19:55:05Z","auditID":"a","verb":"get"}"#;
    let ev = decode_event(line.as_bytes(), Depth::Table).unwrap();
    assert_eq!(ev.time_micros(), Some(1_505_159_705_000_000));
}

#[test]
fn an_event_without_kind_but_with_audit_id_is_accepted() {
    let ev = decode_event(br#"{"auditID":"x","verb":"list"}"#, Depth::Table).unwrap();
    assert_eq!(ev.audit_id.as_deref(), Some("x"));
}

/// `EKS_EVENT` grown past CloudWatch's cap by a long member inserted before `key` (the name of
/// a member of some object), so that a cut anywhere after the insertion is a cut at the cap.
fn grown(key: &str) -> String {
    let at = EKS_EVENT.find(key).unwrap();
    let pad = format!("\"pad\":\"{}\",", "x".repeat(CUT_AT_CAP));
    format!("{}{pad}{}", &EKS_EVENT[..at], &EKS_EVENT[at..])
}

#[test]
fn events_cut_at_the_cap_are_salvaged_and_marked() {
    // Cut inside requestObject, as CloudWatch's 256 KB cap does to big objects.
    let big = grown("\"note\"");
    let note = big.find("\"note\"").unwrap();
    let ev = decode_event(&big.as_bytes()[..note + 8], Depth::Full).unwrap();
    assert!(ev.truncated);
    assert_eq!(ev.verb(), Some("create"));
    assert_eq!(ev.code(), Some(201));
    assert_eq!(ev.request_object, None);
    assert_eq!(ev.decision(), None, "annotations came after the cut");
    // Cut at every byte past the cap's floor: never a panic, always salvaged and marked.
    for n in note..big.len() {
        match decode_event(&big.as_bytes()[..n], Depth::Full) {
            Ok(ev) => assert!(ev.truncated, "cut at {n} not marked"),
            Err(e) => panic!("cut at {n}: {e:?}"),
        }
    }
}

#[test]
fn a_short_record_that_ends_early_is_broken_not_truncated() {
    let broken = br#"{"kind":"Event","this is broken"#;
    let e = decode_event(broken, Depth::Table).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::EndsEarly);
    assert_eq!((e.offset, e.column_in(broken)), (31, 32));
    assert!(!e.to_string().contains("256"), "{e}");
    // Cut at every byte, a record under the cap is never an event: nothing is invented.
    for n in 0..EKS_EVENT.len() {
        match decode_event(&EKS_EVENT.as_bytes()[..n], Depth::Full) {
            Ok(ev) => panic!("cut at {n} read as an event: {ev:?}"),
            Err(e) => assert!(
                matches!(
                    e.kind,
                    DecodeErrorKind::CutBeforeAnyField
                        | DecodeErrorKind::Empty
                        | DecodeErrorKind::EndsEarly
                ),
                "cut at {n}: {e:?}"
            ),
        }
    }
}

#[test]
fn a_cut_inside_a_multibyte_character_is_still_salvaged() {
    let line = format!(
        "{{\"auditID\":\"a\",\"verb\":\"get\",\"userAgent\":\"{}caf\u{e9}",
        "x".repeat(CUT_AT_CAP)
    );
    let bytes = line.as_bytes();
    let ev = decode_event(&bytes[..bytes.len() - 1], Depth::Full).unwrap();
    assert!(ev.truncated);
    assert_eq!(ev.verb(), Some("get"));
}

#[test]
fn the_nested_member_being_read_when_cut_keeps_its_prefix() {
    let line = format!(
        r#"{{"auditID":"a","userAgent":"{}","objectRef":{{"resource":"secrets","namespace":"prod","na"#,
        "x".repeat(CUT_AT_CAP)
    );
    let ev = decode_event(line.as_bytes(), Depth::Full).unwrap();
    let obj = ev.object_ref.unwrap();
    assert_eq!(obj.resource.as_deref(), Some("secrets"));
    assert_eq!(obj.namespace.as_deref(), Some("prod"));
    assert!(ev.truncated);
}

#[test]
fn malformed_records_say_what_and_where() {
    let cases: &[(&str, usize, &str)] = &[
        (
            r#"{"kind": 0}"#,
            10,
            "`kind` is a number, expected a string",
        ),
        (
            r#"{"auditID":"a" "verb":"x"}"#,
            16,
            "invalid JSON: expected ',' or '}' in an object",
        ),
        (
            r#"{"auditID":"a"} {"#,
            17,
            "unexpected text after the event",
        ),
        (
            r#"{"sourceIPs":"1.2.3.4","auditID":"a"}"#,
            14,
            "`sourceIPs[]` is a string, expected an array",
        ),
        (
            r#"{"auditID":"a","responseStatus":{"code":true}}"#,
            41,
            "`responseStatus.code` is a boolean, expected an integer",
        ),
        (
            r#"{"kind":"EventList","items":[]}"#,
            1,
            "not an audit event: its kind is \"EventList\"",
        ),
        (
            r#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#,
            1,
            "not an audit event: a Kubernetes Event of apiVersion \"v1\", not an audit.k8s.io Event",
        ),
        (
            r#"{"technique":"x"}"#,
            1,
            "not an audit event: no `kind` and no `auditID`",
        ),
        (
            r#"[1,2]"#,
            1,
            "not an audit event: the record is an array, not an object",
        ),
        ("   ", 1, "empty record"),
        ("hello", 1, "invalid JSON: expected a JSON object"),
        (
            r#"{"auditID":"a","verb":nope}"#,
            23,
            "invalid JSON: invalid literal",
        ),
        (
            r#"{"verb"#,
            7,
            "the record ends before any audit field could be read",
        ),
    ];
    let mut wrong = Vec::new();
    for (input, column, message) in cases {
        let e = decode_event(input.as_bytes(), Depth::Full).unwrap_err();
        let got = (e.column_in(input.as_bytes()), e.to_string());
        if got != (*column, message.to_string()) {
            wrong.push(format!(
                "{input}\n  got {got:?}\n want {:?}",
                (column, message)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn invalid_utf8_is_reported_at_its_offset() {
    let mut bytes = br#"{"auditID":"a","verb":"get","userAgent":"x"#.to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(br#""}"#);
    let e = decode_event(&bytes, Depth::Full).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset, bytes.len() - 3);
}

#[test]
fn escapes_and_unicode_are_decoded() {
    let line = r#"{"auditID":"a","userAgent":"evil\u001b]0;title\u0007 \ud83d\ude00 \"q\" \\ \/"}"#;
    let ev = decode_event(line.as_bytes(), Depth::Full).unwrap();
    assert_eq!(
        ev.user_agent.as_deref(),
        Some("evil\u{1b}]0;title\u{7} 😀 \"q\" \\ /")
    );
}

#[test]
fn nulls_are_absent_values() {
    let line = r#"{"auditID":"a","verb":null,"user":null,"objectRef":null,"sourceIPs":null,"annotations":null,"responseStatus":{"code":null}}"#;
    let ev = decode_event(line.as_bytes(), Depth::Full).unwrap();
    assert_eq!(ev.verb, None);
    assert_eq!(ev.object_ref, None);
    assert_eq!(ev.code(), None);
}

#[test]
fn agrees_with_serde_json_on_the_members_it_reads() {
    let v: serde_json::Value = serde_json::from_str(EKS_EVENT).unwrap();
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Full).unwrap();
    assert_eq!(v["auditID"].as_str(), ev.audit_id.as_deref());
    assert_eq!(
        v["objectRef"]["apiVersion"].as_str(),
        ev.object_ref.unwrap().api_version.as_deref()
    );
    assert_eq!(
        v["responseStatus"]["code"].as_i64(),
        ev.response_status.unwrap().code
    );
    let req: serde_json::Value = serde_json::from_str(ev.request_object.unwrap()).unwrap();
    assert_eq!(req, v["requestObject"]);
}

#[test]
fn minimal_detail_reads_identity_and_time_only() {
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Minimal).unwrap();
    assert_eq!(ev.verb(), Some("create"));
    assert_eq!(ev.time_micros(), Some(1_793_607_331_130_001));
    assert!(ev.audit_id.is_some());
    assert_eq!(ev.username(), None);
    assert!(ev.annotations.is_empty());
    assert_eq!(ev.object_ref, None);
    // Still strict about what it reads, and still salvages.
    assert!(decode_event(br#"{"kind": 0}"#, Depth::Minimal).is_err());
    let big = grown("\"objectRef\"");
    let cut = &big[..big.len() - EKS_EVENT.len() / 2];
    assert!(
        decode_event(cut.as_bytes(), Depth::Minimal)
            .unwrap()
            .truncated
    );
}

#[test]
fn classify_stops_once_the_record_is_known() {
    let ev = decode_event(EKS_EVENT.as_bytes(), Depth::Classify).unwrap();
    assert_eq!(ev.kind.as_deref(), Some("Event"));
    assert_eq!(ev.verb, None, "not read");
    assert_eq!(ev.time_micros(), None, "not read");
    // Whatever it says agrees with a full read on what is and is not an event.
    for line in [
        EKS_EVENT,
        r#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#,
        r#"{"kind":"EventList","items":[]}"#,
        r#"{"auditID":"a","verb":"get"}"#,
        r#"{"technique":"x"}"#,
        r#"{"kind": 0}"#,
    ] {
        assert_eq!(
            decode_event(line.as_bytes(), Depth::Classify).is_ok(),
            decode_event(line.as_bytes(), Depth::Full).is_ok(),
            "{line}"
        );
    }
    // A cut record is read as Minimal: salvaged and marked.
    let big = grown("\"objectRef\"");
    let cut = &big[..big.len() - EKS_EVENT.len() / 2];
    let ev = decode_event(cut.as_bytes(), Depth::Classify).unwrap();
    assert!(ev.truncated);
    assert_eq!(ev.verb(), Some("create"));
}

#[test]
fn stage_timestamp_is_found_from_the_end() {
    assert_eq!(
        stage_timestamp_from_end(EKS_EVENT.as_bytes()),
        Some("2026-11-02T08:15:31.130001Z")
    );
    let bare = r#"{"auditID":"a","requestObject":{"stageTimestamp":"1999-01-01T00:00:00Z"},"stageTimestamp":"2026-11-02T08:00:00Z"}"#;
    assert_eq!(
        stage_timestamp_from_end(bare.as_bytes()),
        Some("2026-11-02T08:00:00Z")
    );
    // Only a decoy, or no time at all: the reader must walk the event.
    for text in [
        r#"{"auditID":"a","annotations":{"stageTimestamp":"1999-01-01T00:00:00Z","x":"y"}}"#,
        r#"{"auditID":"a","annotations":{"stageTimestamp":"1999-01-01T00:00:00Z"}}"#,
        r#"{"auditID":"a","requestObject":{"stageTimestamp":"1999-01-01T00:00:00Z"},"verb":"get"}"#,
        r#"{"auditID":"a","userAgent":"\"stageTimestamp\":\"1999\""}"#,
        r#"{"auditID":"a"}"#,
    ] {
        assert_eq!(stage_timestamp_from_end(text.as_bytes()), None, "{text}");
    }
}

#[test]
fn the_api_server_head_decides_as_the_scanner_does() {
    assert_eq!(api_server_head(EKS_EVENT), Some("audit.k8s.io/v1"));
    for line in [
        EKS_EVENT,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","auditID":"a"}"#,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io\/v1","verb":"get"}"#,
        r#"{"kind":"Event","apiVersion":"v1","reason":"Pulled"}"#,
        r#"{"kind":"Event","apiVersion":"","verb":"get"}"#,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1" ,"verb":"get"}"#,
        r#"{"kind":"Event", "apiVersion":"audit.k8s.io/v1","verb":"get"}"#,
    ] {
        let got = decode_event(line.as_bytes(), Depth::Classify);
        let mut scanner = Scanner::new(line);
        let mut want = Event {
            text: line,
            ..Event::default()
        };
        assert_eq!(
            classify_members(&mut scanner, &mut want),
            Ok(true),
            "{line}"
        );
        let want = check_is_event(&want).map(|()| want);
        assert_eq!(got, want, "{line}");
    }
    let escaped = r#"{"kind":"Event","apiVersion":"audit.k8s.io\/v1","verb":"get"}"#;
    assert_eq!(api_server_head(escaped), None);
}
