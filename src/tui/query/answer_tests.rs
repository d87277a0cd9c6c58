use crossterm::event::KeyCode;

use super::*;
use crate::catalog::themes::Role;
use crate::insights::exec::Statistics;
use crate::tui::query::test_support::{draw, find, key, styles, text};

const T0: i64 = 1_793_606_400_000; // 2026-11-02T08:00:00Z

fn result(columns: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        statistics: Statistics {
            records_scanned: 3_000,
            bytes_scanned: 1_250_000,
            records_matched: 245,
        },
        capped: false,
    }
}

fn view(query: &str, r: QueryResult) -> AnswerView {
    let mut v = AnswerView::new("test", query);
    v.set_result(r, 312);
    v
}

fn press(v: &mut AnswerView, c: char) -> AnswerAction {
    v.handle_key(key(KeyCode::Char(c)))
}

fn column(v: &AnswerView, c: usize) -> Vec<String> {
    v.ordered().map(|r| r[c].display()).collect()
}

fn counts() -> AnswerView {
    let rows = [
        ("bob", Value::Int(9)),
        ("alice", Value::Int(10)),
        ("ip-10", Value::Int(100)),
        ("ip-9", Value::Missing),
        ("Carol", Value::Float(9.5)),
    ];
    let rows = rows
        .into_iter()
        .map(|(u, n)| vec![Value::str(u), n])
        .collect();
    view("stats count(*) as n by user", result(&["user", "n"], rows))
}

#[test]
fn s_sorts_numbers_as_numbers_and_text_naturally_and_s_again_moves_on() {
    let mut v = counts();
    assert_eq!(column(&v, 0), ["bob", "alice", "ip-10", "ip-9", "Carol"]);
    press(&mut v, 's');
    assert_eq!(
        v.sort(),
        Some(Sort {
            column: 0,
            descending: false
        })
    );
    // Natural order: ip-9 before ip-10.
    assert_eq!(column(&v, 0), ["Carol", "alice", "bob", "ip-9", "ip-10"]);
    press(&mut v, 's');
    // 9 < 9.5 < 10 < 100 as numbers (as text, "100" would come before "9"); missing last.
    assert_eq!(column(&v, 1), ["9", "9.5", "10", "100", ""]);
    press(&mut v, 'S');
    assert_eq!(column(&v, 1), ["100", "10", "9.5", "9", ""]);
    press(&mut v, 's');
    assert_eq!(v.sort(), None);
    assert_eq!(column(&v, 0), ["bob", "alice", "ip-10", "ip-9", "Carol"]);
}

#[test]
fn a_new_answer_to_the_same_query_keeps_the_sort_and_the_hidden_columns() {
    let mut v = counts();
    press(&mut v, 's');
    press(&mut v, 'S');
    press(&mut v, 'c');
    press(&mut v, ' ');
    v.handle_key(key(KeyCode::Esc));
    press(&mut v, 'G');
    let rows = vec![
        vec![Value::str("zed"), Value::Int(1)],
        vec![Value::str("amy"), Value::Int(2)],
    ];
    v.set_result(result(&["user", "n"], rows), 5);
    assert_eq!(
        v.sort(),
        Some(Sort {
            column: 0,
            descending: true
        })
    );
    assert_eq!(v.shown_columns(), [1]);
    assert_eq!(column(&v, 0), ["zed", "amy"]);
    assert_eq!(v.selected_row().map(|r| r[0].display()), Some("zed".into()));
    // Other columns: a fresh start.
    v.set_result(result(&["verb"], vec![vec![Value::str("get")]]), 5);
    assert_eq!((v.sort(), v.shown_columns()), (None, vec![0]));
}

#[test]
fn the_row_under_the_cursor_stays_under_it_when_sorted() {
    let mut v = counts();
    v.handle_key(key(KeyCode::Down));
    v.handle_key(key(KeyCode::Down));
    assert_eq!(
        v.selected_row().map(|r| r[0].display()),
        Some("ip-10".into())
    );
    press(&mut v, 'S');
    assert_eq!(
        v.selected_row().map(|r| r[0].display()),
        Some("ip-10".into())
    );
    press(&mut v, 'G');
    assert_eq!(
        v.selected_row().map(|r| r[0].display()),
        Some("Carol".into())
    );
    press(&mut v, 'g');
    assert_eq!(
        v.selected_row().map(|r| r[0].display()),
        Some("ip-10".into())
    );
}

#[test]
fn the_column_picker_hides_columns_but_not_the_last_one() {
    let mut v = counts();
    press(&mut v, 'c');
    assert_eq!(press(&mut v, ' '), AnswerAction::None);
    assert_eq!(v.shown_columns(), [1]);
    press(&mut v, 'j');
    press(&mut v, ' ');
    assert_eq!(v.shown_columns(), [1], "the last column shown stays");
    assert!(v.note.as_deref().is_some_and(|n| n.contains("last column")));
    // Sorting skips hidden columns.
    v.handle_key(key(KeyCode::Esc));
    press(&mut v, 's');
    assert_eq!(v.sort().map(|s| s.column), Some(1));
    let styles = styles();
    let (buf, _) = draw(60, 10, |a, b| v.render(a, b, &styles, true), |_| None);
    let screen = text(&buf);
    assert!(screen.contains("n ▲"), "{screen}");
    assert!(!screen.contains("user"), "{screen}");
    press(&mut v, 'c');
    press(&mut v, ' ');
    assert_eq!(v.shown_columns(), [0, 1]);
}

#[test]
fn keys_of_the_console_pass_through() {
    let mut v = counts();
    for code in [
        KeyCode::Char('q'),
        KeyCode::Char('?'),
        KeyCode::Tab,
        KeyCode::Esc,
    ] {
        assert_eq!(v.handle_key(key(code)), AnswerAction::Ignored);
    }
    // With the picker open, every key is the picker's.
    press(&mut v, 'c');
    assert_eq!(press(&mut v, 'q'), AnswerAction::None);
    assert_eq!(v.picker, None);
}

#[test]
fn charts_are_offered_for_stats_answers_only() {
    let bins = result(
        &["bin(1m)", "count(*)"],
        vec![
            vec![Value::Time(T0), Value::Int(2)],
            vec![Value::Time(T0 + 60_000), Value::Int(1)],
        ],
    );
    let by_user = result(
        &["user.username", "n"],
        vec![vec![Value::str("alice"), Value::Int(2)]],
    );
    let two = || by_user.clone();
    let shape = Shape::of;
    assert_eq!(
        detect_chart(
            &bins.columns,
            &bins.rows,
            &shape("stats count(*) by bin(1m)")
        ),
        Some(ChartKind::Series { time: 0, value: 1 })
    );
    assert_eq!(
        detect_chart(
            &two().columns,
            &two().rows,
            &shape("stats count(*) as n by user.username")
        ),
        Some(ChartKind::Bars {
            labels: vec![0],
            value: 1
        })
    );
    // The same columns from a query without `stats`: a table, not a chart.
    assert_eq!(
        detect_chart(
            &two().columns,
            &two().rows,
            &shape("fields user.username, n")
        ),
        None
    );
    // No group to plot against.
    let total = result(&["count(*)"], vec![vec![Value::Int(7)]]);
    assert_eq!(
        detect_chart(&total.columns, &total.rows, &shape("stats count(*)")),
        None
    );
    // A query that did not parse here: judged from the values, at most three columns.
    assert_eq!(
        detect_chart(&two().columns, &two().rows, &Shape::Unknown),
        Some(ChartKind::Bars {
            labels: vec![0],
            value: 1
        })
    );
    let wide = result(
        &["a", "b", "c", "n"],
        vec![vec![
            Value::str("x"),
            Value::str("y"),
            Value::str("z"),
            Value::Int(1),
        ]],
    );
    assert_eq!(
        detect_chart(&wide.columns, &wide.rows, &Shape::Unknown),
        None
    );
    assert_eq!(shape("fields @message | pattern @message"), Shape::Unknown);
    assert_eq!(shape("stats count(*) by"), Shape::Unknown);
    assert_eq!(
        shape("stats count(*) by verb | sort verb"),
        Shape::Stats {
            by: vec!["verb".into()],
            aggregates: vec!["count(*)".into()]
        }
    );

    let mut table_only = view("fields user.username, n", two());
    press(&mut table_only, 'v');
    assert_eq!(table_only.mode(), Mode::Table);
    assert!(
        table_only
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("no chart"))
    );
    let mut chart = view("stats count(*) as n by user.username", two());
    press(&mut chart, 'v');
    assert_eq!(chart.mode(), Mode::Chart);
    press(&mut chart, 'v');
    assert_eq!(chart.mode(), Mode::Table);
}

fn events(n: usize) -> QueryResult {
    let users = [
        "priya.sharma",
        "system:serviceaccount:kube-system:aws-node",
        "alice",
        "eks:node-manager",
    ];
    let verbs = ["get", "list", "update", "patch", "delete"];
    let rows = (0..n)
        .map(|i| {
            vec![
                Value::Time(T0 + i as i64 * 1_000),
                Value::str(users[i % users.len()]),
                Value::str(verbs[i % verbs.len()]),
                Value::str(if i % 3 == 0 { "secrets" } else { "configmaps" }),
                Value::Int(if i % 7 == 0 { 403 } else { 200 }),
            ]
        })
        .collect();
    result(
        &[
            "@timestamp",
            "user.username",
            "verb",
            "objectRef.resource",
            "responseStatus.code",
        ],
        rows,
    )
}

#[test]
fn ten_thousand_rows_scroll_to_the_last() {
    let mut v = view("fields @timestamp, user.username", events(10_000));
    v.set_page(20);
    press(&mut v, 'G');
    let styles = styles();
    let (buf, _) = draw(100, 24, |a, b| v.render(a, b, &styles, true), |_| None);
    let screen = text(&buf);
    assert!(screen.contains("2026-11-02 10:46:39.000"), "{screen}");
    assert!(screen.contains("· 10,000 rows"), "{screen}");
    // The cursor row is the last row on screen, and drawn selected.
    let (_, y) = find(&buf, "2026-11-02 10:46:39.000").expect("the last row");
    assert_eq!(y, 21);
    assert_eq!(
        buf[(1, y)].bg,
        styles.get(Role::Selected).bg.expect("a background")
    );
}

#[test]
fn the_table_at_two_sizes() {
    let mut v = view("fields @timestamp, user.username, verb", events(40));
    press(&mut v, 's');
    press(&mut v, 'S');
    v.handle_key(key(KeyCode::Down));
    let styles = styles();
    for (w, h) in [(80, 24), (140, 40)] {
        let (buf, _) = draw(w, h, |a, b| v.render(a, b, &styles, true), |_| None);
        insta::assert_snapshot!(format!("results_table_{w}x{h}"), text(&buf));
    }
}

#[test]
fn bars_and_series_at_two_sizes() {
    let users = [
        "priya.sharma",
        "alice",
        "system:serviceaccount:kube-system:aws-node",
        "bob",
    ];
    let rows = users
        .iter()
        .zip([412, 37, 1_204, 3])
        .map(|(u, n)| vec![Value::str(u), Value::Int(n)])
        .collect();
    let mut bars = view(
        "stats count(*) as n by user.username",
        result(&["user.username", "n"], rows),
    );
    press(&mut bars, 'v');
    press(&mut bars, 'S');
    let counts = [5, 9, 0, 14, 30, 22, 3];
    let rows = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| vec![Value::Time(T0 + i as i64 * 60_000), Value::Int(*n)])
        .collect();
    let mut series = view(
        "stats count(*) by bin(1m)",
        result(&["bin(1m)", "count(*)"], rows),
    );
    press(&mut series, 'v');
    let styles = styles();
    for (w, h) in [(80, 24), (140, 40)] {
        let (buf, _) = draw(w, h, |a, b| bars.render(a, b, &styles, true), |_| None);
        insta::assert_snapshot!(format!("results_bars_{w}x{h}"), text(&buf));
        if w == 80 {
            // The longest bar, in the bar colour.
            let (x, y) = find(&buf, "███").expect("a bar");
            assert_eq!(
                buf[(x, y)].fg,
                styles.get(Role::Bar).fg.expect("bar colour")
            );
        }
        let (buf, _) = draw(w, h, |a, b| series.render(a, b, &styles, true), |_| None);
        insta::assert_snapshot!(format!("results_series_{w}x{h}"), text(&buf));
    }
}

#[test]
fn hostile_values_and_column_names_reach_the_screen_escaped() {
    let evil = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    let rows = vec![vec![Value::str(evil), Value::Int(3)]];
    // A text that does not parse here: the chart is judged from the values.
    let mut v = view("stats count(*) by", result(&[evil, "n"], rows));
    assert!(v.chart().is_some());
    let styles = styles();
    // The table, the chart, then the column picker over it.
    for (mode, picker, next) in [
        (Mode::Table, None, 'v'),
        (Mode::Chart, None, 'c'),
        (Mode::Chart, Some(0), 'c'),
    ] {
        assert_eq!((v.mode(), v.picker), (mode, picker));
        let (buf, _) = draw(90, 12, |a, b| v.render(a, b, &styles, true), |_| None);
        let screen = text(&buf);
        assert!(
            !screen.chars().any(|c| c.is_control() && c != '\n'),
            "{screen:?}"
        );
        assert!(!screen.contains('\u{202e}'), "{screen:?}");
        assert!(screen.contains("evil\\x1b]0;pwned\\x07"), "{screen}");
        press(&mut v, next);
    }
}
