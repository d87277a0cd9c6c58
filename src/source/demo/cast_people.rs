//! The control plane's own identities and the people (and the CI job) who use the cluster, and
//! the whole cast assembled.

use super::cast::{
    Actor, CI_IP, CONTROLLERS, Cast, Identity, K8S_VERSION, OFFICE_IP, aws_id, control_plane_ua,
    eks_policy_reason, rbac_reason, sa_groups, sa_subject, uuid_string,
};
use super::rng::Rng;
use super::{ACCOUNT_ID, DEVELOPER, DEVELOPER_ACCESS_KEY, DEVELOPER_PRINCIPAL};

/// Where control-plane components reach the API server from: the same instance.
const LOCAL: &str = "127.0.0.1";

/// A user with a client certificate: a name and `system:authenticated`, nothing else.
fn plain_user(username: &str) -> Identity<'_> {
    Identity {
        username,
        uid: None,
        groups: &["system:authenticated"],
        extra: &[],
    }
}

fn user_subject(username: &str) -> String {
    format!("User \"{username}\"")
}

impl Cast {
    /// The whole cast, from a fixed seed: nodes and workloads, then the control plane's own
    /// identities and the people.
    pub(crate) fn new() -> Self {
        let (mut cast, mut rng) = Cast::with_nodes_and_workloads();
        add_control_plane(&mut cast, &mut rng);
        add_people(&mut cast, &mut rng);
        cast
    }
}

fn add_control_plane(cast: &mut Cast, rng: &mut Rng) {
    let kcm = "system:kube-controller-manager";
    let actor = Actor::new(
        plain_user(kcm),
        &control_plane_ua("kube-controller-manager", "leader-election"),
        LOCAL,
        &rbac_reason(kcm, "ClusterRole", kcm, &user_subject(kcm)),
    );
    let i = cast.push_actor(actor);
    cast.add_key("kcm".to_owned(), i);

    let sched = "system:kube-scheduler";
    for (key, suffix) in [
        ("scheduler", "scheduler"),
        ("scheduler-le", "leader-election"),
    ] {
        let actor = Actor::new(
            plain_user(sched),
            &control_plane_ua("kube-scheduler", suffix),
            LOCAL,
            &rbac_reason(sched, "ClusterRole", sched, &user_subject(sched)),
        );
        let i = cast.push_actor(actor);
        cast.add_key(key.to_owned(), i);
    }

    for name in CONTROLLERS {
        let username = format!("system:serviceaccount:kube-system:{name}");
        let groups = sa_groups("kube-system");
        let jti = format!("JTI={}", uuid_string(rng));
        let uid = uuid_string(rng);
        let binding = format!("system:controller:{name}");
        let id = Identity {
            username: &username,
            uid: Some(&uid),
            groups: &[&groups[0], &groups[1], &groups[2]],
            extra: &[("authentication.kubernetes.io/credential-id", &jti)],
        };
        let actor = Actor::new(
            id,
            &control_plane_ua("kube-controller-manager", &username),
            LOCAL,
            &rbac_reason(
                &binding,
                "ClusterRole",
                &binding,
                &sa_subject("kube-system", name),
            ),
        );
        let i = cast.push_actor(actor);
        cast.add_key(format!("ctl:{name}"), i);
    }

    // EKS runs these next to the API server; each has a ClusterRoleBinding of its own name.
    let eks = [
        (
            "eks:cloud-controller-manager",
            "aws-cloud-controller-manager/v1.31.1 (linux/amd64) kubernetes/$Format",
        ),
        (
            "eks:certificate-controller",
            "eks-certificates-controller/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "eks:addon-manager",
            "eks-addon-manager/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "eks:node-manager",
            "eks-node-manager/v0.0.0 (linux/amd64) kubernetes/$Format",
        ),
        (
            "eks:authenticator",
            "aws-iam-authenticator/v0.6.27 (linux/amd64) kubernetes/$Format",
        ),
        (
            "eks:vpc-resource-controller",
            "controller/v0.0.0 (linux/amd64) kubernetes/$Format/leader-election",
        ),
    ];
    for (user, ua) in eks {
        let reason = rbac_reason(user, "ClusterRole", user, &user_subject(user));
        let i = cast.push_actor(Actor::new(plain_user(user), ua, LOCAL, &reason));
        cast.add_key(user.to_owned(), i);
    }

    // system:masters is allowed before any authorizer is asked, so the reason is empty.
    let uid = uuid_string(rng);
    let id = Identity {
        username: "system:apiserver",
        uid: Some(&uid),
        groups: &["system:masters"],
        extra: &[],
    };
    let ua = format!("kube-apiserver/{K8S_VERSION} (linux/amd64) kubernetes/2c5ca83");
    let i = cast.push_actor(Actor::new(id, &ua, "::1", ""));
    cast.add_key("apiserver".to_owned(), i);
}

fn add_people(cast: &mut Cast, rng: &mut Rng) {
    // IAM Identity Center roles mapped with EKS access entries: the username is the session ARN.
    let sso = [
        (
            "alice",
            "AWSReservedSSO_AdministratorAccess_6c1f5b3e2a9d4870",
            "alice",
            "AmazonEKSClusterAdminPolicy",
            "kubectl/v1.31.1 (darwin/arm64) kubernetes/948afe5",
            OFFICE_IP,
        ),
        (
            "bob",
            "AWSReservedSSO_ReadOnlyAccess_0b7d2e94c1a35f68",
            "bob",
            "AmazonEKSViewPolicy",
            "kubectl/v1.30.4 (linux/amd64) kubernetes/a51b3b7",
            OFFICE_IP,
        ),
        (
            "jonas",
            "AWSReservedSSO_PowerUserAccess_3d7a9f1c2b8e4f05",
            "jonas",
            "AmazonEKSViewPolicy",
            "kubectl/v1.31.0 (windows/amd64) kubernetes/9edcffc",
            OFFICE_IP,
        ),
        (
            "ci",
            "atlas-prod-github-deployer",
            "GitHubActions",
            "AmazonEKSEditPolicy",
            "kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc",
            CI_IP,
        ),
    ];
    for (key, role, session, policy, ua, ip) in sso {
        let principal = aws_id(rng, "AROA", 17);
        let key_id = aws_id(rng, "ASIA", 16);
        let username = format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}");
        let canonical = format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}");
        let uid = format!("aws-iam-authenticator:{ACCOUNT_ID}:{principal}");
        let id = Identity {
            username: &username,
            uid: Some(&uid),
            groups: &["system:authenticated"],
            extra: &[
                ("accessKeyId", &key_id),
                ("arn", &username),
                ("canonicalArn", &canonical),
                ("principalId", &principal),
                ("sessionName", session),
                ("sigs.k8s.io/aws-iam-authenticator/principalId", &principal),
            ],
        };
        let reason = eks_policy_reason(role, policy, &username);
        let i = cast.push_actor(Actor::new(id, ua, ip, &reason));
        cast.add_key(key.to_owned(), i);
    }

    let i = cast.push_actor(developer());
    cast.add_key("priya".to_owned(), i);
}

/// The developer whose long-lived access key leaks: an IAM user mapped in `aws-auth` to the
/// `developers` group, which can view the cluster and edit `payments` and `ci`.
pub(crate) fn developer() -> Actor {
    let arn = format!("arn:aws:iam::{ACCOUNT_ID}:user/{DEVELOPER}");
    let uid = format!("aws-iam-authenticator:{ACCOUNT_ID}:{DEVELOPER_PRINCIPAL}");
    let id = Identity {
        username: DEVELOPER,
        uid: Some(&uid),
        groups: &["developers", "system:authenticated"],
        extra: &[
            ("accessKeyId", DEVELOPER_ACCESS_KEY),
            ("arn", &arn),
            ("canonicalArn", &arn),
            ("principalId", DEVELOPER_PRINCIPAL),
            // An IAM user has no role session, so the authenticator sends an empty name.
            ("sessionName", ""),
            (
                "sigs.k8s.io/aws-iam-authenticator/principalId",
                DEVELOPER_PRINCIPAL,
            ),
        ],
    };
    Actor::new(
        id,
        "kubectl/v1.31.0 (darwin/arm64) kubernetes/9edcffc",
        DEVELOPER_HOME_IP,
        &developer_reason("developers-view", "view"),
    )
}

/// Where the developer normally works from.
pub(crate) const DEVELOPER_HOME_IP: &str = "198.51.100.41";

/// RBAC's reason for the `developers` group: `developers-view` is a ClusterRoleBinding,
/// `developers-edit/<ns>` a RoleBinding of the `edit` ClusterRole.
pub(crate) fn developer_reason(binding: &str, role: &str) -> String {
    rbac_reason(binding, "ClusterRole", role, "Group \"developers\"")
}
