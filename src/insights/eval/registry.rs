//! Every function the Logs Insights language knows, with its arity: what the checker validates
//! against and what the evaluator implements.

/// Where a function may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// Computes a value from one record's fields (in `fields`, `filter`, `stats … by`, …).
    Scalar,
    /// Reduces many records to one value (only in `stats`).
    Aggregate,
}

/// A function's name and how many arguments it takes (`max_args: None` = any number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    pub kind: FunctionKind,
    pub min_args: usize,
    pub max_args: Option<usize>,
}

const fn scalar(name: &'static str, min_args: usize, max_args: Option<usize>) -> Signature {
    Signature {
        name,
        kind: FunctionKind::Scalar,
        min_args,
        max_args,
    }
}

const fn aggregate(name: &'static str, min_args: usize, max_args: Option<usize>) -> Signature {
    Signature {
        name,
        kind: FunctionKind::Aggregate,
        min_args,
        max_args,
    }
}

/// The functions of the AWS documentation's query syntax, as kaudit implements them.
pub const FUNCTIONS: &[Signature] = &[
    // strings
    scalar("isempty", 1, Some(1)),
    scalar("isblank", 1, Some(1)),
    scalar("concat", 1, None),
    scalar("ltrim", 1, Some(2)),
    scalar("rtrim", 1, Some(2)),
    scalar("trim", 1, Some(2)),
    scalar("strlen", 1, Some(1)),
    scalar("toupper", 1, Some(1)),
    scalar("tolower", 1, Some(1)),
    scalar("substr", 2, Some(3)),
    scalar("replace", 3, Some(3)),
    scalar("strcontains", 2, Some(2)),
    // numbers
    scalar("abs", 1, Some(1)),
    scalar("ceil", 1, Some(1)),
    scalar("floor", 1, Some(1)),
    scalar("greatest", 1, None),
    scalar("least", 1, None),
    scalar("log", 1, Some(1)),
    scalar("sqrt", 1, Some(1)),
    // general
    scalar("ispresent", 1, Some(1)),
    scalar("coalesce", 1, None),
    // dates and times
    scalar("bin", 1, Some(1)),
    scalar("datefloor", 2, Some(2)),
    scalar("dateceil", 2, Some(2)),
    scalar("fromMillis", 1, Some(1)),
    scalar("toMillis", 1, Some(1)),
    // IP addresses
    scalar("isValidIp", 1, Some(1)),
    scalar("isValidIpV4", 1, Some(1)),
    scalar("isValidIpV6", 1, Some(1)),
    scalar("isIpInSubnet", 2, Some(2)),
    scalar("isIpv4InSubnet", 2, Some(2)),
    scalar("isIpv6InSubnet", 2, Some(2)),
    // JSON
    scalar("jsonParse", 1, Some(1)),
    // aggregates
    aggregate("count", 0, Some(1)),
    aggregate("count_distinct", 1, Some(1)),
    aggregate("sum", 1, Some(1)),
    aggregate("avg", 1, Some(1)),
    aggregate("min", 1, Some(1)),
    aggregate("max", 1, Some(1)),
    aggregate("pct", 2, Some(2)),
    aggregate("stddev", 1, Some(1)),
    aggregate("earliest", 1, Some(1)),
    aggregate("latest", 1, Some(1)),
    aggregate("sortsFirst", 1, Some(1)),
    aggregate("sortsLast", 1, Some(1)),
];

/// Looks a function up by name. Logs Insights function names are case-sensitive.
pub fn signature(name: &str) -> Option<&'static Signature> {
    FUNCTIONS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for (i, s) in FUNCTIONS.iter().enumerate() {
            assert_eq!(signature(s.name), Some(s));
            assert!(
                FUNCTIONS[..i].iter().all(|o| o.name != s.name),
                "{}",
                s.name
            );
            assert!(s.max_args.is_none_or(|m| m >= s.min_args));
        }
        assert_eq!(
            signature("count_distinct").map(|s| s.kind),
            Some(FunctionKind::Aggregate)
        );
        assert!(signature("COUNT").is_none());
    }
}
