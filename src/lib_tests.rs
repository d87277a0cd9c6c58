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

/// The rooms ARCHITECTURE.md's table names, each with the rooms it says it may import.
fn allowed_imports(architecture: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut rooms = Vec::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| room | owns | may import |` gives five cells, the outer two empty.
        if cells.len() != 5 || !cells[1].starts_with('`') {
            continue;
        }
        let backticked = |cell: &str| -> BTreeSet<String> {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(|name| name.trim_end_matches('/').to_string())
                .collect()
        };
        if let Some(room) = backticked(cells[1]).into_iter().next() {
            rooms.push((room, backticked(cells[3])));
        }
    }
    rooms
}

/// The other rooms a file's own code names (`crate::room`), its comments and test code aside.
fn rooms_named(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        // Test modules sit at the end of a file.
        if line == "#[cfg(test)]" && lines.peek().is_some_and(|next| next.contains("mod ")) {
            break;
        }
        if line.starts_with("//") {
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// The Rust files under `dir`, however deep.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("a folder reads").flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The code files of a room, test files aside.
fn room_files(root: &std::path::Path, room: &str) -> Vec<std::path::PathBuf> {
    let file = root.join(format!("{room}.rs"));
    if file.is_file() {
        return vec![file];
    }
    rust_files(&root.join(room))
        .into_iter()
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.ends_with("tests.rs") && name != "test_support.rs"
        })
        .collect()
}

#[test]
fn architecture_md_names_every_room_and_what_it_may_import() {
    let architecture = include_str!("../ARCHITECTURE.md");
    let rooms = allowed_imports(architecture);
    let named: BTreeSet<String> = rooms.iter().map(|(room, _)| room.clone()).collect();
    let declared = declared_modules(include_str!("lib.rs"));
    assert_eq!(
        named, declared,
        "ARCHITECTURE.md's rooms are not the modules of lib.rs"
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (room, allowed) in &rooms {
        for file in room_files(&root, room) {
            let source = std::fs::read_to_string(&file).expect("a source file reads");
            for other in rooms_named(&source) {
                if other != *room && named.contains(&other) && !allowed.contains(&other) {
                    wrong.push(format!(
                        "{} imports {other}",
                        file.strip_prefix(&root).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports ARCHITECTURE.md does not allow:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_reader_skips_comments_and_tests() {
    let source = "use crate::audit::X;\n// crate::tui in a comment\n/// [`crate::cli`]\n\
                  fn f() { crate::store::g(); }\n#[cfg(test)]\nmod tests {\n    use crate::engine;\n}\n";
    assert_eq!(
        rooms_named(source),
        ["audit", "store"].map(String::from).into()
    );
    let table = "| room | owns | may import |\n|---|---|---|\n| `text` | safe text | — |\n\
                 | `audit` | the model | `text` |\n| `tui/` | the console | `audit`, `engine` |\n";
    let rooms = allowed_imports(table);
    assert_eq!(rooms.len(), 3);
    assert_eq!(rooms[0], ("text".to_string(), BTreeSet::new()));
    assert_eq!(rooms[2].0, "tui");
    assert_eq!(rooms[2].1, ["audit", "engine"].map(String::from).into());
}

#[test]
fn every_module_table_in_the_crate_names_its_modules() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for path in rust_files(&root) {
        let source = std::fs::read_to_string(&path).expect("a source file reads");
        if source
            .lines()
            .any(|l| l.starts_with("//! | module |") || l.starts_with("//! | file |"))
            && !declared_modules(&source).is_empty()
        {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            assert_module_table(&name, &source);
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} module tables found");
}
