//! What the detail reads out of an event for the responder, where the event keeps it encoded:
//! an exec's command (URL-encoded in the request URI) and the `aws-auth` mappings (YAML inside
//! a JSON string). Every value is shown through the pane's escaping, as all event text is.

use super::detail_line::{Line, Section, Tone, line};
use crate::audit::aws_auth::{self, Item, Value};
use crate::audit::event::Event;
use crate::audit::exec::ExecRequest;

/// The group that makes a mapping a cluster administrator.
const MASTERS: &str = "system:masters";

/// The command, container and streams of a `pods/exec` or `pods/attach` request.
pub fn exec(e: &Event<'_>) -> Option<Section> {
    let sub = e.object_ref.as_ref()?.subresource.as_deref()?;
    let title = match sub {
        "exec" => "Exec",
        "attach" => "Attach",
        _ => return None,
    };
    let request = ExecRequest::from_uri(e.request_uri.as_deref()?)?;
    let mut lines = Vec::new();
    if !request.command.is_empty() {
        lines.push(line("command", request.command_line(), Tone::Warning));
    }
    let container = request
        .container
        .clone()
        .unwrap_or_else(|| "(the pod's default)".to_string());
    lines.push(line("container", container, Tone::Plain));
    lines.push(line("session", request.session(), Tone::Plain));
    Some(Section { title, lines })
}

/// The aws-auth mappings the request and the response hold, read from their YAML: the
/// response's only where it differs from the request's.
pub fn aws_auth(e: &Event<'_>) -> Vec<Section> {
    let Some(o) = &e.object_ref else {
        return Vec::new();
    };
    if !aws_auth::is_aws_auth(
        o.resource.as_deref(),
        o.namespace.as_deref(),
        o.name.as_deref(),
    ) {
        return Vec::new();
    }
    let request = e.request_object.map(aws_auth::data_of).unwrap_or_default();
    let response = e.response_object.map(aws_auth::data_of).unwrap_or_default();
    let mut sections = Vec::new();
    for (key, text) in &request {
        sections.push(mappings(title(key, true), text));
    }
    for (key, text) in &response {
        if !request.iter().any(|(k, t)| k == key && t == text) {
            sections.push(mappings(title(key, false), text));
        }
    }
    sections
}

fn title(key: &str, request: bool) -> &'static str {
    match (key, request) {
        ("mapRoles", true) => "aws-auth mapRoles, as the request wrote it",
        ("mapUsers", true) => "aws-auth mapUsers, as the request wrote it",
        ("mapAccounts", true) => "aws-auth mapAccounts, as the request wrote it",
        ("mapRoles", false) => "aws-auth mapRoles, as stored (the response)",
        ("mapUsers", false) => "aws-auth mapUsers, as stored (the response)",
        _ => "aws-auth mapAccounts, as stored (the response)",
    }
}

/// One data key: the mappings that make a cluster administrator first, then the YAML line by
/// line; as written when it cannot be read.
fn mappings(title: &'static str, text: &str) -> Section {
    let mut lines = Vec::new();
    match aws_auth::parse(text) {
        Ok(items) => {
            for item in &items {
                if item.groups().contains(&MASTERS) {
                    let who = item
                        .scalar("rolearn")
                        .or(item.scalar("userarn"))
                        .unwrap_or("-");
                    let user = item.scalar("username").unwrap_or("-");
                    lines.push(line(
                        "cluster admin",
                        format!("{who} as {user} (group {MASTERS})"),
                        Tone::Deny,
                    ));
                }
            }
            if items.is_empty() {
                lines.push(line("", "(no entries)", Tone::Muted));
            }
            for item in &items {
                yaml_lines(item, &mut lines);
            }
        }
        Err(e) => {
            lines.push(line(
                "not read",
                format!("not the YAML aws-auth takes ({e}): shown as written"),
                Tone::Warning,
            ));
            for l in text.lines() {
                let tone = if l.contains(MASTERS) {
                    Tone::Deny
                } else {
                    Tone::Plain
                };
                lines.push(line("", l, tone));
            }
        }
    }
    if lines.len() > SHOWN_LINES {
        let more = lines.len() - SHOWN_LINES;
        lines.truncate(SHOWN_LINES);
        lines.push(line(
            "",
            format!("… {more} more lines: the request and response below hold them all"),
            Tone::Muted,
        ));
    }
    Section { title, lines }
}

/// The most lines one data key gets: an aws-auth of many thousand mappings must not be laid
/// out on every frame; the JSON below still holds it whole.
const SHOWN_LINES: usize = 2_000;

/// An item as YAML lines, a `system:masters` group in the deny colour.
fn yaml_lines(item: &Item, out: &mut Vec<Line>) {
    let fields = match item {
        Item::Scalar(s) => {
            out.push(line("", format!("- {s}"), Tone::Plain));
            return;
        }
        Item::Map(fields) => fields,
    };
    for (i, (key, value)) in fields.iter().enumerate() {
        let lead = if i == 0 { "- " } else { "  " };
        match value {
            Value::Scalar(s) => out.push(line("", format!("{lead}{key}: {s}"), Tone::Plain)),
            Value::List(list) => {
                out.push(line("", format!("{lead}{key}:"), Tone::Plain));
                for v in list {
                    let tone = if v == MASTERS {
                        Tone::Deny
                    } else {
                        Tone::Plain
                    };
                    out.push(line("", format!("  - {v}"), tone));
                }
            }
        }
    }
}
