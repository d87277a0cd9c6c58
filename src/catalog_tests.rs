use super::*;

const GUIDE: &str =
    "https://docs.aws.amazon.com/eks/latest/best-practices/auditing-and-logging.html";

/// What each of the guide's queries filters on; a changed default must still say all of it.
const GUIDE_FILTERS: &[(&str, &[&str])] = &[
    (
        "aws-auth-changes",
        &[
            r#"objectRef.name = "aws-auth""#,
            r#"objectRef.namespace = "kube-system""#,
            r#"objectRef.resource = "configmaps""#,
            r#"verb in ["update", "patch"]"#,
        ],
    ),
    (
        "validating-webhook-changes",
        &[
            r#"objectRef.resource = "validatingwebhookconfigurations""#,
            r#"verb in ["create", "update", "patch"]"#,
            "responseStatus.code = 201",
        ],
    ),
    ("role-changes", &[r#"objectRef.resource="roles""#]),
    (
        "rolebinding-changes",
        &[r#"objectRef.resource="rolebindings""#],
    ),
    (
        "clusterrole-changes",
        &[r#"objectRef.resource="clusterroles""#],
    ),
    (
        "clusterrolebinding-changes",
        &[r#"objectRef.resource="clusterrolebindings""#],
    ),
    (
        "unauthorized-secret-reads",
        &[
            r#"objectRef.resource="secrets""#,
            r#"verb in ["get", "watch", "list"]"#,
            r#"responseStatus.code="401""#,
            "| stats count() by bin(1m)",
        ],
    ),
    (
        "failed-anonymous-requests",
        &[
            r#"user.username="system:anonymous""#,
            r#"responseStatus.code in ["401", "403"]"#,
            "sourceIPs.0",
        ],
    ),
];

/// The defaults that run without lists: the others wait for theirs.
fn defaults() -> usize {
    EMBEDDED.iter().filter(|(_, t)| !t.contains("{{")).count()
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path
}

fn query(name: &str, body: &str) -> String {
    format!("# name: {name}\n# description: d\n# tags: t\n{body}\n")
}

#[test]
fn every_embedded_file_has_a_complete_header() {
    assert!(EMBEDDED.len() > GUIDE_FILTERS.len());
    for (file, text) in EMBEDDED {
        let stem = file.strip_suffix(".insights").unwrap();
        let q = CannedQuery::parse(stem, text, Origin::Embedded).unwrap();
        assert_eq!(q.name, stem, "{file}");
        assert!(text.starts_with(&format!("# name: {stem}\n")), "{file}");
        assert!(!q.description.is_empty(), "{file}: no description");
        assert!(!q.tags.is_empty(), "{file}: no tags");
        assert!(!q.body.contains('#'), "{file}: header leaked into the body");
        // The guide's own queries, as the guide writes them.
        if !GUIDE_FILTERS.iter().any(|(name, _)| *name == stem) {
            continue;
        }
        assert!(
            q.tags.iter().any(|t| t == "eks-guide"),
            "{file}: {:?}",
            q.tags
        );
        assert_eq!(q.source.as_deref(), Some(GUIDE), "{file}");
        assert!(q.body.starts_with("fields @timestamp, @message"), "{file}");
        // Four header lines as the guide writes them, and the Sigma rules the query covers
        // (docs/detections.md).
        let claims = text.lines().filter(|l| l.starts_with("# sigma:")).count();
        assert_eq!(q.body_line, 5 + claims, "{file}: four header lines");
        assert!(!q.body.contains('#'), "{file}: header leaked into the body");
    }
}

#[test]
fn the_table_embeds_every_file_of_the_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut on_disk: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".insights"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = EMBEDDED.iter().map(|(f, _)| f.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

#[test]
fn each_default_filters_on_what_the_guide_filters_on() {
    let catalog = Catalog::load(None);
    assert_eq!(GUIDE_FILTERS.len(), 8);
    for (name, needles) in GUIDE_FILTERS {
        let q = catalog.get(name).unwrap();
        for needle in *needles {
            assert!(
                q.body.contains(needle),
                "{name} lacks {needle}:\n{}",
                q.body
            );
        }
    }
    for name in ["role-changes", "clusterrolebinding-changes"] {
        let body = &catalog.get(name).unwrap().body;
        assert!(body.contains(r#"verb in ["create", "update", "patch", "delete"]"#));
    }
}

#[test]
fn defaults_load_in_order_without_problems() {
    let catalog = Catalog::load(None);
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    let names: Vec<&str> = catalog.names().collect();
    assert_eq!(names[0], "aws-auth-changes");
    assert_eq!(names[7], "failed-anonymous-requests");
    assert!(
        catalog
            .queries()
            .iter()
            .all(|q| q.origin == Origin::Embedded)
    );
    assert!(catalog.get("no-such-query").is_none());
}

#[test]
fn a_user_file_overrides_a_default_by_name_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "role-changes.insights",
        query("role-changes", "fields verb"),
    );
    let catalog = Catalog::load(Some(dir.path()));
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert_eq!(catalog.queries().len(), defaults());
    let q = catalog.get("role-changes").unwrap();
    assert_eq!(q.origin, Origin::User(path));
    assert_eq!(q.body, "fields verb");
    assert_eq!(q.source, None);
    assert_eq!(catalog.names().position(|n| n == "role-changes"), Some(2));
}

#[test]
fn user_files_add_queries_from_subfolders_and_ignore_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "team/b-query.insights",
        query("b-query", "fields b"),
    );
    write(dir.path(), "a-query.insights", query("a-query", "fields a"));
    write(dir.path(), "README.md", "not a query");
    write(dir.path(), ".c-query.insights", "# editor leftover");
    let catalog = Catalog::load(Some(dir.path()));
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    let names: Vec<&str> = catalog.names().collect();
    assert_eq!(names.len(), defaults() + 2);
    assert_eq!(&names[defaults()..], ["a-query", "b-query"]);
    assert_eq!(catalog.get("b-query").unwrap().tags, ["t"]);
}

#[test]
fn each_bad_file_is_reported_with_its_path_and_line_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (
            write(d, "no-name.insights", "# description: x\nfields a\n"),
            None,
            "does not name",
        ),
        (
            write(d, "blank-name.insights", "# tags: x\n# name:\nfields a\n"),
            Some(2),
            "does not name",
        ),
        (
            write(d, "stem.insights", "# name: other\nfields a\n"),
            Some(1),
            "does not match the file name `stem.insights`",
        ),
        (
            write(d, "no-body.insights", "# name: no-body\n# tags: x\n\n"),
            Some(3),
            "no query after the header",
        ),
        (
            write(
                d,
                "twice.insights",
                "# name: twice\n# tags: a\n# tags: b\nfields a\n",
            ),
            Some(3),
            "`tags` is set twice in the header (first on line 2)",
        ),
        (
            write(d, "bad name.insights", "# name: bad name\nfields a\n"),
            Some(1),
            "may only use ASCII letters",
        ),
        (
            write(d, "latin1.insights", b"# name: latin1\nfields \xf1\n"),
            None,
            "not UTF-8",
        ),
        (
            write(d, "huge.insights", vec![b'#'; 65 * 1024]),
            None,
            "larger than 64 KiB",
        ),
        (
            write(d, "sub/dup.insights", query("dup", "fields second")),
            None,
            "already loaded from",
        ),
    ];
    write(d, "dup.insights", query("dup", "fields first"));
    write(d, "good.insights", query("good", "fields ok"));

    let catalog = Catalog::load(Some(d));
    assert_eq!(
        catalog.problems.len(),
        cases.len(),
        "{:#?}",
        catalog.problems
    );
    for (path, line, message) in &cases {
        let p = catalog.problems.iter().find(|p| &p.path == path);
        let p = p.unwrap_or_else(|| panic!("{} not reported", path.display()));
        assert_eq!(p.line, *line, "{p}");
        assert!(p.message.contains(message), "{p}");
    }
    assert_eq!(catalog.get("dup").unwrap().body, "fields first");
    assert!(catalog.get("good").is_some());
    assert_eq!(catalog.queries().len(), defaults() + 2);
    let shown = catalog.problems[0].to_string();
    assert!(shown.contains(&d.display().to_string()) && shown.ends_with("(skipped)"));
}

#[cfg(unix)]
#[test]
fn linked_folders_are_searched_once_and_broken_links_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "real/linked.insights", query("linked", "fields l"));
    symlink(d.join("real"), d.join("alias")).unwrap();
    symlink(d, d.join("real/up")).unwrap();
    symlink(d.join("gone"), d.join("broken.insights")).unwrap();
    let catalog = Catalog::load(Some(d));
    assert_eq!(catalog.problems.len(), 1, "{:?}", catalog.problems);
    assert_eq!(catalog.problems[0].path, d.join("broken.insights"));
    assert!(catalog.problems[0].message.contains("broken link"));
    assert_eq!(catalog.queries().len(), defaults() + 1);
    let linked = &catalog.get("linked").unwrap().origin;
    assert_eq!(*linked, Origin::User(d.join("alias/linked.insights")));
}

#[test]
fn a_missing_folder_is_fine_and_a_file_in_its_place_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::load(Some(&dir.path().join("absent")));
    assert!(catalog.problems.is_empty());
    assert_eq!(catalog.queries().len(), defaults());

    let file = write(dir.path(), "queries", "x");
    let catalog = Catalog::load(Some(&file));
    assert_eq!(catalog.problems.len(), 1);
    assert_eq!(catalog.problems[0].path, file);
    assert!(
        catalog.problems[0]
            .message
            .contains("cannot list the folder")
    );
}

#[test]
fn headers_allow_comments_blank_lines_crlf_and_a_bom() {
    let text = "\u{feff}# name: q\r\n# A free comment: with a colon\r\n\r\n# tags: a, , b ,c\r\n# future-key: kept quiet\r\nfields a\r\n# in the body\r\n| limit 1\r\n\r\n";
    let q = CannedQuery::parse("q", text, Origin::Embedded).unwrap();
    assert_eq!(q.tags, ["a", "b", "c"]);
    assert_eq!(q.description, "");
    assert_eq!(q.body_line, 6);
    assert_eq!(q.body, "fields a\r\n# in the body\r\n| limit 1");
    assert!(q.text.starts_with("# name: q"));
}

#[test]
fn the_user_folder_follows_xdg_then_home() {
    let dir =
        |x: Option<&str>, h: Option<&str>| user_dir_from(x.map(Into::into), h.map(Into::into));
    assert_eq!(
        dir(Some("/x/config"), Some("/home/u")),
        Some(PathBuf::from("/x/config/kaudit/queries"))
    );
    assert_eq!(
        dir(Some("relative"), Some("/home/u")),
        Some(PathBuf::from("/home/u/.config/kaudit/queries"))
    );
    assert_eq!(
        dir(Some(""), Some("/home/u")),
        Some(PathBuf::from("/home/u/.config/kaudit/queries"))
    );
    assert_eq!(dir(None, Some("")), None);
    assert_eq!(dir(None, None), None);
}
