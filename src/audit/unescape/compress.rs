//! Reading a string 64 bytes at a time with AVX-512 (checked once, at run time), as processors
//! since about 2019 have it: one comparison per kind of byte gives a block's mask, and one
//! compression drops a block's escaping backslashes.

use std::arch::x86_64::{
    _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_maskz_compress_epi8, _mm512_set1_epi8,
    _mm512_storeu_si512,
};

use super::skip::BLOCK;
use super::{Blocks, Scan};

pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("avx512vbmi2")
}

compiled_for!("avx512f,avx512bw,avx512vbmi2", Compressed);

/// Blocks read and written by AVX-512; used only by [`escaped`].
struct Compressed;

impl Blocks<Vec<u8>> for Compressed {
    const WHOLE: bool = true;

    #[inline(always)]
    fn masks(chunk: &[u8; BLOCK]) -> (u64, u64) {
        // SAFETY: only `escaped` reads blocks so, and only on a processor with AVX-512.
        #[allow(unsafe_code)]
        unsafe {
            masks(chunk)
        }
    }

    #[inline(always)]
    fn block(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
        // SAFETY: as for `masks`.
        #[allow(unsafe_code)]
        unsafe {
            compressed(out, chunk, escapes, upto);
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn masks(chunk: &[u8; BLOCK]) -> (u64, u64) {
    // SAFETY: the load reads the 64 bytes of `chunk`.
    #[allow(unsafe_code)]
    let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
    (
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'"' as i8)),
        _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\\' as i8)),
    )
}

#[target_feature(enable = "avx512f,avx512bw,avx512vbmi2")]
#[inline]
fn compressed(out: &mut Vec<u8>, chunk: &[u8; BLOCK], escapes: u64, upto: usize) {
    let before_end = if upto == BLOCK {
        u64::MAX
    } else {
        (1u64 << upto) - 1
    };
    let keep = !escapes & before_end;
    out.reserve(BLOCK);
    let len = out.len();
    // SAFETY: the load reads the 64 bytes of `chunk`; `reserve` made room for the 64 bytes the
    // store writes after the vector's length, of which the first `keep.count_ones()` are the
    // kept bytes, so the new length covers only bytes just written.
    #[allow(unsafe_code)]
    unsafe {
        let v = _mm512_loadu_si512(chunk.as_ptr().cast());
        let packed = _mm512_maskz_compress_epi8(keep, v);
        _mm512_storeu_si512(out.as_mut_ptr().add(len).cast(), packed);
        out.set_len(len + keep.count_ones() as usize);
    }
}
