use super::*;
use crate::catalog::{Catalog, Severity};

fn library() -> Vec<Detection> {
    Detection::all_of(&Catalog::load(None))
}

fn detection(name: &str, text: &str) -> Detection {
    Detection {
        name: name.into(),
        text: text.into(),
        severity: Severity::Medium,
        description: String::new(),
    }
}

fn members(plan: &DetectPlan) -> Vec<Vec<usize>> {
    plan.batches().map(|b| b.members.clone()).collect()
}

#[test]
fn the_library_is_asked_in_a_few_shared_queries_and_none_alone() {
    let detections = library();
    let plan = DetectPlan::new(&detections, MAX_QUERY_LEN).expect("plans");
    assert!(plan.alone().is_empty(), "{:?}", plan.alone());
    let asked: Vec<usize> = members(&plan).concat();
    assert_eq!(asked, (0..detections.len()).collect::<Vec<_>>());
    assert!(plan.queries() * 8 <= detections.len(), "{}", plan.queries());
}

#[test]
fn a_threshold_detection_runs_alone_beside_the_shared_queries() {
    let mut detections = library();
    let threshold = detections.len() / 2;
    detections.insert(
        threshold,
        detection(
            "denied-burst",
            "filter responseStatus.code in [401, 403]\n| stats count(*) as denied by user.username, bin(1m)\n| filter denied > 20",
        ),
    );
    let plan = DetectPlan::new(&detections, MAX_QUERY_LEN).expect("plans");
    assert_eq!(plan.alone().len(), 1);
    let (i, why) = &plan.alone()[0];
    assert_eq!(*i, threshold);
    assert!(why.contains("stats"), "{why}");
    assert!(members(&plan).concat().iter().all(|m| *m != threshold));
    assert_eq!(plan.queries(), plan.batches().count() + 1);
}

#[test]
fn a_smaller_limit_makes_more_batches_none_past_it() {
    let detections = library();
    let roomy = DetectPlan::new(&detections, MAX_QUERY_LEN).expect("plans");
    let longest = roomy
        .batches()
        .flat_map(|b| &b.members)
        .map(|&i| {
            let one = DetectPlan::new(&detections[i..=i], MAX_QUERY_LEN).expect("plans");
            one.batches().map(|b| b.text.len()).sum::<usize>()
        })
        .max()
        .expect("detections");
    // Room for the longest detection on its own, and little more.
    let tight = DetectPlan::new(&detections, longest + 200).expect("plans");
    assert!(tight.alone().is_empty(), "{:?}", tight.alone());
    assert!(tight.batches().count() > roomy.batches().count() * 3);
    assert!(tight.batches().all(|b| b.text.len() <= longest + 200));
    assert_eq!(
        members(&tight).concat(),
        (0..detections.len()).collect::<Vec<_>>()
    );
    // Below it, that detection runs alone: it is never sent past the limit.
    let tighter = DetectPlan::new(&detections, longest - 1).expect("plans");
    assert!(
        tighter
            .alone()
            .iter()
            .any(|(_, why)| why.contains("too long"))
    );
    assert!(tighter.batches().all(|b| b.text.len() < longest));
}

#[test]
fn a_detection_cloudwatch_would_refuse_costs_nothing() {
    let e = DetectPlan::new(&[detection("typo", "stats coutn(*)")], MAX_QUERY_LEN)
        .expect_err("refused");
    assert!(e.contains("typo cannot run in CloudWatch"), "{e}");
}
