//! Splitting a large JSON-lines input so that several threads can scan it at once.

use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::LocalInput;
use crate::audit::decode::{Depth, decode_event};
use crate::audit::formats::{self, AuditRecord, Position, ScanReport, Skip};

/// Below this, one thread reads faster than two start.
pub const MIN_PART: usize = 16 << 20;

/// A piece of an input that starts at a line boundary.
///
/// Lines are counted from the part's own start (counting the lines before it would be one more
/// pass over them before any thread could begin): the report of each part counts its lines, and
/// [`ScanReport::shift_lines`] moves a later part's problems by the lines of the parts before.
/// Offsets are the input's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Where the piece starts in the input: its byte offset (lines from the part's start).
    pub start: Position,
    pub range: Range<usize>,
}

impl Part {
    /// The whole of an input of `len` bytes.
    pub fn whole(len: usize) -> Part {
        Part {
            start: Position::default(),
            range: 0..len,
        }
    }
}

impl LocalInput {
    /// The parts a reader reads this input in: when it may read them apart (`splits`), enough
    /// of about `part_bytes` to keep `threads` threads busy to the end; else the whole.
    pub fn parts_to_read(&self, splits: bool, part_bytes: usize, threads: usize) -> Vec<Part> {
        let len = self.bytes().len();
        if splits {
            self.parts((len / part_bytes).max(threads), part_bytes)
        } else {
            vec![Part::whole(len)]
        }
    }

    /// Up to `n` parts of about equal size, none under `min_bytes` (so at most one for a small
    /// input), each to be scanned with [`LocalInput::scan_part`],
    /// together covering the input in order. Only an input of one-line events is split, and only
    /// where the next line is a whole event: a pretty-printed document or a CloudWatch page must be
    /// read whole, so such an input is one part.
    pub fn parts(&self, n: usize, min_bytes: usize) -> Vec<Part> {
        let data = self.bytes();
        let whole = vec![Part::whole(data.len())];
        if n < 2 || data.len() < 2 * min_bytes || !starts_with_event_line(data) {
            return whole;
        }
        let mut cuts = vec![0];
        for k in 1..n {
            let target = data.len() * k / n;
            match cut_near(data, target) {
                Some(cut) if cut >= *cuts.last().unwrap_or(&0) + min_bytes => cuts.push(cut),
                _ => {}
            }
        }
        if cuts.len() < 2 {
            return whole;
        }
        cuts.push(data.len());
        cuts.windows(2)
            .map(|w| Part {
                start: Position {
                    offset: w[0] as u64,
                    line: 0,
                },
                range: w[0]..w[1],
            })
            .collect()
    }

    /// Scans one part (see [`LocalInput::scan`]); the first part also looks at the input as a
    /// whole, the last reports a gzip stream that ended badly.
    pub fn scan_part(
        &self,
        part: &Part,
        depth: Depth,
        skip: Option<Skip<'_>>,
        on_event: impl FnMut(&AuditRecord<'_>) -> ControlFlow<()>,
    ) -> ScanReport {
        let data = self.bytes();
        self.read_ahead(part.range.clone());
        let chunk = &data[part.range.clone()];
        let mut report = if part.range.start == 0 {
            formats::scan_skipping(chunk, &self.origin, depth, skip, on_event)
        } else {
            formats::scan_lines_skipping(chunk, &self.origin, part.start, depth, skip, on_event)
        };
        if part.range.end == data.len() {
            self.report_gzip_error(&mut report);
        }
        self.release(part.range.clone());
        report
    }
}

/// Does the input begin with a line that is one whole event?
fn starts_with_event_line(data: &[u8]) -> bool {
    let end = memchr::memchr(b'\n', data).unwrap_or(data.len());
    whole_event(&data[..end])
}

fn whole_event(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.first() == Some(&b'{')
        && line.last() == Some(&b'}')
        && (decode_event(line, Depth::Minimal).is_ok_and(|e| !e.truncated)
            || formats::is_gke_entry(line)
            || formats::is_aks_record(line))
}

/// The start of the first line at or after `target` that is a whole event, looking a little way.
fn cut_near(data: &[u8], target: usize) -> Option<usize> {
    let mut at = target;
    for _ in 0..64 {
        let nl = at + memchr::memchr(b'\n', data.get(at..)?)?;
        let start = nl + 1;
        let end = memchr::memchr(b'\n', data.get(start..)?).map_or(data.len(), |k| start + k);
        let before = &data[..nl];
        let before = before.strip_suffix(b"\r").unwrap_or(before);
        if before.last() == Some(&b'}') && whole_event(&data[start..end]) {
            return Some(start);
        }
        at = start;
    }
    None
}

/// Reads `parts` on up to `threads` threads, in the order `order` gives (indexes into `parts`),
/// each thread taking the next part not yet taken; the answers come back in part order. A
/// reader that panicked makes the whole fail.
pub fn read_parts<T: Send>(
    parts: &[Part],
    order: &[usize],
    threads: usize,
    read: impl Fn(&Part) -> T + Sync,
) -> std::thread::Result<Vec<T>> {
    let mut all = Vec::with_capacity(parts.len());
    read_parts_each(parts, order, threads, read, |t| all.push(t))?;
    Ok(all)
}

/// [`read_parts`], each answer handed to `take` on the calling thread, in part order, as soon
/// as every part before it is answered: what a part left behind need not be held until the
/// last part is read.
pub fn read_parts_each<T: Send>(
    parts: &[Part],
    order: &[usize],
    threads: usize,
    read: impl Fn(&Part) -> T + Sync,
    mut take: impl FnMut(T),
) -> std::thread::Result<()> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(order.len()))
            .map(|_| {
                let tx = tx.clone();
                let (next, read) = (&next, &read);
                scope.spawn(move || {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        if tx.send((i, read(&parts[i]))).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        // Answers that came before one of an earlier part wait here.
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, t) in rx {
            waiting.insert(i, t);
            while let Some(t) = waiting.remove(&due) {
                take(t);
                due += 1;
            }
        }
        for handle in handles {
            handle.join()?;
        }
        // Parts not in `order` are never answered: the rest follow in part order.
        for (_, t) in waiting {
            take(t);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::formats::Origin;

    fn event(i: usize) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{i}","verb":"get","requestObject":{{"pad":"{}"}}}}"#,
            "x".repeat(i % 300)
        )
    }

    #[test]
    fn parts_cover_the_input_and_scan_to_the_same_events() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 * MIN_PART {
            text.push_str(&event(i));
            text.push('\n');
            if i % 1000 == 7 {
                text.push_str("{\"kind\": 0}\n");
            }
            i += 1;
        }
        let input = LocalInput::from_vec(Origin::new("big.log", "big"), text.into_bytes());
        let parts = input.parts(2, MIN_PART);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].range.start, 0);
        assert_eq!(parts[0].range.end, parts[1].range.start);
        assert_eq!(parts[1].range.end, input.bytes().len());
        let whole_ids = |p: &[Part]| {
            let mut ids = Vec::new();
            let mut report = ScanReport::default();
            let mut lines_before = 0;
            for part in p {
                let mut part_report = input.scan_part(part, Depth::Minimal, None, |r| {
                    ids.push((
                        r.line + lines_before,
                        r.system.offset,
                        r.event.audit_id.as_deref().map(String::from),
                    ));
                    ControlFlow::Continue(())
                });
                part_report.shift_lines(lines_before);
                lines_before += part_report.lines;
                report.absorb(part_report);
            }
            (ids, report.events, report.malformed, report.problems)
        };
        let one = whole_ids(&input.parts(1, MIN_PART));
        let two = whole_ids(&parts);
        assert_eq!(one, two, "lines, offsets, events and problems agree");
        assert_eq!(two.1, i as u64);
    }

    #[test]
    fn a_mapped_file_reads_the_same_after_its_parts_are_read_ahead_and_let_go() {
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 * MIN_PART {
            text.push_str(&event(i));
            text.push('\n');
            i += 1;
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit.log");
        std::fs::write(&path, &text).expect("write");
        // An old file is mapped; one written just now would be read into memory.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let file = std::fs::File::options()
            .write(true)
            .open(&path)
            .expect("open");
        file.set_modified(old).expect("set the time");
        let input = super::super::open(&super::super::InputSpec::Path(path)).expect("opens");
        assert!(matches!(input.data, super::super::Data::Mapped(_)));
        let ids = |input: &LocalInput| {
            let mut ids = Vec::new();
            for part in input.parts(3, MIN_PART) {
                input.scan_part(&part, Depth::Minimal, None, |r| {
                    ids.push(r.event.audit_id.as_deref().map(String::from));
                    ControlFlow::Continue(())
                });
            }
            ids
        };
        let first = ids(&input);
        assert_eq!(first.len(), i);
        assert_eq!(ids(&input), first, "a second read sees the same events");
        assert_eq!(input.bytes(), text.as_bytes());
    }

    #[test]
    fn pretty_or_small_inputs_stay_whole() {
        let pretty = format!(
            "{{\n  \"auditID\": \"a\"\n}}\n{}",
            "\n".repeat(3 * MIN_PART)
        );
        let input = LocalInput::from_vec(Origin::new("p", "p"), pretty.into_bytes());
        assert_eq!(input.parts(2, MIN_PART).len(), 1);
        let small = LocalInput::from_vec(Origin::new("s", "s"), event(1).into_bytes());
        assert_eq!(small.parts(2, MIN_PART).len(), 1);
    }
}
