//! Every crate the build takes in comes from the crates registry under a licence we may ship
//! (permissive, evaluated as its SPDX expression: `A OR B` needs one of them, `A AND B` both),
//! read from `cargo metadata --locked` so that a new or changed dependency is judged here, by
//! deny.toml's list, without cargo-deny installed.

use crate::support::child;
use std::process::Command;

/// Licences a binary of ours may carry: deny.toml's list, the one `cargo deny` checks in CI.
fn allowed_licences() -> &'static [String] {
    static ALLOWED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ALLOWED.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deny.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let deny: toml::Table = text.parse().unwrap();
        let list: Vec<String> = deny["licenses"]["allow"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        assert!(list.len() >= 5, "deny.toml allows {list:?}");
        list
    })
}

/// Whether an SPDX expression (with `/` as the old spelling of OR) allows shipping.
fn allowed(expr: &str) -> bool {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let ok = or(&tokens, &mut pos);
    assert_eq!(pos, tokens.len(), "cannot read the licence {expr:?}");
    ok
}

fn or(t: &[&str], pos: &mut usize) -> bool {
    let mut ok = and(t, pos);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        ok |= and(t, pos);
    }
    ok
}

fn and(t: &[&str], pos: &mut usize) -> bool {
    let mut ok = one(t, pos);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        ok &= one(t, pos);
    }
    ok
}

fn one(t: &[&str], pos: &mut usize) -> bool {
    let token = t[*pos];
    *pos += 1;
    let ok = if token == "(" {
        let ok = or(t, pos);
        assert_eq!(t[*pos], ")");
        *pos += 1;
        ok
    } else {
        allowed_licences().iter().any(|l| l == token)
    };
    if t.get(*pos) == Some(&"WITH") {
        *pos += 2; // An exception (LLVM-exception) only grants more.
    }
    ok
}

#[test]
fn the_spdx_reading_is_right() {
    assert!(allowed("MIT OR Apache-2.0"));
    assert!(allowed("MIT/Apache-2.0"));
    assert!(allowed("MIT OR Apache-2.0 OR LGPL-2.1-or-later"));
    assert!(allowed("Apache-2.0 WITH LLVM-exception OR MIT"));
    assert!(allowed("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(!allowed("GPL-3.0-only"));
    assert!(!allowed("MIT AND GPL-2.0-only"));
    assert!(!allowed("(MIT OR Apache-2.0) AND AGPL-3.0-only"));
}

#[test]
fn every_dependency_is_from_the_registry_under_a_licence_we_may_ship() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = child::output(
        Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    assert!(packages.len() > 100);
    let mut refused = Vec::new();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        if name == "kaudit" {
            continue;
        }
        let source = p["source"].as_str().unwrap_or("");
        if !source.starts_with("registry+") {
            refused.push(format!("{name}: not from the registry ({source:?})"));
        }
        match p["license"].as_str() {
            Some(l) if allowed(l) => {}
            other => refused.push(format!("{name} {}: licence {other:?}", p["version"])),
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
