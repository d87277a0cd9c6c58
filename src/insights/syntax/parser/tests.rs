use super::*;
use crate::insights::syntax::ast::{
    CommandKind, Expr, ExprKind, LikePattern, Literal, ParsePattern, Projection, UnaryOp,
};

fn query(text: &str) -> Query {
    match parse(text) {
        Ok(q) => q,
        Err(e) => panic!(
            "{text}: {}",
            crate::insights::syntax::diag::render_all(text, &e)
        ),
    }
}

fn kinds(text: &str) -> Vec<CommandKind> {
    query(text).commands.into_iter().map(|c| c.kind).collect()
}

fn only(text: &str) -> CommandKind {
    let mut k = kinds(text);
    assert_eq!(k.len(), 1, "{text}");
    k.remove(0)
}

/// An expression as a fully parenthesised string, to see how it grouped.
fn show(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Field(f) => f.path.clone(),
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Float(f)) => f.to_string(),
        ExprKind::Literal(Literal::Str(s)) => format!("{s:?}"),
        ExprKind::Literal(Literal::Duration { text, .. }) => text.clone(),
        ExprKind::Literal(Literal::Regex { source, .. }) => format!("/{source}/"),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Star => "*".into(),
        ExprKind::Unary { op, expr } => match op {
            UnaryOp::Not => format!("(not {})", show(expr)),
            UnaryOp::Neg => format!("(-{})", show(expr)),
        },
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", show(lhs), op.symbol(), show(rhs))
        }
        ExprKind::Like {
            expr,
            pattern,
            negated,
        } => {
            let p = match pattern {
                LikePattern::Substring(s) => format!("{s:?}"),
                LikePattern::Regex { source, .. } => format!("/{source}/"),
            };
            let not = if *negated { "not " } else { "" };
            format!("({} {not}like {p})", show(expr))
        }
        ExprKind::In {
            expr,
            list,
            negated,
        } => {
            let items: Vec<String> = list.iter().map(show).collect();
            let not = if *negated { "not " } else { "" };
            format!("({} {not}in [{}])", show(expr), items.join(", "))
        }
        ExprKind::Call { name, args } => {
            let args: Vec<String> = args.iter().map(show).collect();
            format!("{name}({})", args.join(", "))
        }
    }
}

fn filter(cond: &str) -> String {
    match only(&format!("filter {cond}")) {
        CommandKind::Filter(e) => show(&e),
        other => panic!("{other:?}"),
    }
}

fn errors(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(q) => panic!("{text} parsed: {q:?}"),
        Err(e) => e.into_iter().map(|d| d.message).collect(),
    }
}

fn names(list: &[Projection]) -> Vec<(&str, Option<&str>)> {
    list.iter()
        .map(|p| (p.name.as_str(), p.alias.as_deref()))
        .collect()
}

#[test]
fn precedence_follows_the_documented_order() {
    assert_eq!(
        filter("a = 1 or b = 2 and c = 3"),
        "((a = 1) or ((b = 2) and (c = 3)))"
    );
    assert_eq!(filter("not a = 1 and b"), "((not (a = 1)) and b)");
    assert_eq!(
        filter("a + b * c = d - e / f % g"),
        "((a + (b * c)) = (d - ((e / f) % g)))"
    );
    assert_eq!(filter("-a ^ 2 = 2 ^ 3 ^ 2"), "((-(a ^ 2)) = (2 ^ (3 ^ 2)))");
    assert_eq!(filter("(a or b) and c"), "((a or b) and c)");
    assert_eq!(filter("a - b - c = 0"), "(((a - b) - c) = 0)");
    assert_eq!(filter("not not a"), "(not (not a))");
    assert_eq!(filter("2 ^ -1 > 0"), "((2 ^ (-1)) > 0)");
}

#[test]
fn every_comparison_operator() {
    for op in ["=", "!=", "<", "<=", ">", ">=", "=~", "!=~"] {
        let rhs = if op.contains('~') { "/x/" } else { "1" };
        assert_eq!(filter(&format!("a {op} {rhs}")), format!("(a {op} {rhs})"));
    }
}

#[test]
fn like_in_and_their_negations() {
    assert_eq!(
        filter("@logStream like \"audit\""),
        "(@logStream like \"audit\")"
    );
    assert_eq!(
        filter("@message not like /(?i)secret/"),
        "(@message not like /(?i)secret/)"
    );
    assert_eq!(
        filter("verb in [\"get\", \"list\"] and code not in [401, 403]"),
        "((verb in [\"get\", \"list\"]) and (code not in [401, 403]))"
    );
    assert_eq!(filter("a in []"), "(a in [])");
    assert_eq!(
        filter("a IN [1] OR b NOT LIKE 'x'"),
        "((a in [1]) or (b not like \"x\"))"
    );
    match only("filter m like /(?i)Foo/") {
        CommandKind::Filter(Expr {
            kind: ExprKind::Like { pattern, .. },
            ..
        }) => assert_eq!(
            pattern,
            LikePattern::Regex {
                source: "(?i)Foo".into(),
                case_insensitive: true
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn literals_fields_and_calls() {
    assert_eq!(
        filter("x = true or y = FALSE"),
        "((x = true) or (y = false))"
    );
    assert_eq!(filter("x = 1.5"), "(x = 1.5)");
    assert_eq!(
        filter("`annotations.authorization.k8s.io/decision` = 'allow'"),
        "(annotations.authorization.k8s.io/decision = \"allow\")"
    );
    assert_eq!(
        filter("sourceIPs.0 = \"10.0.0.1\""),
        "(sourceIPs.0 = \"10.0.0.1\")"
    );
    assert_eq!(
        filter("isIpv4InSubnet(sourceIPs.0, \"10.0.0.0/8\")"),
        "isIpv4InSubnet(sourceIPs.0, \"10.0.0.0/8\")"
    );
    assert_eq!(
        filter("strlen(concat(a, \"-\", b)) > 3"),
        "(strlen(concat(a, \"-\", b)) > 3)"
    );
    assert_eq!(filter("ispresent(x)"), "ispresent(x)");
    assert_eq!(
        filter("datefloor(@timestamp, 1h) > 0"),
        "(datefloor(@timestamp, 1h) > 0)"
    );
}

#[test]
fn fields_and_display_with_aliases_and_names_as_written() {
    match only("fields @timestamp, x as y, concat(a, b) as c, `count(*)`, strlen( m )") {
        CommandKind::Fields(list) => assert_eq!(
            names(&list),
            vec![
                ("@timestamp", None),
                ("y", Some("y")),
                ("c", Some("c")),
                ("count(*)", None),
                ("strlen( m )", None),
            ]
        ),
        other => panic!("{other:?}"),
    }
    match only("display a, `b c`") {
        CommandKind::Display(list) => assert_eq!(names(&list), vec![("a", None), ("b c", None)]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stats_with_aggregates_groups_and_bins() {
    match only("stats count(*) as n, avg(x) by bin(5m), user.username") {
        CommandKind::Stats { aggregates, by } => {
            assert_eq!(names(&aggregates), vec![("n", Some("n")), ("avg(x)", None)]);
            assert_eq!(names(&by), vec![("bin(5m)", None), ("user.username", None)]);
            assert_eq!(show(&aggregates[0].expr), "count(*)");
        }
        other => panic!("{other:?}"),
    }
    match only("STATS count() BY bin(1m) as minute") {
        CommandKind::Stats { aggregates, by } => {
            assert_eq!(names(&aggregates), vec![("count()", None)]);
            assert_eq!(names(&by), vec![("minute", Some("minute"))]);
        }
        other => panic!("{other:?}"),
    }
    let k = kinds("stats count(*) as n by verb | stats avg(n)");
    assert_eq!(k.len(), 2);
}

#[test]
fn sort_limit_dedup() {
    match only("sort a desc, b asc, c") {
        CommandKind::Sort(keys) => {
            let d: Vec<(String, bool)> =
                keys.iter().map(|k| (show(&k.expr), k.descending)).collect();
            assert_eq!(
                d,
                vec![("a".into(), true), ("b".into(), false), ("c".into(), false)]
            );
            assert_eq!(keys[0].span, Span::new(5, 11));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(only("sort by x desc"), CommandKind::Sort(k) if k.len() == 1));
    assert_eq!(only("limit 25"), CommandKind::Limit(25));
    match only("dedup objectRef.name, `user.username`") {
        CommandKind::Dedup(f) => {
            let p: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(p, vec!["objectRef.name", "user.username"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fields_reach_into_structures_with_their_spans() {
    use crate::insights::syntax::ast::PathStep::{Index, Key};
    let key = |k: &str| Key(k.to_string());
    let text = "filter js.annotations.`authorization.k8s.io/decision` = js.users[1].`user.id`";
    let CommandKind::Filter(e) = only(text) else {
        panic!("{text}");
    };
    let ExprKind::Binary { lhs, rhs, .. } = e.kind else {
        panic!("{text}");
    };
    let (ExprKind::Field(l), ExprKind::Field(r)) = (lhs.kind, rhs.kind) else {
        panic!("{text}");
    };
    assert_eq!(l.path, "js.annotations.authorization.k8s.io/decision");
    assert_eq!(
        l.steps,
        [
            key("js"),
            key("annotations"),
            key("authorization.k8s.io/decision")
        ]
    );
    assert_eq!(
        l.span.slice(text),
        "js.annotations.`authorization.k8s.io/decision`"
    );
    assert_eq!(r.path, "js.users[1].user.id");
    assert_eq!(r.steps, [key("js"), key("users"), Index(1), key("user.id")]);
    assert_eq!(r.span.slice(text), "js.users[1].`user.id`");
    assert_eq!(lhs.span, l.span);
    // nested indexes, and `dedup` takes the same fields
    match only("dedup a.b[1][2].c, `x`") {
        CommandKind::Dedup(f) => {
            assert_eq!(f[0].path, "a.b[1][2].c");
            assert_eq!(
                f[0].steps,
                [key("a"), key("b"), Index(1), Index(2), key("c")]
            );
            assert_eq!(f[0].dotted_name(), "a.b.1.2.c");
            assert_eq!(f[1].steps, [key("x")]);
        }
        other => panic!("{other:?}"),
    }
    // a column named after a field with an index keeps the brackets
    match only("fields js.sourceIPs[0], js.sourceIPs[1] as second") {
        CommandKind::Fields(list) => assert_eq!(
            names(&list),
            [("js.sourceIPs[0]", None), ("second", Some("second"))]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        errors("display a[\"x\"] | display a[0 | display a[0].[1] | display a[1.5]"),
        [
            "expected a list index, a whole number from 0 as in `sourceIPs[0]`, found a string",
            "expected `]` after the list index, found `|`, the end of the command",
            "expected a member name after `.`, as in `users[1].action`, found `[`",
            "expected a list index, a whole number from 0 as in `sourceIPs[0]`, found a number",
        ]
    );
}

#[test]
fn parse_glob_and_regex() {
    match only("parse @message \"user=* ip=*\" as user, ip") {
        CommandKind::Parse { source, pattern } => {
            assert_eq!(show(&source), "@message");
            assert_eq!(
                pattern,
                ParsePattern::Glob {
                    pattern: "user=* ip=*".into(),
                    names: vec!["user".into(), "ip".into()]
                }
            );
        }
        other => panic!("{other:?}"),
    }
    match only(r"parse @message /(?i)user=(?<user>\S+) ip=(?<ip>[\d.]+)/") {
        CommandKind::Parse { pattern, .. } => assert_eq!(
            pattern,
            ParsePattern::Regex {
                regex: r"(?i)user=(?<user>\S+) ip=(?<ip>[\d.]+)".into(),
                names: vec!["user".into(), "ip".into()]
            }
        ),
        other => panic!("{other:?}"),
    }
    // without a field, `parse` reads @message
    match only("parse 'Init Duration: * ms' as d") {
        CommandKind::Parse { source, pattern } => {
            assert_eq!(show(&source), "@message");
            assert_eq!(pattern.names(), ["d".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unnest_and_aws_only_commands() {
    match only("unnest j.items into item") {
        CommandKind::Unnest { source, alias } => {
            assert_eq!(show(&source), "j.items");
            assert_eq!(alias, "item");
        }
        other => panic!("{other:?}"),
    }
    let k = kinds(
        "SOURCE logGroups(namePrefix: [\"eks\"]) | pattern @message | anomaly | diff | lookup t key | filterIndex x = 1",
    );
    let n: Vec<&str> = k.iter().map(|k| k.name()).collect();
    assert_eq!(
        n,
        vec![
            "SOURCE",
            "pattern",
            "anomaly",
            "diff",
            "lookup",
            "filterIndex"
        ]
    );
}

#[test]
fn commands_in_any_case_comments_and_spans() {
    let text = "# the guide's query\nFIELDS @timestamp # shown\n| Filter a = 1\n| limit 5\n";
    let q = query(text);
    assert_eq!(q.commands.len(), 3);
    let spans: Vec<&str> = q.commands.iter().map(|c| c.span.slice(text)).collect();
    assert_eq!(spans, vec!["FIELDS @timestamp", "Filter a = 1", "limit 5"]);
    match &q.commands[1].kind {
        CommandKind::Filter(e) => assert_eq!(e.span.slice(text), "a = 1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_canned_query_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // A query that reads a site's list is parsed as the catalog fills it in.
    let lists = root.join("tests/fixtures/lists");
    let catalog = crate::catalog::Catalog::load_with_lists(None, Some(&lists));
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("queries")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "insights") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            if text.contains("{{") {
                let name = path.file_stem().unwrap().to_str().unwrap();
                let filled = catalog.get(name).expect("filled in from the fixture lists");
                assert!(!filled.text.contains("{{"), "{name}");
                text = filled.text.clone();
            }
            query(&text);
            seen += 1;
        }
    }
    assert!(seen >= 8);
}

#[test]
fn syntax_errors_are_all_reported() {
    assert_eq!(
        errors("feilds a | stats | limit x"),
        vec![
            "unknown command `feilds`",
            "expected an aggregate after `stats`, such as `stats count(*) by verb`, found `|`, the end of the command",
            "expected a whole number of rows after `limit`, such as `limit 100`, found `x`",
        ]
    );
    assert_eq!(
        errors("filter a == 1"),
        vec!["`==` is not an operator: Logs Insights compares with a single `=`"]
    );
    assert_eq!(
        errors("filter a < b < c"),
        vec!["comparisons do not chain: join them with `and`, as in `a < b and b < c`"]
    );
    assert_eq!(
        errors("filter a || b"),
        vec!["`||` is not an operator: write `or`; a single `|` separates commands"]
    );
    assert_eq!(
        errors("filter a && b"),
        vec![
            "expected `|` or the end of the query after `filter`, found `&`: write `and` instead of `&&`"
        ]
    );
    assert_eq!(
        errors("fields a |"),
        vec!["expected a command after `|`, found the end of the query"]
    );
    assert_eq!(
        errors("  # only a comment"),
        vec!["empty query: write a command such as `fields @timestamp, @message`"]
    );
}

/// Every prefix of these queries, and each with one character dropped, parses or fails
/// cleanly, checks and renders without a panic.
#[test]
fn no_prefix_or_deletion_panics() {
    let queries = [
        "fields @timestamp, `a.b/c` as x | filter x like /(?i)fo\\/o/ and not y in [1, -2.5, 'z'] | stats count(*) as n, pct(b, 95) by bin(5m) | sort n desc | limit 10",
        "parse @message \"user=* ip=*\" as u, ip | unnest j.items into it | dedup u | limit 1 # é",
        "SOURCE logGroups(namePrefix: [\"x\"]) | pattern @message | filter a !=~ /b/ or c == 1 && d",
        "stats sum(x)/count(*) as m by verb | stats avg(m) | display `m` | sort m",
        "fields jsonParse(@message) as js | parse js.b[2] /(?<x>.)/ | filter js.users[1].`user.id` = \"1\" | dedup js.a[0].b",
    ];
    for q in queries {
        let cuts = q.char_indices().map(|(i, _)| i).chain([q.len()]);
        for end in cuts {
            let mut variants = vec![q[..end].to_string()];
            if let Some(c) = q[end..].chars().next() {
                variants.push(format!("{}{}", &q[..end], &q[end + c.len_utf8()..]));
            }
            for text in variants {
                let diagnostics = match parse(&text) {
                    Ok(query) => crate::insights::check::checker::check(&query),
                    Err(errors) => errors,
                };
                let _ = crate::insights::syntax::diag::render_all(&text, &diagnostics);
            }
        }
    }
}

#[test]
fn nesting_is_bounded_with_a_clear_error_not_a_stack_overflow() {
    let deep_message = |text: &str| match parse(text) {
        Ok(_) => None,
        Err(errors) => Some(errors[0].message.clone()),
    };
    let wrap = |open: &str, inner: &str, close: &str, n: usize| {
        format!("fields {}{inner}{}", open.repeat(n), close.repeat(n))
    };
    // What a person writes parses.
    assert_eq!(deep_message(&wrap("(", "1", ")", 50)), None);
    assert_eq!(deep_message(&wrap("abs(", "1", ")", 50)), None);
    let chain: Vec<String> = (0..150).map(|i| format!("verb = \"v{i}\"")).collect();
    assert_eq!(
        deep_message(&format!("filter {}", chain.join(" or "))),
        None
    );
    // Past the bound, every way of nesting says so, where it happens.
    let long: Vec<String> = (0..5_000).map(|i| format!("verb = \"v{i}\"")).collect();
    for text in [
        wrap("(", "1", ")", 100_000),
        wrap("abs(", "1", ")", 50_000),
        wrap("-", "1", "", 100_000),
        format!("filter {}verb = \"get\"", "not ".repeat(50_000)),
        format!("fields {}", vec!["2"; 50_000].join("^")),
        format!("filter {}", long.join(" or ")),
        format!("fields {}", vec!["1"; 50_000].join(" + ")),
        format!("filter verb in [{}]", wrap("(", "1", ")", 1_000)),
    ] {
        let message = deep_message(&text).expect("refused");
        assert!(
            message.contains("nests more than 200 deep") || message.contains("nest more than 64"),
            "{message}"
        );
    }
}
