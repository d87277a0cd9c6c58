//! The one way from a query's text to something that can run: parse → check → plan, with the
//! checker's warnings kept for whoever shows them. Every caller (the command line, the console,
//! the detections, the fuzzers) compiles here, so a query is judged the same way wherever it
//! is typed.

use crate::insights::ast::{CommandKind, Query};
use crate::insights::checker::{
    self, CheckOptions, FieldCheck, UnsureField, check_deferred, check_with, row_cap_warning,
};
use crate::insights::diag::Diagnostic;
use crate::insights::exec::Plan;
use crate::insights::known::SeenFields;
use crate::insights::parser::parse;

/// Where a query will run, and what its rows must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// kaudit's own engine, the answer as the query asks for it.
    #[default]
    Local,
    /// kaudit's own engine, each row of events also answering `@ptr`, to be tied to the event it
    /// is (the console's table, a detection's hits).
    LocalTied,
    /// CloudWatch Logs Insights: checked as AWS will run it, and sent as written.
    CloudWatch,
}

impl Target {
    fn checker(self) -> checker::Target {
        match self {
            Target::Local | Target::LocalTied => checker::Target::Local,
            Target::CloudWatch => checker::Target::CloudWatch,
        }
    }
}

/// A query that parsed and checked, planned when kaudit runs it itself.
#[derive(Debug)]
pub struct Compiled {
    text: String,
    query: Query,
    target: Target,
    /// `None` for CloudWatch, which plans for itself.
    plan: Option<Plan>,
    warnings: Vec<Diagnostic>,
    unsure: Vec<UnsureField>,
}

/// Parses, checks and plans `text` for `target`. On failure, every diagnostic (warnings too,
/// as they may explain the error), for [`crate::insights::diag::render_all`].
pub fn compile(text: &str, target: Target) -> Result<Compiled, Vec<Diagnostic>> {
    let query = parse(text)?;
    let (diagnostics, unsure) = match target {
        // Whether an event has a field the audit event does not fix is known once they are read.
        Target::Local | Target::LocalTied => check_deferred(&query, target.checker()),
        // CloudWatch reads events kaudit never sees: their fields are AWS's to judge.
        Target::CloudWatch => (
            check_with(
                &query,
                &CheckOptions {
                    target: target.checker(),
                    fields: FieldCheck::Off,
                },
            ),
            Vec::new(),
        ),
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let plan = match target {
        Target::Local => Some(Plan::new(&query).map_err(|d| vec![d])?),
        Target::LocalTied => Some(Plan::with_ptr(&query).map_err(|d| vec![d])?),
        Target::CloudWatch => None,
    };
    Ok(Compiled {
        text: text.to_string(),
        query,
        target,
        plan,
        warnings: diagnostics,
        unsure,
    })
}

/// The diagnostics of `text` as it is being typed: parse errors, else the checker's findings,
/// the fields read held against `seen` (the events loaded) where kaudit runs the query itself.
/// A query sent to CloudWatch reads more than the events loaded (a window, perhaps cut at a
/// cap): only the audit event's own fields can be vouched for there.
pub fn diagnose(text: &str, target: Target, seen: Option<&SeenFields>) -> Vec<Diagnostic> {
    let fields = match (seen, target) {
        (Some(seen), Target::Local | Target::LocalTied) => FieldCheck::Events(seen),
        _ => FieldCheck::Schema,
    };
    let options = CheckOptions {
        target: target.checker(),
        fields,
    };
    match parse(text) {
        Ok(query) => check_with(&query, &options),
        Err(errors) => errors,
    }
}

/// The first error (else the first diagnostic) as one line, made safe to show, for a status line
/// that has room for one.
pub fn first_error(diagnostics: &[Diagnostic]) -> String {
    let d = diagnostics
        .iter()
        .find(|d| d.is_error())
        .or(diagnostics.first());
    match d {
        Some(d) => crate::text::sanitize(&d.message).into_owned(),
        None => "the query cannot run".to_string(),
    }
}

impl Compiled {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// The plan, for a local target.
    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// The plan alone, for a local target: what a caller that only runs it keeps.
    pub fn into_plan(self) -> Option<Plan> {
        self.plan
    }

    /// The checker's warnings: what kaudit decided, or what looks like a slip.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The fields the query reads that the audit event does not fix: the run settles whether
    /// any event has them.
    pub fn unsure(&self) -> &[UnsureField] {
        &self.unsure
    }

    /// Plans to read `inputs` inputs as one timeline (see [`Plan::across_inputs`]); the same
    /// plan for any number of them once it is so.
    pub fn across_inputs(&mut self, inputs: usize) {
        self.plan = self.plan.take().map(|p| p.across_inputs(inputs));
    }

    /// The warning for an answer cut at the default row cap, when the query has no `limit`.
    pub fn row_cap_warning(&self) -> Option<Diagnostic> {
        row_cap_warning(&self.query)
    }

    /// The query ends in `stats` somewhere: its rows are groups, not events.
    pub fn has_stats(&self) -> bool {
        self.query
            .commands
            .iter()
            .any(|c| matches!(c.kind, CommandKind::Stats { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_refuses_what_it_owns() {
        // The parser: a command that does not exist.
        let parse_error = compile("fitler verb = 'get'", Target::Local).unwrap_err();
        assert!(parse_error.iter().any(Diagnostic::is_error));
        // The checker: an aggregate outside `stats`.
        let check_error = compile("filter count(*) > 1", Target::Local).unwrap_err();
        assert!(check_error.iter().any(Diagnostic::is_error));
        // A command only CloudWatch runs is an error here, and fine there.
        assert!(compile("pattern @message", Target::Local).is_err());
        let cloud = compile("pattern @message", Target::CloudWatch).expect("CloudWatch runs it");
        assert!(cloud.plan().is_none());
    }

    #[test]
    fn a_tied_plan_answers_ptr_and_a_plain_one_does_not() {
        let plain = compile("fields verb", Target::Local).expect("compiles");
        let tied = compile("fields verb", Target::LocalTied).expect("compiles");
        assert_eq!(plain.plan().and_then(Plan::ptr_column), None);
        assert_eq!(tied.plan().and_then(Plan::ptr_column), Some(1));
        assert_eq!(plain.text(), "fields verb");
    }

    #[test]
    fn fields_the_audit_event_does_not_fix_are_left_for_the_run() {
        let c = compile("filter user.nme = 'a'", Target::Local).expect("a warning, no error");
        assert_eq!(c.unsure().len(), 1);
        assert_eq!(c.unsure()[0].path, "user.nme");
    }

    #[test]
    fn the_first_error_is_the_line_shown() {
        let d = compile("stats coutn(*)", Target::Local).unwrap_err();
        assert!(first_error(&d).contains("coutn"), "{}", first_error(&d));
        assert_eq!(first_error(&[]), "the query cannot run");
    }
}
