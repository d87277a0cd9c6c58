//! Diagnostics: what is wrong with a query, where, and the nearest name that would be right,
//! rendered with the query line and a caret under the spot.
//!
//! ```text
//! line 1, column 7: unknown function `coutn`
//!     stats coutn(*) by verb
//!           ^~~~~
//! did you mean `count`?
//! ```
//!
//! Lines and columns count from 1, columns in characters. The query line is made terminal-safe
//! with [`crate::text::sanitize`] (a query may be pasted from anywhere), and the caret moves with
//! the escapes so that it still points at the right character.

use std::fmt;

use super::token::Span;

/// How bad it is: an error stops the query, a warning says what kaudit decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    /// The nearest known name, shown as "did you mean `…`?".
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            span,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Diagnostic {
        self.suggestion = suggestion;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The message and the suggestion on one line, without position:
    /// "no event has `objectRef.resorce`; did you mean `objectRef.resource`?".
    pub fn one_line(&self) -> String {
        match &self.suggestion {
            Some(s) => format!("{}; did you mean {}?", self.message, code(s)),
            None => self.message.clone(),
        }
    }

    /// The diagnostic with the query line and a caret, as shown to a person.
    pub fn render(&self, text: &str) -> String {
        let (line_no, line, column) = locate(text, self.span.start);
        let prefix = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        let mut out = format!(
            "{prefix}line {line_no}, column {}: {}\n",
            column + 1,
            self.message
        );
        let (shown, caret_at, caret_len) = underline(line, column, self.span, text);
        out.push_str("    ");
        out.push_str(&shown);
        out.push('\n');
        out.push_str("    ");
        out.push_str(&" ".repeat(caret_at));
        out.push('^');
        out.push_str(&"~".repeat(caret_len.saturating_sub(1)));
        out.push('\n');
        if let Some(s) = &self.suggestion {
            out.push_str(&format!("did you mean {}?\n", code(s)));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// `name` between backticks, as messages quote query text; doubled, with spaces, when it holds
/// backticks itself: `` annotations.`authorization.k8s.io/decision` ``.
pub fn code(name: &str) -> String {
    if name.contains('`') {
        format!("`` {name} ``")
    } else {
        format!("`{name}`")
    }
}

/// Every diagnostic rendered, in order, one after another.
pub fn render_all(text: &str, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| d.render(text)).collect()
}

/// The 1-based line number, the line's text and the 0-based column (in characters) of `offset`.
fn locate(text: &str, offset: usize) -> (usize, &str, usize) {
    let offset = clamp_to_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let line_no = text[..line_start].matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count();
    (line_no, line, column)
}

fn clamp_to_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The sanitized line, and where the caret starts and how long it is in the sanitized text.
/// A span running past the end of its line is underlined to the line's end.
fn underline(line: &str, column: usize, span: Span, text: &str) -> (String, usize, usize) {
    let span_chars = span.slice(text).chars().count().max(1);
    let mut shown = String::with_capacity(line.len());
    let mut caret_at = None;
    let mut caret_end = None;
    let mut buf = [0u8; 4];
    for (i, c) in line.chars().enumerate() {
        if i == column {
            caret_at = Some(shown.chars().count());
        }
        shown.push_str(&crate::text::sanitize(c.encode_utf8(&mut buf)));
        if i + 1 == column + span_chars {
            caret_end = Some(shown.chars().count());
        }
    }
    let width = shown.chars().count();
    let at = caret_at.unwrap_or(width);
    let end = caret_end.unwrap_or(width.max(at + 1));
    (shown, at, end.saturating_sub(at).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span_with_suggestion() {
        let q = "stats coutn(*) by verb";
        let d = Diagnostic::error(Span::new(6, 11), "unknown function `coutn`")
            .with_suggestion(Some("count".into()));
        assert_eq!(
            d.render(q),
            "line 1, column 7: unknown function `coutn`\n    stats coutn(*) by verb\n          ^~~~~\ndid you mean `count`?\n"
        );
    }

    #[test]
    fn second_line_and_end_of_input() {
        let q = "fields a\n| filter";
        let d = Diagnostic::error(Span::new(q.len(), q.len()), "expected an expression");
        assert_eq!(
            d.render(q),
            "line 2, column 9: expected an expression\n    | filter\n            ^\n"
        );
    }

    #[test]
    fn warning_prefix_and_multiline_span_stops_at_line_end() {
        let q = "filter a\n| limit 5";
        let d = Diagnostic::warning(Span::new(7, q.len()), "w");
        assert_eq!(
            d.render(q),
            "warning: line 1, column 8: w\n    filter a\n           ^\n"
        );
    }

    #[test]
    fn caret_follows_escapes() {
        let q = "filter\tx = 1";
        let d = Diagnostic::error(Span::new(7, 8), "m");
        assert_eq!(
            d.render(q),
            "line 1, column 8: m\n    filter\\tx = 1\n            ^\n"
        );
    }

    #[test]
    fn multibyte_columns_count_chars() {
        let q = "filter é = ü";
        let start = q.find('ü').unwrap();
        let d = Diagnostic::error(Span::new(start, start + 2), "m");
        assert!(d.render(q).starts_with("line 1, column 12: m\n"));
    }
}
