//! The cluster behind the noise: nodes, workloads, pods and every identity that talks to the API
//! server, with the user JSON each one carries pre-rendered once.
//!
//! The cast comes from a fixed seed, not the caller's: the story names a node, a developer and a
//! legacy service account that must exist whatever seed draws the noise.

use super::ACCOUNT_ID;
use super::json::JsonOut;
use super::rng::Rng;

const CAST_SEED: u64 = 0x6b61_7564_6974;

/// The API server's version on this cluster, and the commits its components report.
pub(crate) const K8S_VERSION: &str = "v1.31.2";
const CONTROL_PLANE_COMMIT: &str = "2c5ca83";
const KUBELET_UA: &str = "kubelet/v1.31.2 (linux/amd64) kubernetes/94953ac";
pub(crate) const OFFICE_IP: &str = "198.51.100.23";
pub(crate) const CI_IP: &str = "192.0.2.50";
pub(crate) const NODE_ROLE: &str = "atlas-prod-nodegroup-role";
/// Characters Kubernetes uses in generated name suffixes (no vowels, no look-alikes).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// One identity as it appears in `user`, with where it calls from and the reason its allowed
/// requests carry.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) username: String,
    pub(crate) uid: String,
    pub(crate) groups: Vec<String>,
    /// `{"username":…,"uid":…,"groups":[…],"extra":{…}}`, ready to copy into every line.
    pub(crate) user_json: String,
    pub(crate) user_agent: String,
    pub(crate) source_ip: String,
    /// `authorization.k8s.io/reason` when the request is allowed.
    pub(crate) reason: String,
}

/// Who a request comes from, as the authenticator reports it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity<'a> {
    pub(crate) username: &'a str,
    pub(crate) uid: Option<&'a str>,
    pub(crate) groups: &'a [&'a str],
    /// Sorted by key, as Go writes map keys.
    pub(crate) extra: &'a [(&'a str, &'a str)],
}

impl Actor {
    pub(crate) fn new(id: Identity<'_>, ua: &str, ip: &str, reason: &str) -> Self {
        Actor {
            username: id.username.to_owned(),
            uid: id.uid.unwrap_or_default().to_owned(),
            groups: id.groups.iter().map(|g| (*g).to_owned()).collect(),
            user_json: user_json(id.username, id.uid, id.groups, id.extra),
            user_agent: ua.to_owned(),
            source_ip: ip.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// The same user calling from somewhere else (a stolen credential keeps the identity).
    pub(crate) fn calling_from(&self, ua: &str, ip: &str) -> Self {
        Actor {
            user_agent: ua.to_owned(),
            source_ip: ip.to_owned(),
            ..self.clone()
        }
    }
}

/// `{"username":…}` in the API server's field order; `extra` keys must come sorted, as Go
/// sorts map keys.
fn user_json(username: &str, uid: Option<&str>, groups: &[&str], extra: &[(&str, &str)]) -> String {
    let mut out = Vec::with_capacity(256);
    out.raw("{\"username\":");
    out.str(username);
    if let Some(uid) = uid {
        out.raw(",\"uid\":");
        out.str(uid);
    }
    out.raw(",\"groups\":[");
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.str(g);
    }
    out.push(b']');
    if !extra.is_empty() {
        out.raw(",\"extra\":{");
        for (i, (k, v)) in extra.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.str(k);
            out.raw(":[");
            out.str(v);
            out.push(b']');
        }
        out.push(b'}');
    }
    out.push(b'}');
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn rbac_reason(binding: &str, role_kind: &str, role: &str, subject: &str) -> String {
    let binding_kind = if binding.contains('/') {
        "RoleBinding"
    } else {
        "ClusterRoleBinding"
    };
    format!("RBAC: allowed by {binding_kind} \"{binding}\" of {role_kind} \"{role}\" to {subject}")
}

/// The reason the EKS access-entry authorizer gives for a cluster-scoped access policy.
pub(crate) fn eks_policy_reason(role: &str, policy: &str, username: &str) -> String {
    let role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}");
    let policy_arn = format!("arn:aws:eks::aws:cluster-access-policy/{policy}");
    format!(
        "EKS Access Policy: allowed by ClusterRoleBinding \"{role_arn}+{policy_arn}\" of ClusterRole \"{policy_arn}\" to User \"{username}\""
    )
}

pub(crate) fn sa_groups(ns: &str) -> [String; 3] {
    [
        "system:serviceaccounts".to_owned(),
        format!("system:serviceaccounts:{ns}"),
        "system:authenticated".to_owned(),
    ]
}

/// Who is allowed, for the service-account form of the reason.
pub(crate) fn sa_subject(ns: &str, sa: &str) -> String {
    format!("ServiceAccount \"{sa}/{ns}\"")
}

pub(crate) fn control_plane_ua(component: &str, suffix: &str) -> String {
    format!("{component}/{K8S_VERSION} (linux/amd64) kubernetes/{CONTROL_PLANE_COMMIT}/{suffix}")
}

/// Random text over Kubernetes' suffix alphabet.
pub(crate) fn k8s_suffix(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(*rng.pick(NAME_ALPHABET)))
        .collect()
}

/// AWS unique IDs (`AROA…`, `ASIA…`, `AIDA…`): upper-case letters and digits.
pub(crate) fn aws_id(rng: &mut Rng, prefix: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut id = prefix.to_owned();
    id.extend((0..len).map(|_| char::from(*rng.pick(ALPHABET))));
    id
}

pub(crate) fn uuid_string(rng: &mut Rng) -> String {
    let mut out = Vec::with_capacity(36);
    out.uuid(rng.u128());
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) ip: String,
    pub(crate) uid: String,
    /// Indices into [`Cast::pods`].
    pub(crate) pods: Vec<usize>,
}

/// A Deployment or DaemonSet and the image its pods run.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub(crate) ns: &'static str,
    pub(crate) name: &'static str,
    pub(crate) image: String,
    pub(crate) replicas: usize,
    /// Empty for a DaemonSet (one pod a node).
    pub(crate) rs_hash: String,
    pub(crate) uid: String,
    /// The service account and the binding that gives it access, for workloads that call the
    /// API server; `None` for applications that never do.
    pub(crate) access: Option<(&'static str, &'static str, &'static str)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Pod {
    pub(crate) workload: usize,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) node: usize,
    pub(crate) ip: String,
}

/// Everything the noise and the story refer to.
#[derive(Debug)]
pub(crate) struct Cast {
    pub(crate) nodes: Vec<Node>,
    pub(crate) workloads: Vec<Workload>,
    pub(crate) pods: Vec<Pod>,
    pub(crate) actors: Vec<Actor>,
    /// Actor indices by key; a key with several actors (one per pod) is picked at random.
    pub(crate) by_key: Vec<(String, Vec<usize>)>,
    /// For each node, the actor of each [`NodeRole`], in that enum's order.
    pub(crate) node_actors: Vec<[usize; 5]>,
}

/// The identities that run on every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRole {
    Kubelet = 0,
    KubeProxy = 1,
    AwsNode = 2,
    FluentBit = 3,
    EbsCsiNode = 4,
}

const ECR_EKS: &str = "602401143452.dkr.ecr.us-east-1.amazonaws.com";
const ECR_OWN: &str = "111122223333.dkr.ecr.us-east-1.amazonaws.com";

/// (namespace, name, image, replicas (0 = DaemonSet), service account + binding + role).
/// An image starting with `/` is in EKS's ECR registry, one with `#` in the account's own.
type WorkloadSpec = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    Option<(&'static str, &'static str, &'static str)>,
);

#[rustfmt::skip]
const WORKLOADS: &[WorkloadSpec] = &[
    ("kube-system", "aws-node", "/amazon-k8s-cni:v1.18.5-eksbuild.1", 0, Some(("aws-node", "aws-node", "aws-node"))),
    ("kube-system", "kube-proxy", "/eks/kube-proxy:v1.31.2-minimal-eksbuild.3", 0, Some(("kube-proxy", "eks:kube-proxy", "system:node-proxier"))),
    ("amazon-cloudwatch", "fluent-bit", "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4", 0, Some(("fluent-bit", "fluent-bit-role-binding", "fluent-bit-role"))),
    ("kube-system", "ebs-csi-node", "/eks/aws-ebs-csi-driver:v1.37.0", 0, Some(("ebs-csi-node-sa", "ebs-csi-node-binding", "ebs-csi-node-role"))),
    ("kube-system", "coredns", "/eks/coredns:v1.11.3-eksbuild.2", 2, Some(("coredns", "system:coredns", "system:coredns"))),
    ("kube-system", "metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", 1, Some(("metrics-server", "system:metrics-server", "system:metrics-server"))),
    ("kube-system", "aws-load-balancer-controller", "/amazon/aws-load-balancer-controller:v2.9.2", 2, Some(("aws-load-balancer-controller", "aws-load-balancer-controller-rolebinding", "aws-load-balancer-controller-role"))),
    ("kube-system", "cluster-autoscaler", "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0", 1, Some(("cluster-autoscaler", "cluster-autoscaler", "cluster-autoscaler"))),
    ("kube-system", "ebs-csi-controller", "/eks/aws-ebs-csi-driver:v1.37.0", 2, Some(("ebs-csi-controller-sa", "ebs-csi-attacher-binding", "ebs-external-attacher-role"))),
    ("monitoring", "kube-prometheus-stack-prometheus", "quay.io/prometheus/prometheus:v2.55.1", 1, Some(("kube-prometheus-stack-prometheus", "kube-prometheus-stack-prometheus", "kube-prometheus-stack-prometheus"))),
    ("monitoring", "grafana", "docker.io/grafana/grafana:11.3.0", 1, None),
    ("payments", "payments-api", "#/payments-api:1.42.3", 3, None),
    ("payments", "payments-worker", "#/payments-worker:1.42.3", 2, None),
    ("checkout", "checkout-web", "#/checkout-web:3.8.0", 3, None),
    ("checkout", "cart-service", "#/cart-service:2.19.1", 2, None),
    ("frontend", "storefront", "#/storefront:5.2.7", 3, None),
];

/// The kube-controller-manager loops that run with their own service accounts.
pub(crate) const CONTROLLERS: &[&str] = &[
    "replicaset-controller",
    "deployment-controller",
    "endpointslice-controller",
    "endpoint-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "resourcequota-controller",
    "namespace-controller",
    "cronjob-controller",
    "job-controller",
    "ttl-after-finished-controller",
    "node-controller",
    "disruption-controller",
    "root-ca-cert-publisher",
    "pvc-protection-controller",
];

impl Cast {
    /// The nodes and the workloads on them; the identities of the control plane and the people
    /// join in `cast_people`, which assembles the whole cast.
    pub(crate) fn with_nodes_and_workloads() -> (Self, Rng) {
        let mut rng = Rng::new(CAST_SEED);
        let mut cast = Cast {
            nodes: Vec::new(),
            workloads: Vec::new(),
            pods: Vec::new(),
            actors: Vec::new(),
            by_key: Vec::new(),
            node_actors: Vec::new(),
        };
        cast.add_nodes(&mut rng);
        cast.add_workloads(&mut rng);
        (cast, rng)
    }

    fn add_nodes(&mut self, rng: &mut Rng) {
        // Three subnets, one for each availability zone.
        let subnets = [16u64, 32, 48];
        let principal = aws_id(rng, "AROA", 17);
        for i in 0..9 {
            let base = subnets[i % subnets.len()];
            let (a, b) = (base + rng.below(16), rng.range(4, 250));
            let name = format!("ip-10-0-{a}-{b}.ec2.internal");
            let instance = format!("i-0{:016x}", rng.next_u64() >> 1);
            let username = format!("system:node:{name}");
            let key_id = aws_id(rng, "ASIA", 16);
            let arn = format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/{NODE_ROLE}/{instance}");
            let canonical = format!("arn:aws:iam::{ACCOUNT_ID}:role/{NODE_ROLE}");
            let uid = format!("aws-iam-authenticator:{ACCOUNT_ID}:{principal}");
            let id = Identity {
                username: &username,
                uid: Some(&uid),
                groups: &[
                    "system:bootstrappers",
                    "system:nodes",
                    "system:authenticated",
                ],
                extra: &[
                    ("accessKeyId", &key_id),
                    ("arn", &arn),
                    ("canonicalArn", &canonical),
                    ("principalId", &principal),
                    ("sessionName", &instance),
                    ("sigs.k8s.io/aws-iam-authenticator/principalId", &principal),
                ],
            };
            let ip = format!("10.0.{a}.{b}");
            // The node authorizer allows without giving a reason.
            let kubelet = self.push_actor(Actor::new(id, KUBELET_UA, &ip, ""));
            self.nodes.push(Node {
                name,
                ip,
                uid: uuid_string(rng),
                pods: Vec::new(),
            });
            self.node_actors.push([kubelet; 5]);
        }
    }

    fn add_workloads(&mut self, rng: &mut Rng) {
        for (w, &(ns, name, image, replicas, access)) in WORKLOADS.iter().enumerate() {
            let image = match image.as_bytes().first() {
                Some(b'/') => format!("{ECR_EKS}{image}"),
                Some(b'#') => format!("{ECR_OWN}{}", &image[1..]),
                _ => image.to_owned(),
            };
            self.workloads.push(Workload {
                ns,
                name,
                image,
                replicas,
                rs_hash: if replicas > 0 {
                    k8s_suffix(rng, 10)
                } else {
                    String::new()
                },
                uid: uuid_string(rng),
                access,
            });
            let placements: Vec<usize> = if replicas == 0 {
                (0..self.nodes.len()).collect()
            } else {
                (0..replicas).map(|_| rng.index(self.nodes.len())).collect()
            };
            for node in placements {
                let wl = &self.workloads[w];
                let name = if replicas == 0 {
                    format!("{name}-{}", k8s_suffix(rng, 5))
                } else {
                    format!("{name}-{}-{}", wl.rs_hash, k8s_suffix(rng, 5))
                };
                // aws-node and kube-proxy run on the host network; other pods get VPC CNI
                // addresses from their node's subnet.
                let ip = if matches!(wl.name, "aws-node" | "kube-proxy") {
                    self.nodes[node].ip.clone()
                } else {
                    let n = &self.nodes[node].ip;
                    let subnet = n.rsplit_once('.').map_or(n.as_str(), |(s, _)| s);
                    format!("{subnet}.{}", rng.range(4, 250))
                };
                let pod = Pod {
                    workload: w,
                    name,
                    uid: uuid_string(rng),
                    node,
                    ip,
                };
                let index = self.pods.len();
                self.nodes[node].pods.push(index);
                if let Some(actor) = self.pod_actor(rng, &pod) {
                    self.add_key(name_key(ns, self.workloads[w].name), actor);
                    let role = match self.workloads[w].name {
                        "kube-proxy" => Some(NodeRole::KubeProxy),
                        "aws-node" => Some(NodeRole::AwsNode),
                        "fluent-bit" => Some(NodeRole::FluentBit),
                        "ebs-csi-node" => Some(NodeRole::EbsCsiNode),
                        _ => None,
                    };
                    if let Some(role) = role {
                        self.node_actors[node][role as usize] = actor;
                    }
                }
                self.pods.push(pod);
            }
        }
    }

    /// A pod's projected service-account token: since 1.30 the API server records which pod
    /// and node the token was bound to.
    fn pod_actor(&mut self, rng: &mut Rng, pod: &Pod) -> Option<usize> {
        let wl = &self.workloads[pod.workload];
        let (sa, binding, role) = wl.access?;
        let username = format!("system:serviceaccount:{}:{sa}", wl.ns);
        let groups = sa_groups(wl.ns);
        let node = &self.nodes[pod.node];
        let jti = format!("JTI={}", uuid_string(rng));
        let uid = uuid_string(rng);
        let id = Identity {
            username: &username,
            uid: Some(&uid),
            groups: &[&groups[0], &groups[1], &groups[2]],
            extra: &[
                ("authentication.kubernetes.io/credential-id", &jti),
                ("authentication.kubernetes.io/node-name", &node.name),
                ("authentication.kubernetes.io/node-uid", &node.uid),
                ("authentication.kubernetes.io/pod-name", &pod.name),
                ("authentication.kubernetes.io/pod-uid", &pod.uid),
            ],
        };
        let ua = workload_ua(wl.name);
        let reason = rbac_reason(binding, "ClusterRole", role, &sa_subject(wl.ns, sa));
        let actor = Actor::new(id, &ua, &pod.ip, &reason);
        Some(self.push_actor(actor))
    }

    pub(crate) fn push_actor(&mut self, actor: Actor) -> usize {
        self.actors.push(actor);
        self.actors.len() - 1
    }

    pub(crate) fn add_key(&mut self, key: String, actor: usize) {
        match self.by_key.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(actor),
            None => self.by_key.push((key, vec![actor])),
        }
    }

    /// The actors behind a key; empty if the key is unknown.
    pub(crate) fn key(&self, key: &str) -> &[usize] {
        self.by_key
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&[], |(_, list)| list.as_slice())
    }
}

pub(crate) fn name_key(ns: &str, name: &str) -> String {
    format!("{ns}/{name}")
}

fn workload_ua(name: &str) -> String {
    match name {
        "aws-node" => "aws-node/v1.18.5 (linux/amd64) kubernetes/$Format".to_owned(),
        "kube-proxy" => "kube-proxy/v1.31.2 (linux/amd64) kubernetes/94953ac".to_owned(),
        "fluent-bit" => "Go-http-client/1.1".to_owned(),
        "coredns" => "coredns/v1.11.3 (linux/amd64) kubernetes/$Format".to_owned(),
        "metrics-server" => "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format".to_owned(),
        "kube-prometheus-stack-prometheus" => "Prometheus/2.55.1".to_owned(),
        "cluster-autoscaler" => {
            "cluster-autoscaler/v1.31.0 (linux/amd64) kubernetes/$Format".to_owned()
        }
        other => format!("{other}/v0.0.0 (linux/amd64) kubernetes/$Format"),
    }
}
