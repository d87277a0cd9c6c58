//! The answers the `query` bench holds kaudit's to, computed here with serde_json alone (no jq,
//! no DuckDB, nothing of kaudit's), so that a run with neither tool still checks every answer;
//! and the typed-parse baseline, which computes Q1's rows too.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use crate::canon::{millis, newest_first};

/// How one case's answer is computed from the events, each parsed into a `serde_json::Value`.
#[derive(Clone, Copy)]
pub enum Reference {
    /// A row for every event `row` gives one for.
    Rows(fn(&Value) -> Option<String>),
    /// `key=n` for every key `key` gives, n the events that gave it.
    CountBy(fn(&Value) -> Option<String>),
    /// One row: how many lines of the file, as written, `matches`.
    Count(fn(&str) -> bool),
    /// The `n` newest, newest first: `row` gives an event's time to the millisecond and its row.
    Newest(usize, fn(&Value) -> (String, String)),
}

/// A case's answer as far as one part of the file has been read.
enum Partial {
    Rows(Vec<String>),
    Counts(BTreeMap<String, u64>),
    Count(u64),
    /// At least the n + 1 newest so far (one more than asked shows a tie at the cut).
    Newest(Vec<(String, String)>),
}

impl Partial {
    fn new(reference: Reference) -> Self {
        match reference {
            Reference::Rows(_) => Partial::Rows(Vec::new()),
            Reference::CountBy(_) => Partial::Counts(BTreeMap::new()),
            Reference::Count(_) => Partial::Count(0),
            Reference::Newest(..) => Partial::Newest(Vec::new()),
        }
    }

    fn add(&mut self, reference: Reference, line: &str, event: &Value) {
        match (self, reference) {
            (Partial::Rows(rows), Reference::Rows(row)) => rows.extend(row(event)),
            (Partial::Counts(counts), Reference::CountBy(key)) => {
                if let Some(k) = key(event) {
                    *counts.entry(k).or_default() += 1;
                }
            }
            (Partial::Count(n), Reference::Count(matches)) => *n += u64::from(matches(line)),
            (Partial::Newest(kept), Reference::Newest(n, row)) => {
                kept.push(row(event));
                if kept.len() > 4 * (n + 1) {
                    keep_newest(kept, n + 1);
                }
            }
            _ => unreachable!("a partial answer is made for its own reference"),
        }
    }

    fn merge(&mut self, other: Partial, reference: Reference) {
        match (self, other) {
            (Partial::Rows(a), Partial::Rows(b)) => a.extend(b),
            (Partial::Counts(a), Partial::Counts(b)) => {
                for (k, n) in b {
                    *a.entry(k).or_default() += n;
                }
            }
            (Partial::Count(a), Partial::Count(b)) => *a += b,
            (Partial::Newest(a), Partial::Newest(b)) => {
                a.extend(b);
                if let Reference::Newest(n, _) = reference {
                    keep_newest(a, n + 1);
                }
            }
            _ => unreachable!("parts of one case are merged"),
        }
    }

    /// The rows in the bench's one form, or why there is no single answer.
    fn finish(self, reference: Reference) -> Result<Vec<String>, String> {
        let mut rows = match self {
            Partial::Rows(rows) => rows,
            Partial::Counts(counts) => counts.iter().map(|(k, n)| format!("{k}={n}")).collect(),
            Partial::Count(n) => vec![n.to_string()],
            Partial::Newest(mut kept) => {
                let Reference::Newest(n, _) = reference else {
                    unreachable!("a partial answer is made for its own reference")
                };
                keep_newest(&mut kept, n + 1);
                if kept.len() > n && kept[n - 1].0 == kept[n].0 {
                    return Err(format!(
                        "no single answer: the {n}th and {}th newest events share the time {}",
                        n + 1,
                        kept[n].0
                    ));
                }
                kept.truncate(n);
                return Ok(newest_first(kept.into_iter().map(|(_, r)| r).collect()));
            }
        };
        rows.sort();
        Ok(rows)
    }
}

/// Keeps the `n` newest of `kept`, newest first (which of several at one time is not decided).
fn keep_newest(kept: &mut Vec<(String, String)>, n: usize) {
    kept.sort_by(|a, b| b.0.cmp(&a.0));
    kept.truncate(n);
}

/// `data` cut into one part a core, each ending at a line's end.
fn parts(data: &[u8]) -> Vec<&[u8]> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut cuts = vec![0];
    for k in 1..threads {
        let at = (data.len() * k / threads).max(*cuts.last().unwrap_or(&0));
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
        cuts.push(end);
    }
    cuts.push(data.len());
    cuts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

/// Every case's answer over the JSON lines of `data`, every line parsed once into a
/// `serde_json::Value`, on every core; the seconds it took.
pub fn answers(data: &[u8], references: &[Reference]) -> (f64, Vec<Result<Vec<String>, String>>) {
    let t = Instant::now();
    let partials: Vec<Vec<Partial>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts(data)
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    let mut partials: Vec<Partial> =
                        references.iter().map(|r| Partial::new(*r)).collect();
                    for line in part.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                        let line = std::str::from_utf8(line).expect("a demo line is UTF-8");
                        let event: Value = serde_json::from_str(line)
                            .unwrap_or_else(|e| panic!("a demo line: {e}: {line}"));
                        for (p, r) in partials.iter_mut().zip(references) {
                            p.add(*r, line, &event);
                        }
                    }
                    partials
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut whole: Vec<Partial> = references.iter().map(|r| Partial::new(*r)).collect();
    for part in partials {
        for ((w, p), r) in whole.iter_mut().zip(part).zip(references) {
            w.merge(p, *r);
        }
    }
    let answers = whole
        .into_iter()
        .zip(references)
        .map(|(w, r)| w.finish(*r))
        .collect();
    (t.elapsed().as_secs_f64(), answers)
}

/// The raw typed-parse baseline: every line of `data` parsed with serde_json into the fields Q1
/// reads, on every core; the seconds it took and Q1's rows, in the bench's one form (the file
/// already in memory; not whole-process).
pub fn typed_baseline(data: &[u8]) -> (f64, Vec<String>) {
    #[derive(serde::Deserialize)]
    struct Obj<'a> {
        #[serde(borrow)]
        resource: Option<Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    struct Ev<'a> {
        #[serde(borrow)]
        verb: Option<Cow<'a, str>>,
        #[serde(borrow, rename = "objectRef")]
        object_ref: Option<Obj<'a>>,
    }
    /// What a row shows, read again only from the few lines that match, so that the time is
    /// still that of the parse the filter needs.
    #[derive(serde::Deserialize)]
    struct Shown<'a> {
        #[serde(borrow, rename = "auditID")]
        audit_id: Option<Cow<'a, str>>,
        #[serde(borrow, rename = "stageTimestamp")]
        stage_timestamp: Option<Cow<'a, str>>,
    }
    let t = Instant::now();
    let mut rows: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = parts(data)
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                        .filter_map(|l| {
                            let ev: Ev<'_> = serde_json::from_slice(l).unwrap();
                            let wanted = ev.object_ref.and_then(|o| o.resource).as_deref()
                                == Some("clusterrolebindings")
                                && matches!(
                                    ev.verb.as_deref(),
                                    Some("create" | "update" | "patch" | "delete")
                                );
                            wanted.then(|| {
                                let shown: Shown<'_> = serde_json::from_slice(l).unwrap();
                                format!(
                                    "{} {} {}",
                                    millis(shown.stage_timestamp.as_deref().unwrap_or("-")),
                                    shown.audit_id.as_deref().unwrap_or("-"),
                                    ev.verb.as_deref().unwrap_or("-")
                                )
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let secs = t.elapsed().as_secs_f64();
    rows.sort();
    (secs, rows)
}
