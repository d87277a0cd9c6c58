//! The module maps in the crate's docs are kept true by tests: a table that names a module which
//! is gone, or omits one that was added, fails here.

use std::collections::BTreeSet;

/// The modules a file declares, test modules aside.
fn declared_modules(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut for_tests = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("#[") {
            for_tests |= line.starts_with("#[cfg(test)]");
            continue;
        }
        let rest = line
            .strip_prefix("pub ")
            .or_else(|| line.strip_prefix("pub(crate) "))
            .unwrap_or(line);
        if let Some(name) = rest.strip_prefix("mod ").and_then(|r| r.strip_suffix(';'))
            && !for_tests
        {
            found.insert(name.to_string());
        }
        for_tests = false;
    }
    found
}

/// The modules the first column of the file's `//!` table names: `` [`text`] ``, `` `text` ``
/// or `` [`syntax`](syntax/) ``, several to a cell if need be.
fn tabled_modules(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let Some(row) = line.strip_prefix("//! |") else {
            continue;
        };
        let first = row.split('|').next().unwrap_or("");
        for (i, part) in first.split('`').enumerate() {
            // the odd pieces lie between backticks
            if i % 2 == 1 {
                found.insert(part.trim_end_matches('/').to_string());
            }
        }
    }
    found
}

/// Fails, naming both lists, unless the table of `source` (the text of `file`) names every module
/// the file declares and nothing else.
pub(crate) fn assert_module_table(file: &str, source: &str) {
    let declared = declared_modules(source);
    let tabled = tabled_modules(source);
    let missing: Vec<_> = declared.difference(&tabled).collect();
    let extra: Vec<_> = tabled.difference(&declared).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{file}: the module table omits {missing:?} and names {extra:?}, which the file does not declare"
    );
}

#[test]
fn the_crate_module_map_names_every_module() {
    assert_module_table("src/lib.rs", include_str!("lib.rs"));
}

#[test]
fn the_engine_module_map_names_every_module() {
    assert_module_table("src/engine/mod.rs", include_str!("engine/mod.rs"));
}

#[test]
fn the_table_reader_sees_what_a_table_omits_and_adds() {
    let source = "//! | module | owns |\n//! |---|---|\n//! | [`a`], [`b`] | x |\n//! | `gone` | y |\n\
                  pub mod a;\nmod b;\npub(crate) mod c;\n#[cfg(test)]\n#[path = \"t.rs\"]\nmod tests;\n";
    assert_eq!(
        declared_modules(source),
        ["a", "b", "c"].map(String::from).into()
    );
    assert_eq!(
        tabled_modules(source),
        ["a", "b", "gone"].map(String::from).into()
    );
}
