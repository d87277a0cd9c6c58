//! The console over a fleet (`kaudit --fleet NAME`): its clusters found in both regions of the
//! emulator and in a second account reached by AssumeRole, all chosen in the picker; their
//! events read into one table, each with its cluster (two clusters named alike told apart by
//! region); a query asked of every account and region, its rows with `@account`, `@region` and
//! `@cluster`, every target's status said.

use crate::fleet::{OTHER_ACCOUNT, ROLE};
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::now_ms;
use crate::support::pane::{Pane, tmux_available};

const STREAM: &str = "kube-apiserver-audit-0123456789abcdef";

fn event(id: &str, user: &str, verb: &str, at_ms: i64) -> String {
    let at = jiff::Timestamp::from_millisecond(at_ms).unwrap();
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets","verb":"{verb}","user":{{"username":"{user}"}},"sourceIPs":["203.0.113.7"],"objectRef":{{"resource":"secrets","namespace":"prod","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}"}}"#
    )
}

#[test]
fn a_responder_opens_a_fleet_picks_its_clusters_and_queries_them_all() {
    if !tmux_available("the console over a fleet") {
        return;
    }
    let moto = Moto::start();
    let base = now_ms() - 5 * 60_000;
    let seeded: [(&str, Option<&str>, &str, &str, &str); 4] = [
        ("us-east-1", None, "prod", "id-east", "alice"),
        ("eu-west-1", None, "prod", "id-west", "mallory"),
        (
            "us-east-1",
            Some(OTHER_ACCOUNT),
            "payments",
            "id-pay",
            "bob",
        ),
        ("us-east-1", None, "staging", "id-staging", "carol"),
    ];
    moto::rt().block_on(async {
        for (i, (region, account, cluster, id, user)) in seeded.iter().enumerate() {
            let client = moto::client_in(&moto.url(), region, *account);
            let group = format!("/aws/eks/{cluster}/cluster");
            moto::create_stream(&client, &group, STREAM).await;
            let at = base + i as i64 * 1000;
            moto::put(&client, &group, STREAM, &[(at, event(id, user, "get", at))]).await;
        }
    });
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/kaudit")).unwrap();
    std::fs::write(
        dir.path().join("config/kaudit/fleet.toml"),
        format!(
            "[fleet.prod]\naccounts = [{{ default = true }}, {{ role_arn = \"{ROLE}\" }}]\nregions = [\"us-east-1\", \"eu-west-1\"]\nclusters = [\"prod\", \"pay*\"]\n"
        ),
    )
    .unwrap();
    let url = server.url();
    let sts = moto.url();
    let mut env: Vec<(&str, &str)> = moto::env().to_vec();
    env.push(("AWS_ENDPOINT_URL_STS", &sts));
    let pane = Pane::start_with(
        "fleet",
        dir.path(),
        &["--fleet", "prod", "--endpoint-url", &url, "--since", "30m"],
        &env,
        160,
        45,
    );
    // Every cluster the fleet names, in every account and region, chosen already; staging is
    // not the fleet's.
    let picker = pane.wait_for("3 of 3 · 3 chosen");
    assert!(picker.contains("eu-west-1"), "{picker}");
    assert!(picker.contains(OTHER_ACCOUNT), "{picker}");
    assert!(!picker.contains("staging"), "{picker}");
    pane.keys(&["Enter"]);
    let title = pane.wait_for("events 3 of 3");
    assert!(
        title.contains("CloudWatch fleet prod: 3 clusters in 3 accounts and regions"),
        "{title}"
    );
    assert!(!title.contains("carol"), "{title}");
    // Detections ran across every cluster read.
    pane.wait_for("findings:");
    // The two clusters named prod are told apart by region: mallory's event, the second, was
    // written in eu-west-1's.
    pane.keys(&["j", "Enter"]);
    let detail = pane.wait_for("prod (eu-west-1)");
    assert!(detail.contains("mallory"), "{detail}");
    pane.keys(&["Escape"]);
    // A query asked of every account and region: its rows say where each came from.
    pane.keys(&[":"]);
    pane.literal("query fields user.username");
    pane.keys(&["Enter"]);
    let answer = pane.wait_for("3 rows");
    assert!(answer.contains("mallory"), "{answer}");
    assert!(answer.contains("@region"), "{answer}");
    assert!(answer.contains("eu-west-1"), "{answer}");
    assert!(answer.contains(OTHER_ACCOUNT), "{answer}");
    let said = pane.wait_for("3 of 3 accounts and regions complete");
    assert!(said.contains("MB scanned"), "{said}");
    assert!(
        server.calls().iter().filter(|c| *c == "StartQuery").count() >= 2,
        "one query per account and region"
    );
    pane.keys(&["Escape"]);
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}
