//! The text of a JSON string that holds escapes.
//!
//! An event held as a JSON string (an AKS record's `properties.log`, a Log Analytics row's
//! `log_s`) has an escape every few bytes (`\"`). The string is read 64 bytes at a time, as
//! [`skip::container_end`] reads a container: masks of its quotes and backslashes, the escaped
//! bytes found from the backslash runs, so that its end and its escapes come from one pass, and
//! each run between escapes is copied whole.

use super::skip;

/// Why a string could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bad {
    /// The input ended inside the string.
    Eof,
    /// Not a JSON string at byte `at`.
    Syntax { at: usize, msg: &'static str },
}

pub(crate) type Scan<T> = Result<T, Bad>;

/// Where unescaped text is written: a `String` for a value the caller reads, bytes for the
/// text of an event, which the decoder checks is UTF-8 anyway (so it is not checked twice).
pub(crate) trait Unescaped: Sized {
    /// [`escaped`] by a way of its own where it has one (and the processor can).
    fn escaped_fast(_src: &str, _start: usize, _first: usize) -> Option<Scan<(Self, usize)>> {
        None
    }
    fn with_capacity(bytes: usize) -> Self;
    /// Appends `src[from..to]`, which starts and ends at ASCII bytes of a valid text.
    fn run(&mut self, src: &str, from: usize, to: usize);
    fn char(&mut self, c: char);
    /// Appends the bytes of `chunk` before `upto` but the backslashes at `escapes`, each of
    /// which escapes a quote or a backslash (kept as it is).
    fn block(&mut self, _chunk: &[u8; skip::BLOCK], _escapes: u64, _upto: usize) {}
}

impl Unescaped for String {
    fn with_capacity(bytes: usize) -> Self {
        String::with_capacity(bytes)
    }

    #[inline(always)]
    fn run(&mut self, src: &str, from: usize, to: usize) {
        self.push_str(&src[from..to]);
    }

    fn char(&mut self, c: char) {
        self.push(c);
    }
}

impl Unescaped for Vec<u8> {
    fn escaped_fast(src: &str, start: usize, first: usize) -> Option<Scan<(Self, usize)>> {
        #[cfg(target_arch = "x86_64")]
        if pack::available() {
            return Some(pack::escaped(src, start, first));
        }
        let _ = (src, start, first);
        None
    }

    #[inline(always)]
    fn block(&mut self, chunk: &[u8; skip::BLOCK], escapes: u64, upto: usize) {
        #[cfg(target_arch = "x86_64")]
        pack::block(self, chunk, escapes, upto);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (chunk, escapes, upto);
    }

    fn with_capacity(bytes: usize) -> Self {
        Vec::with_capacity(bytes + RUN)
    }

    /// [`RUN`] bytes at a time: one fixed-size move each, the part past the run cut off after
    /// it, costs less than a copy of the run's own length when runs are a few bytes long.
    #[inline(always)]
    fn run(&mut self, src: &str, mut from: usize, to: usize) {
        let b = src.as_bytes();
        while from < to {
            let Some(piece) = b.get(from..).and_then(<[u8]>::first_chunk::<RUN>) else {
                self.extend_from_slice(&b[from..to]);
                return;
            };
            let len = self.len();
            self.extend_from_slice(piece);
            self.truncate(len + (to - from).min(RUN));
            from += RUN;
        }
    }

    fn char(&mut self, c: char) {
        self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

/// The bytes a run is copied in (see [`Unescaped::run`] for bytes).
const RUN: usize = 16;

/// The text of the string whose text starts at `start` and whose first escape is at `first`,
/// and the index after its closing quote.
pub(crate) fn escaped<T: Unescaped>(src: &str, start: usize, first: usize) -> Scan<(T, usize)> {
    T::escaped_fast(src, start, first).unwrap_or_else(|| read(src, start, first, false))
}

/// [`escaped`], each block whose escapes are all `\"` and `\\` written whole where `blocks`.
#[inline(always)]
fn read<T: Unescaped>(src: &str, start: usize, first: usize, blocks: bool) -> Scan<(T, usize)> {
    let b = src.as_bytes();
    // The text is at most what is left of the input; past a few pages, it grows as needed.
    let mut out = T::with_capacity((b.len() - start).min(1 << 14));
    out.run(src, start, first);
    // Where the text not yet copied starts (a backslash before it was inside a `\uXXXX`),
    // where the block starts, and whether its first byte is escaped.
    let mut copied = first;
    let mut pos = first;
    let mut carry = 0u64;
    let mut tail = [b' '; skip::BLOCK];
    loop {
        let chunk = skip::block_at(b, pos, &mut tail).ok_or(Bad::Eof)?;
        let (quotes, backslashes) = skip::string_masks(chunk);
        let escaped = if backslashes == 0 {
            std::mem::take(&mut carry)
        } else {
            skip::find_escaped(backslashes, &mut carry)
        };
        // A backslash escapes the byte after it; the last may escape the next block's first.
        let mut escapes = (escaped >> 1) | (carry << 63);
        let ends = quotes & !escaped;
        // Where the string ends in the block, if it does; escapes past it are not its own.
        let upto = if ends == 0 {
            skip::BLOCK
        } else {
            escapes &= (1u64 << ends.trailing_zeros()) - 1;
            ends.trailing_zeros() as usize
        };
        // A block whose escapes are all `\"` and `\\` (an event's, nearly always) is written
        // whole, when the text before it is written.
        let simple = || {
            (escapes << 1) & !(quotes | backslashes) == 0
                && (escapes >> 63 == 0 || matches!(b.get(pos + skip::BLOCK), Some(b'"' | b'\\')))
        };
        if blocks && copied <= pos && simple() {
            out.run(src, copied, pos);
            out.block(chunk, escapes, upto);
            copied = pos + upto;
            escapes = 0;
        }
        while escapes != 0 {
            let at = pos + escapes.trailing_zeros() as usize;
            escapes &= escapes - 1;
            if at < copied {
                continue;
            }
            out.run(src, copied, at);
            let esc = *b.get(at + 1).ok_or(Bad::Eof)?;
            // `\"` and `\\` make nearly all of an event's escapes: the byte itself starts the
            // next run. Tested before the rest, so that the common case is one predicted branch.
            if esc == b'"' || esc == b'\\' || esc == b'/' {
                copied = at + 1;
            } else {
                copied = other_escape(&mut out, b, at, esc)?;
            }
        }
        if ends != 0 {
            let end = pos + upto;
            // Hex digits are never quotes, so no `\uXXXX` reaches past the end.
            out.run(src, copied, end);
            return Ok((out, end + 1));
        }
        pos += skip::BLOCK;
    }
}

/// Writes the escape at `at` whose letter is `esc` (not a quote, backslash or slash); returns
/// the index after it.
#[cold]
fn other_escape<T: Unescaped>(out: &mut T, b: &[u8], at: usize, esc: u8) -> Scan<usize> {
    let c = match esc {
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let (c, next) = unicode_escape(b, at + 2)?;
            out.char(c);
            return Ok(next);
        }
        _ => return syntax(at, "invalid escape in a string"),
    };
    out.char(c);
    Ok(at + 2)
}

/// Packing a block's bytes without its escaping backslashes with SSSE3's byte shuffle, which
/// nearly every x86_64 processor has (it is checked once, at run time): sixteen bytes at a
/// time, each half by a shuffle from a table of the 256 ways to drop bytes from eight.
#[cfg(target_arch = "x86_64")]
mod pack {
    use std::arch::x86_64::{
        _mm_cvtsi128_si64, _mm_set_epi64x, _mm_shuffle_epi8, _mm_unpackhi_epi64,
    };

    use super::Scan;
    use super::skip::{BLOCK, LOW_BITS};

    /// For each set of bytes to drop from eight (a bit each), where the kept bytes come from,
    /// packed to the front; 0x80 writes a zero, cut off after.
    static PACK: [u64; 256] = pack_table();

    const fn pack_table() -> [u64; 256] {
        let mut table = [0u64; 256];
        let mut m = 0;
        while m < 256 {
            let mut order = [0x80u8; 8];
            let (mut i, mut kept) = (0, 0);
            while i < 8 {
                if m & (1 << i) == 0 {
                    order[kept] = i as u8;
                    kept += 1;
                }
                i += 1;
            }
            table[m] = u64::from_le_bytes(order);
            m += 1;
        }
        table
    }

    pub(super) fn available() -> bool {
        std::is_x86_feature_detected!("ssse3")
    }

    /// [`super::escaped`] into bytes, every step compiled for SSSE3 so that the block
    /// loop and the packing are one function. Only when [`available`] says so.
    pub(super) fn escaped(src: &str, start: usize, first: usize) -> Scan<(Vec<u8>, usize)> {
        // SAFETY: called only when `available` said the processor has SSSE3.
        #[allow(unsafe_code)]
        unsafe {
            escaped_ssse3(src, start, first)
        }
    }

    #[target_feature(enable = "ssse3")]
    fn escaped_ssse3(src: &str, start: usize, first: usize) -> Scan<(Vec<u8>, usize)> {
        super::read(src, start, first, true)
    }

    /// Writes a block (see [`super::Unescaped::block`]); reached only from [`escaped`].
    #[inline(always)]
    pub(super) fn block(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
        // SAFETY: only `escaped_ssse3` reads blocks whole, and only on a processor with SSSE3.
        #[allow(unsafe_code)]
        unsafe {
            shuffled(out, chunk, escapes, upto);
        }
    }

    #[target_feature(enable = "ssse3")]
    #[inline]
    fn shuffled(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
        // Where each half goes is known before any is written: the bytes dropped before it,
        // from the count in each byte of the mask, summed by one multiplication. The halves
        // are then written straight into the vector, independently of one another.
        let dropped = byte_counts(escapes).wrapping_mul(LOW_BITS);
        let before = dropped << 8;
        let start = out.len();
        out.resize(start + BLOCK + 8, 0);
        let dst = &mut out[start..];
        for (k, bytes) in chunk.chunks_exact(16).take(upto.div_ceil(16)).enumerate() {
            let m = escapes >> (16 * k);
            let mut lo = [0u8; 8];
            let mut hi = [0u8; 8];
            lo.copy_from_slice(&bytes[..8]);
            hi.copy_from_slice(&bytes[8..]);
            let v = _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo));
            // The high half's indices point eight bytes on (0x80 stays a zero).
            let order = _mm_set_epi64x(
                (PACK[(m >> 8 & 0xff) as usize] + 0x0808_0808_0808_0808) as i64,
                PACK[(m & 0xff) as usize] as i64,
            );
            let shuffled = _mm_shuffle_epi8(v, order);
            let halves = [
                _mm_cvtsi128_si64(shuffled),
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(shuffled, shuffled)),
            ];
            for (j, half) in (2 * k..).zip(halves) {
                let at = 8 * j - (before >> (8 * j) & 0xff) as usize;
                dst[at..at + 8].copy_from_slice(&half.to_le_bytes());
            }
        }
        out.truncate(start + upto - (dropped >> 56) as usize);
    }

    /// The number of bits set in each byte of `x`, in that byte.
    #[inline(always)]
    fn byte_counts(x: u64) -> u64 {
        let x = x - ((x >> 1) & 0x5555_5555_5555_5555);
        let x = (x & 0x3333_3333_3333_3333) + ((x >> 2) & 0x3333_3333_3333_3333);
        (x + (x >> 4)) & 0x0f0f_0f0f_0f0f_0f0f
    }
}

fn syntax<T>(at: usize, msg: &'static str) -> Scan<T> {
    Err(Bad::Syntax { at, msg })
}

/// Decodes `XXXX` (and a following `\uXXXX` low surrogate) at `i`; returns the char and the
/// index after it. Unpaired surrogates become U+FFFD, as Go's encoder would have written.
fn unicode_escape(b: &[u8], i: usize) -> Scan<(char, usize)> {
    let hi = hex4(b, i)?;
    if (0xD800..0xDC00).contains(&hi) {
        if b.get(i + 4) == Some(&b'\\') && b.get(i + 5) == Some(&b'u') {
            let lo = hex4(b, i + 6)?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok((char::from_u32(c).unwrap_or('\u{FFFD}'), i + 10));
            }
        }
        return Ok(('\u{FFFD}', i + 4));
    }
    Ok((char::from_u32(hi).unwrap_or('\u{FFFD}'), i + 4))
}

fn hex4(b: &[u8], i: usize) -> Scan<u32> {
    let digits = b.get(i..i + 4).ok_or(Bad::Eof)?;
    let mut v = 0u32;
    for &d in digits {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return syntax(i, "invalid \\u escape"),
        };
        v = v * 16 + u32::from(n);
    }
    Ok(v)
}
