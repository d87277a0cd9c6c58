//! Query text → tokens with byte spans.
//!
//! Three things need care. A `/` opens a regex only where an operand may start (after `like`,
//! `=~`, `(`, `,` …) and divides after an operand, as in `a / 2`; `parse @message /(?<x>…)/`
//! is the one place where a regex follows an operand. A number glued to a unit (`5m`, `1hr`) is
//! a time period, the argument of `bin` and `datefloor`. A `.` right after the `]` of a list
//! index is a [`TokenKind::Dot`] and the name after it a member, never a keyword
//! (`users[1].action`); everywhere else a `.` belongs to a name or a number.

use super::ast::TimeUnit;
use super::diag::Diagnostic;
use super::suggest;
use super::token::{Keyword, Span, Token, TokenKind};

/// The tokens of `text`, and an error for each piece that could not be read. Lexing goes on
/// after an error so that every problem is reported at once.
pub fn lex(text: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer {
        text,
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<Diagnostic>,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '@' || c == '$'
}

pub(crate) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '@' || c == '$'
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, skip: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(skip)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    fn error(&mut self, start: usize, message: impl Into<String>) {
        self.errors
            .push(Diagnostic::error(Span::new(start, self.pos), message));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                '"' | '\'' => self.string(c),
                '.' if self.after_index() => {
                    self.bump();
                    self.push(TokenKind::Dot, start);
                    if self.peek().is_some_and(|c| c == '`' || is_name_char(c)) {
                        self.name(true);
                    }
                }
                c if c == '`' || is_name_start(c) => self.name(false),
                '0'..='9' => self.number(),
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
                '/' if self.regex_may_start() => self.regex(),
                _ => {
                    self.bump();
                    let kind = self.operator(c);
                    self.push(kind, start);
                }
            }
        }
    }

    /// The operator starting with `c` (already consumed), taking the characters that follow it.
    fn operator(&mut self, c: char) -> TokenKind {
        let (kind, extra) = match (c, self.peek(), self.peek_at(1)) {
            ('|', ..) => (TokenKind::Pipe, 0),
            (',', ..) => (TokenKind::Comma, 0),
            ('(', ..) => (TokenKind::LParen, 0),
            (')', ..) => (TokenKind::RParen, 0),
            ('[', ..) => (TokenKind::LBracket, 0),
            (']', ..) => (TokenKind::RBracket, 0),
            ('=', Some('~'), _) => (TokenKind::RegexMatch, 1),
            ('=', ..) => (TokenKind::Eq, 0),
            ('!', Some('='), Some('~')) => (TokenKind::NotRegexMatch, 2),
            ('!', Some('='), _) => (TokenKind::Ne, 1),
            ('<', Some('='), _) => (TokenKind::Le, 1),
            ('<', ..) => (TokenKind::Lt, 0),
            ('>', Some('='), _) => (TokenKind::Ge, 1),
            ('>', ..) => (TokenKind::Gt, 0),
            ('+', ..) => (TokenKind::Plus, 0),
            ('-', ..) => (TokenKind::Minus, 0),
            ('*', ..) => (TokenKind::Star, 0),
            ('/', ..) => (TokenKind::Slash, 0),
            ('^', ..) => (TokenKind::Caret, 0),
            ('%', ..) => (TokenKind::Percent, 0),
            (other, ..) => (TokenKind::Unknown(other), 0),
        };
        for _ in 0..extra {
            self.bump();
        }
        kind
    }

    fn string(&mut self, quote: char) {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => {
                    self.error(
                        start,
                        format!("unterminated string: add the closing `{quote}`"),
                    );
                    return;
                }
                Some(c) if c == quote => break,
                Some('\\') => match self.bump() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some(c @ ('\\' | '"' | '\'')) => value.push(c),
                    // Kept whole: a string often carries a regex or a Windows path (`"\d+"`).
                    Some(c) => {
                        value.push('\\');
                        value.push(c);
                    }
                    None => {
                        self.error(
                            start,
                            format!("unterminated string: add the closing `{quote}`"),
                        );
                        return;
                    }
                },
                Some(c) => value.push(c),
            }
        }
        self.push(TokenKind::Str(value), start);
    }

    /// Whether a `.` here follows the `]` of a list index, as in `users[1].action`.
    fn after_index(&self) -> bool {
        self.tokens
            .last()
            .is_some_and(|t| t.kind == TokenKind::RBracket && t.span.end == self.pos)
    }

    /// A field, function, command or keyword: segments joined by `.`, each bare or in backticks
    /// (`` objectRef.`name` `` is the field `objectRef.name`). A `member` name goes on from a
    /// list index (`[1].action`), where no word is a keyword.
    fn name(&mut self, member: bool) {
        let start = self.pos;
        let mut path = String::new();
        let mut quoted = false;
        loop {
            if self.peek() == Some('`') {
                let seg_start = self.pos;
                self.bump();
                let Some(len) = self.text[self.pos..].find(['`', '\n']) else {
                    self.pos = self.text.len();
                    self.error(seg_start, "unterminated field name: add the closing '`'");
                    return;
                };
                let segment = &self.text[self.pos..self.pos + len];
                self.pos += len;
                if self.peek() != Some('`') {
                    self.error(seg_start, "unterminated field name: add the closing '`'");
                    return;
                }
                self.bump();
                if segment.is_empty() {
                    self.error(seg_start, "empty field name between backticks");
                    return;
                }
                path.push_str(segment);
                quoted = true;
            } else {
                while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
                    path.push(c);
                    self.bump();
                }
            }
            let continues = self.peek() == Some('.')
                && self.peek_at(1).is_some_and(|c| is_name_char(c) || c == '`');
            if !continues {
                break;
            }
            self.bump();
            path.push('.');
        }
        let kind = if quoted {
            TokenKind::Quoted(path)
        } else if let Some(k) = Keyword::from_word(&path).filter(|_| !member) {
            TokenKind::Keyword(k)
        } else {
            TokenKind::Ident(path)
        };
        self.push(kind, start);
    }

    fn number(&mut self) {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let mut is_float = false;
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        let digits_end = self.pos;
        if self.peek().is_some_and(is_name_char) {
            while self.peek().is_some_and(is_name_char) {
                self.bump();
            }
            self.period(start, digits_end, is_float);
            return;
        }
        let digits = &self.text[start..digits_end];
        let kind = if is_float {
            digits.parse().ok().map(TokenKind::Float)
        } else {
            digits.parse().ok().map(TokenKind::Int)
        };
        match kind {
            Some(kind) => self.push(kind, start),
            None => self.error(start, format!("the number {digits} is too large")),
        }
    }

    /// A number glued to a word: a time period such as `5m`, or a mistake.
    fn period(&mut self, start: usize, digits_end: usize, is_float: bool) {
        let text = self.text[start..self.pos].to_string();
        let unit_text = &self.text[digits_end..self.pos];
        let Some(unit) = TimeUnit::from_suffix(unit_text) else {
            let message = format!(
                "unknown time unit `{unit_text}` in `{text}`: use ms, s, m, h, d, w, mo, q or y"
            );
            let nearest = suggest::nearest(unit_text, TimeUnit::SUFFIXES.iter().copied());
            self.errors.push(
                Diagnostic::error(Span::new(start, self.pos), message).with_suggestion(nearest),
            );
            return;
        };
        let count = if is_float {
            None
        } else {
            self.text[start..digits_end].parse::<i64>().ok()
        };
        let Some(count) = count else {
            self.error(
                start,
                format!("a time period takes a whole number, such as `90m`, not `{text}`"),
            );
            return;
        };
        let Some(millis) = count.checked_mul(unit.millis()) else {
            self.error(start, format!("the time period `{text}` is too long"));
            return;
        };
        self.push(TokenKind::Duration { millis, text }, start);
    }

    /// Whether a `/` here opens a regex rather than dividing.
    fn regex_may_start(&self) -> bool {
        let n = self.tokens.len();
        let Some(prev) = self.tokens.last() else {
            return true;
        };
        if !prev.kind.ends_operand() {
            return true;
        }
        let at_command_start =
            |i: usize| i == 0 || matches!(self.tokens[i - 1].kind, TokenKind::Pipe);
        // A command's name is no operand: `fields /x/` starts a (misplaced) regex.
        if matches!(prev.kind, TokenKind::Ident(_)) && at_command_start(n - 1) {
            return true;
        }
        // `parse <field> /regex/`: the field is all that stands between the command and the regex.
        let is_parse =
            |t: &Token| matches!(&t.kind, TokenKind::Ident(w) if w.eq_ignore_ascii_case("parse"));
        self.path_start()
            .and_then(|start| start.checked_sub(1))
            .is_some_and(|command| is_parse(&self.tokens[command]) && at_command_start(command))
    }

    /// Where the field that ends the tokens so far starts, if they end with one: a name, then
    /// any list indexes and members (`js.sourceIPs[0]`, `users[1].action`).
    fn path_start(&self) -> Option<usize> {
        let t = &self.tokens;
        let mut i = t.len().checked_sub(1)?;
        loop {
            match &t[i].kind {
                TokenKind::RBracket
                    if i >= 3
                        && matches!(t[i - 1].kind, TokenKind::Int(_))
                        && t[i - 2].kind == TokenKind::LBracket =>
                {
                    i -= 3;
                }
                TokenKind::Ident(_) | TokenKind::Quoted(_) => {
                    if i >= 2 && t[i - 1].kind == TokenKind::Dot {
                        i -= 2;
                    } else {
                        return Some(i);
                    }
                }
                _ => return None,
            }
        }
    }

    fn regex(&mut self) {
        let start = self.pos;
        self.bump();
        let mut source = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    self.error(start, "unterminated regex: add the closing `/`");
                    return;
                }
                Some('/') => break,
                Some('\\') => match self.peek() {
                    Some('/') => {
                        self.bump();
                        source.push('/');
                    }
                    Some(c) if c != '\n' => {
                        self.bump();
                        source.push('\\');
                        source.push(c);
                    }
                    _ => source.push('\\'),
                },
                Some(c) => source.push(c),
            }
        }
        if self.peek().is_some_and(|c| c.is_alphabetic()) {
            let flags_start = self.pos;
            while self.peek().is_some_and(|c| c.is_alphabetic()) {
                self.bump();
            }
            let flags = self.text[flags_start..self.pos].to_string();
            self.error(
                flags_start,
                format!("regex flags go inside the pattern, as in `/(?{flags})…/`, not after it"),
            );
            return;
        }
        if source.is_empty() {
            self.error(start, "empty regex: `//` matches everything");
            return;
        }
        self.push(TokenKind::Regex(source), start);
    }
}

/// The segments of a name token as written (its text, backticks included): split at the dots
/// between segments, a backticked segment whole, so `` js.`user.id` `` is `js` and `user.id`.
pub fn name_segments(raw: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut rest = raw;
    loop {
        let (segment, after) = match rest.strip_prefix('`') {
            Some(inner) => match inner.find('`') {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                None => (inner, ""),
            },
            None => match rest.find('.') {
                Some(end) => (&rest[..end], &rest[end..]),
                None => (rest, ""),
            },
        };
        segments.push(segment.to_string());
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None => return segments,
        }
    }
}

#[cfg(test)]
#[path = "lexer_tests.rs"]
mod tests;
