//! Audit lines for the store's tests.

use std::sync::Arc;

use super::EventStore;

use crate::audit::formats::Origin;
use crate::source::local::LocalInput;

/// The fields of one test event; `None` leaves a field out.
#[derive(Debug, Clone)]
pub struct Ev {
    pub user: Option<&'static str>,
    pub ip: Option<&'static str>,
    pub verb: &'static str,
    pub resource: Option<&'static str>,
    pub namespace: Option<&'static str>,
    pub name: Option<&'static str>,
    pub code: Option<i64>,
    pub decision: Option<&'static str>,
    pub agent: Option<&'static str>,
    /// Seconds after 2026-11-02T08:00:00Z.
    pub second: u32,
}

impl Default for Ev {
    fn default() -> Self {
        Ev {
            user: Some("alice"),
            ip: Some("10.0.0.1"),
            verb: "get",
            resource: Some("pods"),
            namespace: Some("default"),
            name: Some("web-1"),
            code: Some(200),
            decision: Some("allow"),
            agent: Some("kubectl/v1.31.0"),
            second: 0,
        }
    }
}

impl Ev {
    /// The event as one JSON line, members in the order the API server writes them.
    pub fn line(&self) -> String {
        let q = |v: &str| serde_json::to_string(v).unwrap_or_default();
        let mut s = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{}-{}","stage":"ResponseComplete","requestURI":"/api/v1/x","verb":{}"#,
            self.second,
            self.verb,
            q(self.verb)
        );
        if let Some(user) = self.user {
            s += &format!(
                r#","user":{{"username":{},"groups":["system:authenticated"]}}"#,
                q(user)
            );
        }
        if let Some(ip) = self.ip {
            s += &format!(r#","sourceIPs":[{},"10.9.9.9"]"#, q(ip));
        }
        if let Some(agent) = self.agent {
            s += &format!(r#","userAgent":{}"#, q(agent));
        }
        let mut obj = Vec::new();
        for (k, v) in [
            ("resource", self.resource),
            ("namespace", self.namespace),
            ("name", self.name),
        ] {
            if let Some(v) = v {
                obj.push(format!("{}:{}", q(k), q(v)));
            }
        }
        if !obj.is_empty() {
            s += &format!(r#","objectRef":{{{}}}"#, obj.join(","));
        }
        if let Some(code) = self.code {
            s += &format!(r#","responseStatus":{{"metadata":{{}},"code":{code}}}"#);
        }
        let (m, sec) = (self.second / 60, self.second % 60);
        s += &format!(
            r#","requestReceivedTimestamp":"2026-11-02T08:{m:02}:{sec:02}.000000Z","stageTimestamp":"2026-11-02T08:{m:02}:{sec:02}.001000Z""#
        );
        if let Some(d) = self.decision {
            s += &format!(
                r#","annotations":{{"authorization.k8s.io/decision":{}}}"#,
                q(d)
            );
        }
        s.push('}');
        s
    }

    /// The event as CloudWatch leaves one past its 256 KB cap: a `responseObject` grown past
    /// the cap and the line cut inside it.
    pub fn cut_line(&self) -> String {
        let line = self.line();
        let open = &line[..line.len() - 1];
        let pad = "x".repeat(crate::audit::decode::CUT_AT_CAP);
        format!(r#"{open},"responseObject":{{"data":"{pad}"#)
    }
}

/// Epoch ms of `second` seconds after 2026-11-02T08:00:00Z, plus the 1 ms of `stageTimestamp`.
pub fn ms(second: u32) -> i64 {
    1_793_606_400_000 + i64::from(second) * 1000 + 1
}

/// An input of these lines.
pub fn input(name: &str, lines: &[String]) -> Arc<LocalInput> {
    let mut text = lines.join("\n");
    text.push('\n');
    Arc::new(LocalInput::from_vec(
        Origin::new(name, name),
        text.into_bytes(),
    ))
}

/// A store of these events, pushed one by one.
pub fn store(events: impl IntoIterator<Item = Ev>) -> EventStore {
    let mut store = EventStore::default();
    for ev in events {
        if let Err(e) = store.push_owned(ev.line().as_bytes()) {
            panic!("a test event does not decode: {e}");
        }
    }
    store
}
