use std::os::unix::fs::PermissionsExt;

use super::*;

fn mark(case: &mut Case, ptr: &str, tag: &str) {
    case.record(What::Marked {
        event: EventRef {
            ptr: Some(ptr.into()),
            ..EventRef::default()
        },
        tag: tag.into(),
        note: None,
        original: Original::of(b"{}"),
    })
    .unwrap();
}

#[test]
fn a_case_is_a_private_folder_made_on_first_use() {
    let data = tempfile::tempdir().unwrap();
    let root = data.path().join("kaudit/cases");
    assert!(matches!(
        Case::open(&root, "ir-42"),
        Err(CaseError::NoSuchCase(_))
    ));
    let mut case = Case::open_or_create(&root, "ir-42").unwrap();
    case.record(What::Note {
        text: "started from the alert".into(),
    })
    .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root), 0o700);
    assert_eq!(mode(case.dir()), 0o700);
    assert_eq!(mode(&case.dir().join(JOURNAL)), 0o600);
    // Opened again, it goes on where it was: made once.
    let case = Case::open(&root, "ir-42").unwrap();
    let read = case.read().unwrap();
    let kinds: Vec<&What> = read.entries.iter().map(|e| &e.what).collect();
    assert!(matches!(kinds[..], [What::Created, What::Note { .. }]));
    assert!(read.entries[0].at.ends_with('Z') && read.entries[0].at.len() == 24);
    assert!(!read.entries[0].user.is_empty());
}

#[test]
fn names_that_are_not_one_folder_are_refused() {
    for bad in [
        "",
        ".hidden",
        "../up",
        "a/b",
        "a b",
        "x\u{1b}[2J",
        &"n".repeat(65),
    ] {
        assert!(
            matches!(check_name(bad), Err(CaseError::BadName(_))),
            "{bad:?}"
        );
    }
    for good in ["ir-42", "2026.11.02_prod", "A"] {
        assert!(check_name(good).is_ok(), "{good}");
    }
    let err = check_name("x\u{1b}[2J").unwrap_err().to_string();
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn tags_are_the_offered_words_or_the_analysts_own() {
    assert_eq!(check_tag(" Attacker ").unwrap(), "attacker");
    assert_eq!(check_tag("lateral movement").unwrap(), "lateral movement");
    assert_eq!(
        check_tag("T1078:valid-accounts").unwrap(),
        "T1078:valid-accounts"
    );
    for bad in ["", "  ", "a\nb", "<script>", &"t".repeat(41)] {
        assert!(
            matches!(check_tag(bad), Err(CaseError::BadTag(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn marks_are_what_the_journal_leaves_marked() {
    let data = tempfile::tempdir().unwrap();
    let mut case = Case::open_or_create(data.path(), "c").unwrap();
    mark(&mut case, "s:1", "attacker");
    mark(&mut case, "s:2", "unsure");
    mark(&mut case, "s:3", "benign");
    // Marked again with another tag, then one taken back.
    mark(&mut case, "s:2", "attacker");
    case.record(What::Unmarked {
        event: EventRef {
            ptr: Some("s:3".into()),
            ..EventRef::default()
        },
    })
    .unwrap();
    let read = case.read().unwrap();
    let left: Vec<(Option<&str>, &str)> = marks(&read.entries)
        .iter()
        .map(|e| match &e.what {
            What::Marked { event, tag, .. } => (event.ptr.as_deref(), tag.as_str()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(left, [(Some("s:1"), "attacker"), (Some("s:2"), "attacker")]);
    let listed = list(data.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].marked), ("c", 2));
    assert!(list(&data.path().join("none")).unwrap().is_empty());
}

#[test]
fn the_data_folder_follows_xdg_and_ignores_a_relative_one() {
    let root = root_from(Some("/d".into()), Some("/home/u".into()));
    assert_eq!(root, Some(PathBuf::from("/d/kaudit/cases")));
    let root = root_from(Some("rel".into()), Some("/home/u".into()));
    assert_eq!(
        root,
        Some(PathBuf::from("/home/u/.local/share/kaudit/cases"))
    );
    assert_eq!(root_from(None, None), None);
}
