use super::*;
use crate::catalog::Catalog;
use crate::engine::compile::{Target, compile};
use crate::engine::finding::Detection;

fn way(text: &str) -> Way {
    way_of(&compile(text, Target::CloudWatch).expect("compiles for CloudWatch"))
}

fn disjunct(text: &str) -> String {
    match way(text) {
        Way::Together { disjunct } => disjunct,
        Way::Alone { why } => panic!("{text} runs alone: {why}"),
    }
}

fn why_alone(text: &str) -> String {
    match way(text) {
        Way::Alone { why } => why,
        Way::Together { disjunct } => panic!("{text} shares a query as {disjunct}"),
    }
}

#[test]
fn a_threshold_detection_that_counts_runs_alone() {
    let why = why_alone(
        "filter responseStatus.code in [401, 403]\n| stats count(*) as denied by user.username, bin(1m)\n| filter denied > 20",
    );
    assert!(why.contains("stats"), "{why}");
}

#[test]
fn what_keeps_one_event_of_several_or_orders_them_otherwise_runs_alone() {
    for (text, words) in [
        ("filter verb = 'get' | dedup user.username", "dedup"),
        ("filter verb = 'get' | limit 5", "limit"),
        ("filter verb = 'get' | sort @timestamp asc", "newest first"),
        (
            "filter verb = 'get' | sort user.username desc",
            "newest first",
        ),
        ("filter verb = 'get' | unnest sourceIPs into ip", "unnest"),
        ("filter verb = 'get' | pattern @message", "pattern"),
        ("filter @ingestionTime > 0", "@ingestionTime"),
        (
            "fields @ingestionTime - 5 as late | filter verb = 'get'",
            "@ingestionTime",
        ),
        ("fields verb | sort @timestamp desc", "no filter"),
        // Its only filter tests what `parse` made: a shared query would return every event.
        (
            "parse @message /\"verb\":\"(?<v>[a-z]+)\"/ | filter v = 'get'",
            "no filter",
        ),
    ] {
        let why = why_alone(text);
        assert!(why.contains(words), "{text}: {why}");
    }
}

#[test]
fn each_filter_is_one_parenthesised_term_of_one_disjunct() {
    assert_eq!(
        disjunct(
            "fields @timestamp, auditID\n| filter objectRef.resource = \"pods\" and verb = \"create\"\n| filter not (user.username like /^eks:/)\n| sort @timestamp desc"
        ),
        "((objectRef.resource = \"pods\" and verb = \"create\") and (not (user.username like /^eks:/)))"
    );
    // One filter: one pair of parentheses; no sort is CloudWatch's newest first.
    assert_eq!(disjunct("filter verb = 'get'"), "(verb = 'get')");
    // Written over lines, with a regex holding `|`, a comment inside: kept as written.
    assert_eq!(
        disjunct(
            "# name: x\nfilter verb = 'get' # reads\n  or @message like /a|b/\n| fields auditID"
        ),
        "(verb = 'get' # reads\n  or @message like /a|b/)"
    );
}

#[test]
fn a_filter_of_a_value_the_query_made_is_left_to_its_plan() {
    // `v` is made by `parse`, `who` by an alias: CloudWatch cannot test them in a shared
    // query, and kaudit's plan of the detection tests them on the event.
    assert_eq!(
        disjunct(
            "parse @message /\"verb\":\"(?<v>[a-z]+)\"/ | filter objectRef.resource = 'pods' | filter v = 'get'"
        ),
        "(objectRef.resource = 'pods')"
    );
    assert_eq!(
        disjunct(
            "fields tolower(user.username) as who | filter who like /admin/ and verb = 'get' | filter verb != 'list'"
        ),
        "(verb != 'list')"
    );
    // A bare field kept under its own name makes nothing.
    assert_eq!(
        disjunct("fields verb, @logStream | filter verb = 'get' and @logStream like /audit/"),
        "(verb = 'get' and @logStream like /audit/)"
    );
}

#[test]
fn every_detection_of_the_library_shares_a_query() {
    let detections = Detection::all_of(&Catalog::load(None));
    let alone: Vec<String> = detections
        .iter()
        .filter_map(|d| match way(&d.text) {
            Way::Alone { why } => Some(format!("{}: {why}", d.name)),
            Way::Together { .. } => None,
        })
        .collect();
    assert!(alone.is_empty(), "{alone:#?}");
}

fn together(disjuncts: &[&str]) -> Vec<(usize, String)> {
    disjuncts
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.to_string()))
        .collect()
}

#[test]
fn detections_are_batched_in_order_under_the_limit() {
    let all = together(&["(a = 1)", "(b = 2)", "(c = 3)", "(d = 4)"]);
    // Room for everything: one query, which is the OR of them.
    let (one, too_long) = batches(&all, MAX_QUERY_LEN);
    assert!(too_long.is_empty());
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].members, [0, 1, 2, 3]);
    assert_eq!(
        one[0].text,
        "filter (a = 1)\n  or (b = 2)\n  or (c = 3)\n  or (d = 4)\n| fields @timestamp, @message, @logStream, @log, @ptr\n| sort @timestamp desc"
    );
    // Room for two at a time.
    let limit = batch_text(["(a = 1)", "(b = 2)"]).len();
    let (two, too_long) = batches(&all, limit);
    assert!(too_long.is_empty());
    let members: Vec<&[usize]> = two.iter().map(|b| &b.members[..]).collect();
    assert_eq!(members, [&[0, 1][..], &[2, 3]]);
    assert!(two.iter().all(|b| b.text.len() <= limit));
    // A tiny limit: one at a time; a disjunct too long even alone is sent back to run alone.
    let all = together(&["(a = 1)", "(verb = 'a long one')", "(b = 2)"]);
    let limit = batch_text(["(a = 1)"]).len();
    let (each, too_long) = batches(&all, limit);
    let members: Vec<&[usize]> = each.iter().map(|b| &b.members[..]).collect();
    assert_eq!(members, [&[0][..], &[2]]);
    assert_eq!(too_long, [1]);
}

#[test]
fn the_library_fits_in_a_few_queries_each_within_aws_limit() {
    let detections = Detection::all_of(&Catalog::load(None));
    let all: Vec<(usize, String)> = detections
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match way(&d.text) {
            Way::Together { disjunct } => Some((i, disjunct)),
            Way::Alone { .. } => None,
        })
        .collect();
    let (made, too_long) = batches(&all, MAX_QUERY_LEN);
    assert!(too_long.is_empty());
    let members: usize = made.iter().map(|b| b.members.len()).sum();
    assert_eq!(members, all.len());
    for b in &made {
        assert!(b.text.len() <= MAX_QUERY_LEN, "{}", b.text.len());
        compile(&b.text, Target::CloudWatch).expect("a shared query compiles");
    }
    // Well under one query per detection; fuller batches first.
    assert!(made.len() * 8 <= detections.len(), "{} queries", made.len());
}
