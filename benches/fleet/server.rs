//! A loopback CloudWatch Logs of many regions, for the fleet bench: enough of the AWS JSON
//! protocol for the real SDK (DescribeLogGroups, StartQuery, GetQueryResults, StopQuery) and of
//! STS's (GetCallerIdentity). Each region holds its own audit log groups, each group a known set
//! of events; a query answers `Running` once, then `Complete` with its events newest first (at
//! most 10,000, as AWS does), or one count per group for a `stats` query. Every call can be made
//! to wait, and every `limit_every`-th StartQuery is refused with `LimitExceededException`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
const AWS_ROW_CAP: usize = 10_000;

/// One audit log group: its region, cluster and events (epoch ms, message, pointer).
#[derive(Debug)]
pub struct Group {
    pub region: String,
    pub cluster: String,
    pub events: Vec<(i64, String, String)>,
}

impl Group {
    pub fn name(&self) -> String {
        format!("/aws/eks/{}/cluster", self.cluster)
    }
}

#[derive(Debug)]
struct Query {
    groups: Vec<String>,
    start_ms: i64,
    /// The first millisecond left out: AWS's end second is taken whole.
    end_ms: i64,
    stats: bool,
    polls: usize,
}

/// What the server was asked, for the bench to report and check.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub start_query: usize,
    pub limit_exceeded: usize,
    pub calls: usize,
}

#[derive(Debug, Default)]
struct State {
    counts: Counts,
    queries: HashMap<String, Query>,
}

pub struct Server {
    pub url: String,
    groups: Arc<Vec<Group>>,
    state: Arc<Mutex<State>>,
}

impl Server {
    /// Serves `groups` until the process ends; every answer after `latency`.
    pub fn start(groups: Vec<Group>, latency: Duration, limit_every: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let groups = Arc::new(groups);
        let state = Arc::new(Mutex::new(State::default()));
        {
            let (groups, state) = (groups.clone(), state.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let (groups, state) = (groups.clone(), state.clone());
                    std::thread::spawn(move || serve(conn, &groups, &state, latency, limit_every));
                }
            });
        }
        Server { url, groups, state }
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The counts so far, set back to zero.
    pub fn take_counts(&self) -> Counts {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut s.counts)
    }
}

struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The region it was signed for (SigV4's `Credential=KEY/date/REGION/…`).
    fn region(&self) -> String {
        self.header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').nth(2))
            .unwrap_or_default()
            .to_string()
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let mut request = Request {
        head,
        body: Vec::new(),
    };
    let len: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    request.body = vec![0; len];
    reader.read_exact(&mut request.body).ok()?;
    Some(request)
}

fn serve(
    conn: TcpStream,
    groups: &[Group],
    state: &Mutex<State>,
    latency: Duration,
    limit_every: usize,
) {
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    while let Some(request) = read_request(&mut reader) {
        std::thread::sleep(latency);
        let (status, content_type, body) = match request.header("x-amz-target") {
            Some(target) => {
                let op = target.rsplit('.').next().unwrap_or_default().to_string();
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                let (status, answer) =
                    logs(&mut s, groups, &op, &request.region(), &body, limit_every);
                (status, "application/x-amz-json-1.1", answer.to_string())
            }
            // STS speaks the query protocol: the only call kaudit makes is GetCallerIdentity.
            None => (
                "200 OK",
                "text/xml",
                format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
                ),
            ),
        };
        let sent = write!(
            out,
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: bench\r\n\r\n{body}",
            body.len()
        );
        if sent.and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    let _ = out.shutdown(Shutdown::Both);
}

/// `2026-11-02 08:00:00.123`, as CloudWatch writes a result's time.
fn aws_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

fn logs(
    s: &mut State,
    groups: &[Group],
    op: &str,
    region: &str,
    body: &Value,
    limit_every: usize,
) -> (&'static str, Value) {
    s.counts.calls += 1;
    match op {
        "DescribeLogGroups" => {
            let prefix = body["logGroupNamePrefix"].as_str().unwrap_or_default();
            let found: Vec<Value> = groups
                .iter()
                .filter(|g| g.region == region && g.name().starts_with(prefix))
                .map(|g| {
                    let arn = format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:{}", g.name());
                    json!({
                        "logGroupName": g.name(),
                        "arn": format!("{arn}:*"),
                        "logGroupArn": arn,
                        "creationTime": 0,
                        "storedBytes": 0,
                    })
                })
                .collect();
            ("200 OK", json!({ "logGroups": found }))
        }
        "StartQuery" => {
            s.counts.start_query += 1;
            if limit_every > 0 && s.counts.start_query.is_multiple_of(limit_every) {
                s.counts.limit_exceeded += 1;
                return (
                    "400 Bad Request",
                    json!({"__type": "LimitExceededException", "message": "Account maximum query concurrency limit of [30] reached."}),
                );
            }
            let id = format!("q-{}", s.queries.len() + 1);
            let names = body["logGroupNames"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            s.queries.insert(
                id.clone(),
                Query {
                    groups: names
                        .iter()
                        .filter_map(|n| n.as_str().map(|n| format!("{region}\t{n}")))
                        .collect(),
                    start_ms: body["startTime"].as_i64().unwrap_or(0) * 1000,
                    end_ms: (body["endTime"].as_i64().unwrap_or(0) + 1) * 1000,
                    stats: body["queryString"]
                        .as_str()
                        .is_some_and(|t| t.contains("stats")),
                    polls: 0,
                },
            );
            ("200 OK", json!({ "queryId": id }))
        }
        "GetQueryResults" => {
            let id = body["queryId"].as_str().unwrap_or_default();
            let Some(q) = s.queries.get_mut(id) else {
                return (
                    "400 Bad Request",
                    json!({"__type": "ResourceNotFoundException", "message": "unknown query"}),
                );
            };
            q.polls += 1;
            if q.polls == 1 {
                return ("200 OK", json!({"status": "Running", "results": []}));
            }
            query_answer(q, groups)
        }
        "StopQuery" => ("200 OK", json!({"success": true})),
        other => (
            "400 Bad Request",
            json!({"__type": "InvalidOperationException", "message": format!("{other} is not served here")}),
        ),
    }
}

fn query_answer(q: &Query, groups: &[Group]) -> (&'static str, Value) {
    let asked: Vec<&Group> = groups
        .iter()
        .filter(|g| q.groups.contains(&format!("{}\t{}", g.region, g.name())))
        .collect();
    let in_range = |t: &i64| *t >= q.start_ms && *t < q.end_ms;
    let mut matched = 0;
    let results: Vec<Value> = if q.stats {
        asked
            .iter()
            .map(|g| {
                let n = g.events.iter().filter(|(t, _, _)| in_range(t)).count();
                matched += n;
                json!([{"field": "count(*)", "value": n.to_string()}])
            })
            .collect()
    } else {
        let mut found: Vec<(&Group, &(i64, String, String))> = asked
            .iter()
            .flat_map(|g| g.events.iter().map(move |e| (*g, e)))
            .filter(|(_, (t, _, _))| in_range(t))
            .collect();
        matched = found.len();
        found.sort_by_key(|(_, (t, _, _))| std::cmp::Reverse(*t));
        found
            .iter()
            .take(AWS_ROW_CAP)
            .map(|(g, (t, message, ptr))| {
                json!([
                    {"field": "@log", "value": format!("{ACCOUNT}:{}", g.name())},
                    {"field": "@timestamp", "value": aws_time(*t)},
                    {"field": "@message", "value": message},
                    {"field": "@ptr", "value": ptr},
                ])
            })
            .collect()
    };
    (
        "200 OK",
        json!({
            "status": "Complete",
            "results": results,
            "statistics": {"recordsMatched": matched as f64, "recordsScanned": matched as f64, "bytesScanned": (matched * 200) as f64}
        }),
    )
}
