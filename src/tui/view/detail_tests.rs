//! The detail reads out what the event keeps encoded, as a responder must read it: an exec's
//! command, aws-auth's mappings, and every annotation's label apart from its value. Over the
//! demo incident and over hostile events.

use std::sync::Arc;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;

use super::tests::{console, demo_store, draw, press, styles, text};
use crate::catalog::themes::Role;
use crate::source::local::{LocalInput, path_origin};
use crate::store::EventStore;
use crate::tui::State;
use unicode_width::UnicodeWidthStr;

/// The detail of the event `audit_id` opened with the keys, on a screen tall enough to hold it.
fn opened(store: &EventStore, audit_id: &str) -> State {
    let mut state = console(store, 160, 110);
    let needle = format!("\"auditID\":\"{audit_id}\"");
    let at = state
        .table
        .rows
        .iter()
        .position(|&r| String::from_utf8_lossy(store.raw(r)).contains(needle.as_str()))
        .expect("the event among the rows");
    for _ in 0..at {
        press(&mut state, store, KeyCode::Down);
    }
    press(&mut state, store, KeyCode::Enter);
    assert!(state.detail.data.is_some());
    state
}

/// Scrolls the detail until `section` is its first line; the screen then.
fn scrolled_to(state: &mut State, store: &EventStore, section: &str) -> Buffer {
    let styles = styles();
    for _ in 0..60 {
        let screen = draw(state, store, &styles);
        if text(&screen).contains(&format!("││{section}")) {
            return screen;
        }
        press(state, store, KeyCode::Down);
    }
    panic!(
        "no section {section}:\n{}",
        text(&draw(state, store, &styles))
    );
}

fn store_of(lines: &[String]) -> EventStore {
    let data = lines.join("\n").into_bytes();
    let input = Arc::new(LocalInput::from_vec(path_origin("t.jsonl".as_ref()), data));
    let mut store = EventStore::default();
    store.load(input, 1, |_| {});
    assert_eq!(store.len(), lines.len());
    store
}

fn event(id: &str, uri: &str, object: &str, request: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"{id}","stage":"ResponseComplete","requestURI":"{uri}","verb":"create","user":{{"username":"mallory"}},"sourceIPs":["203.0.113.9"],"objectRef":{object},"responseStatus":{{"code":201}},"requestObject":{request},"requestReceivedTimestamp":"2026-11-02T07:00:00.000000Z","stageTimestamp":"2026-11-02T07:00:01.000000Z"}}"#
    )
}

/// The style of the first cell where `needle` is drawn.
fn style_at(buf: &Buffer, needle: &str) -> ratatui::style::Style {
    let screen = text(buf);
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not drawn:\n{screen}"));
    let x = line[..line.find(needle).unwrap_or(0)].chars().count();
    buf[(x as u16, y as u16)].style()
}

#[test]
fn an_exec_shows_its_command_container_and_session() {
    let store = demo_store();
    // The third exec: an interactive shell on the host.
    let mut state = opened(&store, "44942386-00e8-477f-83d4-ccc545d493dd");
    let screen = text(&scrolled_to(&mut state, &store, "Exec"));
    assert!(
        screen.contains("  command       chroot /host bash "),
        "{screen}"
    );
    assert!(screen.contains("  container     agent "), "{screen}");
    assert!(
        screen.contains("  session       interactive terminal (stdin, stdout, tty) "),
        "{screen}"
    );
    // The second: `+` is a space, as kubectl encodes it, and the shell's argument is quoted.
    let mut state = opened(&store, "e757bf59-6b3f-4720-b11f-43ca3ac5a352");
    let screen = text(&scrolled_to(&mut state, &store, "Exec"));
    // Too long for the pane beside a 160-column table: it goes on under itself.
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|l| l.contains("  command       sh -c 'curl -s "))
        .unwrap_or_else(|| panic!("{screen}"));
    let pane_start = rows[at].find("  command").unwrap_or(0);
    let next: String = rows[at + 1]
        .chars()
        .skip(rows[at][..pane_start].chars().count())
        .collect();
    assert!(
        next.starts_with(&format!(
            "{}http://169.254.169.254/latest/meta-data/iam/security-credentials/atlas-prod-nodegroup-role' ",
            " ".repeat(16)
        )),
        "{screen}"
    );
}

#[test]
fn a_long_value_goes_on_under_itself_broken_after_a_space() {
    use super::detail::hanging;
    assert_eq!(hanging("short", 40), ["short"]);
    assert_eq!(
        hanging(
            "sh -c 'curl -s http://169.254.169.254/latest/meta-data/iam'",
            30
        ),
        [
            "sh -c 'curl -s ",
            "http://169.254.169.254/latest/",
            "meta-data/iam'"
        ]
    );
    // No space to break at: the row is cut where it is full.
    assert_eq!(
        hanging(&"x".repeat(40), 16),
        ["x".repeat(16), "x".repeat(16), "x".repeat(8)]
    );
    // Wide characters count their columns.
    assert!(
        hanging(&"字".repeat(20), 16)
            .iter()
            .all(|r| r.width() <= 16)
    );
}

#[test]
fn a_hostile_exec_command_is_read_out_escaped() {
    let uri = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=%1B%5D0%3Bpwned%07echo+%1B%5B2J%E2%80%AEok%0Arm+-rf+%2F&container=%1B%5B31mweb&stdin=true&tty=true";
    let object = r#"{"resource":"pods","subresource":"exec","namespace":"default","name":"web"}"#;
    let store = store_of(&[event("hostile-exec", uri, object, "null")]);
    let mut state = opened(&store, "hostile-exec");
    let buf = scrolled_to(&mut state, &store, "Exec");
    let screen = text(&buf);
    assert!(
        screen
            .contains(r"  command       sh -c '\x1b]0;pwned\x07echo \x1b[2J\u{202e}ok\nrm -rf /' "),
        "{screen}"
    );
    assert!(screen.contains(r"  container     \x1b[31mweb "), "{screen}");
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let symbol = buf[(x, y)].symbol();
            assert!(
                !symbol
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{symbol:?} at {x},{y}"
            );
        }
    }
}

#[test]
fn the_aws_auth_backdoor_reads_as_yaml_with_the_masters_mapping_first() {
    let store = demo_store();
    let styles = styles();
    let mut state = opened(&store, "59202faa-b71e-4813-ac4f-c66cf831bba5");
    let buf = scrolled_to(
        &mut state,
        &store,
        "aws-auth mapRoles, as the request wrote it",
    );
    let screen = text(&buf);
    let expected = [
        "aws-auth mapRoles, as the request wrote it",
        "  cluster admin arn:aws:iam::444455556666:role/ops-support as ops-support (group system:masters)",
        "                - groups:",
        "                  - system:bootstrappers",
        "                  - system:nodes",
        "                  rolearn: arn:aws:iam::111122223333:role/atlas-prod-nodegroup-role",
        "                  username: system:node:{{EC2PrivateDNSName}}",
        "                - groups:",
        "                  - system:masters",
        "                  rolearn: arn:aws:iam::444455556666:role/ops-support",
        "                  username: ops-support",
    ];
    let drawn: Vec<String> = screen
        .lines()
        .filter_map(|l| l.split("││").nth(1))
        .map(|l| l.trim_end_matches('│').trim_end().to_string())
        .skip_while(|l| l != expected[0])
        .take(expected.len())
        .collect();
    assert_eq!(drawn, expected, "{screen}");
    assert_eq!(
        style_at(&buf, "arn:aws:iam::444455556666:role/ops-support as").fg,
        styles.get(Role::Deny).fg
    );
    let masters = style_at(&buf, "- system:masters");
    assert_eq!(masters.fg, styles.get(Role::Deny).fg);
}

#[test]
fn a_label_wider_than_its_column_never_runs_into_its_value() {
    let store = demo_store();
    let mut state = opened(&store, "59202faa-b71e-4813-ac4f-c66cf831bba5");
    let screen = text(&scrolled_to(&mut state, &store, "Annotations"));
    assert!(!screen.contains("usedsystem:"), "{screen}");
    assert!(
        screen.contains("  Legacy service-account token used ")
            && screen
                .contains("                system:serviceaccount:kube-system:node-health-agent"),
        "{screen}"
    );
}

#[test]
fn aws_auth_that_cannot_be_read_is_shown_as_written() {
    let object = r#"{"resource":"configmaps","namespace":"kube-system","name":"aws-auth"}"#;
    let request = r#"{"data":{"mapRoles":"- rolearn: &x arn:aws:iam::1:role/a\n  groups: [system:masters\n  username: \u001b]0;pwned\u0007\n"}}"#;
    let store = store_of(&[event(
        "odd-aws-auth",
        "/api/v1/namespaces/kube-system/configmaps/aws-auth",
        object,
        request,
    )]);
    let mut state = opened(&store, "odd-aws-auth");
    let screen = text(&scrolled_to(
        &mut state,
        &store,
        "aws-auth mapRoles, as the request wrote it",
    ));
    for line in [
        "  not read      not the YAML aws-auth takes (line 1: a YAML form aws-auth does not use): shown as written",
        "                - rolearn: &x arn:aws:iam::1:role/a",
        "                  groups: [system:masters",
        r"                  username: \x1b]0;pwned\x07",
    ] {
        assert!(screen.contains(line), "{line}\n{screen}");
    }
}

#[test]
fn a_huge_aws_auth_is_cut_and_says_so() {
    let object = r#"{"resource":"configmaps","namespace":"kube-system","name":"aws-auth"}"#;
    let roles: String = (0..3_000)
        .map(|i| format!("- rolearn: arn:aws:iam::1:role/r{i}\\n  username: u{i}\\n"))
        .collect();
    let request = format!(r#"{{"data":{{"mapRoles":"{roles}"}}}}"#);
    let store = store_of(&[event(
        "huge-aws-auth",
        "/api/v1/namespaces/kube-system/configmaps/aws-auth",
        object,
        &request,
    )]);
    let state = opened(&store, "huge-aws-auth");
    let data = state.detail.data.as_ref().unwrap();
    let section = data
        .sections
        .iter()
        .find(|s| s.title.starts_with("aws-auth mapRoles"))
        .unwrap();
    assert_eq!(section.lines.len(), 2_001);
    assert_eq!(
        section.lines[2_000].value,
        "… 4000 more lines: the request and response below hold them all"
    );
}

#[test]
fn a_wrapped_reason_goes_on_under_its_value_not_under_its_label() {
    let reason = "RBAC: allowed by ClusterRoleBinding \\\"developers-view\\\" of ClusterRole \\\"view\\\" to Group \\\"developers\\\" and then some more words to wrap";
    let line = event(
        "long-reason",
        "/api/v1/pods",
        r#"{"resource":"pods"}"#,
        "null",
    );
    let line = format!(
        "{},\"annotations\":{{\"authorization.k8s.io/decision\":\"allow\",\"authorization.k8s.io/reason\":\"{reason}\"}}}}",
        line.trim_end_matches('}')
    );
    let store = store_of(&[line]);
    let mut state = opened(&store, "long-reason");
    let screen = text(&scrolled_to(&mut state, &store, "Outcome"));
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|l| l.contains("  reason        RBAC: allowed by"))
        .unwrap_or_else(|| panic!("{screen}"));
    let chars = |l: &str| l.chars().collect::<Vec<char>>();
    let (first, next) = (chars(rows[at]), chars(rows[at + 1]));
    let label = first
        .windows(8)
        .position(|w| w.iter().collect::<String>() == "  reason")
        .unwrap_or(0);
    let value = first
        .windows(4)
        .position(|w| w.iter().collect::<String>() == "RBAC")
        .unwrap_or(0);
    let under_label: String = next[label..value].iter().collect();
    let rest: String = next[value..].iter().collect();
    assert!(
        under_label.trim().is_empty()
            && rest.starts_with(|c: char| c != ' ')
            && reason.contains(
                rest.split("  ")
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('│')
                    .trim()
            ),
        "the reason's second line does not start under its value:\n{}\n{}",
        rows[at],
        rows[at + 1]
    );
}

/// Over several inputs (the streams of a cluster's folder, two clusters' exports) the detail
/// says where an event was written: its cluster, from the log group, and the input it was read
/// from. Over one input, only what the event itself says.
#[test]
fn the_detail_says_the_cluster_and_the_input_an_event_came_from() {
    use crate::audit::formats::Origin;
    use crate::tui::detail::DetailData;
    let line = |id: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"get","user":{{"username":"u"}},"stageTimestamp":"2026-11-02T08:00:00.123456Z"}}"#
        ) + "\n"
    };
    let input = |name: &str, group: &str, id: &str| {
        let mut origin = Origin::new(name, name);
        origin.log_group = group.to_string();
        Arc::new(LocalInput::from_vec(origin, line(id).into_bytes()))
    };
    let mut store = EventStore::default();
    store.load(
        input("prod/a.log", "/aws/eks/prod/cluster", "a-1"),
        1,
        |_| {},
    );
    let alone = DetailData::of_held(&store, 0);
    let said = |data: &DetailData| -> Vec<(String, String)> {
        data.sections
            .iter()
            .flat_map(|s| &s.lines)
            .map(|l| (l.label.clone(), l.value.clone()))
            .collect()
    };
    assert!(
        said(&alone).contains(&("cluster".into(), "prod".into())),
        "{:?}",
        said(&alone)
    );
    assert!(!said(&alone).iter().any(|(l, _)| l == "read from"));
    store.load(
        input("staging/b.log", "/aws/eks/staging/cluster", "b-1"),
        1,
        |_| {},
    );
    let row = (0..2u32)
        .find(|&r| String::from_utf8_lossy(store.raw(r)).contains("b-1"))
        .unwrap();
    let both = said(&DetailData::of_held(&store, row));
    assert!(
        both.contains(&("cluster".into(), "staging".into())),
        "{both:?}"
    );
    assert!(
        both.contains(&("read from".into(), "staging/b.log".into())),
        "{both:?}"
    );
}
