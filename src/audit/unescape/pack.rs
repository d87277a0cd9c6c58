//! Packing a block's bytes without its escaping backslashes with SSSE3's byte shuffle, which
//! nearly every x86_64 processor has (it is checked once, at run time): sixteen bytes at a
//! time, each half by a shuffle from a table of the 256 ways to drop bytes from eight.

use std::arch::x86_64::{_mm_cvtsi128_si64, _mm_set_epi64x, _mm_shuffle_epi8, _mm_unpackhi_epi64};

use super::skip::{BLOCK, LOW_BITS};
use super::{Blocks, Scan};

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

compiled_for!("ssse3", Shuffled);

/// Blocks written by [`shuffled`]; used only by [`escaped`].
struct Shuffled;

impl Blocks<Vec<u8>> for Shuffled {
    const WHOLE: bool = true;

    #[inline(always)]
    fn block(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
        // SAFETY: only `escaped` reads blocks so, and only on a processor with SSSE3.
        #[allow(unsafe_code)]
        unsafe {
            shuffled(out, chunk, escapes, upto);
        }
    }
}

#[target_feature(enable = "ssse3")]
#[inline]
fn shuffled(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
    // Where each half goes is known before any is written: the bytes dropped before it, from
    // the count in each byte of the mask, summed by one multiplication. The halves are then
    // written straight into the vector, independently of one another.
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
