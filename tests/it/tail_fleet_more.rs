//! `kaudit tail` and `kaudit watch` over a fleet when something is refused or asked of it:
//! a region that refuses the tail while the other is followed, a monitoring account refused
//! before anything is asked, and a watch whose findings say their cluster, account and region.

use crate::support::child;
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::{jsonl, now_ms};
use crate::tail_fleet::{
    BOTH_REGIONS, OWN, STREAM, ids, once, printed, seed, stderr, tail_in_both,
};

/// An aws-auth change (a finding of the library) with audit ID `id`.
fn aws_auth_patch(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/x","verb":"patch","user":{{"username":"mallory"}},"sourceIPs":["198.51.100.7"],"objectRef":{{"resource":"configmaps","namespace":"kube-system","name":"aws-auth","apiVersion":"v1"}},"responseStatus":{{"code":200}}}}"#
    )
}

#[test]
fn a_watch_over_two_regions_says_each_findings_cluster_account_and_region() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let base = now_ms() - 300_000;
    moto::rt().block_on(async {
        for (region, cluster, id) in [("us-east-1", "prod-a", "wa"), ("eu-west-1", "prod-b", "wb")]
        {
            let client = moto::client_in(&moto.url(), region, None);
            let group = format!("/aws/eks/{cluster}/cluster");
            moto::create_stream(&client, &group, STREAM).await;
            moto::put(&client, &group, STREAM, &[(base, aws_auth_patch(id))]).await;
        }
    });
    let mut command = moto::kaudit_command();
    command
        .env("AWS_ENDPOINT_URL_STS", moto.url())
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["watch", "--endpoint-url", &server.url(), "--since", "10m"])
        .args(BOTH_REGIONS)
        .args(["--cluster", "prod-*", "--count", "2", "-o", "jsonl"]);
    let out = child::output(&mut command);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "findings fired: {said}");
    let mut found: Vec<(String, String, String, String)> = jsonl(&out.stdout)
        .iter()
        .map(|f| {
            assert_eq!(f["detection"], "aws-auth-modified", "{f}");
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("auditID"), s("cluster"), s("account"), s("region"))
        })
        .collect();
    found.sort();
    let row = |id: &str, cluster: &str, region: &str| {
        (
            id.to_string(),
            cluster.to_string(),
            OWN.to_string(),
            region.to_string(),
        )
    };
    assert_eq!(
        found,
        [
            row("wa", "prod-a", "us-east-1"),
            row("wb", "prod-b", "eu-west-1")
        ],
        "{said}"
    );
}

#[test]
fn a_tail_through_a_monitoring_account_is_refused_before_anything_is_asked() {
    let server = CloudServer::start("127.0.0.1:9");
    for command in ["tail", "watch"] {
        let out = child::output(
            moto::kaudit_command()
                .args([command, "--endpoint-url", &server.url()])
                .args(["--monitoring-account", "--cluster", "prod-*"]),
        );
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains("--profile or --role-arn"), "{said}");
    }
    assert!(server.calls().is_empty(), "{:?}", server.calls());
}

#[test]
fn a_region_that_refuses_the_tail_is_said_and_the_other_is_followed() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let base = now_ms() - 300_000;
    // Stamped a moment on: no poll finds them before the other region's refusal is told.
    seed(
        &moto,
        "us-east-1",
        "prod-a",
        now_ms() + 1_500,
        &ids("a", 0..3),
    );
    seed(&moto, "eu-west-1", "prod-b", base, &ids("b", 0..3));
    server.with(|s| {
        s.refuse_in.insert(
            ("FilterLogEvents".into(), "eu-west-1".into()),
            (
                "AccessDeniedException".into(),
                "User is not authorized to perform: logs:FilterLogEvents".into(),
            ),
        )
    });
    let out = tail_in_both(
        &server,
        &moto,
        &[
            "--cluster",
            "prod-*",
            "--poll",
            "--interval",
            "200ms",
            "--count",
            "3",
            "-o",
            "jsonl",
        ],
    );
    let said = stderr(&out);
    assert_eq!(printed(&out), once(&ids("a", 0..3)), "{said}");
    assert!(
        said.contains(&format!(
            "kaudit: /aws/eks/prod-b/cluster ({OWN}/eu-west-1): refused ("
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "kaudit: /aws/eks/prod-a/cluster ({OWN}/us-east-1): polling"
        )),
        "{said}"
    );
    // Not everything asked for was followed: the run says so in its status.
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("logs:FilterLogEvents"), "{said}");
}
