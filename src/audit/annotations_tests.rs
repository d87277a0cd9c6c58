use super::*;

struct Case {
    key: &'static str,
    value: &'static str,
    group: Group,
    label: &'static str,
    fields: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        key: DECISION,
        value: "allow",
        group: Group::Authorization,
        label: "Authorization decision",
        fields: &[],
    },
    Case {
        key: REASON,
        value: r#"RBAC: allowed by ClusterRoleBinding "system:coredns" of ClusterRole "system:coredns" to ServiceAccount "coredns/kube-system""#,
        group: Group::Authorization,
        label: "Authorization reason",
        fields: &[
            ("authorizer", "RBAC"),
            ("binding", r#"ClusterRoleBinding "system:coredns""#),
            ("role", r#"ClusterRole "system:coredns""#),
            ("subject", r#"ServiceAccount "kube-system/coredns""#),
        ],
    },
    Case {
        key: REASON,
        value: r#"EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/Admin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "AROAEXAMPLE""#,
        group: Group::Authorization,
        label: "Authorization reason",
        fields: &[
            ("authorizer", "EKS access policy"),
            ("principal", "arn:aws:iam::111122223333:role/Admin"),
            ("access policy", "AmazonEKSClusterAdminPolicy"),
            ("scope", "cluster"),
            ("subject", r#"User "AROAEXAMPLE""#),
        ],
    },
    Case {
        key: "pod-security.kubernetes.io/enforce-policy",
        value: "privileged:latest",
        group: Group::PodSecurity,
        label: "Pod Security enforced policy",
        fields: &[("level", "privileged"), ("version", "latest")],
    },
    Case {
        key: "pod-security.kubernetes.io/audit-violations",
        value: r#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#,
        group: Group::PodSecurity,
        label: "Pod Security audit violations",
        fields: &[
            ("policy", "restricted:latest"),
            (
                "violation",
                r#"allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#,
            ),
            (
                "violation",
                r#"unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])"#,
            ),
            (
                "violation",
                r#"runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#,
            ),
        ],
    },
    Case {
        key: "pod-security.kubernetes.io/exempt",
        value: "namespace",
        group: Group::PodSecurity,
        label: "Pod Security exemption",
        fields: &[("exempt by", "namespace")],
    },
    Case {
        key: "mutation.webhook.admission.k8s.io/round_0_index_3",
        value: r#"{"configuration":"pod-ready.config.common-webhooks.networking.gke.io","webhook":"pod-ready.common-webhooks.networking.gke.io","mutated":false}"#,
        group: Group::WebhookMutation,
        label: "Mutating webhook (round 0, index 3)",
        fields: &[
            ("round", "0"),
            ("index", "3"),
            (
                "configuration",
                "pod-ready.config.common-webhooks.networking.gke.io",
            ),
            ("webhook", "pod-ready.common-webhooks.networking.gke.io"),
            ("mutated", "false"),
        ],
    },
    Case {
        key: "mutation.webhook.admission.k8s.io/auditmutation.integration.test",
        value: "true",
        group: Group::WebhookMutation,
        label: "Mutating webhook auditmutation.integration.test",
        fields: &[],
    },
    Case {
        key: "patch.webhook.admission.k8s.io/round_1_index_0",
        value: r#"{"configuration":"cfg","webhook":"wh","patch":[{"op":"add","path":"/data","value":{"test":"dummy"}},{"op":"remove","path":"/x"}],"patchType":"JSONPatch"}"#,
        group: Group::WebhookPatch,
        label: "Mutating webhook patch (round 1, index 0)",
        fields: &[
            ("round", "1"),
            ("index", "0"),
            ("configuration", "cfg"),
            ("webhook", "wh"),
            ("patchType", "JSONPatch"),
            (
                "patch",
                r#"[{"op":"add","path":"/data","value":{"test":"dummy"}},{"op":"remove","path":"/x"}]"#,
            ),
            ("operation", "add /data"),
            ("operation", "remove /x"),
        ],
    },
    Case {
        key: "failed-open.validating.webhook.admission.k8s.io/round_0_index_0",
        value: "validating-webhook.twistlock.com",
        group: Group::WebhookFailedOpen,
        label: "Validating webhook failed open (round 0, index 0)",
        fields: &[
            ("round", "0"),
            ("index", "0"),
            ("webhook", "validating-webhook.twistlock.com"),
        ],
    },
    Case {
        key: "validation.policy.admission.k8s.io/validation_failure",
        value: r#"[{"message":"failed expression: object.spec.replicas \u003e= 5","policy":"replicas","binding":"replicas-binding","expressionIndex":0,"validationActions":["Audit","Warn"]}]"#,
        group: Group::ValidationPolicy,
        label: "Admission policy validation failure",
        fields: &[
            ("policy", "replicas"),
            ("binding", "replicas-binding"),
            ("expressionIndex", "0"),
            ("validationActions", "Audit, Warn"),
            ("message", "failed expression: object.spec.replicas >= 5"),
        ],
    },
    Case {
        key: "apiserver.latency.k8s.io/etcd",
        value: "561.927µs",
        group: Group::Latency,
        label: "API server latency: etcd",
        fields: &[("stage", "etcd"), ("milliseconds", "0.562")],
    },
    Case {
        key: "k8s.io/deprecated",
        value: "true",
        group: Group::Deprecation,
        label: "Deprecated API version used",
        fields: &[],
    },
    Case {
        key: "k8s.io/removed-release",
        value: "1.22",
        group: Group::Deprecation,
        label: "API version removed in release",
        fields: &[],
    },
    Case {
        key: "authentication.k8s.io/legacy-token",
        value: "system:serviceaccount:default:builder",
        group: Group::Authentication,
        label: "Legacy service-account token used",
        fields: &[
            ("subject", "system:serviceaccount:default:builder"),
            ("namespace", "default"),
            ("service account", "builder"),
        ],
    },
    Case {
        key: "authentication.k8s.io/stale-token",
        value: "subject: system:serviceaccount:common:fluent-bit, seconds after warning threshold: 4185802",
        group: Group::Authentication,
        label: "Stale service-account token",
        fields: &[
            ("subject", "system:serviceaccount:common:fluent-bit"),
            ("seconds after warning threshold", "4185802"),
        ],
    },
    Case {
        key: "authentication.kubernetes.io/issued-credential-id",
        value: "JTI=2e6389af-b8bc-4c26-92d2-714fbe9cb4fa",
        group: Group::Authentication,
        label: "Issued credential",
        fields: &[("credential id", "2e6389af-b8bc-4c26-92d2-714fbe9cb4fa")],
    },
    Case {
        key: "missing-san.invalid-cert.kubernetes.io/svc.ns.svc",
        value: "relies on a legacy Common Name field instead of the SAN extension for subject validation",
        group: Group::Certificate,
        label: "Certificate without subjectAltName: svc.ns.svc",
        fields: &[("host", "svc.ns.svc")],
    },
    Case {
        key: "example.com/owner",
        value: "team-a",
        group: Group::Other,
        label: "example.com/owner",
        fields: &[],
    },
    Case {
        key: "example.com/details",
        value: r#"{"b":2,"a":"x"}"#,
        group: Group::Other,
        label: "example.com/details",
        fields: &[("a", "x"), ("b", "2")],
    },
    Case {
        key: "patch.webhook.admission.k8s.io/round_0_index_0",
        value: "{not json",
        group: Group::WebhookPatch,
        label: "Mutating webhook patch (round 0, index 0)",
        fields: &[("round", "0"), ("index", "0")],
    },
];

#[test]
fn every_key_is_grouped_labelled_and_decoded() {
    for c in CASES {
        let a = classify(c.key, c.value);
        let fields: Vec<_> = a
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!((a.group, a.label.as_str()), (c.group, c.label), "{}", c.key);
        assert_eq!(fields, c.fields, "{}", c.key);
        // The value is never rewritten.
        assert_eq!((a.key.as_str(), a.value.as_str()), (c.key, c.value));
    }
}

#[test]
fn classify_all_reads_the_reason_with_its_decision() {
    let annotations = [(DECISION, "forbid"), (REASON, "")];
    let all = classify_all(&annotations);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].field("authorizer"), Some("none"));
    assert!(
        all[1]
            .field("meaning")
            .is_some_and(|m| m.starts_with("forbidden"))
    );
    assert!(
        classify(REASON, "")
            .field("meaning")
            .is_some_and(|m| m == "no reason given")
    );
}

#[test]
fn go_durations() {
    let ms = |x: f64| Some(Duration::from_secs_f64(x / 1000.0));
    let cases = [
        ("0s", Some(Duration::ZERO)),
        ("0", Some(Duration::ZERO)),
        ("780ns", Some(Duration::from_nanos(780))),
        ("561.927µs", ms(0.561927)),
        ("12us", Some(Duration::from_micros(12))),
        ("2.007637ms", ms(2.007637)),
        ("7.85594907s", ms(7855.94907)),
        ("1m2.5s", ms(62_500.0)),
        ("1h0m0s", Some(Duration::from_secs(3600))),
        ("", None),
        ("5", None),
        ("fast", None),
        ("1.5d", None),
    ];
    for (text, expected) in cases {
        let got = parse_go_duration(text);
        let close = match (got, expected) {
            (Some(g), Some(e)) => g.abs_diff(e) < Duration::from_nanos(2),
            (g, e) => g == e,
        };
        assert!(close, "{text}: {got:?} != {expected:?}");
    }
    let total = classify("apiserver.latency.k8s.io/total", "7.85594907s");
    assert_eq!(total.field("milliseconds"), Some("7855.949"));
    assert!(total.latency().is_some_and(|d| d.as_millis() == 7855));
    assert_eq!(classify("k8s.io/deprecated", "true").latency(), None);
}
