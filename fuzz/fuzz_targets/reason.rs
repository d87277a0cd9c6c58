#![no_main]
//! See `kaudit::fuzzing::reason`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kaudit::fuzzing::reason(data));
