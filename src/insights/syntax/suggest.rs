//! "Did you mean …?" for the language's own names: the commands, and the names other query
//! languages use for a command or function (`where` → `filter`, `lower` → `tolower`), checked
//! before the spelling. The nearness itself is [`crate::text::suggest`]'s.

pub use crate::text::suggest::nearest;

/// The commands kaudit runs, then those only CloudWatch runs.
pub const COMMANDS: &[&str] = &[
    "fields", "display", "filter", "stats", "sort", "limit", "dedup", "parse", "unnest",
];

/// Commands that CloudWatch Logs runs and kaudit recognises but cannot run over local events.
pub const AWS_ONLY_COMMANDS: &[&str] = &[
    "pattern",
    "anomaly",
    "diff",
    "lookup",
    "join",
    "SOURCE",
    "filterIndex",
    "unmask",
];

/// Names other query languages use, and the Logs Insights function they mean: a person
/// reaching for SQL's `lower` or Splunk's `dc` is one edit from nothing, yet plainly means one
/// function. Checked before the spelling.
const FUNCTION_ALIASES: &[(&str, &str)] = &[
    ("average", "avg"),
    ("mean", "avg"),
    ("dc", "count_distinct"),
    ("distinct_count", "count_distinct"),
    ("countdistinct", "count_distinct"),
    ("uniq", "count_distinct"),
    ("percentile", "pct"),
    ("perc", "pct"),
    ("first", "earliest"),
    ("last", "latest"),
    ("len", "strlen"),
    ("length", "strlen"),
    ("lower", "tolower"),
    ("upper", "toupper"),
    ("lcase", "tolower"),
    ("ucase", "toupper"),
    ("contains", "strcontains"),
    ("substring", "substr"),
    ("isnull", "isempty"),
    ("isnotnull", "ispresent"),
    ("exists", "ispresent"),
];

/// The same for commands.
const COMMAND_ALIASES: &[(&str, &str)] = &[
    ("where", "filter"),
    ("search", "filter"),
    ("select", "fields"),
    ("project", "fields"),
    ("table", "display"),
    ("head", "limit"),
    ("take", "limit"),
    ("top", "limit"),
    ("order", "sort"),
    ("orderby", "sort"),
    ("summarize", "stats"),
    ("aggregate", "stats"),
    ("distinct", "dedup"),
    ("uniq", "dedup"),
    ("rex", "parse"),
    ("mvexpand", "unnest"),
    ("expand", "unnest"),
];

/// The command nearest to a misspelt or foreign one (`feilds`, `where`).
pub fn command(name: &str) -> Option<String> {
    alias(name, COMMAND_ALIASES)
        .or_else(|| nearest(name, COMMANDS.iter().chain(AWS_ONLY_COMMANDS).copied()))
}

/// The function nearest to a misspelt or foreign one, among `candidates` (the functions that
/// may stand where it stands, the likeliest first).
pub fn function<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    alias(name, FUNCTION_ALIASES)
        .filter(|a| candidates.contains(&a.as_str()))
        .or_else(|| nearest(name, candidates))
}

fn alias(name: &str, table: &[(&str, &str)]) -> Option<String> {
    table
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(name))
        .map(|(_, to)| (*to).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::eval::registry::FUNCTIONS;

    fn functions() -> impl Iterator<Item = &'static str> {
        FUNCTIONS.iter().map(|s| s.name)
    }

    #[test]
    fn nearest_function_names() {
        assert_eq!(nearest("coutn", functions()).as_deref(), Some("count"));
        assert_eq!(
            nearest("count_distnct", functions()).as_deref(),
            Some("count_distinct")
        );
        assert_eq!(nearest("COUNT", functions()).as_deref(), Some("count"));
        assert_eq!(
            nearest("frommillis", functions()).as_deref(),
            Some("fromMillis")
        );
        assert_eq!(nearest("zzzzzz", functions()), None);
    }

    #[test]
    fn nearest_commands() {
        assert_eq!(
            nearest("feilds", COMMANDS.iter().copied()).as_deref(),
            Some("fields")
        );
        assert_eq!(
            nearest("stat", COMMANDS.iter().copied()).as_deref(),
            Some("stats")
        );
        assert_eq!(
            nearest("filtr", COMMANDS.iter().copied()).as_deref(),
            Some("filter")
        );
        assert_eq!(nearest("select", COMMANDS.iter().copied()), None);
    }

    #[test]
    fn abbreviated_function_names() {
        assert_eq!(nearest("cnt", functions()).as_deref(), Some("count"));
        assert_eq!(nearest("nt", functions()), None);
    }

    #[test]
    fn names_from_other_query_languages() {
        assert_eq!(command("where").as_deref(), Some("filter"));
        assert_eq!(command("SELECT").as_deref(), Some("fields"));
        assert_eq!(command("feilds").as_deref(), Some("fields"));
        assert_eq!(command("frobnicate"), None);
        assert_eq!(function("lower", functions()).as_deref(), Some("tolower"));
        assert_eq!(
            function("dc", functions()).as_deref(),
            Some("count_distinct")
        );
        assert_eq!(function("coutn", functions()).as_deref(), Some("count"));
        // an alias only where its function may stand
        let scalars = FUNCTIONS
            .iter()
            .filter(|s| s.kind == crate::insights::eval::registry::FunctionKind::Scalar)
            .map(|s| s.name);
        assert_eq!(function("average", scalars), None);
    }
}
