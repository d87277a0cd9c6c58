//! `kaudit tail --state FILE` over two regions killed with SIGKILL in the middle of a burst in
//! each, then started again: every event of both printed exactly once, each region's position
//! kept apart though their groups share a name.

use std::time::{Duration, Instant};

use crate::support::child::{self, Running};
use crate::support::cloud_server::{CloudServer, LiveStep};
use crate::support::moto::{self, Moto};
use crate::support::now_ms;
use crate::tail_fleet::{BOTH_REGIONS, OWN, STREAM, audit, once, state_json};

const GROUP: &str = "/aws/eks/prod/cluster";
const REGIONS: [(&str, &str); 2] = [("us-east-1", "e"), ("eu-west-1", "w")];

#[test]
fn a_fleet_tail_killed_in_the_middle_of_a_burst_carries_on_with_every_event_once() {
    let moto = Moto::start();
    let server = CloudServer::start(&moto.url());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fleet.state");
    // In each region a burst of forty, four to a millisecond, stamped a few seconds on
    // (CloudWatch holds them, but a read-back before then does not find them).
    let burst_at = now_ms() + 6_000;
    let time = move |i: usize| burst_at + i as i64 / 4;
    let id = |prefix: &str, i: usize| format!("{prefix}-{i}");
    let update = move |prefix: &str, range: std::ops::Range<usize>| LiveStep::Update {
        events: range
            .map(|i| (time(i), STREAM.to_string(), audit(&id(prefix, i))))
            .collect(),
        sampled: false,
    };
    for (region, prefix) in REGIONS {
        let events: Vec<(i64, String)> =
            (0..40).map(|i| (time(i), audit(&id(prefix, i)))).collect();
        moto::rt().block_on(async {
            let client = moto::client_in(&moto.url(), region, None);
            moto::create_stream(&client, GROUP, STREAM).await;
            moto::put(&client, GROUP, STREAM, &events).await;
        });
        server.with(|s| {
            let scripts = s.live_in.entry(region.to_string()).or_default();
            // The first run's session cuts the millisecond of 16..19 after 17; the rest would
            // come a minute later, but the tail is killed before.
            scripts.push_back(vec![
                LiveStep::Wait(300),
                update(prefix, 0..18),
                LiveStep::Wait(60_000),
                update(prefix, 18..40),
            ]);
            // The next run's session brings part of the burst again with the rest.
            scripts.push_back(vec![LiveStep::Wait(300), update(prefix, 15..40)]);
        });
    }
    let command = |count: Option<&str>| {
        let mut command = moto::kaudit_command();
        command
            .env("AWS_ENDPOINT_URL_STS", moto.url())
            .args(["tail", "--endpoint-url", &server.url(), "-o", "jsonl"])
            .args(BOTH_REGIONS)
            .args(["--cluster", "prod", "--since", "1m", "--state"])
            .arg(&state)
            .args(count.map(|c| ["--count", c]).iter().flatten());
        command
    };
    let mut first = Running::start(&mut command(None));
    let mut printed: Vec<String> = (0..36).map(|_| first.line()).collect();
    // Both positions of the last events printed are on disk: a crash now loses nothing.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let saved = state_json(&state);
        let holds = |region: &str, prefix: &str| {
            saved["targets"][format!("{OWN}/{region}")][GROUP]["keys"]
                .as_array()
                .is_some_and(|k| k.contains(&format!("audit:{prefix}-17").into()))
        };
        if REGIONS.iter().all(|(r, p)| holds(r, p)) {
            break;
        }
        assert!(Instant::now() < deadline, "no positions saved: {saved}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let (rest, stderr) = first.killed();
    printed.extend(rest);
    assert_eq!(printed.len(), 36, "{stderr}");
    while now_ms() < burst_at + 100 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child::output(&mut command(Some("44")));
    let second_stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{second_stderr}");
    for (region, _) in REGIONS {
        let line = format!("kaudit: {GROUP} ({OWN}/{region}): carrying on from");
        assert!(second_stderr.contains(&line), "{line}\n{second_stderr}");
    }
    printed.extend(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string),
    );
    let mut seen = std::collections::BTreeMap::new();
    for line in &printed {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *seen
            .entry(v["auditID"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    let expected: Vec<String> = REGIONS
        .iter()
        .flat_map(|(_, p)| (0..40).map(move |i| id(p, i)))
        .collect();
    assert_eq!(
        seen,
        once(&expected),
        "first run:\n{stderr}\nsecond run:\n{second_stderr}"
    );
}
