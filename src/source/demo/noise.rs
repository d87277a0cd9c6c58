//! Drawing background events from the weighted table and writing each one as a JSON line.

use super::cast::{Cast, k8s_suffix, uuid_string};
use super::event::{AuditId, Authz, Event, ObjRef};
use super::json::JsonOut;
use super::noise_request::{Request, failure_status, outcome_code};
use super::noise_table::{Act, Body, Outcome, Target, Who, acts};
use super::objects;
use super::objects_apps::{self, JobSpec};
use super::rng::Rng;

/// Annotations the API server adds to every pod create on this cluster: no namespace is
/// labelled for Pod Security, so the `privileged` level applies, and two EKS mutating webhooks
/// look at the pod and leave it alone.
pub(crate) const POD_CREATE_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "mutation.webhook.admission.k8s.io/round_0_index_0",
        r#"{"configuration":"pod-identity-webhook","webhook":"iam-for-pods.amazonaws.com","mutated":false}"#,
    ),
    (
        "mutation.webhook.admission.k8s.io/round_0_index_1",
        r#"{"configuration":"vpc-resource-mutating-webhook","webhook":"mpod.vpc.k8s.aws","mutated":false}"#,
    ),
    (
        "pod-security.kubernetes.io/enforce-policy",
        "privileged:latest",
    ),
];

/// Deployment names that do not exist, for the odd `kubectl get` typo.
const MISSING: &[&str] = &["payments-worker-v2", "checkout-web-canary", "cart-svc"];

/// What a request is about: namespace, name, and the pod or application workload behind it.
/// `slot` is the application's index (or, for Jobs, the scheduled minute).
#[derive(Debug, Clone, Copy)]
struct Resolved {
    ns: Option<&'static str>,
    name: NameRef,
    pod: Option<usize>,
    workload: Option<usize>,
    slot: usize,
}

impl Resolved {
    fn new(ns: Option<&'static str>, name: NameRef) -> Self {
        Resolved {
            ns,
            name,
            pod: None,
            workload: None,
            slot: 0,
        }
    }
}

/// Where a name comes from, resolved only once every buffer has been written.
#[derive(Debug, Clone, Copy)]
enum NameRef {
    None,
    Static(&'static str),
    Node(usize),
    Pod(usize),
    Workload(usize),
    Slice(usize),
    /// The Job name, or its pod's, built in the scratch buffers.
    Job,
    JobPod,
}

pub(crate) struct Noise {
    rng: Rng,
    acts: Vec<(Act, Vec<usize>)>,
    cumulative: Vec<u64>,
    /// Application workloads, by index into the cast's workloads, and each one's pods.
    apps: Vec<usize>,
    app_pods: Vec<Vec<usize>>,
    /// One endpoint slice per application, with its generated name.
    slices: Vec<(usize, String)>,
    hpa_uids: Vec<String>,
    cronjob_uid: String,
    /// Who scrapes kubelet metrics, and so gets checked by the kubelets' access reviews.
    scrapers: Vec<usize>,
    /// The cluster's etcd revision: every write moves it on.
    rv: u64,
    uri: Vec<u8>,
    req: Vec<u8>,
    resp: Vec<u8>,
    job: Vec<u8>,
    pod: Vec<u8>,
}

impl std::fmt::Debug for Noise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Noise")
            .field("acts", &self.acts.len())
            .field("rv", &self.rv)
            .finish_non_exhaustive()
    }
}

impl Noise {
    pub(crate) fn new(cast: &Cast, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut table = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for act in acts() {
            let actors = match act.who {
                Who::Node(_) => Vec::new(),
                Who::Key(key) => cast.key(key).to_vec(),
            };
            // A key the cast does not know would be a slip in the table: leave the row out
            // rather than invent an identity.
            if matches!(act.who, Who::Key(_)) && actors.is_empty() {
                continue;
            }
            total += u64::from(act.weight);
            cumulative.push(total);
            table.push((act, actors));
        }
        let apps: Vec<usize> = (0..cast.workloads.len())
            .filter(|&w| {
                let wl = &cast.workloads[w];
                wl.access.is_none() && wl.ns != "monitoring"
            })
            .collect();
        let app_pods = apps
            .iter()
            .map(|&w| {
                (0..cast.pods.len())
                    .filter(|&p| cast.pods[p].workload == w)
                    .collect()
            })
            .collect();
        let slices = apps
            .iter()
            .map(|&w| {
                (
                    w,
                    format!("{}-{}", cast.workloads[w].name, k8s_suffix(&mut rng, 5)),
                )
            })
            .collect();
        let hpa_uids = apps.iter().map(|_| uuid_string(&mut rng)).collect();
        let cronjob_uid = uuid_string(&mut rng);
        let scrapers = [
            "monitoring/kube-prometheus-stack-prometheus",
            "kube-system/metrics-server",
        ]
        .iter()
        .flat_map(|k| cast.key(k).iter().copied())
        .collect();
        let rv = 48_000_000 + rng.below(4_000_000);
        Noise {
            rng,
            acts: table,
            cumulative,
            apps,
            app_pods,
            slices,
            hpa_uids,
            cronjob_uid,
            scrapers,
            rv,
            uri: Vec::with_capacity(256),
            req: Vec::with_capacity(4096),
            resp: Vec::with_capacity(8192),
            job: Vec::with_capacity(64),
            pod: Vec::with_capacity(64),
        }
    }

    /// Writes one background event that completes at `stage` (µs since the epoch).
    pub(crate) fn write(&mut self, cast: &Cast, stage: i64, out: &mut Vec<u8>) {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let roll = self.rng.below(total);
        let index = self.cumulative.partition_point(|&c| c <= roll);
        let Some((act, actors)) = self.acts.get(index) else {
            return;
        };
        let act = *act;
        let node = self.rng.index(cast.nodes.len());
        let actor_index = match act.who {
            Who::Node(role) => cast.node_actors[node][role as usize],
            Who::Key(_) => actors[self.rng.index(actors.len())],
        };
        let actor = &cast.actors[actor_index];
        if !matches!(act.verb, "get" | "list" | "watch") {
            self.rv += 1 + self.rng.below(3);
        }
        for buf in [
            &mut self.uri,
            &mut self.req,
            &mut self.resp,
            &mut self.job,
            &mut self.pod,
        ] {
            buf.clear();
        }

        let mut target = self.resolve(cast, &act, node, stage);
        if matches!(act.verb, "list" | "watch") {
            target.name = NameRef::None;
        }
        self.write_bodies(cast, &act, &target, node, stage);
        let Resolved {
            ns, name, workload, ..
        } = target;

        let name = resolve_name(name, cast, &self.slices, &self.job, &self.pod);
        let request = Request {
            act: &act,
            ns,
            name,
            node: &cast.nodes[node].name,
            app: workload.map(|w| cast.workloads[w].name),
            rv: self.rv,
        };
        let watch_timeout = request.write_uri(&mut self.uri, &mut self.rng);
        if let Some((code, reason)) = failure_status(act.outcome) {
            // A request refused after decoding answers with a Status, which RequestResponse
            // keeps in full; one refused by the authorizer never had its body read.
            self.resp.clear();
            let message = request.failure_message(&actor.username);
            let details = (name.unwrap_or_default(), act.res.group, act.res.resource);
            objects::status_failure(&mut self.resp, code, reason, &message, details);
            if act.outcome == Outcome::Forbidden {
                self.req.clear();
            }
        }
        let latency = latency(&mut self.rng, &act, watch_timeout);
        let (code, failure) = outcome_code(act.outcome);
        let reason = act.reason.unwrap_or(&actor.reason);
        let annotations: &[(&str, &str)] =
            if act.res.resource == "pods" && act.verb == "create" && act.res.sub.is_none() {
                POD_CREATE_ANNOTATIONS
            } else {
                &[]
            };
        let event = Event {
            audit_id: AuditId::Bits(self.rng.u128()),
            uri: &self.uri,
            verb: act.verb,
            actor,
            object: Some(ObjRef {
                resource: act.res.resource,
                namespace: ns,
                name,
                group: act.res.group,
                version: act.res.version,
                subresource: act.res.sub,
            }),
            code,
            failure,
            request_object: (!self.req.is_empty()).then_some(self.req.as_slice()),
            response_object: (!self.resp.is_empty()).then_some(self.resp.as_slice()),
            received_micros: stage - latency,
            stage_micros: stage,
            authz: if act.outcome == Outcome::Forbidden {
                Authz::Forbid
            } else {
                Authz::Allow(reason)
            },
            annotations,
            early_annotations: &[],
        };
        event.render(out);
    }

    /// The namespace, name, pod and workload a request is about; Job names go to the scratch
    /// buffers.
    fn resolve(&mut self, cast: &Cast, act: &Act, node: usize, stage: i64) -> Resolved {
        let rng = &mut self.rng;
        match act.target {
            Target::All => Resolved::new(None, NameRef::None),
            Target::Ns(ns) => Resolved::new(Some(ns), NameRef::None),
            Target::Named(ns, names) => {
                let ns = (!ns.is_empty()).then_some(ns);
                Resolved::new(ns, NameRef::Static(names[rng.index(names.len())]))
            }
            Target::Node => Resolved::new(None, NameRef::Node(node)),
            Target::NodeLease => Resolved::new(Some("kube-node-lease"), NameRef::Node(node)),
            Target::PodOnNode | Target::NsOfPodOnNode => {
                let pods = &cast.nodes[node].pods;
                let p = pods[rng.index(pods.len())];
                let w = cast.pods[p].workload;
                let name = match act.target {
                    Target::PodOnNode => NameRef::Pod(p),
                    _ => NameRef::None,
                };
                Resolved {
                    pod: Some(p),
                    workload: Some(w),
                    ..Resolved::new(Some(cast.workloads[w].ns), name)
                }
            }
            Target::AppPod(only) | Target::AppNs(only) | Target::AppDeployment(only) => {
                let inside: Vec<usize> = (0..self.apps.len())
                    .filter(|&s| only.is_none_or(|ns| cast.workloads[self.apps[s]].ns == ns))
                    .collect();
                let slot = if inside.is_empty() {
                    rng.index(self.apps.len())
                } else {
                    inside[rng.index(inside.len())]
                };
                let w = self.apps[slot];
                let (name, pod) = match act.target {
                    Target::AppPod(_) => {
                        let pods = &self.app_pods[slot];
                        let p = pods[rng.index(pods.len())];
                        (NameRef::Pod(p), Some(p))
                    }
                    Target::AppDeployment(_) => (NameRef::Workload(w), None),
                    _ => (NameRef::None, None),
                };
                Resolved {
                    pod,
                    workload: Some(w),
                    slot,
                    ..Resolved::new(Some(cast.workloads[w].ns), name)
                }
            }
            Target::Missing(ns) => {
                Resolved::new(Some(ns), NameRef::Static(MISSING[rng.index(MISSING.len())]))
            }
            Target::Slice => {
                let s = rng.index(self.slices.len());
                let ns = cast.workloads[self.slices[s].0].ns;
                Resolved::new(Some(ns), NameRef::Slice(s))
            }
            Target::NewJob | Target::NewJobPod | Target::OldJob => {
                // The CronJob runs every 15 minutes and names each Job after its scheduled
                // minute; the finished Job the TTL controller removes is an hour older.
                let minute = (stage / 60_000_000).max(0) as u64;
                let back = if matches!(act.target, Target::OldJob) {
                    60
                } else {
                    0
                };
                let scheduled = (minute - minute % 15).saturating_sub(back);
                self.job.raw("settlement-report-");
                self.job.num(scheduled);
                self.pod.extend_from_slice(&self.job);
                self.pod.push(b'-');
                self.pod.raw(&k8s_suffix(rng, 5));
                let name = match act.target {
                    // A pod is created with generateName: no name until the API server picks one.
                    Target::NewJobPod if act.res.sub.is_none() => NameRef::None,
                    Target::NewJobPod => NameRef::JobPod,
                    _ => NameRef::Job,
                };
                Resolved {
                    slot: scheduled as usize,
                    ..Resolved::new(Some("payments"), name)
                }
            }
        }
    }

    fn write_bodies(&mut self, cast: &Cast, act: &Act, target: &Resolved, node: usize, stage: i64) {
        let Resolved {
            pod,
            workload,
            slot,
            ..
        } = *target;
        let rv = self.rv;
        let (req, resp, rng) = (&mut self.req, &mut self.resp, &mut self.rng);
        match act.body {
            Body::None => {}
            Body::NodeStatus => objects::node_status_patch(req, stage),
            Body::PodStatus => {
                if let Some(p) = pod {
                    let p = &cast.pods[p];
                    objects::pod_status_patch(req, rng, p, &cast.workloads[p.workload], stage);
                }
            }
            Body::AccessReview => {
                let scraper = &cast.actors[self.scrapers[rng.index(self.scrapers.len())]];
                objects::subject_access_review(req, resp, &cast.nodes[node].name, scraper);
            }
            Body::Binding => {
                let mut uid = Vec::with_capacity(36);
                uid.uuid(rng.u128());
                objects::binding(
                    req,
                    resp,
                    "payments",
                    as_str(&self.pod),
                    as_str(&uid),
                    &cast.nodes[node].name,
                );
            }
            Body::DeleteJob => {
                let mut uid = Vec::with_capacity(36);
                uid.uuid(job_uid(slot));
                objects::delete_options(req, "batch/v1", as_str(&uid), rv - 40);
                objects::status_deleted(resp, as_str(&self.job), "batch", "jobs", as_str(&uid));
            }
            Body::RestartDeployment | Body::ApplyImage => {
                let Some(wl) = workload.map(|w| &cast.workloads[w]) else {
                    return;
                };
                if act.body == Body::RestartDeployment {
                    objects_apps::restart_patch(req, stage);
                } else {
                    objects_apps::image_patch(req, wl, rv, act.outcome == Outcome::Invalid);
                }
                let restarted = (act.body == Body::RestartDeployment).then_some(stage);
                objects_apps::deployment(resp, wl, rv, 10 + rv % 40, restarted, stage);
            }
            Body::HpaStatus => {
                let Some(wl) = workload.map(|w| &cast.workloads[w]) else {
                    return;
                };
                let uid = &self.hpa_uids[slot.min(self.hpa_uids.len() - 1)];
                let utilisation = rng.range(18, 69);
                objects_apps::hpa(req, wl, uid, rv - 1 - rng.below(40), utilisation, stage);
                objects_apps::hpa(resp, wl, uid, rv, utilisation, stage);
            }
            Body::CreateJob | Body::CreateJobPod => {
                let mut uid = Vec::with_capacity(36);
                uid.uuid(job_uid(slot));
                let image = cast
                    .workloads
                    .iter()
                    .find(|w| w.name == "payments-worker")
                    .map_or("", |w| w.image.as_str());
                let spec = JobSpec {
                    name: as_str(&self.job),
                    uid: as_str(&uid),
                    cronjob_uid: &self.cronjob_uid,
                    image,
                    scheduled: (slot as i64) * 60_000_000,
                    rv,
                };
                if act.body == Body::CreateJob {
                    objects_apps::job(req, &spec, false, stage);
                    objects_apps::job(resp, &spec, true, stage);
                } else {
                    let mut pod_uid = Vec::with_capacity(36);
                    pod_uid.uuid(rng.u128());
                    let token = k8s_suffix(rng, 5);
                    objects_apps::job_pod(req, &spec, "", "", &token, stage);
                    objects_apps::job_pod(
                        resp,
                        &spec,
                        as_str(&self.pod),
                        as_str(&pod_uid),
                        &token,
                        stage,
                    );
                }
            }
        }
    }
}

/// How long the request took: a watch lasts until its timeout (the line is written when it
/// ends), a pod create waits for the webhooks, a token or access review is quick.
fn latency(rng: &mut Rng, act: &Act, watch_timeout: Option<u64>) -> i64 {
    let micros = match act.verb {
        "watch" => watch_timeout.unwrap_or(300) * 1_000_000 + rng.below(3_000),
        "list" => rng.range(2_000, 120_000),
        "get" => rng.range(700, 12_000),
        "create" if act.res.resource == "pods" && act.res.sub.is_none() => rng.range(8_000, 45_000),
        "create" if act.res.group.starts_with("auth") => rng.range(300, 2_500),
        _ => rng.range(2_500, 25_000),
    };
    micros as i64
}

/// A Job's uid follows from its scheduled minute, so its create, its pod and its delete agree.
fn job_uid(scheduled_minute: usize) -> u128 {
    Rng::new(scheduled_minute as u64 ^ 0x6a6f_6275_6964).u128()
}

fn as_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

fn resolve_name<'a>(
    name: NameRef,
    cast: &'a Cast,
    slices: &'a [(usize, String)],
    job: &'a [u8],
    pod: &'a [u8],
) -> Option<&'a str> {
    match name {
        NameRef::None => None,
        NameRef::Static(s) => Some(s),
        NameRef::Node(n) => Some(&cast.nodes[n].name),
        NameRef::Pod(p) => Some(&cast.pods[p].name),
        NameRef::Workload(w) => Some(cast.workloads[w].name),
        NameRef::Slice(s) => Some(&slices[s].1),
        NameRef::Job => Some(as_str(job)),
        NameRef::JobPod => Some(as_str(pod)),
    }
}
