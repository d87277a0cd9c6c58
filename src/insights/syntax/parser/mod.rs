//! Tokens → [`Query`]. A recursive-descent parser that, on an error, reports it and skips to the
//! next `|`, so that one run finds the mistakes of every command.
//!
//! The commands are parsed in `commands.rs` and expressions in `expr.rs`.

mod commands;
mod expr;

pub(crate) use expr::check_regex;

use super::ast::{Command, CommandKind, Query};
use super::diag::Diagnostic;
use super::lexer;
use super::suggest::{self, AWS_ONLY_COMMANDS};
use super::token::{Keyword, Span, Token, TokenKind};

/// Parses a query. `Err` holds every syntax error found, in the order of the text.
pub fn parse(text: &str) -> Result<Query, Vec<Diagnostic>> {
    let (tokens, errors) = lexer::lex(text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        nesting: 0,
        last_depth: 0,
    };
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    if parser.tokens.is_empty() {
        errors.push(Diagnostic::error(
            Span::new(0, 0),
            "empty query: write a command such as `fields @timestamp, @message`",
        ));
        return Err(errors);
    }
    'commands: loop {
        match parser.command() {
            Ok(c) => commands.push(c),
            Err(e) => {
                errors.push(e);
                parser.skip_to_pipe();
            }
        }
        // Past the command: the end, or a `|` and the next command.
        loop {
            if parser.at_end() {
                break 'commands;
            }
            let pipe = parser.bump_span();
            if parser.at_end() {
                errors.push(Diagnostic::error(
                    pipe,
                    "expected a command after `|`, found the end of the query",
                ));
                break 'commands;
            }
            let Some(second) = parser.eat(&TokenKind::Pipe) else {
                break;
            };
            errors.push(Diagnostic::error(
                pipe.to(second),
                "`||` is not an operator: write `or`; a single `|` separates commands",
            ));
            parser.skip_to_pipe();
        }
    }
    if errors.is_empty() {
        Ok(Query { commands })
    } else {
        Err(errors)
    }
}

pub(super) type PResult<T> = Result<T, Diagnostic>;

pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
    /// How deep the parser has recursed into parentheses, calls and prefix operators.
    pub(super) nesting: u32,
    /// The depth of the expression tree last returned (a leaf is 1): every walk over an
    /// expression (checker, evaluator) recurses this deep, so it is bounded as it is built.
    pub(super) last_depth: u32,
}

impl Parser<'_> {
    pub(super) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    pub(super) fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|t| &t.kind)
    }

    pub(super) fn peek_nth_kind(&self, n: usize) -> Option<&TokenKind> {
        self.tokens.get(self.pos + n).map(|t| &t.kind)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// Whether the command being parsed is over: end of query or a `|`.
    pub(super) fn at_command_end(&self) -> bool {
        matches!(self.peek_kind(), None | Some(TokenKind::Pipe))
    }

    pub(super) fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Consumes the next token, returning its span.
    pub(super) fn bump_span(&mut self) -> Span {
        let span = self.peek_span();
        self.pos = (self.pos + 1).min(self.tokens.len());
        span
    }

    /// The span of the next token, or at the end of the query the empty span just after its
    /// last token (not after trailing comments and blank lines, which would point at nothing).
    pub(super) fn peek_span(&self) -> Span {
        let end = self.tokens.last().map_or(0, |t| t.span.end);
        self.peek().map_or(Span::new(end, end), |t| t.span)
    }

    /// The end of the last consumed token.
    pub(super) fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    pub(super) fn eat_keyword(&mut self, k: Keyword) -> Option<Span> {
        match self.peek_kind() {
            Some(TokenKind::Keyword(found)) if *found == k => Some(self.bump_span()),
            _ => None,
        }
    }

    pub(super) fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        (self.peek_kind() == Some(kind)).then(|| self.bump_span())
    }

    /// How the next token reads in "found …", with the end of the query and the end of a command
    /// named plainly.
    pub(super) fn found(&self) -> String {
        match self.peek_kind() {
            None => "the end of the query".to_string(),
            Some(TokenKind::Pipe) => "`|`, the end of the command".to_string(),
            Some(kind) => kind.to_string(),
        }
    }

    /// An error at the next token: "expected X, found Y", with a hint for operators borrowed
    /// from other languages.
    pub(super) fn expected(&self, what: &str) -> Diagnostic {
        let mut message = format!("expected {what}, found {}", self.found());
        if let Some(hint) = self.foreign_operator_hint() {
            message.push_str(": ");
            message.push_str(hint);
        }
        // Something missing before a `|` or the end is shown where it should have been, just
        // after the last token, rather than at a `|` that may be on the next line.
        let span = if self.at_command_end() && self.pos > 0 {
            Span::new(self.last_end(), self.last_end())
        } else {
            self.peek_span()
        };
        Diagnostic::error(span, message)
    }

    /// What to write instead of an operator borrowed from another language.
    fn foreign_operator_hint(&self) -> Option<&'static str> {
        match (self.peek_kind()?, self.peek_nth_kind(1)) {
            (TokenKind::Unknown('&'), _) => Some("write `and` instead of `&&`"),
            (TokenKind::Unknown('!'), _) => Some("negate with `not`"),
            (TokenKind::Unknown('~'), _) => Some("match a regex with `=~` or `like`"),
            _ => None,
        }
    }

    fn skip_to_pipe(&mut self) {
        while !self.at_command_end() {
            self.pos += 1;
        }
    }

    fn command(&mut self) -> PResult<Command> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("a command"));
        };
        let TokenKind::Ident(word) = &token.kind else {
            return Err(self.expected("a command such as `fields`, `filter` or `stats`"));
        };
        let start = token.span.start;
        let name = word.to_ascii_lowercase();
        self.bump();
        let kind = if let Some(name) = AWS_ONLY_COMMANDS
            .iter()
            .find(|c| c.eq_ignore_ascii_case(word))
        {
            // Its arguments are CloudWatch's business: keep the name, skip the rest.
            self.skip_to_pipe();
            CommandKind::AwsOnly {
                name: (*name).to_string(),
            }
        } else {
            match name.as_str() {
                "fields" => CommandKind::Fields(self.projections("fields")?),
                "display" => CommandKind::Display(self.projections("display")?),
                "filter" => CommandKind::Filter(self.filter()?),
                "stats" => self.stats()?,
                "sort" => CommandKind::Sort(self.sort_keys()?),
                "limit" => CommandKind::Limit(self.limit()?),
                "dedup" => CommandKind::Dedup(self.dedup()?),
                "parse" => self.parse_command(token.span)?,
                "unnest" => self.unnest()?,
                _ => {
                    return Err(
                        Diagnostic::error(token.span, format!("unknown command `{word}`"))
                            .with_suggestion(suggest::command(word)),
                    );
                }
            }
        };
        if !self.at_command_end() {
            return Err(self.expected(&format!("`|` or the end of the query after `{name}`")));
        }
        Ok(Command {
            kind,
            span: Span::new(start, self.last_end()),
        })
    }
}

#[cfg(test)]
mod tests;
