//! Query text → coloured spans, from the language's own lexer, so that what is coloured a
//! keyword is exactly what the parser will read as one.

use ratatui::style::Style;
use ratatui::text::{Line, Span as TextSpan};

use super::super::styles::Styles;
use super::sanitize_chars;
use crate::catalog::themes::Role;
use crate::insights::lexer::lex;
use crate::insights::token::{Keyword, Span, Token, TokenKind};

/// A piece of the query text and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Highlight {
    pub span: Span,
    pub role: Role,
}

/// The highlights of `text`, in order and not overlapping. Text outside them is plain.
pub fn highlight(text: &str) -> Vec<Highlight> {
    let (tokens, errors) = lex(text);
    let bad: Vec<Span> = errors.iter().map(|d| d.span).collect();
    let mut out = Vec::with_capacity(tokens.len() + 4);
    let mut gap_start = 0;
    for (i, token) in tokens.iter().enumerate() {
        between_tokens(text, gap_start, token.span.start, &bad, &mut out);
        let before = i.checked_sub(1).map(|p| &tokens[p].kind);
        let after = tokens.get(i + 1).map(|t| &t.kind);
        if let Some(role) = role_of(token, before, after) {
            out.push(Highlight {
                span: token.span,
                role,
            });
        }
        gap_start = token.span.end;
    }
    between_tokens(text, gap_start, text.len(), &bad, &mut out);
    out
}

fn role_of(token: &Token, before: Option<&TokenKind>, after: Option<&TokenKind>) -> Option<Role> {
    let role = match &token.kind {
        // The first word of a command is the command.
        TokenKind::Ident(_) if matches!(before, None | Some(TokenKind::Pipe)) => {
            Role::SyntaxKeyword
        }
        TokenKind::Ident(_) if after == Some(&TokenKind::LParen) => Role::SyntaxFunction,
        TokenKind::Ident(_) | TokenKind::Quoted(_) => Role::SyntaxField,
        TokenKind::Keyword(Keyword::True | Keyword::False) => Role::SyntaxNumber,
        TokenKind::Keyword(_) => Role::SyntaxKeyword,
        TokenKind::Str(_) | TokenKind::Regex(_) => Role::SyntaxString,
        TokenKind::Int(_) | TokenKind::Float(_) | TokenKind::Duration { .. } => Role::SyntaxNumber,
        TokenKind::Comma
        | TokenKind::LParen
        | TokenKind::RParen
        | TokenKind::LBracket
        | TokenKind::RBracket
        | TokenKind::Dot => return None,
        TokenKind::Unknown(_) => Role::Error,
        _ => Role::SyntaxOperator,
    };
    Some(role)
}

/// What lies between two tokens: blanks, `#` comments (the lexer drops them) and text the lexer
/// could not read (an unterminated string), which is shown as an error.
fn between_tokens(text: &str, start: usize, end: usize, bad: &[Span], out: &mut Vec<Highlight>) {
    let mut pos = start;
    while pos < end {
        if let Some(b) = bad.iter().find(|b| b.start <= pos && pos < b.end) {
            let stop = b.end.min(end);
            out.push(Highlight {
                span: Span::new(pos, stop),
                role: Role::Error,
            });
            pos = stop;
            continue;
        }
        let Some(c) = text[pos..end].chars().next() else {
            break;
        };
        if c == '#' {
            let stop = text[pos..end].find('\n').map_or(end, |i| pos + i);
            out.push(Highlight {
                span: Span::new(pos, stop),
                role: Role::SyntaxComment,
            });
            pos = stop;
        } else {
            pos += c.len_utf8();
        }
    }
}

/// The text as display lines, each piece styled and made terminal-safe.
pub fn styled_lines(text: &str, highlights: &[Highlight], styles: &Styles) -> Vec<Line<'static>> {
    let plain = styles.get(Role::Text);
    let mut lines = Vec::new();
    let mut line_start = 0;
    let mut next = 0;
    for raw in text.split('\n') {
        let line_end = line_start + raw.len();
        let mut spans = Vec::new();
        let mut pos = line_start;
        // Highlights that end before this line are done; one may run on into the next line.
        while next < highlights.len() && highlights[next].span.end <= line_start {
            next += 1;
        }
        let mut i = next;
        while pos < line_end {
            let (stop, style) = match highlights.get(i) {
                Some(h) if h.span.start <= pos => {
                    i += 1;
                    (h.span.end.min(line_end), styles.get(h.role))
                }
                Some(h) if h.span.start < line_end => (h.span.start, plain),
                _ => (line_end, plain),
            };
            if stop > pos {
                push_piece(&mut spans, &text[pos..stop], style);
            }
            pos = stop.max(pos);
        }
        lines.push(Line::from(spans));
        line_start = line_end + 1;
    }
    lines
}

fn push_piece(spans: &mut Vec<TextSpan<'static>>, piece: &str, style: Style) {
    let piece = piece.strip_suffix('\r').unwrap_or(piece);
    if !piece.is_empty() {
        spans.push(TextSpan::styled(sanitize_chars(piece), style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::themes::Themes;

    fn roles(text: &str) -> Vec<(&str, Role)> {
        highlight(text)
            .into_iter()
            .map(|h| (h.span.slice(text), h.role))
            .collect()
    }

    #[test]
    fn every_kind_of_token_gets_its_role() {
        use Role::*;
        let q = "# who read secrets\nfilter verb in [\"get\"] and code >= 400 # refused\n| stats count(*) as n by bin(5m), `user.name`";
        assert_eq!(
            roles(q),
            [
                ("# who read secrets", SyntaxComment),
                ("filter", SyntaxKeyword),
                ("verb", SyntaxField),
                ("in", SyntaxKeyword),
                ("\"get\"", SyntaxString),
                ("and", SyntaxKeyword),
                ("code", SyntaxField),
                (">=", SyntaxOperator),
                ("400", SyntaxNumber),
                ("# refused", SyntaxComment),
                ("|", SyntaxOperator),
                ("stats", SyntaxKeyword),
                ("count", SyntaxFunction),
                ("*", SyntaxOperator),
                ("as", SyntaxKeyword),
                ("n", SyntaxField),
                ("by", SyntaxKeyword),
                ("bin", SyntaxFunction),
                ("5m", SyntaxNumber),
                ("`user.name`", SyntaxField),
            ]
        );
        // a structure path: its names are fields, its index a number, its punctuation plain
        assert_eq!(
            roles("display js.users[1].`user.id`"),
            [
                ("display", SyntaxKeyword),
                ("js.users", SyntaxField),
                ("1", SyntaxNumber),
                ("`user.id`", SyntaxField),
            ]
        );
    }

    #[test]
    fn unreadable_text_is_an_error_and_hides_no_comment() {
        let q = "filter a = \"open # not a comment";
        assert_eq!(
            roles(q),
            [
                ("filter", Role::SyntaxKeyword),
                ("a", Role::SyntaxField),
                ("=", Role::SyntaxOperator),
                ("\"open # not a comment", Role::Error),
            ]
        );
        assert_eq!(roles("filter a && b")[2], ("&", Role::Error));
    }

    #[test]
    fn lines_are_split_styled_and_escaped() {
        let styles = Styles::from_theme(Themes::load(None).get("dark").expect("dark"));
        let q = "filter msg = \"a\u{1b}[2J\nb\"\n| limit 5";
        let lines = styled_lines(q, &highlight(q), &styles);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(text, ["filter msg = \"a\\x1b[2J", "b\"", "| limit 5"]);
        // The string runs across the line break and keeps its colour on the second line.
        assert_eq!(lines[1].spans[0].style, styles.get(Role::SyntaxString));
        assert_eq!(lines[2].spans[0].style, styles.get(Role::SyntaxOperator));
    }
}
