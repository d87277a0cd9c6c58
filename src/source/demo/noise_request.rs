//! A background request's URI, outcome and failure message, from its table row and target.

use super::json::JsonOut;
use super::noise_table::{Act, Outcome, Query, Sel};
use super::rng::Rng;

/// What a request is about, resolved to text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub(crate) act: &'a Act,
    pub(crate) ns: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    /// The node the sender runs on (for node selectors).
    pub(crate) node: &'a str,
    /// The application workload the request concerns, if any.
    pub(crate) app: Option<&'a str>,
    /// The cluster's current resource version.
    pub(crate) rv: u64,
}

impl Request<'_> {
    /// Writes `requestURI` (unescaped); returns a watch's timeout in seconds.
    pub(crate) fn write_uri(&self, uri: &mut Vec<u8>, rng: &mut Rng) -> Option<u64> {
        let act = self.act;
        if act.res.group.is_empty() {
            uri.raw("/api/v1");
        } else {
            uri.raw("/apis/");
            uri.raw(act.res.group);
            uri.push(b'/');
            uri.raw(act.res.version);
        }
        if let (Some(ns), true) = (self.ns, act.res.namespaced) {
            uri.raw("/namespaces/");
            uri.raw(ns);
        }
        uri.push(b'/');
        uri.raw(act.res.resource);
        // A create names the collection; the object's name travels in the body.
        if (act.verb != "create" || act.res.sub.is_some())
            && let Some(name) = self.name
        {
            uri.push(b'/');
            uri.raw(name);
        }
        if let Some(sub) = act.res.sub {
            uri.push(b'/');
            uri.raw(sub);
        }
        match act.query {
            Query::None => None,
            Query::Lit(text) => {
                uri.push(b'?');
                uri.raw(text);
                None
            }
            Query::Watch(sel) => {
                // client-go sorts its parameters, and informers pick a timeout of 5 to 10
                // minutes so their watches do not all end together.
                let timeout = 300 + rng.below(300);
                uri.raw("?allowWatchBookmarks=true&");
                if self.selector(uri, sel) {
                    uri.push(b'&');
                }
                uri.raw("resourceVersion=");
                uri.num(self.rv.saturating_sub(rng.below(20_000)));
                uri.raw("&timeout=");
                uri.num(timeout / 60);
                uri.push(b'm');
                uri.num(timeout % 60);
                uri.raw("s&timeoutSeconds=");
                uri.num(timeout);
                uri.raw("&watch=true");
                Some(timeout)
            }
            Query::List(sel) => {
                uri.push(b'?');
                let has = self.selector(uri, sel);
                // An informer's first list; a label-selected list is a one-off query.
                if !matches!(sel, Sel::App) {
                    if has {
                        uri.push(b'&');
                    }
                    uri.raw("limit=500&resourceVersion=0");
                }
                None
            }
            Query::Log => {
                uri.raw("?container=");
                uri.raw(self.app.unwrap_or("app"));
                uri.raw("&tailLines=200");
                None
            }
        }
    }

    /// Writes a selector parameter; false if there is none.
    fn selector(&self, uri: &mut Vec<u8>, sel: Sel) -> bool {
        match sel {
            Sel::None => return false,
            Sel::Lit(text) => uri.raw(text),
            Sel::SpecNodeName => {
                uri.raw("fieldSelector=spec.nodeName%3D");
                uri.raw(self.node);
            }
            Sel::MetaNameNode => {
                uri.raw("fieldSelector=metadata.name%3D");
                uri.raw(self.node);
            }
            Sel::App => {
                uri.raw("labelSelector=app.kubernetes.io%2Fname%3D");
                uri.raw(self.app.unwrap_or_default());
            }
        }
        true
    }

    /// The message the API server puts in the failure's Status; it reaches the log only in
    /// `responseObject`, when the level keeps response bodies.
    pub(crate) fn failure_message(&self, username: &str) -> String {
        let act = self.act;
        let qualified = if act.res.group.is_empty() {
            act.res.resource.to_owned()
        } else {
            format!("{}.{}", act.res.resource, act.res.group)
        };
        let named = match self.name {
            Some(name) => format!("{qualified} \"{name}\""),
            None => qualified,
        };
        match act.outcome {
            Outcome::NotFound => format!("{named} not found"),
            Outcome::Conflict => format!(
                "Operation cannot be fulfilled on {named}: the object has been modified; please apply your changes to the latest version and try again"
            ),
            Outcome::AlreadyExists => format!("{named} already exists"),
            Outcome::Invalid => format!(
                "Deployment.apps \"{}\" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
                self.name.unwrap_or_default()
            ),
            Outcome::Forbidden => {
                let scope = match self.ns {
                    Some(ns) => format!("in the namespace \"{ns}\""),
                    None => "at the cluster scope".to_owned(),
                };
                format!(
                    "{named} is forbidden: User \"{username}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
                    act.verb, act.res.resource, act.res.group
                )
            }
            Outcome::Ok | Outcome::Created => String::new(),
        }
    }
}

/// The response code, and the Status reason for failures.
pub(crate) fn outcome_code(outcome: Outcome) -> (u16, Option<&'static str>) {
    match failure_status(outcome) {
        Some((code, reason)) => (code, Some(reason)),
        None if outcome == Outcome::Created => (201, None),
        None => (200, None),
    }
}

pub(crate) fn failure_status(outcome: Outcome) -> Option<(u16, &'static str)> {
    match outcome {
        Outcome::Ok | Outcome::Created => None,
        Outcome::NotFound => Some((404, "NotFound")),
        Outcome::Conflict => Some((409, "Conflict")),
        Outcome::AlreadyExists => Some((409, "AlreadyExists")),
        Outcome::Invalid => Some((422, "Invalid")),
        Outcome::Forbidden => Some((403, "Forbidden")),
    }
}
