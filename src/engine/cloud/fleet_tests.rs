use super::*;

#[test]
fn globs_match_whole_names() {
    assert!(glob_match("prod-*", "prod-eu"));
    assert!(glob_match("prod-*", "prod-"));
    assert!(!glob_match("prod-*", "staging-prod-1"));
    assert!(glob_match("*-eu-?", "prod-eu-1"));
    assert!(!glob_match("*-eu-?", "prod-eu-12"));
    assert!(glob_match("a*b*c", "aXbYbZc"));
    assert!(glob_match("prod", "prod"));
    assert!(!glob_match("prod", "prod-1"));
    assert!(is_glob("prod-*") && !is_glob("prod-1"));
}

#[test]
fn accounts_come_from_arns() {
    assert_eq!(
        account_of_arn("arn:aws:iam::111111111111:role/kaudit-reader").as_deref(),
        Some("111111111111")
    );
    assert_eq!(
        account_of_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/eks/a/cluster")
            .as_deref(),
        Some("123456789012")
    );
    assert_eq!(account_of_arn("not-an-arn"), None);
}

#[test]
fn a_rows_account_and_cluster_are_read_from_its_log_group() {
    assert_eq!(
        of_log("123456789012:/aws/eks/prod-1/cluster"),
        (Some("123456789012"), "/aws/eks/prod-1/cluster")
    );
    assert_eq!(
        of_log("/aws/eks/prod-1/cluster"),
        (None, "/aws/eks/prod-1/cluster")
    );
    assert_eq!(
        of_identifier("arn:aws:logs:us-east-1:111111111111:log-group:/aws/eks/prod-1/cluster:*"),
        (Some("111111111111".to_string()), "/aws/eks/prod-1/cluster")
    );
    assert_eq!(
        of_identifier("/aws/eks/prod-1/cluster"),
        (None, "/aws/eks/prod-1/cluster")
    );
}

fn target(groups: usize) -> FleetTarget {
    FleetTarget {
        connect: Connect::default(),
        who: "default credentials".into(),
        region: "us-east-1".into(),
        account: Some("123456789012".into()),
        groups: (0..groups)
            .map(|i| format!("/aws/eks/c{i}/cluster"))
            .collect(),
    }
}

fn merge(text: &str) -> Merge {
    merge_of(
        compile(text, CompileTarget::CloudWatch)
            .expect("compiles")
            .query(),
    )
}

#[test]
fn rows_in_time_order_merge_and_others_stay_per_target() {
    assert_eq!(
        merge("fields @timestamp"),
        Merge::InTime {
            order: Order::NewestFirst,
            limit: None
        }
    );
    assert_eq!(
        merge("fields @timestamp | sort @timestamp asc | limit 5"),
        Merge::InTime {
            order: Order::OldestFirst,
            limit: Some(5)
        }
    );
    // A limit before a filter bounds each target's events, not the fleet's.
    assert!(matches!(
        merge("fields @timestamp | limit 5 | filter verb = 'get'"),
        Merge::PerTarget { .. }
    ));
    assert!(matches!(
        merge("fields user | sort user asc"),
        Merge::PerTarget { .. }
    ));
    assert!(matches!(merge("stats count(*)"), Merge::PerTarget { .. }));
}

#[test]
fn events_are_asked_50_groups_at_a_time_and_stats_one_group_at_a_time() {
    let events =
        compile("fields @timestamp, @message", CompileTarget::CloudWatch).expect("compiles");
    let planned = plan(&[target(120), target(1)], &events, 0, 1_500);
    let sizes: Vec<usize> = planned.iter().map(|q| q.groups.len()).collect();
    assert_eq!(sizes, [50, 50, 20, 1]);
    assert!(planned[0].text.starts_with("fields @log\n| "));
    assert_eq!(planned[3].text, "fields @timestamp, @message");
    assert_eq!((planned[0].start_s, planned[0].end_s), (0, 2));
    // `SOURCE` must stay first: nothing is put before it.
    let source = compile(
        "SOURCE logGroups(namePrefix: ['/aws/eks/']) | fields @timestamp",
        CompileTarget::CloudWatch,
    )
    .expect("compiles");
    assert!(
        plan(&[target(2)], &source, 0, 1_000)[0]
            .text
            .starts_with("SOURCE")
    );
    let stats = compile("stats count(*)", CompileTarget::CloudWatch).expect("compiles");
    assert_eq!(plan(&[target(3)], &stats, 0, 1_000).len(), 3);
}

/// Logs Insights that answers every query at once with no rows, counting the queries started.
#[derive(Default)]
struct Counting {
    started: std::sync::atomic::AtomicUsize,
    /// Every StartQuery is refused: the account is at its query limit.
    at_limit: bool,
}

impl Logs for Counting {
    async fn log_groups(&self, _prefix: &str) -> Result<Vec<LogGroup>, CloudError> {
        Ok(Vec::new())
    }

    async fn start_query(
        &self,
        _groups: &[String],
        _start_s: i64,
        _end_s: i64,
        _text: &str,
    ) -> Result<String, CloudError> {
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        if self.at_limit {
            return Err(CloudError::Throttled {
                action: "logs:StartQuery".into(),
                code: "LimitExceededException".into(),
                message: "Account maximum query concurrency limit of [30] reached.".into(),
            });
        }
        Ok(n.to_string())
    }

    async fn query_results(
        &self,
        _id: &str,
    ) -> Result<crate::source::cloudwatch::QueryPoll, CloudError> {
        Ok(crate::source::cloudwatch::QueryPoll {
            state: crate::source::cloudwatch::QueryState::Complete,
            stats: QueryStats::default(),
            rows: Vec::new(),
        })
    }

    async fn stop_query(&self, _id: &str) -> Result<(), CloudError> {
        Ok(())
    }

    async fn log_record(&self, _ptr: &str) -> Result<Vec<(String, String)>, CloudError> {
        Ok(Vec::new())
    }

    async fn live_tail(
        &self,
        _target: &crate::source::cloudwatch::LiveTarget,
    ) -> Result<tokio::sync::mpsc::UnboundedReceiver<crate::source::cloudwatch::LiveMsg>, CloudError>
    {
        Err(CloudError::NotFound {
            message: "no live tail here".into(),
        })
    }

    async fn filter_log_events(
        &self,
        _target: &crate::source::cloudwatch::TailTarget,
        _start_ms: i64,
        _end_ms: i64,
        _next: Option<String>,
    ) -> Result<crate::source::cloudwatch::FilterPage, CloudError> {
        Ok(crate::source::cloudwatch::FilterPage::default())
    }
}

#[tokio::test(start_paused = true)]
async fn a_fleet_stopped_before_its_queries_turn_starts_none_and_says_so() {
    let compiled = compile("fields @timestamp", CompileTarget::CloudWatch).expect("compiles");
    let cancel = AtomicBool::new(true);
    let logs = [Counting::default(), Counting::default()];
    let how = FleetRun {
        compiled: &compiled,
        start_ms: 0,
        end_ms: 60_000,
        max_rows: 100,
        concurrency: 1,
        cancel: &cancel,
    };
    let answer = run_fleet(&[target(1), target(1)], &logs, &how).await;
    let started: usize = logs.iter().map(|l| l.started.load(Ordering::Relaxed)).sum();
    assert_eq!(started, 0);
    for r in &answer.targets {
        assert!(
            matches!(&r.status, TargetStatus::Failed { why } if why.contains("was not started")),
            "{r:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_fleet_runs_every_target_and_counts_its_queries() {
    let compiled = compile("fields @timestamp", CompileTarget::CloudWatch).expect("compiles");
    let cancel = AtomicBool::new(false);
    let logs = [Counting::default(), Counting::default()];
    let how = FleetRun {
        compiled: &compiled,
        start_ms: 0,
        end_ms: 60_000,
        max_rows: 100,
        concurrency: 1,
        cancel: &cancel,
    };
    let answer = run_fleet(&[target(1), target(60)], &logs, &how).await;
    let started: Vec<usize> = logs
        .iter()
        .map(|l| l.started.load(Ordering::Relaxed))
        .collect();
    assert_eq!(started, [1, 2]);
    assert!(answer.targets.iter().all(TargetResult::complete));
    assert_eq!(answer.concurrency, (1, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_target_that_stays_at_the_limit_fails_after_its_tries_and_says_why() {
    let compiled = compile("fields @timestamp", CompileTarget::CloudWatch).expect("compiles");
    let cancel = AtomicBool::new(false);
    let logs = [Counting {
        at_limit: true,
        ..Counting::default()
    }];
    let how = FleetRun {
        compiled: &compiled,
        start_ms: 0,
        end_ms: 60_000,
        max_rows: 100,
        concurrency: 4,
        cancel: &cancel,
    };
    let answer = run_fleet(&[target(1)], &logs, &how).await;
    assert_eq!(logs[0].started.load(Ordering::Relaxed), 8);
    let r = &answer.targets[0];
    assert_eq!(r.throttled, 7);
    assert!(
        matches!(&r.status, TargetStatus::Failed { why } if why.contains("stayed at its limit")),
        "{r:?}"
    );
    assert_eq!(answer.concurrency.1, 1);
}
