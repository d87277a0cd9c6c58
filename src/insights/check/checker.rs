//! What a parsed query means: known functions with the right number of arguments, aggregates
//! only in `stats`, the rules AWS documents for `stats` and `dedup`, and warnings wherever the
//! result depends on a choice kaudit made where AWS's documentation is silent
//! (docs/insights.md lists them).

use super::known::{self, Found, SeenFields};
use crate::insights::eval::fields::SystemField;
use crate::insights::eval::registry::{self, FunctionKind};
use crate::insights::syntax::ast::{
    BinaryOp, Command, CommandKind, Expr, ExprKind, FieldRef, Literal, Projection, Query, Span,
};
use crate::insights::syntax::diag::Diagnostic;
use crate::insights::syntax::suggest;

/// Rows a query returns without `limit`, and the most `limit` may ask for: CloudWatch Logs'
/// own figures, which kaudit follows.
pub const DEFAULT_LIMIT: u64 = 10_000;
pub const MAX_LIMIT: u64 = 10_000;

/// The fields every record has.
fn system_fields() -> impl Iterator<Item = &'static str> {
    SystemField::ALL.into_iter().map(SystemField::name)
}

/// Where the query will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// kaudit's own engine, over files or the demo: commands only CloudWatch runs are errors,
    /// and kaudit's own decisions are announced.
    #[default]
    Local,
    /// Sent to CloudWatch Logs as written: AWS runs every command and makes every decision.
    CloudWatch,
}

/// What the checker holds a field the query reads from the events against. Wherever it stands,
/// a name the query made before reading it, or a system field (`@timestamp`), is known.
#[derive(Debug, Clone, Copy, Default)]
pub enum FieldCheck<'a> {
    /// Field names are not checked.
    #[default]
    Off,
    /// The audit event's fields ([`known::schema`]), before the events are known: a name it has
    /// no place for gets a warning; one below a map such as `annotations` does not.
    Schema,
    /// The audit event's fields and those the loaded events have: a name outside both gets
    /// "no event has …".
    Events(&'a SeenFields),
    /// Names the audit event does not fix are left for the run to settle: see
    /// [`check_deferred`].
    Run,
}

/// How to check.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions<'a> {
    pub target: Target,
    pub fields: FieldCheck<'a>,
}

/// A field the query reads from the events that the audit event does not fix: whether some
/// event has it is known only once the events are read. The run watches for it
/// (`exec::FieldPresence`); when none had it, [`UnsureField::warning`] says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsureField {
    pub path: String,
    pub span: Span,
    /// The nearest name the query could have meant.
    pub suggestion: Option<String>,
    /// Below one of the audit event's maps (`requestObject`, `annotations`, …), where any key
    /// may be: not a likely slip, so the run looks for it more cheaply.
    pub below_map: bool,
}

impl UnsureField {
    /// The warning for a field no event read had; `stopped_after`: the run stopped early (a
    /// `limit` reached, or cancelled) after reading this many events, so the rest is unknown.
    pub fn warning(&self, stopped_after: Option<u64>) -> Diagnostic {
        let message = match stopped_after {
            None => no_event_has(&self.path),
            Some(n) => format!(
                "none of the {} {} read has `{}`",
                thousands(n),
                if n == 1 { "event" } else { "events" },
                self.path
            ),
        };
        Diagnostic::warning(self.span, message).with_suggestion(self.suggestion.clone())
    }
}

/// The warnings for the unsure fields that none of the `read` events had (`unseen`, from the
/// run), one at each place the query reads them; `stopped_early` when the run did not read to
/// the end. Without an event read there is nothing to tell.
pub fn unseen_field_warnings(
    unsure: &[UnsureField],
    unseen: &[&str],
    read: u64,
    stopped_early: bool,
) -> Vec<Diagnostic> {
    if read == 0 {
        return Vec::new();
    }
    unsure
        .iter()
        .filter(|u| unseen.contains(&u.path.as_str()))
        .map(|u| u.warning(stopped_early.then_some(read)))
        .collect()
}

fn no_event_has(path: &str) -> String {
    format!("no event has `{path}`")
}

/// Errors and warnings for a query about to run locally.
pub fn check(query: &Query) -> Vec<Diagnostic> {
    check_with(query, &CheckOptions::default())
}

/// Errors and warnings, with options.
pub fn check_with(query: &Query, options: &CheckOptions<'_>) -> Vec<Diagnostic> {
    run_checker(query, options).0
}

/// Errors and warnings for a query run over events not read yet, and the fields it reads that
/// the audit event does not fix, for the run to watch ([`FieldCheck::Run`]).
pub fn check_deferred(query: &Query, target: Target) -> (Vec<Diagnostic>, Vec<UnsureField>) {
    let options = CheckOptions {
        target,
        fields: FieldCheck::Run,
    };
    run_checker(query, &options)
}

fn run_checker(query: &Query, options: &CheckOptions<'_>) -> (Vec<Diagnostic>, Vec<UnsureField>) {
    let mut checker = Checker {
        options: *options,
        diagnostics: Vec::new(),
        scope: Scope::Events {
            defined: Vec::new(),
        },
        stats_seen: 0,
        names_in_stats: Vec::new(),
        moved_filters: query
            .filters_moved_before_limit()
            .iter()
            .map(|c| c.span)
            .collect(),
        after_dedup: false,
        fields_unknowable: false,
        unsure: Vec::new(),
    };
    for command in &query.commands {
        checker.command(command);
    }
    (checker.diagnostics, checker.unsure)
}

/// The warning to show when a query without `limit` had more rows than the default cap.
pub fn row_cap_warning(query: &Query) -> Option<Diagnostic> {
    let has_limit = query
        .commands
        .iter()
        .any(|c| matches!(c.kind, CommandKind::Limit(_)));
    if has_limit {
        return None;
    }
    let end = query.commands.last().map_or(0, |c| c.span.end);
    Some(Diagnostic::warning(
        Span::new(end, end),
        format!(
            "no `limit`: only the first {} rows are shown, as CloudWatch Logs would; add `| limit N` to choose",
            thousands(DEFAULT_LIMIT)
        ),
    ))
}

/// The columns a command can see.
#[derive(Debug)]
enum Scope {
    /// The events' own fields, plus the names the query created so far.
    Events { defined: Vec<String> },
    /// After `stats`: only its columns, plus names created after it.
    Table {
        columns: Vec<String>,
        /// Whether the first `stats` made this table (its columns are all the second may read).
        from_first_stats: bool,
    },
}

struct Checker<'a> {
    options: CheckOptions<'a>,
    diagnostics: Vec<Diagnostic>,
    scope: Scope,
    stats_seen: usize,
    /// While a `stats` is checked: its groups and earlier outputs, which later outputs may use.
    names_in_stats: Vec<String>,
    /// The `filter` commands kaudit runs ahead of a `limit` ([`Query::execution_order`]).
    moved_filters: Vec<Span>,
    after_dedup: bool,
    /// After a command only CloudWatch runs, the fields are whatever it made.
    fields_unknowable: bool,
    /// Fields left for the run to settle ([`FieldCheck::Run`]).
    unsure: Vec<UnsureField>,
}

/// Where an expression stands, for the rules on aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An output of `stats`: aggregates allowed.
    StatsAggregate,
    /// Anywhere else, named for the messages.
    Scalar(&'static str),
}

fn name_span(command: &Command) -> Span {
    let len = command.kind.name().len();
    Span::new(command.span.start, command.span.start + len)
}

fn quoted_list(names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    list.join(", ")
}

impl Checker<'_> {
    fn local(&self) -> bool {
        self.options.target == Target::Local
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn command(&mut self, command: &Command) {
        if self.after_dedup && !matches!(command.kind, CommandKind::Limit(_)) {
            self.push(Diagnostic::error(
                name_span(command),
                format!(
                    "`{}` cannot follow `dedup`: only `limit` may come after it",
                    command.kind.name()
                ),
            ));
        }
        match &command.kind {
            CommandKind::Fields(list) => self.projections(list, "fields", true),
            CommandKind::Display(list) => self.projections(list, "display", false),
            CommandKind::Filter(e) => {
                if self.local() && self.moved_filters.contains(&command.span) {
                    self.push(Diagnostic::warning(
                        name_span(command),
                        "this `filter` comes after `limit`: kaudit filters first, so the limit counts matching events, as the EKS guide's queries intend; put the `filter` before `sort` and `limit` to leave no doubt",
                    ));
                }
                self.expr(e, Place::Scalar("filter"));
            }
            CommandKind::Stats { aggregates, by } => self.stats(command, aggregates, by),
            CommandKind::Sort(keys) => {
                for key in keys {
                    self.expr(&key.expr, Place::Scalar("sort"));
                    if key.span == key.expr.span && self.local() {
                        self.push(Diagnostic::warning(
                            key.span,
                            "no `asc` or `desc`: kaudit sorts ascending; write the direction to be sure CloudWatch Logs agrees",
                        ));
                    }
                }
            }
            CommandKind::Limit(n) => self.limit(command, *n),
            CommandKind::Dedup(fields) => {
                for f in fields {
                    if !self.index_on_event_field(f) {
                        self.field(f);
                    }
                }
                self.after_dedup = true;
            }
            CommandKind::Parse { source, pattern } => {
                self.expr(source, Place::Scalar("parse"));
                for name in pattern.names() {
                    self.define(name);
                }
            }
            CommandKind::Unnest { source, alias } => {
                self.expr(source, Place::Scalar("unnest"));
                self.define(alias);
            }
            CommandKind::AwsOnly { name } => {
                self.fields_unknowable = true;
                if self.local() {
                    self.push(Diagnostic::error(
                        name_span(command),
                        format!(
                            "`{name}` needs CloudWatch Logs: run it with --log-group/--cluster"
                        ),
                    ));
                }
            }
        }
    }

    fn define(&mut self, name: &str) {
        match &mut self.scope {
            Scope::Events { defined } => defined.push(name.to_string()),
            Scope::Table { columns, .. } => columns.push(name.to_string()),
        }
    }

    fn projections(&mut self, list: &[Projection], command: &'static str, defines: bool) {
        for p in list {
            self.expr(&p.expr, Place::Scalar(command));
            if defines && p.alias.is_some() {
                self.define(&p.name);
            }
        }
    }

    fn limit(&mut self, command: &Command, n: u64) {
        let span = Span::new(name_span(command).start, command.span.end);
        if n == 0 {
            self.push(Diagnostic::error(
                span,
                format!(
                    "`limit 0` returns nothing: give a number of rows from 1 to {}",
                    thousands(MAX_LIMIT)
                ),
            ));
        } else if n > MAX_LIMIT {
            self.push(Diagnostic::warning(
                span,
                format!(
                    "CloudWatch Logs returns at most {} rows: kaudit caps `limit {n}` there too",
                    thousands(MAX_LIMIT)
                ),
            ));
        }
    }

    fn stats(&mut self, command: &Command, aggregates: &[Projection], by: &[Projection]) {
        self.stats_seen += 1;
        if self.stats_seen > 2 {
            self.push(Diagnostic::error(
                name_span(command),
                "a query may have at most two `stats` commands, the second over the first's columns",
            ));
        }
        for term in by {
            self.expr(&term.expr, Place::Scalar("stats … by"));
        }
        // Outside an aggregate, an output may use the groups and the outputs before it.
        self.names_in_stats = by.iter().map(|t| t.name.clone()).collect();
        let by_paths: Vec<&str> = by
            .iter()
            .filter_map(|t| t.expr.as_field().map(|f| f.path.as_str()))
            .collect();
        for p in aggregates {
            self.expr(&p.expr, Place::StatsAggregate);
            for field in fields_outside_aggregates(&p.expr) {
                let known = self.names_in_stats.contains(&field.path)
                    || by_paths.contains(&field.path.as_str());
                if !known {
                    self.push(Diagnostic::error(
                        field.span,
                        format!(
                            "`{0}` is neither aggregated nor grouped: add `by {0}`, or aggregate it, as in `count_distinct({0})`",
                            field.path
                        ),
                    ));
                }
            }
            self.names_in_stats.push(p.name.clone());
        }
        self.names_in_stats.clear();
        let mut columns: Vec<String> = by.iter().map(|t| t.name.clone()).collect();
        columns.extend(aggregates.iter().map(|p| p.name.clone()));
        self.scope = Scope::Table {
            columns,
            from_first_stats: self.stats_seen == 1,
        };
    }

    /// A field read somewhere: does it exist where it is read?
    fn field(&mut self, field: &FieldRef) {
        let path = field.path.as_str();
        if self.fields_unknowable || self.names_in_stats.iter().any(|n| n == path) {
            return;
        }
        match &self.scope {
            Scope::Table { columns, .. } => {
                if columns.iter().any(|c| c == path || is_under(path, c)) {
                    return;
                }
                let suggestion = suggest::nearest(path, columns.iter().map(String::as_str));
                let d = if self.in_second_stats() {
                    Diagnostic::error(
                        field.span,
                        format!(
                            "`{path}` is not a column of the first `stats`: the second `stats` reads only {}",
                            quoted_list(columns)
                        ),
                    )
                } else {
                    Diagnostic::warning(
                        field.span,
                        format!(
                            "`{path}` is not a column after `stats` (its columns: {}), so it is empty here",
                            quoted_list(columns)
                        ),
                    )
                };
                self.push(d.with_suggestion(suggestion));
            }
            Scope::Events { defined } => {
                let defined_here = defined.iter().any(|d| d == path || is_under(path, d));
                if defined_here {
                    return;
                }
                if let Some(own) = SystemField::from_name(path).filter(|f| f.kaudits_own()) {
                    if !self.local() {
                        self.push(Diagnostic::error(
                            field.span,
                            format!(
                                "`{own}` is kaudit's own field, which CloudWatch Logs Insights \
                                 does not have; over CloudWatch, `@log` names the log group \
                                 (`/aws/eks/CLUSTER/cluster`)"
                            ),
                        ));
                    }
                    return;
                }
                if system_fields().any(|f| f == path) {
                    return;
                }
                let schema = known::schema().find(path);
                let seen = match self.options.fields {
                    FieldCheck::Off => return,
                    FieldCheck::Schema if schema != Found::Absent => return,
                    FieldCheck::Run | FieldCheck::Events(_) if schema == Found::Listed => return,
                    FieldCheck::Events(seen) if seen.tree().find(path) != Found::Absent => return,
                    FieldCheck::Events(seen) => Some(seen),
                    FieldCheck::Schema | FieldCheck::Run => None,
                };
                let suggestion = nearest_field(path, defined, seen);
                match self.options.fields {
                    FieldCheck::Run => self.unsure.push(UnsureField {
                        path: path.to_string(),
                        span: field.span,
                        suggestion,
                        below_map: schema == Found::Below,
                    }),
                    FieldCheck::Schema => self.push(
                        Diagnostic::warning(
                            field.span,
                            format!("`{path}` is not a field of Kubernetes audit events"),
                        )
                        .with_suggestion(suggestion),
                    ),
                    _ => self.push(
                        Diagnostic::warning(field.span, no_event_has(path))
                            .with_suggestion(suggestion),
                    ),
                }
            }
        }
    }

    /// Brackets index a list that `jsonParse` made. An event's arrays are flattened into
    /// `sourceIPs.0`, `sourceIPs.1`, … instead, so `sourceIPs[0]` on an event is an error that
    /// names the dotted field (docs/insights.md). Returns whether it said so.
    fn index_on_event_field(&mut self, f: &FieldRef) -> bool {
        if !self.local() || self.fields_unknowable || !f.has_index() {
            return false;
        }
        let Scope::Events { defined } = &self.scope else {
            return false;
        };
        let is_defined = |name: &str| {
            defined.iter().any(|d| d == name) || self.names_in_stats.iter().any(|n| n == name)
        };
        if is_defined(&f.path) || f.under(is_defined).is_some() {
            return false;
        }
        let (base, _) = f.before_index();
        self.push(
            Diagnostic::error(
                f.span,
                format!(
                    "`{base}` is a field of the event, not a list made by `jsonParse`: Logs Insights names its elements `{base}.0`, `{base}.1`, …"
                ),
            )
            .with_suggestion(Some(f.dotted_name())),
        );
        true
    }

    /// Whether the command being checked is the second `stats` (set while it is checked).
    fn in_second_stats(&self) -> bool {
        self.stats_seen == 2
            && matches!(
                self.scope,
                Scope::Table {
                    from_first_stats: true,
                    ..
                }
            )
    }

    fn expr(&mut self, e: &Expr, place: Place) {
        self.walk(e, place, None);
    }

    /// `inside`: the aggregate this expression is an argument of, if any.
    fn walk(&mut self, e: &Expr, place: Place, inside: Option<&str>) {
        match &e.kind {
            ExprKind::Field(f) => {
                if !self.index_on_event_field(f) {
                    self.field(f);
                }
            }
            ExprKind::Literal(Literal::Duration { text, .. }) => self.push(Diagnostic::error(
                e.span,
                format!(
                    "a time period such as `{text}` goes only in `bin(…)`, `datefloor(…)` or `dateceil(…)`"
                ),
            )),
            ExprKind::Literal(Literal::Regex { .. }) => self.push(Diagnostic::error(
                e.span,
                "a /regex/ goes only after `like` or `=~`, or in `parse`",
            )),
            ExprKind::Literal(_) => {}
            ExprKind::Star => self.push(Diagnostic::error(
                e.span,
                "`*` stands for every record only in `count(*)`",
            )),
            ExprKind::Unary { expr, .. } | ExprKind::Like { expr, .. } => {
                self.walk(expr, place, inside);
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.walk(lhs, place, inside);
                if matches!(op, BinaryOp::RegexMatch | BinaryOp::NotRegexMatch) {
                    self.regex_operand(*op, e.span, rhs);
                } else {
                    self.walk(rhs, place, inside);
                }
            }
            ExprKind::In { expr, list, .. } => {
                self.walk(expr, place, inside);
                for item in list {
                    self.walk(item, place, inside);
                }
            }
            ExprKind::Call { name, args } => self.call(e, name, args, place, inside),
        }
    }

    fn regex_operand(&mut self, op: BinaryOp, span: Span, rhs: &Expr) {
        if op == BinaryOp::NotRegexMatch {
            self.push(Diagnostic::warning(
                span,
                "`!=~` is not in AWS's documentation of Logs Insights: kaudit reads it as `not (… =~ …)`; write that to be sure CloudWatch Logs accepts it",
            ));
        }
        if !matches!(
            rhs.kind,
            ExprKind::Literal(Literal::Regex { .. } | Literal::Str(_))
        ) {
            self.push(Diagnostic::error(
                rhs.span,
                format!("`{}` takes a /regex/ on its right", op.symbol()),
            ));
        }
    }

    fn call(&mut self, call: &Expr, name: &str, args: &[Expr], place: Place, inside: Option<&str>) {
        let name_span = Span::new(call.span.start, call.span.start + name.len());
        let Some(sig) = registry::signature(name) else {
            // The likeliest first: an output of `stats` is an aggregate, anything else (an
            // aggregate's argument too) a scalar function.
            let (first, then) = if place == Place::StatsAggregate && inside.is_none() {
                (FunctionKind::Aggregate, FunctionKind::Scalar)
            } else {
                (FunctionKind::Scalar, FunctionKind::Aggregate)
            };
            let kind = |k: FunctionKind| registry::FUNCTIONS.iter().filter(move |s| s.kind == k);
            let candidates = kind(first).chain(kind(then)).map(|s| s.name);
            let case_only = registry::FUNCTIONS
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(name));
            let message = if case_only {
                format!("unknown function `{name}`: function names are case-sensitive")
            } else {
                format!("unknown function `{name}`")
            };
            self.push(
                Diagnostic::error(name_span, message)
                    .with_suggestion(suggest::function(name, candidates)),
            );
            for a in args.iter().filter(|a| !matches!(a.kind, ExprKind::Star)) {
                self.walk(a, place, inside);
            }
            return;
        };
        let arity_ok = args.len() >= sig.min_args && sig.max_args.is_none_or(|m| args.len() <= m);
        if !arity_ok {
            self.push(Diagnostic::error(
                call.span,
                format!(
                    "`{name}` takes {}, found {}",
                    arity(sig.min_args, sig.max_args),
                    args.len()
                ),
            ));
        }
        let aggregate = sig.kind == FunctionKind::Aggregate;
        if aggregate {
            if let Place::Scalar(command) = place {
                let mut message = format!(
                    "`{name}` is an aggregate, which goes only in `stats`, not in `{command}`"
                );
                if matches!(self.scope, Scope::Table { .. }) && command != "stats … by" {
                    message.push_str(
                        "; to read a column of `stats`, write its name in backticks, as in `` `count(*)` ``",
                    );
                }
                self.push(Diagnostic::error(name_span, message));
            } else if let Some(outer) = inside {
                self.push(Diagnostic::error(
                    name_span,
                    format!("`{name}` inside `{outer}`: aggregates do not nest"),
                ));
            }
        }
        let inner = if aggregate { Some(name) } else { inside };
        for (i, a) in args.iter().enumerate() {
            match special_argument(name, i) {
                Some(Special::Period) => {
                    if !matches!(a.kind, ExprKind::Literal(Literal::Duration { .. })) {
                        self.push(Diagnostic::error(
                            a.span,
                            format!("`{name}` takes a time period such as `5m` here"),
                        ));
                    }
                }
                Some(Special::Percentile) => {
                    let p = match a.kind {
                        ExprKind::Literal(Literal::Int(i)) => Some(i as f64),
                        ExprKind::Literal(Literal::Float(f)) => Some(f),
                        _ => None,
                    };
                    if !p.is_some_and(|p| (0.0..=100.0).contains(&p)) {
                        self.push(Diagnostic::error(
                            a.span,
                            "the percentile of `pct` is a number from 0 to 100, as in `pct(latency, 95)`",
                        ));
                    }
                }
                None if matches!(a.kind, ExprKind::Star) && name == "count" && args.len() == 1 => {}
                None => self.walk(a, place, inner),
            }
        }
    }
}

enum Special {
    Period,
    Percentile,
}

/// Arguments that must be written as literals of a kind.
fn special_argument(function: &str, index: usize) -> Option<Special> {
    match (function, index) {
        ("bin", 0) | ("datefloor" | "dateceil", 1) => Some(Special::Period),
        ("pct", 1) => Some(Special::Percentile),
        _ => None,
    }
}

fn arity(min: usize, max: Option<usize>) -> String {
    let args = |n: usize| if n == 1 { "argument" } else { "arguments" };
    match max {
        Some(max) if max == min => format!("{min} {}", args(min)),
        Some(max) if max == min + 1 => format!("{min} or {max} {}", args(max)),
        Some(max) => format!("{min} to {max} arguments"),
        None => format!("at least {min} {}", args(min)),
    }
}

/// The fields an expression reads outside any aggregate call.
fn fields_outside_aggregates(e: &Expr) -> Vec<&FieldRef> {
    let mut out = Vec::new();
    collect_outside(e, &mut out);
    out
}

fn collect_outside<'a>(e: &'a Expr, out: &mut Vec<&'a FieldRef>) {
    match &e.kind {
        ExprKind::Field(f) => out.push(f),
        ExprKind::Literal(_) | ExprKind::Star => {}
        ExprKind::Unary { expr, .. } | ExprKind::Like { expr, .. } => collect_outside(expr, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_outside(lhs, out);
            collect_outside(rhs, out);
        }
        ExprKind::In { expr, list, .. } => {
            collect_outside(expr, out);
            list.iter().for_each(|i| collect_outside(i, out));
        }
        ExprKind::Call { name, args } => {
            // Unknown functions are already an error; what they read is left alone.
            let scalar = registry::signature(name).is_some_and(|s| s.kind == FunctionKind::Scalar);
            if scalar {
                args.iter().for_each(|a| collect_outside(a, out));
            }
        }
    }
}

/// `10000` as `10,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The name nearest to `path` among those the query made, the audit event's, the system fields
/// and the loaded events'.
fn nearest_field<'a>(
    path: &str,
    defined: &'a [String],
    seen: Option<&'a SeenFields>,
) -> Option<String> {
    let as_str = |s: &'a String| s.as_str();
    let candidates = defined
        .iter()
        .map(as_str)
        .chain(known::schema_names().iter().map(as_str))
        .chain(system_fields().map(|f| -> &'a str { f }))
        .chain(seen.into_iter().flat_map(|s| s.names().iter().map(as_str)));
    let name = suggest::nearest(path, candidates)?;
    // As the query must write it: a key such as `authorization.k8s.io/decision` in backticks.
    let spelt = known::schema()
        .spell(&name)
        .or_else(|| seen.and_then(|s| s.tree().spell(&name)));
    Some(spelt.unwrap_or(name))
}

/// Whether `path` names something inside `parent` (`json.items.0` and `json[0]` under `json`).
fn is_under(path: &str, parent: &str) -> bool {
    path.len() > parent.len()
        && path.starts_with(parent)
        && matches!(path.as_bytes()[parent.len()], b'.' | b'[')
}
