use super::*;

#[test]
fn names_with_structure_shorten_by_meaning() {
    let cases = [
        (
            "system:serviceaccount:kube-system:node-health-agent",
            "sa:kube-system/node-health-agent",
        ),
        ("system:serviceaccount:ci:deployer", "sa:ci/deployer"),
        (
            "system:node:ip-10-0-41-219.ec2.internal",
            "node:ip-10-0-41-219",
        ),
        (
            "system:node:ip-192-168-7-3.eu-west-1.compute.internal",
            "node:ip-192-168-7-3",
        ),
        ("system:node:ip-10-0-41-219", "node:ip-10-0-41-219"),
        (
            "system:node:gke-prod-pool-1-3f2a.example.com",
            "node:gke-prod-pool-1-3f2a.example.com",
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/eks-node-role/i-0a1b2c3d4e5f60718",
            "sts:eks-node-role/i-0a1b2c3d4e5f60718",
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_6c1f5b3e2a9d4870/alice",
            "sso:AdministratorAccess/alice",
        ),
        (
            "arn:aws-us-gov:sts::111122223333:assumed-role/atlas-deployer/GitHubActions",
            "sts:atlas-deployer/GitHubActions",
        ),
        (
            "arn:aws:iam::444455556666:role/ops-support",
            "role:ops-support",
        ),
        (
            "arn:aws:iam::444455556666:role/service-role/ops/ops-support",
            "role:ops-support",
        ),
        ("arn:aws:iam::111122223333:user/mallory", "iam-user:mallory"),
        (
            "deployer@acme-prod.iam.gserviceaccount.com",
            "gsa:deployer@acme-prod",
        ),
    ];
    for (full, short) in cases {
        assert_eq!(short_name(full), short, "{full}");
    }
}

#[test]
fn plain_names_and_broken_shapes_are_untouched() {
    for full in [
        "priya.sharma",
        "system:admin",
        "system:kube-scheduler",
        "eks:cloud-controller-manager",
        "bob",
        "system:serviceaccount:",
        "system:serviceaccount:ns",
        "system:serviceaccount::name",
        "system:node:",
        "arn:aws:sts::111122223333:assumed-role/no-session",
        "arn:aws:iam::111122223333:group/admins",
        "arn:aws:iam::111122223333:role/",
        "arn:aws",
        "someone@example.com",
        "@acme.iam.gserviceaccount.com",
        "",
    ] {
        assert_eq!(short_name(full), full, "{full}");
    }
}

#[test]
fn names_that_would_read_alike_on_one_screen_are_written_in_full() {
    let in_account = |account: &str| {
        format!("arn:aws:sts::{account}:assumed-role/AWSReservedSSO_Admin_0a1b2c3d/alice")
    };
    let (a, b) = (in_account("111122223333"), in_account("444455556666"));
    let node = "system:node:ip-10-0-41-219.ec2.internal";
    let bare = "system:node:ip-10-0-41-219";
    // Two sessions of one role read apart by their session.
    let s1 = "arn:aws:sts::111122223333:assumed-role/ops/alice";
    let s2 = "arn:aws:sts::111122223333:assumed-role/ops/bob";
    // A plain name that is written like another's short form.
    let plain = "sa:ci/deployer";
    let sa = "system:serviceaccount:ci:deployer";
    let names = Names::of([
        a.as_str(),
        b.as_str(),
        node,
        bare,
        s1,
        s2,
        plain,
        sa,
        "priya.sharma",
    ]);
    assert_eq!(names.show(&a), a);
    assert_eq!(names.show(&b), b);
    assert_eq!(names.show(node), node);
    assert_eq!(names.show(bare), bare);
    assert_eq!(names.show(plain), plain);
    assert_eq!(names.show(sa), sa);
    assert_eq!(names.show(s1), "sts:ops/alice");
    assert_eq!(names.show(s2), "sts:ops/bob");
    assert_eq!(names.show("priya.sharma"), "priya.sharma");
    assert!(names.shortened(s1) && !names.shortened(sa));
    // Alone, each is shortened; a name never given is written in full.
    let alone = Names::of([node, sa]);
    assert_eq!(alone.show(node), "node:ip-10-0-41-219");
    assert_eq!(alone.show(sa), "sa:ci/deployer");
    assert_eq!(alone.show(bare), bare);
}

#[test]
fn what_is_shown_is_terminal_safe() {
    let hostile = "system:serviceaccount:kube-system:evil\u{1b}[2J";
    let names = Names::of([hostile]);
    let shown = names.show(hostile);
    assert_eq!(shown, "sa:kube-system/evil\\x1b[2J");
    assert!(!shown.chars().any(char::is_control));
    assert!(!Names::default().show(hostile).chars().any(char::is_control));
}

#[test]
fn a_name_too_long_is_cut_in_its_middle() {
    let shown = "sa:kube-system/node-health-agent";
    assert_eq!(fit_name(shown, 40), shown);
    assert_eq!(fit_name(shown, 32), shown);
    let cut = fit_name(shown, 17);
    assert_eq!(cut, "sa:ku…ealth-agent");
    assert_eq!(columns(&cut), 17);
    assert_eq!(fit_name("node:ip-10-0-41-219", 12), "node…-41-219");
    assert_eq!(fit_name(shown, 5), "sa:k…");
    assert_eq!(fit_name(shown, 0), "");
    // An escape is never cut in half from the back.
    let hostile = "sa:kube-system/evil\\x1b[2Jxxxxxxxxxxxx";
    assert_eq!(fit_name(hostile, 24), "sa:kube-system/evil\\x1b…");
}
