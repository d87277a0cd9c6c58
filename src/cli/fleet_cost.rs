//! The cost of a fleet's queries as `kaudit query` says it: each region's Logs Insights price
//! per GB scanned, kaudit's or the user's (`[prices]` in `fleet.toml`), and which were whose.

use crate::engine::cloud::price::{PRICES_READ, PriceFrom, Prices};
use crate::engine::cloud::{fleet_file_path, load_prices};
use crate::text::sanitize;

/// kaudit's prices with the user's over them. A `fleet.toml` that cannot be read is said on
/// stderr and its prices left out: the cost is a note on the answer, not worth refusing it.
pub fn prices() -> Prices {
    let Some(path) = fleet_file_path() else {
        return Prices::default();
    };
    match load_prices(&path) {
        Ok(user) => Prices::with_user(user),
        Err(e) => {
            eprintln!("kaudit: {}; its [prices] are not used", sanitize(&e));
            Prices::default()
        }
    }
}

/// What `bytes` scanned in `region` cost, in words.
pub fn dollars(prices: &Prices, region: &str, bytes: f64) -> String {
    match prices.cost(region, bytes) {
        None => "price unknown".into(),
        Some((c, PriceFrom::Table)) => format!("${c:.4}"),
        Some((c, PriceFrom::User)) => {
            let per_gb = prices.per_gb(region).map_or(0.0, |(p, _)| p);
            format!("${c:.4} at your price of ${per_gb}/GB")
        }
    }
}

/// The cost of every target: `(region, bytes scanned)` each.
#[derive(Debug, Default)]
pub struct Bill {
    pub bytes: f64,
    pub priced: f64,
    pub unpriced: bool,
    /// Regions priced by the user, each once.
    pub users: Vec<String>,
}

impl Bill {
    pub fn add(&mut self, prices: &Prices, region: &str, bytes: f64) {
        self.bytes += bytes;
        match prices.cost(region, bytes) {
            Some((c, from)) => {
                self.priced += c;
                if from == PriceFrom::User && !self.users.iter().any(|r| r == region) {
                    self.users.push(region.to_string());
                }
            }
            None => self.unpriced = true,
        }
    }

    /// `cost $X (…)` as the total line says it: whose prices, and what is left out.
    pub fn said(&self) -> String {
        let unknown = if self.unpriced {
            " plus regions whose price is unknown"
        } else {
            ""
        };
        let users = if self.users.is_empty() {
            String::new()
        } else {
            format!(
                "; your prices from fleet.toml for {}",
                sanitize(&self.users.join(", "))
            )
        };
        format!(
            "cost ${:.4}{unknown} (Logs Insights prices per GB as read on {PRICES_READ}; prices change{users})",
            self.priced
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_prices_are_named_as_theirs() {
        let prices = Prices::with_user(vec![("eu-west-1".into(), 0.006)]);
        assert_eq!(dollars(&prices, "us-east-1", 2e9), "$0.0100");
        assert_eq!(
            dollars(&prices, "eu-west-1", 1e9),
            "$0.0060 at your price of $0.006/GB"
        );
        assert_eq!(dollars(&prices, "ap-south-1", 1e9), "price unknown");
        let mut bill = Bill::default();
        for (region, bytes) in [("us-east-1", 2e9), ("eu-west-1", 1e9), ("eu-west-1", 1e9)] {
            bill.add(&prices, region, bytes);
        }
        assert_eq!(
            bill.said(),
            format!(
                "cost $0.0220 (Logs Insights prices per GB as read on {PRICES_READ}; prices change; your prices from fleet.toml for eu-west-1)"
            )
        );
        bill.add(&prices, "ap-south-1", 1e9);
        assert!(
            bill.said()
                .starts_with("cost $0.0220 plus regions whose price is unknown")
        );
    }
}
