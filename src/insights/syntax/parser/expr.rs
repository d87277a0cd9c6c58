//! Expressions, loosest binding first, as the Logs Insights documentation orders them:
//! `or`, `and`, `not`, comparisons (`=`, `like`, `in` …), then arithmetic (`+ -`, `* / %`,
//! unary `-`, `^`).

use super::{PResult, Parser};
use crate::insights::syntax::ast::{
    BinaryOp, Expr, ExprKind, FieldRef, LikePattern, Literal, PathStep, UnaryOp,
    regex_is_case_insensitive,
};
use crate::insights::syntax::diag::Diagnostic;
use crate::insights::syntax::lexer::name_segments;
use crate::insights::syntax::token::{Keyword, Span, TokenKind};

/// The deepest expression accepted: parentheses, calls, prefix operators and operators in a
/// row all count. Far past what a person writes, and far short of any stack's end.
pub const MAX_DEPTH: u32 = 200;

/// The deepest the parser itself recurses (parentheses, calls, prefix operators within one
/// another): each level costs it several stack frames, and it may run on a thread with a small
/// stack.
pub const MAX_NESTING: u32 = 64;

fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        span: lhs.span.to(rhs.span),
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
    }
}

fn comparison_op(kind: &TokenKind) -> Option<BinaryOp> {
    Some(match kind {
        TokenKind::Eq => BinaryOp::Eq,
        TokenKind::Ne => BinaryOp::Ne,
        TokenKind::Lt => BinaryOp::Lt,
        TokenKind::Le => BinaryOp::Le,
        TokenKind::Gt => BinaryOp::Gt,
        TokenKind::Ge => BinaryOp::Ge,
        TokenKind::RegexMatch => BinaryOp::RegexMatch,
        TokenKind::NotRegexMatch => BinaryOp::NotRegexMatch,
        _ => return None,
    })
}

/// Checks a regex literal now, so that its mistake points into the query.
pub(crate) fn check_regex(source: &str, span: Span) -> PResult<()> {
    // The syntax alone, as the regex crate reads it: compiling it here too would build every
    // pattern of every query loaded twice (a library's worth at start), once only to drop it.
    match regex_syntax::Parser::new().parse(source) {
        Ok(_) => Ok(()),
        Err(e) => Err(Diagnostic::error(
            span,
            format!("invalid regex: {}", regex_error_summary(&e.to_string())),
        )),
    }
}

/// The last line of the regex crate's message: what is wrong, without its own ASCII caret.
fn regex_error_summary(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

impl Parser<'_> {
    /// Records that `expr` was built over children at most `child_depth` deep.
    fn built(&mut self, expr: Expr, child_depth: u32) -> PResult<Expr> {
        let depth = child_depth + 1;
        if depth > MAX_DEPTH {
            return Err(too_deep(expr.span));
        }
        self.last_depth = depth;
        Ok(expr)
    }

    /// Enters a construct that recurses (a parenthesis, a call, a prefix operator).
    fn enter(&mut self, span: Span) -> PResult<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(too_nested(span));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.left_assoc(
            |k| (k == &TokenKind::Keyword(Keyword::Or)).then_some(BinaryOp::Or),
            Self::and_expr,
        )
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        self.left_assoc(
            |k| (k == &TokenKind::Keyword(Keyword::And)).then_some(BinaryOp::And),
            Self::not_expr,
        )
    }

    /// `operand (op operand)*`, grouped to the left.
    fn left_assoc(
        &mut self,
        op: fn(&TokenKind) -> Option<BinaryOp>,
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let mut lhs = operand(self)?;
        let mut depth = self.last_depth;
        while let Some(op) = self.peek_kind().and_then(op) {
            self.bump();
            let rhs = operand(self)?;
            let child = depth.max(self.last_depth);
            lhs = self.built(binary(op, lhs, rhs), child)?;
            depth = self.last_depth;
        }
        self.last_depth = depth;
        Ok(lhs)
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        if let Some(not) = self.eat_keyword(Keyword::Not) {
            self.enter(not)?;
            let expr = self.not_expr();
            self.leave();
            let expr = expr?;
            let depth = self.last_depth;
            return self.built(
                Expr {
                    span: not.to(expr.span),
                    kind: ExprKind::Unary {
                        op: UnaryOp::Not,
                        expr: Box::new(expr),
                    },
                },
                depth,
            );
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let lhs = self.additive()?;
        let lhs_depth = self.last_depth;
        let result = if let Some(op) = self.peek_kind().and_then(comparison_op) {
            let op_span = self.bump_span();
            if op == BinaryOp::Eq && self.peek_kind() == Some(&TokenKind::Eq) {
                let second = self.bump_span();
                return Err(Diagnostic::error(
                    op_span.to(second),
                    "`==` is not an operator: Logs Insights compares with a single `=`",
                ));
            }
            let rhs = self.additive()?;
            let child = lhs_depth.max(self.last_depth);
            self.built(binary(op, lhs, rhs), child)?
        } else if self.peek_kind() == Some(&TokenKind::Keyword(Keyword::Not)) {
            let not = self.bump_span();
            if self.eat_keyword(Keyword::Like).is_some() {
                self.like(lhs, lhs_depth, true)?
            } else if self.eat_keyword(Keyword::In).is_some() {
                self.in_list(lhs, lhs_depth, true)?
            } else {
                return Err(Diagnostic::error(
                    not.to(self.peek_span()),
                    format!(
                        "expected `like` or `in` after `not`, found {}: to negate a whole condition, put `not` before it",
                        self.found()
                    ),
                ));
            }
        } else if self.eat_keyword(Keyword::Like).is_some() {
            self.like(lhs, lhs_depth, false)?
        } else if self.eat_keyword(Keyword::In).is_some() {
            self.in_list(lhs, lhs_depth, false)?
        } else {
            return Ok(lhs);
        };
        let chained = self.peek_kind().and_then(comparison_op).is_some()
            || matches!(
                self.peek_kind(),
                Some(TokenKind::Keyword(Keyword::Like | Keyword::In))
            );
        if chained {
            return Err(Diagnostic::error(
                result.span.to(self.peek_span()),
                "comparisons do not chain: join them with `and`, as in `a < b and b < c`",
            ));
        }
        Ok(result)
    }

    fn like(&mut self, lhs: Expr, lhs_depth: u32, negated: bool) -> PResult<Expr> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("a \"substring\" or a /regex/ after `like`"));
        };
        let pattern = match token.kind {
            TokenKind::Str(s) => LikePattern::Substring(s),
            TokenKind::Regex(source) => {
                check_regex(&source, token.span)?;
                LikePattern::Regex {
                    case_insensitive: regex_is_case_insensitive(&source),
                    source,
                }
            }
            _ => return Err(self.expected("a \"substring\" or a /regex/ after `like`")),
        };
        self.bump();
        self.built(
            Expr {
                span: lhs.span.to(token.span),
                kind: ExprKind::Like {
                    expr: Box::new(lhs),
                    pattern,
                    negated,
                },
            },
            lhs_depth,
        )
    }

    fn in_list(&mut self, lhs: Expr, lhs_depth: u32, negated: bool) -> PResult<Expr> {
        if self.peek_kind() != Some(&TokenKind::LBracket) {
            return Err(
                self.expected("a list in brackets after `in`, such as `[\"get\", \"list\"]`")
            );
        }
        self.bump();
        let mut list = Vec::new();
        let mut depth = lhs_depth;
        if self.peek_kind() != Some(&TokenKind::RBracket) {
            loop {
                list.push(self.additive()?);
                depth = depth.max(self.last_depth);
                if self.eat(&TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        let Some(close) = self.eat(&TokenKind::RBracket) else {
            return Err(self.expected("`,` or `]` in the list"));
        };
        self.built(
            Expr {
                span: lhs.span.to(close),
                kind: ExprKind::In {
                    expr: Box::new(lhs),
                    list,
                    negated,
                },
            },
            depth,
        )
    }

    fn additive(&mut self) -> PResult<Expr> {
        self.left_assoc(
            |k| match k {
                TokenKind::Plus => Some(BinaryOp::Add),
                TokenKind::Minus => Some(BinaryOp::Sub),
                _ => None,
            },
            Self::multiplicative,
        )
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        self.left_assoc(
            |k| match k {
                TokenKind::Star => Some(BinaryOp::Mul),
                TokenKind::Slash => Some(BinaryOp::Div),
                TokenKind::Percent => Some(BinaryOp::Mod),
                _ => None,
            },
            Self::unary,
        )
    }

    fn unary(&mut self) -> PResult<Expr> {
        if let Some(minus) = self.eat(&TokenKind::Minus) {
            self.enter(minus)?;
            let expr = self.unary();
            self.leave();
            let expr = expr?;
            let depth = self.last_depth;
            return self.built(
                Expr {
                    span: minus.to(expr.span),
                    kind: ExprKind::Unary {
                        op: UnaryOp::Neg,
                        expr: Box::new(expr),
                    },
                },
                depth,
            );
        }
        self.power()
    }

    /// `^` binds tighter than unary minus (`-2 ^ 2` is -4) and groups to the right.
    fn power(&mut self) -> PResult<Expr> {
        let base = self.primary()?;
        let base_depth = self.last_depth;
        if let Some(caret) = self.eat(&TokenKind::Caret) {
            self.enter(caret)?;
            let exponent = self.unary();
            self.leave();
            let exponent = exponent?;
            let child = base_depth.max(self.last_depth);
            return self.built(binary(BinaryOp::Pow, base, exponent), child);
        }
        Ok(base)
    }

    pub(super) fn primary(&mut self) -> PResult<Expr> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("an expression"));
        };
        let span = token.span;
        let literal = |l: Literal| Expr {
            kind: ExprKind::Literal(l),
            span,
        };
        let expr = match token.kind {
            TokenKind::Ident(name) if self.peek_nth_kind(1) == Some(&TokenKind::LParen) => {
                return self.call(name, span);
            }
            TokenKind::Ident(_) | TokenKind::Quoted(_) => {
                let field = self.field_ref()?;
                self.last_depth = 1;
                return Ok(Expr {
                    span: field.span,
                    kind: ExprKind::Field(field),
                });
            }
            TokenKind::Str(s) => literal(Literal::Str(s)),
            TokenKind::Int(i) => literal(Literal::Int(i)),
            TokenKind::Float(f) => literal(Literal::Float(f)),
            TokenKind::Duration { millis, text } => literal(Literal::Duration { millis, text }),
            TokenKind::Regex(source) => {
                check_regex(&source, span)?;
                literal(Literal::Regex {
                    case_insensitive: regex_is_case_insensitive(&source),
                    source,
                })
            }
            TokenKind::Keyword(Keyword::True) => literal(Literal::Bool(true)),
            TokenKind::Keyword(Keyword::False) => literal(Literal::Bool(false)),
            TokenKind::LParen => {
                self.bump();
                self.enter(span)?;
                let inner = self.expr();
                self.leave();
                let inner = inner?;
                let Some(close) = self.eat(&TokenKind::RParen) else {
                    return Err(self.expected("`)`"));
                };
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.to(close),
                });
            }
            TokenKind::Star => {
                return Err(Diagnostic::error(
                    span,
                    "`*` stands for every record only in `count(*)`",
                ));
            }
            _ => return Err(self.expected("an expression")),
        };
        self.bump();
        self.last_depth = 1;
        Ok(expr)
    }

    /// A field at the next token (a name), with the list indexes and members that follow it:
    /// `js.sourceIPs[0]`, `js.users[1].action`, `` js.users[1].`user.id` ``.
    pub(super) fn field_ref(&mut self) -> PResult<FieldRef> {
        let first = self.bump_span();
        let mut steps: Vec<PathStep> = name_segments(first.slice(self.text))
            .into_iter()
            .map(PathStep::Key)
            .collect();
        let mut end = first;
        loop {
            if self.eat(&TokenKind::LBracket).is_some() {
                let index = match self.peek_kind() {
                    Some(&TokenKind::Int(i)) => usize::try_from(i).unwrap_or(usize::MAX),
                    _ => {
                        return Err(self
                            .expected("a list index, a whole number from 0 as in `sourceIPs[0]`"));
                    }
                };
                self.bump();
                let Some(close) = self.eat(&TokenKind::RBracket) else {
                    return Err(self.expected("`]` after the list index"));
                };
                steps.push(PathStep::Index(index));
                end = close;
            } else if self.eat(&TokenKind::Dot).is_some() {
                let Some(TokenKind::Ident(_) | TokenKind::Quoted(_)) = self.peek_kind() else {
                    return Err(self.expected("a member name after `.`, as in `users[1].action`"));
                };
                let name = self.bump_span();
                steps.extend(
                    name_segments(name.slice(self.text))
                        .into_iter()
                        .map(PathStep::Key),
                );
                end = name;
            } else {
                return Ok(FieldRef::new(steps, first.to(end)));
            }
        }
    }

    fn call(&mut self, name: String, name_span: Span) -> PResult<Expr> {
        self.bump();
        self.bump();
        self.enter(name_span)?;
        let call = self.call_args(name, name_span);
        self.leave();
        call
    }

    fn call_args(&mut self, name: String, name_span: Span) -> PResult<Expr> {
        let mut args = Vec::new();
        let mut depth = 0;
        if self.peek_kind() != Some(&TokenKind::RParen) {
            loop {
                // No expression starts with `*`, so here it can only be the `*` of `count(*)`.
                if self.peek_kind() == Some(&TokenKind::Star) {
                    let span = self.bump_span();
                    args.push(Expr {
                        kind: ExprKind::Star,
                        span,
                    });
                    depth = depth.max(1);
                } else {
                    args.push(self.expr()?);
                    depth = depth.max(self.last_depth);
                }
                if self.eat(&TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        let Some(close) = self.eat(&TokenKind::RParen) else {
            return Err(self.expected(&format!("`,` or `)` in the arguments of `{name}`")));
        };
        self.built(
            Expr {
                kind: ExprKind::Call { name, args },
                span: name_span.to(close),
            },
            depth,
        )
    }
}

fn too_nested(span: Span) -> Diagnostic {
    Diagnostic::error(
        span,
        format!(
            "parentheses, calls and prefix operators nest more than {MAX_NESTING} deep here: split the expression"
        ),
    )
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        span,
        format!(
            "the expression nests more than {MAX_DEPTH} deep (parentheses, calls, operators in a row): split it, or list values with `in [...]`"
        ),
    )
}
