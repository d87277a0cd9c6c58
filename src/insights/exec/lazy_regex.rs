//! The regular expression of a `like /…/` or `=~`, compiled when a record first reaches it.
//!
//! A plan holds every pattern of its query, but a record reaches few of them: most detections
//! of the one pass are never fed a record, and a filter often decides before its pattern is
//! tried. Each compiled pattern costs its program and its search caches, so one that is never
//! tried is never kept. Whether it compiles is still known when the plan is made, so a pattern
//! that cannot be used is refused there, with its position.

use std::fmt;
use std::sync::{Arc, OnceLock};

use regex::Regex;

use crate::insights::eval::functions::{compile_matcher, surely_compiles};
use crate::insights::eval::value::EvalError;

#[derive(Clone)]
pub(super) struct LazyRegex {
    pattern: String,
    /// `None` only if a pattern that compiled when the plan was made failed to compile again.
    compiled: OnceLock<Option<Arc<Regex>>>,
}

impl LazyRegex {
    /// `pattern`, once it is known to compile: by a bound on its program when that vouches
    /// for it, else by compiling it (the program is not kept).
    pub(super) fn new(pattern: String) -> Result<LazyRegex, EvalError> {
        if !surely_compiles(&pattern) {
            Regex::new(&pattern).map_err(|e| EvalError::InvalidRegex {
                pattern: pattern.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(LazyRegex {
            pattern,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled pattern, shared with every other use of the same text.
    pub(super) fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile_matcher(&self.pattern).ok())
            .as_deref()
    }

    /// Whether a record has reached it yet.
    #[cfg(test)]
    pub(super) fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }
}

impl fmt::Debug for LazyRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_judged_at_once_and_compiled_when_first_tried() {
        let re = LazyRegex::new("^system:(node|kube-proxy)$".into()).expect("compiles");
        assert!(!re.is_compiled());
        assert!(re.get().expect("compiled").is_match("system:node"));
        assert!(re.is_compiled());
        // Too big to compile: refused when the plan is made, not when a record reaches it.
        assert!(matches!(
            LazyRegex::new("(a{1000}){1000}".into()),
            Err(EvalError::InvalidRegex { .. })
        ));
    }
}
