use super::*;

/// `Kind|name|namespace`, with an empty namespace when there is none.
fn show(kind: impl fmt::Display, name: &str, ns: Option<&str>) -> String {
    format!("{kind}|{name}|{}", ns.unwrap_or(""))
}

struct Case {
    decision: Option<&'static str>,
    reason: &'static str,
    authorizer: Authorizer,
    binding: Option<&'static str>,
    role: Option<&'static str>,
    subject: Option<&'static str>,
}

const fn case(
    decision: Option<&'static str>,
    reason: &'static str,
    authorizer: Authorizer,
    bindings: [Option<&'static str>; 3],
) -> Case {
    let [binding, role, subject] = bindings;
    Case {
        decision,
        reason,
        authorizer,
        binding,
        role,
        subject,
    }
}

const ALLOW: Option<&str> = Some("allow");
const FORBID: Option<&str> = Some("forbid");
const NONE: [Option<&str>; 3] = [None, None, None];

const CASES: &[Case] = &[
    case(
        ALLOW,
        r#"RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system""#,
        Authorizer::Rbac,
        [
            Some("ClusterRoleBinding|system:controller:replicaset-controller|"),
            Some("ClusterRole|system:controller:replicaset-controller|"),
            Some("ServiceAccount|replicaset-controller|kube-system"),
        ],
    ),
    case(
        ALLOW,
        r#"RBAC: allowed by RoleBinding "eks:addon-manager/kube-system" of Role "eks:addon-manager" to User "eks:addon-manager""#,
        Authorizer::Rbac,
        [
            Some("RoleBinding|eks:addon-manager|kube-system"),
            Some("Role|eks:addon-manager|kube-system"),
            Some("User|eks:addon-manager|"),
        ],
    ),
    case(
        ALLOW,
        r#"RBAC: allowed by RoleBinding "edit-team/team-a" of ClusterRole "edit" to Group "developers""#,
        Authorizer::Rbac,
        [
            Some("RoleBinding|edit-team|team-a"),
            Some("ClusterRole|edit|"),
            Some("Group|developers|"),
        ],
    ),
    case(
        ALLOW,
        r#"RBAC: allowed by ClusterRoleBinding "ci" of ClusterRole "view" to ServiceAccount "builder/""#,
        Authorizer::Rbac,
        [
            Some("ClusterRoleBinding|ci|"),
            Some("ClusterRole|view|"),
            Some("ServiceAccount|builder|"),
        ],
    ),
    case(
        ALLOW,
        r#"RBAC: allowed by ClusterRoleBinding "odd \"name\" \\ here" of ClusterRole "r\u00e9le \xe2\x98\x83" to User "jane\tdoe""#,
        Authorizer::Rbac,
        [
            Some("ClusterRoleBinding|odd \"name\" \\ here|"),
            Some("ClusterRole|réle ☃|"),
            Some("User|jane\tdoe|"),
        ],
    ),
    case(
        ALLOW,
        r#"EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::211125685544:role/sso_admin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "AROATCKASJUUBCXRRKSFT""#,
        Authorizer::EksAccessPolicy,
        [
            Some(
                "ClusterRoleBinding|arn:aws:iam::211125685544:role/sso_admin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy|",
            ),
            Some("ClusterRole|arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy|"),
            Some("User|AROATCKASJUUBCXRRKSFT|"),
        ],
    ),
    case(
        ALLOW,
        r#"EKS Access Policy: allowed by RoleBinding "arn:aws:iam::111122223333:role/teams/dev+ops+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy/team-a" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" to User "AROAEXAMPLE""#,
        Authorizer::EksAccessPolicy,
        [
            Some(
                "RoleBinding|arn:aws:iam::111122223333:role/teams/dev+ops+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy|team-a",
            ),
            Some("ClusterRole|arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy|"),
            Some("User|AROAEXAMPLE|"),
        ],
    ),
    // Hand-written logs: read as far as they go.
    case(
        ALLOW,
        "RBAC: allowed by ClusterRoleBinding system:public-info-viewer",
        Authorizer::Rbac,
        [
            Some("ClusterRoleBinding|system:public-info-viewer|"),
            None,
            None,
        ],
    ),
    case(
        ALLOW,
        "RBAC: allowed by ClusterRoleBinding",
        Authorizer::Rbac,
        NONE,
    ),
    case(
        ALLOW,
        r#"RBAC: allowed by RoleBinding "read-pods" of Role "pod-reader" in namespace "default""#,
        Authorizer::Rbac,
        [
            Some("RoleBinding|read-pods|"),
            Some("Role|pod-reader|"),
            None,
        ],
    ),
    case(ALLOW, "", Authorizer::None, NONE),
    case(FORBID, "", Authorizer::None, NONE),
    case(None, "internal error", Authorizer::Unknown, NONE),
    case(
        FORBID,
        "no relationship found between node 'ip-10-0-1-2.ec2.internal' and this object",
        Authorizer::Node,
        NONE,
    ),
    case(
        FORBID,
        "node 'ip-10-0-1-2.ec2.internal' cannot get unknown secret prod/db-password",
        Authorizer::Node,
        NONE,
    ),
    case(
        ALLOW,
        "access granted by IAM permissions.",
        Authorizer::Webhook,
        NONE,
    ),
    case(FORBID, "No policy matched.", Authorizer::Abac, NONE),
    case(
        FORBID,
        "workspace access not permitted",
        Authorizer::Unknown,
        NONE,
    ),
    case(
        FORBID,
        r#"RBAC: [clusterrole.rbac.authorization.k8s.io "a" not found, role.rbac.authorization.k8s.io "b" not found]"#,
        Authorizer::Rbac,
        NONE,
    ),
];

#[test]
fn every_form_decodes_to_its_parts() {
    for c in CASES {
        let r = decode_reason(c.decision, c.reason);
        let binding = r
            .binding()
            .map(|b| show(&b.kind, &b.name, b.namespace.as_deref()));
        let role = r
            .role()
            .map(|x| show(&x.kind, &x.name, x.namespace.as_deref()));
        let subject = r
            .subject()
            .map(|x| show(&x.kind, &x.name, x.namespace.as_deref()));
        assert_eq!(r.authorizer(), c.authorizer, "{}", c.reason);
        assert_eq!(binding.as_deref(), c.binding, "{}", c.reason);
        assert_eq!(role.as_deref(), c.role, "{}", c.reason);
        assert_eq!(subject.as_deref(), c.subject, "{}", c.reason);
        // Never lose text.
        assert_eq!(r.verbatim, c.reason);
        for part in &r.parts {
            assert!(c.reason.contains(&part.text), "{}", c.reason);
        }
        assert_eq!(r.decision, c.decision.map(Decision::parse));
    }
}

#[test]
fn eks_access_entry_is_read_from_the_binding_name() {
    let cluster = decode_reason(ALLOW, CASES[5].reason);
    let eks = cluster.eks().expect("EKS details");
    assert_eq!(
        eks.principal_arn,
        "arn:aws:iam::211125685544:role/sso_admin"
    );
    assert_eq!(eks.account_id.as_deref(), Some("211125685544"));
    assert_eq!(eks.principal_type.as_deref(), Some("role"));
    assert_eq!(eks.principal_name.as_deref(), Some("sso_admin"));
    assert_eq!(
        eks.policy_arn,
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    );
    assert_eq!(eks.policy_name, "AmazonEKSClusterAdminPolicy");
    assert_eq!(eks.namespace, None);

    let scoped = decode_reason(ALLOW, CASES[6].reason);
    let eks = scoped.eks().expect("EKS details");
    assert_eq!(
        eks.principal_arn,
        "arn:aws:iam::111122223333:role/teams/dev+ops"
    );
    assert_eq!(eks.principal_name.as_deref(), Some("dev+ops"));
    assert_eq!(eks.policy_name, "AmazonEKSEditPolicy");
    assert_eq!(eks.namespace.as_deref(), Some("team-a"));
    assert!(scoped.grant().is_some_and(Grant::is_complete));

    // Plain RBAC never carries EKS details, even with an ARN-like name.
    let rbac = decode_reason(ALLOW, &CASES[5].reason.replace("EKS Access Policy", "RBAC"));
    assert_eq!(rbac.eks(), None);
}

#[test]
fn node_authorizer_wordings() {
    let object = |kind: &str, ns: Option<&str>, name: &str| NodeObject {
        kind: kind.into(),
        namespace: ns.map(Into::into),
        name: name.into(),
    };
    let n = |s: &str| s.to_owned();
    let cases = [
        (
            "no relationship found between node 'n1' and this object",
            NodeReason::NoRelationship {
                node: Some(n("n1")),
            },
        ),
        (
            r#"no relationship found between node "n1" and this object"#,
            NodeReason::NoRelationship {
                node: Some(n("n1")),
            },
        ),
        (
            "no path found to object",
            NodeReason::NoRelationship { node: None },
        ),
        (
            "node 'n1' cannot get unknown secret ns/s1",
            NodeReason::UnknownObject {
                node: n("n1"),
                object: object("secret", Some("ns"), "s1"),
            },
        ),
        (
            "unknown node 'n1' cannot get configmap ns/c1",
            NodeReason::UnknownNode {
                node: n("n1"),
                object: object("configmap", Some("ns"), "c1"),
            },
        ),
        (
            "node 'n1' cannot get pv /pv-1, no relationship to this object was found in the node authorizer graph",
            NodeReason::NotRelated {
                node: n("n1"),
                object: object("pv", None, "pv-1"),
            },
        ),
        (
            "node n1 cannot get secret ns/s1, no path was found",
            NodeReason::NotRelated {
                node: n("n1"),
                object: object("secret", Some("ns"), "s1"),
            },
        ),
        (
            r#"unknown node for user "system:node:""#,
            NodeReason::UnknownNodeForUser {
                user: n("system:node:"),
            },
        ),
        (
            "node 'n1' cannot read all nodes, only its own Node object",
            NodeReason::OnlyOwnNode {
                node: n("n1"),
                requested: None,
            },
        ),
        (
            "node 'n1' cannot read 'n2', only its own Node object",
            NodeReason::OnlyOwnNode {
                node: n("n1"),
                requested: Some(n("n2")),
            },
        ),
        (
            "can only get, create, update, patch, or delete a node lease",
            NodeReason::Rule,
        ),
        (
            "can only get individual resources of this type",
            NodeReason::Rule,
        ),
    ];
    for (text, expected) in cases {
        let r = decode_reason(FORBID, text);
        assert_eq!(r.parts.len(), 1, "{text}");
        assert_eq!(r.node(), Some(&expected), "{text}");
    }
    let r = decode_reason(FORBID, "node 'n1' cannot get unknown secret ns/s1");
    assert_eq!(r.node().and_then(NodeReason::node), Some("n1"));
    assert_eq!(
        r.node()
            .and_then(NodeReason::object)
            .map(|o| o.name.as_str()),
        Some("s1")
    );
}

#[test]
fn union_of_authorizers_is_split() {
    let joined = [
        "no relationship found between node 'n1' and this object\n",
        r#"RBAC: [clusterrole.rbac.authorization.k8s.io "a" not found, clusterrole.rbac.authorization.k8s.io "b, c" not found]"#,
    ]
    .concat();
    for text in [joined.clone(), joined.replace('\n', ", ")] {
        let r = decode_reason(FORBID, &text);
        let authorizers: Vec<_> = r.parts.iter().map(|p| p.authorizer).collect();
        assert_eq!(authorizers, [Authorizer::Node, Authorizer::Rbac], "{text}");
        let Meaning::RbacErrors(errors) = &r.parts[1].meaning else {
            panic!("RBAC errors expected: {r:?}");
        };
        let missing: Vec<_> = errors
            .iter()
            .filter_map(|e| e.missing_role.as_ref())
            .map(|role| show(&role.kind, &role.name, None))
            .collect();
        assert_eq!(missing, ["ClusterRole|a|", "ClusterRole|b, c|"]);
    }
    // Commas inside one authorizer's wording do not split it.
    let lease = decode_reason(
        FORBID,
        "can only get, create, update, patch, or delete a CSINode",
    );
    assert_eq!(lease.parts.len(), 1);
    assert_eq!(lease.authorizer(), Authorizer::Node);
}

#[test]
fn single_rbac_error_is_not_a_list() {
    let r = decode_reason(
        FORBID,
        r#"RBAC: role.rbac.authorization.k8s.io "ops" not found"#,
    );
    let Some(Meaning::RbacErrors(errors)) = r.parts.first().map(|p| &p.meaning) else {
        panic!("RBAC errors expected: {r:?}");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].missing_role.as_ref().map(|r| r.name.as_str()),
        Some("ops")
    );
}

#[test]
fn go_quoted_names() {
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        (r#""plain" rest"#, Some(("plain", " rest"))),
        (r#""a\"b\\c""#, Some(("a\"b\\c", ""))),
        (
            r#""\a\b\f\n\r\t\v\'""#,
            Some(("\x07\x08\x0c\n\r\t\x0b'", "")),
        ),
        (r#""\u00e9\U0001F600\101\x41""#, Some(("é😀AA", ""))),
        (r#""\xff""#, Some(("\u{fffd}", ""))),
        (r#""unterminated"#, None),
        (r#""bad \q escape""#, None),
        (r#""short \x4""#, None),
        ("no quote", None),
    ];
    for (input, expected) in cases {
        let got = quote::go_unquote(input);
        let got = got.as_ref().map(|(s, rest)| (s.as_str(), *rest));
        assert_eq!(got, *expected, "{input}");
    }
}

#[test]
fn display_reads_binding_role_subject() {
    let cases = [
        (
            CASES[0].reason,
            r#"ClusterRoleBinding "system:controller:replicaset-controller" → ClusterRole "system:controller:replicaset-controller" → ServiceAccount "kube-system/replicaset-controller""#,
        ),
        (
            CASES[1].reason,
            r#"RoleBinding "kube-system/eks:addon-manager" → Role "kube-system/eks:addon-manager" → User "eks:addon-manager""#,
        ),
        (
            CASES[4].reason,
            r#"ClusterRoleBinding "odd \"name\" \\ here" → ClusterRole "réle ☃" → User "jane\tdoe""#,
        ),
        (
            CASES[5].reason,
            r#"EKS access entry "arn:aws:iam::211125685544:role/sso_admin" → access policy AmazonEKSClusterAdminPolicy (cluster) → User "AROATCKASJUUBCXRRKSFT""#,
        ),
        (
            CASES[6].reason,
            r#"EKS access entry "arn:aws:iam::111122223333:role/teams/dev+ops" → access policy AmazonEKSEditPolicy in namespace "team-a" → User "AROAEXAMPLE""#,
        ),
        (
            CASES[9].reason,
            r#"RoleBinding "read-pods" → Role "pod-reader" (in namespace "default")"#,
        ),
        (
            "no relationship found between node 'n1' and this object",
            "Node: no relationship found between node 'n1' and this object",
        ),
    ];
    for (reason, expected) in cases {
        assert_eq!(decode_reason(ALLOW, reason).to_string(), expected);
    }
}

#[test]
fn empty_reasons_explain_themselves() {
    let allow = decode_reason(ALLOW, "");
    assert!(allow.is_empty());
    assert!(allow.to_string().contains("system:masters"));
    assert!(
        decode_reason(FORBID, "")
            .to_string()
            .starts_with("forbidden")
    );
    assert_eq!(decode_reason(None, "").to_string(), "no reason given");
    assert_eq!(decode_reason(ALLOW, "x").empty_meaning(), None);
    assert_eq!(
        decode_reason(Some("maybe"), "").decision,
        Some(Decision::Other("maybe".into()))
    );
}

#[test]
fn internal_error_is_recognised() {
    let r = decode_reason(None, "internal error");
    assert_eq!(r.parts[0].meaning, Meaning::InternalError);
}
