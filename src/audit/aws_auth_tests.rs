use super::*;

const ROLES: &str = "- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::111122223333:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n- groups:\n  - system:masters\n  rolearn: arn:aws:iam::444455556666:role/ops-support\n  username: ops-support\n";

fn map(fields: &[(&str, Value)]) -> Item {
    Item::Map(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn s(v: &str) -> Value {
    Value::Scalar(v.to_string())
}

fn list(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| s.to_string()).collect())
}

#[test]
fn mappings_are_read_in_the_order_written() {
    let items = parse(ROLES).unwrap();
    assert_eq!(
        items,
        [
            map(&[
                ("groups", list(&["system:bootstrappers", "system:nodes"])),
                ("rolearn", s("arn:aws:iam::111122223333:role/node")),
                ("username", s("system:node:{{EC2PrivateDNSName}}")),
            ]),
            map(&[
                ("groups", list(&["system:masters"])),
                ("rolearn", s("arn:aws:iam::444455556666:role/ops-support")),
                ("username", s("ops-support")),
            ]),
        ]
    );
    assert_eq!(items[1].groups(), ["system:masters"]);
    assert_eq!(items[1].scalar("username"), Some("ops-support"));
}

#[test]
fn other_ways_of_writing_the_same_are_read_too() {
    let text = "# mapped by hand\n  -\n    rolearn: \"arn:aws:iam::1:role/a\"  # admin\n    groups: [ 'system:masters', \"x\" ]\n    username: 'it''s'\n  - userarn: arn:aws:iam::1:user/b\n    groups:\n    - a\n";
    assert_eq!(
        parse(text).unwrap(),
        [
            map(&[
                ("rolearn", s("arn:aws:iam::1:role/a")),
                ("groups", list(&["system:masters", "x"])),
                ("username", s("it's")),
            ]),
            map(&[
                ("userarn", s("arn:aws:iam::1:user/b")),
                ("groups", list(&["a"]))
            ]),
        ]
    );
    assert_eq!(
        parse("- \"111122223333\"\n- 444455556666\n").unwrap(),
        [
            Item::Scalar("111122223333".into()),
            Item::Scalar("444455556666".into())
        ]
    );
    assert_eq!(parse("").unwrap(), []);
    assert_eq!(parse("[]\n").unwrap(), []);
}

#[test]
fn what_is_not_read_names_its_line() {
    let cases = [
        ("rolearn: x\n", 1),
        ("- groups:\n  - a\n     username: b\n", 3),
        ("- rolearn: x\n  groups: [a, b\n", 2),
        ("- rolearn: &anchor x\n", 1),
        ("- a\n\t- b\n", 2),
        ("- rolearn: \"x\n", 1),
    ];
    for (text, line) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
    }
}

#[test]
fn data_keys_come_from_a_configmap_or_a_patch() {
    let patch = r#"{"data":{"mapUsers":"- userarn: u\n","mapRoles":"- rolearn: r\n","other":"x"}}"#;
    assert_eq!(
        data_of(patch),
        [
            ("mapRoles", "- rolearn: r\n".to_string()),
            ("mapUsers", "- userarn: u\n".to_string())
        ]
    );
    assert!(data_of(r#"[{"op":"add"}]"#).is_empty());
    assert!(data_of("not json").is_empty());
    assert!(is_aws_auth(
        Some("configmaps"),
        Some("kube-system"),
        Some("aws-auth")
    ));
    assert!(!is_aws_auth(
        Some("configmaps"),
        Some("default"),
        Some("aws-auth")
    ));
}
