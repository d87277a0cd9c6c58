//! Adding the names of one event's JSON text to a [`FieldTree`]: one pass over the text that
//! reads keys and skips every scalar whole (strings at the speed of `audit::skip`), and passes
//! over whole containers below a node the bounds have opened.

use std::borrow::Cow;

use super::{FieldTree, MAX_DEPTH, ROOT};
use crate::audit::json::Scanner;
use crate::audit::skip::{skip_ws, string_end, value_end};

/// Adds every name of `json`. Text that is not a JSON object adds nothing; text cut short or
/// broken adds the names before the break.
pub(super) fn add_event(tree: &mut FieldTree, json: &[u8]) {
    let start = skip_ws(json, 0);
    if json.get(start) == Some(&b'{') {
        let _ = object(tree, json, start, ROOT, 0);
    }
}

/// The object at `pos` (its `{`), under `node`; where it ends.
fn object(tree: &mut FieldTree, b: &[u8], pos: usize, node: u32, depth: usize) -> Option<usize> {
    let mut p = skip_ws(b, pos + 1);
    if b.get(p) == Some(&b'}') {
        return Some(p + 1);
    }
    loop {
        if b.get(p) != Some(&b'"') {
            return None;
        }
        let (end, escaped) = string_end(b, p)?;
        let key = key_text(b.get(p..end)?, escaped)?;
        p = skip_ws(b, end);
        if b.get(p) != Some(&b':') {
            return None;
        }
        p = skip_ws(b, p + 1);
        let child = tree.key_child(node, &key);
        p = skip_ws(b, value(tree, b, p, child, depth + 1)?);
        match b.get(p) {
            Some(b',') => p = skip_ws(b, p + 1),
            Some(b'}') => return Some(p + 1),
            _ => return None,
        }
    }
}

/// The array at `pos`, under `node`; where it ends.
fn array(tree: &mut FieldTree, b: &[u8], pos: usize, node: u32, depth: usize) -> Option<usize> {
    let mut p = skip_ws(b, pos + 1);
    if b.get(p) == Some(&b']') {
        return Some(p + 1);
    }
    let element = tree.element_child(node);
    loop {
        p = skip_ws(b, value(tree, b, p, element, depth + 1)?);
        match b.get(p) {
            Some(b',') => p = skip_ws(b, p + 1),
            Some(b']') => return Some(p + 1),
            _ => return None,
        }
    }
}

/// The value at `pos`, named by `node` (`None`: not listed, only skipped); where it ends.
fn value(
    tree: &mut FieldTree,
    b: &[u8],
    pos: usize,
    node: Option<u32>,
    depth: usize,
) -> Option<usize> {
    match (b.get(pos)?, node) {
        (b'{', Some(n)) if depth < MAX_DEPTH => object(tree, b, pos, n, depth),
        (b'[', Some(n)) if depth < MAX_DEPTH => array(tree, b, pos, n, depth),
        (b'{' | b'[', Some(n)) => {
            tree.open(n);
            value_end(b, pos)
        }
        _ => value_end(b, pos),
    }
}

/// The text of a key token (quotes included).
fn key_text(token: &[u8], escaped: bool) -> Option<Cow<'_, str>> {
    let token = std::str::from_utf8(token).ok()?;
    if escaped {
        Scanner::new(token).string().ok()
    } else {
        token.get(1..token.len() - 1).map(Cow::Borrowed)
    }
}
