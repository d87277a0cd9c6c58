use super::*;
use crate::case::{EventRef, Original};

fn marked_event(agent: &str, note: &str) -> Entry {
    let event = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","verb":"get","user":{{"username":"kubernetes-admin","extra":{{"arn":["arn:aws:iam::111122223333:role/dev-ci"]}}}},"sourceIPs":["203.0.113.7"],"userAgent":{},"objectRef":{{"resource":"secrets","namespace":"prod","name":"db"}},"responseStatus":{{"code":200}},"stageTimestamp":"2026-11-02T08:00:01.200000Z","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"admins\""}}}}"#,
        serde_json::to_string(agent).unwrap()
    );
    Entry {
        at: "2026-12-01T10:00:00.000Z".into(),
        user: "ana".into(),
        what: What::Marked {
            event: EventRef {
                audit_id: Some("a-1".into()),
                ptr: Some("s:0".into()),
                ..EventRef::default()
            },
            tag: "attacker".into(),
            note: Some(note.into()),
            original: Original::of(event.as_bytes()),
        },
    }
}

const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))\u{1b}]52;c;eA==\u{7}";

#[test]
fn the_story_tells_who_did_what_from_where_and_why_it_was_allowed() {
    let entries = [marked_event("kubectl/v1.30", "read the db secret")];
    let marks: Vec<&Entry> = entries.iter().collect();
    let story = Story::new("ir-7", &entries, &marks);
    assert_eq!(story.told.len(), 1);
    let t = &story.told[0];
    assert_eq!(t.time, "2026-11-02T08:00:01.200Z");
    assert_eq!(t.user, "kubernetes-admin");
    assert_eq!(t.principal, "arn:aws:iam::111122223333:role/dev-ci");
    assert_eq!(
        (t.verb.as_str(), t.object.as_str()),
        ("get", "secrets prod/db")
    );
    assert_eq!((t.code.as_str(), t.decision.as_str()), ("200", "allow"));
    assert!(t.reason.contains("ClusterRoleBinding \"admins\""));
    let md = markdown(&story);
    assert!(md.contains("arn:aws:iam::111122223333:role/dev-ci"), "{md}");
    assert_eq!(
        super::md("see https://x.example, www.x.example, a@x.example"),
        r"see https\://x.example, www\.x.example, a\@x.example"
    );
}

#[test]
fn log_text_stays_text_in_both_reports() {
    let entries = [marked_event(HOSTILE, HOSTILE)];
    let marks: Vec<&Entry> = entries.iter().collect();
    let story = Story::new("ir-7", &entries, &marks);
    let page = html(&story);
    for live in ["<script", "<img", "onerror=alert(2)>", "\u{1b}", "\u{7}"] {
        assert!(!page.contains(live), "{live:?} in {page}");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("script-src 'none'"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing to fetch"
    );
    let md = markdown(&story);
    assert!(!md.contains('\u{1b}') && !md.contains('\u{7}'));
    // Every mark that could open a tag, a link or an image is escaped: it reads as itself.
    let bytes = md.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if b"<>[]()!".contains(b) {
            assert_eq!(
                bytes[i - 1],
                b'\\',
                "unescaped {:?} at {i} in {md}",
                *b as char
            );
        }
    }
    assert!(md.contains(r"\<script\>alert\(1\)"), "{md}");
}
