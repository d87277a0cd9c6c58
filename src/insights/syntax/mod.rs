//! Query text → a syntax tree whose nodes carry their spans, and the diagnostics that point back
//! into the text. Nothing here knows what a name means: that is the checker's.
//!
//! | module | owns |
//! |---|---|
//! | [`token`] | the tokens of a query and the byte spans they cover |
//! | [`lexer`] | query text → tokens, with an error for each character it cannot read |
//! | [`parser`] | tokens → a [`Query`](ast::Query): commands, then their expressions |
//! | [`ast`] | the positioned syntax tree |
//! | [`diag`] | errors and warnings: what is wrong, where, drawn with a caret under the text |
//! | [`suggest`] | "did you mean" for the language's commands and functions |

pub mod ast;
pub mod diag;
pub mod lexer;
pub mod parser;
pub mod suggest;
pub mod token;
