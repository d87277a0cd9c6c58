//! A JSON object of an event (the request or the response) as a tree that keeps its members in
//! the order written, for the detail pane to draw highlighted and folded at a depth.

/// One JSON value. Numbers keep their text; strings are unescaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Str(String),
    Num(String),
    /// `true`, `false` or `null`.
    Lit(&'static str),
}

/// Deeper than this, the text is shown as it is: a hostile event must not take the stack.
const MAX_DEPTH: usize = 128;

/// What the detail pane shows of a JSON object: the tree, or the text when it does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonDoc {
    Tree(Node),
    Text(String),
}

impl JsonDoc {
    pub fn parse(text: &str) -> JsonDoc {
        let mut p = Parser {
            s: text.as_bytes(),
            text,
            at: 0,
        };
        match p.value(0) {
            Some(node) if p.rest_is_blank() => JsonDoc::Tree(node),
            _ => JsonDoc::Text(text.to_string()),
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn blank(&mut self) {
        while self.s.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn rest_is_blank(&mut self) -> bool {
        self.blank();
        self.at == self.s.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        self.blank();
        if self.s.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.blank();
        match *self.s.get(self.at)? {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Some(Node::Object(members));
                }
                loop {
                    self.blank();
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    members.push((key, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Some(Node::Object(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Node::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(Node::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'"' => self.string().map(Node::Str),
            b't' => self.word("true"),
            b'f' => self.word("false"),
            b'n' => self.word("null"),
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                while self
                    .s
                    .get(self.at)
                    .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                {
                    self.at += 1;
                }
                Some(Node::Num(self.text.get(start..self.at)?.to_string()))
            }
            _ => None,
        }
    }

    fn word(&mut self, word: &'static str) -> Option<Node> {
        let end = self.at + word.len();
        (self.s.get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            Node::Lit(word)
        })
    }

    /// A string at the cursor, unescaped.
    fn string(&mut self) -> Option<String> {
        if self.s.get(self.at) != Some(&b'"') {
            return None;
        }
        let start = self.at;
        self.at += 1;
        let mut escaped = false;
        loop {
            match *self.s.get(self.at)? {
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                b'"' => break,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        let raw = self.text.get(start..self.at)?;
        if escaped {
            serde_json::from_str(raw).ok()
        } else {
            Some(raw[1..raw.len() - 1].to_string())
        }
    }
}

/// What one drawn line holds, before styles.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Key(String),
    Str(String),
    Num(String),
    Lit(&'static str),
    /// Brackets, commas, a folded node's `{…}`.
    Punct(String),
    /// How much a folded node holds.
    Note(String),
}

/// A line of the drawn tree: its depth and pieces.
pub type DrawnLine = (usize, Vec<Piece>);

/// The tree as lines, nodes at `fold_at` or deeper folded to one line (`None` folds nothing).
pub fn lines(node: &Node, fold_at: Option<usize>) -> Vec<DrawnLine> {
    let mut out = Vec::new();
    walk(node, None, 0, fold_at, true, &mut out);
    out
}

fn walk(
    node: &Node,
    key: Option<&str>,
    depth: usize,
    fold_at: Option<usize>,
    last: bool,
    out: &mut Vec<DrawnLine>,
) {
    let mut head = Vec::new();
    if let Some(key) = key {
        head.push(Piece::Key(key.to_string()));
        head.push(Piece::Punct(": ".to_string()));
    }
    let comma = if last { "" } else { "," };
    let (open, close, len) = match node {
        Node::Object(m) => ("{", "}", m.len()),
        Node::Array(a) => ("[", "]", a.len()),
        Node::Str(s) => {
            head.push(Piece::Str(format!("\"{s}\"")));
            head.push(Piece::Punct(comma.to_string()));
            out.push((depth, head));
            return;
        }
        Node::Num(n) => {
            head.push(Piece::Num(n.clone()));
            head.push(Piece::Punct(comma.to_string()));
            out.push((depth, head));
            return;
        }
        Node::Lit(l) => {
            head.push(Piece::Lit(l));
            head.push(Piece::Punct(comma.to_string()));
            out.push((depth, head));
            return;
        }
    };
    if len == 0 {
        head.push(Piece::Punct(format!("{open}{close}{comma}")));
        out.push((depth, head));
        return;
    }
    if fold_at.is_some_and(|d| depth >= d) {
        let what = match node {
            Node::Object(_) if len == 1 => "1 key".to_string(),
            Node::Object(_) => format!("{len} keys"),
            _ if len == 1 => "1 item".to_string(),
            _ => format!("{len} items"),
        };
        head.push(Piece::Punct(format!("{open}…{close}{comma}")));
        head.push(Piece::Note(format!(" {what}")));
        out.push((depth, head));
        return;
    }
    head.push(Piece::Punct(open.to_string()));
    out.push((depth, head));
    match node {
        Node::Object(members) => {
            for (i, (k, v)) in members.iter().enumerate() {
                walk(v, Some(k), depth + 1, fold_at, i + 1 == len, out);
            }
        }
        Node::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, None, depth + 1, fold_at, i + 1 == len, out);
            }
        }
        _ => {}
    }
    out.push((depth, vec![Piece::Punct(format!("{close}{comma}"))]));
}

/// The deepest level of nested objects and arrays: how far folding can go.
pub fn depth(node: &Node) -> usize {
    match node {
        Node::Object(m) => 1 + m.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        Node::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[DrawnLine]) -> Vec<String> {
        lines
            .iter()
            .map(|(d, pieces)| {
                let mut s = "  ".repeat(*d);
                for p in pieces {
                    s.push_str(match p {
                        Piece::Key(k) => k,
                        Piece::Str(v) | Piece::Num(v) | Piece::Punct(v) | Piece::Note(v) => v,
                        Piece::Lit(l) => l,
                    });
                }
                s
            })
            .collect()
    }

    #[test]
    fn members_keep_their_order_and_fold_at_a_depth() {
        let doc = JsonDoc::parse(
            r#"{"kind":"ClusterRoleBinding","metadata":{"name":"x\"y","labels":{}},"subjects":[{"kind":"User","name":"eve"}],"n":-1.5e3,"ok":true}"#,
        );
        let JsonDoc::Tree(tree) = doc else {
            panic!("not parsed")
        };
        assert_eq!(depth(&tree), 3);
        assert_eq!(
            text(&lines(&tree, None)),
            [
                "{",
                "  kind: \"ClusterRoleBinding\",",
                "  metadata: {",
                "    name: \"x\"y\",",
                "    labels: {}",
                "  },",
                "  subjects: [",
                "    {",
                "      kind: \"User\",",
                "      name: \"eve\"",
                "    }",
                "  ],",
                "  n: -1.5e3,",
                "  ok: true",
                "}",
            ]
        );
        assert_eq!(
            text(&lines(&tree, Some(1))),
            [
                "{",
                "  kind: \"ClusterRoleBinding\",",
                "  metadata: {…}, 2 keys",
                "  subjects: […], 1 item",
                "  n: -1.5e3,",
                "  ok: true",
                "}",
            ]
        );
        assert_eq!(text(&lines(&tree, Some(0))), ["{…} 5 keys"]);
    }

    #[test]
    fn what_does_not_parse_is_kept_as_text() {
        for bad in ["{\"a\":", "[1,]", "{\"a\":1} x", "\"open", "{\"a\" 1}"] {
            assert_eq!(JsonDoc::parse(bad), JsonDoc::Text(bad.to_string()), "{bad}");
        }
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(matches!(JsonDoc::parse(&deep), JsonDoc::Text(_)));
    }
}
