//! A loopback server of CloudWatch Logs' JSON protocol for what moto does not do: StopQuery,
//! GetLogRecord, scripted queries (long-running ones, ones that hit the 10,000-row cap) and
//! injected throttling. Every other call is forwarded to moto as it came. It records the
//! operations it saw, so tests can prove what reached "AWS".

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// One event a scripted query can find: its time (epoch ms), `@ptr` and message.
#[derive(Debug, Clone)]
pub struct Event {
    pub time_ms: i64,
    pub ptr: String,
    pub message: String,
}

/// One step of a scripted live tail session.
#[derive(Debug, Clone)]
pub enum LiveStep {
    /// A session update: `(time ms, stream, message)` events, and whether AWS sampled them.
    Update {
        events: Vec<(i64, String, String)>,
        sampled: bool,
    },
    /// A pause, with heartbeats (empty updates) every 200 ms as AWS sends them.
    Wait(u64),
    /// The connection drops, mid-stream.
    Drop,
    /// AWS ends the session with a SessionTimeoutException.
    Timeout,
}

/// How scripted queries answer.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// The events of the log group; a query returns those in its range (its end taken as
    /// [`State::end_rounding`] says), newest first (oldest first for `sort @timestamp asc`), at
    /// most `cap` of them, whatever else the query says (as if each were a query of events).
    pub events: Vec<Event>,
    pub cap: usize,
    /// GetQueryResults answers `Running` this many times before `Complete`.
    pub running_polls: usize,
    /// Instead of `Complete`, the query ends in this state (`Failed`, `Timeout`).
    pub ends: Option<&'static str>,
}

/// Which events a scripted query's end time (whole seconds) takes in. AWS documents the range as
/// inclusive without saying to what precision; kaudit must lose nothing whichever it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndRounding {
    /// The whole end second: events before `(end + 1) * 1000` ms.
    #[default]
    WholeSecond,
    /// Only the end second's first instant, as moto does: events at or before `end * 1000` ms.
    FirstInstant,
    /// None of the end second: events before `end * 1000` ms.
    Exclusive,
}

impl EndRounding {
    pub const ALL: [EndRounding; 3] = [
        EndRounding::WholeSecond,
        EndRounding::FirstInstant,
        EndRounding::Exclusive,
    ];

    /// The first millisecond a query ending at `end_s` leaves out.
    fn end_ms(self, end_s: i64) -> i64 {
        match self {
            EndRounding::WholeSecond => (end_s + 1) * 1000,
            EndRounding::FirstInstant => end_s * 1000 + 1,
            EndRounding::Exclusive => end_s * 1000,
        }
    }
}

#[derive(Debug, Default)]
struct Query {
    start_s: i64,
    end_s: i64,
    /// Sorted `@timestamp asc`: the oldest first (and the oldest kept at the cap).
    oldest_first: bool,
    /// Left out by [`State::only_texts_with`].
    finds_nothing: bool,
    polls: usize,
    stopped: bool,
    /// GetQueryResults has said it ended.
    ended: bool,
    /// The groups it was started over by ARN (`logGroupIdentifiers`).
    identifiers: Vec<String>,
}

/// An access key that expires: once `after` calls of `op` signed with it have been answered,
/// every call signed with it is refused as AWS refuses an expired session's.
#[derive(Debug, Clone)]
pub struct Expiry {
    pub key: String,
    pub op: String,
    pub after: usize,
}

#[derive(Debug, Default)]
pub struct State {
    /// Every operation received, in order (`StartQuery`, …).
    pub calls: Vec<String>,
    /// The access key each of `calls` was signed with.
    pub signers: Vec<String>,
    /// The region each of `calls` was signed for.
    pub regions: Vec<String>,
    /// Operations to refuse in one region only, `(op, region)`, with this `(code, message)`.
    pub refuse_in: HashMap<(String, String), (String, String)>,
    /// Operations to refuse with a LimitExceededException (the account runs as many Logs
    /// Insights queries as it will), and how many times more.
    pub limit_exceeded: HashMap<String, usize>,
    pub expiry: Option<Expiry>,
    /// Operations to refuse with a ThrottlingException, and how many times more.
    pub throttle: HashMap<String, usize>,
    /// Operations to answer with 503 Service Unavailable, and how many times more.
    pub unavailable: HashMap<String, usize>,
    /// Calls of an operation answered normally before `unavailable` applies to it.
    pub unavailable_after: HashMap<String, usize>,
    /// Operations to answer only after this long, and how many times more.
    pub stall: HashMap<String, (usize, std::time::Duration)>,
    /// Stalls in progress, and requests that arrived while one was: a client that gave up on
    /// a stalled attempt and retried.
    pub stalling: usize,
    pub arrived_while_stalled: usize,
    /// Operations answered only after this long (on the same connection: a slow service, not
    /// a dead one), and how many times more.
    pub delay: HashMap<String, (usize, std::time::Duration)>,
    /// Every operation whose answer was written back, in order: unlike `calls`, a test that
    /// sees one here knows the client has (or is about to have) what the answer said.
    pub answered: Vec<String>,
    /// Live tail sessions whose script was played to its last step (an end, a drop, a timeout).
    pub live_played: usize,
    /// Operations to refuse every time with this `(error code, message)`.
    pub refuse: HashMap<String, (String, String)>,
    /// When set, StartQuery and GetQueryResults are answered here.
    pub script: Option<Script>,
    /// GetLogRecord's answers, by pointer.
    pub records: HashMap<String, HashMap<String, String>>,
    queries: HashMap<String, Query>,
    /// The ranges scripted queries were started with, in order.
    pub ranges: Vec<(i64, i64)>,
    /// The query texts queries were started with (scripted or forwarded to moto), in order.
    pub texts: Vec<String>,
    /// How scripted queries take their end time.
    pub end_rounding: EndRounding,
    /// When set, a scripted query whose text does not hold this finds nothing: one query of
    /// many (a detection among the library's) answers over the events.
    pub only_texts_with: Option<String>,
    /// Live tail sessions, one script each, in the order they are started; past the last, a
    /// session sends heartbeats until it is closed.
    pub live: VecDeque<Vec<LiveStep>>,
    /// Scripts for the sessions started in one region, before `live`'s.
    pub live_in: HashMap<String, VecDeque<Vec<LiveStep>>>,
    /// Live tail sessions started.
    pub live_started: usize,
    /// StartLiveTail requests to refuse with LimitExceededException (the account holds as many
    /// sessions as it may), and how many times more.
    pub live_limit_exceeded: usize,
    /// Each StartLiveTail request's `logGroupIdentifiers` and the region it was signed for, in
    /// order (refused ones too).
    pub live_requests: Vec<(String, Vec<String>)>,
    /// When each scripted live update was written to its connection.
    pub updates_sent: Vec<std::time::Instant>,
    /// Log groups of linked source accounts, by ARN, as a monitoring account lists them
    /// (DescribeLogGroups with `includeLinkedAccounts`).
    pub linked: Vec<String>,
    /// The `@log` (`ACCOUNT:GROUP`) of a scripted event, by its pointer.
    pub logs_by_ptr: HashMap<String, String>,
    /// Roles STS refuses to let be assumed (AssumeRole answered `AccessDenied`), by ARN: STS
    /// reached here (`AWS_ENDPOINT_URL_STS`) forwards every other call to moto, which grants
    /// every AssumeRole.
    pub unassumable: Vec<String>,
    /// Scripted queries started and not yet said to have ended, and the most there were at once.
    pub running: usize,
    pub most_running: usize,
    /// Each scripted StartQuery's `logGroupIdentifiers` and `logGroupNames`, in order.
    pub identifiers: Vec<Vec<String>>,
    pub group_names: Vec<Vec<String>>,
}

pub struct CloudServer {
    pub port: u16,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl CloudServer {
    /// Listens on a free loopback port; calls it does not answer go to `upstream`.
    pub fn start(upstream: &str) -> CloudServer {
        // A port from the same registry as the emulators', so that neither takes the other's.
        let listener = (0..20)
            .find_map(|_| TcpListener::bind(("127.0.0.1", super::moto::free_port())).ok())
            .expect("a loopback port");
        let port = listener.local_addr().expect("an address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (state, upstream) = (state.clone(), upstream.clone());
                    std::thread::spawn(move || serve(conn, &state, &upstream));
                }
            });
        }
        CloudServer { port, state, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn calls(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .calls
            .clone()
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Queries from now on answer one row, `row` (the fields asked, not the event) at `ptr`, and
    /// GetLogRecord of `ptr` answers `record`: an event the console does not hold.
    pub fn answer_one_not_held(&self, time_ms: i64, ptr: &str, row: &str, record: &str) {
        self.with(|s| {
            s.script = Some(Script {
                events: vec![Event {
                    time_ms,
                    ptr: ptr.into(),
                    message: row.into(),
                }],
                cap: 10_000,
                running_polls: 1,
                ends: None,
            });
            s.records.insert(
                ptr.into(),
                [("@message".to_string(), record.to_string())].into(),
            );
        });
    }

    /// How many answers to `op` were written back.
    pub fn answered(&self, op: &str) -> usize {
        self.with(|s| s.answered.iter().filter(|a| *a == op).count())
    }

    /// Waits until `n` answers to `op` were written back; fails after a generous while (a wait
    /// for a condition, not a timing).
    pub fn wait_answered(&self, op: &str, n: usize) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while self.answered(op) < n {
            assert!(
                std::time::Instant::now() < deadline,
                "{n} answers to {op} awaited; the calls were {:?}",
                self.calls()
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

impl Drop for CloudServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One HTTP request: its head lines and body.
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

fn respond(out: &mut TcpStream, status: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nx-amzn-requestid: kaudit-test\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)?;
    out.flush()
}

fn serve(conn: TcpStream, state: &Mutex<State>, upstream: &str) {
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    while let Some(request) = read_request(&mut reader) {
        if let Some(form) = sts_form(&request) {
            let action = form_value(&form, "Action").unwrap_or_default();
            let role = form_value(&form, "RoleArn").unwrap_or_default();
            let refused = {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.calls.push(action.clone());
                action == "AssumeRole" && s.unassumable.contains(&role)
            };
            let sent = if refused {
                refuse_assume_role(&mut out, &role)
            } else {
                forward(&request, upstream, &mut out)
            };
            if sent.is_err() {
                break;
            }
            continue;
        }
        let op = request
            .header("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or_default()
            .to_string();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let expired = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            s.calls.push(op.clone());
            let key = signer(&request);
            let expired = has_expired(&mut s, &op, &key);
            s.signers.push(key);
            s.regions.push(signed_region(&request));
            expired
        };
        if expired {
            let body = json!({"__type": "ExpiredTokenException", "message": "The security token included in the request is expired"});
            if respond(&mut out, "400 Bad Request", body.to_string().as_bytes()).is_err() {
                break;
            }
            continue;
        }
        if op == "StartLiveTail" {
            let script = {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                if unavailable_now(&mut s, &op) {
                    drop(s);
                    let body = json!({"__type": "ServiceUnavailableException", "message": "Service unavailable"});
                    if respond(
                        &mut out,
                        "503 Service Unavailable",
                        body.to_string().as_bytes(),
                    )
                    .is_err()
                    {
                        break;
                    }
                    continue;
                }
                let identifiers = body["logGroupIdentifiers"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let region = signed_region(&request);
                s.live_requests.push((region.clone(), identifiers));
                if s.live_limit_exceeded > 0 {
                    s.live_limit_exceeded -= 1;
                    drop(s);
                    let body = json!({"__type": "LimitExceededException", "message": "Account maximum concurrent live tail sessions reached."});
                    if respond(&mut out, "400 Bad Request", body.to_string().as_bytes()).is_err() {
                        break;
                    }
                    continue;
                }
                s.live_started += 1;
                match s.live_in.get_mut(&region).and_then(VecDeque::pop_front) {
                    Some(script) => Some(script),
                    None => s.live.pop_front(),
                }
            };
            let _ = live(&mut out, script, state);
            break;
        }
        let (answer, stall) = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            if s.stalling > 0 {
                s.arrived_while_stalled += 1;
            }
            let stall = match s.stall.get_mut(&op) {
                Some((left, how_long)) if *left > 0 => {
                    *left -= 1;
                    Some(*how_long)
                }
                _ => None,
            };
            if stall.is_some() {
                s.stalling += 1;
            }
            let region = signed_region(&request);
            (answer(&mut s, &op, &region, &body), stall)
        };
        if let Some(how_long) = stall {
            // The client gives up first and retries on a new connection; this one is done.
            std::thread::sleep(how_long);
            state.lock().unwrap_or_else(|e| e.into_inner()).stalling -= 1;
            break;
        }
        let delay = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            match s.delay.get_mut(&op) {
                Some((left, how_long)) if *left > 0 => {
                    *left -= 1;
                    Some(*how_long)
                }
                _ => None,
            }
        };
        if let Some(how_long) = delay {
            std::thread::sleep(how_long);
        }
        if answer.is_none() && op == "StartQuery" {
            let text = body["queryString"].as_str().unwrap_or_default().to_string();
            state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .texts
                .push(text);
        }
        let sent = match answer {
            Some((status, body)) => respond(&mut out, status, body.to_string().as_bytes()),
            None => forward(&request, upstream, &mut out),
        };
        if sent.is_err() {
            break;
        }
        state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .answered
            .push(op);
    }
    let _ = out.shutdown(Shutdown::Both);
}

/// The form of an STS call (the query protocol posts `Action=…&…`), when it is one.
fn sts_form(request: &Request) -> Option<String> {
    let form = request
        .header("content-type")
        .is_some_and(|t| t.contains("x-www-form-urlencoded"));
    form.then(|| String::from_utf8_lossy(&request.body).into_owned())
}

/// A form field's value, percent-decoded.
fn form_value(form: &str, key: &str) -> Option<String> {
    let raw = form
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// STS's answer to an AssumeRole the caller may not make, as STS words it.
fn refuse_assume_role(out: &mut TcpStream, role: &str) -> std::io::Result<()> {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n    <Message>User: arn:aws:iam::123456789012:user/testing is not authorized to perform: sts:AssumeRole on resource: {role}</Message>\n  </Error>\n  <RequestId>kaudit-test</RequestId>\n</ErrorResponse>\n"
    );
    write!(
        out,
        "HTTP/1.1 403 Forbidden\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nx-amzn-requestid: kaudit-test\r\n\r\n",
        body.len()
    )?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

/// The access key a request was signed with (SigV4's `Credential=KEY/date/…`).
fn signer(request: &Request) -> String {
    request
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or_default()
        .to_string()
}

/// The region a request was signed for (SigV4's `Credential=KEY/date/REGION/…`).
fn signed_region(request: &Request) -> String {
    request
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or_default()
        .to_string()
}

/// Whether a call of `op` signed with `key` finds the key expired; counts it when it does not.
fn has_expired(s: &mut State, op: &str, key: &str) -> bool {
    let Some(expiry) = s.expiry.as_mut() else {
        return false;
    };
    if expiry.key != key {
        return false;
    }
    if expiry.after == 0 {
        return true;
    }
    if expiry.op == op {
        expiry.after -= 1;
    }
    false
}

/// Whether this call of `op` is answered 503 (counted when it is, or when it is spared).
fn unavailable_now(s: &mut State, op: &str) -> bool {
    if let Some(spared) = s.unavailable_after.get_mut(op)
        && *spared > 0
    {
        *spared -= 1;
        return false;
    }
    match s.unavailable.get_mut(op) {
        Some(left) if *left > 0 => {
            *left -= 1;
            true
        }
        _ => false,
    }
}

/// The answer given here, or `None` to forward.
fn answer(s: &mut State, op: &str, region: &str, body: &Value) -> Option<(&'static str, Value)> {
    let refused = s
        .refuse
        .get(op)
        .or_else(|| s.refuse_in.get(&(op.to_string(), region.to_string())));
    if let Some((code, message)) = refused {
        return Some((
            "400 Bad Request",
            json!({"__type": code, "message": message}),
        ));
    }
    if let Some(left) = s.limit_exceeded.get_mut(op)
        && *left > 0
    {
        *left -= 1;
        return Some((
            "400 Bad Request",
            json!({"__type": "LimitExceededException", "message": "Account maximum query concurrency limit of [30] reached."}),
        ));
    }
    if unavailable_now(s, op) {
        return Some((
            "503 Service Unavailable",
            json!({"__type": "ServiceUnavailableException", "message": "Service unavailable"}),
        ));
    }
    if let Some(left) = s.throttle.get_mut(op)
        && *left > 0
    {
        *left -= 1;
        return Some((
            "400 Bad Request",
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        ));
    }
    match op {
        "StopQuery" => {
            let id = body["queryId"].as_str().unwrap_or_default();
            let Some(q) = s.queries.get_mut(id) else {
                // A query moto ran: it is over already, as far as anyone can tell.
                return Some(("200 OK", json!({"success": false})));
            };
            q.stopped = true;
            Some(("200 OK", json!({"success": true})))
        }
        "GetLogRecord" => {
            let ptr = body["logRecordPointer"].as_str().unwrap_or_default();
            match s.records.get(ptr) {
                Some(record) => Some(("200 OK", json!({"logRecord": record}))),
                None => Some((
                    "400 Bad Request",
                    json!({"__type": "InvalidParameterException", "message": "The specified log record pointer is invalid"}),
                )),
            }
        }
        "DescribeLogGroups" => super::oam::describe_linked(s, region, body).map(|b| ("200 OK", b)),
        "StartQuery" if s.script.is_some() => {
            let id = format!("q-{}", s.queries.len() + 1);
            let list = |key: &str| -> Vec<String> {
                body[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let identifiers = list("logGroupIdentifiers");
            s.identifiers.push(identifiers.clone());
            s.group_names.push(list("logGroupNames"));
            let (start_s, end_s) = (
                body["startTime"].as_i64().unwrap_or(0),
                body["endTime"].as_i64().unwrap_or(0),
            );
            let text = body["queryString"].as_str().unwrap_or_default().to_string();
            let oldest_first = text.replace(' ', "").contains("sort@timestampasc");
            let finds_nothing = s
                .only_texts_with
                .as_ref()
                .is_some_and(|only| !text.contains(only.as_str()));
            s.ranges.push((start_s, end_s));
            s.texts.push(text);
            s.running += 1;
            s.most_running = s.most_running.max(s.running);
            s.queries.insert(
                id.clone(),
                Query {
                    start_s,
                    end_s,
                    oldest_first,
                    finds_nothing,
                    identifiers,
                    ..Query::default()
                },
            );
            Some(("200 OK", json!({"queryId": id})))
        }
        "GetQueryResults" if s.script.is_some() => {
            let script = s.script.clone().unwrap_or_default();
            let rounding = s.end_rounding;
            let logs_by_ptr = s.logs_by_ptr.clone();
            let id = body["queryId"].as_str().unwrap_or_default();
            let q = s.queries.get_mut(id)?;
            q.polls += 1;
            let status = if q.stopped {
                "Cancelled"
            } else if q.polls <= script.running_polls {
                "Running"
            } else {
                script.ends.unwrap_or("Complete")
            };
            let ended = status != "Running" && !q.ended;
            q.ended |= ended;
            let end_ms = rounding.end_ms(q.end_s);
            let mut found: Vec<&Event> = script
                .events
                .iter()
                .filter(|e| !q.finds_nothing && e.time_ms >= q.start_s * 1000 && e.time_ms < end_ms)
                .filter(|e| {
                    q.identifiers.is_empty()
                        || logs_by_ptr
                            .get(&e.ptr)
                            .is_none_or(|log| super::oam::in_identifiers(&q.identifiers, log))
                })
                .collect();
            let matched = found.len();
            if ended {
                s.running -= 1;
            }
            // Stable: events of one millisecond keep the script's order.
            if q.oldest_first {
                found.sort_by_key(|e| e.time_ms);
            } else {
                found.sort_by_key(|e| std::cmp::Reverse(e.time_ms));
            }
            let shown = if status == "Complete" || status == "Cancelled" {
                matched.min(script.cap)
            } else {
                (matched / 2).min(script.cap)
            };
            let results: Vec<Value> = found
                .iter()
                .take(shown)
                .map(|e| {
                    let mut row = vec![
                        json!({"field": "@timestamp", "value": aws_time(e.time_ms)}),
                        json!({"field": "@message", "value": e.message}),
                        json!({"field": "@ptr", "value": e.ptr}),
                    ];
                    if let Some(log) = logs_by_ptr.get(&e.ptr) {
                        row.push(json!({"field": "@log", "value": log}));
                    }
                    Value::Array(row)
                })
                .collect();
            Some((
                "200 OK",
                json!({
                    "status": status,
                    "results": results,
                    "statistics": {"recordsMatched": matched as f64, "recordsScanned": matched as f64, "bytesScanned": (matched * 100) as f64}
                }),
            ))
        }
        _ => None,
    }
}

/// `2026-11-02 08:00:00.123`, as CloudWatch writes a result's time.
pub fn aws_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

/// Sends the request to moto on a fresh connection and copies its answer back.
fn forward(request: &Request, upstream: &str, out: &mut TcpStream) -> std::io::Result<()> {
    let mut up = TcpStream::connect(upstream)?;
    for (i, line) in request.head.iter().enumerate() {
        if i > 0 && line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        write!(up, "{line}\r\n")?;
    }
    write!(up, "connection: close\r\n\r\n")?;
    up.write_all(&request.body)?;
    up.flush()?;
    let mut reader = BufReader::new(up);
    let mut head = Vec::new();
    let mut len = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let trimmed = line.trim_end_matches(['\r', '\n']).to_string();
        if trimmed.is_empty() {
            break;
        }
        if let Some((k, v)) = trimmed.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse::<usize>().ok();
        }
        if !trimmed.to_ascii_lowercase().starts_with("connection:") {
            head.push(trimmed);
        }
    }
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
            let chunked = head.iter().any(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("transfer-encoding:") && l.contains("chunked")
            });
            if chunked {
                head.retain(|l| !l.to_ascii_lowercase().starts_with("transfer-encoding:"));
                body = dechunk(&body);
            }
            head.push(format!("content-length: {}", body.len()));
        }
    }
    for line in &head {
        write!(out, "{line}\r\n")?;
    }
    write!(out, "\r\n")?;
    out.write_all(&body)?;
    out.flush()
}

/// The body of a chunked transfer.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        body.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = raw.get(start + size + 2..).unwrap_or_default();
    }
    body
}

/// One event-stream frame, as one HTTP chunk.
fn frame(out: &mut TcpStream, kind: &str, name: &str, payload: &Value) -> std::io::Result<()> {
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    let (type_header, message_type) = if kind == "exception" {
        (":exception-type", "exception")
    } else {
        (":event-type", "event")
    };
    let message = Message::new(payload.to_string().into_bytes())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String(message_type.to_string().into()),
        ))
        .add_header(Header::new(
            type_header,
            HeaderValue::String(name.to_string().into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".to_string().into()),
        ));
    let mut bytes = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut bytes)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    write!(out, "{:x}\r\n", bytes.len())?;
    out.write_all(&bytes)?;
    out.write_all(b"\r\n")?;
    out.flush()
}

fn heartbeat(out: &mut TcpStream) -> std::io::Result<()> {
    frame(
        out,
        "event",
        "sessionUpdate",
        &json!({"sessionMetadata": {"sampled": false}, "sessionResults": []}),
    )
}

/// A live tail session: the stream's head, the start, then the script (or heartbeats forever).
fn live(
    out: &mut TcpStream,
    script: Option<Vec<LiveStep>>,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.amazon.eventstream\r\ntransfer-encoding: chunked\r\nx-amzn-requestid: kaudit-test\r\n\r\n"
    )?;
    frame(
        out,
        "event",
        "sessionStart",
        &json!({"sessionId": "s-1", "requestId": "r-1", "logGroupIdentifiers": []}),
    )?;
    let Some(steps) = script else {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(200));
            heartbeat(out)?;
        }
    };
    for step in steps {
        match step {
            LiveStep::Update { events, sampled } => {
                let results: Vec<Value> = events
                    .iter()
                    .map(|(t, stream, message)| {
                        json!({"logStreamName": stream, "logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/eks/prod/cluster", "message": message, "timestamp": t, "ingestionTime": t + 5})
                    })
                    .collect();
                frame(
                    out,
                    "event",
                    "sessionUpdate",
                    &json!({"sessionMetadata": {"sampled": sampled}, "sessionResults": results}),
                )?;
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.updates_sent.push(std::time::Instant::now());
            }
            LiveStep::Wait(ms) => {
                let mut left = ms;
                while left > 0 {
                    let step = left.min(200);
                    std::thread::sleep(std::time::Duration::from_millis(step));
                    left -= step;
                    heartbeat(out)?;
                }
            }
            LiveStep::Drop => {
                state.lock().unwrap_or_else(|e| e.into_inner()).live_played += 1;
                return out.shutdown(Shutdown::Both);
            }
            LiveStep::Timeout => {
                state.lock().unwrap_or_else(|e| e.into_inner()).live_played += 1;
                frame(
                    out,
                    "exception",
                    "SessionTimeoutException",
                    &json!({"message": "Session timed out after 3 hours"}),
                )?;
                out.write_all(b"0\r\n\r\n")?;
                return out.flush();
            }
        }
    }
    state.lock().unwrap_or_else(|e| e.into_inner()).live_played += 1;
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}
