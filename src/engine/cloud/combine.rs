//! Which detections can share one Logs Insights query, and the queries they share. CloudWatch
//! bills a query by the bytes of the range it scans, whatever it keeps: detections that only
//! keep events (filters, columns, newest first) are asked together, as the OR of their filters,
//! and kaudit tells their events apart itself ([`super::classify`]). The rest run alone.

use std::collections::HashSet;

use crate::engine::compile::Compiled;
use crate::insights::ast::{CommandKind, Expr, ExprKind, FieldRef, Projection};

/// The longest query text StartQuery takes (AWS's limit on `queryString`: 10,000 characters).
/// Counted in bytes, which are never fewer than characters, however AWS counts them.
pub const MAX_QUERY_LEN: usize = 10_000;

/// The fields a shared query asks for, and its order: what kaudit needs to read each event as
/// CloudWatch did (its time, its JSON, where it is) and to name it (`@ptr`); newest first,
/// CloudWatch's order when a query says none, and the library's: the order each detection's
/// hits come in when it runs alone.
const ASKED: &str = "| fields @timestamp, @message, @logStream, @log, @ptr\n| sort @timestamp desc";
/// Between two detections' filters.
const OR: &str = "\n  or ";

/// The system fields a combined answer carries, so that a filter reading them is judged here
/// on the values CloudWatch judged. `@ptr` is not among them: here it names the answer's row.
const CARRIED: [&str; 4] = ["@timestamp", "@message", "@logStream", "@log"];

/// How a detection runs in CloudWatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// In a query shared with others, as this disjunct of its filter: the conjunction of the
    /// detection's filters that read only the event, each in parentheses. Its own plan then
    /// decides, over the events the shared query returns, which are its hits.
    Together { disjunct: String },
    /// In a query of its own, and why.
    Alone { why: String },
}

/// How `compiled` (a detection compiled for CloudWatch) runs there. It can share a query when
/// its rows are the events it keeps, one each, newest first: no `stats`, `dedup`, `limit`,
/// `unnest` or command of CloudWatch's own, no other order; when at least one of its filters
/// reads only the event (a filter of a value the query made, by `parse` or an alias, is left to
/// its plan); and when it reads no system field a shared answer does not carry.
pub fn way_of(compiled: &Compiled) -> Way {
    let text = compiled.text();
    let mut made: HashSet<&str> = HashSet::new();
    let mut conjunction: Vec<String> = Vec::new();
    let alone = |why: &str| Way::Alone { why: why.into() };
    for command in &compiled.query().commands {
        match &command.kind {
            CommandKind::Stats { .. } => return alone("its rows are `stats` groups, not events"),
            CommandKind::Dedup(_) => return alone("`dedup` keeps one event of several"),
            CommandKind::Limit(_) => return alone("it has a `limit` of its own"),
            CommandKind::Unnest { .. } => return alone("`unnest` makes several rows of one event"),
            CommandKind::AwsOnly { name } => {
                return Way::Alone {
                    why: format!("`{name}` is CloudWatch's own"),
                };
            }
            CommandKind::Sort(keys) => {
                let newest_first = matches!(
                    keys.as_slice(),
                    [key] if key.descending
                        && matches!(&key.expr.kind, ExprKind::Field(f) if f.path == "@timestamp")
                );
                if !newest_first {
                    return alone("it is sorted other than newest first");
                }
            }
            CommandKind::Fields(projections) | CommandKind::Display(projections) => {
                // Columns are read here as CloudWatch reads them; what matters is a value made
                // for a later filter to test.
                let making: Vec<&Projection> = projections.iter().filter(|p| makes(p)).collect();
                if let Some(why) = reads_uncarried(making.iter().map(|p| &p.expr)) {
                    return Way::Alone { why };
                }
                made.extend(making.iter().map(|p| &*p.name));
            }
            CommandKind::Parse { source, pattern } => {
                if let Some(why) = reads_uncarried([source]) {
                    return Way::Alone { why };
                }
                made.extend(pattern.names().iter().map(String::as_str));
            }
            CommandKind::Filter(expr) => {
                if let Some(why) = reads_uncarried([expr]) {
                    return Way::Alone { why };
                }
                if reads_made(expr, &made) {
                    continue;
                }
                // The command's own text, but its keyword: what CloudWatch would run.
                let written = text
                    .get(command.span.start..command.span.end)
                    .and_then(|c| c.get("filter".len()..))
                    .map(str::trim);
                match written {
                    Some(condition) if !condition.is_empty() => {
                        conjunction.push(format!("({condition})"));
                    }
                    _ => return alone("its filter could not be read back from its text"),
                }
            }
        }
    }
    match conjunction.len() {
        0 => alone("no filter of its own reads the event: a shared query would return every event"),
        1 => Way::Together {
            disjunct: conjunction.remove(0),
        },
        _ => Way::Together {
            disjunct: format!("({})", conjunction.join(" and ")),
        },
    }
}

/// A projection that gives a name a value of its own (`tolower(verb) as verb`), unlike a bare
/// field kept under its name.
fn makes(p: &Projection) -> bool {
    !matches!(&p.expr.kind, ExprKind::Field(f) if f.path == p.name)
}

fn fields_of<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Vec<&'a FieldRef> {
    let mut fields = Vec::new();
    for expr in exprs {
        expr.walk(&mut |e| {
            if let ExprKind::Field(f) = &e.kind {
                fields.push(f);
            }
        });
    }
    fields
}

/// Why the expressions cannot be judged on a shared answer: a system field it does not carry.
fn reads_uncarried<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Option<String> {
    fields_of(exprs)
        .into_iter()
        .find(|f| f.path.starts_with('@') && !CARRIED.contains(&f.path.as_str()))
        .map(|f| {
            format!(
                "it reads `{}`, which a shared query's answer does not carry",
                f.path
            )
        })
}

/// Whether the expression reads a name the query made before it (or a field inside one).
fn reads_made(expr: &Expr, made: &HashSet<&str>) -> bool {
    fields_of([expr])
        .iter()
        .any(|f| f.under(|name| made.contains(name)).is_some() || made.contains(f.path.as_str()))
}

/// One query for several detections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The detections' indexes, in the order given.
    pub members: Vec<usize>,
    pub text: String,
}

/// The query for these disjuncts.
pub fn batch_text<'a>(disjuncts: impl IntoIterator<Item = &'a str>) -> String {
    let filter: Vec<&str> = disjuncts.into_iter().collect();
    format!("filter {}\n{ASKED}", filter.join(OR))
}

/// The detections that can share a query, `(index, disjunct)` in order, put in as few queries
/// as taking them in order allows, each query at most `max_len` long: each detection joins the
/// last query while it fits, else starts the next. A detection whose query would be too long
/// even on its own comes back in the second list, to run alone.
pub fn batches(together: &[(usize, String)], max_len: usize) -> (Vec<Batch>, Vec<usize>) {
    let mut done: Vec<Batch> = Vec::new();
    let mut too_long = Vec::new();
    let mut open: Vec<&(usize, String)> = Vec::new();
    let text_of = |members: &[&(usize, String)]| batch_text(members.iter().map(|(_, d)| &**d));
    let close = |open: &mut Vec<&(usize, String)>, done: &mut Vec<Batch>| {
        if !open.is_empty() {
            done.push(Batch {
                members: open.iter().map(|(i, _)| *i).collect(),
                text: text_of(open),
            });
            open.clear();
        }
    };
    for member in together {
        open.push(member);
        if text_of(&open).len() <= max_len {
            continue;
        }
        open.pop();
        close(&mut open, &mut done);
        if text_of(&[member]).len() <= max_len {
            open.push(member);
        } else {
            too_long.push(member.0);
        }
    }
    close(&mut open, &mut done);
    (done, too_long)
}

#[cfg(test)]
#[path = "combine_tests.rs"]
mod tests;
