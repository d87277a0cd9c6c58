//! Every detection over local inputs: each compiled and read as any query is, its hits named by
//! audit ID, or, for an event without one, by the file and line it was read from.

use std::borrow::Borrow;

use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::engine::compile::{Target, compile, first_error};
use crate::engine::finding::{Detection, Finding, HitRef};
use crate::insights::value::Value;
use crate::source::local::LocalInput;

use super::read::{ReadOptions, read};

/// The findings of `detections` over `inputs` (one timeline), and what could not be read in each
/// input (the same for every detection: told once, from the first).
pub fn detect<I: Borrow<LocalInput>>(
    detections: &[Detection],
    inputs: &[I],
    range: TimeRange,
) -> Result<(Vec<Finding>, Vec<ScanReport>), String> {
    let inputs: Vec<&LocalInput> = inputs.iter().map(Borrow::borrow).collect();
    let mut findings = Vec::with_capacity(detections.len());
    let mut first_reports = None;
    for detection in detections {
        let (finding, reports) = detect_one(detection, &inputs, range)?;
        findings.push(finding);
        first_reports.get_or_insert(reports);
    }
    Ok((findings, first_reports.unwrap_or_default()))
}

fn detect_one(
    detection: &Detection,
    inputs: &[&LocalInput],
    range: TimeRange,
) -> Result<(Finding, Vec<ScanReport>), String> {
    let cannot_run = |why: String| {
        format!(
            "the detection {} cannot run: {why}",
            crate::text::sanitize(&detection.name)
        )
    };
    let mut compiled =
        compile(&detection.text, Target::LocalTied).map_err(|d| cannot_run(first_error(&d)))?;
    compiled.across_inputs(inputs.len());
    // Nobody reads a detection's warnings: fields are not watched, which can cost speed.
    let read = read(
        &compiled,
        range,
        inputs.iter().copied(),
        &ReadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let result = read.result;
    let id_column = result.columns.iter().position(|c| c == "auditID");
    let ptr_column = compiled.plan().and_then(|p| p.ptr_column());
    let refs = result
        .rows
        .iter()
        .map(|r| match id_column.and_then(|c| r.get(c)) {
            Some(Value::Str(id)) if !id.is_empty() => HitRef::AuditId(id.to_string()),
            _ => match ptr_column.and_then(|c| r.get(c)) {
                Some(Value::Str(ptr)) => HitRef::At(locate(ptr, inputs)),
                _ => HitRef::At("where: unknown".to_string()),
            },
        })
        .collect();
    Ok((Finding::of(detection, refs, true), read.reports))
}

/// `file:line` of the record `ptr` (`<source id>:<byte offset>`) points at, among `inputs`.
fn locate(ptr: &str, inputs: &[&LocalInput]) -> String {
    let found = ptr.rsplit_once(':').and_then(|(source, offset)| {
        let offset: usize = offset.parse().ok()?;
        let input = inputs.iter().find(|i| i.origin().source_id == source)?;
        let bytes = input.bytes().get(..offset)?;
        let line = memchr::memchr_iter(b'\n', bytes).count() + 1;
        Some(format!("{}:{line}", input.name()))
    });
    found.unwrap_or_else(|| format!("@ptr {ptr}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use crate::source::local::path_origin;

    fn detection(text: &str) -> Detection {
        Detection {
            name: "d".into(),
            text: text.into(),
            severity: Severity::High,
            description: String::new(),
        }
    }

    #[test]
    fn hits_are_named_by_audit_id_else_by_file_and_line() {
        let with_id = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","verb":"delete","stageTimestamp":"2026-11-02T08:00:01Z"}"#;
        let without = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"delete","stageTimestamp":"2026-11-02T08:00:02Z"}"#;
        let text = format!("{with_id}\n{without}\n");
        let input = LocalInput::from_vec(path_origin("f.log".as_ref()), text.into_bytes());
        let (findings, reports) = detect(
            &[detection("filter verb = 'delete' | fields auditID")],
            &[&input],
            TimeRange::default(),
        )
        .expect("runs");
        assert_eq!(reports.len(), 1);
        assert_eq!(
            findings[0].refs,
            [HitRef::AuditId("a-1".into()), HitRef::At("f.log:2".into())]
        );
        assert!(findings[0].complete);
    }

    #[test]
    fn a_detection_that_cannot_run_says_which_and_why() {
        let input = LocalInput::from_vec(path_origin("f.log".as_ref()), Vec::new());
        let e = detect(
            &[detection("stats coutn(*)")],
            &[&input],
            TimeRange::default(),
        )
        .expect_err("refused");
        assert!(e.starts_with("the detection d cannot run: "), "{e}");
        assert!(e.contains("coutn"), "{e}");
    }
}
