//! The CloudWatch Logs Insights query language over local events: lexer → positioned AST →
//! checker → evaluator. Pure: no terminal, AWS or async runtime here.
//!
//! | module | owns |
//! |---|---|
//! | [`token`], [`lexer`], [`parser`], [`ast`] | query text → a syntax tree whose nodes carry their spans |
//! | [`checker`], [`diag`], [`suggest`] | errors and warnings with a caret, and "did you mean" |
//! | [`known`] | the field names that exist: the audit event's, and those the loaded events have |
//! | [`registry`] | every function's name, kind and arity |
//! | [`value`], [`duration`], [`functions`], [`aggregates`] | values and what computes them |
//! | [`fields`] | the fields of an event as Logs Insights names them, read lazily |
//! | [`exec`] | plans and runs a query over records |
//!
//! The decisions kaudit made where AWS's documentation is silent are in `docs/insights.md`.

pub mod check;
pub mod eval;
pub mod exec;
pub mod syntax;

pub use check::{checker, known};
pub use eval::{duration, fields, registry, value};
pub use syntax::{ast, diag, lexer, parser, suggest, token};
