//! What a healthy EKS cluster says to its API server, as weighted request shapes: leases and
//! heartbeats, informer watches, controllers' writes, people reading, CI deploying, and the
//! few 403/404/409/422s every busy cluster has.
//!
//! The weights give the mix of a real control plane log, not its absolute rate: leases and
//! watches dominate, writes are rarer, people are a trickle.

use super::cast::NodeRole;

/// A resource: API group ("" for core), version, plural name, subresource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Res {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) resource: &'static str,
    pub(crate) sub: Option<&'static str>,
    pub(crate) namespaced: bool,
}

const fn core(resource: &'static str) -> Res {
    Res {
        group: "",
        version: "v1",
        resource,
        sub: None,
        namespaced: true,
    }
}

const fn api(group: &'static str, version: &'static str, resource: &'static str) -> Res {
    Res {
        group,
        version,
        resource,
        sub: None,
        namespaced: true,
    }
}

impl Res {
    const fn sub(self, sub: &'static str) -> Res {
        Res {
            sub: Some(sub),
            ..self
        }
    }

    const fn cluster(self) -> Res {
        Res {
            namespaced: false,
            ..self
        }
    }
}

const PODS: Res = core("pods");
const NODES: Res = core("nodes").cluster();
const NAMESPACES: Res = core("namespaces").cluster();
const SERVICES: Res = core("services");
const ENDPOINTS: Res = core("endpoints");
const CONFIGMAPS: Res = core("configmaps");
const PVCS: Res = core("persistentvolumeclaims");
const LEASES: Res = api("coordination.k8s.io", "v1", "leases");
const SLICES: Res = api("discovery.k8s.io", "v1", "endpointslices");
const DEPLOYMENTS: Res = api("apps", "v1", "deployments");
const DAEMONSETS: Res = api("apps", "v1", "daemonsets");
const REPLICASETS: Res = api("apps", "v1", "replicasets");
const JOBS: Res = api("batch", "v1", "jobs");
const CRONJOBS: Res = api("batch", "v1", "cronjobs");
const HPAS: Res = api("autoscaling", "v2", "horizontalpodautoscalers");
const POD_METRICS: Res = api("metrics.k8s.io", "v1beta1", "pods");
const CSINODES: Res = api("storage.k8s.io", "v1", "csinodes").cluster();
const CSIDRIVERS: Res = api("storage.k8s.io", "v1", "csidrivers").cluster();
const VOLUMEATTACHMENTS: Res = api("storage.k8s.io", "v1", "volumeattachments").cluster();
const RUNTIMECLASSES: Res = api("node.k8s.io", "v1", "runtimeclasses").cluster();
const PDBS: Res = api("policy", "v1", "poddisruptionbudgets");
const INGRESSES: Res = api("networking.k8s.io", "v1", "ingresses");
const CSRS: Res = api("certificates.k8s.io", "v1", "certificatesigningrequests").cluster();
const TOKENREVIEWS: Res = api("authentication.k8s.io", "v1", "tokenreviews").cluster();
const SARS: Res = api("authorization.k8s.io", "v1", "subjectaccessreviews").cluster();
const VWCS: Res = api(
    "admissionregistration.k8s.io",
    "v1",
    "validatingwebhookconfigurations",
)
.cluster();
const MWCS: Res = api(
    "admissionregistration.k8s.io",
    "v1",
    "mutatingwebhookconfigurations",
)
.cluster();
const APISERVICES: Res = api("apiregistration.k8s.io", "v1", "apiservices").cluster();
const FLOWSCHEMAS: Res = api("flowcontrol.apiserver.k8s.io", "v1", "flowschemas").cluster();
const ENICONFIGS: Res = api("crd.k8s.amazonaws.com", "v1alpha1", "eniconfigs").cluster();
const CNINODES: Res = api("vpcresources.k8s.aws", "v1alpha1", "cninodes").cluster();
const TGBS: Res = api("elbv2.k8s.aws", "v1beta1", "targetgroupbindings");
const POLICYENDPOINTS: Res = api("networking.k8s.aws", "v1alpha1", "policyendpoints");

/// Who sends the request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Who {
    /// The identity of that role on a random node.
    Node(NodeRole),
    /// A cast key (`kcm`, `ctl:…`, `alice`, `kube-system/coredns` …).
    Key(&'static str),
}

/// Which object, and so which namespace and name, the request is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// No namespace, no name: a cluster-scoped collection, or a namespaced one across all
    /// namespaces.
    All,
    /// A collection in one namespace.
    Ns(&'static str),
    /// One named object ("" namespace for cluster-scoped ones); one of several names at random.
    Named(&'static str, &'static [&'static str]),
    /// The chosen node (cluster-scoped objects named after it).
    Node,
    /// The chosen node's lease in `kube-node-lease`.
    NodeLease,
    /// A pod running on the chosen node.
    PodOnNode,
    /// The namespace of a pod on the chosen node, no name.
    NsOfPodOnNode,
    /// Any application pod (in `only` if given).
    AppPod(Option<&'static str>),
    /// An application namespace, no name.
    AppNs(Option<&'static str>),
    /// An application Deployment (in `only` if given).
    AppDeployment(Option<&'static str>),
    /// A Deployment name that does not exist (for 404s).
    Missing(&'static str),
    /// An endpoint slice of an application service.
    Slice,
    /// The next Job of the report CronJob, or its pod.
    NewJob,
    NewJobPod,
    /// A finished Job of the report CronJob.
    OldJob,
}

/// Query parameters after `?`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Query {
    None,
    Lit(&'static str),
    /// An informer's watch (bookmarks, resource version, timeout), with a selector.
    Watch(Sel),
    /// An informer's first list, with a selector.
    List(Sel),
    /// `kubectl logs`: the container and a tail.
    Log,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Sel {
    None,
    /// Already URL-encoded, `fieldSelector=…` or `labelSelector=…`.
    Lit(&'static str),
    /// `fieldSelector=spec.nodeName=<node>`
    SpecNodeName,
    /// `fieldSelector=metadata.name=<node>`
    MetaNameNode,
    /// `labelSelector=app.kubernetes.io/name=<deployment>`
    App,
}

/// What the request and response carry, when the level keeps bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    None,
    NodeStatus,
    PodStatus,
    AccessReview,
    Binding,
    DeleteJob,
    RestartDeployment,
    ApplyImage,
    HpaStatus,
    CreateJob,
    CreateJobPod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Created,
    NotFound,
    Conflict,
    AlreadyExists,
    Invalid,
    Forbidden,
}

/// One request shape and how often it happens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Act {
    pub(crate) weight: u32,
    pub(crate) who: Who,
    pub(crate) verb: &'static str,
    pub(crate) res: Res,
    pub(crate) target: Target,
    pub(crate) query: Query,
    pub(crate) body: Body,
    pub(crate) outcome: Outcome,
    /// A reason other than the actor's usual one (a RoleBinding in one namespace).
    pub(crate) reason: Option<&'static str>,
}

const fn act(weight: u32, who: Who, verb: &'static str, res: Res, target: Target) -> Act {
    Act {
        weight,
        who,
        verb,
        res,
        target,
        query: Query::None,
        body: Body::None,
        outcome: if matches!(verb.as_bytes(), b"create") {
            Outcome::Created
        } else {
            Outcome::Ok
        },
        reason: None,
    }
}

impl Act {
    const fn q(self, query: Query) -> Act {
        Act { query, ..self }
    }
    const fn body(self, body: Body) -> Act {
        Act { body, ..self }
    }
    const fn fails(self, outcome: Outcome) -> Act {
        Act { outcome, ..self }
    }
    const fn reason(self, reason: &'static str) -> Act {
        Act {
            reason: Some(reason),
            ..self
        }
    }
}

use Query::{List, Watch};
use Who::{Key, Node};

const KUBELET: Who = Node(NodeRole::Kubelet);
const PROXY: Who = Node(NodeRole::KubeProxy);
const AWS_NODE: Who = Node(NodeRole::AwsNode);
const FLUENT_BIT: Who = Node(NodeRole::FluentBit);
const EBS_NODE: Who = Node(NodeRole::EbsCsiNode);
const PROXY_SEL: Sel = Sel::Lit(
    "labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name",
);
const PAYMENTS_EDIT: &str = r#"RBAC: allowed by RoleBinding "developers-edit/payments" of ClusterRole "edit" to Group "developers""#;
const TIMEOUT_5S: Query = Query::Lit("timeout=5s");
const TIMEOUT_10S: Query = Query::Lit("timeout=10s");
const WATCH: Query = Watch(Sel::None);
const LIMIT: Query = Query::Lit("limit=500");
const APPLY: Query = Query::Lit("fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
const LIST: Query = List(Sel::None);

fn lease(weight: u32, who: Who, name: &'static [&'static str], timeout: Query) -> Act {
    act(
        weight,
        who,
        "update",
        LEASES,
        Target::Named("kube-system", name),
    )
    .q(timeout)
}

/// The table; built once per generator. One row a line, so it reads as a table.
#[rustfmt::skip]
pub(crate) fn acts() -> Vec<Act> {
    use Target::*;
    vec![
        // Kubelets: heartbeats, status, informers, and the authn/authz checks for scrapers.
        act(1200, KUBELET, "update", LEASES, NodeLease).q(TIMEOUT_10S),
        act(150, KUBELET, "patch", NODES.sub("status"), Node).q(TIMEOUT_10S).body(Body::NodeStatus),
        act(100, KUBELET, "patch", PODS.sub("status"), PodOnNode).body(Body::PodStatus),
        act(250, KUBELET, "watch", CONFIGMAPS, NsOfPodOnNode).q(Watch(Sel::Lit("fieldSelector=metadata.name%3Dkube-root-ca.crt"))),
        act(80, KUBELET, "watch", PODS, All).q(Watch(Sel::SpecNodeName)),
        act(80, KUBELET, "watch", NODES, All).q(Watch(Sel::MetaNameNode)),
        act(60, KUBELET, "watch", SERVICES, All).q(WATCH),
        act(60, KUBELET, "get", CSINODES, Node),
        act(30, KUBELET, "watch", RUNTIMECLASSES, All).q(WATCH),
        act(30, KUBELET, "watch", CSIDRIVERS, All).q(WATCH),
        act(150, KUBELET, "create", TOKENREVIEWS, All),
        act(70, KUBELET, "create", SARS, All).body(Body::AccessReview),
        // Node agents.
        act(150, PROXY, "watch", SLICES, All).q(Watch(PROXY_SEL)),
        act(120, PROXY, "watch", SERVICES, All).q(Watch(PROXY_SEL)),
        act(40, PROXY, "watch", NODES, All).q(Watch(Sel::MetaNameNode)),
        act(60, AWS_NODE, "get", NODES, Node),
        act(40, AWS_NODE, "list", PODS, All).q(List(Sel::SpecNodeName)),
        act(30, AWS_NODE, "watch", ENICONFIGS, All).q(WATCH),
        act(40, AWS_NODE, "get", CNINODES, Node),
        act(180, FLUENT_BIT, "get", PODS, PodOnNode),
        act(20, EBS_NODE, "get", NODES, Node),
        // Leader election, every two seconds for each elected component.
        lease(500, Key("kcm"), &["kube-controller-manager"], TIMEOUT_5S),
        lease(500, Key("scheduler-le"), &["kube-scheduler"], TIMEOUT_5S),
        lease(250, Key("eks:cloud-controller-manager"), &["cloud-controller-manager"], TIMEOUT_5S),
        lease(250, Key("eks:vpc-resource-controller"), &["cp-vpc-resource-controller"], Query::None),
        lease(200, Key("apiserver"), &["apiserver-kqyn6xwm3b2zvb5cfsqnxl7ufy", "apiserver-3rmc7ahkqz2dh4wbn6ytjgpe5i"], Query::None),
        lease(100, Key("kube-system/aws-load-balancer-controller"), &["aws-load-balancer-controller-leader"], Query::None),
        lease(100, Key("kube-system/cluster-autoscaler"), &["cluster-autoscaler"], Query::None),
        lease(60, Key("kube-system/ebs-csi-controller"), &["ebs-csi-aws-com", "external-attacher-leader-ebs-csi-aws-com"], Query::None),
        act(80, Key("kube-system/cluster-autoscaler"), "update", CONFIGMAPS, Named("kube-system", &["cluster-autoscaler-status"])),
        act(20, Key("kube-system/cluster-autoscaler"), "list", PODS, All).q(LIST),
        act(10, Key("kube-system/cluster-autoscaler"), "list", NODES, All).q(LIST),
        // The scheduler.
        act(30, Key("scheduler"), "watch", PODS, All).q(Watch(Sel::Lit("fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed"))),
        act(20, Key("scheduler"), "watch", NODES, All).q(WATCH),
        act(10, Key("scheduler"), "watch", PVCS, All).q(WATCH),
        act(10, Key("scheduler"), "watch", CSINODES, All).q(WATCH),
        act(10, Key("scheduler"), "watch", PDBS, All).q(WATCH),
        act(15, Key("scheduler"), "create", PODS.sub("binding"), NewJobPod).body(Body::Binding),
        // kube-controller-manager loops.
        act(120, Key("ctl:endpointslice-controller"), "update", SLICES, Slice),
        act(5, Key("ctl:endpointslice-controller"), "update", SLICES, Slice).fails(Outcome::Conflict),
        act(80, Key("ctl:horizontal-pod-autoscaler"), "get", DEPLOYMENTS.sub("scale"), AppDeployment(None)),
        act(80, Key("ctl:horizontal-pod-autoscaler"), "list", POD_METRICS, AppDeployment(None)).q(List(Sel::App)),
        act(25, Key("ctl:horizontal-pod-autoscaler"), "update", HPAS.sub("status"), AppDeployment(None)).body(Body::HpaStatus),
        act(4, Key("ctl:horizontal-pod-autoscaler"), "update", HPAS.sub("status"), AppDeployment(None)).body(Body::HpaStatus).fails(Outcome::Conflict),
        act(25, Key("ctl:generic-garbage-collector"), "watch", TGBS, All).q(WATCH),
        act(25, Key("ctl:generic-garbage-collector"), "watch", POLICYENDPOINTS, All).q(WATCH),
        act(15, Key("ctl:generic-garbage-collector"), "watch", FLOWSCHEMAS, All).q(WATCH),
        act(20, Key("ctl:resourcequota-controller"), "watch", REPLICASETS, All).q(WATCH),
        act(10, Key("ctl:namespace-controller"), "watch", NAMESPACES, All).q(WATCH),
        act(30, Key("ctl:cronjob-controller"), "list", JOBS, All).q(LIST),
        act(15, Key("ctl:cronjob-controller"), "get", CRONJOBS, Named("payments", &["settlement-report"])),
        act(15, Key("ctl:cronjob-controller"), "create", JOBS, NewJob).body(Body::CreateJob),
        act(15, Key("ctl:job-controller"), "create", PODS, NewJobPod).body(Body::CreateJobPod),
        act(10, Key("ctl:ttl-after-finished-controller"), "delete", JOBS, OldJob).body(Body::DeleteJob),
        act(20, Key("ctl:node-controller"), "watch", NODES, All).q(WATCH),
        act(10, Key("ctl:disruption-controller"), "watch", PDBS, All).q(WATCH),
        act(10, Key("ctl:root-ca-cert-publisher"), "watch", CONFIGMAPS, All).q(WATCH),
        act(20, Key("ctl:replicaset-controller"), "watch", PODS, All).q(WATCH),
        act(20, Key("ctl:deployment-controller"), "watch", REPLICASETS, All).q(WATCH),
        // EKS's own components.
        act(20, Key("eks:certificate-controller"), "list", CSRS, All).q(LIST),
        act(20, Key("eks:certificate-controller"), "watch", CSRS, All).q(WATCH),
        act(30, Key("eks:addon-manager"), "get", DAEMONSETS, Named("kube-system", &["aws-node", "kube-proxy"])),
        act(20, Key("eks:addon-manager"), "get", DEPLOYMENTS, Named("kube-system", &["coredns"])),
        act(15, Key("eks:addon-manager"), "get", CONFIGMAPS, Named("kube-system", &["kube-proxy-config", "coredns"])),
        act(30, Key("eks:node-manager"), "get", CONFIGMAPS, Named("kube-system", &["aws-auth"])),
        act(20, Key("eks:authenticator"), "watch", CONFIGMAPS, Ns("kube-system")).q(Watch(Sel::Lit("fieldSelector=metadata.name%3Daws-auth"))),
        act(20, Key("eks:cloud-controller-manager"), "list", NODES, All).q(LIST),
        act(10, Key("eks:cloud-controller-manager"), "watch", SERVICES, All).q(WATCH),
        act(10, Key("apiserver"), "watch", VWCS, All).q(WATCH),
        act(10, Key("apiserver"), "watch", MWCS, All).q(WATCH),
        act(10, Key("apiserver"), "watch", APISERVICES, All).q(WATCH),
        act(10, Key("apiserver"), "list", FLOWSCHEMAS, All).q(LIST),
        // Cluster add-ons.
        act(40, Key("kube-system/coredns"), "watch", SLICES, All).q(WATCH),
        act(40, Key("kube-system/coredns"), "watch", SERVICES, All).q(WATCH),
        act(20, Key("kube-system/coredns"), "watch", NAMESPACES, All).q(WATCH),
        act(20, Key("kube-system/metrics-server"), "watch", NODES, All).q(WATCH),
        act(20, Key("kube-system/metrics-server"), "watch", PODS, All).q(WATCH),
        act(20, Key("kube-system/aws-load-balancer-controller"), "watch", INGRESSES, All).q(WATCH),
        act(20, Key("kube-system/aws-load-balancer-controller"), "watch", SERVICES, All).q(WATCH),
        act(20, Key("kube-system/aws-load-balancer-controller"), "watch", TGBS, All).q(WATCH),
        act(10, Key("kube-system/ebs-csi-controller"), "watch", VOLUMEATTACHMENTS, All).q(WATCH),
        act(40, Key("monitoring/kube-prometheus-stack-prometheus"), "watch", PODS, All).q(WATCH),
        act(30, Key("monitoring/kube-prometheus-stack-prometheus"), "watch", ENDPOINTS, All).q(WATCH),
        act(30, Key("monitoring/kube-prometheus-stack-prometheus"), "watch", SERVICES, All).q(WATCH),
        act(20, Key("monitoring/kube-prometheus-stack-prometheus"), "watch", NODES, All).q(WATCH),
        // A scrape config nobody fixed: forbidden every time, and harmless.
        act(8, Key("monitoring/kube-prometheus-stack-prometheus"), "list", INGRESSES, All).q(LIST).fails(Outcome::Forbidden),
        // People.
        act(40, Key("alice"), "get", PODS, AppPod(None)),
        act(40, Key("alice"), "list", PODS, AppNs(None)).q(LIMIT),
        act(30, Key("alice"), "get", PODS.sub("log"), AppPod(None)).q(Query::Log),
        act(20, Key("alice"), "list", NODES, All).q(LIMIT),
        act(10, Key("alice"), "list", POD_METRICS, AppNs(None)),
        act(20, Key("alice"), "get", DEPLOYMENTS, AppDeployment(None)),
        act(5, Key("alice"), "get", DEPLOYMENTS, Missing("checkout")).fails(Outcome::NotFound),
        act(30, Key("bob"), "list", PODS, All).q(LIMIT),
        act(10, Key("bob"), "watch", PODS, All).q(WATCH),
        act(10, Key("bob"), "list", DEPLOYMENTS, All).q(LIMIT),
        act(3, Key("bob"), "delete", PODS, AppPod(Some("checkout"))).fails(Outcome::Forbidden),
        act(20, Key("jonas"), "get", PODS, AppPod(Some("frontend"))),
        act(20, Key("jonas"), "get", PODS.sub("log"), AppPod(Some("frontend"))).q(Query::Log),
        act(20, Key("jonas"), "list", PODS, AppNs(Some("frontend"))).q(LIMIT),
        act(10, Key("jonas"), "list", SERVICES, AppNs(Some("frontend"))).q(LIMIT),
        act(30, Key("priya"), "get", PODS, AppPod(Some("payments"))),
        act(30, Key("priya"), "list", PODS, AppNs(Some("payments"))).q(LIMIT),
        act(30, Key("priya"), "get", PODS.sub("log"), AppPod(Some("payments"))).q(Query::Log),
        act(15, Key("priya"), "get", DEPLOYMENTS, AppDeployment(Some("payments"))),
        act(3, Key("priya"), "patch", DEPLOYMENTS, AppDeployment(Some("payments"))).q(Query::Lit("fieldManager=kubectl-rollout")).body(Body::RestartDeployment).reason(PAYMENTS_EDIT),
        act(3, Key("priya"), "get", DEPLOYMENTS, Missing("payments")).fails(Outcome::NotFound),
        // The CI deployer.
        act(15, Key("ci"), "get", DEPLOYMENTS, AppDeployment(None)),
        act(15, Key("ci"), "patch", DEPLOYMENTS, AppDeployment(None)).q(APPLY).body(Body::ApplyImage),
        act(2, Key("ci"), "patch", DEPLOYMENTS, AppDeployment(None)).q(APPLY).body(Body::ApplyImage).fails(Outcome::Invalid),
        act(10, Key("ci"), "get", CONFIGMAPS, Named("checkout", &["checkout-flags", "cart-limits"])),
        act(4, Key("ci"), "create", CONFIGMAPS, Named("checkout", &["checkout-flags"])).q(APPLY).fails(Outcome::AlreadyExists),
        act(10, Key("ci"), "list", PODS, AppDeployment(None)).q(List(Sel::App)),
    ]
}
