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
}

/// How a block whose escapes are all `\"` and `\\` (an event's, nearly always) is written.
trait Blocks<T> {
    /// Whether such a block is written whole; if not, escape by escape.
    const WHOLE: bool;

    /// The block's quotes and backslashes, a bit each.
    #[inline(always)]
    fn masks(chunk: &[u8; skip::BLOCK]) -> (u64, u64) {
        skip::string_masks(chunk)
    }

    /// Appends the bytes of `chunk` before `upto` but the backslashes at `escapes`, each of
    /// which escapes a quote or a backslash (kept as it is).
    fn block(out: &mut T, chunk: &[u8; skip::BLOCK], escapes: u64, upto: usize);
}

/// Every escape on its own, on any processor.
struct ByEscape;

impl<T> Blocks<T> for ByEscape {
    const WHOLE: bool = false;

    fn block(_: &mut T, _: &[u8; skip::BLOCK], _: u64, _: usize) {
        unreachable!("blocks are not written whole")
    }
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
        if compress::available() {
            return Some(compress::escaped(src, start, first));
        } else if pack::available() {
            return Some(pack::escaped(src, start, first));
        }
        let _ = (src, start, first);
        None
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
    T::escaped_fast(src, start, first).unwrap_or_else(|| read::<T, ByEscape>(src, start, first))
}

/// [`escaped`], the blocks whose escapes are all `\"` and `\\` written as `B` writes them.
#[inline(always)]
fn read<T: Unescaped, B: Blocks<T>>(src: &str, start: usize, first: usize) -> Scan<(T, usize)> {
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
        let (quotes, backslashes) = B::masks(chunk);
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
        if B::WHOLE && copied <= pos && simple() {
            out.run(src, copied, pos);
            B::block(&mut out, chunk, escapes, upto);
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

/// A block reader's `escaped`: [`escaped`] into bytes with every step compiled for
/// `$features` (so that the block loop and `$blocks`' writer are one function), to be called
/// only when the module's `available` says the processor has them.
#[cfg(target_arch = "x86_64")]
macro_rules! compiled_for {
    ($features:literal, $blocks:ty) => {
        pub(super) fn escaped(src: &str, start: usize, first: usize) -> Scan<(Vec<u8>, usize)> {
            #[target_feature(enable = $features)]
            fn compiled(src: &str, start: usize, first: usize) -> Scan<(Vec<u8>, usize)> {
                super::read::<Vec<u8>, $blocks>(src, start, first)
            }
            // SAFETY: called only when `available` said the processor has these instructions.
            #[allow(unsafe_code)]
            unsafe {
                compiled(src, start, first)
            }
        }

        #[cfg(test)]
        pub(super) fn escaped_for_test(
            src: &str,
            start: usize,
            first: usize,
        ) -> Option<Scan<(Vec<u8>, usize)>> {
            available().then(|| escaped(src, start, first))
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod compress;
#[cfg(target_arch = "x86_64")]
mod pack;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// An event's text as a JSON string holds it: dense in `\"` and `\\`, with other escapes
    /// among them, across every block boundary. Each way of writing blocks this processor has
    /// must read what serde_json reads, and stop after the closing quote.
    #[test]
    fn every_way_of_writing_blocks_reads_what_serde_reads() {
        let pieces = [
            "{\"k\":\"v\",",
            "\"",
            "\\",
            "\\\"",
            "ab",
            "é",
            "\n",
            "\u{1}",
            "&",
            "xyzxyzxyzxyzxyzxyzxyz",
        ];
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let (mut packed, mut compressed) = (0, 0);
        for round in 0..4000 {
            let mut text = String::from("\"");
            for _ in 0..(s % 200) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                text.push_str(pieces[(s % pieces.len() as u64) as usize]);
            }
            let mut json = serde_json::to_string(&text).unwrap();
            if round % 2 == 0 {
                json = json.replace('&', "\\u0026");
            }
            let held = format!("{}{} ,", "p".repeat(round % 70), json);
            let start = round % 70 + 1;
            let first = start + held[start..].find('\\').unwrap();
            let want: String = serde_json::from_str(&held[start - 1..held.len() - 2]).unwrap();
            let end = held.len() - 2;
            let by_escape = read::<Vec<u8>, ByEscape>(&held, start, first).unwrap();
            assert_eq!(
                (by_escape.0.as_slice(), by_escape.1),
                (want.as_bytes(), end)
            );
            if let Some(got) = pack::escaped_for_test(&held, start, first) {
                assert_eq!(got.unwrap(), by_escape, "SSSE3, {held}");
                packed += 1;
            }
            if let Some(got) = compress::escaped_for_test(&held, start, first) {
                assert_eq!(got.unwrap(), by_escape, "AVX-512, {held}");
                compressed += 1;
            }
            let cut = &held[..held.floor_char_boundary((end - 1 - round % 5).max(first + 1))];
            assert_eq!(read::<Vec<u8>, ByEscape>(cut, start, first), Err(Bad::Eof));
            for got in [
                pack::escaped_for_test(cut, start, first),
                compress::escaped_for_test(cut, start, first),
            ]
            .into_iter()
            .flatten()
            {
                assert_eq!(got, Err(Bad::Eof), "{cut}");
            }
        }
        // Said, not hidden: a processor without these instructions cannot test them.
        if packed == 0 {
            eprintln!("not run here: blocks packed by SSSE3 (this processor has no SSSE3)");
        }
        if compressed == 0 {
            eprintln!("not run here: blocks compressed by AVX-512 (no AVX-512 VBMI2 here)");
        }
    }
}
