#![no_main]
//! See `kaudit::fuzzing::formats`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kaudit::fuzzing::formats(data));
