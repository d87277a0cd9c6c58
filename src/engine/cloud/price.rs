//! What a Logs Insights query costs: AWS bills the bytes it scans, at a price per GB that
//! depends on the region. The table holds only the prices checked on the date below; prices
//! change, and a region not listed is said to have no known price rather than given a guess.

/// When the table was read.
pub const PRICES_READ: &str = "2026-12-07";

/// US dollars per GB scanned (a GB taken as 10^9 bytes), by region.
const PER_GB: &[(&str, f64)] = &[("us-east-1", 0.005)];

/// The price per GB scanned in `region`, when the table has it.
pub fn per_gb(region: &str) -> Option<f64> {
    PER_GB.iter().find(|(r, _)| *r == region).map(|(_, p)| *p)
}

/// What `bytes` scanned in `region` cost, when the price is known.
pub fn cost(region: &str, bytes: f64) -> Option<f64> {
    per_gb(region).map(|p| p * bytes / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_are_priced_and_others_are_not() {
        assert_eq!(cost("us-east-1", 2e9), Some(0.01));
        assert_eq!(cost("xx-nowhere-1", 2e9), None);
    }
}
