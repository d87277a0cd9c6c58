//! Parameters of a canned query: `${name}` in its text, given with `--param name=value` or asked
//! for in the console. A value goes in as the text of a string literal: quotes and backslashes are
//! escaped, so a value cannot change the query around it.

use std::fmt;

/// The `${name}` parameters of `text`, each once, in order of first use.
pub fn params_of(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if valid(name) && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        rest = &after[end + 1..];
    }
    names
}

fn valid(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Parameters the query needs and was not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingParams(pub Vec<String>);

impl fmt::Display for MissingParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let given: Vec<String> = self
            .0
            .iter()
            .map(|p| format!("--param {p}=VALUE"))
            .collect();
        write!(
            f,
            "the query needs {}: give {}",
            self.0.join(", "),
            given.join(" ")
        )
    }
}

impl std::error::Error for MissingParams {}

/// `text` with every `${name}` replaced by its value, escaped for a string literal.
pub fn fill(text: &str, values: &[(String, String)]) -> Result<String, MissingParams> {
    let missing: Vec<String> = params_of(text)
        .into_iter()
        .filter(|p| !values.iter().any(|(k, _)| k == p))
        .collect();
    if !missing.is_empty() {
        return Err(MissingParams(missing));
    }
    let mut out = text.to_string();
    for (name, value) in values {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        out = out.replace(&format!("${{{name}}}"), &escaped);
    }
    Ok(out)
}

/// `name=value` from the command line.
pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if valid(k.trim()) => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_found_filled_and_escaped() {
        let text = r#"filter user.username = "${user}" and objectRef.namespace = "${ns}" | filter x = "${user}" | filter y = "${}""#;
        assert_eq!(params_of(text), ["user", "ns"]);
        let filled = fill(
            text,
            &[
                ("user".into(), r#"ev"il\"#.into()),
                ("ns".into(), "prod".into()),
            ],
        )
        .unwrap();
        assert!(filled.contains(r#"user.username = "ev\"il\\""#), "{filled}");
        assert!(filled.contains(r#"namespace = "prod""#));
        let err = fill(text, &[("ns".into(), "x".into())]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the query needs user: give --param user=VALUE"
        );
        assert_eq!(
            parse_assignment("user=a=b"),
            Ok(("user".into(), "a=b".into()))
        );
        assert!(parse_assignment("novalue").is_err());
    }
}
