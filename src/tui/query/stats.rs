//! A run's figures: records and bytes scanned, records matched, time taken, as plain numbers
//! the runner hands over.

/// How far a run has got, or what it took. The figures come from the runner as plain numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub records_scanned: u64,
    /// Known once the run is over.
    pub records_matched: Option<u64>,
    pub bytes_scanned: u64,
    /// The inputs' size, when known, for a percentage while running.
    pub bytes_total: Option<u64>,
    pub elapsed_ms: u64,
    pub running: bool,
}

/// `12,345`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1.2 MB`, in powers of 1000 as CloudWatch reports bytes scanned.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

impl RunStats {
    /// The figures line: `3,000 records (1.2 MB) scanned · 245 matched · 0.31 s`.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        let scanned = format!(
            "{} {} ({}) scanned",
            thousands(self.records_scanned),
            if self.records_scanned == 1 {
                "record"
            } else {
                "records"
            },
            bytes(self.bytes_scanned)
        );
        if self.running {
            parts.push(format!("running… {scanned}"));
            if let Some(total) = self.bytes_total.filter(|t| *t > 0) {
                let pct = self.bytes_scanned.saturating_mul(100) / total;
                parts.push(format!("{}% of {}", pct.min(100), bytes(total)));
            }
        } else {
            parts.push(scanned);
        }
        if let Some(matched) = self.records_matched {
            parts.push(format!("{} matched", thousands(matched)));
        }
        parts.push(seconds(self.elapsed_ms));
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_plainly() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_250_000), "1.2 MB");
        let running = RunStats {
            records_scanned: 12_345,
            bytes_scanned: 500,
            bytes_total: Some(2_000),
            elapsed_ms: 1_500,
            running: true,
            ..RunStats::default()
        };
        assert_eq!(
            running.line(),
            "running… 12,345 records (500 B) scanned · 25% of 2.0 kB · 1.50 s"
        );
        let done = RunStats {
            records_matched: Some(7),
            running: false,
            ..running
        };
        assert_eq!(
            done.line(),
            "12,345 records (500 B) scanned · 7 matched · 1.50 s"
        );
    }
}
