//! Writing JSON text straight into a reused byte buffer: strings escaped the way the API server's
//! Go encoder escapes them, numbers, RFC 3339 times and UUIDs, with no allocation per value.

/// What a byte needs inside a JSON string, as every encoder escapes it: 0 copy as is; b'u'
/// `\u00XX`; anything else: a backslash and that byte.
const fn common_escapes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
}

/// The escapes of Go's `encoding/json`, which writes the audit log.
const GO_ESCAPE: [u8; 256] = {
    let mut table = common_escapes();
    // Go escapes these three so JSON can be embedded in HTML; real audit logs show
    // `\u0026` in every requestURI with a query string.
    table[b'<' as usize] = b'u';
    table[b'>' as usize] = b'u';
    table[b'&' as usize] = b'u';
    table
};

/// The escapes of Python's `json.dumps(ensure_ascii=False)`, which is how the AWS CLI prints a
/// CloudWatch message.
const PY_ESCAPE: [u8; 256] = {
    let mut table = common_escapes();
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appending JSON pieces to a byte buffer.
pub(crate) trait JsonOut {
    /// Bytes known to be valid JSON in place (punctuation, keys, pre-built fragments).
    fn raw(&mut self, s: &str);
    /// A quoted JSON string, escaped as the API server escapes it.
    fn str(&mut self, s: &str);
    /// The body of a JSON string (no quotes), escaped as the API server escapes it.
    fn str_body(&mut self, s: &str) {
        self.bytes_body(s.as_bytes());
    }
    /// The same for text held as bytes (always UTF-8 here).
    fn bytes_body(&mut self, s: &[u8]);
    /// The body of a JSON string, escaped as Python's `json.dumps` escapes it.
    fn py_str_body(&mut self, s: &[u8]);
    fn num(&mut self, n: u64);
    /// `2026-11-02T08:15:31.123456Z`
    fn time_micros(&mut self, micros: i64);
    /// `2026-11-02T08:15:31Z`
    fn time_secs(&mut self, micros: i64);
    /// A version-4-looking UUID made of the given bits.
    fn uuid(&mut self, bits: u128);
    /// The low `digits` hex digits of `value`, most significant first.
    fn hex(&mut self, value: u128, digits: usize);
}

impl JsonOut for Vec<u8> {
    fn raw(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    fn str(&mut self, s: &str) {
        self.push(b'"');
        self.str_body(s);
        self.push(b'"');
    }

    fn bytes_body(&mut self, bytes: &[u8]) {
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let esc = GO_ESCAPE[b as usize];
            if esc != 0 {
                self.extend_from_slice(&bytes[start..i]);
                push_escape(self, b, esc);
                start = i + 1;
            } else if b == 0xe2 && i + 2 < bytes.len() && bytes[i + 1] == 0x80 {
                // U+2028 and U+2029 break JavaScript string literals, so Go escapes them too.
                let third = bytes[i + 2];
                if third == 0xa8 || third == 0xa9 {
                    self.extend_from_slice(&bytes[start..i]);
                    self.extend_from_slice(if third == 0xa8 {
                        b"\\u2028"
                    } else {
                        b"\\u2029"
                    });
                    i += 3;
                    start = i;
                    continue;
                }
            }
            i += 1;
        }
        self.extend_from_slice(&bytes[start..]);
    }

    fn py_str_body(&mut self, bytes: &[u8]) {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc = PY_ESCAPE[b as usize];
            if esc != 0 {
                self.extend_from_slice(&bytes[start..i]);
                push_escape(self, b, esc);
                start = i + 1;
            }
        }
        self.extend_from_slice(&bytes[start..]);
    }

    fn num(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.extend_from_slice(&digits[at..]);
    }

    fn time_micros(&mut self, micros: i64) {
        push_date_time(self, micros.div_euclid(1_000_000));
        self.push(b'.');
        let frac = micros.rem_euclid(1_000_000) as u32;
        push_padded(self, frac, 6);
        self.push(b'Z');
    }

    fn time_secs(&mut self, micros: i64) {
        push_date_time(self, micros.div_euclid(1_000_000));
        self.push(b'Z');
    }

    fn uuid(&mut self, bits: u128) {
        // Version 4, variant 10xx, like the UUIDs the API server gives audit IDs and objects.
        let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
        let mut text = [0u8; 36];
        let mut shift = 128;
        let mut at = 0;
        for group in [8usize, 4, 4, 4, 12] {
            if at > 0 {
                text[at] = b'-';
                at += 1;
            }
            for _ in 0..group {
                shift -= 4;
                text[at] = HEX[((bits >> shift) & 0xf) as usize];
                at += 1;
            }
        }
        self.extend_from_slice(&text);
    }

    fn hex(&mut self, value: u128, digits: usize) {
        for i in (0..digits).rev() {
            let nibble = if i < 32 { (value >> (i * 4)) & 0xf } else { 0 };
            self.push(HEX[nibble as usize]);
        }
    }
}

fn push_escape(out: &mut Vec<u8>, b: u8, esc: u8) {
    if esc == b'u' {
        out.extend_from_slice(b"\\u00");
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 0xf) as usize]);
    } else {
        out.push(b'\\');
        out.push(esc);
    }
}

fn push_padded(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut v = value;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

/// `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch (UTC).
fn push_date_time(out: &mut Vec<u8>, secs: i64) {
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    push_padded(out, y.clamp(0, 9999) as u32, 4);
    out.push(b'-');
    push_padded(out, m, 2);
    out.push(b'-');
    push_padded(out, d, 2);
    out.push(b'T');
    push_padded(out, in_day / 3600, 2);
    out.push(b':');
    push_padded(out, in_day / 60 % 60, 2);
    out.push(b':');
    push_padded(out, in_day % 60, 2);
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after Howard Hinnant's
/// `civil_from_days`: a handful of integer operations, so a million timestamps cost nothing.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_like_go() {
        assert_eq!(
            text(|o| o.str("a&b<c>\"d\\e\nf\u{1}\u{2028}é")),
            r#""a\u0026b\u003cc\u003e\"d\\e\nf\u0001\u2028é""#
        );
        let parsed: String =
            serde_json::from_str(&text(|o| o.str("?x=1&y=2 \"q\" \u{7}"))).unwrap();
        assert_eq!(parsed, "?x=1&y=2 \"q\" \u{7}");
    }

    #[test]
    fn python_escaping_round_trips() {
        let inner = r#"{"a":"x\u0026y","b":"q\"r"}"#;
        let outer = text(|o| {
            o.push(b'"');
            o.py_str_body(inner.as_bytes());
            o.push(b'"');
        });
        let back: String = serde_json::from_str(&outer).unwrap();
        assert_eq!(back, inner);
    }

    #[test]
    fn numbers_and_hex() {
        assert_eq!(text(|o| o.num(0)), "0");
        assert_eq!(text(|o| o.num(u64::MAX)), "18446744073709551615");
        assert_eq!(text(|o| o.hex(0xbeef, 6)), "00beef");
    }

    #[test]
    fn times_match_jiff() {
        for micros in [
            0i64,
            1_793_599_200_000_000,
            1_793_613_600_123_456,
            951_782_400_000_001, // 2000-02-29
            4_107_542_399_999_999,
        ] {
            let ts = jiff::Timestamp::from_microsecond(micros).unwrap();
            let expect = ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string();
            assert_eq!(text(|o| o.time_micros(micros)), expect);
            let expect_secs = ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(text(|o| o.time_secs(micros)), expect_secs);
        }
    }

    #[test]
    fn uuids_look_like_version_4() {
        let u = text(|o| o.uuid(u128::MAX));
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let u = text(|o| o.uuid(0));
        assert_eq!(u, "00000000-0000-4000-8000-000000000000");
    }
}
