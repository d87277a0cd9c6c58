//! Identities shortened for the screen by what their parts mean: a Kubernetes service account,
//! a node, an AWS role session, role or user, a GKE service account. Display only: filters,
//! facets, exports and queries keep the full value, and the full value of what the cursor is on
//! is written out in full beside the shortened list.
//!
//! Two names that would read alike on one screen are both written in full ([`Names`]): a
//! shortened name must never pass for another.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::text::{columns, fit_columns, sanitize};

/// `full` shortened by meaning; anything without a known shape is returned as it is.
///
/// - `system:serviceaccount:NS:NAME` → `sa:NS/NAME`
/// - `system:node:ip-10-0-41-219.ec2.internal` → `node:ip-10-0-41-219` (an EC2 private DNS
///   name loses its domain; any other node name stays whole)
/// - `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → `sts:ROLE/SESSION`, and an IAM Identity
///   Center role `AWSReservedSSO_SET_HASH` → `sso:SET/SESSION`
/// - `arn:aws:iam::ACCOUNT:role/PATH/ROLE` → `role:ROLE`
/// - `arn:aws:iam::ACCOUNT:user/PATH/NAME` → `iam-user:NAME`
/// - `NAME@PROJECT.iam.gserviceaccount.com` → `gsa:NAME@PROJECT`
pub fn short_name(full: &str) -> Cow<'_, str> {
    if let Some(rest) = full.strip_prefix("system:serviceaccount:")
        && let Some((ns, name)) = rest.split_once(':')
        && !ns.is_empty()
        && !name.is_empty()
    {
        return Cow::Owned(format!("sa:{ns}/{name}"));
    }
    if let Some(node) = full.strip_prefix("system:node:")
        && !node.is_empty()
    {
        let host = match node.split_once('.') {
            Some((host, domain)) if domain.ends_with(".internal") || domain == "internal" => host,
            _ => node,
        };
        return Cow::Owned(format!("node:{host}"));
    }
    if let Some(short) = aws_arn(full) {
        return Cow::Owned(short);
    }
    if let Some((name, domain)) = full.split_once('@')
        && let Some(project) = domain.strip_suffix(".iam.gserviceaccount.com")
        && !name.is_empty()
        && !project.is_empty()
    {
        return Cow::Owned(format!("gsa:{name}@{project}"));
    }
    Cow::Borrowed(full)
}

/// `arn:PARTITION:SERVICE::ACCOUNT:RESOURCE` for the identities EKS writes as usernames.
fn aws_arn(full: &str) -> Option<String> {
    let rest = full.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    match service {
        "sts" => {
            let (role, session) = resource.strip_prefix("assumed-role/")?.split_once('/')?;
            if role.is_empty() || session.is_empty() {
                return None;
            }
            Some(match sso_set(role) {
                Some(set) => format!("sso:{set}/{session}"),
                None => format!("sts:{role}/{session}"),
            })
        }
        "iam" => {
            let (kind, path) = resource.split_once('/')?;
            let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
            match kind {
                "role" => Some(format!("role:{name}")),
                "user" => Some(format!("iam-user:{name}")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The permission set of an IAM Identity Center role, `AWSReservedSSO_SET_HASH`: the hash says
/// nothing a responder reads.
fn sso_set(role: &str) -> Option<&str> {
    let rest = role.strip_prefix("AWSReservedSSO_")?;
    let (set, hash) = rest.rsplit_once('_')?;
    (!set.is_empty() && !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(set)
}

/// How each identity on one screen is written: shortened, except where two different names
/// would read alike, which are then written in full. Terminal-safe.
#[derive(Debug, Clone, Default)]
pub struct Names {
    shown: HashMap<String, String>,
}

impl Names {
    /// The names drawn together.
    pub fn of<'a>(fulls: impl IntoIterator<Item = &'a str>) -> Names {
        let mut by_short: HashMap<String, Vec<&str>> = HashMap::new();
        for full in fulls {
            let short = sanitize(&short_name(full)).into_owned();
            let same = by_short.entry(short).or_default();
            if !same.contains(&full) {
                same.push(full);
            }
        }
        let mut shown = HashMap::new();
        for (short, fulls) in by_short {
            if let [only] = fulls[..] {
                shown.insert(only.to_string(), short);
            } else {
                for full in fulls {
                    shown.insert(full.to_string(), sanitize(full).into_owned());
                }
            }
        }
        Names { shown }
    }

    /// `full` as drawn. A name not among those given is written in full: it was not checked
    /// against the others.
    pub fn show<'a>(&'a self, full: &'a str) -> Cow<'a, str> {
        match self.shown.get(full) {
            Some(s) => Cow::Borrowed(s.as_str()),
            None => sanitize(full),
        }
    }

    /// True when `full` is drawn shorter than it is.
    pub fn shortened(&self, full: &str) -> bool {
        self.show(full) != sanitize(full)
    }
}

/// A name as drawn (terminal-safe) cut to `width` columns in its middle: the kind in front
/// (`sa:`, `node:`) and the end, where these names keep what tells them apart (the account's
/// name, the node's address, the session), both stay.
pub fn fit_name(shown: &str, width: usize) -> Cow<'_, str> {
    if columns(shown) <= width {
        return Cow::Borrowed(shown);
    }
    // A name with an escape in it (`\x1b`) is cut at its end, where the cut keeps escapes
    // whole: half of one, read from its back, would show something that was not there.
    if width < 8 || shown.contains('\\') {
        return fit_columns(shown, width);
    }
    let head_width = width / 3;
    let tail_width = width - head_width - 1;
    let head = fit_columns(shown, head_width + 1);
    let head = head.strip_suffix('…').unwrap_or(&head);
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in shown.chars().rev() {
        let w = columns(c.encode_utf8(&mut [0; 4]));
        if used + w > tail_width {
            break;
        }
        used += w;
        tail.push(c);
    }
    let tail: String = tail.into_iter().rev().collect();
    Cow::Owned(format!("{head}…{tail}"))
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
