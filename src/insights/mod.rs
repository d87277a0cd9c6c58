//! The CloudWatch Logs Insights query language over local events: lexer → positioned AST →
//! checker → evaluator. Pure: no terminal, AWS or async runtime here.

pub mod registry;
pub mod value;
