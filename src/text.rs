//! Making attacker-controlled text safe to show on a terminal.
//!
//! Much of an audit event is written by whoever sent the request: the user agent, the request
//! URI, object names, impersonated users. Printed raw, such text can drive the terminal (clear the
//! screen, set the window title, write the clipboard with OSC 52, plant OSC 8 links), reorder what
//! the reader sees with bidi overrides, or hide itself with invisible characters so that two
//! different names look the same. [`sanitize`] replaces every such character with a visible
//! escape, so the output is inert and still says exactly what was there.
//!
//! # Escapes
//!
//! | input | shown as |
//! |---|---|
//! | LF, CR, TAB | `\n`, `\r`, `\t` |
//! | other C0 controls (U+0000–U+001F, ESC and BEL included) and DEL | `\x1b`, `\x07`, `\x00`, `\x7f`: `\x` and two lowercase hex digits |
//! | C1 controls U+0080–U+009F | `\u{9b}`: `\u{…}` and lowercase hex, as Rust writes it |
//! | bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 | `\u{202e}` |
//! | invisible: soft hyphen U+00AD, U+180E, U+200B–U+200D, U+2060–U+2065, U+206A–U+206F, U+FEFF, U+FFF9–U+FFFB, tag characters U+E0000–U+E007F, Hangul fillers U+115F, U+1160, U+3164, U+FFA0 | `\u{200b}` |
//! | line and paragraph separators U+2028, U+2029 | `\u{2028}` |
//!
//! A backslash is doubled only when it would otherwise be read as the start of an escape: when the
//! next character is `n`, `r`, `t`, `x`, `u` or `\`, or is itself escaped. Every other backslash
//! (`C:\Users`, `\d+`) is left alone, so ordinary text stays as it was. Read back, the output is
//! unambiguous: a `\` followed by one of `n r t x u \` is an escape, and any other `\` is itself.
//!
//! Emoji built with the zero-width joiner (👩‍💻) show it as `\u{200d}`: a joiner that hides a
//! character in a name is the attack, and telling the two apart is not worth the risk.
//!
//! [`truncate_to_width`] counts `char`s, not terminal columns: sanitize first, then truncate.
//! [`fit_columns`] counts terminal columns and keeps each escape whole, for text laid out in
//! columns by hand (the CLI's tables).
//!
//! [`suggest`] finds the known name nearest to a misspelt one, for every "did you mean".

pub mod count;
pub mod suggest;

pub use count::count;

use std::borrow::Cow;

use unicode_width::UnicodeWidthStr;

/// The bytes that may begin something to escape: ASCII controls, DEL and the backslash, plus the
/// UTF-8 lead bytes of every escaped non-ASCII character. Every other byte (most letters, CJK,
/// accents, emoji) is passed over without decoding, which keeps the common case a plain scan.
const LOOK: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[b'\\' as usize] = true;
    // U+0080–U+00BF, U+0600–U+063F, U+1000–U+1FFF, U+2000–U+2FFF, U+3000–U+3FFF,
    // U+F000–U+FFFF, U+C0000–U+FFFFF (the tag characters live in U+E0000–U+E007F).
    t[0xc2] = true;
    t[0xd8] = true;
    t[0xe1] = true;
    t[0xe2] = true;
    t[0xe3] = true;
    t[0xef] = true;
    t[0xf3] = true;
    t
};

/// Whether `c` is shown as an escape rather than as itself.
pub fn is_escaped(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{ad}'
            | '\u{61c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// `s` with every terminal-unsafe character escaped (see the [module docs](self)); borrowed when
/// nothing needed escaping.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    match first_change(s) {
        None => Cow::Borrowed(s),
        Some(at) => {
            let mut out = String::with_capacity(s.len() + 16);
            out.push_str(&s[..at]);
            escape_from(&s[at..], &mut out);
            Cow::Owned(out)
        }
    }
}

/// Appends `s`, sanitized, to `out`: [`sanitize`] without an allocation per call.
pub fn sanitize_into(s: &str, out: &mut String) {
    match first_change(s) {
        None => out.push_str(s),
        Some(at) => {
            out.push_str(&s[..at]);
            escape_from(&s[at..], out);
        }
    }
}

/// JSON text with every terminal-unsafe character written as a JSON escape (`\u001b`,
/// `\u202e`): the same JSON where those characters stood in strings, and valid JSON where raw
/// controls made it invalid. Tabs, line feeds and carriage returns, which JSON allows between
/// tokens, stay. Borrowed when nothing needed escaping.
pub fn json_escape_unsafe(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_escaped(c) && !matches!(c, '\t' | '\n' | '\r');
    let Some(at) = s.find(unsafe_char) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..at]);
    for c in s[at..].chars() {
        if unsafe_char(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` cut to at most `max_chars` chars, the last of them `…` when anything was cut; borrowed
/// when it already fits. Cuts fall on char boundaries; with `max_chars == 0` the result is empty.
pub fn truncate_to_width(s: &str, max_chars: usize) -> Cow<'_, str> {
    // A char is at least one byte, so a short enough string fits without counting.
    if s.len() <= max_chars {
        return Cow::Borrowed(s);
    }
    if max_chars == 0 {
        return Cow::Borrowed("");
    }
    let mut keep = 0;
    for (n, (at, _)) in s.char_indices().enumerate() {
        if n == max_chars - 1 {
            keep = at;
        } else if n == max_chars {
            let mut out = String::with_capacity(keep + '…'.len_utf8());
            out.push_str(&s[..keep]);
            out.push('…');
            return Cow::Owned(out);
        }
    }
    Cow::Borrowed(s)
}

/// The terminal columns `s` takes: wide characters (CJK, most emoji) two, combining marks none.
pub fn columns(s: &str) -> usize {
    s.width()
}

/// Sanitized `s` cut at its end to at most `max` terminal columns, the last of them `…` when
/// anything was cut; borrowed when it already fits. An escape ([`sanitize`]'s `\x1b`,
/// `\u{202e}`, `\n`, `\\`) is kept whole or left out whole: half of one (`\u{20…`) would read as
/// something that was not there.
pub fn fit_columns(s: &str, max: usize) -> Cow<'_, str> {
    if columns(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let budget = max - 1;
    let mut used = 0;
    let mut keep = 0;
    let mut at = 0;
    while at < s.len() {
        let end = at + unit_len(&s[at..]);
        used += columns(&s[at..end]);
        if used > budget {
            break;
        }
        keep = end;
        at = end;
    }
    let mut out = String::with_capacity(keep + '…'.len_utf8());
    out.push_str(&s[..keep]);
    out.push('…');
    Cow::Owned(out)
}

/// The byte length of the first unit of sanitized text: an escape, or one char.
fn unit_len(s: &str) -> usize {
    let b = s.as_bytes();
    let hex_run = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
    match b {
        [b'\\', b'n' | b'r' | b't' | b'\\', ..] => 2,
        [b'\\', b'x', ..] if hex_run(2) >= 2 => 4,
        [b'\\', b'u', b'{', ..] => {
            let digits = hex_run(3);
            if b.get(3 + digits) == Some(&b'}') {
                4 + digits
            } else {
                1
            }
        }
        _ => s.chars().next().map_or(1, char::len_utf8),
    }
}

/// The byte offset of the first char that [`escape_from`] would change, if any.
fn first_change(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if LOOK[usize::from(b)] {
            if b < 0x80 {
                if b != b'\\' || backslash_is_doubled(&s[i + 1..]) {
                    return Some(i);
                }
            } else if s[i..].chars().next().is_some_and(is_escaped) {
                // Every flagged byte of 0x80 and up is a lead byte, so `i` is a char boundary.
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Whether a backslash followed by `rest` must be written `\\` to keep the output unambiguous.
fn backslash_is_doubled(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_some_and(|c| matches!(c, 'n' | 'r' | 't' | 'x' | 'u' | '\\') || is_escaped(c))
}

fn escape_from(s: &str, out: &mut String) {
    for (at, c) in s.char_indices() {
        match c {
            '\\' if backslash_is_doubled(&s[at + 1..]) => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                out.push_str("\\x");
                push_hex(out, u32::from(c), 2);
            }
            c if is_escaped(c) => {
                out.push_str("\\u{");
                push_hex(out, u32::from(c), 1);
                out.push('}');
            }
            c => out.push(c),
        }
    }
}

/// Lowercase hex of `v`, at least `min_digits` long.
fn push_hex(out: &mut String, v: u32, min_digits: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 8];
    let mut n = 0;
    let mut v = v;
    while v > 0 || n < min_digits {
        buf[n] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
        n += 1;
    }
    for &d in buf[..n].iter().rev() {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_keeps_its_meaning_and_loses_its_raw_controls() {
        use super::json_escape_unsafe;
        let raw = "{\"u\":\"a\u{1b}]0;T\u{7}b\u{202e}c\u{9b}d\u{e0041}\",\t\"n\":1}";
        let safe = json_escape_unsafe(raw);
        assert_eq!(
            safe,
            "{\"u\":\"a\\u001b]0;T\\u0007b\\u202ec\\u009bd\\udb40\\udc41\",\t\"n\":1}"
        );
        let v: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(v["u"], "a\u{1b}]0;T\u{7}b\u{202e}c\u{9b}d\u{e0041}");
        assert!(matches!(
            json_escape_unsafe("{\"a\":1}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    use super::*;

    fn owned(s: &str) -> String {
        match sanitize(s) {
            Cow::Owned(o) => o,
            Cow::Borrowed(b) => panic!("{b:?} was borrowed but needed escaping"),
        }
    }

    /// Reads sanitized text back by the rules of the module docs.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.peek().copied() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('x') => {
                    chars.next();
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(char::from(u8::from_str_radix(&hex, 16).unwrap()));
                    continue;
                }
                Some('u') => {
                    chars.next();
                    assert_eq!(chars.next(), Some('{'));
                    let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    continue;
                }
                _ => {
                    out.push('\\');
                    continue;
                }
            }
            chars.next();
        }
        out
    }

    fn assert_inert(input: &str, output: &str) {
        assert!(
            !output.chars().any(is_escaped),
            "{input:?} gave {output:?}, which still holds an unsafe char"
        );
    }

    #[test]
    fn terminal_sequences_are_shown_not_run() {
        assert_eq!(owned("\x1b[2J"), r"\x1b[2J");
        assert_eq!(owned("\x1b]0;pwned\x07"), r"\x1b]0;pwned\x07");
        // OSC 52 asks the terminal to put attacker text on the clipboard.
        assert_eq!(
            owned("\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x1b\\"),
            r"\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x1b\"
        );
        assert_eq!(owned("\x1b]52;c;cHduZWQ=\x07"), r"\x1b]52;c;cHduZWQ=\x07");
        assert_eq!(
            owned("\x1b]8;;https://evil.example\x1b\\kube-system\x1b]8;;\x1b\\"),
            r"\x1b]8;;https://evil.example\x1b\kube-system\x1b]8;;\x1b\"
        );
        // U+009B is CSI in one char on terminals that honour C1 controls.
        assert_eq!(owned("\u{9b}31mred"), r"\u{9b}31mred");
        assert_eq!(owned("a\tb\r\nc\0\x7f"), r"a\tb\r\nc\x00\x7f");
    }

    #[test]
    fn bidi_and_invisible_characters_are_made_visible() {
        assert_eq!(owned("admin\u{202e}txt.exe"), r"admin\u{202e}txt.exe");
        assert_eq!(owned("sys\u{200d}tem:masters"), r"sys\u{200d}tem:masters");
        assert_eq!(owned("\u{feff}x\u{ad}y"), r"\u{feff}x\u{ad}y");
        assert_eq!(owned("a\u{2028}b\u{2029}"), r"a\u{2028}b\u{2029}");
        assert_eq!(
            owned("\u{e0041}\u{3164}\u{61c}"),
            r"\u{e0041}\u{3164}\u{61c}"
        );
        for c in [
            '\u{200b}', '\u{200c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{2060}', '\u{2064}',
            '\u{2066}', '\u{2069}', '\u{180e}', '\u{115f}', '\u{ffa0}', '\u{fffb}',
        ] {
            assert!(is_escaped(c), "{c:?}");
            assert_eq!(owned(&c.to_string()), format!("\\u{{{:x}}}", u32::from(c)));
        }
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "",
            "kubectl/v1.31.0 (darwin/arm64) kubernetes/abc1234",
            "ñandú",
            "日本語のテキスト、カタカナ",
            "集群管理员",
            "emoji ❤️ 👩 stays",
            "system:serviceaccount:kube-system:aws-node",
            r"C:\Users\admin and \d+ and a trailing \",
        ] {
            assert!(matches!(sanitize(s), Cow::Borrowed(b) if b == s), "{s:?}");
            let mut out = String::from(">");
            sanitize_into(s, &mut out);
            assert_eq!(out, format!(">{s}"));
        }
    }

    #[test]
    fn a_backslash_is_doubled_only_where_it_could_read_as_an_escape() {
        assert_eq!(owned(r"literal \n"), r"literal \\n");
        assert_eq!(owned(r"\x1b"), r"\\x1b");
        assert_eq!(owned(r"\u{202e}"), r"\\u{202e}");
        assert_eq!(owned(r"\\"), r"\\\");
        assert_eq!(owned("\\\x1b"), r"\\\x1b");
        assert_eq!(owned(r"C:\Users\x"), r"C:\Users\\x");
        for s in [r"\n", r"\\", "\\\x1b", r"a\\\b", "\\\u{202e}\\", r"\u{41}"] {
            assert_eq!(unescape(&owned(s)), s);
        }
    }

    #[test]
    fn sanitize_into_appends() {
        let mut out = String::from("ua=");
        sanitize_into("curl\x1b[0m", &mut out);
        sanitize_into(" ok", &mut out);
        assert_eq!(out, r"ua=curl\x1b[0m ok");
    }

    #[test]
    fn truncation_cuts_on_char_boundaries() {
        assert!(matches!(truncate_to_width("abc", 3), Cow::Borrowed("abc")));
        assert!(matches!(truncate_to_width("ñandú", 5), Cow::Borrowed(_)));
        assert_eq!(truncate_to_width("abcdef", 4), "abc…");
        assert_eq!(truncate_to_width("ñandú ñandú", 6), "ñandú…");
        assert_eq!(truncate_to_width("日本語テキスト", 3), "日本…");
        assert_eq!(truncate_to_width("abc", 1), "…");
        assert_eq!(truncate_to_width("abc", 0), "");
        assert_eq!(truncate_to_width("", 0), "");
    }

    #[test]
    fn fitting_counts_columns_and_keeps_escapes_whole() {
        assert!(matches!(fit_columns("abc", 3), Cow::Borrowed("abc")));
        assert_eq!(fit_columns("abcdef", 4), "abc…");
        assert_eq!(fit_columns("日本語テキスト", 6), "日本…");
        assert_eq!(fit_columns("日本語テキスト", 7), "日本語…");
        assert_eq!(columns("日本語"), 6);
        assert_eq!(fit_columns("abc", 1), "…");
        assert_eq!(fit_columns("abc", 0), "");
        // Every kind of escape is whole or gone.
        for (text, max, fitted) in [
            (r"ab\x1bcd", 4, "ab…"),
            (r"ab\x1bcd", 7, r"ab\x1b…"),
            (r"ab\u{202e}cd", 9, "ab…"),
            (r"ab\u{202e}cd", 11, r"ab\u{202e}…"),
            (r"ab\ncd", 3, "ab…"),
            (r"ab\\ncd", 4, "ab…"),
            (r"ab\\ncd", 5, r"ab\\…"),
            (r"C:\Users", 4, r"C:\…"),
        ] {
            assert_eq!(fit_columns(text, max), fitted, "{text} in {max}");
            assert!(columns(&fit_columns(text, max)) <= max);
        }
        // Cut anywhere, sanitized text ends where an escape or a character ends.
        let hostile = sanitize("a\u{1b}]0;x\u{7}\u{202e}b\\nc\t日");
        let mut ends = vec![0];
        while let Some(&at) = ends.last().filter(|at| **at < hostile.len()) {
            ends.push(at + unit_len(&hostile[at..]));
        }
        assert_eq!(ends.len(), 15, "{hostile}: {ends:?}");
        for max in 0..=columns(&hostile) {
            let fitted = fit_columns(&hostile, max);
            assert!(columns(&fitted) <= max);
            let kept = fitted.strip_suffix('…').unwrap_or(&fitted);
            assert!(hostile.starts_with(kept));
            assert!(ends.contains(&kept.len()), "{fitted}");
        }
    }

    /// A small xorshift generator, so the property test needs no crate and always sees the same
    /// strings.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn no_generated_string_keeps_an_unsafe_char_and_all_read_back() {
        // Every class of unsafe char with its neighbours, the escape letters, and plain text.
        let pool: Vec<char> = ('\u{0}'..='\u{a0}')
            .chain('\u{ab}'..='\u{ae}')
            .chain([
                '\u{61b}', '\u{61c}', '\u{61d}', '\u{115e}', '\u{115f}', '\u{1160}',
            ])
            .chain('\u{180d}'..='\u{180f}')
            .chain('\u{2009}'..='\u{2070}')
            .chain([
                '\u{3163}', '\u{3164}', '\u{30ab}', '\u{fe0f}', '\u{feff}', '\u{ffa0}',
            ])
            .chain('\u{fff8}'..='\u{fffd}')
            .chain([
                '\u{e0000}',
                '\u{e0041}',
                '\u{e007f}',
                '\u{e0080}',
                '\u{1f469}',
            ])
            .chain("nrtxu{}\\ñ日".chars())
            .collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = String::new();
        for _ in 0..20_000 {
            let len = (rng.next() % 12) as usize;
            let s: String = (0..len)
                .map(|_| pool[(rng.next() % pool.len() as u64) as usize])
                .collect();
            let clean = sanitize(&s);
            assert_inert(&s, &clean);
            assert_eq!(unescape(&clean), s, "{s:?} → {clean:?} does not read back");
            if matches!(clean, Cow::Borrowed(_)) {
                assert_eq!(clean, s);
            }
            out.clear();
            sanitize_into(&s, &mut out);
            assert_eq!(out, clean);
            let cut = truncate_to_width(&clean, (rng.next() % 8) as usize);
            assert_inert(&s, &cut);
        }
    }
}
