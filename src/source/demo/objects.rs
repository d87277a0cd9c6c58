//! Request and response bodies for the noise, written as the API server encodes them (Go field
//! order, defaults filled in, `creationTimestamp: null` on objects not yet stored).

use super::cast::{Actor, Pod, Workload};
use super::json::JsonOut;
use super::rng::Rng;

/// A failed `metav1.Status`, as it appears in `responseObject`.
pub(crate) fn status_failure(
    out: &mut Vec<u8>,
    code: u16,
    reason: &str,
    message: &str,
    details: (&str, &str, &str),
) {
    let (name, group, kind) = details;
    out.raw(r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"#);
    out.str(message);
    out.raw(r#","reason":""#);
    out.raw(reason);
    out.raw(r#"","details":{"#);
    if !name.is_empty() {
        out.raw(r#""name":"#);
        out.str(name);
        out.push(b',');
    }
    if !group.is_empty() {
        out.raw(r#""group":"#);
        out.str(group);
        out.push(b',');
    }
    out.raw(r#""kind":"#);
    out.str(kind);
    out.raw(r#"},"code":"#);
    out.num(u64::from(code));
    out.push(b'}');
}

/// The `Status` a delete answers with.
pub(crate) fn status_deleted(out: &mut Vec<u8>, name: &str, group: &str, kind: &str, uid: &str) {
    out.raw(
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"#,
    );
    out.str(name);
    if !group.is_empty() {
        out.raw(r#","group":"#);
        out.str(group);
    }
    out.raw(r#","kind":"#);
    out.str(kind);
    out.raw(r#","uid":"#);
    out.str(uid);
    out.raw("}}");
}

/// The kubelet's heartbeat: a strategic-merge patch of the node's conditions.
pub(crate) fn node_status_patch(out: &mut Vec<u8>, at: i64) {
    out.raw(r#"{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":["#);
    for (i, kind) in ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push(b',');
        }
        out.raw(r#"{"lastHeartbeatTime":""#);
        out.time_secs(at);
        out.raw(r#"","type":""#);
        out.raw(kind);
        out.raw(r#""}"#);
    }
    out.raw("]}}");
}

/// A container that restarted and became ready again, as the kubelet reports it.
pub(crate) fn pod_status_patch(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    pod: &Pod,
    wl: &Workload,
    at: i64,
) {
    let started = at - rng.range(2, 40) as i64 * 1_000_000;
    out.raw(r#"{"metadata":{"uid":""#);
    out.raw(&pod.uid);
    out.raw(r#""},"status":{"$setElementOrder/conditions":[{"type":"PodReadyToStartContainers"},{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastTransitionTime":""#);
    out.time_secs(at);
    out.raw(
        r#"","message":null,"reason":null,"status":"True","type":"Ready"},{"lastTransitionTime":""#,
    );
    out.time_secs(at);
    out.raw(r#"","message":null,"reason":null,"status":"True","type":"ContainersReady"}],"containerStatuses":[{"containerID":"containerd://"#);
    out.hex(rng.u128(), 32);
    out.hex(rng.u128(), 32);
    out.raw(r#"","image":"#);
    out.str(&wl.image);
    out.raw(r#","imageID":"#);
    let repo = wl
        .image
        .rsplit_once(':')
        .map_or(wl.image.as_str(), |(r, _)| r);
    out.push(b'"');
    out.str_body(repo);
    out.raw("@sha256:");
    out.hex(rng.u128(), 32);
    out.hex(rng.u128(), 32);
    out.raw(r#"","lastState":{"terminated":{"containerID":"containerd://"#);
    out.hex(rng.u128(), 32);
    out.hex(rng.u128(), 32);
    out.raw(r#"","exitCode":137,"finishedAt":""#);
    out.time_secs(started - 1_000_000);
    out.raw(r#"","reason":"OOMKilled","startedAt":"2026-10-29T14:03:11Z"}},"name":"#);
    out.str(wl.name);
    out.raw(r#","ready":true,"restartCount":"#);
    out.num(rng.range(1, 6));
    out.raw(r#","started":true,"state":{"running":{"startedAt":""#);
    out.time_secs(started);
    out.raw(r#""}}}]}}"#);
}

/// The kubelet asking whether a scraper may read its metrics, and the answer.
pub(crate) fn subject_access_review(
    req: &mut Vec<u8>,
    resp: &mut Vec<u8>,
    node: &str,
    scraper: &Actor,
) {
    for (out, answer) in [(req, false), (resp, true)] {
        out.raw(r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"verb":"get","version":"v1","resource":"nodes","subresource":"metrics","name":"#);
        out.str(node);
        out.raw(r#"},"user":"#);
        out.str(&scraper.username);
        out.raw(r#","groups":["#);
        for (i, g) in scraper.groups.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.str(g);
        }
        out.raw(r#"],"uid":"#);
        out.str(&scraper.uid);
        if answer {
            out.raw(r#"},"status":{"allowed":true,"reason":"#);
            out.str(&scraper.reason);
            out.raw("}}");
        } else {
            out.raw(r#"},"status":{"allowed":false}}"#);
        }
    }
}

/// The scheduler's `pods/binding` and the `Status` it gets back.
pub(crate) fn binding(
    req: &mut Vec<u8>,
    resp: &mut Vec<u8>,
    ns: &str,
    pod: &str,
    uid: &str,
    node: &str,
) {
    req.raw(r#"{"kind":"Binding","apiVersion":"v1","metadata":{"name":"#);
    req.str(pod);
    req.raw(r#","namespace":"#);
    req.str(ns);
    req.raw(r#","uid":"#);
    req.str(uid);
    req.raw(r#","creationTimestamp":null},"target":{"kind":"Node","name":"#);
    req.str(node);
    req.raw("}}");
    resp.raw(r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}"#);
}

/// `DeleteOptions` with the preconditions a controller sends.
pub(crate) fn delete_options(out: &mut Vec<u8>, api_version: &str, uid: &str, rv: u64) {
    out.raw(r#"{"kind":"DeleteOptions","apiVersion":""#);
    out.raw(api_version);
    out.raw(r#"","preconditions":{"uid":""#);
    out.raw(uid);
    out.raw(r#"","resourceVersion":""#);
    out.num(rv);
    out.raw(r#""},"propagationPolicy":"Background"}"#);
}
