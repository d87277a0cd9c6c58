//! Writing the demo out: JSON lines, the JSON `aws logs filter-log-events` prints, AKS
//! diagnostic records or GKE Cloud Audit entries.

use std::io::{self, Write};

use super::json::JsonOut;
use super::rng::Rng;
use super::{CLUSTER, DemoConfig, DemoFormat, DemoGenerator, LOG_STREAMS};

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    pub events: u64,
    /// Of which the story's.
    pub story_events: u64,
    pub bytes: u64,
    /// `stageTimestamp` of the first and last event, µs since the epoch.
    pub first_micros: i64,
    pub last_micros: i64,
}

/// Output is gathered into chunks of about this size, so an unbuffered writer (a file, stdout)
/// sees few large writes.
const CHUNK: usize = 1 << 20;

/// Writes the demo log to `out` and says what it wrote.
pub fn write_demo<W: Write + ?Sized>(
    cfg: &DemoConfig,
    format: DemoFormat,
    out: &mut W,
) -> io::Result<DemoSummary> {
    let mut generator = DemoGenerator::new(cfg);
    let mut summary = DemoSummary::default();
    let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK + 64 * 1024);
    let mut line = Vec::with_capacity(8192);
    let mut cloudwatch = (format == DemoFormat::CloudWatch).then(|| CloudWatch::new(cfg.seed));
    if cloudwatch.is_some() {
        chunk.raw("{\n    \"events\": [\n");
    }
    while let Some(info) = generator.next_line(&mut line) {
        if summary.events == 0 {
            summary.first_micros = info.time_micros;
        }
        summary.last_micros = info.time_micros;
        summary.events += 1;
        summary.story_events += u64::from(info.story);
        match &mut cloudwatch {
            None if format == DemoFormat::Aks => aks_record(&mut chunk, &line, info.time_micros),
            None if format == DemoFormat::Gke => super::gke::entry(&mut chunk, &line, CLUSTER),
            None => {
                chunk.extend_from_slice(&line);
                chunk.push(b'\n');
            }
            Some(cw) => cw.entry(&mut chunk, &line, info.time_micros, summary.events == 1),
        }
        if chunk.len() >= CHUNK {
            out.write_all(&chunk)?;
            summary.bytes += chunk.len() as u64;
            chunk.clear();
        }
    }
    if cloudwatch.is_some() {
        chunk.raw("\n    ],\n    \"searchedLogStreams\": [");
        for (i, stream) in LOG_STREAMS.iter().enumerate() {
            chunk.raw(if i == 0 { "\n" } else { ",\n" });
            chunk.raw("        {\n            \"logStreamName\": \"");
            chunk.raw(stream);
            chunk.raw("\",\n            \"searchedCompletely\": true\n        }");
        }
        chunk.raw("\n    ]\n}\n");
    }
    out.write_all(&chunk)?;
    summary.bytes += chunk.len() as u64;
    out.flush()?;
    Ok(summary)
}

/// The demo's cluster as AKS names it, in a subscription of the documentation's.
const AKS_RESOURCE_ID: &str = "/SUBSCRIPTIONS/00000000-0000-4000-8000-0000000000A7/RESOURCEGROUPS/RG-ATLAS/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/ATLAS-PROD";

/// One `kube-audit` diagnostic record, as Azure writes it, on a line of its own.
fn aks_record(out: &mut Vec<u8>, event: &[u8], micros: i64) {
    out.raw(
        "{\"operationName\":\"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read\",\
         \"category\":\"kube-audit\",\"ccpNamespace\":\"6a7e1c0d2b3f4a0001c0ffee\",\"resourceId\":\"",
    );
    out.raw(AKS_RESOURCE_ID);
    out.raw("\",\"properties\":{\"log\":\"");
    out.py_str_body(event);
    out.raw("\",\"stream\":\"stdout\",\"pod\":\"kube-apiserver-6d9f7c8b4-q2w8x\"},\"time\":\"");
    out.time_micros(micros);
    out.raw("\",\"Cloud\":\"AzureCloud\",\"Environment\":\"prod\"}\n");
}

/// The per-entry fields CloudWatch adds: which API server's stream, when it was ingested, an
/// event ID. Drawn from their own generator so the events are the same in both formats.
struct CloudWatch {
    rng: Rng,
    seq: u64,
}

impl CloudWatch {
    fn new(seed: u64) -> Self {
        CloudWatch {
            rng: Rng::new(seed ^ 0x636c_6f75_6477),
            seq: 0,
        }
    }

    /// One element of `events`, indented as the AWS CLI prints it.
    fn entry(&mut self, out: &mut Vec<u8>, message: &[u8], micros: i64, first: bool) {
        let millis = micros.div_euclid(1000).max(0) as u64;
        self.seq += 1;
        let stream = LOG_STREAMS[self.rng.index(LOG_STREAMS.len())];
        out.raw(if first { "" } else { ",\n" });
        out.raw("        {\n            \"logStreamName\": \"");
        out.raw(stream);
        out.raw("\",\n            \"timestamp\": ");
        out.num(millis);
        out.raw(",\n            \"message\": \"");
        out.py_str_body(message);
        out.raw("\",\n            \"ingestionTime\": ");
        out.num(millis + self.rng.range(600, 2800));
        // Real event IDs are 56 digits; these are unique by construction (time, then sequence).
        out.raw(",\n            \"eventId\": \"3");
        pad(out, millis, 19);
        pad(out, self.seq, 20);
        pad(out, self.rng.below(10_000_000_000_000_000), 16);
        out.raw("\"\n        }");
    }
}

fn pad(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = Vec::with_capacity(20);
    digits.num(value);
    for _ in digits.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits);
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use serde_json::Value;

    use super::super::{DemoConfig, DemoFormat, LOG_STREAMS, demo_bytes, story};
    use super::write_demo;

    #[test]
    fn cloudwatch_form_carries_the_same_events() {
        let cfg = DemoConfig {
            events: 2_000,
            seed: 3,
        };
        let mut out = Vec::new();
        let summary = write_demo(&cfg, DemoFormat::CloudWatch, &mut out).unwrap();
        assert_eq!(summary.bytes, out.len() as u64);
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let jsonl = demo_bytes(&cfg);
        let lines: Vec<&str> = std::str::from_utf8(&jsonl).unwrap().lines().collect();
        let entries = doc["events"].as_array().unwrap();
        assert_eq!(entries.len(), lines.len());
        assert_eq!(summary.events, lines.len() as u64);
        let mut event_ids = HashSet::new();
        let mut streams_used = BTreeSet::new();
        for (entry, line) in entries.iter().zip(&lines) {
            assert_eq!(entry["message"].as_str().unwrap(), *line);
            let stream = entry["logStreamName"].as_str().unwrap();
            assert!(LOG_STREAMS.contains(&stream));
            assert!(stream.starts_with("kube-apiserver-audit-") && stream.len() == 21 + 32);
            streams_used.insert(stream);
            let event: Value = serde_json::from_str(line).unwrap();
            let stage: jiff::Timestamp = event["stageTimestamp"].as_str().unwrap().parse().unwrap();
            let ts = entry["timestamp"].as_i64().unwrap();
            assert_eq!(ts, stage.as_millisecond());
            assert!(entry["ingestionTime"].as_i64().unwrap() >= ts);
            let id = entry["eventId"].as_str().unwrap();
            assert!(
                id.len() == 56 && id.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            assert!(event_ids.insert(id.to_owned()));
        }
        assert!(streams_used.len() >= 2, "several API servers");
        let searched: Vec<&str> = doc["searchedLogStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["logStreamName"].as_str().unwrap())
            .collect();
        assert_eq!(searched, LOG_STREAMS);
    }

    #[test]
    fn jsonl_writer_matches_the_in_memory_demo() {
        let cfg = DemoConfig {
            events: 1_500,
            seed: 11,
        };
        let mut out = Vec::new();
        let summary = write_demo(&cfg, DemoFormat::Jsonl, &mut out).unwrap();
        assert_eq!(out, demo_bytes(&cfg));
        assert_eq!(summary.bytes, out.len() as u64);
        assert_eq!(summary.events, 1_500);
        let story_events: usize = story().iter().map(|s| s.audit_ids.len()).sum();
        assert_eq!(summary.story_events, story_events as u64);
        assert!(summary.first_micros <= summary.last_micros);
    }
}
