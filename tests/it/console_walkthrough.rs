//! The demo incident walked through in the console as a responder walks it, from the first
//! screen to the evidence exported: who changed aws-auth, what else they did, which binding
//! allowed it. The names, pivots and counts asserted are the ones a responder reads off the
//! screen and relies on; the demo is deterministic, so they are exact.
//!
//! tmux is required where `KAUDIT_REQUIRE_TMUX` is set (CI sets it); elsewhere, without tmux,
//! these tests say plainly that they did not run.

use crate::support::pane::{Pane, tmux_available};

/// The intruder's service account, in full and as the console shortens it.
const ACTOR: &str = "system:serviceaccount:kube-system:node-health-agent";
const ACTOR_SHORT: &str = "sa:kube-system/node-health-agent";

/// The actor's eight requests, in time order (docs/demo-incident.md, steps 5 to 9).
const GET_AWS_AUTH: &str = "29a98592-7dfa-4e3b-af72-a11005e7a20d";
const PATCH_AWS_AUTH: &str = "59202faa-b71e-4813-ac4f-c66cf831bba5";
const EXEC_KUBECONFIG: &str = "165d7c65-67a3-472e-a322-06956f566566";
const EXEC_METADATA: &str = "e757bf59-6b3f-4720-b11f-43ca3ac5a352";
const EXEC_SHELL: &str = "44942386-00e8-477f-83d4-ccc545d493dd";
const WEBHOOK: &str = "4326b594-29bd-47fd-97ef-d3364cf7867b";
const DELETE_BINDING: &str = "c44daf96-25cf-4ac4-915a-a8c7b734aa7e";

/// How many of the table's rows are the actor's requests from the intruder's address.
fn actor_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.contains(&format!("{ACTOR_SHORT} 203.0.113.77")))
        .count()
}

/// The line of `screen` holding `text`, to assert what stands beside it.
fn line_with<'a>(screen: &'a str, text: &str) -> &'a str {
    // Not the timeline's title, which names the first and last event's times too.
    screen
        .lines()
        .find(|l| l.contains(text) && !l.starts_with('┌'))
        .unwrap_or_else(|| panic!("no line with {text:?} in:\n{screen}"))
}

/// The screen once it shows every one of `texts`: the console draws the chips at once and the
/// events, facets and timeline when the filter is done, so one text alone can be an old screen.
fn wait_all(pane: &Pane, texts: &[&str]) -> String {
    for text in texts {
        pane.wait_for(text);
    }
    let screen = pane.wait_for(texts[0]);
    for text in texts {
        assert!(screen.contains(text), "{text:?} went from:\n{screen}");
    }
    screen
}

#[test]
fn a_responder_walks_the_demo_incident_from_the_first_screen_to_exported_evidence() {
    if !tmux_available("the demo incident walked through") {
        return;
    }
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::start("walk", dir.path(), &[], 160, 45);

    // The first screen says where to start: the findings.
    let screen = pane.wait_for("events 20000 of 20000");
    assert!(
        screen.contains("Demo: 20000 events of an EKS cluster under attack"),
        "{screen}"
    );
    assert!(screen.contains("F: what the detections found"), "{screen}");
    pane.wait_for("findings: 2 critical 5 high 6 medium 3 low (F)");

    // F: the aws-auth change leads the list, one hit.
    pane.keys(&["F"]);
    let screen = pane.wait_for("16 of 39 fired");
    let first = screen
        .lines()
        .nth(2)
        .expect("the first finding under the list's title");
    assert!(
        first.contains("critical aws-auth-modified") && first.contains(" 1 "),
        "{screen}"
    );
    assert!(
        line_with(&screen, "cluster-admin-bound").contains(" 1 "),
        "{screen}"
    );

    // Enter: exactly that hit, its one user shortened in the facets.
    pane.keys(&["Enter"]);
    // The answer is said before the facets are counted again over its one event.
    let screen = wait_all(&pane, &["aws-auth-modified: 1 row", "◂ user (1) ▸"]);
    assert!(
        screen.contains("query: aws-auth-modified (1 event)"),
        "{screen}"
    );
    assert!(
        line_with(&screen, ACTOR_SHORT).contains(&format!("{ACTOR_SHORT}    1 ")),
        "{screen}"
    );
    assert!(screen.contains(&PATCH_AWS_AUTH[..32]), "{screen}");

    // Its detail: who, allowed by which binding, and the backdoor in aws-auth.
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("event · Enter/1-9 pivot");
    assert!(
        screen.contains(&format!("Enter: 1 all events by user {ACTOR}")),
        "{screen}"
    );
    assert!(
        screen.contains("binding       ClusterRoleBinding node-health-agent"),
        "{screen}"
    );
    assert!(
        screen.contains("role          ClusterRole cluster-admin"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("user          {ACTOR}")),
        "{screen}"
    );
    assert!(screen.contains("verb          patch"), "{screen}");
    assert!(screen.contains("name          aws-auth"), "{screen}");
    pane.keys(&["PageDown"]);
    let masters = "cluster admin arn:aws:iam::444455556666:role/ops-support as ops-support \
                   (group system:masters)";
    let screen = pane.wait_for(masters);
    // The injected mapping is said first, before the mapRoles it was slipped into.
    let said = screen.find(masters).unwrap();
    let nodes = screen
        .find("rolearn: arn:aws:iam::111122223333:role/atlas-prod-nodegroup-role")
        .expect("the node group's mapping under it");
    assert!(said < nodes, "{screen}");

    // Pivot 1: everything this identity did. The keys stay in the detail.
    pane.keys(&["1"]);
    let chip = format!(" 1 user: {ACTOR} ");
    let screen = wait_all(&pane, &["events 8 of 20000", "8 events, 0 denied", &chip]);
    assert!(!screen.contains("query: aws-auth-modified"), "{screen}");
    assert_eq!(actor_rows(&screen), 8, "{screen}");
    // What else they did: the privileged pod, three exec sessions, the webhook, the deleted
    // binding.
    assert_eq!(screen.matches(" get    pods/exec ").count(), 3, "{screen}");
    assert!(
        line_with(&screen, "07:47:26.208").contains(" create pods "),
        "{screen}"
    );
    assert!(
        line_with(&screen, "08:21:33.512").contains("create validatingwebhookc"),
        "{screen}"
    );
    assert!(
        line_with(&screen, "08:37:12.074").contains("delete rolebindings"),
        "{screen}"
    );
    assert!(screen.contains("ci/developers-edit"), "{screen}");
    // The full identity of the row under the cursor, on the table's border.
    assert!(screen.contains(&format!("└ user {ACTOR} ─")), "{screen}");
    assert!(screen.contains("event · Enter/1-9 pivot"), "{screen}");

    // Pivot 2 replaces it: everything from the intruder's address.
    pane.keys(&["2"]);
    let screen = wait_all(
        &pane,
        &[
            "events 34 of 20000",
            "· 34 events, ",
            " 1 source IP: 203.0.113.77 ",
        ],
    );
    assert!(!screen.contains(&format!("user: {ACTOR}")), "{screen}");
    // Backspace undoes it: the actor's eight again.
    pane.keys(&["BSpace"]);
    let screen = wait_all(&pane, &["events 8 of 20000", "8 events, 0 denied", &chip]);
    assert!(
        screen.contains("undid the pivot to all events from 203.0.113.77"),
        "{screen}"
    );

    // Choose the binding's pivot, named on the detail's foot, and take it: what the binding
    // allowed. Every request it allowed is this identity's.
    pane.wait_for(&format!("Enter: 1 all events by user {ACTOR}"));
    pane.keys(&["l", "l", "l", "l"]);
    pane.wait_for("Enter: 5 all events allowed by ClusterRoleBinding node-health-agent");
    pane.keys(&["Enter"]);
    // The facets are counted again once the events are filtered: wait for them, not the
    // count on the border, which is already 8 before.
    let screen = pane.wait_for(&format!("{ACTOR_SHORT}    8 "));
    assert!(screen.contains("◂ user (1) ▸"), "{screen}");
    assert!(screen.contains("events 8 of 20000"), "{screen}");
    assert!(
        screen.contains(r#" 1 text: by ClusterRoleBinding \"node-health-agent\" "#),
        "{screen}"
    );
    assert!(
        screen.contains("all events allowed by ClusterRoleBinding node-health-agent"),
        "{screen}"
    );
    assert!(!screen.contains(&format!("user: {ACTOR}")), "{screen}");
    assert_eq!(actor_rows(&screen), 8, "{screen}");

    // Backspace twice: back through the pivots to the finding's one event.
    pane.keys(&["BSpace"]);
    wait_all(&pane, &[&chip, "◂ user (49) ▸", "events 8 of 20000"]);
    pane.keys(&["BSpace"]);
    let screen = wait_all(
        &pane,
        &[
            "query: aws-auth-modified (1 event)",
            "· 1 event, 0 denied",
            "◂ user (1) ▸",
            "aws-auth-modified · 1 row",
        ],
    );
    assert!(!screen.contains(&chip), "{screen}");

    // Again to the actor's events; mark the evidence and export it.
    pane.keys(&["1"]);
    wait_all(&pane, &["events 8 of 20000", "8 events, 0 denied"]);
    pane.keys(&["Escape"]);
    pane.wait_for("b queries · ; editor");
    // The last exec, in detail: its command decoded, an interactive shell on the node.
    pane.keys(&["j", "j", "j", "j", "Enter"]);
    pane.wait_for("resource      pods/exec");
    pane.keys(&["PageDown"]);
    let screen = pane.wait_for("command       chroot /host bash");
    assert!(
        screen.contains("session       interactive terminal (stdin, stdout, tty)"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("audit ID      {EXEC_SHELL}")),
        "{screen}"
    );
    pane.keys(&["Escape"]);
    pane.wait_for("b queries · ; editor");
    // Rows: the aws-auth get and patch, the pod, three execs, the webhook, the delete.
    pane.keys(&[
        "g", "j", "Space", "j", "Space", "Space", "Space", "Space", "Space",
    ]);
    let screen = pane.wait_for("marked 6");
    assert_eq!(screen.matches('●').count(), 6, "{screen}");
    assert!(screen.contains("● 07:34:51.640"), "{screen}");
    assert!(
        !line_with(&screen, "07:33:09.117").contains('●'),
        "{screen}"
    );
    pane.keys(&[":"]);
    pane.literal("export evidence.json");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("exported 6 events");
    assert!(screen.contains("to evidence.json"), "{screen}");

    let text = std::fs::read_to_string(dir.path().join("evidence.json")).unwrap();
    let events: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["auditID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            PATCH_AWS_AUTH,
            EXEC_KUBECONFIG,
            EXEC_METADATA,
            EXEC_SHELL,
            WEBHOOK,
            DELETE_BINDING
        ]
    );
    assert!(!ids.contains(&GET_AWS_AUTH));
    assert!(events.iter().all(|e| e["user"]["username"] == ACTOR));
    assert!(
        events.iter().all(|e| e["sourceIPs"][0] == "203.0.113.77"),
        "{text}"
    );
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
    eprintln!("the walk-through took {:?}", started.elapsed());
}

#[test]
fn at_80_columns_the_finding_its_actor_and_a_pivot_read_whole() {
    if !tmux_available("the demo incident at 80 columns") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pane = Pane::start("walk80", dir.path(), &[], 80, 24);
    let screen = pane.wait_for("events 20000 of 20000");
    assert!(screen.contains("F: what the detections found"), "{screen}");
    pane.wait_for("findings: 2 crit 5 high 6 med 3 low (F)");
    pane.keys(&["F"]);
    let screen = pane.wait_for("critical aws-auth-modified");
    assert!(screen.contains("16 of 39 fired"), "{screen}");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("aws-auth-modified · 1 row");
    assert!(!screen.contains("1 events"), "{screen}");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("binding       ClusterRoleBinding node-health-agent");
    assert!(
        screen.contains("subject       ServiceAccount kube-system/node-health-agent"),
        "{screen}"
    );
    pane.keys(&["1"]);
    // At 80 columns the timeline's title gives the count up to the span and range; the table's
    // title keeps it.
    let screen = pane.wait_for("events 8 of 20000");
    // The identity, cut in the narrow rows, is written whole under the table.
    assert!(screen.contains(&format!("└ user {ACTOR} ─")), "{screen}");
    pane.keys(&["BSpace"]);
    let screen = pane.wait_for("query: aws-auth-modified (1 event)");
    assert!(screen.contains(&PATCH_AWS_AUTH[..8]), "{screen}");
    pane.keys(&["q"]);
    pane.wait_for("kaudit-exited-0");
}
