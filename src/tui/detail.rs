//! What the detail pane shows of one event, worked out once when the event is selected: who,
//! what, where, when and the outcome; the authorization decision and its reason decoded into
//! binding → role → subject; impersonation; the other annotations; the request and response
//! objects; and the pivots the analyst can take from here.

use super::detail_line::line;
pub use super::detail_line::{Line, Section, Tone};
use super::json::JsonDoc;
use crate::audit::annotations::{Group, classify_all};
use crate::audit::decode::{Depth, decode_event};
use crate::audit::event::Event;
use crate::audit::reason::{Decision, Reason, decode_reason};
use crate::store::Facet;

/// A step the analyst can take from the event: a fresh set of filters over everything loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pivot {
    pub label: String,
    /// Facet values to keep (values of one facet are alternatives).
    pub include: Vec<(Facet, String)>,
    /// Text the event must hold.
    pub text: Option<String>,
    /// Instead of filtering: run this canned query, narrowed to the object of this name.
    pub canned: Option<(String, String)>,
}

impl Pivot {
    fn include(label: String, facet: Facet, value: &str) -> Pivot {
        Pivot {
            label,
            include: vec![(facet, value.to_string())],
            text: None,
            canned: None,
        }
    }

    fn text(label: String, text: String) -> Pivot {
        Pivot {
            label,
            include: Vec::new(),
            text: Some(text),
            canned: None,
        }
    }

    /// The writes to one object: the canned `*-changes` query of its resource, narrowed to its
    /// name.
    fn changes(label: String, resource: &str, name: &str) -> Pivot {
        let query = match resource {
            "clusterroles" => "clusterrole-changes",
            "rolebindings" => "rolebinding-changes",
            "clusterrolebindings" => "clusterrolebinding-changes",
            _ => "role-changes",
        };
        Pivot {
            label: format!("{label} (runs {query})"),
            include: Vec::new(),
            text: None,
            canned: Some((query.to_string(), name.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetailData {
    pub sections: Vec<Section>,
    pub pivots: Vec<Pivot>,
    /// The request and response objects, members in the order written.
    pub request: Option<JsonDoc>,
    pub response: Option<JsonDoc>,
    pub truncated: bool,
    /// Why the event could not be read, when it could not.
    pub error: Option<String>,
}

impl DetailData {
    /// [`DetailData::from_raw`] of a held event, with where it was written: its cluster,
    /// account and region when known, and the input it was read from when there are several (streams of a folder).
    pub fn of_held(store: &crate::store::EventStore, row: u32) -> DetailData {
        let mut data = DetailData::from_raw(store.raw(row));
        let mut lines = Vec::new();
        use crate::store::Facet;
        if let Some(cluster) = store.value(row, Facet::Cluster) {
            lines.push(line("cluster", cluster, Tone::Plain));
        }
        // The account (project, subscription) and region, where the event names them or a
        // fleet read it.
        for (label, facet) in [("account", Facet::Account), ("region", Facet::Region)] {
            if let Some(value) = store.value(row, facet) {
                lines.push(line(label, value, Tone::Muted));
            }
        }
        if store.input_count() > 1
            && let Some(name) = store.source_name(row)
        {
            lines.push(line("read from", name, Tone::Muted));
        }
        if let Some(when) = data.sections.iter_mut().find(|s| s.title == "When") {
            when.lines.extend(lines);
        }
        data
    }

    pub fn from_raw(raw: &[u8]) -> DetailData {
        match decode_event(raw, Depth::Full) {
            Ok(event) => from_event(&event),
            Err(e) => DetailData {
                error: Some(format!(
                    "this event could not be read: {e} (at byte {})",
                    e.offset
                )),
                ..DetailData::default()
            },
        }
    }

    /// Every line, section by section, as the pane lists them (for tests and search).
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.sections.iter().flat_map(|s| &s.lines)
    }
}

fn from_event(e: &Event<'_>) -> DetailData {
    let mut data = DetailData {
        truncated: e.truncated,
        ..DetailData::default()
    };
    let mut who = Vec::new();
    let user = e.user.username.as_deref().unwrap_or("-");
    who.push(line("user", user, Tone::Plain));
    if !e.user.groups.is_empty() {
        who.push(line("groups", e.user.groups.join(", "), Tone::Muted));
    }
    for (key, values) in &e.user.extra {
        if matches!(key.as_ref(), "arn" | "sessionName" | "accessKeyId") {
            who.push(line(key, values.join(", "), Tone::Muted));
        }
    }
    if let Some(imp) = &e.impersonated_user {
        let as_user = imp.username.as_deref().unwrap_or("-");
        who.push(line("impersonating", as_user, Tone::Warning));
        if !imp.groups.is_empty() {
            who.push(line("as groups", imp.groups.join(", "), Tone::Warning));
        }
    }
    if !e.source_ips.is_empty() {
        who.push(line("source IP", e.source_ips.join(", "), Tone::Plain));
    }
    if let Some(ua) = &e.user_agent {
        who.push(line("user agent", ua.as_ref(), Tone::Muted));
    }
    data.sections.push(Section {
        title: "Who",
        lines: who,
    });

    let mut what = vec![line("verb", e.verb.as_deref().unwrap_or("-"), Tone::Plain)];
    if let Some(o) = &e.object_ref {
        let mut resource = o.resource.as_deref().unwrap_or("-").to_string();
        if let Some(sub) = &o.subresource {
            resource = format!("{resource}/{sub}");
        }
        if let Some(group) = o.api_group.as_deref().filter(|g| !g.is_empty()) {
            resource = format!("{resource} ({group})");
        }
        what.push(line("resource", resource, Tone::Plain));
        if let Some(ns) = &o.namespace {
            what.push(line("namespace", ns.as_ref(), Tone::Plain));
        }
        if let Some(name) = &o.name {
            what.push(line("name", name.as_ref(), Tone::Plain));
        }
    }
    if let Some(uri) = &e.request_uri {
        what.push(line("URI", uri.as_ref(), Tone::Muted));
    }
    data.sections.push(Section {
        title: "What",
        lines: what,
    });
    data.sections.extend(super::decoded::exec(e));
    data.sections.extend(super::decoded::aws_auth(e));

    let mut when = Vec::new();
    // Old API servers (audit.k8s.io/v1beta1) write only this one.
    if let Some(t) = &e.timestamp {
        when.push(line("timestamp", t.as_ref(), Tone::Plain));
    }
    if let Some(t) = &e.request_received_timestamp {
        when.push(line("received", t.as_ref(), Tone::Plain));
    }
    if let Some(t) = &e.stage_timestamp {
        when.push(line("completed", t.as_ref(), Tone::Plain));
    }
    if let Some(stage) = &e.stage {
        when.push(line("stage", stage.as_ref(), Tone::Muted));
    }
    if let Some(id) = &e.audit_id {
        when.push(line("audit ID", id.as_ref(), Tone::Muted));
    }
    data.sections.push(Section {
        title: "When",
        lines: when,
    });

    let mut outcome = Vec::new();
    if let Some(status) = &e.response_status {
        let code = status.code.map_or("-".to_string(), |c| c.to_string());
        let tone = match status.code {
            Some(401 | 403) => Tone::Deny,
            Some(c) if c >= 400 => Tone::Warning,
            _ => Tone::Plain,
        };
        let mut text = code;
        if let Some(reason) = &status.reason {
            text = format!("{text} {reason}");
        }
        outcome.push(line("response", text, tone));
        if let Some(message) = &status.message {
            outcome.push(line("message", message.as_ref(), Tone::Muted));
        }
    }
    let annotation = |key: &str| {
        e.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    };
    let decision = annotation("authorization.k8s.io/decision");
    let reason_text = annotation("authorization.k8s.io/reason");
    if decision.is_some() || reason_text.is_some() {
        let reason = decode_reason(decision, reason_text.unwrap_or(""));
        authorization(&reason, &mut outcome, &mut data.pivots);
    }
    // Was it allowed, and why, is what the pane is opened for: it comes first.
    data.sections.insert(
        0,
        Section {
            title: "Outcome",
            lines: outcome,
        },
    );

    let others: Vec<Line> = classify_all(&e.annotations)
        .into_iter()
        .filter(|a| a.group != Group::Authorization)
        .map(|a| line(&a.label, a.value, Tone::Muted))
        .collect();
    if !others.is_empty() {
        data.sections.push(Section {
            title: "Annotations",
            lines: others,
        });
    }
    if e.truncated {
        data.sections.push(Section {
            title: "Truncated",
            lines: vec![line(
                "warning",
                "the event was cut (CloudWatch keeps at most 256 KB of an entry): what follows the cut is missing",
                Tone::Warning,
            )],
        });
    }
    data.request = e.request_object.map(JsonDoc::parse);
    data.response = e.response_object.map(JsonDoc::parse);
    pivots(e, &mut data.pivots);
    data
}

/// The decision and the reason, read as binding → role → subject.
fn authorization(reason: &Reason, out: &mut Vec<Line>, pivots: &mut Vec<Pivot>) {
    let (text, tone) = match &reason.decision {
        Some(Decision::Allow) => ("allow".to_string(), Tone::Allow),
        Some(Decision::Forbid) => ("forbid".to_string(), Tone::Deny),
        Some(Decision::Other(s)) => (s.clone(), Tone::Warning),
        None => ("-".to_string(), Tone::Muted),
    };
    out.push(line("decision", text, tone));
    if let Some(meaning) = reason.empty_meaning() {
        out.push(line("reason", meaning, Tone::Muted));
        return;
    }
    out.push(line("authorizer", reason.authorizer().label(), Tone::Plain));
    if let Some(grant) = reason.grant() {
        let b = &grant.binding;
        let binding = match &b.namespace {
            Some(ns) => format!("{} {}/{}", b.kind, ns, b.name),
            None => format!("{} {}", b.kind, b.name),
        };
        out.push(line("binding", binding, Tone::Allow));
        if let Some(role) = &grant.role {
            out.push(line(
                "role",
                format!("{} {}", role.kind, role.name),
                Tone::Allow,
            ));
            let resource = match role.kind.as_str() {
                "ClusterRole" => "clusterroles",
                _ => "roles",
            };
            pivots.push(Pivot::changes(
                format!("changes to {} {}", role.kind, role.name),
                resource,
                &role.name,
            ));
        }
        if let Some(subject) = &grant.subject {
            let who = match &subject.namespace {
                Some(ns) => format!("{} {}/{}", subject.kind, ns, subject.name),
                None => format!("{} {}", subject.kind, subject.name),
            };
            out.push(line("subject", who, Tone::Plain));
        }
        if let Some(eks) = &grant.eks {
            out.push(line("access policy", eks.policy_name.as_str(), Tone::Plain));
            out.push(line("principal", eks.principal_arn.as_str(), Tone::Muted));
        }
        // The reason as written in the raw event, quotes escaped: every event this binding allowed.
        let written = match &b.namespace {
            Some(ns) => format!("by {} \\\"{}/{}\\\"", b.kind, b.name, ns),
            None => format!("by {} \\\"{}\\\"", b.kind, b.name),
        };
        pivots.push(Pivot::text(
            format!("all events allowed by {} {}", b.kind, b.name),
            written,
        ));
        let resource = match b.kind.as_str() {
            "ClusterRoleBinding" => "clusterrolebindings",
            _ => "rolebindings",
        };
        pivots.push(Pivot::changes(
            format!("changes to {} {}", b.kind, b.name),
            resource,
            &b.name,
        ));
    }
    out.push(line("reason", reason.verbatim.as_str(), Tone::Muted));
}

fn pivots(e: &Event<'_>, out: &mut Vec<Pivot>) {
    let mut first = Vec::new();
    if let Some(user) = &e.user.username {
        first.push(Pivot::include(
            format!("all events by user {user}"),
            Facet::User,
            user,
        ));
    }
    if let Some(ip) = e.source_ips.first() {
        first.push(Pivot::include(
            format!("all events from {ip}"),
            Facet::SourceIp,
            ip,
        ));
    }
    if let Some(o) = &e.object_ref
        && let Some(name) = &o.name
    {
        let mut pivot = Pivot::text(
            format!("all events on {name}"),
            format!("\"name\":\"{name}\""),
        );
        if let Some(resource) = &o.resource {
            pivot.label = format!("all events on {resource} {name}");
            pivot.include.push((Facet::Resource, resource.to_string()));
        }
        if let Some(ns) = &o.namespace {
            pivot.include.push((Facet::Namespace, ns.to_string()));
        }
        first.push(pivot);
    }
    // Who, where and what first; then the authorization pivots found on the way.
    first.append(out);
    *out = first;
}

impl DetailData {
    /// How deep the request and response objects nest: how far folding goes.
    pub fn json_depth(&self) -> usize {
        [&self.request, &self.response]
            .into_iter()
            .flatten()
            .map(|doc| match doc {
                JsonDoc::Tree(node) => super::json::depth(node),
                JsonDoc::Text(_) => 0,
            })
            .max()
            .unwrap_or(0)
    }
}
