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

fn opened(at: &str, detection: &str, severity: &str, hits: u64, range: &str) -> Entry {
    Entry {
        at: at.into(),
        user: "ana".into(),
        what: What::FindingOpened(crate::case::FindingOpened {
            detection: detection.into(),
            severity: severity.into(),
            hits,
            range: range.into(),
        }),
    }
}

/// The lines of the Markdown section headed `heading`, up to the next heading.
fn section<'a>(md: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = md.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "no {heading:?} in {md}");
    lines
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| !l.is_empty())
        .collect()
}

const FINDINGS: &str = "## The findings reviewed";

#[test]
fn the_findings_reviewed_are_listed_each_time_with_severity_hits_and_range() {
    let entries = [
        Entry {
            at: "2026-12-01T10:00:00.000Z".into(),
            user: "ana".into(),
            what: What::Query(crate::case::QueryRun {
                text: "filter verb = \"get\"".into(),
                rows: 2,
                ..Default::default()
            }),
        },
        opened(
            "2026-12-01T10:05:00.000Z",
            "Secrets read by a new identity",
            "high",
            3,
            "",
        ),
        opened(
            "2026-12-01T10:09:00.000Z",
            "Secrets read by a new identity",
            "high",
            4,
            "2026-11-02T06:00:00.000Z..",
        ),
        Entry {
            at: "2026-12-01T10:10:00.000Z".into(),
            user: "bo".into(),
            what: What::Note {
                text: "contained".into(),
            },
        },
    ];
    let story = Story::new("ir-7", &entries, &[]);
    let md = markdown(&story);
    let queries = md.find("## The queries").unwrap();
    let findings = md.find(FINDINGS).expect(&md);
    let notes = md.find("## Notes").unwrap();
    assert!(queries < findings && findings < notes, "{md}");
    let rows = section(&md, FINDINGS);
    assert_eq!(
        rows,
        [
            "| when | who | detection | severity | hits | range |",
            "|---|---|---|---|---|---|",
            "| 2026-12-01T10:05:00.000Z | ana | Secrets read by a new identity | high | 3 | all time |",
            "| 2026-12-01T10:09:00.000Z | ana | Secrets read by a new identity | high | 4 | 2026-11-02T06:00:00.000Z.. |",
        ],
        "{md}"
    );
    let page = html(&story);
    let h2 = page.find("<h2>The findings reviewed</h2>").expect(&page);
    assert!(page.find("<h2>The queries").unwrap() < h2, "{page}");
    assert!(h2 < page.find("<h2>Notes").unwrap(), "{page}");
    for row in [
        "<tr><td>2026-12-01T10:05:00.000Z</td><td>ana</td><td>Secrets read by a new identity</td><td>high</td><td>3</td><td>all time</td></tr>",
        "<tr><td>2026-12-01T10:09:00.000Z</td><td>ana</td><td>Secrets read by a new identity</td><td>high</td><td>4</td><td>2026-11-02T06:00:00.000Z..</td></tr>",
    ] {
        assert!(page.contains(row), "{row} in {page}");
    }
}

#[test]
fn a_hostile_detection_name_stays_text_in_both_reports() {
    let name = format!("<script>alert(1)</script> a|b *bold* [x](javascript:alert(3)) {HOSTILE}");
    let entries = [opened("2026-12-01T10:05:00.000Z", &name, "high|<b>", 1, "")];
    let story = Story::new("ir-7", &entries, &[]);
    let page = html(&story);
    for live in ["<script", "<img", "<b>", "\u{1b}", "\u{7}"] {
        assert!(!page.contains(live), "{live:?} in {page}");
    }
    assert!(
        page.contains(
            "<td>&lt;script&gt;alert(1)&lt;/script&gt; a|b *bold* [x](javascript:alert(3))"
        ),
        "{page}"
    );
    assert!(page.contains("<td>high|&lt;b&gt;</td>"), "{page}");
    let md = markdown(&story);
    let rows = section(&md, FINDINGS);
    assert_eq!(rows.len(), 3, "{md}");
    let row = rows[2];
    assert!(!row.contains('\u{1b}') && !row.contains('\u{7}'), "{row}");
    // Six cells: a `|` of the name is escaped, so it splits none.
    let bytes = row.as_bytes();
    let bars = (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count();
    assert_eq!(bars, 7, "{row}");
    for b in b"<>[]()!*" {
        for (i, _) in bytes.iter().enumerate().filter(|(_, c)| *c == b) {
            assert_eq!(
                bytes[i - 1],
                b'\\',
                "unescaped {:?} at {i} in {row}",
                *b as char
            );
        }
    }
    assert!(
        row.contains(
            r"\<script\>alert\(1\)\</script\> a\|b \*bold\* \[x\]\(javascript:alert\(3\)\)"
        ),
        "{row}"
    );
    assert!(row.contains(r"| high\|\<b\> |"), "{row}");
}

#[test]
fn a_case_with_no_finding_opened_says_so() {
    let entries = [Entry {
        at: "2026-12-01T10:10:00.000Z".into(),
        user: "bo".into(),
        what: What::Note {
            text: "nothing yet".into(),
        },
    }];
    for entries in [&entries[..], &[]] {
        let story = Story::new("ir-7", entries, &[]);
        let md = markdown(&story);
        assert_eq!(section(&md, FINDINGS), ["No finding was reviewed."], "{md}");
        let page = html(&story);
        assert!(
            page.contains("<h2>The findings reviewed</h2>\n<p>No finding was reviewed.</p>\n"),
            "{page}"
        );
        // No query either: said, not left blank.
        assert!(
            md.contains("## The queries that found them\n\nNo query was run in the case.\n"),
            "{md}"
        );
        assert!(
            page.contains("<p>No query was run in the case.</p>"),
            "{page}"
        );
    }
}
