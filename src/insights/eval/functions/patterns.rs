//! Compiled regular expressions, shared by every use of the same text.
//!
//! The syntax is the `regex` crate's, which covers what the AWS guide uses (classes, anchors,
//! groups, `(?i)`); the crate refuses look-around and back-references with its own reason
//! (docs/insights.md, decision 8).
//!
//! A pattern compiled before is shared, not compiled again: the detections repeat the same
//! exclusions (`^system:…`, `^eks:`) many times over, and each compiled copy costs its program
//! and its search caches (a clone of a `Regex` has caches of its own, so it is shared whole).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use regex::Regex;
use regex_syntax::hir::{Hir, HirKind, Repetition};

use crate::insights::eval::value::EvalError;

/// Patterns a user types in the console add up over a long run: past this many per kind, new
/// ones are compiled but not kept.
const KEPT: usize = 512;

type Compiled = Mutex<Option<HashMap<String, Arc<Regex>>>>;

/// The pattern of `parse`, whose groups capture.
pub fn compile_regex(pattern: &str) -> Result<Arc<Regex>, EvalError> {
    static COMPILED: Compiled = Mutex::new(None);
    shared(&COMPILED, pattern, Regex::new)
}

/// The pattern of `like /…/` or `=~`, which only says whether it matches: its groups only
/// group. Compiled without them, it has no use for the program that extracts groups in one
/// pass, which the crate otherwise builds for every pattern with a group (hundreds of KB for
/// the detections' long alternations), nor for its search cache.
pub fn compile_matcher(pattern: &str) -> Result<Arc<Regex>, EvalError> {
    static COMPILED: Compiled = Mutex::new(None);
    shared(&COMPILED, pattern, |p| {
        match regex_syntax::parse(p) {
            Ok(hir) if hir.properties().explicit_captures_len() > 0 => {
                Regex::new(&without_groups(hir).to_string())
            }
            // Without groups, or refused: the crate says why in its own words.
            _ => Regex::new(p),
        }
    })
}

fn shared(
    compiled: &Compiled,
    pattern: &str,
    compile: impl FnOnce(&str) -> Result<Regex, regex::Error>,
) -> Result<Arc<Regex>, EvalError> {
    let mut compiled = compiled.lock().unwrap_or_else(PoisonError::into_inner);
    let compiled = compiled.get_or_insert_with(HashMap::new);
    if let Some(re) = compiled.get(pattern) {
        return Ok(re.clone());
    }
    let re = Arc::new(compile(pattern).map_err(|e| EvalError::InvalidRegex {
        pattern: pattern.to_string(),
        message: e.to_string(),
    })?);
    if compiled.len() < KEPT {
        compiled.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

/// The same language with every capturing group replaced by what it holds.
fn without_groups(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Capture(group) => without_groups(*group.sub),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(without_groups).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(without_groups).collect())
        }
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            sub: Box::new(without_groups(*rep.sub)),
            ..rep
        }),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => Hir::literal(lit.0),
        HirKind::Class(class) => Hir::class(class),
        HirKind::Look(look) => Hir::look(look),
    }
}
