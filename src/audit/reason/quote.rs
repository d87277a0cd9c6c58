/// Reads a Go `%q` string at the start of `s`: the unescaped text and what follows it.
pub(crate) fn go_unquote(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    // Bytes, not chars: `\xNN` escapes may spell out UTF-8 (or invalid) sequences.
    let mut out: Vec<u8> = Vec::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((String::from_utf8_lossy(&out).into_owned(), &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let simple = match e {
                    'a' => Some(0x07),
                    'b' => Some(0x08),
                    'f' => Some(0x0c),
                    'n' => Some(b'\n'),
                    'r' => Some(b'\r'),
                    't' => Some(b'\t'),
                    'v' => Some(0x0b),
                    '\\' | '"' | '\'' => Some(e as u8),
                    _ => None,
                };
                if let Some(b) = simple {
                    out.push(b);
                    continue;
                }
                let mut digits = |n: usize, radix: u32| -> Option<u32> {
                    (0..n).try_fold(0u32, |acc, _| {
                        let d = chars.next()?.1.to_digit(radix)?;
                        acc.checked_mul(radix)?.checked_add(d)
                    })
                };
                match e {
                    'x' => out.push(u8::try_from(digits(2, 16)?).ok()?),
                    'u' => push_char(&mut out, char::from_u32(digits(4, 16)?)?),
                    'U' => push_char(&mut out, char::from_u32(digits(8, 16)?)?),
                    '0'..='7' => {
                        let rest = digits(2, 8)?;
                        let first = e.to_digit(8)?;
                        out.push(u8::try_from(first * 64 + rest).ok()?);
                    }
                    _ => return None,
                }
            }
            c => push_char(&mut out, c),
        }
    }
    None
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Byte offsets of every `", "` outside double quotes, brackets and parentheses.
pub(super) fn top_level_commas(s: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut in_quote, mut escaped, mut depth) = (false, false, 0usize);
    for (i, c) in s.char_indices() {
        if in_quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_quote = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_quote = true,
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 && s[i + 1..].starts_with(' ') => out.push(i),
            _ => {}
        }
    }
    out
}

/// `s` cut at each top-level `", "`.
pub(crate) fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for at in top_level_commas(s) {
        parts.push(&s[start..at]);
        start = at + 2;
    }
    parts.push(&s[start..]);
    parts
}
