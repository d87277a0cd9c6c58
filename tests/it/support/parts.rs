//! A large input of records, one a line, read in parts as the loader reads it.

use std::ops::ControlFlow;

use kaudit::audit::Depth;
use kaudit::audit::formats::{Format, Origin};
use kaudit::source::local::{LocalInput, MIN_PART};

/// `records` repeated past three parts' worth, cut into three parts and read part by part:
/// every record is read once, as `format`, and in the order a whole read gives.
pub fn read_in_parts_as_whole(records: &[&str], format: Format) {
    let mut data = String::new();
    while data.len() < 3 * MIN_PART {
        for line in records {
            data.push_str(line);
            data.push('\n');
        }
    }
    let lines = data.lines().count();
    let input = LocalInput::from_vec(Origin::new("big.jsonl", "big"), data.into_bytes());
    let parts = input.parts(3, MIN_PART);
    assert_eq!(parts.len(), 3);
    let mut offsets = Vec::new();
    for part in &parts {
        input.scan_part(part, Depth::Table, None, |r| {
            assert_eq!(r.format, format);
            offsets.push(r.system.offset);
            ControlFlow::Continue(())
        });
    }
    let mut whole = Vec::new();
    input.scan(Depth::Table, |r| {
        whole.push(r.system.offset);
        ControlFlow::Continue(())
    });
    assert_eq!(whole.len(), lines);
    assert_eq!(offsets, whole);
}
