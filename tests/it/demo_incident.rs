//! The built-in demo log, checked from the outside: every line is an audit event as the API
//! server writes it, in time order, the same bytes for the same seed, and each step of the
//! intrusion is found by a predicate written here independently of the generator.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use kaudit::source::demo::{
    ATTACKER_IP, DEVELOPER, DEVELOPER_ACCESS_KEY, DemoConfig, DemoFormat, END, LOG_STREAMS,
    OUTSIDE_ROLE, ROGUE_SA, START, StoryStep, demo_bytes, story, write_demo,
};
use serde_json::Value;

struct Log {
    lines: Vec<String>,
    events: Vec<Value>,
}

fn parse(bytes: &[u8]) -> Log {
    let text = std::str::from_utf8(bytes).expect("the demo is UTF-8");
    assert!(text.ends_with('\n'), "the last line ends with a newline");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let events = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}: {l}", i + 1))
        })
        .collect();
    Log { lines, events }
}

/// The default demo (what `kaudit` opens with no source).
fn default_log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| parse(&demo_bytes(&DemoConfig::default())))
}

fn other_seed_log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        parse(&demo_bytes(&DemoConfig {
            events: 12_000,
            seed: 99,
        }))
    })
}

/// The text at a dotted path (`user.extra.arn.0`), or "" if there is none.
fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    let pointer = format!("/{}", path.replace('.', "/"));
    v.pointer(&pointer).and_then(Value::as_str).unwrap_or("")
}

fn code(v: &Value) -> i64 {
    v["responseStatus"]["code"].as_i64().unwrap()
}

fn reason(v: &Value) -> &str {
    v["annotations"]["authorization.k8s.io/reason"]
        .as_str()
        .unwrap_or("")
}

fn decision(v: &Value) -> &str {
    v["annotations"]["authorization.k8s.io/decision"]
        .as_str()
        .unwrap_or("")
}

fn is_attacker(v: &Value) -> bool {
    s(v, "sourceIPs.0") == ATTACKER_IP
}

fn step(id: &str) -> &'static StoryStep {
    story().iter().find(|s| s.id == id).unwrap()
}

fn ids(events: &[&Value]) -> Vec<String> {
    events.iter().map(|e| s(e, "auditID").to_owned()).collect()
}

/// Asserts that `matches` selects exactly the step's events, in order, and returns them.
fn find_step(log: &'static Log, id: &str, matches: impl Fn(&Value) -> bool) -> Vec<&'static Value> {
    let found: Vec<&Value> = log.events.iter().filter(|e| matches(e)).collect();
    let expected: Vec<String> = step(id).audit_ids.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        ids(&found),
        expected,
        "step {id}: the predicate finds exactly its events"
    );
    assert!(
        found.iter().all(|e| is_attacker(e)),
        "step {id} comes from {ATTACKER_IP}"
    );
    found
}

#[test]
fn same_config_same_bytes_other_seed_other_noise() {
    let cfg = DemoConfig {
        events: 3_000,
        seed: 5,
    };
    let a = demo_bytes(&cfg);
    assert_eq!(a, demo_bytes(&cfg), "byte-identical twice");
    let b = demo_bytes(&DemoConfig { seed: 6, ..cfg });
    assert_ne!(a, b, "another seed, other noise");
    let story_lines = |bytes: &[u8]| -> Vec<String> {
        let log = parse(bytes);
        log.lines
            .into_iter()
            .filter(|l| l.contains(ATTACKER_IP))
            .collect()
    };
    assert_eq!(
        story_lines(&a),
        story_lines(&b),
        "the story is the same for every seed"
    );
}

#[test]
fn event_count_is_the_total_and_never_less_than_the_story() {
    let story_len: usize = story().iter().map(|s| s.audit_ids.len()).sum();
    assert_eq!(default_log().events.len(), DemoConfig::default().events);
    for n in [0, 1, story_len - 1, story_len] {
        let log = parse(&demo_bytes(&DemoConfig { events: n, seed: 1 }));
        assert_eq!(log.events.len(), story_len, "events = {n}");
        assert!(log.events.iter().all(is_attacker));
    }
    let log = parse(&demo_bytes(&DemoConfig {
        events: story_len + 5,
        seed: 1,
    }));
    assert_eq!(log.events.len(), story_len + 5);
}

#[test]
fn every_line_is_an_audit_event() {
    let verbs = [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    let mut audit_ids = HashSet::new();
    for log in [default_log(), other_seed_log()] {
        for (i, e) in log.events.iter().enumerate() {
            let line = i + 1;
            assert_eq!(s(e, "kind"), "Event", "line {line}");
            assert_eq!(s(e, "apiVersion"), "audit.k8s.io/v1", "line {line}");
            assert_eq!(s(e, "stage"), "ResponseComplete", "line {line}");
            let level = s(e, "level");
            assert!(
                ["Metadata", "Request", "RequestResponse"].contains(&level),
                "line {line}"
            );
            let id = s(e, "auditID");
            assert!(is_uuid(id), "line {line}: auditID {id}");
            if std::ptr::eq(log, default_log()) {
                assert!(
                    audit_ids.insert(id.to_owned()),
                    "line {line}: auditID {id} repeats"
                );
            }
            assert!(s(e, "requestURI").starts_with('/'), "line {line}");
            assert!(verbs.contains(&s(e, "verb")), "line {line}: verb");
            assert!(!s(e, "user.username").is_empty(), "line {line}: username");
            assert!(e["user"]["groups"].is_array(), "line {line}: groups");
            assert!(!s(e, "sourceIPs.0").is_empty(), "line {line}: sourceIPs");
            assert!(!s(e, "userAgent").is_empty(), "line {line}: userAgent");
            assert!(e["responseStatus"]["metadata"].is_object(), "line {line}");
            let c = code(e);
            assert!((100..600).contains(&c), "line {line}: code {c}");
            if c >= 400 {
                assert_eq!(s(e, "responseStatus.status"), "Failure", "line {line}");
                assert!(!s(e, "responseStatus.reason").is_empty(), "line {line}");
            }
            if let Some(obj) = e.get("objectRef") {
                assert!(
                    !s(obj, "resource").is_empty(),
                    "line {line}: objectRef.resource"
                );
                assert!(
                    !s(obj, "apiVersion").is_empty(),
                    "line {line}: objectRef.apiVersion"
                );
            }
            let received = s(e, "requestReceivedTimestamp");
            let stage = s(e, "stageTimestamp");
            assert!(
                is_micro_time(received) && is_micro_time(stage),
                "line {line}"
            );
            assert!(received <= stage, "line {line}: received after stage");
            // Bodies appear only when the level keeps them.
            if e.get("requestObject").is_some() {
                assert_ne!(level, "Metadata", "line {line}: requestObject at Metadata");
            }
            if e.get("responseObject").is_some() {
                assert_eq!(level, "RequestResponse", "line {line}: responseObject");
            }
            match c {
                401 => assert!(
                    e.get("annotations").is_none(),
                    "line {line}: 401 before authz"
                ),
                403 => {
                    assert_eq!(decision(e), "forbid", "line {line}");
                    assert_eq!(reason(e), "", "line {line}");
                }
                _ => assert_eq!(decision(e), "allow", "line {line}"),
            }
        }
    }
}

fn is_uuid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
}

/// `2026-11-02T08:15:31.123456Z`: microseconds, UTC.
fn is_micro_time(t: &str) -> bool {
    t.len() == 27
        && t.as_bytes()[19] == b'.'
        && t.ends_with('Z')
        && t.parse::<jiff::Timestamp>().is_ok()
}

#[test]
fn events_come_in_time_order_inside_the_window() {
    for log in [default_log(), other_seed_log()] {
        let stamps: Vec<&str> = log.events.iter().map(|e| s(e, "stageTimestamp")).collect();
        for pair in stamps.windows(2) {
            assert!(pair[0] <= pair[1], "{} then {}", pair[0], pair[1]);
        }
        let start = START.trim_end_matches('Z');
        let end = END.trim_end_matches('Z');
        assert!(stamps.first().unwrap() >= &start && stamps.last().unwrap() <= &end);
    }
}

#[test]
fn step_1_anonymous_probe_is_found() {
    let found = find_step(default_log(), "anonymous-probe", |e| {
        s(e, "user.username") == "system:anonymous" && [401, 403].contains(&code(e))
    });
    assert!(found.iter().any(|e| code(e) == 401) && found.iter().any(|e| code(e) == 403));
    // The EKS guide's "unauthorized secret reads" and "failed anonymous requests".
    let unauthorized_secret_reads: Vec<&Value> = default_log()
        .events
        .iter()
        .filter(|e| {
            code(e) == 401
                && s(e, "objectRef.resource") == "secrets"
                && ["get", "watch", "list"].contains(&s(e, "verb"))
        })
        .collect();
    assert_eq!(unauthorized_secret_reads.len(), 3);
    assert!(unauthorized_secret_reads.iter().all(|e| is_attacker(e)));
    let forbidden_secret_lists = found
        .iter()
        .filter(|e| code(e) == 403 && s(e, "objectRef.resource") == "secrets")
        .count();
    assert!(forbidden_secret_lists >= 2);
}

#[test]
fn step_2_leaked_key_from_a_new_address_is_found() {
    let found = find_step(default_log(), "leaked-key", |e| {
        s(e, "user.username") == DEVELOPER
            && is_attacker(e)
            && s(e, "objectRef.resource") != "secrets"
    });
    let normal: Vec<&Value> = default_log()
        .events
        .iter()
        .filter(|e| s(e, "user.username") == DEVELOPER && !is_attacker(e))
        .collect();
    assert!(!normal.is_empty(), "the developer works normally too");
    for e in found.iter().chain(&normal) {
        assert_eq!(s(e, "user.extra.accessKeyId.0"), DEVELOPER_ACCESS_KEY);
        assert_eq!(
            s(e, "user.extra.arn.0"),
            "arn:aws:iam::111122223333:user/priya.sharma"
        );
    }
    let usual_agents: BTreeSet<&str> = normal.iter().map(|e| s(e, "userAgent")).collect();
    assert!(
        found
            .iter()
            .all(|e| !usual_agents.contains(s(e, "userAgent")))
    );
    assert_eq!(s(found[0], "objectRef.resource"), "selfsubjectreviews");
}

#[test]
fn step_3_secret_enumeration_is_found() {
    let found = find_step(default_log(), "secret-enumeration", |e| {
        s(e, "user.username") == DEVELOPER && s(e, "objectRef.resource") == "secrets"
    });
    let forbidden: Vec<&&Value> = found.iter().filter(|e| code(e) == 403).collect();
    assert!(forbidden.len() >= 3);
    assert!(
        forbidden
            .iter()
            .all(|e| decision(e) == "forbid" && reason(e).is_empty())
    );
    let namespaces: BTreeSet<&str> = found.iter().map(|e| s(e, "objectRef.namespace")).collect();
    assert!(namespaces.len() >= 4, "across namespaces: {namespaces:?}");
    assert!(found.iter().any(|e| {
        s(e, "verb") == "get" && s(e, "objectRef.name") == "deployer-token" && code(e) == 200
    }));
}

#[test]
fn step_4_cluster_admin_binding_is_found() {
    find_step(default_log(), "cluster-admin-binding", |e| {
        s(e, "user.username") == "system:serviceaccount:ci:deployer"
    });
    let bindings: Vec<&Value> = default_log()
        .events
        .iter()
        .filter(|e| s(e, "objectRef.resource") == "clusterrolebindings" && s(e, "verb") == "create")
        .collect();
    assert_eq!(bindings.len(), 1);
    let b = bindings[0];
    assert_eq!(code(b), 201);
    assert_eq!(s(b, "requestObject.roleRef.name"), "cluster-admin");
    assert_eq!(s(b, "requestObject.subjects.0.kind"), "ServiceAccount");
    assert_eq!(s(b, "requestObject.subjects.0.name"), "node-health-agent");
    assert_eq!(s(b, "requestObject.subjects.0.namespace"), "kube-system");
}

#[test]
fn step_5_aws_auth_backdoor_is_found() {
    find_step(default_log(), "aws-auth-backdoor", |e| {
        s(e, "objectRef.name") == "aws-auth" && s(e, "user.username") == ROGUE_SA
    });
    let writes: Vec<&Value> = default_log()
        .events
        .iter()
        .filter(|e| {
            s(e, "objectRef.resource") == "configmaps"
                && s(e, "objectRef.name") == "aws-auth"
                && ["patch", "update"].contains(&s(e, "verb"))
        })
        .collect();
    assert_eq!(writes.len(), 1);
    let w = writes[0];
    assert_eq!(s(w, "level"), "RequestResponse");
    let roles = s(w, "requestObject.data.mapRoles");
    assert!(
        roles.contains(&format!("rolearn: {OUTSIDE_ROLE}")),
        "{roles}"
    );
    assert!(roles.contains("- system:masters"), "{roles}");
}

#[test]
fn step_6_privileged_pod_is_found() {
    let found = find_step(default_log(), "privileged-pod", |e| {
        s(e, "verb") == "create"
            && s(e, "objectRef.resource") == "pods"
            && s(e, "objectRef.namespace") == "kube-system"
    });
    let pod = &found[0]["requestObject"];
    assert_eq!(code(found[0]), 201);
    assert_eq!(s(found[0], "user.username"), ROGUE_SA);
    assert_eq!(pod["spec"]["hostNetwork"], true);
    assert_eq!(
        pod["spec"]["containers"][0]["securityContext"]["privileged"],
        true
    );
    assert_eq!(s(pod, "spec.volumes.0.hostPath.path"), "/");
}

#[test]
fn step_7_exec_is_found() {
    let found = find_step(default_log(), "pod-exec", |e| {
        s(e, "objectRef.subresource") == "exec"
    });
    for e in &found {
        assert!(["get", "create"].contains(&s(e, "verb")));
        assert!(s(e, "requestURI").contains("/exec?command="));
        assert_eq!(code(e), 101);
    }
}

#[test]
fn step_8_validating_webhook_is_found() {
    let found = find_step(default_log(), "validating-webhook", |e| {
        s(e, "objectRef.resource") == "validatingwebhookconfigurations" && s(e, "verb") == "create"
    });
    assert_eq!(code(found[0]), 201);
    let url = s(found[0], "requestObject.webhooks.0.clientConfig.url");
    assert!(url.contains(ATTACKER_IP), "{url}");
}

#[test]
fn step_9_rolebinding_deletion_is_found() {
    let found = find_step(default_log(), "cover-tracks", |e| {
        s(e, "objectRef.resource") == "rolebindings" && s(e, "verb") == "delete"
    });
    assert_eq!(code(found[0]), 200);
    assert_eq!(s(found[0], "objectRef.name"), "developers-edit");
}

#[test]
fn the_story_is_the_only_thing_from_the_attacker_and_nothing_else_looks_like_it() {
    let story_ids: HashSet<&str> = story()
        .iter()
        .flat_map(|s| s.audit_ids.iter().copied())
        .collect();
    for log in [default_log(), other_seed_log()] {
        let mut seen = 0;
        for e in &log.events {
            if story_ids.contains(s(e, "auditID")) {
                seen += 1;
                continue;
            }
            let line = s(e, "auditID");
            let (verb, res) = (s(e, "verb"), s(e, "objectRef.resource"));
            assert!(!is_attacker(e), "{line}: noise from the attacker's address");
            assert_ne!(s(e, "user.username"), "system:anonymous", "{line}");
            assert_ne!(code(e), 401, "{line}");
            assert_ne!(s(e, "objectRef.subresource"), "exec", "{line}");
            assert!(
                !(["clusterrolebindings", "rolebindings"].contains(&res)
                    && verb != "get"
                    && verb != "list"
                    && verb != "watch"),
                "{line}: RBAC binding write in the noise"
            );
            assert!(
                !reason(e).contains("\"cluster-admin\""),
                "{line}: cluster-admin in the noise"
            );
            assert!(
                !(s(e, "objectRef.name") == "aws-auth"
                    && ["patch", "update", "delete"].contains(&verb)),
                "{line}: aws-auth write in the noise"
            );
            assert!(
                !(res.contains("webhookconfigurations")
                    && ["create", "update", "patch", "delete"].contains(&verb)),
                "{line}: webhook write in the noise"
            );
            if let Some(spec) = e.get("requestObject").and_then(|o| o.get("spec")) {
                let text = spec.to_string();
                assert!(
                    !text.contains("\"privileged\":true"),
                    "{line}: privileged pod"
                );
                assert!(
                    !text.contains("\"hostNetwork\":true"),
                    "{line}: host network"
                );
                assert!(!text.contains("\"hostPath\""), "{line}: host path");
            }
            assert!(
                !s(e, "user.username").contains("node-health-agent"),
                "{line}"
            );
        }
        assert_eq!(seen, story_ids.len());
    }
}

#[test]
fn the_intruders_service_account_is_allowed_by_its_own_binding() {
    let rogue: Vec<&Value> = default_log()
        .events
        .iter()
        .filter(|e| s(e, "user.username") == ROGUE_SA)
        .collect();
    assert!(rogue.len() >= 8);
    for e in rogue {
        assert_eq!(
            reason(e),
            r#"RBAC: allowed by ClusterRoleBinding "node-health-agent" of ClusterRole "cluster-admin" to ServiceAccount "node-health-agent/kube-system""#
        );
    }
}

/// Every RBAC or EKS access-policy reason names the requesting user, one of its groups, or its
/// service account, as the real authorizers do.
#[test]
fn authorization_reasons_match_the_requester() {
    for e in &default_log().events {
        let r = reason(e);
        if decision(e) != "allow" || r.is_empty() {
            continue;
        }
        assert!(
            r.starts_with("RBAC: allowed by ClusterRoleBinding \"")
                || r.starts_with("RBAC: allowed by RoleBinding \"")
                || r.starts_with("EKS Access Policy: allowed by ClusterRoleBinding \""),
            "{r}"
        );
        let subject = r.rsplit_once(" to ").unwrap().1;
        let username = s(e, "user.username");
        let groups: Vec<&str> = e["user"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        if let Some(user) = subject.strip_prefix("User ") {
            assert_eq!(user.trim_matches('"'), username, "{r}");
        } else if let Some(group) = subject.strip_prefix("Group ") {
            assert!(
                groups.contains(&group.trim_matches('"')),
                "{r} for {groups:?}"
            );
        } else if let Some(sa) = subject.strip_prefix("ServiceAccount ") {
            let (name, ns) = sa.trim_matches('"').split_once('/').unwrap();
            assert_eq!(
                format!("system:serviceaccount:{ns}:{name}"),
                username,
                "{r}"
            );
        } else {
            panic!("unknown subject in {r}");
        }
        if let Some(rb) = r.strip_prefix("RBAC: allowed by RoleBinding \"") {
            let ns = rb.split_once('"').unwrap().0.rsplit_once('/').unwrap().1;
            assert_eq!(
                s(e, "objectRef.namespace"),
                ns,
                "a RoleBinding only allows in its namespace: {r}"
            );
        }
    }
}

#[test]
fn cloudwatch_messages_are_the_jsonl_lines() {
    let cfg = DemoConfig {
        events: 500,
        seed: 8,
    };
    let mut out = Vec::new();
    write_demo(&cfg, DemoFormat::CloudWatch, &mut out).unwrap();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let messages: Vec<&str> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    let jsonl = demo_bytes(&cfg);
    assert_eq!(
        messages,
        std::str::from_utf8(&jsonl)
            .unwrap()
            .lines()
            .collect::<Vec<_>>()
    );
    let streams: BTreeSet<&str> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["logStreamName"].as_str().unwrap())
        .collect();
    assert!(streams.iter().all(|s| LOG_STREAMS.contains(s)) && streams.len() >= 2);
}

#[test]
fn stage_timestamp_from_the_end_agrees_with_decoding_over_the_demo() {
    let demo = kaudit::source::demo::demo_bytes(&kaudit::source::demo::DemoConfig {
        events: 5000,
        seed: 9,
    });
    let text = std::str::from_utf8(&demo).unwrap();
    let mut found = 0;
    for line in text.lines() {
        let ev = kaudit::audit::decode_event(line.as_bytes(), kaudit::audit::Depth::Full).unwrap();
        if let Some(ts) = kaudit::audit::stage_timestamp_from_end(line.as_bytes()) {
            assert_eq!(Some(ts), ev.stage_timestamp.as_deref(), "{line}");
            found += 1;
        }
    }
    assert_eq!(
        found, 5000,
        "every event the API server wrote is found from its end"
    );
}
