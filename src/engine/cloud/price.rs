//! What a Logs Insights query costs: AWS bills the bytes it scans, at a price per GB that
//! depends on the region. The built-in table holds only the prices checked on the date below;
//! prices change, and a region not listed is said to have no known price rather than given a
//! guess. The user's own prices (`[prices]` in `fleet.toml`) price any region, and override the
//! table; what is said of a cost names them as the user's.

/// When the table was read.
pub const PRICES_READ: &str = "2026-12-07";

/// US dollars per GB scanned (a GB taken as 10^9 bytes), by region: "Logs Insights queries,
/// per GB of data scanned" on AWS's CloudWatch pricing page (aws.amazon.com/cloudwatch/pricing),
/// US East (N. Virginia). That page draws each other region's figure only when the region is
/// picked, so no other region's price could be read from it and none is listed here.
const PER_GB: &[(&str, f64)] = &[("us-east-1", 0.005)];

/// Where a price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceFrom {
    /// kaudit's table, read on [`PRICES_READ`].
    Table,
    /// The user's `[prices]`.
    User,
}

impl PriceFrom {
    /// As machine-readable output names it.
    pub fn name(self) -> &'static str {
        match self {
            PriceFrom::Table => "kaudit",
            PriceFrom::User => "user",
        }
    }
}

/// The prices a fleet's cost is told with: the user's, then kaudit's table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    user: Vec<(String, f64)>,
}

impl Prices {
    /// kaudit's table, with `user`'s prices (region, dollars per GB) over it.
    pub fn with_user(user: Vec<(String, f64)>) -> Prices {
        Prices { user }
    }

    /// The price per GB scanned in `region`, and where it came from, when known.
    pub fn per_gb(&self, region: &str) -> Option<(f64, PriceFrom)> {
        let user = self.user.iter().find(|(r, _)| r == region);
        match user {
            Some((_, p)) => Some((*p, PriceFrom::User)),
            None => PER_GB
                .iter()
                .find(|(r, _)| *r == region)
                .map(|(_, p)| (*p, PriceFrom::Table)),
        }
    }

    /// What `bytes` scanned in `region` cost, and where its price came from, when known.
    pub fn cost(&self, region: &str, bytes: f64) -> Option<(f64, PriceFrom)> {
        self.per_gb(region).map(|(p, from)| (p * bytes / 1e9, from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_are_priced_and_others_are_not() {
        let prices = Prices::default();
        assert_eq!(
            prices.cost("us-east-1", 2e9),
            Some((0.01, PriceFrom::Table))
        );
        assert_eq!(prices.cost("xx-nowhere-1", 2e9), None);
    }

    #[test]
    fn the_users_prices_price_any_region_and_override_the_table() {
        let prices = Prices::with_user(vec![
            ("eu-west-1".into(), 0.0057),
            ("us-east-1".into(), 0.004),
        ]);
        assert_eq!(prices.per_gb("eu-west-1"), Some((0.0057, PriceFrom::User)));
        assert_eq!(
            prices.cost("us-east-1", 1e9),
            Some((0.004, PriceFrom::User))
        );
        assert_eq!(prices.cost("ap-south-1", 1e9), None);
    }
}
