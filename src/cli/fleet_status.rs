//! `kaudit query --status-file FILE` over a fleet: every target's status as one JSON document,
//! for scripts. The rows stay on stdout in the form asked (`-o json` is still the rows alone);
//! the statuses go to the file, and stderr stays words for people.
//!
//! ```json
//! {"complete": false,
//!  "targets": [{"account": "…", "region": "…", "credentials": "role arn:…", "role_arn": "arn:…",
//!               "log_groups": ["…"], "status": "refused", "action": "sts:AssumeRole",
//!               "message": "…", "throttled": 0, "queries": 0, "rows": 0, "bytes_scanned": 0,
//!               "cost_usd": 0, "price_per_gb": 0.005, "price_from": "kaudit"}],
//!  "total": {…}, "concurrency": {…}}
//! ```

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::engine::cloud::price::Prices;
use crate::engine::cloud::{FleetAnswer, FleetTarget, TargetResult, TargetStatus};
use crate::text::json_escape_unsafe;

/// How far a target got.
#[derive(Debug)]
pub enum Reached<'a> {
    /// Its clusters were found and queried.
    Queried(&'a TargetResult),
    /// Its clusters could not be listed: why.
    Unlisted(TargetStatus),
    /// No cluster matched there: nothing to query, not an error.
    NoCluster,
}

fn time(s: i64) -> String {
    jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string())
}

/// The fields a status adds: its name, and what it says.
fn status_fields(status: &TargetStatus, into: &mut serde_json::Map<String, Value>) {
    let name = match status {
        TargetStatus::Complete => "complete",
        TargetStatus::Partial { uncovered, why } => {
            let ranges: Vec<Value> = uncovered
                .iter()
                .map(|(a, b)| json!({"start": time(*a), "end": time(*b)}))
                .collect();
            into.insert("uncovered".into(), Value::from(ranges));
            into.insert("why".into(), json!(why));
            "partial"
        }
        TargetStatus::Refused { action, message } => {
            into.insert("action".into(), json!(action));
            into.insert("message".into(), json!(message));
            "refused"
        }
        TargetStatus::Failed { why } => {
            into.insert("why".into(), json!(why));
            "failed"
        }
    };
    into.insert("status".into(), json!(name));
}

/// One target's entry.
pub fn entry(target: &FleetTarget, reached: &Reached<'_>, prices: &Prices) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("account".into(), json!(target.account));
    o.insert("region".into(), json!(target.region));
    o.insert("credentials".into(), json!(target.who));
    o.insert("role_arn".into(), json!(target.connect.role_arn));
    o.insert("log_groups".into(), json!(target.groups));
    let empty = TargetResult::of(TargetStatus::Complete);
    let result = match reached {
        Reached::Queried(r) => {
            status_fields(&r.status, &mut o);
            *r
        }
        Reached::Unlisted(status) => {
            status_fields(status, &mut o);
            o.insert("while".into(), json!("listing its clusters"));
            &empty
        }
        Reached::NoCluster => {
            o.insert("status".into(), json!("no_cluster"));
            &empty
        }
    };
    let bytes = result.stats.bytes_scanned;
    o.insert("throttled".into(), json!(result.throttled));
    o.insert("queries".into(), json!(result.queries));
    o.insert("rows".into(), json!(result.rows));
    o.insert("bytes_scanned".into(), json!(bytes));
    let price = prices.per_gb(&target.region);
    o.insert(
        "cost_usd".into(),
        json!(price.map(|(p, _)| p * bytes / 1e9)),
    );
    o.insert("price_per_gb".into(), json!(price.map(|(p, _)| p)));
    o.insert(
        "price_from".into(),
        json!(price.map(|(_, from)| from.name())),
    );
    Value::Object(o)
}

/// The whole document: every target, the totals, and the concurrency (when queries ran).
pub fn document(entries: Vec<Value>, answer: Option<&FleetAnswer>) -> Value {
    let complete = entries
        .iter()
        .all(|e| matches!(e["status"].as_str(), Some("complete" | "no_cluster")))
        && entries.iter().any(|e| e["status"] == "complete");
    let sum = |key: &str| -> f64 { entries.iter().filter_map(|e| e[key].as_f64()).sum() };
    let unpriced: Vec<&Value> = entries
        .iter()
        .filter(|e| e["cost_usd"].is_null() && e["bytes_scanned"].as_f64() > Some(0.0))
        .map(|e| &e["region"])
        .collect();
    let total = json!({
        "rows": answer.map_or(0, |a| a.result.rows.len()),
        "bytes_scanned": sum("bytes_scanned"),
        "cost_usd": sum("cost_usd"),
        "unpriced_regions": unpriced,
    });
    let concurrency = answer.map(|a| {
        let (first, last, most) = a.concurrency;
        json!({"first": first, "last": last, "most_at_once": most})
    });
    json!({
        "complete": complete,
        "targets": entries,
        "total": total,
        "concurrency": concurrency,
    })
}

/// `doc` written to `path` whole: to a file beside it, then renamed over it, so a script never
/// reads half of one.
pub fn write(path: &Path, doc: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(doc).context("the status document")?;
    // serde_json leaves DEL, C1 and bidi controls raw: escaped here, the same JSON.
    let text = json_escape_unsafe(&text);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "status".into());
    let partial = path.with_file_name(format!(".{name}.part"));
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write the status file {}", partial.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the status file {}", partial.display()))?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot write the status file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cloud::Connect;

    fn target(region: &str, role: Option<&str>) -> FleetTarget {
        FleetTarget {
            connect: Connect {
                role_arn: role.map(str::to_string),
                ..Connect::default()
            },
            who: "default credentials".into(),
            region: region.into(),
            account: Some("123456789012".into()),
            groups: vec!["/aws/eks/prod-a/cluster".into()],
        }
    }

    #[test]
    fn each_status_says_what_a_script_needs() {
        let prices = Prices::with_user(vec![("eu-west-1".into(), 0.01)]);
        let partial = TargetResult {
            status: TargetStatus::Partial {
                uncovered: vec![(0, 1)],
                why: vec!["stopped at --max-rows 10".into()],
            },
            throttled: 2,
            queries: 3,
            stats: crate::source::cloudwatch::QueryStats {
                bytes_scanned: 2e9,
                ..Default::default()
            },
            rows: 10,
        };
        let e = entry(
            &target("eu-west-1", None),
            &Reached::Queried(&partial),
            &prices,
        );
        assert_eq!(e["status"], "partial");
        assert_eq!(e["uncovered"][0]["start"], "1970-01-01T00:00:00Z");
        assert_eq!(e["uncovered"][0]["end"], "1970-01-01T00:00:01Z");
        assert_eq!(e["why"][0], "stopped at --max-rows 10");
        assert_eq!(e["throttled"], 2);
        assert_eq!(e["queries"], 3);
        assert_eq!(e["rows"], 10);
        assert_eq!(e["cost_usd"], 0.02);
        assert_eq!(e["price_from"], "user");
        let refused = Reached::Unlisted(TargetStatus::Refused {
            action: "sts:AssumeRole".into(),
            message: "no".into(),
        });
        let role = "arn:aws:iam::111111111111:role/r";
        let r = entry(&target("ap-south-1", Some(role)), &refused, &prices);
        assert_eq!(r["status"], "refused");
        assert_eq!(r["action"], "sts:AssumeRole");
        assert_eq!(r["role_arn"], role);
        assert_eq!(r["while"], "listing its clusters");
        assert!(r["cost_usd"].is_null() && r["price_from"].is_null());
        let doc = document(vec![e, r], None);
        assert_eq!(doc["complete"], false);
        assert_eq!(doc["total"]["bytes_scanned"], 2e9);
        assert_eq!(doc["total"]["cost_usd"], 0.02);
    }
}
