//! The intrusion woven into the demo log, step by step: what happened, when, by whom, and the
//! filter that finds it. The events themselves are built in `story_events`.

/// One step of the intrusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryStep {
    /// A short stable name (`anonymous-probe`, `leaked-key` …).
    pub id: &'static str,
    pub title: &'static str,
    /// First and last event of the step, UTC.
    pub when: &'static str,
    /// `user.username` of the step's requests.
    pub actor: &'static str,
    /// `sourceIPs.0` of the step's requests.
    pub source_ip: &'static str,
    /// What an investigator should notice.
    pub look_for: &'static str,
    /// A Logs Insights filter that selects exactly this step's events in the demo log.
    pub filter: &'static str,
    /// The `auditID` of every event of the step, in time order.
    pub audit_ids: &'static [&'static str],
}

const ATTACKER: &str = super::ATTACKER_IP;

/// The nine steps, in the order they happened.
pub fn story() -> &'static [StoryStep] {
    STEPS
}

static STEPS: &[StoryStep] = &[
    StoryStep {
        id: "anonymous-probe",
        title: "Anonymous probing from a public address",
        when: "06:41:07 – 06:43:04",
        actor: "system:anonymous",
        source_ip: ATTACKER,
        look_for: "Unauthenticated requests for secrets, namespaces, pods and bindings: 403 with decision forbid, then 401s when a made-up bearer token is tried.",
        filter: r#"filter user.username = "system:anonymous" and responseStatus.code in [401, 403]"#,
        audit_ids: &[
            "f7fd8b2d-fc26-45b7-90fb-8b8d91076163",
            "28cf2b76-a414-4c40-a154-2a9f608eebcb",
            "c3275a32-0b71-401c-aa25-b5771f22e0b0",
            "c51ada16-33f4-4d50-a654-5b32d6c2640d",
            "8413b8c0-fed5-4f41-a7bf-623fefbca812",
            "3159a551-fa2f-47ed-b785-4ad69ded95ec",
            "fd43915c-e629-4113-b404-2f33cbb3220a",
            "8f2ac5c5-b41c-402a-afab-055b99334c58",
            "714732c5-cc82-4a22-90a5-5ad1684fd7c8",
        ],
    },
    StoryStep {
        id: "leaked-key",
        title: "A developer's leaked access key used from a new address",
        when: "07:02:14 – 07:04:40",
        actor: super::DEVELOPER,
        source_ip: ATTACKER,
        look_for: "priya.sharma's usual identity (same ARN and accessKeyId) from 203.0.113.77 with a Linux kubectl, where she normally works from 198.51.100.41 on a Mac; the first calls are `kubectl auth whoami` and `kubectl auth can-i --list`.",
        filter: r#"filter user.username = "priya.sharma" and sourceIPs.0 = "203.0.113.77" and objectRef.resource != "secrets""#,
        audit_ids: &[
            "3302aa36-cd43-4b62-92ee-71b397a97a7a",
            "80469b10-ff3d-4163-abe4-9f8d8bdb3938",
            "1a6cd083-1619-44fa-a224-edf60e20a254",
            "86bd7b88-12dd-436e-a3ec-be1fe018377f",
            "fa3080ed-8ae2-4e40-af72-8f7cc5d24472",
        ],
    },
    StoryStep {
        id: "secret-enumeration",
        title: "Secret enumeration across namespaces",
        when: "07:06:12 – 07:13:55",
        actor: super::DEVELOPER,
        source_ip: ATTACKER,
        look_for: "Secret lists in one namespace after another: forbidden (403, decision forbid, empty reason) everywhere but payments and ci, where a RoleBinding allows it; then a read of ci/deployer-token, a legacy service-account token.",
        filter: r#"filter user.username = "priya.sharma" and objectRef.resource = "secrets""#,
        audit_ids: &[
            "74c0f638-051d-4ed7-80f8-db49fda5cb4f",
            "8b829198-9138-4195-af1d-85cd5bfdb197",
            "a101eb88-d8a8-4a34-ae01-192c11dd7c61",
            "f9567537-99b2-4b8a-8327-7237b894fe70",
            "ad92bd21-3930-4256-a9c6-2e3d1e90e82b",
            "98aa1414-cad6-4bfa-aacd-56738099d51b",
            "903d7db5-e28e-41b2-8b3b-2156195b8e47",
            "ca322466-6fb2-48b7-885f-1272858e644b",
        ],
    },
    StoryStep {
        id: "cluster-admin-binding",
        title: "A new service account bound to cluster-admin",
        when: "07:21:18 – 07:24:02",
        actor: "system:serviceaccount:ci:deployer",
        source_ip: ATTACKER,
        look_for: "The stolen ci/deployer token (a legacy token: see the authentication.k8s.io/legacy-token annotation) creates kube-system/node-health-agent, a ClusterRoleBinding of cluster-admin to it, and a long-lived token secret for it.",
        filter: r#"filter user.username = "system:serviceaccount:ci:deployer""#,
        audit_ids: &[
            "a2b96c4b-a505-449b-8953-4a7c1fd41bb8",
            "ee605a11-2881-47ab-a789-d47591ae8f2e",
            "d51b9123-527f-401c-857a-182fb8e6d66d",
            "e305e96b-b511-4ffb-ba8f-bfe11e8dbdf0",
        ],
    },
    StoryStep {
        id: "aws-auth-backdoor",
        title: "aws-auth maps an outside account's role to system:masters",
        when: "07:33:09 – 07:34:51",
        actor: super::ROGUE_SA,
        source_ip: ATTACKER,
        look_for: "A patch of kube-system/aws-auth whose requestObject adds arn:aws:iam::444455556666:role/ops-support to mapRoles with group system:masters; the reason cites the node-health-agent ClusterRoleBinding.",
        filter: r#"filter objectRef.name = "aws-auth" and user.username = "system:serviceaccount:kube-system:node-health-agent""#,
        audit_ids: &[
            "29a98592-7dfa-4e3b-af72-a11005e7a20d",
            "59202faa-b71e-4813-ac4f-c66cf831bba5",
        ],
    },
    StoryStep {
        id: "privileged-pod",
        title: "A privileged pod with the node's root filesystem",
        when: "07:47:26",
        actor: super::ROGUE_SA,
        source_ip: ATTACKER,
        look_for: "A pod created in kube-system with hostNetwork, hostPID, a privileged container and a hostPath volume of / mounted at /host, pinned to one node.",
        filter: r#"filter verb = "create" and objectRef.resource = "pods" and objectRef.namespace = "kube-system""#,
        audit_ids: &["eba9b1fa-d220-41c8-8726-4e0557c5896e"],
    },
    StoryStep {
        id: "pod-exec",
        title: "Exec into the privileged pod",
        when: "07:55:40 – 08:09:57",
        actor: super::ROGUE_SA,
        source_ip: ATTACKER,
        look_for: "pods/exec with command= in the requestURI: chroot into the host, read the kubelet's kubeconfig, fetch the node role's credentials from the instance metadata service, then an interactive shell.",
        filter: r#"filter objectRef.subresource = "exec""#,
        audit_ids: &[
            "165d7c65-67a3-472e-a322-06956f566566",
            "e757bf59-6b3f-4720-b11f-43ca3ac5a352",
            "44942386-00e8-477f-83d4-ccc545d493dd",
        ],
    },
    StoryStep {
        id: "validating-webhook",
        title: "A validating webhook that sends secrets outside",
        when: "08:21:33",
        actor: super::ROGUE_SA,
        source_ip: ATTACKER,
        look_for: "A new ValidatingWebhookConfiguration whose webhook URL is the intruder's address and whose rules cover every create and update of secrets and config maps, failurePolicy Ignore.",
        filter: r#"filter objectRef.resource = "validatingwebhookconfigurations" and verb = "create""#,
        audit_ids: &["4326b594-29bd-47fd-97ef-d3364cf7867b"],
    },
    StoryStep {
        id: "cover-tracks",
        title: "The RoleBinding that opened the way is deleted",
        when: "08:37:12",
        actor: super::ROGUE_SA,
        source_ip: ATTACKER,
        look_for: "Deletion of ci/developers-edit, the RoleBinding that let the developer read ci's secrets.",
        filter: r#"filter objectRef.resource = "rolebindings" and verb = "delete""#,
        audit_ids: &["c44daf96-25cf-4ac4-915a-a8c7b734aa7e"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_uuid_shaped() {
        let mut all: Vec<&str> = story()
            .iter()
            .flat_map(|s| s.audit_ids.iter().copied())
            .collect();
        for id in &all {
            assert_eq!(id.len(), 36, "{id}");
            assert_eq!(id.as_bytes()[14], b'4', "{id}");
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
        let mut steps: Vec<&str> = story().iter().map(|s| s.id).collect();
        steps.dedup();
        assert_eq!(steps.len(), 9);
    }
}
