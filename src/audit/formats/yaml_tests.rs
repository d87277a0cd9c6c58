use std::ops::ControlFlow;

use super::*;
use crate::audit::Depth;
use crate::audit::formats::{Origin, ScanReport, scan};

fn to_json(yaml: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut json = ToJson::default();
    let mut parser = Parser::new_from_str(yaml);
    parser.load(&mut json, false).map_err(|e| e.to_string())?;
    if let Some((_, msg)) = json.error {
        return Err(msg);
    }
    Ok(json
        .values
        .iter()
        .map(|v| serde_json::from_str(v).unwrap_or_else(|e| panic!("{v}: {e}")))
        .collect())
}

#[test]
fn yaml_becomes_the_json_it_stands_for() {
    let yaml = "insertId: a\nlabels:\n  k: 'v: w'\n  n: \"80\"\nnums: [1, -2, 3.5, 0x1F, 1e3, 007]\n\
                flags: {t: true, f: false, n: null, e: , tilde: ~}\ntext: |\n  two\n  lines\n\
                '@type': x\nlist:\n- a\n- b: c\n  d: 2024-01-01T01:00:00Z\nport: 80\ninf: .inf\n";
    let got = to_json(yaml).unwrap();
    let want = serde_json::json!({
        "insertId": "a",
        "labels": {"k": "v: w", "n": "80"},
        "nums": [1, -2, 3.5, 31, 1000.0, 7],
        "flags": {"t": true, "f": false, "n": null, "e": null, "tilde": null},
        "text": "two\nlines\n",
        "@type": "x",
        "list": ["a", {"b": "c", "d": "2024-01-01T01:00:00Z"}],
        "port": 80,
        "inf": ".inf"
    });
    assert_eq!(got, [want]);
    // A list at the top: each item on its own.
    let got = to_json("- a: 1\n- b: [x]\n").unwrap();
    let list = "- protoPayload: {}\n  b: 1\n# note\n\n- protoPayload: {}\n";
    assert_eq!(record_end(list.as_bytes(), 0), 25);
    assert_eq!(record_end(list.as_bytes(), 34), list.len() - 1);
    assert_eq!(
        got,
        [serde_json::json!({"a": 1}), serde_json::json!({"b": ["x"]})]
    );
}

#[test]
fn aliases_and_odd_keys_are_refused() {
    let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
    assert_eq!(to_json(bomb).unwrap_err(), "aliases (`*name`) are not read");
    assert_eq!(
        to_json("? [a]\n: b\n").unwrap_err(),
        "a key that is a mapping or a list is not read"
    );
    let deep = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
    assert_eq!(to_json(&deep).unwrap_err(), "nested too deep");
}

#[test]
fn documents_split_at_markers_and_items_at_dashes() {
    let text = "# header\n\n---\nprotoPayload:\n  a: 1\n# trailing\n\n---\n- protoPayload: {}\n  b: 2\n\n- protoPayload: {}\n...\n";
    let docs = documents(text, 0);
    let ranges: Vec<Vec<&str>> = docs
        .iter()
        .map(|d| d.items.iter().map(|r| &text[r.clone()]).collect())
        .collect();
    assert_eq!(
        ranges,
        [
            vec!["protoPayload:\n  a: 1"],
            vec!["- protoPayload: {}\n  b: 2", "- protoPayload: {}"],
        ]
    );
    assert!(holds_entries(text.as_bytes()));
    assert!(!holds_entries(
        b"Tests:\n  - Log:\n      protoPayload:\n        a: 1\n"
    ));
}

fn scan_yaml(yaml: &str) -> (Vec<(u64, u64, String)>, ScanReport) {
    let origin = Origin::new("entries.yaml", "id");
    let mut out = Vec::new();
    let report = scan(yaml.as_bytes(), &origin, Depth::Full, |r| {
        out.push((
            r.line,
            r.system.offset,
            String::from_utf8(r.original.to_vec()).unwrap(),
        ));
        ControlFlow::Continue(())
    });
    (out, report)
}

#[test]
fn yaml_entries_are_read_and_a_broken_one_reported_where_it_is() {
    let yaml = "protoPayload:\n  serviceName: k8s.io\n  methodName: io.k8s.core.v1.pods.list\n\
                ---\nprotoPayload:\n  serviceName: k8s.io\n  methodName: [unclosed\n\
                ---\nprotoPayload:\n  serviceName: k8s.io\n  methodName: io.k8s.core.v1.pods.get\n";
    let (recs, report) = scan_yaml(yaml);
    assert_eq!(recs.len(), 2);
    assert_eq!((recs[0].0, recs[1].0), (1, 9));
    assert_eq!(
        recs[1].2,
        "protoPayload:\n  serviceName: k8s.io\n  methodName: io.k8s.core.v1.pods.get"
    );
    assert_eq!(report.malformed, 1);
    let p = &report.problems[0];
    assert_eq!((p.line, p.column), (7, 24), "{p}");
    assert!(p.message.starts_with("invalid YAML: "), "{p}");
    // Other YAML is not audit data, as before.
    let (recs, report) = scan_yaml("rule: x\ncondition: y\n");
    assert!(recs.is_empty());
    assert!(report.not_audit_data.is_some());
}

#[test]
fn cut_and_garbled_yaml_never_panics_and_every_record_is_accounted_for() {
    let yaml = include_str!("../../../tests/fixtures/gke/entries.yaml");
    let bytes = yaml.as_bytes();
    let mut inputs: Vec<Vec<u8>> = (1..bytes.len())
        .step_by(37)
        .map(|n| bytes[..n].to_vec())
        .collect();
    for (i, at) in (0..bytes.len()).step_by(53).enumerate() {
        let mut garbled = bytes.to_vec();
        garbled[at] = b"\0:-[{&*'\"\n\t#"[i % 12];
        inputs.push(garbled);
    }
    for input in &inputs {
        let origin = Origin::new("entries.yaml", "id");
        let mut delivered = 0;
        let report = scan(input, &origin, Depth::Full, |r| {
            delivered += 1;
            // The record is in the input, where its offset says.
            let at = r.system.offset as usize;
            assert_eq!(&input[at..at + r.original.len()], r.original);
            // And the store finds its end again from there.
            assert_eq!(
                crate::audit::formats::record_end(input, at),
                Some(at + r.original.len())
            );
            ControlFlow::Continue(())
        });
        assert_eq!(delivered, report.events);
        assert!(report.events <= 6);
    }
}
