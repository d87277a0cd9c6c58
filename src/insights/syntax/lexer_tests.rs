//! Tests of the lexer (`lexer.rs`).

use super::*;

fn kinds(text: &str) -> Vec<TokenKind> {
    let (tokens, errors) = lex(text);
    assert!(errors.is_empty(), "{text}: {errors:?}");
    tokens.into_iter().map(|t| t.kind).collect()
}

fn ident(s: &str) -> TokenKind {
    TokenKind::Ident(s.to_string())
}

fn first_error(text: &str) -> String {
    let (_, errors) = lex(text);
    errors
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

#[test]
fn names_and_dotted_paths() {
    assert_eq!(
        kinds("objectRef.resource sourceIPs.0 @timestamp user.username"),
        vec![
            ident("objectRef.resource"),
            ident("sourceIPs.0"),
            ident("@timestamp"),
            ident("user.username"),
        ]
    );
}

#[test]
fn backticks_quote_any_name_and_join_paths() {
    assert_eq!(
        kinds("`annotations.authorization.k8s.io/decision` objectRef.`name` `count(*)`"),
        vec![
            TokenKind::Quoted("annotations.authorization.k8s.io/decision".into()),
            TokenKind::Quoted("objectRef.name".into()),
            TokenKind::Quoted("count(*)".into()),
        ]
    );
}

#[test]
fn keywords_in_any_case() {
    assert_eq!(
        kinds("AND or Not LIKE in As bY asc DESC into true FALSE"),
        [
            Keyword::And,
            Keyword::Or,
            Keyword::Not,
            Keyword::Like,
            Keyword::In,
            Keyword::As,
            Keyword::By,
            Keyword::Asc,
            Keyword::Desc,
            Keyword::Into,
            Keyword::True,
            Keyword::False,
        ]
        .map(TokenKind::Keyword)
    );
    // a keyword inside a path is part of the name
    assert_eq!(kinds("a.in"), vec![ident("a.in")]);
}

#[test]
fn strings_in_both_quotes_with_escapes() {
    assert_eq!(
        kinds(r#""a\"b" 'it\'s' "tab\there" "\d+" "x\\y""#),
        vec![
            TokenKind::Str("a\"b".into()),
            TokenKind::Str("it's".into()),
            TokenKind::Str("tab\there".into()),
            TokenKind::Str("\\d+".into()),
            TokenKind::Str("x\\y".into()),
        ]
    );
    assert_eq!(
        kinds("'say \"hi\"'"),
        vec![TokenKind::Str("say \"hi\"".into())]
    );
}

#[test]
fn numbers_and_periods() {
    assert_eq!(
        kinds("42 3.5 .5 5m 1hr 2hrs 100ms 1d 1w 3mo 1q 1y 30sec"),
        vec![
            TokenKind::Int(42),
            TokenKind::Float(3.5),
            TokenKind::Float(0.5),
            TokenKind::Duration {
                millis: 300_000,
                text: "5m".into()
            },
            TokenKind::Duration {
                millis: 3_600_000,
                text: "1hr".into()
            },
            TokenKind::Duration {
                millis: 7_200_000,
                text: "2hrs".into()
            },
            TokenKind::Duration {
                millis: 100,
                text: "100ms".into()
            },
            TokenKind::Duration {
                millis: 86_400_000,
                text: "1d".into()
            },
            TokenKind::Duration {
                millis: 604_800_000,
                text: "1w".into()
            },
            TokenKind::Duration {
                millis: 3 * 30 * 86_400_000,
                text: "3mo".into()
            },
            TokenKind::Duration {
                millis: 90 * 86_400_000,
                text: "1q".into()
            },
            TokenKind::Duration {
                millis: 365 * 86_400_000,
                text: "1y".into()
            },
            TokenKind::Duration {
                millis: 30_000,
                text: "30sec".into()
            },
        ]
    );
}

#[test]
fn operators() {
    use TokenKind::*;
    assert_eq!(
        kinds("= != < <= > >= + - * 1 / ^ % =~ !=~ ( ) [ ] , |"),
        vec![
            Eq,
            Ne,
            Lt,
            Le,
            Gt,
            Ge,
            Plus,
            Minus,
            Star,
            Int(1),
            Slash,
            Caret,
            Percent,
            RegexMatch,
            NotRegexMatch,
            LParen,
            RParen,
            LBracket,
            RBracket,
            Comma,
            Pipe,
        ]
    );
    assert_eq!(kinds("a:b")[1], Unknown(':'));
}

#[test]
fn slash_divides_after_an_operand_and_opens_a_regex_elsewhere() {
    use TokenKind::*;
    assert_eq!(
        kinds("filter a / 2"),
        vec![ident("filter"), ident("a"), Slash, Int(2)]
    );
    assert_eq!(
        kinds("fields (a) / b"),
        vec![
            ident("fields"),
            LParen,
            ident("a"),
            RParen,
            Slash,
            ident("b")
        ]
    );
    assert_eq!(
        kinds("m like /(?i)fo\\/o/"),
        vec![
            ident("m"),
            Keyword(self::Keyword::Like),
            Regex("(?i)fo/o".into())
        ]
    );
    assert_eq!(
        kinds("m =~ /a\\d/"),
        vec![ident("m"), RegexMatch, Regex("a\\d".into())]
    );
    assert_eq!(
        kinds("parse @message /(?<u>\\S+)/"),
        vec![
            ident("parse"),
            ident("@message"),
            Regex("(?<u>\\S+)".into())
        ]
    );
    assert_eq!(
        kinds("fields a | PARSE `b` /x/"),
        vec![
            ident("fields"),
            ident("a"),
            Pipe,
            ident("PARSE"),
            Quoted("b".into()),
            Regex("x".into())
        ]
    );
    // `parse` as a field name elsewhere does not make `/` a regex
    assert_eq!(
        kinds("fields parse / 2"),
        vec![ident("fields"), ident("parse"), Slash, Int(2)]
    );
    // the field of `parse` may index a list and go on into it
    assert_eq!(
        kinds("parse js.ips[0].`a.b` /x/"),
        vec![
            ident("parse"),
            ident("js.ips"),
            LBracket,
            Int(0),
            RBracket,
            Dot,
            Quoted("a.b".into()),
            Regex("x".into())
        ]
    );
    // …but an index after anything else is an operand: `/` divides
    assert_eq!(
        kinds("fields js.ips[0] / 2"),
        vec![
            ident("fields"),
            ident("js.ips"),
            LBracket,
            Int(0),
            RBracket,
            Slash,
            Int(2)
        ]
    );
}

#[test]
fn list_indexes_and_members_after_them() {
    use TokenKind::*;
    assert_eq!(
        kinds("js.users[1].action.name"),
        vec![
            ident("js.users"),
            LBracket,
            Int(1),
            RBracket,
            Dot,
            ident("action.name")
        ]
    );
    // after an index no word is a keyword, and a member may be digits
    assert_eq!(
        kinds("a[0].in a[0].0"),
        vec![
            ident("a"),
            LBracket,
            Int(0),
            RBracket,
            Dot,
            ident("in"),
            ident("a"),
            LBracket,
            Int(0),
            RBracket,
            Dot,
            ident("0")
        ]
    );
    // a `.` away from an index is what it always was
    assert_eq!(
        kinds("[0] .5"),
        vec![LBracket, Int(0), RBracket, Float(0.5)]
    );
    assert_eq!(
        kinds("verb in[\"get\"]"),
        vec![
            ident("verb"),
            Keyword(self::Keyword::In),
            LBracket,
            Str("get".into()),
            RBracket
        ]
    );
    // a `.` after an index with nothing to name is left to the parser to report
    assert_eq!(
        kinds("a[0]."),
        vec![ident("a"), LBracket, Int(0), RBracket, Dot]
    );
}

#[test]
fn name_segments_keep_a_backticked_segment_whole() {
    assert_eq!(
        name_segments("objectRef.resource"),
        ["objectRef", "resource"]
    );
    assert_eq!(
        name_segments("js.annotations.`authorization.k8s.io/decision`"),
        ["js", "annotations", "authorization.k8s.io/decision"]
    );
    assert_eq!(name_segments("`a.b`.c.`d`"), ["a.b", "c", "d"]);
    assert_eq!(name_segments("@timestamp"), ["@timestamp"]);
}

#[test]
fn comments_run_to_the_end_of_the_line() {
    assert_eq!(
        kinds("# header\nfields a # trailing | not a pipe\n| limit 1 # end"),
        vec![
            ident("fields"),
            ident("a"),
            TokenKind::Pipe,
            ident("limit"),
            TokenKind::Int(1)
        ]
    );
    assert_eq!(kinds("\"# kept\""), vec![TokenKind::Str("# kept".into())]);
}

#[test]
fn spans_are_byte_offsets() {
    let (tokens, _) = lex("fields  é, `x y`");
    let spans: Vec<(usize, usize)> = tokens.iter().map(|t| (t.span.start, t.span.end)).collect();
    assert_eq!(spans, vec![(0, 6), (8, 10), (10, 11), (12, 17)]);
}

#[test]
fn lexical_errors() {
    assert_eq!(
        first_error("\"abc"),
        "unterminated string: add the closing `\"`"
    );
    assert_eq!(
        first_error("'abc\\"),
        "unterminated string: add the closing `'`"
    );
    assert_eq!(
        first_error("`abc"),
        "unterminated field name: add the closing '`'"
    );
    assert_eq!(first_error("``"), "empty field name between backticks");
    assert_eq!(
        first_error("like /abc"),
        "unterminated regex: add the closing `/`"
    );
    assert_eq!(
        first_error("like /abc/i"),
        "regex flags go inside the pattern, as in `/(?i)…/`, not after it"
    );
    assert_eq!(
        first_error("like //"),
        "empty regex: `//` matches everything"
    );
    assert_eq!(
        first_error("bin(5x)"),
        "unknown time unit `x` in `5x`: use ms, s, m, h, d, w, mo, q or y"
    );
    assert_eq!(
        first_error("bin(1.5h)"),
        "a time period takes a whole number, such as `90m`, not `1.5h`"
    );
    assert_eq!(
        first_error("99999999999999999999"),
        "the number 99999999999999999999 is too large"
    );
    assert_eq!(
        first_error("bin(9999999999999999y)"),
        "the time period `9999999999999999y` is too long"
    );
    let (_, errors) = lex("bin(5mins) bin(5mn)");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].suggestion.as_deref(), Some("m"));
}
