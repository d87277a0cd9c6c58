//! `{{… in LIST}}` in a query: the place where a list of the site's is filled in, as plain
//! Logs Insights that kaudit's engine and CloudWatch both run.
//!
//! - `{{FIELD in LIST}}` is true when the field's value is on the list:
//!   `(FIELD in ["alice", "bob"] or FIELD like /^(eks:)/)`, the `like` for entries ending in `*`.
//!   Write `not {{…}}` for "off the list". An absent field is on no list.
//! - `{{images in LIST}}` (an image list) is true when every image the event names
//!   (`"image": "…"` anywhere in it: containers, init and ephemeral containers, request and
//!   response) is allowed by the list. An entry allows itself and what lies under it:
//!   `nginx` allows `nginx`, `nginx:1.25`, `nginx@sha256:…` and `nginx/…`, not `nginx-evil`;
//!   an entry ending in `/`, `:`, `@` or `*` allows everything that starts with it. Logs
//!   Insights has no per-element test over an event's arrays, and neither it nor Rust's regex
//!   has look-ahead, so "some image is not allowed" is one regex over the event's text that
//!   walks the entries' common prefixes (a trie) and matches where an image leaves them.

use std::collections::BTreeMap;

use super::{Entry, ListKind, Lists};

/// What a placeholder tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Left {
    /// A field's value, written as the query writes the field.
    Field(String),
    /// Every image the event names.
    Images,
}

/// One `{{… in LIST}}` of a query's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub left: Left,
    pub list: String,
    /// Byte range of the whole `{{…}}` in the body.
    start: usize,
    end: usize,
}

/// The placeholders of `body`, in order; or the first that is malformed, as (the 1-based line
/// of `body` it is on, what is wrong).
pub fn uses_of(body: &str) -> Result<Vec<Use>, (usize, String)> {
    let mut uses = Vec::new();
    let mut from = 0;
    while let Some(at) = body[from..].find("{{") {
        let start = from + at;
        let line = body[..start].matches('\n').count() + 1;
        let Some(len) = body[start..].find("}}") else {
            return Err((line, "`{{` is not closed: write `{{FIELD in LIST}}`".into()));
        };
        let end = start + len + 2;
        let inner = &body[start + 2..end - 2];
        let words: Vec<&str> = inner.split_whitespace().collect();
        let [left, "in", list] = words[..] else {
            return Err((
                line,
                format!(
                    "`{{{{{inner}}}}}` is not a list's place: write `{{{{FIELD in LIST}}}}` or `{{{{images in LIST}}}}`"
                ),
            ));
        };
        if !super::valid_name(list) {
            return Err((
                line,
                format!(
                    "`{list}` is not a list's name: lowercase ASCII letters, digits and `-`, as the file lists/NAME.txt"
                ),
            ));
        }
        let left = if left == "images" {
            Left::Images
        } else {
            Left::Field(left.to_string())
        };
        match (&left, ListKind::of(list)) {
            (Left::Images, ListKind::Names) => {
                return Err((
                    line,
                    format!(
                        "`images` is tested against an image list, named `…-images`, not `{list}`"
                    ),
                ));
            }
            (Left::Field(f), ListKind::Images) => {
                return Err((
                    line,
                    format!("`{list}` holds images: write `{{{{images in {list}}}}}`, not `{f}`"),
                ));
            }
            _ => {}
        }
        uses.push(Use {
            left,
            list: list.to_string(),
            start,
            end,
        });
        from = end;
    }
    Ok(uses)
}

/// The lists `uses` read, each once, in order of first use.
pub fn list_names(uses: &[Use]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for u in uses {
        if !names.contains(&u.list) {
            names.push(u.list.clone());
        }
    }
    names
}

/// The lists of `names` that have no entry in `lists` (no file, an empty one, or only lines
/// that could not be used).
pub fn missing(names: &[String], lists: &Lists) -> Vec<String> {
    names
        .iter()
        .filter(|n| lists.get(n).is_none_or(|l| l.entries.is_empty()))
        .cloned()
        .collect()
}

/// `body` with each placeholder replaced by its condition. Every list used must have entries
/// ([`missing`] is empty).
pub fn fill(body: &str, uses: &[Use], lists: &Lists) -> String {
    let mut out = String::with_capacity(body.len());
    let mut from = 0;
    for u in uses {
        out.push_str(&body[from..u.start]);
        let entries = lists.get(&u.list).map_or(&[][..], |l| &l.entries[..]);
        match &u.left {
            Left::Field(field) => out.push_str(&on_list(field, entries)),
            Left::Images => out.push_str(&images_allowed(entries)),
        }
        from = u.end;
    }
    out.push_str(&body[from..]);
    out
}

/// True when `field` is one of `entries`.
fn on_list(field: &str, entries: &[Entry]) -> String {
    let exact: Vec<String> = entries
        .iter()
        .filter(|e| !e.prefix)
        .map(|e| format!("\"{}\"", e.text.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    let prefixes: Vec<String> = entries
        .iter()
        .filter(|e| e.prefix)
        .map(|e| regex_escape(&e.text))
        .collect();
    if prefixes.iter().any(String::is_empty) {
        // A bare `*`: every value is on the list.
        return format!("ispresent({field})");
    }
    let mut tests = Vec::new();
    if !exact.is_empty() {
        tests.push(format!("{field} in [{}]", exact.join(", ")));
    }
    match prefixes.len() {
        0 => {}
        1 => tests.push(format!("{field} like /^{}/", prefixes[0])),
        _ => tests.push(format!("{field} like /^({})/", prefixes.join("|"))),
    }
    format!("({})", tests.join(" or "))
}

/// True when every image the event names is allowed by `entries`.
fn images_allowed(entries: &[Entry]) -> String {
    match image_regex(entries) {
        Some(re) => format!("(not (@message like /{re}/))"),
        // Every image is allowed (a bare `*`).
        None => "ispresent(@message)".to_string(),
    }
}

/// The regex that matches an event naming an image `entries` do not allow; `None` when they
/// allow every image.
pub fn image_regex(entries: &[Entry]) -> Option<String> {
    let mut root = Node::default();
    for e in entries {
        root.insert(e);
    }
    Some(format!(r#""image":\s*"{}"#, root.leaving()?))
}

/// Separators after which an image lies under the entry before them.
const UNDER: [char; 3] = ['/', ':', '@'];

/// What an image that has come this far along an entry may still be.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Part of an entry only: the image must go on.
    #[default]
    Inside,
    /// An entry ends here: the image may end, or go on under it after `/`, `:` or `@`.
    Entry,
    /// Everything from here is allowed (`*`, or an entry ending in a separator).
    All,
}

#[derive(Debug, Default)]
struct Node {
    end: End,
    children: BTreeMap<char, Node>,
}

impl Node {
    fn insert(&mut self, entry: &Entry) {
        let mut node = self;
        for c in entry.text.chars() {
            if node.end == End::All {
                return;
            }
            node = node.children.entry(c).or_default();
        }
        let all = entry.prefix || entry.text.ends_with(UNDER);
        if all {
            node.end = End::All;
            node.children.clear();
        } else if node.end == End::Inside {
            node.end = End::Entry;
        }
    }

    /// The regex of the rest of an image (up to its closing quote) that leaves the allowed
    /// paths from here; `None` when none does.
    ///
    /// Each node is a group of the ways to leave from it. A run of nodes with one way on (the
    /// letters of one entry) is written flat, a few letters to a group (`(a[^b]|ab[^c]|abc…)`):
    /// one group a letter would nest past what regex engines take for a long registry name.
    fn leaving(&self) -> Option<String> {
        if self.end == End::All {
            return None;
        }
        // A next character with no child: the image leaves here. An image that ends (its
        // closing `"`) leaves too, unless an entry ends here.
        let mut class = String::from("[^");
        if self.end == End::Entry {
            class.push('"');
            for c in UNDER {
                class_escape(c, &mut class);
            }
        }
        let mut ways = Vec::new();
        for (c, child) in &self.children {
            if self.end == End::Entry && UNDER.contains(c) {
                continue;
            }
            class_escape(*c, &mut class);
            // Down the run of single letters from `child`, leaving at each.
            let mut run = regex_escape(&c.to_string());
            let mut node = child;
            let mut letters = 1;
            while letters < RUN
                && node.end == End::Inside
                && let Some((next, below)) = node.children.first_key_value()
                && node.children.len() == 1
            {
                let mut leave = format!("{run}[^");
                class_escape(*next, &mut leave);
                leave.push(']');
                ways.push(leave);
                run.push_str(&regex_escape(&next.to_string()));
                node = below;
                letters += 1;
            }
            if let Some(rest) = node.leaving() {
                ways.push(format!("{run}{rest}"));
            }
        }
        class.push(']');
        if ways.is_empty() {
            return Some(class);
        }
        Some(format!("({class}|{})", ways.join("|")))
    }
}

/// Letters of one entry written flat in one group: the group nests that much less deep, at
/// the cost of repeating the run's first letters.
const RUN: usize = 4;

/// `text` as a literal inside a `/regex/`, for Rust's regex and CloudWatch's alike.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '/' => out.push_str(r"\/"),
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn class_escape(c: char, out: &mut String) {
    match c {
        '/' => out.push_str(r"\/"),
        '\\' | ']' | '[' | '^' | '-' => {
            out.push('\\');
            out.push(c);
        }
        _ => out.push(c),
    }
}

#[cfg(test)]
#[path = "fill_tests.rs"]
mod tests;
