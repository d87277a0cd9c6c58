//! Every detection over local inputs, its hits named by audit ID, or, for an event without one,
//! by the file and line it was read from. [`detect`] reads the inputs once for all of them
//! ([`read_together`]); [`detect_each`] reads them once per detection, as any query is read: the
//! reference the one pass is held to.

use std::borrow::Borrow;

use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::engine::compile::{Compiled, Target, compile, first_error};
use crate::engine::finding::{Detection, Finding, HitRef};
use crate::insights::exec::{Plan, QueryResult};
use crate::insights::value::Value;
use crate::source::local::LocalInput;

use super::one_pass::read_together;
use super::read::{ReadOptions, read};

/// The findings of `detections` over `inputs` (one timeline), read in one pass, and what could
/// not be read in each input.
pub fn detect<I: Borrow<LocalInput>>(
    detections: &[Detection],
    inputs: &[I],
    range: TimeRange,
) -> Result<(Vec<Finding>, Vec<ScanReport>), String> {
    let inputs: Vec<&LocalInput> = inputs.iter().map(Borrow::borrow).collect();
    if detections.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // Only the plans are kept: a detection's text, syntax tree and warnings are not needed to
    // read, and held for every detection they would cost more than the reading does.
    let plans = detections
        .iter()
        .map(|d| {
            let compiled = compile_for(d, inputs.len())?;
            // A detection compiled for local inputs always has a plan.
            compiled
                .into_plan()
                .ok_or_else(|| cannot_run(d, "it has no plan".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let plan_refs: Vec<&Plan> = plans.iter().collect();
    let pass = read_together(&plan_refs, range, &inputs).map_err(|e| e.to_string())?;
    let findings = detections
        .iter()
        .zip(&plans)
        .zip(&pass.results)
        .map(|((d, p), result)| Finding::of(d, hit_refs(result, Some(p), &inputs), true))
        .collect();
    Ok((findings, pass.reports))
}

/// [`detect`], each detection read over the inputs on its own: as many passes as detections.
pub fn detect_each<I: Borrow<LocalInput>>(
    detections: &[Detection],
    inputs: &[I],
    range: TimeRange,
) -> Result<(Vec<Finding>, Vec<ScanReport>), String> {
    let inputs: Vec<&LocalInput> = inputs.iter().map(Borrow::borrow).collect();
    let mut findings = Vec::with_capacity(detections.len());
    let mut first_reports = None;
    for detection in detections {
        let compiled = compile_for(detection, inputs.len())?;
        // Nobody reads a detection's warnings: fields are not watched, which can cost speed.
        let read = read(
            &compiled,
            range,
            inputs.iter().copied(),
            &ReadOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        let refs = hit_refs(&read.result, compiled.plan(), &inputs);
        findings.push(Finding::of(detection, refs, true));
        first_reports.get_or_insert(read.reports);
    }
    Ok((findings, first_reports.unwrap_or_default()))
}

fn cannot_run(detection: &Detection, why: String) -> String {
    format!(
        "the detection {} cannot run: {why}",
        crate::text::sanitize(&detection.name)
    )
}

/// The detection compiled for `inputs` local inputs read as one timeline.
fn compile_for(detection: &Detection, inputs: usize) -> Result<Compiled, String> {
    let mut compiled = compile(&detection.text, Target::LocalTied)
        .map_err(|d| cannot_run(detection, first_error(&d)))?;
    compiled.across_inputs(inputs);
    Ok(compiled)
}

/// What names each row of a detection's answer.
fn hit_refs(result: &QueryResult, plan: Option<&Plan>, inputs: &[&LocalInput]) -> Vec<HitRef> {
    let id_column = result.columns.iter().position(|c| c == "auditID");
    let ptr_column = plan.and_then(Plan::ptr_column);
    result
        .rows
        .iter()
        .map(|r| match id_column.and_then(|c| r.get(c)) {
            Some(Value::Str(id)) if !id.is_empty() => HitRef::AuditId(id.to_string()),
            _ => match ptr_column.and_then(|c| r.get(c)) {
                Some(Value::Str(ptr)) => HitRef::At(locate(ptr, inputs)),
                _ => HitRef::At("where: unknown".to_string()),
            },
        })
        .collect()
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
    fn one_pass_and_each_alone_agree_on_every_shape_of_detection() {
        let line = |id: &str, verb: &str, user: &str, second: u32| {
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","verb":"{verb}","user":{{"username":"{user}"}},"objectRef":{{"resource":"clusterroles"}},"stageTimestamp":"2026-11-02T08:00:{second:02}Z"}}"#
            )
        };
        let a = [
            line("a-1", "delete", "alice", 1),
            "not json at all".to_string(),
            line("a-2", "get", "bob", 4),
            line("a-3", "delete", "bob", 6),
        ];
        let b = [
            line("b-1", "delete", "carol", 2),
            line("b-2", "create", "alice", 3),
            line("b-3", "delete", "alice", 5),
        ];
        let inputs = [
            LocalInput::from_vec(path_origin("a.log".as_ref()), a.join("\n").into_bytes()),
            LocalInput::from_vec(path_origin("b.log".as_ref()), b.join("\n").into_bytes()),
        ];
        let detections = [
            detection("filter verb = 'delete' | fields auditID"),
            detection("fields auditID, verb | filter verb = 'delete' | sort @timestamp desc"),
            detection("filter verb = 'delete' | limit 2"),
            detection("filter objectRef.resource = 'roles' | fields auditID"),
            detection("filter verb != 'get' | dedup user.username"),
            detection("filter verb in ['create', 'delete'] | stats count(*) by user.username"),
            detection("filter responseStatus.code >= 400 or isempty(responseStatus.code)"),
        ];
        let range = TimeRange {
            start_ms: Some(1_793_606_402_000),
            end_ms: None,
        };
        for range in [TimeRange::default(), range] {
            for inputs in [&inputs[..1], &inputs[..]] {
                let together = detect(&detections, inputs, range).expect("runs");
                let each = detect_each(&detections, inputs, range).expect("runs");
                assert_eq!(together.0, each.0, "{} inputs, {range:?}", inputs.len());
                // The one pass reads every line: what a prefilter of one detection passed over
                // unread is still counted, and the line that is not JSON told.
                assert_eq!(together.1[0].events, 3);
                assert_eq!(together.1[0].skipped, 0);
                assert_eq!(together.1[0].problems, each.1[0].problems);
            }
        }
        // Not a vacuous agreement: "roles" is not found in "clusterroles", and the rest found.
        let (found, _) = detect(&detections, &inputs, TimeRange::default()).expect("runs");
        let hits: Vec<usize> = found.iter().map(|f| f.hits).collect();
        assert_eq!(hits, [4, 4, 2, 0, 3, 3, 6]);
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
