//! The CloudWatch Logs Insights query language over local events: text → tokens → positioned
//! AST → checked → compiled into a plan → run over records. Pure: no terminal, AWS or async
//! runtime here.
//!
//! | module | owns |
//! |---|---|
//! | [`syntax`] | query text → tokens → a syntax tree whose nodes carry their spans; diagnostics with a caret; "did you mean" for commands and functions |
//! | [`check`] | what a parsed query means: each command's rules, functions and their arity, the field names that exist |
//! | [`eval`] | values and what computes them: functions, aggregates, periods and the calendar, an event's fields |
//! | [`exec`] | a checked query compiled into a plan, and run over records |
//!
//! The folders depend one way: `exec` on the other three, `check` on `syntax` and `eval`, and
//! `syntax` and `eval` on nothing else here. Code outside the language reaches the modules it
//! uses by the short paths re-exported below (`insights::parser`, `insights::value`, …).
//!
//! The decisions kaudit made where AWS's documentation is silent are in `docs/insights.md`.

pub mod check;
pub mod eval;
pub mod exec;
pub mod syntax;

pub use check::{checker, known};
pub use eval::{duration, fields, value};
pub use syntax::{ast, diag, lexer, parser, suggest, token};

#[cfg(test)]
mod tests {
    use crate::tests::assert_module_table;

    #[test]
    fn every_folder_table_names_its_modules() {
        for (file, source) in [
            ("src/insights/mod.rs", include_str!("mod.rs")),
            ("src/insights/syntax/mod.rs", include_str!("syntax/mod.rs")),
            ("src/insights/check/mod.rs", include_str!("check/mod.rs")),
            ("src/insights/eval/mod.rs", include_str!("eval/mod.rs")),
            ("src/insights/exec/mod.rs", include_str!("exec/mod.rs")),
        ] {
            assert_module_table(file, source);
        }
    }
}
