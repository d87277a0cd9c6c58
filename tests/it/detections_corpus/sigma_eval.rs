//! A minimal evaluator of Sigma detections: the selections the Kubernetes rules use (field:
//! value or list of values; `|contains`, `|startswith`, `|endswith`; `'*'` for a field that is
//! present; `*` and `?` wildcards), and conditions joining selections by `and`/`or`, `not`,
//! `all of`/`1 of`. Anything else is refused, so a rule it cannot read fails the test rather
//! than matching nothing.

use std::fs;
use std::path::Path;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// Where a Sigma field lives in the record, for the fields that are not the record's own dotted
/// path: Sigma's Kubernetes rules name some by their last word (as a log store that flattens the
/// event would), and its GCP rules name the Cloud Audit entry's fields by their ECS names.
const FIELD_PATHS: &[(&str, &[&str])] = &[
    ("apiGroup", &["objectRef.apiGroup"]),
    ("hostPath", &["requestObject.spec.volumes[].hostPath"]),
    (
        "capabilities",
        &[
            "requestObject.spec.containers[].securityContext.capabilities",
            "requestObject.spec.initContainers[].securityContext.capabilities",
            "requestObject.spec.ephemeralContainers[].securityContext.capabilities",
        ],
    ),
    ("gcp.audit.method_name", &["protoPayload.methodName"]),
];

#[derive(Debug)]
enum Pattern {
    /// `'*'`: the field is there, whatever its value.
    Present,
    /// A lower-cased wildcard pattern (Sigma compares strings without regard to case).
    Glob(String),
}

#[derive(Debug)]
struct Field {
    paths: Vec<String>,
    /// Any of them.
    patterns: Vec<Pattern>,
}

/// One rule of the corpus, read.
#[derive(Debug)]
pub struct Rule {
    pub title: String,
    pub level: String,
    /// Selection name → its fields, all of which must match.
    selections: Vec<(String, Vec<Field>)>,
    condition: String,
}

fn scalar(value: &Yaml) -> String {
    match value {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Real(r) => r.clone(),
        other => panic!("a Sigma value that is not a scalar: {other:?}"),
    }
}

fn pattern(value: &Yaml, modifier: Option<&str>) -> Pattern {
    let value = scalar(value).to_lowercase();
    if value == "*" && modifier.is_none() {
        return Pattern::Present;
    }
    Pattern::Glob(match modifier {
        None => value,
        Some("contains") => format!("*{value}*"),
        Some("startswith") => format!("{value}*"),
        Some("endswith") => format!("*{value}"),
        Some(other) => panic!("the Sigma modifier |{other} is not supported"),
    })
}

fn field(key: &str, value: &Yaml) -> Field {
    let mut parts = key.split('|');
    let name = parts.next().unwrap_or_default();
    let modifier = parts.next();
    assert!(
        parts.next().is_none(),
        "chained modifiers in {key} are not supported"
    );
    let paths = FIELD_PATHS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, paths)| paths.iter().map(|p| p.to_string()).collect())
        .unwrap_or_else(|| vec![name.to_string()]);
    let patterns = match value {
        Yaml::Array(values) => values.iter().map(|v| pattern(v, modifier)).collect(),
        v => vec![pattern(v, modifier)],
    };
    Field { paths, patterns }
}

impl Rule {
    pub fn load(path: &Path) -> Rule {
        let text = fs::read_to_string(path).unwrap();
        let docs =
            YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = &docs[0];
        let detection = doc["detection"]
            .as_hash()
            .unwrap_or_else(|| panic!("{}: no detection", path.display()));
        let mut selections = Vec::new();
        let mut condition = None;
        for (name, body) in detection {
            let name = name.as_str().unwrap();
            if name == "condition" {
                condition = Some(scalar(body));
                continue;
            }
            let fields = body
                .as_hash()
                .unwrap_or_else(|| panic!("{}: {name} is not a map of fields", path.display()))
                .iter()
                .map(|(k, v)| field(k.as_str().unwrap(), v))
                .collect();
            selections.push((name.to_string(), fields));
        }
        Rule {
            title: scalar(&doc["title"]),
            level: scalar(&doc["level"]),
            selections,
            condition: condition.unwrap_or_else(|| panic!("{}: no condition", path.display())),
        }
    }

    /// Whether the rule's condition holds for the record.
    pub fn matches(&self, record: &Value) -> bool {
        self.condition.split(" or ").any(|all| {
            all.split(" and ")
                .all(|term| self.term(term.trim(), record))
        })
    }

    fn term(&self, term: &str, record: &Value) -> bool {
        if let Some(rest) = term.strip_prefix("not ") {
            return !self.term(rest.trim(), record);
        }
        let named = |pattern: &str| {
            let chosen: Vec<_> = self
                .selections
                .iter()
                .filter(|(name, _)| glob(pattern, name))
                .collect();
            assert!(!chosen.is_empty(), "no selection is named {pattern}");
            chosen
        };
        let holds = |fields: &Vec<Field>| fields.iter().all(|f| f.matches(record));
        if let Some(pattern) = term.strip_prefix("all of ") {
            return named(pattern).iter().all(|(_, f)| holds(f));
        }
        if let Some(pattern) = term.strip_prefix("1 of ") {
            return named(pattern).iter().any(|(_, f)| holds(f));
        }
        assert!(
            !term.contains([' ', '(', ')']),
            "the Sigma condition term {term:?} is not supported"
        );
        let (_, fields) = self
            .selections
            .iter()
            .find(|(name, _)| name == term)
            .unwrap_or_else(|| panic!("no selection is named {term}"));
        holds(fields)
    }
}

impl Field {
    fn matches(&self, record: &Value) -> bool {
        let mut values = Vec::new();
        for path in &self.paths {
            resolve(record, path, &mut values);
        }
        self.patterns.iter().any(|p| match p {
            Pattern::Present => values.iter().any(|v| !v.is_null()),
            Pattern::Glob(g) => values.iter().any(|v| {
                let text = match v {
                    Value::String(s) => s.to_lowercase(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return false,
                };
                glob(g, &text)
            }),
        })
    }
}

/// The values at a dotted path; `name[]` steps into every element of an array.
fn resolve<'v>(value: &'v Value, path: &str, out: &mut Vec<&'v Value>) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let (key, each) = match head.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (head, false),
    };
    let Some(next) = value.get(key) else {
        return;
    };
    let items: Vec<&Value> = if each {
        next.as_array().into_iter().flatten().collect()
    } else {
        vec![next]
    };
    for item in items {
        match rest {
            Some(rest) => resolve(item, rest, out),
            None => out.push(item),
        }
    }
}

/// Wildcard matching: `*` any run of characters, `?` one; `\\` makes the next one literal.
fn glob(pattern: &str, text: &str) -> bool {
    enum Token {
        Any,
        One,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::Any,
            '?' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // reach[i]: the pattern's first i tokens can match the text read so far.
    let mut reach = vec![false; tokens.len() + 1];
    reach[0] = true;
    let close = |reach: &mut Vec<bool>| {
        for i in 0..tokens.len() {
            if reach[i] && matches!(tokens[i], Token::Any) {
                reach[i + 1] = true;
            }
        }
    };
    close(&mut reach);
    for &c in &text {
        let mut next = vec![false; tokens.len() + 1];
        for (i, token) in tokens.iter().enumerate() {
            if !reach[i] {
                continue;
            }
            match token {
                Token::Any => next[i] = true,
                Token::One => next[i + 1] = true,
                Token::Char(x) if *x == c => next[i + 1] = true,
                Token::Char(_) => {}
            }
        }
        close(&mut next);
        reach = next;
    }
    reach[tokens.len()]
}

#[test]
fn the_evaluator_reads_selections_as_sigma_does() {
    assert!(glob(
        "io.k8s.batch.v*.cronjobs.create",
        "io.k8s.batch.v1.cronjobs.create"
    ));
    assert!(!glob("io.k8s.batch.v*.job", "io.k8s.batch.v1.jobs.create"));
    assert!(glob(
        "*%2fbin%2fsh*",
        "/api/v1/x/exec?command=%2fbin%2fsh&tty=1"
    ));
    assert!(glob("a?c", "abc") && !glob("a?c", "ac") && glob("a\\*", "a*") && !glob("a\\*", "ab"));
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("r.yml");
    fs::write(
        &rule,
        "title: t\nlevel: low\ndetection:\n  selection_a:\n    verb: create\n    hostPath: '*'\n  \
         selection_b:\n    responseStatus.code: [401, 403]\n    requestURI|startswith: /API/\n  \
         condition: all of selection_*\n",
    )
    .unwrap();
    let rule = Rule::load(&rule);
    let event = |verb: &str, code: i64, volume: Value| {
        serde_json::json!({"verb": verb, "requestURI": "/api/v1/pods",
            "responseStatus": {"code": code},
            "requestObject": {"spec": {"volumes": [{"name": "a"}, volume]}}})
    };
    let host = serde_json::json!({"name": "h", "hostPath": {"path": "/"}});
    assert!(rule.matches(&event("CREATE", 403, host.clone())));
    assert!(!rule.matches(&event("create", 200, host.clone())));
    assert!(!rule.matches(&event("get", 401, host)));
    assert!(!rule.matches(&event("create", 401, serde_json::json!({"name": "e"}))));
}
