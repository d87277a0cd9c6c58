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
use regex_syntax::hir::{Class, Hir, HirKind, Repetition};
use regex_syntax::utf8::Utf8Sequences;

use crate::insights::eval::value::EvalError;

/// The regex crate's default limit on a compiled program (`RegexBuilder::size_limit`), which
/// the patterns here are compiled under.
const PROGRAM_LIMIT: usize = 10 << 20;

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

/// Whether `pattern` is sure to compile: its syntax is valid and a generous bound on its
/// program is well under the crate's limit. Then nothing need be compiled to know it, which for
/// a pattern with a Unicode class costs a transient table of about 320 KB; a pattern this
/// cannot vouch for is compiled to be judged.
pub fn surely_compiles(pattern: &str) -> bool {
    regex_syntax::Parser::new()
        .parse(pattern)
        .is_ok_and(|hir| program_bound(&hir) <= PROGRAM_LIMIT / 2)
}

/// More bytes than the crate's compiler (forward or reverse) can spend on `hir`: each state it
/// makes counted at 64 bytes, more than one costs; a Unicode class counted as a chain of four
/// states per UTF-8 sequence of its ranges, as if none were shared; a repetition as a copy per
/// time it may repeat.
fn program_bound(hir: &Hir) -> usize {
    const STATE: usize = 64;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => STATE,
        HirKind::Literal(lit) => STATE * lit.0.len().max(1),
        HirKind::Class(Class::Bytes(class)) => STATE * (2 + class.ranges().len()),
        HirKind::Class(Class::Unicode(class)) => {
            let sequences: usize = class
                .iter()
                .map(|r| Utf8Sequences::new(r.start(), r.end()).count())
                .sum();
            STATE * (2 + 5 * sequences)
        }
        HirKind::Capture(group) => 2 * STATE + program_bound(&group.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .map(|s| 2 * STATE + program_bound(s))
            .fold(STATE, usize::saturating_add),
        HirKind::Repetition(rep) => {
            let copies = rep.max.unwrap_or(rep.min).max(1) as usize;
            copies.saturating_mul(2 * STATE + program_bound(&rep.sub))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_surely_compiles_only_when_the_crate_compiles_it() {
        let mut patterns: Vec<String> = [
            r"^system:",
            r"(?i)(aws_access_key_id|password|passphrase)",
            r#""add":\[[^\]]*"(CAP_)?(SYS_ADMIN|BPF|ALL)""#,
            r"\bnc(at)?( |%20)+-e\b|\bmkfifo\b",
            r"^(eks:|service-\d+@container-engine-robot\.iam\.gserviceaccount\.com$)",
            r"\w+\s*\d{1,3}",
            r"(?s).*",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        // Up to and past the crate's limit: a Unicode class repeated more and more.
        for n in [10, 50, 100, 200, 400, 800, 1600] {
            patterns.push(format!(r"\w{{{n}}}"));
            patterns.push(format!(r"[^\]]{{{n}}}x"));
            patterns.push(format!("(a{{{n}}}){{{n}}}"));
        }
        let mut vouched = 0;
        for p in &patterns {
            let compiles = Regex::new(p).is_ok();
            if surely_compiles(p) {
                assert!(compiles, "vouched for {p}, which does not compile");
                vouched += 1;
            }
        }
        // Not a bound that vouches for nothing, nor one that vouches for what is refused.
        assert!(vouched >= 12, "{vouched}");
        assert!(Regex::new("(a{1000}){1000}").is_err());
        assert!(!surely_compiles("(a{1000}){1000}"));
        assert!(!surely_compiles("(unclosed"));
    }
}
