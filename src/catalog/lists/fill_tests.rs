use std::path::Path;

use regex::Regex;

use super::*;
use crate::catalog::lists::MAX_IMAGE_CHARS;

fn lists(name: &str, text: &str) -> Lists {
    let mut lists = Lists::default();
    lists.add(name, Path::new("lists/x.txt"), text);
    assert!(lists.problems.is_empty(), "{:?}", lists.problems);
    lists
}

fn filled(body: &str, lists: &Lists) -> String {
    fill(body, &uses_of(body).unwrap(), lists)
}

/// What `{{images in …}}` means, said plainly: every image is allowed by an entry.
fn allowed_plainly(image: &str, entries: &[Entry]) -> bool {
    entries.iter().any(|e| {
        if e.prefix || e.text.ends_with(UNDER) {
            image.starts_with(&e.text)
        } else {
            image == e.text
                || image
                    .strip_prefix(&e.text)
                    .is_some_and(|rest| rest.starts_with(UNDER))
        }
    })
}

/// The image regex as the query language compiles it: `\/` is a slash there.
fn compiled(entries: &[Entry]) -> Option<Regex> {
    image_regex(entries).map(|re| Regex::new(&re.replace(r"\/", "/")).unwrap())
}

fn entries(text: &str) -> Vec<Entry> {
    lists("allowed-images", text)
        .get("allowed-images")
        .unwrap()
        .entries
        .clone()
}

#[test]
fn a_name_list_becomes_in_and_like() {
    let l = lists("allowed-users", "alice\nev\"il\\\neks:*\nteam.a*\n");
    assert_eq!(
        filled("filter not {{user.username in allowed-users}}", &l),
        r#"filter not (user.username in ["alice", "ev\"il\\"] or user.username like /^(eks:|team\.a)/)"#
    );
    let l = lists("allowed-users", "alice\n");
    assert_eq!(
        filled("filter {{ user.username  in allowed-users }} | x", &l),
        r#"filter (user.username in ["alice"]) | x"#
    );
    let l = lists("allowed-users", "https://issuer/*\n");
    assert_eq!(
        filled("{{user.username in allowed-users}}", &l),
        r"(user.username like /^https:\/\/issuer\//)"
    );
    let l = lists("allowed-users", "*\nalice\n");
    assert_eq!(
        filled("{{user.username in allowed-users}}", &l),
        "ispresent(user.username)"
    );
}

#[test]
fn places_that_are_not_well_formed_are_refused_with_their_line() {
    let err = |body: &str| uses_of(body).unwrap_err();
    assert_eq!(err("fields a\n| filter {{user.username}}").0, 2);
    assert!(
        err("filter {{user.username}}")
            .1
            .contains("{{FIELD in LIST}}")
    );
    assert!(err("filter {{a in b").1.contains("not closed"));
    assert!(err("filter {{a in Users}}").1.contains("not a list's name"));
    assert!(err("filter {{images in users}}").1.contains("image list"));
    assert!(
        err("filter {{a in allowed-images}}")
            .1
            .contains("holds images")
    );
    let uses = uses_of("{{a in x}} {{images in y-images}} {{b in x}}").unwrap();
    assert_eq!(list_names(&uses), ["x", "y-images"]);
    assert_eq!(uses[1].left, Left::Images);
}

#[test]
fn an_image_entry_allows_itself_and_what_lies_under_it() {
    let e = entries("nginx\nghcr.io/acme/\nreg.example/team-*\nquay.io/a:1.2\n");
    let re = compiled(&e).unwrap();
    let leaves = |image: &str| re.is_match(&format!(r#"{{"image":"{image}"}}"#));
    for ok in [
        "nginx",
        "nginx:1.25",
        "nginx@sha256:00",
        "nginx/sub",
        "ghcr.io/acme/app:1",
        "reg.example/team-x/app",
        "quay.io/a:1.2",
        "quay.io/a:1.2@sha256:00",
    ] {
        assert!(!leaves(ok), "{ok} is allowed");
    }
    for bad in [
        "nginx-evil",
        "ngin",
        "",
        "ghcr.io/acme",
        "ghcr.io/acmeevil/app",
        "reg.example/teamx",
        "quay.io/a:1.20",
        "docker.io/library/nginx",
    ] {
        assert!(leaves(bad), "{bad} is not allowed");
    }
    // One image off the list among allowed ones is enough, wherever it is, spaced or not.
    let pod = r#"{"spec":{"initContainers":[{"image":"nginx"}],"containers":[{"image":"nginx:1"},{"image": "evil/miner"}]}}"#;
    assert!(re.is_match(pod));
    assert!(
        !re.is_match(r#"{"spec":{"containers":[{"image":"nginx"},{"image":"ghcr.io/acme/x"}]}}"#)
    );
    // An annotation holding JSON escapes its quotes: not an image of the pod.
    assert!(!re.is_match(r#"{"a":"{\"image\":\"evil\"}","image":"nginx"}"#));
    // A bare `*` allows every image.
    assert!(compiled(&entries("*\n")).is_none());
}

#[test]
fn the_image_regex_agrees_with_the_plain_meaning_on_many_lists() {
    // A small alphabet that holds the separators, so entries share prefixes and boundaries.
    let alphabet: Vec<char> = "ab/:@.-".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let word = |next: &mut dyn FnMut(usize) -> usize, max: usize| -> String {
        let len = next(max + 1);
        (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
    };
    for _ in 0..300 {
        let mut list = Vec::new();
        for _ in 0..1 + next(4) {
            let mut e = word(&mut next, 5);
            if e.is_empty() {
                e.push('a');
            }
            list.push(Entry {
                text: e,
                prefix: next(4) == 0,
            });
        }
        let re = compiled(&list);
        for _ in 0..40 {
            let image = word(&mut next, 7);
            let leaves = re
                .as_ref()
                .is_some_and(|re| re.is_match(&format!(r#""image":"{image}""#)));
            assert_eq!(
                !leaves,
                allowed_plainly(&image, &list),
                "{image:?} against {list:?}: {:?}",
                image_regex(&list)
            );
        }
    }
}

#[test]
fn the_longest_image_entry_still_compiles() {
    // A letter a group would nest past the regex crate's limit (250) at about 80 letters; a run
    // of letters to a group keeps the longest entry a list takes within it.
    let registry = format!("{}.dkr.ecr.us-east-1.amazonaws.com/", "1".repeat(12));
    let path = "t/".repeat((MAX_IMAGE_CHARS - registry.len()) / 2 - 2);
    let long = format!("{registry}{path}app");
    assert!(long.len() <= MAX_IMAGE_CHARS && long.len() > MAX_IMAGE_CHARS - 5);
    let e = entries(&format!("{long}\n{registry}other\n"));
    let re = compiled(&e).unwrap();
    assert!(!re.is_match(&format!(r#""image":"{long}:1""#)));
    assert!(re.is_match(&format!(r#""image":"{long}s""#)));
    assert!(re.is_match(&format!(r#""image":"{registry}{path}ap""#)));
}
