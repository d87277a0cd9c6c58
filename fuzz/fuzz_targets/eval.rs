#![no_main]
//! See `kaudit::fuzzing::eval`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kaudit::fuzzing::eval(data));
