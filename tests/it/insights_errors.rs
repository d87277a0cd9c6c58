//! Golden error cases of the Logs Insights front end: one TOML file per case in
//! `tests/golden/errors/`, with the `query` and the exact diagnostics it must produce (`error`),
//! caret lines included, so that the wording is tested too.
//!
//! Optional keys: `fields`, the field names the loaded events have (field names are then checked
//! against the audit event's and these); `schema = true`, to check them against the audit
//! event's alone, as the editor does before the events' names are gathered (without either,
//! field names are not checked); and `target`, `"local"` (the default) or `"cloudwatch"`.
//!
//! Every mismatch is reported at once. `KAUDIT_BLESS=1 cargo test --test it insights_errors`
//! rewrites each file's `error` with what kaudit says now, for review with `git diff`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use kaudit::insights::checker::{self, CheckOptions, FieldCheck, Target};
use kaudit::insights::diag::{Diagnostic, render_all};
use kaudit::insights::known::{FieldTree, Found, SeenFields};
use kaudit::insights::parser;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    query: String,
    error: String,
    #[serde(default)]
    fields: Option<Vec<String>>,
    #[serde(default)]
    schema: bool,
    #[serde(default)]
    target: Option<String>,
}

/// The loaded events' names, as the console gathers them.
fn seen(names: &[String]) -> SeenFields {
    SeenFields::new(FieldTree::from_names(names), 1)
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/errors")
}

fn cases() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Parse errors, or else everything the checker says.
fn diagnostics(case: &Case) -> Vec<Diagnostic> {
    match parser::parse(&case.query) {
        Err(errors) => errors,
        Ok(query) => {
            let seen = case.fields.as_deref().map(seen);
            let fields = match (&seen, case.schema) {
                (Some(_), true) => panic!("`fields` and `schema` both given"),
                (Some(seen), false) => FieldCheck::Events(seen),
                (None, true) => FieldCheck::Schema,
                (None, false) => FieldCheck::Off,
            };
            let target = match case.target.as_deref() {
                None | Some("local") => Target::Local,
                Some("cloudwatch") => Target::CloudWatch,
                Some(other) => panic!("unknown target {other:?}"),
            };
            let options = CheckOptions { target, fields };
            checker::check_with(&query, &options)
        }
    }
}

/// A TOML multi-line literal string: no escapes, and the newline after the opening quotes is
/// dropped by TOML itself.
fn literal(s: &str) -> String {
    assert!(!s.contains("'''"), "cannot bless text containing '''");
    format!("'''\n{s}'''")
}

fn bless(path: &Path, case: &Case, actual: &str) {
    let mut out = format!(
        "query = {}\n",
        literal(&format!("{}\n", case.query.trim_end()))
    );
    if let Some(fields) = &case.fields {
        let list: Vec<String> = fields.iter().map(|f| format!("{f:?}")).collect();
        writeln!(out, "fields = [{}]", list.join(", ")).unwrap();
    }
    if case.schema {
        writeln!(out, "schema = true").unwrap();
    }
    if let Some(t) = &case.target {
        writeln!(out, "target = {t:?}").unwrap();
    }
    writeln!(out, "error = {}", literal(actual)).unwrap();
    fs::write(path, out).unwrap();
}

#[test]
fn golden_error_cases() {
    let files = cases();
    assert!(files.len() >= 40, "only {} golden error cases", files.len());
    let blessing = std::env::var_os("KAUDIT_BLESS").is_some();
    let mut mismatches = String::new();
    let mut failed = 0;
    for path in &files {
        let case: Case = toml::from_str(&fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let actual = render_all(&case.query, &diagnostics(&case));
        if actual == case.error {
            continue;
        }
        if blessing {
            bless(path, &case, &actual);
            continue;
        }
        failed += 1;
        let name = path.file_name().unwrap().to_string_lossy();
        write!(
            mismatches,
            "\n=== {name}\n--- expected\n{}--- actual\n{}",
            case.error, actual
        )
        .unwrap();
    }
    assert!(
        mismatches.is_empty(),
        "{failed} of {} golden error cases differ:{mismatches}",
        files.len()
    );
}

#[test]
fn every_golden_case_says_something() {
    for path in cases() {
        let case: Case = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            !diagnostics(&case).is_empty(),
            "{}: the query has nothing to report",
            path.display()
        );
    }
}

/// The EKS guide's queries parse; those that put `limit` before `filter` are told what kaudit
/// does with it, and nothing else is said about any of them.
#[test]
fn canned_queries_parse_with_only_the_documented_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A query that reads a site's list is checked as the catalog fills it in.
    let lists = root.join("tests/fixtures/lists");
    let catalog = kaudit::catalog::Catalog::load_with_lists(None, Some(&lists));
    let mut seen = 0;
    for entry in fs::read_dir(root.join("queries")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "insights") {
            continue;
        }
        seen += 1;
        let mut text = fs::read_to_string(&path).unwrap();
        if text.contains("{{") {
            let name = path.file_stem().unwrap().to_str().unwrap();
            text = catalog
                .get(name)
                .expect("filled from the fixture lists")
                .text
                .clone();
        }
        let query = parser::parse(&text).unwrap_or_else(|e| {
            panic!("{}:\n{}", path.display(), render_all(&text, &e));
        });
        let diagnostics = checker::check(&query);
        let limit_before_filter = text
            .find("| limit")
            .is_some_and(|l| text[l..].contains("| filter"));
        for d in &diagnostics {
            assert!(!d.is_error(), "{}: {}", path.display(), d.render(&text));
            assert!(
                d.message.starts_with("this `filter` comes after `limit`"),
                "{}: {}",
                path.display(),
                d.render(&text)
            );
        }
        assert_eq!(
            !diagnostics.is_empty(),
            limit_before_filter,
            "{}",
            path.display()
        );
        let cloudwatch = CheckOptions {
            target: Target::CloudWatch,
            fields: FieldCheck::Off,
        };
        assert!(checker::check_with(&query, &cloudwatch).is_empty());
        // Every field they read is the audit event's; the run settles only those below its
        // maps (`requestObject.…`), which only the events can tell.
        let (_, unsure) = checker::check_deferred(&query, Target::Local);
        for u in unsure {
            let found = kaudit::insights::known::schema().find(&u.path);
            assert_eq!(found, Found::Below, "{}: {}", path.display(), u.path);
        }
    }
    assert!(seen >= 8, "only {seen} canned queries");
}

fn messages(q: &str, known: &[&str]) -> Vec<String> {
    let query = parser::parse(q).unwrap();
    let seen = SeenFields::new(FieldTree::from_names(known), 1);
    let options = CheckOptions {
        target: Target::Local,
        fields: if known.is_empty() {
            FieldCheck::Off
        } else {
            FieldCheck::Events(&seen)
        },
    };
    checker::check_with(&query, &options)
        .into_iter()
        .map(|d| d.message)
        .collect()
}

#[test]
fn clean_queries_have_nothing_to_say() {
    for q in [
        "fields @timestamp, verb | filter verb = \"get\" | sort @timestamp desc | limit 10",
        "stats count(*) as n by verb | sort n desc | limit 5",
        "stats count(*) by verb | sort `count(*)` desc | limit 5",
        "stats count(*) by bin(5m), user.username | limit 5",
        "stats sum(x) / count(*) as mean by verb | limit 1",
        "stats max(a) as hi, min(a) as lo, hi - lo as spread | limit 1",
        "stats count(*) as n by verb | stats avg(n) as mean | limit 1",
        "fields strlen(@message) as len | stats sum(len)/1024 as kb by bin(5m) | stats max(kb) | limit 1",
        "fields jsonParse(@message) as j | unnest j.items into item | display item | limit 3",
        "parse @message \"user=*\" as u | filter u like \"x\" | stats count(*) by u | limit 2",
        "sort @timestamp desc | dedup verb | limit 3",
        "filter datefloor(@timestamp, 1h) > 0 and isIpv4InSubnet(sourceIPs.0, \"10.0.0.0/8\") | limit 1",
        "stats pct(latency, 99.9), count_distinct(user.username), earliest(@timestamp) | limit 1",
        "filter @message =~ \"secret\" or @message like /(?i)token/ | limit 1",
        "limit 5 | stats count(*) by verb | filter verb = \"get\" | sort verb asc",
    ] {
        assert_eq!(messages(q, &[]), Vec::<String>::new(), "{q}");
    }
}

#[test]
fn cloudwatch_target_leaves_aws_commands_and_kaudit_choices_alone() {
    let query =
        parser::parse("fields a | limit 5 | filter a = 1 | sort a | pattern @message").unwrap();
    let options = CheckOptions {
        target: Target::CloudWatch,
        fields: FieldCheck::Off,
    };
    assert!(checker::check_with(&query, &options).is_empty());
    assert_eq!(checker::check(&query).len(), 3);
}

#[test]
fn known_fields_warn_with_the_nearest_name() {
    let known = ["objectRef.resource", "verb", "sourceIPs.0"];
    let query =
        parser::parse("filter objectRef.resorce = \"x\" and sourceIPs = 1 | limit 1").unwrap();
    let seen = SeenFields::new(FieldTree::from_names(known), 1);
    let options = CheckOptions {
        target: Target::Local,
        fields: FieldCheck::Events(&seen),
    };
    let d = checker::check_with(&query, &options);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].suggestion.as_deref(), Some("objectRef.resource"));
    // names the query made, system fields and fields under a known object are all known
    let said = messages(
        "fields x as y | filter y = 1 and @message like \"a\" and @logStream like \"b\" | limit 1",
        &known,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("`x`"));
}

#[test]
fn row_cap_warning_only_without_limit() {
    assert!(checker::row_cap_warning(&parser::parse("fields a | limit 3").unwrap()).is_none());
    let text = "fields a\n| sort a desc";
    let d = checker::row_cap_warning(&parser::parse(text).unwrap()).unwrap();
    assert!(!d.is_error());
    assert_eq!(
        d.render(text),
        "warning: line 2, column 14: no `limit`: only the first 10,000 rows are shown, as CloudWatch Logs would; add `| limit N` to choose\n    | sort a desc\n                 ^\n"
    );
}

/// A field inside a structure the query made is known through its base, whether reached with
/// dots, backticks or brackets; brackets on an event field are an error locally only.
#[test]
fn structure_fields_are_known_and_brackets_on_events_are_local_errors() {
    let known = ["sourceIPs.0", "verb"];
    let said = messages(
        "fields jsonParse(@message) as js | display js[0], js.sourceIPs[1], js.users[0].`user.id` | limit 1",
        &known,
    );
    assert_eq!(said, Vec::<String>::new());
    let query = parser::parse("filter sourceIPs[0] = \"10.0.0.1\" | limit 1").unwrap();
    let local = checker::check(&query);
    assert_eq!(local.len(), 1, "{local:?}");
    assert!(local[0].is_error());
    assert_eq!(local[0].suggestion.as_deref(), Some("sourceIPs.0"));
    let cloudwatch = CheckOptions {
        target: Target::CloudWatch,
        fields: FieldCheck::Off,
    };
    assert!(checker::check_with(&query, &cloudwatch).is_empty());
    // after `stats`, a column named with brackets is read back like any other
    assert_eq!(
        messages(
            "fields jsonParse(@message) as js | stats count(*) as n by js.sourceIPs[0] | sort js.sourceIPs[0] asc | limit 3",
            &[],
        ),
        Vec::<String>::new()
    );
}

#[test]
fn fields_are_checked_against_the_schema_the_events_or_the_run() {
    let text = "fields x as y | filter objectRef.resorce = \"a\" and protoPayload.methodName = \"b\" and y = 1 and annotations.`example.com/team` = \"c\" and verb = \"get\" | limit 1";
    let query = parser::parse(text).unwrap();
    let with = |fields| {
        let options = CheckOptions {
            target: Target::Local,
            fields,
        };
        checker::check_with(&query, &options)
            .into_iter()
            .map(|d| d.one_line())
            .collect::<Vec<_>>()
    };
    // The audit event alone: names it has no place for (a map's keys are its own business).
    assert_eq!(
        with(FieldCheck::Schema),
        [
            "`x` is not a field of Kubernetes audit events",
            "`objectRef.resorce` is not a field of Kubernetes audit events; did you mean `objectRef.resource`?",
            "`protoPayload.methodName` is not a field of Kubernetes audit events",
        ]
    );
    // With the loaded events' names: what some event has is known, below a map too.
    let seen = SeenFields::new(
        FieldTree::from_names([
            "x",
            "protoPayload.methodName",
            "annotations.`example.com/tea`",
        ]),
        3,
    );
    assert_eq!(
        with(FieldCheck::Events(&seen)),
        [
            "no event has `objectRef.resorce`; did you mean `objectRef.resource`?",
            "no event has `annotations.example.com/team`; did you mean `` annotations.`example.com/tea` ``?",
        ]
    );
    // Before a run: nothing is said yet; what the audit event does not fix is left to it.
    let (said, unsure) = checker::check_deferred(&query, Target::Local);
    assert!(said.is_empty(), "{said:?}");
    let paths: Vec<&str> = unsure.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "x",
            "objectRef.resorce",
            "protoPayload.methodName",
            "annotations.example.com/team"
        ]
    );
    // After it: only what no event had, worded for how far it read.
    let unseen = ["objectRef.resorce"];
    let after = |read, stopped| {
        checker::unseen_field_warnings(&unsure, &unseen, read, stopped)
            .iter()
            .map(|d| d.render(text))
            .collect::<String>()
    };
    assert!(
        after(12, false)
            .starts_with("warning: line 1, column 24: no event has `objectRef.resorce`\n"),
        "{}",
        after(12, false)
    );
    assert!(after(1, true).contains("none of the 1 event read has `objectRef.resorce`"));
    assert!(after(2500, true).contains("none of the 2,500 events read has"));
    assert_eq!(after(0, false), "", "no event read: nothing to tell");
}
