//! Many compiled queries read in one pass over local inputs: each record is read once, a
//! [`Sieve`] over every query's required literals says which queries can keep it, and only those
//! are fed it. Parts of an input are read on every core, each part into runs of its own, merged
//! in input order: each query's answer is the one it gives read alone.

use std::ops::ControlFlow;

use crate::audit::decode::Depth;
use crate::audit::formats::ScanReport;
use crate::audit::time::TimeRange;
use crate::insights::exec::{Plan, QueryResult, Run};
use crate::source::local::{LocalInput, MIN_PART, Part, read_parts_each};

use super::read::ReaderFailed;
use crate::engine::sieve::Sieve;

/// What the one pass gave.
#[derive(Debug)]
pub struct ReadTogether {
    /// One per plan, in order.
    pub results: Vec<QueryResult>,
    /// One per input read: what could not be read in it.
    pub reports: Vec<ScanReport>,
}

/// Reads `inputs` (one timeline, each plan planned for that many inputs) once into every plan.
pub fn read_together(
    plans: &[&Plan],
    range: TimeRange,
    inputs: &[&LocalInput],
) -> Result<ReadTogether, ReaderFailed> {
    let required: Vec<Vec<Vec<String>>> = plans.iter().map(|p| p.required_literals()).collect();
    let sieve = Sieve::new(&required);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A plan whose answer depends on what came before (a `limit` or `dedup` per record) must
    // read an input whole, in order; then so does the pass.
    let splits = plans.iter().all(|p| p.splits());
    let mut runs: Vec<Run<'_>> = plans.iter().map(|p| p.start_in(range)).collect();
    let mut reports = Vec::with_capacity(inputs.len());
    for input in inputs {
        if runs.iter().all(Run::is_done) {
            break;
        }
        let parts = input.parts_to_read(splits, MIN_PART, threads);
        // A query whose `limit` was reached in an earlier input takes nothing more.
        let closed: Vec<bool> = runs.iter().map(Run::is_done).collect();
        let pass = Pass {
            plans,
            range,
            sieve: &sieve,
            closed: &closed,
            input,
        };
        let order: Vec<usize> = (0..parts.len()).collect();
        let mut report = ScanReport::default();
        // Each part's runs are merged as soon as the parts before it are: a part's state for
        // every detection is not held until the whole input is read.
        read_parts_each(
            &parts,
            &order,
            threads,
            |part| pass.read_part(part),
            |(part_runs, mut part_report)| {
                // A part counts lines from its own start: put its problems in place.
                part_report.shift_lines(report.lines);
                for (run, later) in runs.iter_mut().zip(part_runs) {
                    if let Some(later) = later {
                        run.merge(later);
                    }
                }
                report.absorb(part_report);
            },
        )
        .map_err(|_| ReaderFailed)?;
        reports.push(report);
    }
    Ok(ReadTogether {
        results: runs.into_iter().map(Run::finish).collect(),
        reports,
    })
}

/// One input read into every plan.
struct Pass<'a, 'p> {
    plans: &'a [&'p Plan],
    range: TimeRange,
    sieve: &'a Sieve,
    closed: &'a [bool],
    input: &'a LocalInput,
}

impl<'p> Pass<'_, 'p> {
    /// Each plan's run over `part`; `None` for a plan the sieve gave no record of it, which is
    /// what that run would have answered. Most detections are given no record of a part, and
    /// a run made for each would be made and dropped by the thousand over a large input.
    fn read_part(&self, part: &Part) -> (Vec<Option<Run<'p>>>, ScanReport) {
        let mut runs: Vec<Option<Run<'p>>> = self.plans.iter().map(|_| None).collect();
        let mut open_runs = self.closed.iter().filter(|c| !**c).count();
        let mut shut = self.closed.to_vec();
        let mut sifted = self.sieve.scratch();
        let report = self.input.scan_part(part, Depth::Classify, None, |record| {
            if !self.sieve.sift(record.message, &mut sifted) {
                return ControlFlow::Continue(());
            }
            for (i, run) in runs.iter_mut().enumerate() {
                if !sifted.open[i] || shut[i] {
                    continue;
                }
                let run = run.get_or_insert_with(|| self.plans[i].start_in(self.range));
                if run.push(record).is_break() {
                    shut[i] = true;
                    open_runs -= 1;
                }
            }
            if open_runs == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        (runs, report)
    }
}
