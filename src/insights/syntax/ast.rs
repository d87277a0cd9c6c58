//! The positioned syntax tree of a Logs Insights query: every node carries the [`Span`] of the
//! query text it came from, so that the checker and the evaluator can point at it.

pub use super::token::Span;

/// A whole query: its commands in the order written, separated by `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub commands: Vec<Command>,
}

impl Query {
    /// The commands in the order kaudit runs them. As written, except that a `filter` that
    /// follows `sort`/`limit` commands, one of them a `limit`, runs before them: the EKS guide's
    /// `sort @timestamp desc | limit 100 | filter …` means "the 100 latest matching events"
    /// (docs/insights.md). The checker warns about each `filter` moved.
    pub fn execution_order(&self) -> Vec<&Command> {
        self.order().0
    }

    /// The `filter` commands that [`Query::execution_order`] moves ahead of a `limit`.
    pub fn filters_moved_before_limit(&self) -> Vec<&Command> {
        self.order().1
    }

    fn order(&self) -> (Vec<&Command>, Vec<&Command>) {
        let mut order: Vec<&Command> = Vec::with_capacity(self.commands.len());
        let mut moved = Vec::new();
        for command in &self.commands {
            let mut at = order.len();
            if matches!(command.kind, CommandKind::Filter(_)) {
                let mut i = order.len();
                let mut passes_limit = false;
                while i > 0 {
                    match order[i - 1].kind {
                        CommandKind::Limit(_) => passes_limit = true,
                        CommandKind::Sort(_) => {}
                        _ => break,
                    }
                    i -= 1;
                }
                if passes_limit {
                    at = i;
                    moved.push(command);
                }
            }
            order.insert(at, command);
        }
        (order, moved)
    }
}

/// One command between pipes.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub kind: CommandKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommandKind {
    Fields(Vec<Projection>),
    Display(Vec<Projection>),
    Filter(Expr),
    Stats {
        aggregates: Vec<Projection>,
        by: Vec<Projection>,
    },
    Sort(Vec<SortKey>),
    Limit(u64),
    Dedup(Vec<FieldRef>),
    Parse {
        source: Expr,
        pattern: ParsePattern,
    },
    Unnest {
        source: Expr,
        alias: String,
    },
    /// A command only CloudWatch Logs runs (`pattern`, `anomaly`, `diff`, `lookup`, `join`,
    /// `SOURCE`, …): recognised and kept by name, its arguments left to AWS.
    AwsOnly {
        name: String,
    },
}

impl CommandKind {
    /// The command's name as the documentation spells it.
    pub fn name(&self) -> &str {
        match self {
            CommandKind::Fields(_) => "fields",
            CommandKind::Display(_) => "display",
            CommandKind::Filter(_) => "filter",
            CommandKind::Stats { .. } => "stats",
            CommandKind::Sort(_) => "sort",
            CommandKind::Limit(_) => "limit",
            CommandKind::Dedup(_) => "dedup",
            CommandKind::Parse { .. } => "parse",
            CommandKind::Unnest { .. } => "unnest",
            CommandKind::AwsOnly { name } => name,
        }
    }
}

/// What `parse` extracts with.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePattern {
    /// `"user=* ip=*" as user, ip`: each `*` captures into the next name.
    Glob { pattern: String, names: Vec<String> },
    /// `/(?<user>\S+)/`: the regex as written (flags such as `(?i)` included); the names are its
    /// named groups, in order.
    Regex { regex: String, names: Vec<String> },
}

impl ParsePattern {
    pub fn names(&self) -> &[String] {
        match self {
            ParsePattern::Glob { names, .. } | ParsePattern::Regex { names, .. } => names,
        }
    }
}

/// One output column of `fields`, `display` or `stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub expr: Expr,
    pub alias: Option<String>,
    /// The column's name: the alias, else the field's name for a bare field, else the
    /// expression's text exactly as written (`count(*)`, `bin(1m)`).
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub span: Span,
}

/// A field as Logs Insights names it: dotted into the event's JSON (`objectRef.resource`,
/// `sourceIPs.0`), backticks removed (`annotations.authorization.k8s.io/decision`), or into a
/// structure the query made (`js.sourceIPs[0]`, `` js.annotations.`authorization.k8s.io/decision` ``).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// The name as a column shows it: the segments joined by dots, backticks removed, list
    /// indexes in brackets (`js.requestObject.subjects[1].name`).
    pub path: String,
    /// The segments and indexes as written. A backticked segment is one key, dots included.
    pub steps: Vec<PathStep>,
    pub span: Span,
}

/// One step of a [`FieldRef`] into a map or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A member of a map (or, spelt in decimal, an element of a list: `groups.0`).
    Key(String),
    /// `[n]`: the element of a list at `n`, counting from 0.
    Index(usize),
}

impl FieldRef {
    pub fn new(steps: Vec<PathStep>, span: Span) -> FieldRef {
        FieldRef {
            path: path_name(&steps),
            steps,
            span,
        }
    }

    /// A field named by dotted segments (`@message`, `objectRef.name`).
    pub fn dotted(path: &str, span: Span) -> FieldRef {
        let steps = path
            .split('.')
            .map(|s| PathStep::Key(s.to_string()))
            .collect();
        FieldRef {
            path: path.to_string(),
            steps,
            span,
        }
    }

    /// Whether the field indexes a list with brackets.
    pub fn has_index(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, PathStep::Index(_)))
    }

    /// For a field inside a name the query made: the longest such name that the field's first
    /// steps spell (`js` for `js.sourceIPs[0]`), and the steps after it. `None` when the whole
    /// field is such a name, or when no name is.
    pub fn under(&self, is_defined: impl Fn(&str) -> bool) -> Option<(String, &[PathStep])> {
        if is_defined(&self.path) {
            return None;
        }
        (1..self.steps.len()).rev().find_map(|k| {
            let base = path_name(&self.steps[..k]);
            is_defined(&base).then_some((base, &self.steps[k..]))
        })
    }

    /// The steps before the first list index, as an event's dotted name (`sourceIPs` for
    /// `sourceIPs[0]`), and the steps from that index on.
    pub fn before_index(&self) -> (String, &[PathStep]) {
        let at = self
            .steps
            .iter()
            .position(|s| matches!(s, PathStep::Index(_)))
            .unwrap_or(self.steps.len());
        (path_name(&self.steps[..at]), &self.steps[at..])
    }

    /// The name Logs Insights gives the same value in a flattened event: `sourceIPs.0` for
    /// `sourceIPs[0]`.
    pub fn dotted_name(&self) -> String {
        let keys: Vec<String> = self
            .steps
            .iter()
            .map(|s| match s {
                PathStep::Key(k) => k.clone(),
                PathStep::Index(i) => i.to_string(),
            })
            .collect();
        keys.join(".")
    }
}

/// Steps as a column names them: `a.b[1].c`.
fn path_name(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Field(FieldRef),
    Literal(Literal),
    /// The `*` of `count(*)`.
    Star,
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Like {
        expr: Box<Expr>,
        pattern: LikePattern,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Call {
        name: String,
        args: Vec<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Mod,
    /// `=~`: the right side is a regex (a `/regex/` or a string read as one).
    RegexMatch,
    /// `!=~`, which kaudit accepts with a warning (see docs/insights.md).
    NotRegexMatch,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Mod => "%",
            BinaryOp::RegexMatch => "=~",
            BinaryOp::NotRegexMatch => "!=~",
        }
    }
}

/// The right side of `like`.
#[derive(Debug, Clone, PartialEq)]
pub enum LikePattern {
    /// `like "text"`: the field contains the text.
    Substring(String),
    /// `like /regex/`; `case_insensitive` when the pattern starts with `(?i)` (the flag stays in
    /// `source`, so compiling `source` is enough).
    Regex {
        source: String,
        case_insensitive: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Str(String),
    /// A time period (`5m`, `1hr`). `millis` counts a month as 30 days, a quarter as 90 and a
    /// year as 365; [`TimeUnit::parse_period`] on `text` gives the calendar unit.
    Duration {
        millis: i64,
        text: String,
    },
    Regex {
        source: String,
        case_insensitive: bool,
    },
    Bool(bool),
}

/// Whether a regex as written starts with the case-insensitive flag.
pub fn regex_is_case_insensitive(source: &str) -> bool {
    source
        .strip_prefix("(?")
        .and_then(|rest| rest.split_once(')'))
        .filter(|(flags, _)| flags.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
        .is_some_and(|(flags, _)| flags.split('-').next().is_some_and(|on| on.contains('i')))
}

/// A unit of `bin(…)` and `datefloor(…)` periods, as the Logs Insights `stats` documentation
/// lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl TimeUnit {
    /// Every spelling, without the plural `s` that any spelling longer than one letter may take.
    pub const SUFFIXES: &'static [&'static str] = &[
        "m",
        "min",
        "minute",
        "s",
        "sec",
        "second",
        "h",
        "hr",
        "hour",
        "d",
        "day",
        "w",
        "week",
        "ms",
        "msec",
        "millisecond",
        "mo",
        "mon",
        "month",
        "q",
        "qtr",
        "quarter",
        "y",
        "yr",
        "year",
    ];

    /// The unit a suffix names (`m`, `mins`, `hrs`), case-sensitive: `5M` is not five minutes.
    pub fn from_suffix(suffix: &str) -> Option<TimeUnit> {
        let exact = |s: &str| match s {
            "ms" | "msec" | "millisecond" => Some(TimeUnit::Millisecond),
            "s" | "sec" | "second" => Some(TimeUnit::Second),
            "m" | "min" | "minute" => Some(TimeUnit::Minute),
            "h" | "hr" | "hour" => Some(TimeUnit::Hour),
            "d" | "day" => Some(TimeUnit::Day),
            "w" | "week" => Some(TimeUnit::Week),
            "mo" | "mon" | "month" => Some(TimeUnit::Month),
            "q" | "qtr" | "quarter" => Some(TimeUnit::Quarter),
            "y" | "yr" | "year" => Some(TimeUnit::Year),
            _ => None,
        };
        exact(suffix).or_else(|| {
            suffix
                .strip_suffix('s')
                .filter(|s| s.len() > 1)
                .and_then(exact)
        })
    }

    /// The unit's length; months, quarters and years at 30, 90 and 365 days.
    pub fn millis(self) -> i64 {
        const DAY: i64 = 86_400_000;
        match self {
            TimeUnit::Millisecond => 1,
            TimeUnit::Second => 1_000,
            TimeUnit::Minute => 60_000,
            TimeUnit::Hour => 3_600_000,
            TimeUnit::Day => DAY,
            TimeUnit::Week => 7 * DAY,
            TimeUnit::Month => 30 * DAY,
            TimeUnit::Quarter => 90 * DAY,
            TimeUnit::Year => 365 * DAY,
        }
    }

    /// Months, quarters and years have no fixed length: binning by them follows the calendar.
    pub fn is_calendar(self) -> bool {
        matches!(self, TimeUnit::Month | TimeUnit::Quarter | TimeUnit::Year)
    }

    /// `"5m"` → `(5, Minute)`.
    pub fn parse_period(text: &str) -> Option<(i64, TimeUnit)> {
        let digits = text.find(|c: char| !c.is_ascii_digit())?;
        let count = text[..digits].parse().ok()?;
        Some((count, TimeUnit::from_suffix(&text[digits..])?))
    }
}

impl Expr {
    /// Calls `f` on this expression and every expression inside it, outermost first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Field(_) | ExprKind::Literal(_) | ExprKind::Star => {}
            ExprKind::Unary { expr, .. } | ExprKind::Like { expr, .. } => expr.walk(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.walk(f);
                rhs.walk(f);
            }
            ExprKind::In { expr, list, .. } => {
                expr.walk(f);
                list.iter().for_each(|e| e.walk(f));
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|e| e.walk(f)),
        }
    }

    /// The field this expression is, when it is a bare field.
    pub fn as_field(&self) -> Option<&FieldRef> {
        match &self.kind {
            ExprKind::Field(f) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_after_limit_run_first() {
        let q = crate::insights::syntax::parser::parse(
            "fields a | sort a desc | limit 5 | filter a = 1 | filter b = 2 | stats count(*) by a | sort a | limit 3 | filter a > 0",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let names: Vec<&str> = q.execution_order().iter().map(|c| c.kind.name()).collect();
        assert_eq!(
            names,
            [
                "fields", "filter", "filter", "sort", "limit", "stats", "filter", "sort", "limit"
            ]
        );
        assert_eq!(q.filters_moved_before_limit().len(), 3);
        let kept =
            crate::insights::syntax::parser::parse("limit 5 | fields a | filter a = 1 | sort a")
                .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(kept.filters_moved_before_limit().is_empty());
        assert_eq!(kept.execution_order().len(), 4);
    }

    #[test]
    fn time_units_follow_the_documented_spellings() {
        assert_eq!(TimeUnit::from_suffix("m"), Some(TimeUnit::Minute));
        assert_eq!(TimeUnit::from_suffix("mins"), Some(TimeUnit::Minute));
        assert_eq!(TimeUnit::from_suffix("hrs"), Some(TimeUnit::Hour));
        assert_eq!(TimeUnit::from_suffix("msec"), Some(TimeUnit::Millisecond));
        assert_eq!(TimeUnit::from_suffix("mon"), Some(TimeUnit::Month));
        assert_eq!(TimeUnit::from_suffix("qtrs"), Some(TimeUnit::Quarter));
        assert_eq!(TimeUnit::from_suffix("ms"), Some(TimeUnit::Millisecond));
        // a one-letter unit takes no plural `s`: `ms` is milliseconds, never "m" plural
        assert_eq!(TimeUnit::from_suffix("hs"), None);
        assert_eq!(TimeUnit::from_suffix("M"), None);
        assert_eq!(TimeUnit::parse_period("2mo"), Some((2, TimeUnit::Month)));
        assert!(TimeUnit::Year.is_calendar() && !TimeUnit::Week.is_calendar());
        for s in TimeUnit::SUFFIXES {
            assert!(TimeUnit::from_suffix(s).is_some(), "{s}");
        }
    }

    #[test]
    fn case_insensitive_flag() {
        assert!(regex_is_case_insensitive("(?i)foo"));
        assert!(regex_is_case_insensitive("(?is)foo"));
        // a scoped group covers only itself
        assert!(!regex_is_case_insensitive("(?i:foo)bar"));
        assert!(!regex_is_case_insensitive("(?-i)foo"));
        assert!(!regex_is_case_insensitive("foo(?i)"));
        assert!(!regex_is_case_insensitive("(?<i>x)"));
    }
}
