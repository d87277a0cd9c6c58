//! Workload bodies for the noise: Deployments patched by people and CI, autoscaler status,
//! and the Jobs and Pods a CronJob starts. None of them is privileged or mounts the host: those
//! belong to the story alone.

use super::cast::Workload;
use super::json::JsonOut;

/// When the applications were first deployed; their objects' `creationTimestamp`.
const CREATED: &str = "2026-08-18T09:12:44Z";

/// A Deployment as stored: `revision` counts rollouts, `restarted_at` is the last
/// `kubectl rollout restart`.
pub(crate) fn deployment(
    out: &mut Vec<u8>,
    wl: &Workload,
    rv: u64,
    revision: u64,
    restarted_at: Option<i64>,
    now: i64,
) {
    out.raw(r#"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"#);
    out.str(wl.name);
    out.raw(r#","namespace":"#);
    out.str(wl.ns);
    out.raw(r#","uid":"#);
    out.str(&wl.uid);
    out.raw(r#","resourceVersion":""#);
    out.num(rv);
    out.raw(r#"","generation":"#);
    out.num(revision + 2);
    out.raw(r#","creationTimestamp":""#);
    out.raw(CREATED);
    out.raw(r#"","labels":{"app.kubernetes.io/name":"#);
    out.str(wl.name);
    out.raw(r#","app.kubernetes.io/part-of":"#);
    out.str(wl.ns);
    out.raw(r#"},"annotations":{"deployment.kubernetes.io/revision":""#);
    out.num(revision);
    out.raw(r#""},"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","time":""#);
    out.time_secs(now);
    out.raw(r#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\""#);
    out.str_body(wl.name);
    out.raw(r#"\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":""#);
    out.time_secs(now);
    out.raw(r#"","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}},"subresource":"status"}]},"spec":{"replicas":"#);
    out.num(wl.replicas as u64);
    out.raw(r#","selector":{"matchLabels":{"app.kubernetes.io/name":"#);
    out.str(wl.name);
    out.raw(r#"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app.kubernetes.io/name":"#);
    out.str(wl.name);
    out.push(b'}');
    if let Some(at) = restarted_at {
        out.raw(r#","annotations":{"kubectl.kubernetes.io/restartedAt":""#);
        out.time_secs(at);
        out.raw(r#""}"#);
    }
    out.raw(r#"},"spec":{"containers":[{"name":"#);
    out.str(wl.name);
    out.raw(r#","image":"#);
    out.str(&wl.image);
    out.raw(r#","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"cpu":"1","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}},"readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"#);
    out.str(wl.name);
    out.raw(r#","serviceAccount":"#);
    out.str(wl.name);
    out.raw(r#","securityContext":{},"schedulerName":"default-scheduler"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600},"status":{"observedGeneration":"#);
    out.num(revision + 1);
    for field in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        out.raw(r#",""#);
        out.raw(field);
        out.raw(r#"":"#);
        out.num(wl.replicas as u64);
    }
    out.raw(r#","conditions":[{"type":"Available","status":"True","lastUpdateTime":""#);
    out.raw(CREATED);
    out.raw(r#"","lastTransitionTime":""#);
    out.raw(CREATED);
    out.raw(r#"","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},{"type":"Progressing","status":"True","lastUpdateTime":""#);
    out.time_secs(now);
    out.raw(r#"","lastTransitionTime":""#);
    out.raw(CREATED);
    out.raw(r#"","reason":"NewReplicaSetAvailable","message":"ReplicaSet \""#);
    out.str_body(wl.name);
    out.push(b'-');
    out.raw(&wl.rs_hash);
    out.raw(r#"\" has successfully progressed."}]}}"#);
}

/// What `kubectl rollout restart` sends.
pub(crate) fn restart_patch(out: &mut Vec<u8>, at: i64) {
    out.raw(
        r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":""#,
    );
    out.time_secs(at);
    out.raw(r#""}}}}}"#);
}

/// What `kubectl apply` sends when only the image tag changed; `cpu` set makes the patch one
/// the API server rejects (a request above the limit).
pub(crate) fn image_patch(out: &mut Vec<u8>, wl: &Workload, build: u64, bad_cpu: bool) {
    let repo = wl
        .image
        .rsplit_once(':')
        .map_or(wl.image.as_str(), |(r, _)| r);
    out.raw(r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"#);
    out.str(wl.name);
    out.raw(r#"}],"containers":[{"image":""#);
    out.str_body(repo);
    out.raw(":1.");
    out.num(40 + build % 7);
    out.push(b'.');
    out.num(build % 13);
    out.raw(r#"","name":"#);
    out.str(wl.name);
    if bad_cpu {
        out.raw(r#","resources":{"requests":{"cpu":"2"}}"#);
    }
    out.raw("}]}}}}");
}

/// The horizontal pod autoscaler of a Deployment, with the utilisation it last saw.
pub(crate) fn hpa(
    out: &mut Vec<u8>,
    wl: &Workload,
    uid: &str,
    rv: u64,
    utilisation: u64,
    now: i64,
) {
    out.raw(
        r#"{"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v2","metadata":{"name":"#,
    );
    out.str(wl.name);
    out.raw(r#","namespace":"#);
    out.str(wl.ns);
    out.raw(r#","uid":"#);
    out.str(uid);
    out.raw(r#","resourceVersion":""#);
    out.num(rv);
    out.raw(r#"","creationTimestamp":""#);
    out.raw(CREATED);
    out.raw(r#""},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"#);
    out.str(wl.name);
    out.raw(r#","apiVersion":"apps/v1"},"minReplicas":"#);
    out.num(wl.replicas as u64);
    out.raw(r#","maxReplicas":12,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}]},"status":{"currentReplicas":"#);
    out.num(wl.replicas as u64);
    out.raw(r#","desiredReplicas":"#);
    out.num(wl.replicas as u64);
    out.raw(r#","currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageValue":""#);
    out.num(utilisation * 250 / 100);
    out.raw(r#"m","averageUtilization":"#);
    out.num(utilisation);
    out.raw(r#"}}}],"conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":""#);
    out.time_secs(now);
    out.raw(r#"","reason":"ReadyForNewScale","message":"recommended size matches current size"},{"type":"ScalingActive","status":"True","lastTransitionTime":""#);
    out.raw(CREATED);
    out.raw(r#"","reason":"ValidMetricFound","message":"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},{"type":"ScalingLimited","status":"False","lastTransitionTime":""#);
    out.raw(CREATED);
    out.raw(r#"","reason":"DesiredWithinRange","message":"the desired count is within the acceptable range"}]}}"#);
}

/// The nightly report CronJob's Job: `stored` adds what the API server fills in on create.
pub(crate) struct JobSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) uid: &'a str,
    pub(crate) cronjob_uid: &'a str,
    pub(crate) image: &'a str,
    pub(crate) scheduled: i64,
    pub(crate) rv: u64,
}

pub(crate) fn job(out: &mut Vec<u8>, job: &JobSpec<'_>, stored: bool, now: i64) {
    out.raw(r#"{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"#);
    out.str(job.name);
    out.raw(r#","namespace":"payments","#);
    if stored {
        out.raw(r#""uid":""#);
        out.raw(job.uid);
        out.raw(r#"","resourceVersion":""#);
        out.num(job.rv);
        out.raw(r#"","generation":1,"creationTimestamp":""#);
        out.time_secs(now);
        out.raw(r#"","labels":{"batch.kubernetes.io/controller-uid":""#);
        out.raw(job.uid);
        out.raw(r#"","batch.kubernetes.io/job-name":"#);
        out.str(job.name);
        out.raw(r#"},"#);
    } else {
        out.raw(r#""creationTimestamp":null,"#);
    }
    out.raw(r#""annotations":{"batch.kubernetes.io/cronjob-scheduled-timestamp":""#);
    out.time_secs(job.scheduled);
    out.raw(r#""},"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"settlement-report","uid":""#);
    out.raw(job.cronjob_uid);
    out.raw(r#"","controller":true,"blockOwnerDeletion":true}]},"spec":{"parallelism":1,"completions":1,"backoffLimit":2,"#);
    if stored {
        out.raw(r#""selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":""#);
        out.raw(job.uid);
        out.raw(r#""}},"manualSelector":false,"#);
    }
    out.raw(r#""template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"report","image":"#);
    out.str(job.image);
    out.raw(r#","args":["settle","--window=15m"],"resources":{"requests":{"cpu":"100m","memory":"128Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true}}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}},"completionMode":"NonIndexed","suspend":false,"podReplacementPolicy":"TerminatingOrFailed"},"status":{"#);
    if stored {
        out.raw(r#""startTime":""#);
        out.time_secs(now);
        out.raw(r#"","active":1,"ready":0,"terminating":0,"uncountedTerminatedPods":{}"#);
    }
    out.raw("}}");
}

/// The Job's pod, created by the job controller: `name` is empty until the API server has
/// generated it.
pub(crate) fn job_pod(
    out: &mut Vec<u8>,
    job: &JobSpec<'_>,
    name: &str,
    uid: &str,
    token_suffix: &str,
    now: i64,
) {
    let stored = !name.is_empty();
    out.raw(r#"{"kind":"Pod","apiVersion":"v1","metadata":{"#);
    if stored {
        out.raw(r#""name":"#);
        out.str(name);
        out.push(b',');
    }
    out.raw(r#""generateName":""#);
    out.str_body(job.name);
    out.raw(r#"-","namespace":"payments","#);
    if stored {
        out.raw(r#""uid":""#);
        out.raw(uid);
        out.raw(r#"","resourceVersion":""#);
        out.num(job.rv + 1);
        out.raw(r#"","creationTimestamp":""#);
        out.time_secs(now);
        out.raw(r#"","#);
    } else {
        out.raw(r#""creationTimestamp":null,"#);
    }
    out.raw(r#""labels":{"batch.kubernetes.io/controller-uid":""#);
    out.raw(job.uid);
    out.raw(r#"","batch.kubernetes.io/job-name":"#);
    out.str(job.name);
    out.raw(r#","controller-uid":""#);
    out.raw(job.uid);
    out.raw(r#"","job-name":"#);
    out.str(job.name);
    out.raw(r#"},"ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"#);
    out.str(job.name);
    out.raw(r#","uid":""#);
    out.raw(job.uid);
    out.raw(r#"","controller":true,"blockOwnerDeletion":true}],"finalizers":["batch.kubernetes.io/job-tracking"]},"spec":{"#);
    if stored {
        out.raw(r#""volumes":[{"name":"kube-api-access-"#);
        out.raw(token_suffix);
        out.raw(r#"","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"#);
    }
    out.raw(r#""containers":[{"name":"report","image":"#);
    out.str(job.image);
    out.raw(r#","args":["settle","--window=15m"],"resources":{"requests":{"cpu":"100m","memory":"128Mi"}},"#);
    if stored {
        out.raw(r#""volumeMounts":[{"name":"kube-api-access-"#);
        out.raw(token_suffix);
        out.raw(
            r#"","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"#,
        );
    }
    out.raw(r#""terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true}}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","#);
    if stored {
        out.raw(r#""serviceAccountName":"default","serviceAccount":"default","#);
    }
    out.raw(r#""securityContext":{},"schedulerName":"default-scheduler""#);
    if stored {
        out.raw(r#","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Pending","qosClass":"Burstable"}}"#);
    } else {
        out.raw(r#"},"status":{}}"#);
    }
}
