//! Following many clusters at once, across accounts and regions: each target's log groups split
//! into live tail sessions as AWS allows them, the groups beyond polled with FilterLogEvents;
//! every part on a task of its own, what each tells sent, tagged with its part, on one channel.
//! A session AWS turns down because the account holds as many as it may is polled instead; a
//! part that fails ends alone, the others carry on.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::watch::{Watch, watch_live, watch_polled};
use crate::source::cloudwatch::{CloudError, LiveNote, SdkLogs, TailEvent};

/// The most log groups one live tail session follows: StartLiveTail's `logGroupIdentifiers`
/// takes "up to 10 log groups" (the CloudWatch Logs API reference, StartLiveTail).
pub const LIVE_GROUPS_PER_SESSION: usize = 10;

/// The live tail sessions an account may hold at once, taken as 15 and counted in each region,
/// as CloudWatch Logs counts its quotas. Neither the figure nor its scope could be confirmed from
/// AWS's quotas page here (and a quota can be raised on request): `--live-sessions` sets it, and
/// a session AWS refuses with LimitExceededException anyway is polled instead.
pub const LIVE_SESSIONS_PER_ACCOUNT: usize = 15;

/// One account and region to follow, and its log groups there.
#[derive(Debug, Clone)]
pub struct Followed {
    pub logs: SdkLogs,
    /// What the session limit is counted against: the account and region.
    pub limit_key: String,
    pub groups: Vec<String>,
    /// Where previous runs left these groups (`--state`).
    pub resume: BTreeMap<String, crate::source::cloudwatch::Position>,
}

/// Some of a target's groups, followed one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub target: usize,
    pub groups: Vec<String>,
    /// In one live tail session; else polled.
    pub live: bool,
}

/// The parts: each target's groups in sessions of at most `per_session`, while its account has
/// fewer than `sessions` of them in its region (none with `live` false); the rest of its groups
/// polled, in one part.
pub fn plan_parts(
    targets: &[(String, Vec<String>)],
    live: bool,
    per_session: usize,
    sessions: usize,
) -> Vec<Part> {
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    let mut parts = Vec::new();
    for (i, (key, groups)) in targets.iter().enumerate() {
        let mut polled = Vec::new();
        for chunk in groups.chunks(per_session.max(1)) {
            let held = used.entry(key.as_str()).or_default();
            if live && *held < sessions {
                *held += 1;
                parts.push(Part {
                    target: i,
                    groups: chunk.to_vec(),
                    live: true,
                });
            } else {
                polled.extend_from_slice(chunk);
            }
        }
        if !polled.is_empty() {
            parts.push(Part {
                target: i,
                groups: polled,
                live: false,
            });
        }
    }
    parts
}

/// What a part tells.
#[derive(Debug)]
pub enum PartNote {
    /// From its live tail session.
    Live(LiveNote),
    /// A polling round's new events, in time order.
    Polled(Vec<TailEvent>),
    /// A group's poll: answered, or not and why.
    Answered {
        group: String,
        error: Option<CloudError>,
    },
    /// Its live tail session could not be had (refused, or AWS's session limit reached): its
    /// groups are polled from now on.
    Polling(CloudError),
    /// It stopped: asked to (`None`), or failed for good.
    Ended(Option<CloudError>),
}

/// A note and the part (its index in the plan) that sent it.
#[derive(Debug)]
pub struct Noted {
    pub part: usize,
    pub note: PartNote,
}

/// Starts every part on the current runtime; their notes come on the channel returned, each
/// part's last one [`PartNote::Ended`]. They run until `stop` is set.
pub fn start_parts(
    targets: &[Followed],
    parts: &[Part],
    watch: &Watch,
    interval: Duration,
    stop: &Arc<AtomicBool>,
) -> UnboundedReceiver<Noted> {
    let (tx, rx) = unbounded_channel();
    for (index, part) in parts.iter().enumerate() {
        let target = &targets[part.target];
        let mut watch = watch.clone();
        watch.resume = target.resume.clone();
        let run = PartRun {
            logs: target.logs.clone(),
            part: part.clone(),
            watch,
            interval,
            index,
            tx: tx.clone(),
        };
        let stop = stop.clone();
        tokio::spawn(async move { run.run(&stop).await });
    }
    rx
}

struct PartRun {
    logs: SdkLogs,
    part: Part,
    watch: Watch,
    interval: Duration,
    index: usize,
    tx: UnboundedSender<Noted>,
}

impl PartRun {
    fn send(&self, note: PartNote) {
        // The receiver gone: the watch is over, and the stop flag ends this part.
        let _ = self.tx.send(Noted {
            part: self.index,
            note,
        });
    }

    async fn run(self, stop: &AtomicBool) {
        let groups = &self.part.groups;
        if self.part.live {
            let mut handed = 0usize;
            let result = watch_live(
                &self.logs,
                groups,
                &self.watch,
                |note| {
                    if let LiveNote::Events(events) = &note {
                        handed += events.len();
                    }
                    self.send(PartNote::Live(note));
                },
                stop,
            )
            .await;
            match result {
                Ok(()) => return self.send(PartNote::Ended(None)),
                // Polling would start over from --since and hand those events out again; and
                // credentials turned down fail the polls as well.
                Err(e) if handed > 0 || e.is_credentials() => {
                    return self.send(PartNote::Ended(Some(e)));
                }
                Err(e) => self.send(PartNote::Polling(e)),
            }
        }
        let result = watch_polled(
            &self.logs,
            groups,
            &self.watch,
            self.interval,
            |batch| {
                if !batch.is_empty() {
                    self.send(PartNote::Polled(batch));
                }
                ControlFlow::Continue(())
            },
            |group, error| {
                self.send(PartNote::Answered {
                    group: group.to_string(),
                    error: error.cloned(),
                })
            },
            stop,
        )
        .await;
        self.send(PartNote::Ended(result.err()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("g{i}")).collect()
    }

    #[test]
    fn sessions_hold_ten_groups_and_the_account_limit_sends_the_rest_to_polling() {
        // 23 groups in one account's region, 5 in the same account elsewhere, 4 in another.
        let targets = vec![
            ("a/us-east-1".to_string(), groups(23)),
            ("a/eu-west-1".to_string(), groups(5)),
            ("b/us-east-1".to_string(), groups(4)),
        ];
        let parts = plan_parts(&targets, true, LIVE_GROUPS_PER_SESSION, 2);
        let shape: Vec<(usize, usize, bool)> = parts
            .iter()
            .map(|p| (p.target, p.groups.len(), p.live))
            .collect();
        assert_eq!(
            shape,
            [
                (0, 10, true),
                (0, 10, true),
                (0, 3, false),
                (1, 5, true),
                (2, 4, true)
            ]
        );
        assert_eq!(parts[2].groups, ["g20", "g21", "g22"]);
        // Every group once.
        let all: usize = parts.iter().map(|p| p.groups.len()).sum();
        assert_eq!(all, 32);
        // --poll, or no sessions allowed: one polled part per target.
        for parts in [
            plan_parts(&targets, false, 10, 15),
            plan_parts(&targets, true, 10, 0),
        ] {
            assert_eq!(parts.len(), 3);
            assert!(parts.iter().all(|p| !p.live));
        }
    }
}
