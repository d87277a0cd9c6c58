//! The console over a fleet (`kaudit --fleet NAME`): its clusters found in both regions of the
//! emulator and in a second account reached by AssumeRole, all chosen in the picker; their
//! events read into one table, each with its cluster (two clusters named alike told apart by
//! region); a query asked of every account and region, its rows with `@account`, `@region` and
//! `@cluster`, every target's status said.

use crate::fleet::{OTHER_ACCOUNT, ROLE};
use crate::support::cloud_server::CloudServer;
use crate::support::moto::{self, Moto};
use crate::support::pane::{Pane, tmux_available};
use crate::support::{child, now_ms, text};

const STREAM: &str = "kube-apiserver-audit-0123456789abcdef";

fn event(id: &str, user: &str, verb: &str, at_ms: i64) -> String {
    let at = jiff::Timestamp::from_millisecond(at_ms).unwrap();
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets","verb":"{verb}","user":{{"username":"{user}"}},"sourceIPs":["203.0.113.7"],"objectRef":{{"resource":"secrets","namespace":"prod","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{at}","stageTimestamp":"{at}"}}"#
    )
}

/// The emulator seeded: `prod` in us-east-1 and in eu-west-1, `payments` in the account the
/// role reaches, each with one read of secrets (alice, mallory, bob); `staging`, which the
/// fleet leaves out, with carol's. The loopback server in front.
fn seeded() -> (Moto, CloudServer) {
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
    (moto, server)
}

/// `fleet.toml` in `dir`'s config folder: the fleet `prod` over both regions and both
/// accounts, clusters `prod` and `pay*`.
fn fleet_toml(config: &std::path::Path) {
    std::fs::create_dir_all(config.join("kaudit")).unwrap();
    std::fs::write(
        config.join("kaudit/fleet.toml"),
        format!(
            "[fleet.prod]\naccounts = [{{ default = true }}, {{ role_arn = \"{ROLE}\" }}]\nregions = [\"us-east-1\", \"eu-west-1\"]\nclusters = [\"prod\", \"pay*\"]\n"
        ),
    )
    .unwrap();
}

#[test]
fn a_responder_opens_a_fleet_picks_its_clusters_and_queries_them_all() {
    if !tmux_available("the console over a fleet") {
        return;
    }
    let (moto, server) = seeded();
    let dir = tempfile::tempdir().unwrap();
    fleet_toml(&dir.path().join("config"));
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
        title.contains("CloudWatch: 3 clusters in 3 accounts and regions · fleet prod"),
        "{title}"
    );
    assert!(!title.contains("carol"), "{title}");
    // Detections ran across every cluster read.
    pane.wait_for("findings:");
    // The two clusters named prod are told apart by region: mallory's event, the second, was
    // written in eu-west-1's.
    pane.keys(&["/"]);
    pane.literal("mallory");
    pane.keys(&["Enter"]);
    pane.wait_for("events 1 of 3");
    pane.keys(&["Enter"]);
    let detail = pane.wait_for("prod (eu-west-1)");
    assert!(detail.contains("mallory"), "{detail}");
    let said = |label: &str, value: &str| {
        detail
            .lines()
            .any(|l| l.contains(label) && l.contains(value))
    };
    assert!(said("region", "eu-west-1"), "{detail}");
    assert!(said("account", "123456789012"), "{detail}");
    pane.keys(&["Escape"]);
    // The region and account are facets too: the events read in us-east-1, of both accounts.
    pane.keys(&[":"]);
    pane.literal("clear");
    pane.keys(&["Enter", ":"]);
    pane.literal("region us-east-1");
    pane.keys(&["Enter"]);
    let east = pane.wait_for("events 2 of 3");
    assert!(!east.contains("mallory"), "{east}");
    pane.keys(&[":"]);
    pane.literal("clear");
    pane.keys(&["Enter"]);
    pane.wait_for("events 3 of 3");
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
    // Counted per cluster, as the issue's responder asks it: each cluster's answer is one row.
    pane.keys(&["Escape", ":"]);
    pane.literal("query stats count(*) as n by @cluster");
    pane.keys(&["Enter"]);
    // (moto answers a `stats` with rows of events, uncounted: what is checked is that each
    // cluster was asked alone and its answer says which it is.)
    let per_cluster = pane.wait_for("stats count(*) as n by @cluster · 3 rows");
    for place in [
        "111111111111  us-east-1  payments",
        "eu-west-1  prod",
        "us-east-1  prod",
    ] {
        assert!(per_cluster.contains(place), "{place}: {per_cluster}");
    }
    pane.keys(&["Escape"]);
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}

#[test]
fn kaudit_detect_over_a_fleet_counts_the_hits_of_every_account_and_region() {
    let (moto, server) = seeded();
    let dir = tempfile::tempdir().unwrap();
    fleet_toml(dir.path());
    let out = child::output(
        moto::kaudit_command()
            .env("AWS_ENDPOINT_URL_STS", moto.url())
            .env("XDG_CONFIG_HOME", dir.path())
            .args(["detect", "--fleet", "prod", "--since", "30m", "-o", "json"])
            .args(["--endpoint-url", &server.url()]),
    );
    // 3: a detection fired.
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("eu-west-1: CloudWatch: 39 detections"),
        "each account and region's run said as its own: {stderr}"
    );
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "secrets-read-by-users")
        .expect("the detection");
    let mut ids: Vec<&str> = secrets["auditIDs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    ids.sort();
    // us-east-1's, eu-west-1's and the other account's; staging is not the fleet's.
    assert_eq!(
        ids,
        ["id-east", "id-pay", "id-west"],
        "{}",
        text(&out.stderr)
    );
    assert_eq!(secrets["hits"], 3);
    assert_eq!(secrets["complete"], true);
}
