//! The built-in demo: a deterministic EKS audit log of a cluster under attack.
//!
//! Four hours of a busy production cluster (`atlas-prod`, 2026-11-02 06:00–10:00 UTC):
//! kubelets renewing leases, controllers watching and writing, EKS components, people and a CI
//! deployer, the odd 403/404/409/422 — and, woven in, a nine-step intrusion ([`story()`]) from
//! anonymous probing to a cluster-admin binding, an `aws-auth` backdoor, a privileged pod, exec,
//! a webhook and a deleted RoleBinding. `docs/demo-incident.md` tells it with times and filters.
//!
//! The same configuration always gives the same bytes; another seed gives other noise around
//! the same story. Lines are written straight into a reused buffer, so a million events take
//! seconds, which also makes the generator the benchmark corpus.

mod cast;
mod cast_people;
mod event;
mod gke;
mod json;
mod noise;
mod noise_request;
mod noise_table;
mod objects;
mod objects_apps;
mod rng;
mod story;
mod story_events;
mod story_objects;
mod write;

pub use story::{StoryStep, story};
pub use write::{DemoSummary, write_demo};

use cast::Cast;
use noise::Noise;
use rng::Rng;
use story_events::Story;

/// The cluster's name.
pub const CLUSTER: &str = "atlas-prod";
pub const ACCOUNT_ID: &str = "111122223333";
pub const REGION: &str = "us-east-1";
/// Where EKS sends the cluster's control-plane logs.
pub const LOG_GROUP: &str = "/aws/eks/atlas-prod/cluster";
/// The audit streams, one per API server instance.
pub const LOG_STREAMS: [&str; 3] = [
    "kube-apiserver-audit-2f1a9c4e7b3d5a08e6c1f94b2d7a3e51",
    "kube-apiserver-audit-8d4b6e1f3a9c2750b8e4d1a6c3f9e027",
    "kube-apiserver-audit-c7e2a5f8d1b4936e0a7c2f5b8e1d4a93",
];
/// The log's first and last instant.
pub const START: &str = "2026-11-02T06:00:00Z";
pub const END: &str = "2026-11-02T10:00:00Z";
pub const START_MICROS: i64 = 1_793_599_200_000_000;
pub const END_MICROS: i64 = START_MICROS + 4 * 3_600_000_000;
/// Midnight of the demo's day, for the story's clock times.
const DAY_START_MICROS: i64 = START_MICROS - 6 * 3_600_000_000;

/// The intruder's address: every story event comes from it, no background event does.
pub const ATTACKER_IP: &str = "203.0.113.77";
/// The developer whose IAM access key leaks, as `user.username`.
pub const DEVELOPER: &str = "priya.sharma";
pub const DEVELOPER_ACCESS_KEY: &str = "AKIAQ3EGRT7ZMPX5KL2V";
pub const DEVELOPER_PRINCIPAL: &str = "AIDAQ3EGRT7ZN4KD2WXYB";
/// The service account the intruder creates and binds to cluster-admin.
pub const ROGUE_SA: &str = "system:serviceaccount:kube-system:node-health-agent";
/// The outside role the intruder maps to `system:masters` in `aws-auth`.
pub const OUTSIDE_ROLE: &str = "arn:aws:iam::444455556666:role/ops-support";

/// The two forms the demo can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoFormat {
    /// One audit event a line, as the API server writes its log file.
    #[default]
    Jsonl,
    /// What `aws logs filter-log-events` prints for the log group.
    CloudWatch,
    /// AKS `kube-audit` diagnostic records, one a line, as Event Hubs delivers them: the event
    /// is the JSON text of `properties.log`.
    Aks,
    /// GKE Cloud Audit `LogEntry` records, one a line, as a Cloud Logging sink writes them.
    Gke,
}

impl DemoFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoFormat::Jsonl => "jsonl",
            DemoFormat::CloudWatch => "cloudwatch",
            DemoFormat::Aks => "aks",
            DemoFormat::Gke => "gke",
        }
    }
}

impl std::str::FromStr for DemoFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jsonl" => Ok(DemoFormat::Jsonl),
            "cloudwatch" => Ok(DemoFormat::CloudWatch),
            "aks" => Ok(DemoFormat::Aks),
            "gke" => Ok(DemoFormat::Gke),
            other => Err(format!(
                "unknown demo format {other:?}: use \"jsonl\", \"cloudwatch\", \"aks\" or \"gke\""
            )),
        }
    }
}

/// How big a demo log to make, and which noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Events in total, story included; never fewer than the story's own events.
    pub events: usize,
    /// Picks the background noise; the story is the same for every seed.
    pub seed: u64,
}

impl DemoConfig {
    pub const DEFAULT_EVENTS: usize = 20_000;
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            events: Self::DEFAULT_EVENTS,
            seed: 1,
        }
    }
}

/// The demo as JSON lines in memory: what `kaudit` opens when given no source.
pub fn demo_bytes(cfg: &DemoConfig) -> Vec<u8> {
    let mut generator = DemoGenerator::new(cfg);
    // Reserve for the usual sizes; a huge request grows as it goes rather than failing here.
    let mut out = Vec::with_capacity(cfg.events.min(1 << 20) * 1400);
    let mut line = Vec::with_capacity(8192);
    while generator.next_line(&mut line).is_some() {
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    out
}

/// What [`DemoGenerator::next_line`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLine {
    /// The event's `stageTimestamp`, µs since the epoch; lines come in this order.
    pub time_micros: i64,
    /// True for the story's events.
    pub story: bool,
}

/// The demo one event at a time, for callers that stream it.
#[derive(Debug)]
pub struct DemoGenerator {
    cast: Cast,
    noise: Noise,
    story: Story,
    times: Rng,
    noise_total: u64,
    noise_done: u64,
    story_done: usize,
    next_noise: Option<i64>,
}

impl DemoGenerator {
    pub fn new(cfg: &DemoConfig) -> Self {
        let cast = Cast::new();
        let story = Story::new(&cast);
        let noise_total = cfg.events.saturating_sub(story.len()) as u64;
        DemoGenerator {
            noise: Noise::new(&cast, cfg.seed),
            times: Rng::new(cfg.seed ^ 0x7469_6d65),
            cast,
            story,
            noise_total,
            noise_done: 0,
            story_done: 0,
            next_noise: None,
        }
    }

    /// Events this generator yields in all.
    pub fn total(&self) -> u64 {
        self.noise_total + self.story.len() as u64
    }

    /// Replaces `line` with the next event's JSON (no newline); `None` once all are written.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> Option<DemoLine> {
        line.clear();
        if self.next_noise.is_none() && self.noise_done < self.noise_total {
            self.next_noise = Some(self.noise_time(self.noise_done));
        }
        let story_at = self.story.stage(self.story_done);
        match self.next_noise {
            Some(t) if t < story_at => {
                self.noise.write(&self.cast, t, line);
                self.noise_done += 1;
                self.next_noise = None;
                Some(DemoLine {
                    time_micros: t,
                    story: false,
                })
            }
            _ if self.story_done < self.story.len() => {
                self.story.render(self.story_done, line);
                self.story_done += 1;
                Some(DemoLine {
                    time_micros: story_at,
                    story: true,
                })
            }
            _ => None,
        }
    }

    /// The `i`-th background event completes in the `i`-th equal slice of the window, at a
    /// random point inside it: times rise strictly and look irregular.
    fn noise_time(&mut self, i: u64) -> i64 {
        let window = (END_MICROS - START_MICROS) as u128;
        let n = u128::from(self.noise_total.max(1));
        let base = (u128::from(i) * window / n) as i64;
        let slice = (window / n) as u64;
        START_MICROS + base + self.times.below(slice.max(1)) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        for format in [DemoFormat::Jsonl, DemoFormat::CloudWatch] {
            assert_eq!(format.as_str().parse::<DemoFormat>(), Ok(format));
        }
        assert!("yaml".parse::<DemoFormat>().is_err());
    }

    #[test]
    fn the_window_is_four_hours_from_the_start() {
        let start: jiff::Timestamp = START.parse().unwrap();
        let end: jiff::Timestamp = END.parse().unwrap();
        assert_eq!(start.as_microsecond(), START_MICROS);
        assert_eq!(end.as_microsecond(), END_MICROS);
        assert_eq!(LOG_GROUP, format!("/aws/eks/{CLUSTER}/cluster"));
    }

    #[test]
    fn the_generator_says_how_many_events_it_yields() {
        let mut generator = DemoGenerator::new(&DemoConfig {
            events: 100,
            seed: 4,
        });
        assert_eq!(generator.total(), 100);
        let mut line = Vec::new();
        let mut stories = 0;
        let mut count = 0;
        while let Some(info) = generator.next_line(&mut line) {
            count += 1;
            stories += usize::from(info.story);
            assert!(line.starts_with(b"{\"kind\":\"Event\""));
        }
        assert_eq!((count, stories), (100, 34));
    }
}
