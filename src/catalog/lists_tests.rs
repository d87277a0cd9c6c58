use super::*;

fn read(name: &str, text: &str) -> Lists {
    let mut lists = Lists::default();
    lists.add(name, Path::new("lists/x.txt"), text);
    lists
}

fn entry(text: &str, prefix: bool) -> Entry {
    Entry {
        text: text.into(),
        prefix,
    }
}

#[test]
fn entries_are_one_a_line_with_comments_blanks_and_repeats_left_out() {
    let lists = read(
        "allowed-users",
        "\u{feff}# who may use the cluster\n\
         alice@example.com\n\
         \n\
         \tci-deployer   # the pipeline\n\
         https://issuer.example#1234\n\
         eks:*\n\
         alice@example.com\n\
         #bob\n",
    );
    assert!(lists.problems.is_empty(), "{:?}", lists.problems);
    let list = lists.get("allowed-users").unwrap();
    assert_eq!(list.kind, ListKind::Names);
    assert_eq!(
        list.entries,
        [
            entry("alice@example.com", false),
            entry("ci-deployer", false),
            entry("https://issuer.example#1234", false),
            entry("eks:", true),
        ]
    );
}

#[test]
fn a_bad_line_is_reported_with_its_file_and_line_and_the_rest_is_used() {
    let lists = read(
        "allowed-users",
        "alice\nalice bob\nev*il\nbell\u{7}\ncarol\n",
    );
    let list = lists.get("allowed-users").unwrap();
    assert_eq!(list.entries, [entry("alice", false), entry("carol", false)]);
    let found: Vec<(Option<usize>, String)> = lists
        .problems
        .iter()
        .map(|p| (p.line, p.to_string()))
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, Some(2));
    assert!(
        found[0]
            .1
            .starts_with("lists/x.txt:2: `alice bob` holds a space"),
        "{found:?}"
    );
    assert_eq!(found[1].0, Some(3));
    assert!(
        found[1].1.contains("a `*` may only end an entry"),
        "{found:?}"
    );
    assert_eq!(found[2].0, Some(4));
    assert!(found[2].1.contains("control character U+0007"), "{found:?}");
}

#[test]
fn an_image_list_takes_only_image_references() {
    let lists = read(
        "allowed-images",
        "ghcr.io/acme/\n123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:ab\nnginx\nbad\"quote\nreg.example/team-*\n",
    );
    let list = lists.get("allowed-images").unwrap();
    assert_eq!(list.kind, ListKind::Images);
    assert_eq!(list.entries.len(), 4);
    assert_eq!(lists.problems.len(), 1);
    assert_eq!(lists.problems[0].line, Some(4));
    assert!(
        lists.problems[0].message.contains("not an image reference"),
        "{:?}",
        lists.problems
    );
}

#[test]
fn a_folder_of_lists_is_read_and_its_bad_files_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("allowed-namespaces.txt"), "default\nkube-system\n").unwrap();
    fs::write(d.join("Bad_Name.txt"), "x\n").unwrap();
    fs::write(d.join("binary.txt"), [0x66, 0xff, 0x0a]).unwrap();
    fs::write(d.join("notes.md"), "not a list\n").unwrap();
    fs::write(d.join(".allowed-users.txt.swp"), "x").unwrap();
    let lists = Lists::load(Some(d));
    assert_eq!(lists.names().collect::<Vec<_>>(), ["allowed-namespaces"]);
    let problems: Vec<String> = lists.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("Bad_Name.txt") && problems[0].contains("rename the file"));
    assert!(problems[1].contains("binary.txt") && problems[1].contains("not UTF-8"));
    assert_eq!(lists.path_of("allowed-users"), d.join("allowed-users.txt"));
    // No folder yet is no problem.
    let none = Lists::load(Some(&d.join("missing")));
    assert!(none.problems.is_empty() && none.names().next().is_none());
}

#[test]
fn the_folder_is_the_environment_s_else_next_to_the_queries() {
    let queries = Path::new("/home/u/.config/kaudit/queries");
    assert_eq!(
        dir_from(None, Some(queries)),
        Some(PathBuf::from("/home/u/.config/kaudit/lists"))
    );
    assert_eq!(
        dir_from(Some("/tmp/site-lists".into()), Some(queries)),
        Some(PathBuf::from("/tmp/site-lists"))
    );
    assert_eq!(
        dir_from(Some("".into()), Some(queries)),
        Some(PathBuf::from("/home/u/.config/kaudit/lists"))
    );
    assert_eq!(dir_from(None, None), None);
}
