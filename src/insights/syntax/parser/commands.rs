//! The arguments of each command, after its name.

use super::expr::check_regex;
use super::{PResult, Parser};
use crate::insights::syntax::ast::{
    CommandKind, Expr, ExprKind, FieldRef, ParsePattern, Projection, SortKey,
};
use crate::insights::syntax::diag::Diagnostic;
use crate::insights::syntax::token::{Keyword, Span, TokenKind};

impl Parser<'_> {
    /// `a, f(b) as c, …`, at least one.
    pub(super) fn projections(&mut self, command: &str) -> PResult<Vec<Projection>> {
        if self.at_command_end() {
            return Err(self.expected(&format!(
                "a field after `{command}`, such as `{command} @timestamp, @message`"
            )));
        }
        self.projection_list()
    }

    fn projection_list(&mut self) -> PResult<Vec<Projection>> {
        let mut list = vec![self.projection()?];
        while self.eat(&TokenKind::Comma).is_some() {
            list.push(self.projection()?);
        }
        Ok(list)
    }

    fn projection(&mut self) -> PResult<Projection> {
        let expr = self.expr()?;
        let mut span = expr.span;
        let alias = if self.eat_keyword(Keyword::As).is_some() {
            let (name, name_span) = self.name("a column name after `as`")?;
            span = span.to(name_span);
            Some(name)
        } else {
            None
        };
        let name = match (&alias, &expr.kind) {
            (Some(a), _) => a.clone(),
            (None, ExprKind::Field(f)) => f.path.clone(),
            (None, _) => expr.span.slice(self.text).to_string(),
        };
        Ok(Projection {
            expr,
            alias,
            name,
            span,
        })
    }

    /// A bare or backticked name (a field, an alias).
    fn name(&mut self, what: &str) -> PResult<(String, Span)> {
        match self.peek_kind() {
            Some(TokenKind::Ident(s) | TokenKind::Quoted(s)) => {
                let s = s.clone();
                Ok((s, self.bump_span()))
            }
            _ => Err(self.expected(what)),
        }
    }

    pub(super) fn filter(&mut self) -> PResult<Expr> {
        if self.at_command_end() {
            return Err(self.expected("a condition after `filter`"));
        }
        self.expr()
    }

    /// `aggregates [by terms]`.
    pub(super) fn stats(&mut self) -> PResult<CommandKind> {
        if self.at_command_end() || self.peek_kind() == Some(&TokenKind::Keyword(Keyword::By)) {
            return Err(
                self.expected("an aggregate after `stats`, such as `stats count(*) by verb`")
            );
        }
        let aggregates = self.projection_list()?;
        let by = if self.eat_keyword(Keyword::By).is_some() {
            if self.at_command_end() {
                return Err(self.expected("a field or `bin(…)` after `by`"));
            }
            self.projection_list()?
        } else {
            Vec::new()
        };
        Ok(CommandKind::Stats { aggregates, by })
    }

    /// `key [asc|desc], …`. A `by` after `sort`, as some published queries write it, is read
    /// and ignored.
    pub(super) fn sort_keys(&mut self) -> PResult<Vec<SortKey>> {
        self.eat_keyword(Keyword::By);
        if self.at_command_end() {
            return Err(self.expected("a field after `sort`, such as `sort @timestamp desc`"));
        }
        let mut keys = Vec::new();
        loop {
            let expr = self.expr()?;
            let mut span = expr.span;
            let descending = if let Some(s) = self.eat_keyword(Keyword::Desc) {
                span = span.to(s);
                true
            } else if let Some(s) = self.eat_keyword(Keyword::Asc) {
                span = span.to(s);
                false
            } else {
                false
            };
            keys.push(SortKey {
                expr,
                descending,
                span,
            });
            if self.eat(&TokenKind::Comma).is_none() {
                return Ok(keys);
            }
        }
    }

    pub(super) fn limit(&mut self) -> PResult<u64> {
        match self.peek_kind() {
            Some(&TokenKind::Int(n)) => {
                self.bump();
                // The lexer reads no sign, so `n` is never negative.
                Ok(n.unsigned_abs())
            }
            _ => Err(self.expected("a whole number of rows after `limit`, such as `limit 100`")),
        }
    }

    pub(super) fn dedup(&mut self) -> PResult<Vec<FieldRef>> {
        let mut fields = Vec::new();
        loop {
            if !matches!(
                self.peek_kind(),
                Some(TokenKind::Ident(_) | TokenKind::Quoted(_))
            ) {
                return Err(
                    self.expected("a field name after `dedup`, such as `dedup objectRef.name`")
                );
            }
            fields.push(self.field_ref()?);
            if self.eat(&TokenKind::Comma).is_none() {
                return Ok(fields);
            }
        }
    }

    /// `parse [field] "glob" as a, b` or `parse [field] /(?<a>…)/`. Without a field, `parse`
    /// reads `@message`, as the AWS samples that omit it expect.
    pub(super) fn parse_command(&mut self, keyword: Span) -> PResult<CommandKind> {
        let source = match self.peek_kind() {
            Some(TokenKind::Str(_) | TokenKind::Regex(_)) => Expr {
                kind: ExprKind::Field(FieldRef::dotted("@message", keyword.after())),
                span: keyword.after(),
            },
            None | Some(TokenKind::Pipe) => {
                return Err(self.expected(
                    "a field and a pattern after `parse`, such as `parse @message \"user=*\" as user`",
                ));
            }
            _ => self.primary()?,
        };
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("a \"glob *\" or a /regex/ pattern after the field"));
        };
        let pattern = match token.kind {
            TokenKind::Str(glob) => {
                self.bump();
                self.glob_names(glob, token.span)?
            }
            TokenKind::Regex(regex) => {
                self.bump();
                self.regex_names(regex, token.span)?
            }
            _ => return Err(self.expected("a \"glob *\" or a /regex/ pattern after the field")),
        };
        Ok(CommandKind::Parse { source, pattern })
    }

    fn glob_names(&mut self, pattern: String, span: Span) -> PResult<ParsePattern> {
        let stars = pattern.matches('*').count();
        if stars == 0 {
            return Err(Diagnostic::error(
                span,
                "the pattern has no `*` to capture: mark each part to extract with `*`",
            ));
        }
        if self.eat_keyword(Keyword::As).is_none() {
            return Err(self.expected(&format!(
                "`as` and {stars} field name{} for the `*` of the pattern",
                plural(stars)
            )));
        }
        let mut names = Vec::new();
        let mut names_span = self.peek_span();
        loop {
            let (name, s) = self.name("a field name")?;
            names_span = names_span.to(s);
            names.push(name);
            if self.eat(&TokenKind::Comma).is_none() {
                break;
            }
        }
        if names.len() != stars {
            return Err(Diagnostic::error(
                names_span,
                format!(
                    "the pattern has {stars} `*` but {} after `as`: give one name per `*`",
                    match names.len() {
                        1 => "1 name".to_string(),
                        n => format!("{n} names"),
                    }
                ),
            ));
        }
        Ok(ParsePattern::Glob { pattern, names })
    }

    fn regex_names(&mut self, regex: String, span: Span) -> PResult<ParsePattern> {
        check_regex(&regex, span)?;
        if let Some(as_span) = self.eat_keyword(Keyword::As) {
            return Err(Diagnostic::error(
                as_span,
                "a regex names its fields with named groups such as `(?<user>\\S+)`, not with `as`",
            ));
        }
        let names: Vec<String> = regex::Regex::new(&regex)
            .map(|r| r.capture_names().flatten().map(str::to_string).collect())
            .unwrap_or_default();
        if names.is_empty() {
            return Err(Diagnostic::error(
                span,
                "the regex has no named group to capture into, such as `(?<user>\\S+)`",
            ));
        }
        // Kept as written: a flag such as `(?i)` is part of the pattern itself.
        Ok(ParsePattern::Regex { regex, names })
    }

    /// `unnest field into name`.
    pub(super) fn unnest(&mut self) -> PResult<CommandKind> {
        if self.at_command_end() {
            return Err(self.expected("a field after `unnest`, such as `unnest items into item`"));
        }
        let source = self.primary()?;
        if self.eat_keyword(Keyword::Into).is_none() {
            return Err(self.expected("`into` and a name for each element"));
        }
        let (alias, _) = self.name("a name after `into`")?;
        Ok(CommandKind::Unnest { source, alias })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
