//! The catalog with the site's lists: which queries wait for them, and how they are filled in.

use std::fs;
use std::path::Path;

use super::*;
use crate::insights::check::checker::{self, CheckOptions, FieldCheck, check_with};
use crate::insights::parser::parse;

const READ_LISTS: [&str; 4] = [
    "disallowed-user",
    "disallowed-image-pod-created",
    "disallowed-namespace-created",
    "admin-user-activity",
];

fn lists_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn waiting_names(catalog: &Catalog) -> Vec<&str> {
    catalog
        .waiting()
        .iter()
        .map(|w| w.query.name.as_str())
        .collect()
}

/// Parses and checks as the engine will, locally and for CloudWatch: no error.
fn runs_both_ways(q: &CannedQuery) {
    let query = parse(&q.text).unwrap_or_else(|e| panic!("{}: {e:?}\n{}", q.name, q.text));
    for target in [checker::Target::Local, checker::Target::CloudWatch] {
        let diagnostics = check_with(
            &query,
            &CheckOptions {
                target,
                fields: FieldCheck::Off,
            },
        );
        assert!(
            diagnostics.iter().all(|d| !d.is_error()),
            "{}: {diagnostics:?}",
            q.name
        );
    }
}

#[test]
fn without_lists_the_queries_that_read_them_wait_and_say_for_which_file() {
    let catalog = Catalog::load(None);
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert_eq!(waiting_names(&catalog), READ_LISTS);
    for name in READ_LISTS {
        assert!(catalog.get(name).is_none(), "{name} cannot run");
    }
    let w = &catalog.waiting()[0];
    assert_eq!(
        w.why,
        WaitingFor::Lists(vec![PathBuf::from("lists/allowed-users.txt")])
    );
    assert_eq!(
        w.to_string(),
        "disallowed-user is off until its list is written: lists/allowed-users.txt (one entry a line)"
    );
    assert!(w.query.severity.is_some());
}

#[test]
fn an_empty_list_keeps_its_queries_waiting_and_a_listed_one_fills_them() {
    let dir = lists_dir(&[
        ("allowed-users.txt", "# nobody yet\n\n"),
        ("allowed-namespaces.txt", "default\nteam-*\n"),
        ("allowed-images.txt", "ghcr.io/acme/\nnginx\n"),
        ("admin-users.txt", "kubernetes-admin\n"),
    ]);
    let catalog = Catalog::load_with_lists(None, Some(dir.path()));
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert_eq!(waiting_names(&catalog), ["disallowed-user"]);
    assert_eq!(
        catalog.waiting()[0].why,
        WaitingFor::Lists(vec![dir.path().join("allowed-users.txt")])
    );
    let ns = catalog.get("disallowed-namespace-created").unwrap();
    assert!(
        ns.body
            .contains(r#"not (objectRef.name in ["default"] or objectRef.name like /^team-/)"#),
        "{}",
        ns.body
    );
    let images = catalog.get("disallowed-image-pod-created").unwrap();
    assert!(
        images
            .body
            .contains(r#"not (not (@message like /"image":\s*"("#),
        "{}",
        images.body
    );
    for name in &READ_LISTS[1..] {
        let q = catalog.get(name).unwrap();
        assert!(!q.text.contains("{{") && !q.body.contains("{{"), "{name}");
        // The header is kept as written, so errors still point at the file's lines.
        assert!(q.text.starts_with(&format!("# name: {name}\n")));
        assert!(q.text.ends_with(&format!("{}\n", q.body)));
        runs_both_ways(q);
    }
    // Every other query is there, unchanged.
    assert_eq!(
        catalog.queries().len() + catalog.waiting().len(),
        EMBEDDED.len()
    );
}

#[test]
fn a_bad_line_is_reported_and_the_list_still_used() {
    let dir = lists_dir(&[("allowed-users.txt", "alice\nbob carol\n")]);
    let catalog = Catalog::load_with_lists(None, Some(dir.path()));
    let problems: Vec<String> = catalog.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        problems,
        [format!(
            "{}:2: `bob carol` holds a space: write one entry a line (a comment starts with ` #`) (skipped)",
            dir.path().join("allowed-users.txt").display()
        )]
    );
    let q = catalog.get("disallowed-user").unwrap();
    assert!(
        q.body.contains(r#"user.username in ["alice"]"#),
        "{}",
        q.body
    );
    runs_both_ways(q);
}

#[test]
fn a_list_too_long_for_cloudwatch_turns_its_query_off_and_no_other() {
    // 400 names of 26 characters: past 10,000 once filled in.
    let users: String = (0..400)
        .map(|i| format!("user-{i:04}@corp.example.com\n"))
        .collect();
    let dir = lists_dir(&[
        ("allowed-users.txt", &users),
        ("admin-users.txt", "kubernetes-admin\n"),
    ]);
    let catalog = Catalog::load_with_lists(None, Some(dir.path()));
    let path = dir.path().join("allowed-users.txt");
    let w = catalog
        .waiting()
        .iter()
        .find(|w| w.query.name == "disallowed-user")
        .unwrap();
    let WaitingFor::TooLong { chars, lists } = &w.why else {
        panic!("{:?}", w.why)
    };
    assert!(*chars > MAX_QUERY_CHARS, "{chars}");
    assert_eq!(lists, std::slice::from_ref(&path));
    assert_eq!(catalog.problems.len(), 1);
    assert_eq!(catalog.problems[0].path, path);
    assert!(
        catalog.problems[0].message.contains(&format!(
            "makes disallowed-user {chars} characters, past the 10000"
        )),
        "{}",
        catalog.problems[0].message
    );
    assert!(catalog.get("admin-user-activity").is_some());
    // At the limit it still runs; one name more and it is off. Each name takes its 26
    // characters, two quotes and a separating `, `.
    let users: Vec<String> = users.lines().map(str::to_owned).collect();
    let catalog_of = |n: usize| {
        let dir = lists_dir(&[("allowed-users.txt", &users[..n].join("\n"))]);
        Catalog::load_with_lists(None, Some(dir.path()))
    };
    let one = catalog_of(1)
        .get("disallowed-user")
        .unwrap()
        .text
        .chars()
        .count();
    let fits = 1 + (MAX_QUERY_CHARS - one) / 30;
    let at_most = catalog_of(fits);
    let q = at_most.get("disallowed-user").unwrap();
    assert!(q.text.chars().count() > MAX_QUERY_CHARS - 30);
    assert!(catalog_of(fits + 1).get("disallowed-user").is_none());
}

#[test]
fn a_user_query_may_read_a_list_and_a_malformed_place_is_pointed_at() {
    let queries = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        fs::write(
            queries.path().join(format!("{name}.insights")),
            format!("# name: {name}\n# severity: low\n{body}\n"),
        )
        .unwrap();
    };
    write(
        "prod-writes",
        "fields auditID\n| filter {{objectRef.namespace in prod-namespaces}}",
    );
    write("broken", "fields auditID\n| filter {{objectRef.namespace}}");
    let lists = lists_dir(&[("prod-namespaces.txt", "payments\n")]);
    let catalog = Catalog::load_with_lists(Some(queries.path()), Some(lists.path()));
    let q = catalog.get("prod-writes").unwrap();
    assert_eq!(q.lists, ["prod-namespaces"]);
    assert!(
        q.body
            .ends_with(r#"filter (objectRef.namespace in ["payments"])"#)
    );
    assert_eq!(catalog.problems.len(), 1, "{:?}", catalog.problems);
    let p = &catalog.problems[0];
    assert_eq!(
        (p.path.file_name().unwrap(), p.line),
        ("broken.insights".as_ref(), Some(4))
    );
    assert!(p.message.contains("{{FIELD in LIST}}"), "{}", p.message);
    assert!(Path::new(&p.path).exists());
}

/// The diagnostics kaudit would show for `text` where it runs the query itself and in
/// CloudWatch.
fn warnings_of(text: &str) -> Vec<String> {
    use crate::engine::{Target, compile};
    let mut out = Vec::new();
    for target in [Target::Local, Target::CloudWatch] {
        match compile(text, target) {
            Ok(compiled) => out.extend(compiled.warnings().iter().map(|d| d.message.clone())),
            Err(diagnostics) => out.extend(diagnostics.into_iter().map(|d| d.message)),
        }
    }
    out
}

#[test]
fn no_built_in_query_draws_a_warning_alone_or_narrowed_to_an_object() {
    let dir = lists_dir(&[
        ("allowed-users.txt", "alice\n"),
        ("allowed-namespaces.txt", "default\n"),
        ("allowed-images.txt", "nginx\n"),
        ("admin-users.txt", "kubernetes-admin\n"),
    ]);
    let catalog = Catalog::load_with_lists(None, Some(dir.path()));
    assert!(catalog.waiting().is_empty());
    assert_eq!(catalog.queries().len(), EMBEDDED.len());
    let mut found = Vec::new();
    for q in catalog.queries() {
        let values: Vec<(String, String)> = q
            .params
            .iter()
            .map(|p| (p.clone(), "x".to_string()))
            .collect();
        for text in [q.text.clone(), q.narrowed_to_object("node-health-agent")] {
            let text = params::fill(&text, &values).unwrap();
            for w in warnings_of(&text) {
                found.push(format!("{}: {w}\n{text}", q.name));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n\n"));
}

#[test]
fn an_object_filter_goes_before_the_first_sort_limit_or_stats() {
    let catalog = Catalog::load(None);
    let q = catalog.get("clusterrolebinding-changes").unwrap();
    let text = q.narrowed_to_object("evil\"binding");
    let filter = r#"| filter objectRef.name = "evil\"binding""#;
    let at = text.find(filter).expect(&text);
    assert!(at < text.find("| sort").unwrap(), "{text}");
    assert!(at < text.find("| limit").unwrap(), "{text}");
    let q = catalog.get("denied-per-user-per-minute").unwrap();
    let text = q.narrowed_to_object("x");
    assert!(
        text.find("objectRef.name").unwrap() < text.find("stats").unwrap(),
        "{text}"
    );
}
