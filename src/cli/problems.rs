//! Telling the user, on stderr, what could not be read: never silently dropped.

use crate::audit::formats::ScanReport;
use crate::text::sanitize;

/// Problems shown per input before pointing at `kaudit formats`.
const SHOWN: usize = 3;

/// For each input with problems: its summary line and the first few positions.
pub fn summarize(reports: &[ScanReport]) {
    for report in reports {
        if report.problem_count() == 0 {
            continue;
        }
        eprintln!("kaudit: {}", sanitize(&report.to_string()));
        for p in report.located_problems().take(SHOWN) {
            eprintln!("  {}", sanitize(&p));
        }
        let more = report.problem_count().saturating_sub(SHOWN as u64);
        if more > 0 {
            eprintln!(
                "  … {more} more (`kaudit formats {}` lists them)",
                sanitize(&report.name)
            );
        }
    }
}
