//! A small pull scanner over JSON text that borrows from its input and skips what nobody asked
//! for.
//!
//! Decoding an audit event with a general JSON parser builds every `requestObject` and
//! `responseObject` only to throw it away. This scanner lets the decoder read the few members a
//! view needs and jump over the rest by tracking nothing but string boundaries and nesting depth.
//! Skipped values are checked for balance, not for full JSON validity; members that are read are
//! checked strictly.

use std::borrow::Cow;
use std::ops::ControlFlow;

use super::{skip, unescape};

/// Why scanning stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanError {
    /// The input ended inside a value: the text was cut short.
    Eof,
    /// The text is not JSON at byte `at`.
    Syntax { at: usize, msg: Cow<'static, str> },
    /// A member the caller reads holds the wrong kind of value.
    WrongType {
        at: usize,
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
}

pub(crate) type Scan<T> = Result<T, ScanError>;

/// The kind of JSON value that starts at a byte, for type errors.
pub(crate) fn kind_name(first: u8) -> &'static str {
    match first {
        b'"' => "a string",
        b'{' => "an object",
        b'[' => "an array",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => "not JSON",
    }
}

pub(crate) struct Scanner<'a> {
    src: &'a str,
    b: &'a [u8],
    pub pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(src: &'a str) -> Self {
        Scanner {
            src,
            b: src.as_bytes(),
            pos: 0,
        }
    }

    pub fn syntax<T>(&self, at: usize, msg: impl Into<Cow<'static, str>>) -> Scan<T> {
        Err(ScanError::Syntax {
            at,
            msg: msg.into(),
        })
    }

    /// The input between two positions.
    pub fn text(&self, range: std::ops::Range<usize>) -> &'a str {
        &self.src[range]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    pub fn skip_ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next non-blank byte, without consuming it.
    pub fn peek(&mut self) -> Scan<u8> {
        self.skip_ws();
        self.b.get(self.pos).copied().ok_or(ScanError::Eof)
    }

    pub fn expect(&mut self, c: u8, what: &'static str) -> Scan<()> {
        if self.peek()? == c {
            self.pos += 1;
            Ok(())
        } else {
            self.syntax(self.pos, what)
        }
    }

    /// Reads a string value; borrowed unless it holds escapes.
    pub fn string(&mut self) -> Scan<Cow<'a, str>> {
        let (start, first) = self.string_start()?;
        if self.b[first] == b'"' {
            self.pos = first + 1;
            return Ok(Cow::Borrowed(&self.src[start..first]));
        }
        let (text, end) = unescape::escaped::<String>(self.src, start, first).map_err(bad)?;
        self.pos = end;
        Ok(Cow::Owned(text))
    }

    /// [`Self::string`] as bytes, for a caller that checks them itself: the text of an event
    /// held as a string goes to the decoder, which checks it is UTF-8 anyway.
    pub fn string_bytes(&mut self) -> Scan<Cow<'a, [u8]>> {
        let (start, first) = self.string_start()?;
        if self.b[first] == b'"' {
            self.pos = first + 1;
            return Ok(Cow::Borrowed(&self.b[start..first]));
        }
        let (text, end) = unescape::escaped::<Vec<u8>>(self.src, start, first).map_err(bad)?;
        self.pos = end;
        Ok(Cow::Owned(text))
    }

    /// Past a string's opening quote: where its text starts, and its first quote or backslash.
    #[inline]
    fn string_start(&mut self) -> Scan<(usize, usize)> {
        self.expect(b'"', "expected a string")?;
        let start = self.pos;
        let first = skip::quote_or_backslash(self.b, start).ok_or(ScanError::Eof)?;
        Ok((start, first))
    }

    fn skip_string(&mut self) -> Scan<()> {
        let (end, _) = skip::string_end(self.b, self.pos).ok_or(ScanError::Eof)?;
        self.pos = end;
        Ok(())
    }

    /// Skips one value of any kind and returns its raw text.
    pub fn raw_value(&mut self) -> Scan<&'a str> {
        let first = self.peek()?;
        let start = self.pos;
        match first {
            b'"' => self.skip_string()?,
            b'{' | b'[' => self.skip_nested()?,
            b't' => self.literal("true")?,
            b'f' => self.literal("false")?,
            b'n' => self.literal("null")?,
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => return self.syntax(start, "expected a JSON value"),
        }
        Ok(&self.src[start..self.pos])
    }

    /// Skips one value of any kind.
    pub fn skip_value(&mut self) -> Scan<()> {
        self.raw_value().map(|_| ())
    }

    /// Skips an object or array, many bytes at a time (see [`skip::container_end`]).
    fn skip_nested(&mut self) -> Scan<()> {
        let open = self.b[self.pos];
        let close = if open == b'{' { b'}' } else { b']' };
        self.pos = skip::container_end(self.b, self.pos, open, close, 0).ok_or(ScanError::Eof)?;
        Ok(())
    }

    fn literal(&mut self, word: &'static str) -> Scan<()> {
        let end = self.pos + word.len();
        match self.b.get(self.pos..end) {
            Some(got) if got == word.as_bytes() => {
                self.pos = end;
                Ok(())
            }
            // A literal cut by the end of the input is a truncation, not a typo.
            None if word.as_bytes().starts_with(&self.b[self.pos..]) => Err(ScanError::Eof),
            _ => self.syntax(self.pos, "invalid literal"),
        }
    }

    fn skip_number(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                break;
            }
            self.pos += 1;
        }
    }

    /// Reads an integer; a float with an integral value is accepted, as are digits in a string
    /// (lenient, as readers of hand-edited logs expect).
    pub fn integer(&mut self) -> Scan<i64> {
        let start = self.pos;
        if self.peek()? == b'"' {
            let s = self.string()?;
            return s
                .trim()
                .parse()
                .or_else(|_| self.syntax(start, "expected an integer"));
        }
        self.skip_number();
        if self.pos == self.b.len() {
            return Err(ScanError::Eof);
        }
        let text = &self.src[start..self.pos];
        if let Ok(v) = text.parse::<i64>() {
            return Ok(v);
        }
        match text.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => self.syntax(start, "expected an integer"),
        }
    }

    /// Is the next value `null`? Consumes it if so.
    pub fn null(&mut self) -> Scan<bool> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Calls `f` for each member of an object, with the scanner positioned at the value; `f`
    /// must consume the value.
    pub fn members(&mut self, mut f: impl FnMut(&mut Self, Cow<'a, str>) -> Scan<()>) -> Scan<()> {
        self.members_until(|s, key| f(s, key).map(|()| ControlFlow::Continue(())))
    }

    /// [`Self::members`], stopping where `f` breaks: the rest of the object is not read (a
    /// member found before a long one, such as a record's `properties.log`, costs no more).
    pub fn members_until(
        &mut self,
        mut f: impl FnMut(&mut Self, Cow<'a, str>) -> Scan<ControlFlow<()>>,
    ) -> Scan<()> {
        self.expect(b'{', "expected an object")?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':', "expected ':' after an object key")?;
            self.skip_ws();
            if f(self, key)?.is_break() {
                return Ok(());
            }
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    if self.peek()? != b'"' {
                        return self.syntax(self.pos, "expected an object key");
                    }
                }
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.syntax(self.pos, "expected ',' or '}' in an object"),
            }
        }
    }

    /// Calls `f` for each element of an array, with the scanner positioned at the element.
    pub fn elements(&mut self, mut f: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.expect(b'[', "expected an array")?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.syntax(self.pos, "expected ',' or ']' in an array"),
            }
        }
    }
}

/// A string that could not be read, as the scanner says it.
fn bad(e: unescape::Bad) -> ScanError {
    match e {
        unescape::Bad::Eof => ScanError::Eof,
        unescape::Bad::Syntax { at, msg } => ScanError::Syntax {
            at,
            msg: Cow::Borrowed(msg),
        },
    }
}

/// The same JSON with the blanks between tokens removed (strings untouched), so a
/// pretty-printed event fits on one line without re-encoding anything.
pub fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_unless_escaped() {
        let mut s = Scanner::new(r#""plain" "a\"b\\c\u00e9\ud83d\ude00\n""#);
        assert!(matches!(s.string().unwrap(), Cow::Borrowed("plain")));
        let v = s.string().unwrap();
        assert!(matches!(v, Cow::Owned(_)));
        assert_eq!(v, "a\"b\\cé😀\n");
        assert!(s.peek().is_err());
    }

    #[test]
    fn an_event_held_as_a_string_reads_back_byte_for_byte() {
        // As an AKS record holds its event: every quote escaped, a backslash before a quote, a
        // `\u0026` as the API server writes `&`, and text after the last escape.
        let event = r#"{"requestURI":"/x?a=1\u0026b=2","path":"C:\\tmp\\","k":"\"q\""}"#;
        let held = format!(
            "\"{}\" next",
            event.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let mut s = Scanner::new(&held);
        assert_eq!(s.string().unwrap(), event);
        assert_eq!(&held[s.pos..], " next");
        // An escape cut off, and one that is not JSON's.
        assert!(Scanner::new(r#""a\"#).string().is_err());
        assert!(Scanner::new(r#""a\qb""#).string().is_err());
    }

    #[test]
    fn escaped_strings_read_as_serde_reads_them_at_every_offset() {
        // Strings dense in escapes (runs of backslashes, quotes, `\u` surrogate pairs, control
        // characters, multi-byte text), placed across block boundaries: the block reader must
        // agree with serde_json on the text and stop after the closing quote.
        let pieces = [
            "a",
            "\"",
            "\\",
            "\\\\\"",
            "/",
            "é",
            "😀",
            "\n",
            "\t",
            "\u{1}",
            "{\"k\":\"v\"}",
            "xyz",
        ];
        let mut s = 0x3c6e_f372_fe94_f82bu64;
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..(s % 90) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                text.push_str(pieces[(s % pieces.len() as u64) as usize]);
            }
            let mut json = serde_json::to_string(&text).unwrap();
            // Some characters written as `\uXXXX`, as other encoders do.
            if round % 3 == 0 {
                json = json.replace('é', "\\u00e9").replace('😀', "\\ud83d\\ude00");
            }
            let pad = "p".repeat(round % 70);
            let held = format!("\"{pad}\\/{} ,", &json[1..]);
            let want: String = serde_json::from_str(&held[..held.len() - 2]).unwrap();
            let mut scanner = Scanner::new(&held);
            assert_eq!(scanner.string().unwrap(), want, "{held}");
            assert_eq!(&held[scanner.pos..], " ,", "{held}");
            let mut scanner = Scanner::new(&held);
            assert_eq!(scanner.string_bytes().unwrap(), want.as_bytes(), "{held}");
            assert_eq!(&held[scanner.pos..], " ,", "{held}");
            // Cut anywhere inside, it is a truncation.
            let cut = &held[..held.floor_char_boundary(held.len() - 3 - (round % 7))];
            assert_eq!(Scanner::new(cut).string(), Err(ScanError::Eof), "{cut}");
            assert_eq!(
                Scanner::new(cut).string_bytes(),
                Err(ScanError::Eof),
                "{cut}"
            );
        }
    }

    #[test]
    fn skips_nested_values_with_tricky_strings() {
        let text = r#"{"a":[1,{"b":"}]\"{"}],"c":null} tail"#;
        let mut s = Scanner::new(text);
        let raw = s.raw_value().unwrap();
        assert_eq!(raw, r#"{"a":[1,{"b":"}]\"{"}],"c":null}"#);
    }

    #[test]
    fn cut_input_is_eof_not_syntax() {
        for cut in [
            r#"{"a":"xy"#,
            r#"{"a":[1,2"#,
            r#"{"a":tr"#,
            r#""abc\"#,
            r#"{"a":"\u00"#,
        ] {
            let mut s = Scanner::new(cut);
            assert_eq!(s.skip_value(), Err(ScanError::Eof), "{cut}");
        }
    }

    #[test]
    fn compacting_keeps_strings_intact() {
        let pretty = "{\n  \"a\" : [ 1, 2 ],\n  \"b\": \"x  y \\\" }\"\n}";
        assert_eq!(compact(pretty), r#"{"a":[1,2],"b":"x  y \" }"}"#);
    }

    #[test]
    fn members_and_elements() {
        let mut s = Scanner::new(r#"{"x": [ "a" , "b" ], "y" : 7 }"#);
        let mut got = Vec::new();
        s.members(|s, k| {
            if k == "x" {
                s.elements(|s| {
                    got.push(s.string()?.into_owned());
                    Ok(())
                })
            } else {
                got.push(s.integer()?.to_string());
                Ok(())
            }
        })
        .unwrap();
        assert_eq!(got, ["a", "b", "7"]);
    }

    #[test]
    fn syntax_errors_carry_positions() {
        let mut s = Scanner::new(r#"{"a" 1}"#);
        let err = s.members(|s, _| s.skip_value()).unwrap_err();
        assert_eq!(
            err,
            ScanError::Syntax {
                at: 5,
                msg: "expected ':' after an object key".into()
            }
        );
    }
}
