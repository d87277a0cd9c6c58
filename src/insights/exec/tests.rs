use std::ops::ControlFlow;

use super::*;
use crate::audit::Depth;
use crate::audit::formats::{Origin, scan};
use crate::insights::syntax::parser::parse;

/// Runs `query` over JSON lines and returns the result's columns and rows as display text.
fn run(query: &str, lines: &str) -> (Vec<String>, Vec<Vec<String>>) {
    run_plan(&Plan::new(&parse(query).unwrap()).unwrap(), lines)
}

/// Runs `plan` over JSON lines read from source `t`: the result's columns, and its rows as
/// display text.
fn run_plan(plan: &Plan, lines: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut run = plan.start();
    scan(
        lines.as_bytes(),
        &Origin::new("t.log", "t"),
        Depth::Table,
        |rec| run.push(rec),
    );
    let result = run.finish();
    let rows = result
        .rows
        .iter()
        .map(|r| r.iter().map(Value::display).collect())
        .collect();
    (result.columns, rows)
}

const EVENTS: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"1","verb":"get","user":{"username":"alice"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"secrets","namespace":"prod","name":"db"},"responseStatus":{"code":403},"stageTimestamp":"2026-11-02T08:00:10Z","annotations":{"authorization.k8s.io/decision":"forbid"}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"2","verb":"list","user":{"username":"bob"},"sourceIPs":["10.0.0.2"],"objectRef":{"resource":"pods","namespace":"prod"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-02T08:00:50Z","annotations":{"authorization.k8s.io/decision":"allow"}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"3","verb":"get","user":{"username":"alice"},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"secrets","namespace":"dev","name":"api"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-02T08:01:30Z","annotations":{"authorization.k8s.io/decision":"allow"}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"4","verb":"delete","user":{"username":"carol"},"sourceIPs":["203.0.113.7"],"objectRef":{"resource":"rolebindings","namespace":"dev","name":"x"},"responseStatus":{"code":200},"stageTimestamp":"2026-11-02T08:02:00Z"}
"#;

#[test]
fn filter_with_loose_typing_and_in() {
    let (cols, rows) = run(
        r#"filter responseStatus.code = "403" or verb in ["delete"] | fields auditID"#,
        EVENTS,
    );
    assert_eq!(cols, ["auditID"]);
    assert_eq!(rows, [["1"], ["4"]]);
}

#[test]
fn stats_by_field_and_bin() {
    let (cols, rows) = run("stats count(*) as n by user.username", EVENTS);
    assert_eq!(cols, ["user.username", "n"]);
    assert_eq!(rows, [["alice", "2"], ["bob", "1"], ["carol", "1"]]);
    let (cols, rows) = run("stats count(*) by bin(1m)", EVENTS);
    assert_eq!(cols, ["bin(1m)", "count(*)"]);
    assert_eq!(
        rows,
        [
            ["2026-11-02 08:00:00.000", "2"],
            ["2026-11-02 08:01:00.000", "1"],
            ["2026-11-02 08:02:00.000", "1"]
        ]
    );
}

#[test]
fn sort_limit_and_default_columns() {
    let (cols, rows) = run("sort @timestamp desc | limit 2", EVENTS);
    assert_eq!(cols, ["@timestamp", "@message"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "2026-11-02 08:02:00.000");
    let (_, rows) = run(
        "fields auditID | sort user.username desc, auditID asc",
        EVENTS,
    );
    assert_eq!(rows, [["4"], ["2"], ["1"], ["3"]]);
}

#[test]
fn like_regex_parse_dedup_and_backticks() {
    let (_, rows) = run(
        r#"filter user.username like /^(?i)AL/ | dedup user.username | fields auditID"#,
        EVENTS,
    );
    // Nothing sorted before `dedup`: the newest of alice's events is kept.
    assert_eq!(rows, [["3"]]);
    let (_, rows) = run(
        r#"parse @message '"resource":"*"' as res | filter res = "rolebindings" | fields res, `annotations.authorization.k8s.io/decision` as d"#,
        EVENTS,
    );
    assert_eq!(rows, [["rolebindings", ""]]);
    let (_, rows) = run(
        "filter `annotations.authorization.k8s.io/decision` = 'forbid' | fields auditID",
        EVENTS,
    );
    assert_eq!(rows, [["1"]]);
}

#[test]
fn expressions_over_aggregates_and_a_second_stats() {
    let (cols, rows) = run(
        "stats count(*) as n, count_distinct(user.username) as users, sum(responseStatus.code) / count(*) as avgcode",
        EVENTS,
    );
    assert_eq!(cols, ["n", "users", "avgcode"]);
    assert_eq!(rows, [["4", "3", "250.75"]]);
    let (cols, rows) = run(
        "stats count(*) as n by user.username | stats max(n) as most",
        EVENTS,
    );
    assert_eq!(cols, ["most"]);
    assert_eq!(rows, [["2"]]);
}

#[test]
fn limit_stops_reading_early() {
    let q = parse("limit 1").unwrap();
    let plan = Plan::new(&q).unwrap();
    let mut run = plan.start();
    let report = scan(
        EVENTS.as_bytes(),
        &Origin::new("t", "t"),
        Depth::Table,
        |rec| run.push(rec),
    );
    assert!(report.stopped_early);
    let result = run.finish();
    assert_eq!(result.rows.len(), 1);
    assert_eq!(result.statistics.records_scanned, 1);
}

#[test]
fn aws_only_commands_say_so() {
    let q = parse("pattern @message").unwrap();
    let err = Plan::new(&q).unwrap_err();
    assert!(err.message.contains("CloudWatch"), "{}", err.message);
}

#[test]
fn matched_counts_records_past_the_filters() {
    let q = parse("filter verb = 'get' | stats count(*)").unwrap();
    let plan = Plan::new(&q).unwrap();
    let mut run = plan.start();
    scan(
        EVENTS.as_bytes(),
        &Origin::new("t", "t"),
        Depth::Table,
        |rec| {
            let _ = run.push(rec);
            ControlFlow::Continue(())
        },
    );
    let result = run.finish();
    assert_eq!(result.statistics.records_scanned, 4);
    assert_eq!(result.statistics.records_matched, 2);
}

#[test]
fn runs_over_parts_merge_to_the_answer_of_one_run() {
    let lines: Vec<&str> = EVENTS.lines().collect();
    for query in [
        "stats count(*) as n, earliest(auditID) as first, latest(auditID) as last by user.username",
        "filter verb = 'get' | fields auditID",
        "sort @timestamp desc | fields auditID",
        "stats count(*) by bin(1m) | sort `count(*)` desc",
    ] {
        let q = parse(query).unwrap();
        let plan = Plan::new(&q).unwrap();
        assert!(plan.splits(), "{query}");
        let one = {
            let mut run = plan.start();
            scan(
                EVENTS.as_bytes(),
                &Origin::new("t", "t"),
                Depth::Minimal,
                |r| run.push(r),
            );
            run.finish()
        };
        for cut in 1..lines.len() {
            let (a, b) = lines.split_at(cut);
            let mut first = plan.start();
            let mut second = plan.start();
            let text = |l: &[&str]| l.join("\n") + "\n";
            scan(
                text(a).as_bytes(),
                &Origin::new("t", "t"),
                Depth::Minimal,
                |r| first.push(r),
            );
            scan(
                text(b).as_bytes(),
                &Origin::new("t", "t"),
                Depth::Minimal,
                |r| second.push(r),
            );
            first.merge(second);
            assert_eq!(first.finish().rows, one.rows, "{query} cut at {cut}");
        }
    }
    for query in ["limit 2", "fields verb | limit 3 | filter verb = 'get'"] {
        assert!(
            !Plan::new(&parse(query).unwrap()).unwrap().splits(),
            "{query}"
        );
    }
}

#[test]
fn prefilters_name_the_literals_a_record_must_hold() {
    let literals = |query: &str, raw: &str| {
        let plan = Plan::new(&parse(query).unwrap()).unwrap();
        plan.prefilter().map(|p| p.may_match(raw.as_bytes()))
    };
    let raw = r#"{"verb":"get","objectRef":{"resource":"secrets"}}"#;
    assert_eq!(literals(r#"filter verb = "get""#, raw), Some(true));
    assert_eq!(literals(r#"filter verb = "list""#, raw), Some(false));
    assert_eq!(
        literals(r#"filter verb in ["list", "get"]"#, raw),
        Some(true)
    );
    assert_eq!(
        literals(
            r#"filter verb = "get" and objectRef.resource = "pods""#,
            raw
        ),
        Some(false)
    );
    assert_eq!(
        literals(
            r#"filter verb = "list" or objectRef.resource like "secr""#,
            raw
        ),
        Some(true)
    );
    assert_eq!(
        literals(r#"filter @message like "resource""#, raw),
        Some(true)
    );
    // Nothing can be said: no literal, a number, a negation, a system field, an OR with an
    // unknown side, a filter after fields that may rename.
    // Integers: their digits, however the field writes the number.
    let coded = r#"{"responseStatus":{"code":403.0}}"#;
    assert_eq!(
        literals("filter responseStatus.code = 403", coded),
        Some(true)
    );
    assert_eq!(
        literals(r#"filter responseStatus.code = "403""#, coded),
        Some(true)
    );
    assert_eq!(
        literals("filter responseStatus.code in [401, 403]", coded),
        Some(true)
    );
    assert_eq!(
        literals("filter responseStatus.code = 401", coded),
        Some(false)
    );
    for query in [
        "filter responseStatus.code = 403.5",
        "filter requestObject.spec.hostNetwork = 1",
        r#"filter verb != "get""#,
        r#"filter verb not like "g""#,
        r#"filter @logStream = "kube-apiserver-audit-x""#,
        r#"filter verb = "list" or responseStatus.code > 400"#,
        r#"fields objectRef.name as verb | filter verb = "list""#,
        r#"filter verb = "a/b""#,
        "stats count(*) by verb",
    ] {
        assert_eq!(literals(query, raw), None, "{query}");
    }
}

#[test]
fn the_plan_knows_whether_it_reads_the_time() {
    let needs = |q: &str| Plan::new(&parse(q).unwrap()).unwrap().needs_timestamp();
    assert!(!needs("stats count(*) by verb"));
    assert!(!needs("filter verb = 'get' | fields auditID"));
    assert!(needs("filter verb = 'get'"), "the default columns show it");
    assert!(needs("stats count(*) by bin(5m)"));
    assert!(needs("stats latest(verb) by user.username"));
    assert!(needs("fields auditID | sort @timestamp desc"));
    assert!(
        needs("fields auditID | dedup verb"),
        "dedup keeps the newest"
    );
    assert!(needs("fields datefloor(@timestamp, 1h) as h"));
}

#[test]
fn sort_then_limit_keeps_only_the_top_rows_with_the_same_answer() {
    // Enough rows to prune several times, with many ties on the sort key.
    let mut lines = String::new();
    for i in 0..20_000 {
        lines.push_str(&format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{i}","verb":"v{}","stageTimestamp":"2026-11-02T08:00:{:02}Z"}}"#,
            i % 7,
            i % 60
        ));
        lines.push('\n');
    }
    let (_, top) = run(
        "sort verb desc, @timestamp asc | limit 5000 | fields auditID",
        &lines,
    );
    let (_, all) = run(
        "sort verb desc, @timestamp asc | fields auditID | limit 10000",
        &lines,
    );
    assert_eq!(top.len(), 5000);
    assert_eq!(top[..], all[..5000]);
}

/// Runs `query` with `@ptr` ([`Plan::with_ptr`]): the plan, and as [`run_plan`].
fn run_with_ptr(query: &str, lines: &str) -> (Plan, Vec<String>, Vec<Vec<String>>) {
    let plan = Plan::with_ptr(&parse(query).unwrap()).unwrap();
    let (columns, rows) = run_plan(&plan, lines);
    (plan, columns, rows)
}

/// The line of `lines` a `t:<offset>` pointer names.
fn line_at_ptr<'l>(lines: &'l str, ptr: &str) -> &'l str {
    let offset: usize = ptr.strip_prefix("t:").unwrap().parse().unwrap();
    assert!(
        offset == 0 || lines.as_bytes()[offset - 1] == b'\n',
        "{ptr}"
    );
    lines[offset..].lines().next().unwrap()
}

/// Every row's `@ptr` names the line of its `auditID` column.
fn assert_ptrs_name_their_ids(columns: &[String], rows: &[Vec<String>], lines: &str) {
    let id = columns.iter().position(|c| c == "auditID").unwrap();
    let ptr = columns.iter().position(|c| c == "@ptr").unwrap();
    for row in rows {
        let line = line_at_ptr(lines, &row[ptr]);
        assert!(
            line.contains(&format!(r#""auditID":"{}""#, row[id])),
            "{row:?}"
        );
    }
}

#[test]
fn with_ptr_adds_where_each_row_was_read_as_the_last_column() {
    let (plan, cols, rows) = run_with_ptr(r#"filter verb = "get""#, EVENTS);
    assert_eq!(cols, ["@timestamp", "@message", "@ptr"]);
    assert_eq!((plan.ptr_column(), plan.ptr_appended()), (Some(2), true));
    assert_eq!(rows.len(), 2);
    let first_line = EVENTS.lines().next().unwrap();
    assert_eq!(rows[0][2], "t:0");
    assert_eq!(
        rows[1][2],
        format!(
            "t:{}",
            EVENTS
                .find(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"3""#)
                .unwrap()
        )
    );
    for row in &rows {
        assert_eq!(line_at_ptr(EVENTS, &row[2]), row[1]);
    }
    assert_eq!(rows[0][1], first_line);
    // Plan::new answers what it always did.
    let plain = Plan::new(&parse(r#"filter verb = "get""#).unwrap()).unwrap();
    assert_eq!((plain.ptr_column(), plain.ptr_appended()), (None, false));
    assert_eq!(
        run(r#"filter verb = "get""#, EVENTS).0,
        ["@timestamp", "@message"]
    );
}

#[test]
fn ptr_follows_its_row_through_sort_limit_unnest_and_dedup() {
    let (_, cols, rows) =
        run_with_ptr("fields auditID, verb | sort auditID desc | limit 2", EVENTS);
    assert_eq!(cols, ["auditID", "verb", "@ptr"]);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("4", "3"));
    assert_ptrs_name_their_ids(&cols, &rows, EVENTS);

    // Two rows of one record share its pointer.
    let two_ips = EVENTS.replacen(r#"["10.0.0.1"]"#, r#"["10.0.0.1","10.0.0.9"]"#, 1);
    let (_, cols, rows) = run_with_ptr("unnest sourceIPs into ip | fields auditID, ip", &two_ips);
    assert_eq!(cols, ["auditID", "ip", "@ptr"]);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0][2], "t:0");
    assert_eq!(rows[1][2], "t:0");
    assert_ptrs_name_their_ids(&cols, &rows, &two_ips);

    let (_, cols, rows) = run_with_ptr("dedup user.username | fields auditID", EVENTS);
    assert_eq!(cols, ["auditID", "@ptr"]);
    assert_eq!(rows.len(), 3);
    assert_ptrs_name_their_ids(&cols, &rows, EVENTS);

    // A display after fields keeps the pointer as the last column too.
    let (_, cols, rows) = run_with_ptr("fields auditID, verb | display auditID", EVENTS);
    assert_eq!(cols, ["auditID", "@ptr"]);
    assert_ptrs_name_their_ids(&cols, &rows, EVENTS);
}

#[test]
fn groups_have_no_ptr_and_an_asked_ptr_comes_once() {
    for query in [
        "stats count(*) by verb",
        "filter verb = 'get' | stats count(*) as n by bin(1m) | sort n desc",
    ] {
        let (plan, cols, _) = run_with_ptr(query, EVENTS);
        assert_eq!(
            (plan.ptr_column(), plan.ptr_appended()),
            (None, false),
            "{query}"
        );
        assert_eq!(cols, run(query, EVENTS).0, "{query}");
    }
    let (plan, cols, rows) = run_with_ptr("fields @ptr, auditID | sort auditID desc", EVENTS);
    assert_eq!(cols, ["@ptr", "auditID"]);
    assert_eq!((plan.ptr_column(), plan.ptr_appended()), (Some(0), false));
    assert_ptrs_name_their_ids(&cols, &rows, EVENTS);
    // Asked for by Plan::new as well: the same column.
    let plain = Plan::new(&parse("fields auditID, @ptr").unwrap()).unwrap();
    assert_eq!((plain.ptr_column(), plain.ptr_appended()), (Some(1), false));
}
