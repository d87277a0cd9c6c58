//! Byte-level moves over raw JSON for the event decoder and the field resolver: find where a
//! string or a whole value ends without decoding it.
//!
//! Most of an audit event's bytes sit in values no query asks for (`user.extra`,
//! `requestObject`, `responseObject`), so skipping them is the hot loop. Containers are skipped
//! 64 bytes at a time: bit masks of quotes, backslashes and brackets, a prefix XOR of the
//! unescaped quotes to tell which bytes are inside strings, and only the brackets outside
//! strings are looked at one by one. Values are checked for balance, not for full validity.

/// Blanks JSON allows between tokens.
#[inline]
pub(crate) fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while let Some(&c) = b.get(pos) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        pos += 1;
    }
    pos
}

/// The end of the string whose opening quote is at `pos`: the index after the closing quote,
/// and whether the string holds escapes.
#[inline]
pub(crate) fn string_end(b: &[u8], pos: usize) -> Option<(usize, bool)> {
    let mut i = pos + 1;
    let mut escaped = false;
    loop {
        i = quote_or_backslash(b, i)?;
        if b[i] == b'"' {
            return Some((i + 1, escaped));
        }
        escaped = true;
        i += 2;
    }
}

/// The next `"` or `\` at or after `i`. Most strings of an audit event are short, so the
/// first bytes are tested in a register before handing long ones to memchr.
#[inline(always)]
pub(crate) fn quote_or_backslash(b: &[u8], i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    let found = sse2::quote_or_backslash(b, i);
    #[cfg(not(target_arch = "x86_64"))]
    let found = quote_or_backslash_swar(b, i);
    found
}

/// [`quote_or_backslash`], eight bytes at a time in a general register.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn quote_or_backslash_swar(b: &[u8], mut i: usize) -> Option<usize> {
    const QUOTES: u64 = LOW_BITS * b'"' as u64;
    const BACKSLASHES: u64 = LOW_BITS * b'\\' as u64;
    for _ in 0..4 {
        let Some(bytes) = b.get(i..i + 8) else { break };
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        let w = u64::from_le_bytes(le);
        let hits = zero_bytes(w ^ QUOTES) | zero_bytes(w ^ BACKSLASHES);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr2(b'"', b'\\', b.get(i..)?).map(|k| i + k)
}

/// 0x80 in each byte of `w` that is zero, nothing elsewhere (exact: no carry crosses bytes).
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((w & LOW7).wrapping_add(LOW7)) | w | LOW7)
}

/// The end of the value that starts at `pos` (no blanks before it).
#[inline]
pub(crate) fn value_end(b: &[u8], pos: usize) -> Option<usize> {
    match *b.get(pos)? {
        b'"' => string_end(b, pos).map(|(end, _)| end),
        b'{' => container_end(b, pos, b'{', b'}', 0),
        b'[' => container_end(b, pos, b'[', b']', 0),
        _ => Some(scalar_end(b, pos)),
    }
}

/// The end of a number or a literal (`true`, `false`, `null`).
#[inline]
pub(crate) fn scalar_end(b: &[u8], mut pos: usize) -> usize {
    while let Some(&c) = b.get(pos) {
        if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        pos += 1;
    }
    pos
}

pub(crate) const BLOCK: usize = 64;
const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The block of input at `pos`; the last, partial one padded in `tail` with blanks, which
/// are no quote, backslash or bracket and change nothing. `None` at the end of the input.
#[inline(always)]
pub(crate) fn block_at<'b>(
    b: &'b [u8],
    pos: usize,
    tail: &'b mut [u8; BLOCK],
) -> Option<&'b [u8; BLOCK]> {
    match b.get(pos..).and_then(<[u8]>::first_chunk) {
        Some(chunk) => Some(chunk),
        None if pos < b.len() => {
            let rest = &b[pos..];
            tail[..rest.len()].copy_from_slice(rest);
            tail[rest.len()..].fill(b' ');
            Some(tail)
        }
        None => None,
    }
}

/// Scans from `pos` (outside any string) at nesting `depth` of `open`/`close` and returns the
/// index after the bracket that closes depth 0. Called at an opening bracket with `depth` 0 it
/// skips that container; called just inside one with `depth` 1 it skips the rest of it. Only
/// `open` and `close` are counted: in valid JSON the other kind of bracket is balanced inside.
pub(crate) fn container_end(
    b: &[u8],
    mut pos: usize,
    open: u8,
    close: u8,
    mut depth: usize,
) -> Option<usize> {
    // Carried from block to block: whether the block starts inside a string (all ones) and
    // whether its first byte is escaped by a backslash at the end of the previous block.
    let mut in_string = 0u64;
    let mut prev_escaped = 0u64;
    let mut tail = [b' '; BLOCK];
    while let Some(chunk) = block_at(b, pos, &mut tail) {
        let masks = block_masks(chunk, open, close);
        let escaped = if masks.backslashes == 0 {
            let e = prev_escaped;
            prev_escaped = 0;
            e
        } else {
            find_escaped(masks.backslashes, &mut prev_escaped)
        };
        let quotes = masks.quotes & !escaped;
        let inside = prefix_xor(quotes) ^ in_string;
        in_string = 0u64.wrapping_sub(inside >> 63);
        // Most blocks of a string-heavy object hold no bracket at all.
        if masks.brackets != 0 {
            let mut brackets = masks.brackets & !inside;
            while brackets != 0 {
                let bit = brackets.trailing_zeros() as usize;
                brackets &= brackets - 1;
                if chunk[bit] == open {
                    depth += 1;
                } else {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(pos + bit + 1);
                    }
                }
            }
        }
        pos += BLOCK;
    }
    None
}

/// The quotes and the backslashes of a block, one bit per byte: what reading a string with
/// escapes 64 bytes at a time needs (see `json::Scanner::string`).
#[inline]
pub(crate) fn string_masks(chunk: &[u8; BLOCK]) -> (u64, u64) {
    let masks = block_masks(chunk, b'"', b'"');
    (masks.quotes, masks.backslashes)
}

/// The lowest bit of every byte.
pub(crate) const LOW_BITS: u64 = 0x0101_0101_0101_0101;

/// One bit per byte of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    quotes: u64,
    backslashes: u64,
    /// `open` or `close`.
    brackets: u64,
}

#[inline(always)]
fn block_masks(chunk: &[u8; BLOCK], open: u8, close: u8) -> Masks {
    #[cfg(target_arch = "x86_64")]
    let masks = sse2::block_masks(chunk, open, close);
    #[cfg(not(target_arch = "x86_64"))]
    let masks = block_masks_portable(chunk, open, close);
    masks
}

/// [`block_masks`] with no instruction of a particular processor.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn block_masks_portable(chunk: &[u8; BLOCK], open: u8, close: u8) -> Masks {
    let words = classify(chunk, open, close);
    let any = words.iter().fold(0, |a, w| a | w);
    let some = |bit: u32| any & (LOW_BITS << bit) != 0;
    Masks {
        quotes: if some(0) { gather(&words, 0) } else { 0 },
        backslashes: if some(1) { gather(&words, 1) } else { 0 },
        brackets: if some(2) { gather(&words, 2) } else { 0 },
    }
}

/// The byte searches of the hot loops with SSE2, which every x86_64 processor has: compared 16
/// bytes at a time, the matches gathered into a mask by one instruction (`pmovmskb`), which the
/// compiler does not find by itself in the portable versions.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };

    use super::{BLOCK, Masks};

    /// Strings longer than this many 16-byte steps are left to memchr.
    const STEPS: usize = 4;

    #[inline(always)]
    pub(super) fn quote_or_backslash(b: &[u8], i: usize) -> Option<usize> {
        // SAFETY: the function only needs SSE2, which the x86_64 architecture includes: every
        // x86_64 processor has it, and Rust's x86_64 targets enable it.
        #[allow(unsafe_code)]
        unsafe {
            find_quote_or_backslash(b, i)
        }
    }

    #[inline(always)]
    pub(super) fn block_masks(chunk: &[u8; BLOCK], open: u8, close: u8) -> Masks {
        // SAFETY: as for `quote_or_backslash`, SSE2 alone.
        #[allow(unsafe_code)]
        unsafe {
            masks(chunk, open, close)
        }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn find_quote_or_backslash(b: &[u8], mut i: usize) -> Option<usize> {
        let (quote, backslash) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8));
        for _ in 0..STEPS {
            let Some(bytes) = b.get(i..i + 16) else { break };
            let v = load(bytes);
            let hits = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
            let mask = _mm_movemask_epi8(hits);
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
        memchr::memchr2(b'"', b'\\', b.get(i..)?).map(|k| i + k)
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    fn masks(chunk: &[u8; BLOCK], open: u8, close: u8) -> Masks {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let (open, close) = (_mm_set1_epi8(open as i8), _mm_set1_epi8(close as i8));
        let mut out = Masks {
            quotes: 0,
            backslashes: 0,
            brackets: 0,
        };
        for (k, bytes) in chunk.chunks_exact(16).enumerate() {
            let v = load(bytes);
            let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (16 * k);
            out.quotes |= bits(_mm_cmpeq_epi8(v, quote));
            out.backslashes |= bits(_mm_cmpeq_epi8(v, backslash));
            out.brackets |= bits(_mm_or_si128(
                _mm_cmpeq_epi8(v, open),
                _mm_cmpeq_epi8(v, close),
            ));
        }
        out
    }

    /// 16 bytes into a register, without a pointer (the compiler makes it one load).
    #[target_feature(enable = "sse2")]
    #[inline]
    fn load(bytes: &[u8]) -> __m128i {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&bytes[..8]);
        hi.copy_from_slice(&bytes[8..16]);
        _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo))
    }
}

/// One flag byte per input byte (bit 0 a quote, bit 1 a backslash, bit 2 `open` or `close`),
/// as eight words. A plain byte loop the compiler turns into vector compares.
#[inline(always)]
fn classify(chunk: &[u8; BLOCK], open: u8, close: u8) -> [u64; 8] {
    let mut flags = [0u8; BLOCK];
    for (f, &x) in flags.iter_mut().zip(chunk) {
        *f = u8::from(x == b'"')
            | u8::from(x == b'\\') << 1
            | u8::from(x == open || x == close) << 2;
    }
    let mut words = [0u64; 8];
    for (w, bytes) in words.iter_mut().zip(flags.chunks_exact(8)) {
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        *w = u64::from_le_bytes(le);
    }
    words
}

/// Flag `bit` of the 64 flag bytes as one bit per byte: each word's eight 0/1 bytes are moved
/// into its top byte by one multiplication (the partial products never carry into it).
#[inline(always)]
fn gather(words: &[u64; 8], bit: u32) -> u64 {
    let mut m = 0u64;
    for (k, w) in words.iter().enumerate() {
        let lows = (w >> bit) & LOW_BITS;
        m |= (lows.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    m
}

/// Bit i set when an odd number of bits at or below i are set: with unescaped quotes as input,
/// the bytes inside strings (opening quote included, closing quote excluded).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The bytes escaped by a backslash (the byte after an odd run of backslashes), carrying a run
/// that ends the block into the next one. The carry-propagating add finds where each run ends.
#[inline]
pub(crate) fn find_escaped(backslash: u64, prev_escaped: &mut u64) -> u64 {
    let backslash = backslash & !*prev_escaped;
    let follows_escape = (backslash << 1) | *prev_escaped;
    let odd_starts = backslash & !EVEN_BITS & !follows_escape;
    let (even_runs, overflow) = odd_starts.overflowing_add(backslash);
    *prev_escaped = u64::from(overflow);
    let invert = even_runs << 1;
    (EVEN_BITS ^ invert) & follows_escape
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One bit per byte of `chunk` equal to `c`, the slow way.
    fn eq_mask(chunk: &[u8; BLOCK], c: u8) -> u64 {
        let mut m = 0u64;
        for (i, &x) in chunk.iter().enumerate() {
            m |= u64::from(x == c) << i;
        }
        m
    }

    /// Escaped positions the slow way.
    fn escaped_ref(bytes: &[u8]) -> Vec<bool> {
        let mut out = vec![false; bytes.len()];
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' {
                if i + 1 < bytes.len() {
                    out[i + 1] = true;
                }
                i += 2;
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn escapes_across_blocks_match_a_plain_scan() {
        // A fixed-seed xorshift over bytes dense in backslashes, spanning several blocks.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let len = 1 + (s % 300) as usize;
            let mut bytes = Vec::with_capacity(len);
            for _ in 0..len {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                bytes.push(if s.is_multiple_of(3) { b'a' } else { b'\\' });
            }
            let want = escaped_ref(&bytes);
            let mut prev = 0;
            let mut got = Vec::new();
            for chunk in bytes.chunks(BLOCK) {
                let mut block = [b' '; BLOCK];
                block[..chunk.len()].copy_from_slice(chunk);
                let e = find_escaped(eq_mask(&block, b'\\'), &mut prev);
                got.extend((0..chunk.len()).map(|i| e >> i & 1 == 1));
            }
            assert_eq!(got, want, "{}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn gathering_never_carries_between_bytes() {
        for pattern in 0u32..256 {
            let mut word = 0u64;
            for i in 0..8 {
                word |= u64::from(pattern >> i & 1) << (8 * i);
            }
            let mut words = [0u64; 8];
            words[3] = word;
            assert_eq!(gather(&words, 0), u64::from(pattern) << 24);
        }
    }

    #[test]
    fn gathered_flags_are_the_bytes_that_match() {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..500 {
            let mut block = [0u8; BLOCK];
            for x in block.iter_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *x = b"\"\\{}[]a "[(s % 8) as usize];
            }
            let words = classify(&block, b'{', b'}');
            assert_eq!(gather(&words, 0), eq_mask(&block, b'"'));
            assert_eq!(gather(&words, 1), eq_mask(&block, b'\\'));
            let brackets = eq_mask(&block, b'{') | eq_mask(&block, b'}');
            assert_eq!(gather(&words, 2), brackets);
        }
    }

    #[test]
    fn the_processor_searches_agree_with_the_portable_ones() {
        let mut s = 0x6a09_e667_f3bc_c909u64;
        for _ in 0..2000 {
            let mut block = [0u8; BLOCK];
            for x in block.iter_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *x = b"\"\\{}[]ab"[(s % 8) as usize];
            }
            let (open, close) = if s.is_multiple_of(2) {
                (b'{', b'}')
            } else {
                (b'[', b']')
            };
            assert_eq!(
                block_masks(&block, open, close),
                block_masks_portable(&block, open, close)
            );
            for i in [0, 1, 17, 40, 63, 64] {
                assert_eq!(
                    quote_or_backslash(&block, i),
                    quote_or_backslash_swar(&block, i),
                    "{i}"
                );
            }
        }
        let long = [b"x".repeat(200), b"\\\"".to_vec()].concat();
        for i in [0, 5, 150, 199, 200, 201, 202] {
            assert_eq!(
                quote_or_backslash(&long, i),
                quote_or_backslash_swar(&long, i)
            );
        }
    }

    #[test]
    fn containers_end_where_their_bracket_closes() {
        let cases: &[(&str, &str)] = &[
            (r#"{}"#, ""),
            (r#"{"a":1}"#, ",x"),
            (r#"{"a":"}\"}","b":[{"c":"{"}]}"#, "]"),
            (r#"{"a":"\\","b":{"c":"\\\""}}"#, " "),
        ];
        for (obj, after) in cases {
            for pad in [0usize, 1, 40, 63, 64, 65, 130] {
                // Shift the object across block boundaries with leading blanks in a string.
                let prefix = format!("{{\"p\":\"{}\",\"o\":", "x".repeat(pad));
                let text = format!("{prefix}{obj}{after}}}");
                let at = prefix.len();
                let end = container_end(text.as_bytes(), at, b'{', b'}', 0);
                assert_eq!(end, Some(at + obj.len()), "{text}");
                let whole = container_end(text.as_bytes(), 0, b'{', b'}', 0);
                assert_eq!(whole, Some(text.len()), "{text}");
            }
        }
        let long = format!("[{}]", r#"{"k":"v\"]"},"#.repeat(50) + "0");
        assert_eq!(
            container_end(long.as_bytes(), 0, b'[', b']', 0),
            Some(long.len())
        );
        assert_eq!(container_end(br#"{"a":[1,2"#, 0, b'{', b'}', 0), None);
    }
}
