//! EKS's `aws-auth` ConfigMap (kube-system): which IAM roles, users and accounts map to which
//! Kubernetes users and groups. Its `data.mapRoles`, `mapUsers` and `mapAccounts` are YAML held
//! in JSON strings, so in an audit event a `system:masters` mapping hides inside one escaped
//! line. This reads them back into their entries.
//!
//! Only the shape aws-auth takes is read: a block list whose items are scalars or mappings of
//! scalars and lists (block or `[flow]`), with quoted scalars and comments. Anything else is an
//! error naming its line, and the caller shows the text as written: nothing is lost.

use std::fmt;

/// The data keys aws-auth reads, in the order shown.
pub const KEYS: [&str; 3] = ["mapRoles", "mapUsers", "mapAccounts"];

/// True for the aws-auth ConfigMap's own object reference.
pub fn is_aws_auth(resource: Option<&str>, namespace: Option<&str>, name: Option<&str>) -> bool {
    resource == Some("configmaps") && namespace == Some("kube-system") && name == Some("aws-auth")
}

/// `(key, YAML text)` of each aws-auth data key an object (a ConfigMap, or a merge patch of one)
/// holds, in [`KEYS`] order.
pub fn data_of(object_json: &str) -> Vec<(&'static str, String)> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(object_json) else {
        return Vec::new();
    };
    let Some(data) = value.get("data") else {
        return Vec::new();
    };
    KEYS.iter()
        .filter_map(|k| Some((*k, data.get(*k)?.as_str()?.to_string())))
        .collect()
}

/// One item of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `- 111122223333` (mapAccounts).
    Scalar(String),
    /// `- rolearn: …`, its keys in the order written (a key written twice is kept twice).
    Map(Vec<(String, Value)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    List(Vec<String>),
}

impl Item {
    /// The Kubernetes groups the item grants.
    pub fn groups(&self) -> Vec<&str> {
        let Item::Map(fields) = self else {
            return Vec::new();
        };
        fields
            .iter()
            .filter(|(k, _)| k == "groups")
            .flat_map(|(_, v)| match v {
                Value::List(l) => l.iter().map(String::as_str).collect(),
                Value::Scalar(s) => vec![s.as_str()],
            })
            .collect()
    }

    /// The value of the first `key`, when a scalar.
    pub fn scalar(&self, key: &str) -> Option<&str> {
        let Item::Map(fields) = self else { return None };
        fields.iter().find_map(|(k, v)| match v {
            Value::Scalar(s) if k == key => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Why the text could not be read, and where (1-based line of the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub why: &'static str,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

/// A line that is not blank or a comment: its number, indent and text (comment cut off).
struct Src<'a> {
    line: usize,
    indent: usize,
    text: &'a str,
}

/// The items of an aws-auth YAML list.
pub fn parse(text: &str) -> Result<Vec<Item>, YamlError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = strip_comment(raw);
        if body.trim().is_empty() {
            continue;
        }
        if body.starts_with('\t') || body.trim_start_matches(' ').starts_with('\t') {
            return Err(YamlError {
                line,
                why: "a tab in the indentation",
            });
        }
        let indent = body.len() - body.trim_start().len();
        lines.push(Src {
            line,
            indent,
            text: body.trim(),
        });
    }
    let Some(first) = lines.first() else {
        return Ok(Vec::new());
    };
    if lines.len() == 1 && first.text == "[]" {
        return Ok(Vec::new());
    }
    let top = first.indent;
    let mut items = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let l = &lines[at];
        let Some(rest) = item_rest(l.text).filter(|_| l.indent == top) else {
            return Err(YamlError {
                line: l.line,
                why: "expected a list item (`- …`) here",
            });
        };
        at += 1;
        if rest.is_empty() {
            // `-` alone: the mapping starts on the next line, further in.
            let indent = lines.get(at).map_or(0, |n| n.indent);
            if indent <= top {
                return Err(YamlError {
                    line: l.line,
                    why: "an empty list item",
                });
            }
            items.push(Item::Map(mapping(&lines, &mut at, indent)?));
        } else if let Some((key, value)) = key_value(rest) {
            // `- key: value`: the mapping's keys stand where `key` does.
            let indent = l.indent + (l.text.len() - rest.len());
            let mut fields = vec![field(&lines, &mut at, l.line, indent, key, value)?];
            fields.extend(mapping(&lines, &mut at, indent)?);
            items.push(Item::Map(fields));
        } else {
            items.push(Item::Scalar(scalar(rest, l.line)?));
        }
    }
    Ok(items)
}

/// The keys of a mapping at `indent`, from `lines[*at]` on.
fn mapping(
    lines: &[Src<'_>],
    at: &mut usize,
    indent: usize,
) -> Result<Vec<(String, Value)>, YamlError> {
    let mut fields = Vec::new();
    while let Some(l) = lines.get(*at) {
        if l.indent < indent {
            break;
        }
        if l.indent > indent {
            return Err(YamlError {
                line: l.line,
                why: "indented further than the keys around it",
            });
        }
        let Some((key, value)) = key_value(l.text) else {
            return Err(YamlError {
                line: l.line,
                why: "expected `key: value` here",
            });
        };
        *at += 1;
        fields.push(field(lines, at, l.line, indent, key, value)?);
    }
    Ok(fields)
}

/// One key's value: written after it, or a block list on the lines after it.
fn field(
    lines: &[Src<'_>],
    at: &mut usize,
    line: usize,
    indent: usize,
    key: &str,
    value: &str,
) -> Result<(String, Value), YamlError> {
    let key = scalar(key, line)?;
    if !value.is_empty() {
        if let Some(inner) = value.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(YamlError {
                    line,
                    why: "a `[` list not closed on its line",
                });
            };
            let items = split_flow(inner)
                .into_iter()
                .map(|s| scalar(s, line))
                .collect::<Result<_, _>>()?;
            return Ok((key, Value::List(items)));
        }
        return Ok((key, Value::Scalar(scalar(value, line)?)));
    }
    // A block list may stand at the key's own indent or further in.
    let mut list = Vec::new();
    let list_indent = lines.get(*at).map(|l| l.indent);
    while let Some(l) = lines.get(*at) {
        let Some(item) = item_rest(l.text) else { break };
        if Some(l.indent) != list_indent || l.indent < indent {
            break;
        }
        list.push(scalar(item, l.line)?);
        *at += 1;
    }
    if list.is_empty() {
        return Ok((key, Value::Scalar(String::new())));
    }
    Ok((key, Value::List(list)))
}

/// What follows `- ` (or a lone `-`).
fn item_rest(text: &str) -> Option<&str> {
    if text == "-" {
        return Some("");
    }
    text.strip_prefix("- ").map(str::trim_start)
}

/// `key: value` (value possibly empty), the key plain or quoted.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let end = if text.starts_with('"') || text.starts_with('\'') {
        let q = text.chars().next()?;
        text[1..].find(q)? + 2
    } else {
        text.find(':')?
    };
    let (key, rest) = text.split_at(end);
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key.trim(), rest.trim()))
}

/// A scalar: plain, `'single'` (`''` a quote) or `"double"` (with `\"`, `\\`, `\n`, `\t`).
fn scalar(text: &str, line: usize) -> Result<String, YamlError> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'').ok_or(YamlError {
            line,
            why: "a `'` string not closed",
        })?;
        return Ok(inner.replace("''", "'"));
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"').ok_or(YamlError {
            line,
            why: "a `\"` string not closed",
        })?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(c @ ('"' | '\\' | '/')) => out.push(c),
                _ => {
                    return Err(YamlError {
                        line,
                        why: "an escape this reader does not know",
                    });
                }
            }
        }
        return Ok(out);
    }
    if text.starts_with(['[', '{', '&', '*', '!', '|', '>', '%', '@', '`']) {
        return Err(YamlError {
            line,
            why: "a YAML form aws-auth does not use",
        });
    }
    Ok(text.to_string())
}

/// The items of a flow list's inside, split at commas outside quotes.
fn split_flow(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() || !out.is_empty() {
        out.push(last);
    }
    out
}

/// `line` without a comment: `#` at its start or after a space, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') if prev == ' ' || prev == '\t' => return &line[..i],
            (None, '"' | '\'') if prev == ' ' || prev == '-' || prev == ':' || prev == '[' => {
                quote = Some(c)
            }
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        prev = c;
    }
    line
}

#[cfg(test)]
#[path = "aws_auth_tests.rs"]
mod tests;
