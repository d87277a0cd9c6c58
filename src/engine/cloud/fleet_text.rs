//! A fleet's `stats … by @cluster`: CloudWatch has no `@cluster`, `@account` or `@region`, but a
//! fleet asks a `stats` query once per log group, where each of them is one value, known to
//! kaudit and added to every row. So they are taken out of the `by` list of the text sent, and
//! each answer is already the group that `by` would have made.

use super::fleet::FleetTarget;
use super::fleet_status::{TargetResult, TargetStatus};
use crate::insights::ast::{CommandKind, ExprKind, Projection};
use crate::insights::parser::parse;
use crate::source::cloudwatch::AWS_ROW_CAP;
use crate::source::cloudwatch::CloudError;

/// The fields a fleet adds to every row.
pub const FLEET_FIELDS: [&str; 3] = ["@account", "@region", "@cluster"];

fn is_fleet_field(p: &Projection) -> bool {
    p.alias.is_none()
        && matches!(&p.expr.kind, ExprKind::Field(f) if FLEET_FIELDS.contains(&f.path.as_str()))
}

/// `text` with the fleet's own fields taken out of the `by` list of its first `stats` (and
/// `by` itself when nothing else is left); the text unchanged when it has none (or does not
/// parse: compiling it says why).
pub fn without_fleet_keys(text: &str) -> String {
    let Ok(query) = parse(text) else {
        return text.to_string();
    };
    let Some((aggregates, by)) = query.commands.iter().find_map(|c| match &c.kind {
        CommandKind::Stats { aggregates, by } => Some((aggregates, by)),
        _ => None,
    }) else {
        return text.to_string();
    };
    let (Some(first), Some(last)) = (by.first(), by.last()) else {
        return text.to_string();
    };
    if !by.iter().any(is_fleet_field) {
        return text.to_string();
    }
    let kept: Vec<&str> = by
        .iter()
        .filter(|p| !is_fleet_field(p))
        .map(|p| &text[p.span.start..p.span.end])
        .collect();
    let (cut_from, replacement) = if kept.is_empty() {
        // From the end of the last aggregate: ` by @cluster` goes whole.
        let from = aggregates.last().map_or(first.span.start, |a| a.span.end);
        (from, String::new())
    } else {
        (first.span.start, kept.join(", "))
    };
    format!(
        "{}{}{}",
        &text[..cut_from],
        replacement,
        &text[last.span.end..]
    )
}

/// How a target ended, in words (not made safe to show: AWS's messages are in it).
/// `role`: the role the target was read with, named when AWS refused to let it be assumed.
pub fn status_words(result: &TargetResult, role: Option<&str>) -> String {
    let mut words = match &result.status {
        TargetStatus::Complete => "complete".to_string(),
        TargetStatus::Partial { uncovered, why } => {
            let mut parts: Vec<String> = uncovered
                .iter()
                .map(|(a, b)| {
                    format!(
                        "not covered from {} to {} (more than {AWS_ROW_CAP} events in the shortest range kaudit can ask for)",
                        second_of(*a),
                        second_of(*b)
                    )
                })
                .collect();
            parts.extend(why.iter().cloned());
            format!("partial: {}", parts.join("; "))
        }
        TargetStatus::Refused { action, message } => match role {
            Some(role) if action == "sts:AssumeRole" => {
                format!("refused: AWS refused {action} for {role} ({message})")
            }
            _ => format!("refused: AWS refused {action} ({message})"),
        },
        TargetStatus::Failed { why } => format!("failed: {why}"),
    };
    if result.throttled > 0 {
        words.push_str(&format!(
            "; throttled and retried {}",
            crate::text::count(result.throttled, "time")
        ));
    }
    words
}

/// A target whose clusters could not be listed, and why, in words (not made safe to show).
pub fn unlisted_words(target: &FleetTarget, e: &CloudError) -> String {
    format!(
        "{} ({}): {} while listing its clusters",
        target.label(),
        target.who,
        status_words(
            &TargetResult::of(TargetStatus::of_error(e)),
            target.connect.role_arn.as_deref()
        )
    )
}

/// An epoch second as a time, or the number when it is none.
pub fn second_of(s: i64) -> String {
    jiff::Timestamp::from_second(s).map_or(s.to_string(), |t| t.to_string())
}

/// `N accounts and regions`, as a fleet's parts are counted.
pub fn places(n: usize) -> String {
    match n {
        1 => "1 account and region".into(),
        n => format!("{n} accounts and regions"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fleets_fields_leave_the_by_list() {
        assert_eq!(
            without_fleet_keys("stats count(*) by @cluster"),
            "stats count(*)"
        );
        assert_eq!(
            without_fleet_keys(
                "filter verb = 'delete' | stats count(*) as n by @account, verb, @region | sort n desc"
            ),
            "filter verb = 'delete' | stats count(*) as n by verb | sort n desc"
        );
        assert_eq!(
            without_fleet_keys("stats count(*) by verb"),
            "stats count(*) by verb"
        );
        assert_eq!(without_fleet_keys("fields @timestamp"), "fields @timestamp");
    }
}
