//! The real binary, run as a user would.

use std::io::Write;

use crate::support::child::{self, Running};
use crate::support::{jsonl, kaudit, kaudit_command, kaudit_stdin, text};

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"11111111-2222-3333-4444-555555555555","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets/db","verb":"get","user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["198.51.100.9"],"userAgent":"evil\u001b]0;pwned\u0007\u001b[2J","objectRef":{"resource":"secrets","namespace":"prod","name":"db\u202egpj.exe","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":403},"requestReceivedTimestamp":"2026-11-02T08:00:00.000001Z","stageTimestamp":"2026-11-02T08:00:00.000002Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#;

#[test]
fn events_of_the_demo_are_a_table() {
    let out = kaudit(&["events", "--demo", "-n", "5"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    for title in [
        "TIME",
        "USER",
        "SOURCE IP",
        "VERB",
        "RESOURCE",
        "NAMESPACE/NAME",
        "CODE",
        "DECISION",
    ] {
        assert!(lines[0].contains(title), "{}", lines[0]);
    }
    assert!(lines[1].starts_with("2026-11-02T06:"), "{}", lines[1]);
}

#[test]
fn no_command_shows_the_demo() {
    let out = kaudit(&["-n", "3"]).status;
    // `-n` belongs to `events`; plain `kaudit` takes only a source.
    assert!(!out.success());
    let out = kaudit(&[]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("203.0.113.77"),
        "the intrusion is in the demo"
    );
    assert!(stdout.lines().count() > 1000);
}

#[test]
fn stdin_and_jsonl_output_keep_the_original_bytes() {
    let input = format!("{EVENT}\n{EVENT}\n");
    let out = kaudit_stdin(&["events", "-", "--output", "jsonl"], input.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), input);
    let out = kaudit_stdin(&["events", "-", "--output", "json"], input.as_bytes());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["verb"], "get");
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    let out = kaudit_stdin(&["events", "-"], EVENT.as_bytes());
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(!stdout.contains('\u{7}'));
    assert!(!stdout.contains('\u{202e}'));
    assert!(stdout.contains(r"db\u{202e}gpj.exe"), "{stdout}");
    assert!(stdout.contains("forbid"));
}

/// `EVENT` as CloudWatch leaves it past its 256 KB cap: a big request object, cut inside.
fn cut_at_cap() -> String {
    let grown = EVENT.replacen(
        "\"requestReceivedTimestamp\"",
        &format!(
            "\"requestObject\":{{\"data\":\"{}\"}},\"requestReceivedTimestamp\"",
            "x".repeat(300_000)
        ),
        1,
    );
    grown[..262_144 - 26].to_string()
}

#[test]
fn bad_records_are_counted_and_located_on_stderr() {
    let cut = cut_at_cap();
    let broken = r#"{"kind":"Event","this is broken"#;
    let input = format!("{EVENT}\n{{\"kind\": 0}}\n{broken}\n{cut}\n");
    let out = kaudit_stdin(&["events", "-"], input.as_bytes());
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("1 truncated, 2 malformed"), "{stderr}");
    assert!(stderr.contains("<stdin>:2:10"), "{stderr}");
    // The broken line: unreadable where it ends, and nothing about CloudWatch's cap.
    let line3: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("<stdin>:3:"))
        .collect();
    assert_eq!(line3.len(), 1, "{stderr}");
    assert!(line3[0].contains("<stdin>:3:32: malformed"), "{stderr}");
    assert!(!line3[0].contains("256 KB"), "{stderr}");
    assert!(stderr.contains("<stdin>:4:1: truncated"), "{stderr}");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "header, the event and the salvaged one: {stdout}"
    );
    assert!(
        stdout.lines().nth(2).unwrap().contains("mallory"),
        "{stdout}"
    );
    assert!(stdout.contains("[cut]"));
    // JSON output stays valid with the cut event wrapped.
    let out = kaudit_stdin(&["events", "-", "-o", "jsonl"], input.as_bytes());
    let lines: Vec<serde_json::Value> = jsonl(&out.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["@truncated"], true);
    assert_eq!(lines[1]["@message"], cut.as_str());
}

#[test]
fn a_broken_line_alone_is_one_malformed_line_and_no_row() {
    let out = kaudit_stdin(&["events", "-"], b"{\"kind\":\"Event\",\"this is broken\n");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "", "no row of dashes");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("<stdin>: 0 events; 1 malformed"),
        "{stderr}"
    );
    assert!(!stderr.contains("truncated"), "{stderr}");
    let out = kaudit_stdin(&["formats", "-"], b"{\"kind\":\"Event\",\"this is broken\n");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        "<stdin>: 0 events; 1 malformed\n  1:32: malformed: invalid JSON: the record ends inside the event\n"
    );
}

#[test]
fn time_ranges_filter_and_explain_an_empty_result() {
    let out = kaudit(&[
        "events",
        "--demo",
        "--start",
        "2026-11-02T07:00:00Z",
        "--end",
        "2026-11-02T07:00:10Z",
    ]);
    let stdout = text(&out.stdout);
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.starts_with("2026-11-02T07:00:0")),
        "{stdout}"
    );
    let out = kaudit(&["events", "--demo", "--since", "1h"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("the input spans 2026-11-02T06:"),
        "{}",
        text(&out.stderr)
    );
    let out = kaudit(&["events", "--demo", "--since", "soon"]);
    assert!(!out.status.success());
}

#[test]
fn demo_is_deterministic_and_reads_back_in_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.json");
    let out = kaudit(&[
        "demo",
        "--events",
        "3000",
        "--seed",
        "7",
        "-o",
        a.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let again = kaudit(&["demo", "--events", "3000", "--seed", "7"]);
    assert_eq!(std::fs::read(&a).unwrap(), again.stdout);
    let out = kaudit(&[
        "demo",
        "--events",
        "3000",
        "--seed",
        "7",
        "--format",
        "cloudwatch",
        "-o",
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report = kaudit(&[
        "formats",
        "-o",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(v[0]["events"], 3000);
    assert_eq!(v[0]["formats"]["json-lines"], 3000);
    assert_eq!(v[1]["events"], 3000);
    assert_eq!(v[1]["formats"]["cloudwatch-json"], 3000);
    assert_eq!(v[0]["malformed"], 0);
    // Same events either way.
    let jl = kaudit(&["events", a.to_str().unwrap(), "-o", "jsonl"]).stdout;
    let cw = kaudit(&["events", b.to_str().unwrap(), "-o", "jsonl"]).stdout;
    assert_eq!(jl, cw);
}

#[test]
fn gzip_is_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("{EVENT}\n").as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let out = kaudit(&["events", "--file", path.to_str().unwrap(), "-o", "jsonl"]);
    assert_eq!(text(&out.stdout), format!("{EVENT}\n"));
}

#[test]
fn a_missing_file_fails_with_its_name() {
    let out = kaudit(&["events", "/nonexistent/audit.log"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/audit.log"));
}

#[test]
fn formats_over_the_corpus_falco_trace_files() {
    let Some(corpus) = crate::support::corpus_dir("formats_over_the_corpus_falco_trace_files")
    else {
        return;
    };
    let falco = corpus.join("falco-trace-files");
    let mut files: Vec<String> = std::fs::read_dir(&falco)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), 47);
    let mut args = vec!["formats", "-o", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = kaudit(&args);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = v.as_array().unwrap();
    let events: u64 = reports.iter().map(|r| r["events"].as_u64().unwrap()).sum();
    assert_eq!(events, 51);
    let bad: Vec<&serde_json::Value> = reports
        .iter()
        .filter(|r| r["malformed"].as_u64().unwrap() > 0)
        .collect();
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0]["name"]
            .as_str()
            .unwrap()
            .ends_with("fal_01_003.json")
    );
    assert_eq!(bad[0]["problems"][0]["line"], 1);
    assert_eq!(bad[0]["problems"][0]["column"], 10);
    // The text form says the same in words.
    let out = kaudit(&["formats", falco.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("fal_01_003.json: 0 events; 1 malformed"),
        "{stdout}"
    );
    assert!(stdout.contains("1:10: malformed: `kind` is a number, expected a string"));
    let audit2rbac = corpus.join("audit2rbac/demo.log");
    let out = kaudit(&["formats", audit2rbac.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("demo.log: 37 events (JSON lines 37)"));
}

#[test]
fn completions_are_printed() {
    let out = kaudit(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("kaudit"));
}

#[test]
fn follow_prints_lines_appended_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, format!("{EVENT}\n")).unwrap();
    let mut follow = Running::start(
        kaudit_command()
            .args(["events", path.to_str().unwrap(), "--follow", "-n", "3"])
            .args(["-o", "jsonl"]),
    );
    // The line already there is printed: the file is read to its end, and followed.
    assert_eq!(follow.line(), EVENT);
    // The writer appends in pieces, as a logger does; the reader must wait for whole lines.
    // Each half line is written only once the reader has read the file to its end, and the
    // rest once it has read the half: however slowly kaudit runs, it meets a line cut short.
    let (first, rest) = EVENT.split_at(100);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    for _ in 0..2 {
        file.write_all(first.as_bytes()).unwrap();
        file.flush().unwrap();
        follow.wait_until_read(&path, file.metadata().unwrap().len());
        file.write_all(format!("{rest}\n").as_bytes()).unwrap();
        file.flush().unwrap();
        assert_eq!(follow.line(), EVENT);
    }
    let (status, more, stderr) = follow.finish();
    assert!(status.success(), "{stderr}");
    assert!(more.is_empty(), "{more:?}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn query_prints_rows_in_every_form_and_statistics_on_stderr() {
    let input = format!("{EVENT}\n{EVENT}\n");
    let q = "stats count(*) as n by verb, responseStatus.code";
    let out = kaudit_stdin(&["query", "-", q, "-o", "jsonl"], input.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"verb\":\"get\",\"responseStatus.code\":403,\"n\":2}\n",
        "keys in column order, numbers as numbers"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("records scanned: 2, matched: 2"),
        "{stderr}"
    );
    let out = kaudit_stdin(&["query", "-", q, "-o", "csv"], input.as_bytes());
    assert_eq!(
        text(&out.stdout),
        "verb,responseStatus.code,n\r\nget,403,2\r\n"
    );
    let out = kaudit_stdin(&["query", "-", q, "-o", "json"], input.as_bytes());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["n"], 2);
    let out = kaudit_stdin(
        &["query", "-", "fields userAgent, objectRef.name"],
        input.as_bytes(),
    );
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("userAgent"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'),
        "{stdout:?}"
    );
}

#[test]
fn query_errors_exit_2_with_a_caret_and_io_errors_exit_1() {
    let out = kaudit(&["query", "--demo", "stats coutn(*) by verb"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 1, column 7: unknown function `coutn`"),
        "{stderr}"
    );
    assert!(stderr.contains("          ^~~~~"), "{stderr}");
    assert!(stderr.contains("did you mean `count`?"), "{stderr}");
    let out = kaudit(&["query", "/nonexistent/audit.log", "fields verb"]);
    assert_eq!(out.status.code(), Some(1));
    let out = kaudit(&["query", "--demo", "--canned", "no-such-query"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("aws-auth-changes"));
    // The query before the file: the file is taken for the query, and the error says so.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, "").unwrap();
    let file = file.to_str().unwrap();
    let out = kaudit(&["query", "stats count(*) by verb", file]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the query comes last, after the files: kaudit query {file}"
        )),
        "{stderr}"
    );
}

#[test]
fn query_runs_a_canned_query_and_a_query_file() {
    let out = kaudit(&[
        "query",
        "--demo",
        "--canned",
        "validating-webhook-changes",
        "-o",
        "jsonl",
    ]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert!(text(&out.stderr).is_empty() || !text(&out.stderr).contains("error"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.insights");
    std::fs::write(&file, "# who used exec\nfilter objectRef.subresource = \"exec\"\n| stats count(*) as n by user.username\n").unwrap();
    let out = kaudit(&[
        "query",
        "--demo",
        "--query-file",
        file.to_str().unwrap(),
        "-o",
        "csv",
    ]);
    assert_eq!(
        text(&out.stdout),
        "user.username,n\r\nsystem:serviceaccount:kube-system:node-health-agent,3\r\n",
        "the three exec events of the story's pod-exec step"
    );
}

#[test]
fn query_time_ranges_keep_only_events_inside() {
    let out = kaudit(&[
        "query",
        "--demo",
        "--start",
        "2026-11-02T07:00:00Z",
        "--end",
        "2026-11-02T07:00:10Z",
        "fields @timestamp | sort @timestamp asc",
        "-o",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.starts_with("2026-11-02 07:00:0")),
        "{stdout}"
    );
    // The same count as the events command over the same range.
    let events = kaudit(&[
        "events",
        "--demo",
        "--start",
        "2026-11-02T07:00:00Z",
        "--end",
        "2026-11-02T07:00:10Z",
        "-o",
        "jsonl",
    ]);
    assert_eq!(text(&events.stdout).lines().count(), rows.len());
    let stats = kaudit(&[
        "query",
        "--demo",
        "--start",
        "2026-11-02T07:00:00Z",
        "--end",
        "2026-11-02T07:00:10Z",
        "stats count(*) as n",
        "-o",
        "csv",
    ]);
    assert_eq!(text(&stats.stdout), format!("n\r\n{}\r\n", rows.len()));
}

/// The audit IDs cell of each detection row of `kaudit detect`'s table.
fn detect_id_cells(stdout: &str) -> Vec<(String, String)> {
    let header = stdout.lines().next().unwrap();
    let at = header.find("audit IDs").unwrap();
    stdout
        .lines()
        .skip(1)
        .map(|l| {
            let name = l.split_whitespace().nth(1).unwrap().to_string();
            (name, l.get(at..).unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn detect_shows_whole_audit_ids_and_how_many_more() {
    // Five anonymous requests: more than the table names.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anon.log");
    let ids: Vec<String> = (1..=5)
        .map(|i| format!("{i}{i}{i}{i}{i}{i}{i}{i}-2222-3333-4444-555555555555"))
        .collect();
    let lines: Vec<String> = ids
        .iter()
        .map(|id| {
            EVENT
                .replace("mallory", "system:anonymous")
                .replace("11111111-2222-3333-4444-555555555555", id)
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = kaudit(&["detect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    let uuid = regex::Regex::new(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$").unwrap();
    let more = regex::Regex::new(r"^\+\d+ more$").unwrap();
    let cells = detect_id_cells(&stdout);
    for (name, cell) in &cells {
        for item in cell.split(", ") {
            assert!(
                uuid.is_match(item) || item == "-" || more.is_match(item),
                "{name}: {item:?} in {cell:?}"
            );
        }
    }
    let (_, anon) = cells
        .iter()
        .find(|(n, _)| n == "anonymous-requests")
        .unwrap();
    // The first three (all at one time, so in input order), each whole, and the count left.
    assert_eq!(
        anon,
        &format!("{}, {}, {}, +2 more", ids[0], ids[1], ids[2])
    );
    // JSON has every one.
    let out = kaudit(&["detect", path.to_str().unwrap(), "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let anon = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "anonymous-requests")
        .unwrap();
    assert_eq!(anon["hits"], 5);
    assert_eq!(anon["auditIDs"].as_array().unwrap().len(), 5);
}

#[test]
fn a_detection_hit_without_an_audit_id_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anon.log");
    let with_id = EVENT.replace("mallory", "system:anonymous");
    let without_id = with_id.replace(r#""auditID":"11111111-2222-3333-4444-555555555555","#, "");
    std::fs::write(&path, format!("{EVENT}\n{without_id}\n{with_id}\n")).unwrap();
    let file = path.to_str().unwrap();
    let out = kaudit(&["detect", file]);
    let stdout = text(&out.stdout);
    let cells = detect_id_cells(&stdout);
    let (_, anon) = cells
        .iter()
        .find(|(n, _)| n == "anonymous-requests")
        .unwrap();
    assert_eq!(
        anon,
        &format!("{file}:2, 11111111-2222-3333-4444-555555555555"),
        "{stdout}"
    );
    let out = kaudit(&["detect", file, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let anon = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "anonymous-requests")
        .unwrap();
    assert_eq!(anon["hits"], 2);
    assert_eq!(
        anon["auditIDs"],
        serde_json::json!(["11111111-2222-3333-4444-555555555555"])
    );
    assert_eq!(
        anon["hitsWithoutAuditID"],
        serde_json::json!([format!("{file}:2")])
    );
}

#[test]
fn formats_lists_every_problem() {
    // 300 bad records among events: past the 20 a report keeps for other commands.
    let mut input = String::new();
    for i in 0..300 {
        input.push_str(EVENT);
        input.push('\n');
        input.push_str(if i % 2 == 0 {
            "{\"kind\": 0}\n"
        } else {
            "not json\n"
        });
    }
    let out = kaudit_stdin(&["formats", "-"], input.as_bytes());
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let listed: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(listed.len(), 300, "{stdout}");
    for (i, line) in listed.iter().enumerate() {
        let at = format!("  {}:", 2 * i + 2);
        assert!(line.starts_with(&at), "{line}");
        assert!(line.contains(": malformed: "), "{line}");
    }
    assert!(!stdout.contains("more"), "{stdout}");
    let out = kaudit_stdin(&["formats", "-", "-o", "json"], input.as_bytes());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v[0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 300);
    assert_eq!(v[0]["malformed"], 300);
    assert_eq!(problems[299]["line"], 600);
    assert_eq!(problems[0]["column"], 10);
    // Other commands still show the first few and point here.
    let out = kaudit_stdin(&["events", "-"], input.as_bytes());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`kaudit formats <stdin>` lists them"),
        "{stderr}"
    );
}

#[test]
fn bad_usage_exits_2_with_the_reason() {
    let cases: [(&[&str], &str); 11] = [
        (
            &["events", "--demo", "--start", "yesterday"],
            "\"yesterday\" is not a time",
        ),
        (
            &["query", "--demo", "--since", "soon", "fields verb"],
            "\"soon\" is not a duration",
        ),
        (
            &[
                "events",
                "--demo",
                "--start",
                "2026-11-02T08:00:00Z",
                "--end",
                "2026-11-02T08:00:00Z",
            ],
            "--end (2026-11-02T08:00:00Z) must be after --start (2026-11-02T08:00:00Z)",
        ),
        (
            &[
                "detect",
                "--demo",
                "--start",
                "2026-11-03",
                "--end",
                "2026-11-02",
            ],
            "must be after --start",
        ),
        (&["events", "--follow"], "--follow reads files"),
        (&["--follow"], "--follow reads files"),
        (
            &["query", "--demo", "--canned", "aws-auth-chnges"],
            "did you mean \"aws-auth-changes\"?",
        ),
        (
            &["--theme", "no-such-theme"],
            "no theme named \"no-such-theme\"; there are: ",
        ),
        (&["evnts"], "did you mean `kaudit events`?"),
        // Taken for a file, the misspelt command made the options after it a conflict.
        (
            &["qeury", "--demo", "stats count(*)"],
            "did you mean `kaudit query`?",
        ),
        (&["evnts", "--since", "2h"], "did you mean `kaudit events`?"),
    ];
    for (args, reason) in cases {
        let out = kaudit(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // An input that cannot be opened is not bad usage: exit 1, as before.
    let out = kaudit(&["no-such-file-at-all.log"]);
    assert_eq!(out.status.code(), Some(1));
    let out = kaudit(&["frobnicate"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "far from every command: a missing file"
    );
}

#[test]
fn a_file_named_like_a_command_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("evnts"), format!("{EVENT}\n")).unwrap();
    let out = child::output(kaudit_command().arg("evnts").current_dir(dir.path()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("mallory"));
}

#[test]
fn a_range_that_matches_nothing_names_the_span_of_the_input_in_every_command() {
    let spans = "the input spans 2026-11-02T06:";
    for args in [
        &["events", "--demo", "--since", "1h"][..],
        &[
            "query",
            "--demo",
            "--since",
            "1h",
            "fields @timestamp, verb",
        ],
        &[
            "query",
            "--demo",
            "--since",
            "1h",
            "filter verb = \"delete\"",
        ],
        &[
            "query",
            "--demo",
            "--end",
            "2026-11-01",
            "stats count(*) by verb",
        ],
    ] {
        let out = kaudit(args);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(spans), "{args:?}: {stderr}");
    }
    // Over standard input too, read once.
    let out = kaudit_stdin(
        &["query", "-", "--since", "1h", "fields verb"],
        format!("{EVENT}\n").as_bytes(),
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the input spans 2026-11-02T08:00:00.000Z to 2026-11-02T08:00:00.000Z"),
        "{stderr}"
    );
    // A range with events in it that the query does not match says nothing of the span.
    let out = kaudit(&[
        "query",
        "--demo",
        "--start",
        "2026-11-02T07:00:00Z",
        "--end",
        "2026-11-02T07:00:10Z",
        "filter verb = \"no-such-verb\"",
    ]);
    assert!(
        !text(&out.stderr).contains("spans"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn detect_over_a_range_that_matches_nothing_names_the_span() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.log");
    std::fs::write(&path, format!("{EVENT}\n")).unwrap();
    let out = kaudit(&["detect", path.to_str().unwrap(), "--since", "1h"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the input spans 2026-11-02T08:00:00.000Z to 2026-11-02T08:00:00.000Z"),
        "{stderr}"
    );
}
