//! The fuzz targets' bodies (`fuzz/`), kept in the library so that the inputs the fuzzers found
//! interesting replay as ordinary tests (`tests/it/fuzz_regressions.rs`). Each takes any bytes
//! and must return without panicking, hanging or growing without bound; what a body checks
//! beyond that, it asserts.

use std::ops::ControlFlow;

use crate::audit::decode::{Depth, decode_event};
use crate::audit::formats::{self, Origin};
use crate::audit::reason::decode_reason;
use crate::audit::time::TimeRange;
use crate::engine::local::{ReadOptions, read};
use crate::engine::{Target, compile};
use crate::insights::lexer::lex;
use crate::source::local::{self, InputSpec};
use crate::text::sanitize;

/// Format detection and event decoding: the whole input scanned as a file, and each line
/// decoded alone at every level of detail.
pub fn formats(data: &[u8]) {
    let origin = Origin::new("fuzz", "fuzz");
    let mut events = 0u64;
    let report = formats::scan(data, &origin, Depth::Full, |record| {
        events += 1;
        assert!(record.line >= 1, "lines count from 1");
        let shown = sanitize(record.message_str());
        assert!(
            !shown.chars().any(|c| c.is_control()),
            "sanitized text holds no control character"
        );
        // The record an event was read from is never empty, and is in the input (the event
        // itself may be rebuilt, as a GKE entry's is, or unescaped, as an AKS record's is).
        assert!(!record.original.is_empty(), "every event keeps its record");
        assert!(
            memchr::memmem::find(data, record.original).is_some()
                || record.format.id().starts_with("cloudwatch"),
            "the record is the input's bytes"
        );
        // An event held as a string (an AKS record's `properties.log`) reads as serde_json reads
        // it, whichever way this processor unescapes it (by escape, SSSE3, AVX-512).
        if record.format == formats::Format::AksDiagnostic
            && let Ok(whole) = serde_json::from_slice::<serde_json::Value>(record.original)
            && let Some(text) = whole["properties"]["log"].as_str()
        {
            assert_eq!(
                record.message,
                text.as_bytes(),
                "the event is the record's string"
            );
        }
        // Where the event was written is worked out from the record without failing.
        let from = formats::provenance(record);
        let _ = (from.cloud.name(), from.cluster, from.account);
        ControlFlow::Continue(())
    });
    assert_eq!(
        report.events, events,
        "the report counts what was handed out"
    );
    let _ = report.to_string();
    for line in data.split(|b| *b == b'\n').take(64) {
        for detail in [Depth::Classify, Depth::Minimal, Depth::Table, Depth::Full] {
            if let Ok(event) = decode_event(line, detail) {
                let _ = format!("{event:?}");
            }
        }
    }
}

/// The `authorization.k8s.io/reason` decoder: the first byte picks the decision.
pub fn reason(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let decision = match first % 4 {
        0 => None,
        1 => Some("allow"),
        2 => Some("forbid"),
        _ => Some(""),
    };
    let text = String::from_utf8_lossy(rest);
    let reason = decode_reason(decision, &text);
    assert_eq!(reason.verbatim, text, "the verbatim reason is kept whole");
    let _ = reason.to_string();
}

/// The query language's front end: the lexer, and the compile step (parser, checker, planner)
/// for every target.
pub fn query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (_tokens, _lex_errors) = lex(text);
    for target in [Target::Local, Target::LocalTied, Target::CloudWatch] {
        let _ = compile(text, target);
    }
}

/// A query run over events: the first line is the query, the rest the input it reads.
pub fn eval(data: &[u8]) {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let Ok(text) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let Ok(compiled) = compile(text, Target::Local) else {
        return;
    };
    let events = data.get(split + 1..).unwrap_or_default().to_vec();
    let Ok(input) = local::open(&InputSpec::Bytes {
        name: "fuzz".into(),
        data: events,
        log_group: None,
    }) else {
        return;
    };
    let options = ReadOptions {
        watch_fields: true,
        ..ReadOptions::default()
    };
    let Ok(read) = read(&compiled, TimeRange::default(), [&input], &options) else {
        panic!("a reader thread panicked");
    };
    let result = read.result;
    for row in &result.rows {
        assert_eq!(
            row.len(),
            result.columns.len(),
            "every row has every column"
        );
    }
}
