//! The tokens of a Logs Insights query and the byte spans that tie every token, AST node and
//! diagnostic back to the query text.

use std::fmt;

/// A range of the query text, in byte offsets: `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The empty span just after this one: where something missing should have been.
    pub fn after(self) -> Span {
        Span {
            start: self.end,
            end: self.end,
        }
    }

    /// The text this span covers, or `""` when it does not fall on `text`'s char boundaries.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// The words with a meaning of their own. They match in any case (`AND`, `By`), as Logs
/// Insights' own examples mix cases; everywhere else they would be field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    And,
    Or,
    Not,
    Like,
    In,
    As,
    By,
    Asc,
    Desc,
    Into,
    True,
    False,
}

impl Keyword {
    pub fn from_word(word: &str) -> Option<Keyword> {
        const WORDS: &[(&str, Keyword)] = &[
            ("and", Keyword::And),
            ("or", Keyword::Or),
            ("not", Keyword::Not),
            ("like", Keyword::Like),
            ("in", Keyword::In),
            ("as", Keyword::As),
            ("by", Keyword::By),
            ("asc", Keyword::Asc),
            ("desc", Keyword::Desc),
            ("into", Keyword::Into),
            ("true", Keyword::True),
            ("false", Keyword::False),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, k)| k)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::And => "and",
            Keyword::Or => "or",
            Keyword::Not => "not",
            Keyword::Like => "like",
            Keyword::In => "in",
            Keyword::As => "as",
            Keyword::By => "by",
            Keyword::Asc => "asc",
            Keyword::Desc => "desc",
            Keyword::Into => "into",
            Keyword::True => "true",
            Keyword::False => "false",
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A bare name: a command, a function or a field (`objectRef.resource`, `@timestamp`,
    /// `sourceIPs.0`).
    Ident(String),
    /// A backtick-quoted field name, backticks removed.
    Quoted(String),
    Keyword(Keyword),
    /// A string literal, escapes resolved.
    Str(String),
    Int(i64),
    Float(f64),
    /// A number with a time unit (`5m`, `1hr`); `millis` as in [`crate::insights::syntax::ast::Literal`].
    Duration {
        millis: i64,
        text: String,
    },
    /// A `/regex/` literal: the pattern as the regex engine reads it (`\/` unescaped).
    Regex(String),
    Pipe,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// The `.` that goes on into a structure after an index: the one in `users[1].action`.
    /// Everywhere else a `.` is part of a name or a number.
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Percent,
    RegexMatch,
    NotRegexMatch,
    /// A character the language has no use for. Kept as a token, not an error, so that the
    /// commands only CloudWatch runs (`SOURCE logGroups(namePrefix: […])`) can be skipped whole;
    /// the parser reports it wherever it would have to understand it.
    Unknown(char),
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(s) => write!(f, "`{s}`"),
            TokenKind::Quoted(s) => write!(f, "`{s}`"),
            TokenKind::Keyword(k) => write!(f, "`{}`", k.as_str()),
            TokenKind::Str(_) => f.write_str("a string"),
            TokenKind::Int(_) | TokenKind::Float(_) => f.write_str("a number"),
            TokenKind::Duration { text, .. } => write!(f, "the time period `{text}`"),
            TokenKind::Regex(_) => f.write_str("a /regex/"),
            TokenKind::Unknown(c) => write!(f, "`{c}`"),
            other => write!(f, "`{}`", other.symbol()),
        }
    }
}

impl TokenKind {
    /// The operator or punctuation as written; empty for tokens that carry text.
    pub fn symbol(&self) -> &'static str {
        match self {
            TokenKind::Pipe => "|",
            TokenKind::Comma => ",",
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::Dot => ".",
            TokenKind::Eq => "=",
            TokenKind::Ne => "!=",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Caret => "^",
            TokenKind::Percent => "%",
            TokenKind::RegexMatch => "=~",
            TokenKind::NotRegexMatch => "!=~",
            _ => "",
        }
    }

    /// Whether this token can end an operand, so that a `/` after it divides instead of opening
    /// a regex.
    pub fn ends_operand(&self) -> bool {
        matches!(
            self,
            TokenKind::Ident(_)
                | TokenKind::Quoted(_)
                | TokenKind::Str(_)
                | TokenKind::Int(_)
                | TokenKind::Float(_)
                | TokenKind::Duration { .. }
                | TokenKind::Regex(_)
                | TokenKind::RParen
                | TokenKind::RBracket
                | TokenKind::Keyword(Keyword::True | Keyword::False)
        )
    }
}

/// One token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}
