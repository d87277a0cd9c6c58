//! What a parsed query means, before it runs: the rules of each command, the functions and their
//! arity, and the field names that exist, each broken rule a diagnostic with a caret.
//!
//! | module | owns |
//! |---|---|
//! | [`checker`] | errors, and warnings wherever the answer depends on a choice kaudit made |
//! | [`known`] | the field names that exist: the audit event's, and those the loaded events have |

pub mod checker;
pub mod known;
