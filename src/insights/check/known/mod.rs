//! Which field names exist: those of the Kubernetes audit event (audit.k8s.io/v1 `Event`), and
//! those some loaded event has. The checker warns about a field outside both ("no event has
//! `objectRef.resorce`"), since Logs Insights answers such a field with nothing, silently.
//!
//! Names are held as a tree of JSON keys, one node per key, with every element of an array
//! folded into one child: a name is known when its segments lead through the tree, keys that
//! hold dots themselves included (`annotations.authorization.k8s.io/decision`), and any
//! decimal segment standing for an element (`sourceIPs.3`). A node is *open* when names below
//! it are not all listed: the schema's `requestObject`, `annotations` or `user.extra` hold
//! whatever keys the cluster wrote, and a tree built from events stops listing names past a
//! bound (a `requestObject` can spell tens of thousands of distinct keys over a million events)
//! and opens the node where it stopped instead. A name below an open node is never called
//! unknown.

use std::collections::HashMap;
use std::sync::OnceLock;

mod schema;
mod walk;

/// Nodes a tree built from events holds at most (about 80 bytes each).
const MAX_NODES: usize = 50_000;
/// Keys one object may list before its node is opened instead.
const MAX_KEYS: usize = 1_000;
/// Objects nested deeper than this are not listed; their node is opened.
const MAX_DEPTH: usize = 24;
/// Keys of a node found by scanning a list below this; a map past it.
const LIST_KEYS: usize = 8;

const ROOT: u32 = 0;

/// How a name stands in a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The tree lists it.
    Listed,
    /// It is below an open node: it may exist.
    Below,
    /// It is not there.
    Absent,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// Keys in the order first met, each with its node.
    keys: Vec<(Box<str>, u32)>,
    /// The same keys, once there are many.
    index: Option<HashMap<Box<str>, u32>>,
    /// Every element of an array, as one node.
    element: Option<u32>,
    open: bool,
}

/// A tree of field names (see the module's documentation).
#[derive(Debug, Clone)]
pub struct FieldTree {
    nodes: Vec<Node>,
    /// No node may be added past this many.
    max_nodes: usize,
    /// Nodes opened so far.
    opened: usize,
}

impl Default for FieldTree {
    fn default() -> Self {
        FieldTree::new()
    }
}

impl FieldTree {
    /// An empty tree, bounded for names gathered from events.
    pub fn new() -> FieldTree {
        FieldTree {
            nodes: vec![Node::default()],
            max_nodes: MAX_NODES,
            opened: 0,
        }
    }

    /// A tree of the names given as a query writes them (`user.groups.0`, `` a.`b.c` ``): for
    /// tests, and for the fields a caller knows by name.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> FieldTree {
        let mut tree = FieldTree::new();
        tree.max_nodes = usize::MAX;
        for name in names {
            tree.add_name(name.as_ref());
        }
        tree
    }

    /// Nodes held, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree holds no name.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1 && !self.nodes[0].open
    }

    /// Adds a name written as in a query. A segment `#` stands for any element of an array, a
    /// last segment `*` opens its parent, and backticks quote a key holding dots.
    pub fn add_name(&mut self, name: &str) {
        let name = match name.strip_prefix("@@") {
            Some(rest) => format!("@{rest}"),
            None => name.to_string(),
        };
        let mut node = ROOT;
        for segment in segments(&name) {
            let next = match segment.as_str() {
                "*" => {
                    self.open(node);
                    return;
                }
                "#" => self.element_child(node),
                key if array_index(key) => self.element_child(node),
                key => self.key_child(node, key),
            };
            match next {
                Some(n) => node = n,
                None => return,
            }
        }
    }

    /// Adds every name of one event's JSON text (see [`walk`]).
    pub fn add_event(&mut self, json: &[u8]) {
        walk::add_event(self, json);
    }

    /// Whether the tree has `path` (a name as a query writes it, backticks removed).
    pub fn find(&self, path: &str) -> Found {
        if self.nodes.len() == 1 && !self.nodes[0].open {
            return Found::Absent;
        }
        if let Some(rest) = path.strip_prefix("@@") {
            // A top-level key that starts with `@`, named with one more (as `fields::flatten`).
            return self.find_below(ROOT, &format!("@{rest}"));
        }
        if path.starts_with('@') {
            return Found::Absent;
        }
        self.find_below(ROOT, path)
    }

    fn find_below(&self, node: u32, rest: &str) -> Found {
        let n = &self.nodes[node as usize];
        let mut found = if n.open { Found::Below } else { Found::Absent };
        // A key may spell one segment or several, dots and all.
        let ends = rest.match_indices('.').map(|(i, _)| i).chain([rest.len()]);
        for end in ends {
            let key = &rest[..end];
            let after = rest.get(end + 1..).unwrap_or("");
            let child = self
                .find_key(node, key)
                .or_else(|| n.element.filter(|_| array_index(key)));
            let Some(child) = child else { continue };
            let here = if end == rest.len() {
                Found::Listed
            } else {
                self.find_below(child, after)
            };
            match here {
                Found::Listed => return Found::Listed,
                Found::Below => found = Found::Below,
                Found::Absent => {}
            }
        }
        found
    }

    /// What `path` names below the first open node it goes through (`roleRef.name` of
    /// `requestObject.roleRef.name` in the schema), if it goes through one.
    pub fn below_open<'p>(&self, path: &'p str) -> Option<&'p str> {
        if path.starts_with('@') {
            return None;
        }
        self.below_open_at(ROOT, path)
    }

    fn below_open_at<'p>(&self, node: u32, rest: &'p str) -> Option<&'p str> {
        let n = &self.nodes[node as usize];
        if n.open && !rest.is_empty() {
            return Some(rest);
        }
        let ends = rest.match_indices('.').map(|(i, _)| i).chain([rest.len()]);
        for end in ends {
            let key = &rest[..end];
            let child = self
                .find_key(node, key)
                .or_else(|| n.element.filter(|_| array_index(key)));
            if let Some(below) = child.and_then(|c| self.below_open_at(c, rest.get(end + 1..)?)) {
                return Some(below);
            }
        }
        None
    }

    /// `path` as a query must write it, when the tree lists it: a key holding characters a bare
    /// name cannot (`/`, `-`, …) in backticks, as in `` annotations.`authorization.k8s.io/decision` ``.
    pub fn spell(&self, path: &str) -> Option<String> {
        let (node, rest, at) = match path.strip_prefix("@@") {
            Some(rest) => (ROOT, format!("@{rest}"), true),
            None if path.starts_with('@') => return None,
            None => (ROOT, path.to_string(), false),
        };
        let mut keys = Vec::new();
        if !self.spell_below(node, &rest, &mut keys) {
            return None;
        }
        let mut out = String::new();
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                out.push('.');
            } else if at {
                out.push('@');
            }
            let bare = key
                .chars()
                .all(crate::insights::syntax::lexer::is_name_char)
                && !key.is_empty()
                && (i > 0 || !key.starts_with(|c: char| c.is_ascii_digit()));
            if bare {
                out.push_str(key);
            } else {
                out.push('`');
                out.push_str(key);
                out.push('`');
            }
        }
        Some(out)
    }

    /// The keys `rest` goes through below `node`, into `keys`; whether it is listed.
    fn spell_below<'p>(&self, node: u32, rest: &'p str, keys: &mut Vec<&'p str>) -> bool {
        let n = &self.nodes[node as usize];
        let ends = rest.match_indices('.').map(|(i, _)| i).chain([rest.len()]);
        for end in ends {
            let key = &rest[..end];
            let child = self
                .find_key(node, key)
                .or_else(|| n.element.filter(|_| array_index(key)));
            let Some(child) = child else { continue };
            keys.push(key);
            if end == rest.len() || self.spell_below(child, &rest[end + 1..], keys) {
                return true;
            }
            keys.pop();
        }
        false
    }

    fn find_key(&self, node: u32, key: &str) -> Option<u32> {
        let n = &self.nodes[node as usize];
        match &n.index {
            Some(index) => index.get(key).copied(),
            None => n
                .keys
                .iter()
                .find(|(k, _)| k.len() == key.len() && &**k == key)
                .map(|(_, c)| *c),
        }
    }

    /// The child of `node` under `key`, added when new; `None` once the bounds are reached (the
    /// node is then opened).
    fn key_child(&mut self, node: u32, key: &str) -> Option<u32> {
        if let Some(c) = self.find_key(node, key) {
            return Some(c);
        }
        if self.nodes.len() >= self.max_nodes || self.nodes[node as usize].keys.len() >= MAX_KEYS {
            self.open(node);
            return None;
        }
        let child = self.nodes.len() as u32;
        let n = &mut self.nodes[node as usize];
        n.keys.push((key.into(), child));
        if let Some(index) = n.index.as_mut() {
            index.insert(key.into(), child);
        } else if n.keys.len() > LIST_KEYS {
            n.index = Some(n.keys.iter().cloned().collect());
        }
        self.nodes.push(Node::default());
        Some(child)
    }

    fn element_child(&mut self, node: u32) -> Option<u32> {
        if let Some(e) = self.nodes[node as usize].element {
            return Some(e);
        }
        if self.nodes.len() >= self.max_nodes {
            self.open(node);
            return None;
        }
        let child = self.nodes.len() as u32;
        self.nodes[node as usize].element = Some(child);
        self.nodes.push(Node::default());
        Some(child)
    }

    fn open(&mut self, node: u32) {
        let n = &mut self.nodes[node as usize];
        if !n.open {
            n.open = true;
            self.opened += 1;
        }
    }

    /// Nodes opened: with [`FieldTree::len`], whether the tree changed.
    pub fn opened(&self) -> usize {
        self.opened
    }

    /// Every name the tree lists, parents before children, as a query writes them (an
    /// element as `0`), at most `limit` of them.
    pub fn names(&self, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from([(ROOT, String::new())]);
        while let Some((node, name)) = queue.pop_front() {
            let n = &self.nodes[node as usize];
            let children = n
                .keys
                .iter()
                .map(|(k, c)| (k.as_ref(), *c))
                .chain(n.element.map(|e| ("0", e)));
            for (key, child) in children {
                if out.len() >= limit {
                    return out;
                }
                let full = if node == ROOT {
                    if key.starts_with('@') {
                        format!("@{key}")
                    } else {
                        key.to_string()
                    }
                } else {
                    format!("{name}.{key}")
                };
                out.push(full.clone());
                queue.push_back((child, full));
            }
        }
        out
    }
}

/// A name's segments, split at dots outside backticks, backticks removed.
fn segments(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in name.chars() {
        match c {
            '`' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// A segment that names an array element: decimal digits, no sign, no leading zero (as
/// `fields` reads them).
fn array_index(segment: &str) -> bool {
    !segment.is_empty()
        && segment.bytes().all(|c| c.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'))
}

/// The names of a set of events, and the list the nearest name is picked from.
#[derive(Debug, Clone, Default)]
pub struct SeenFields {
    tree: FieldTree,
    names: Vec<String>,
    /// Events whose names the tree holds.
    events: usize,
}

impl SeenFields {
    pub fn new(tree: FieldTree, events: usize) -> SeenFields {
        let names = tree.names(MAX_NODES);
        SeenFields {
            tree,
            names,
            events,
        }
    }

    pub fn tree(&self) -> &FieldTree {
        &self.tree
    }

    /// Events whose names are held.
    pub fn events(&self) -> usize {
        self.events
    }

    /// Every name, parents first (bounded).
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The fields of a Kubernetes audit event, from `audit.k8s.io/v1` (and `v1beta1`'s
/// `timestamp` and `metadata`, which old API servers still write).
pub fn schema() -> &'static FieldTree {
    static SCHEMA: OnceLock<FieldTree> = OnceLock::new();
    SCHEMA.get_or_init(|| FieldTree::from_names(schema::AUDIT_EVENT))
}

/// Every name of [`schema`], parents first.
pub fn schema_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| schema().names(usize::MAX))
}

#[cfg(test)]
mod tests;
