#![no_main]
//! See `kaudit::fuzzing::query`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kaudit::fuzzing::query(data));
