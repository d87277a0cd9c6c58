//! A canned query narrowed to one object by name, for the console's pivots ("changes to
//! ClusterRoleBinding x"). The object's `filter` goes before the query's first `sort`, `limit`,
//! `dedup` or `stats`, where it narrows the events that command reads: appended after a `limit`
//! it would read as "the latest 100 changes, then those to x" to CloudWatch and to a reader.

use super::CannedQuery;
use crate::insights::ast::CommandKind;
use crate::insights::parser::parse;

impl CannedQuery {
    /// The query's text with `| filter objectRef.name = "NAME"` where it narrows the events
    /// read; `name` goes in as a string literal, so it cannot change the query around it.
    pub fn narrowed_to_object(&self, name: &str) -> String {
        let filter = format!("filter objectRef.name = {}", string_literal(name));
        let text = &self.text;
        let first_cut = parse(text).ok().and_then(|query| {
            query
                .commands
                .iter()
                .find(|c| {
                    matches!(
                        c.kind,
                        CommandKind::Sort(_)
                            | CommandKind::Limit(_)
                            | CommandKind::Dedup(_)
                            | CommandKind::Stats { .. }
                    )
                })
                .map(|c| c.span.start)
        });
        match first_cut {
            Some(at) => format!("{}{filter}\n| {}", &text[..at], &text[at..]),
            None => format!("{}\n| {filter}", text.trim_end()),
        }
    }
}

/// `s` as a query string literal.
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
