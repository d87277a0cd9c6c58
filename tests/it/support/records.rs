//! What a scan of a file delivers, kept to be compared: the tests of the formats that hold an
//! event inside another record (AKS, SIEM wrappers, GKE entries).

use std::ops::ControlFlow;
use std::path::Path;

use kaudit::audit::Depth;
use kaudit::audit::formats::{Format, ScanReport};
use kaudit::source::local::{self, InputSpec, LocalInput};

/// One delivered record: its event text, the record it came from, its format, `@ptr` offset and
/// line.
pub struct Rec {
    pub message: Vec<u8>,
    pub original: Vec<u8>,
    pub format: Format,
    pub offset: u64,
    pub line: u64,
}

pub fn open_path(path: &Path) -> LocalInput {
    local::open(&InputSpec::Path(path.to_path_buf())).unwrap()
}

/// Every record of the file at `path`, read in full, and the scan's report.
pub fn scan_path(path: &Path) -> (Vec<Rec>, ScanReport) {
    let mut out = Vec::new();
    let report = open_path(path).scan(Depth::Full, |r| {
        out.push(Rec {
            message: r.message.to_vec(),
            original: r.original.to_vec(),
            format: r.format,
            offset: r.system.offset,
            line: r.line,
        });
        ControlFlow::Continue(())
    });
    (out, report)
}
