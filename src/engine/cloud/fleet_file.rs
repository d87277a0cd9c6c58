//! Named fleets: `fleet.toml` in kaudit's config folder, each fleet its accounts (a profile, a
//! role to assume, or the default credentials), regions and cluster patterns; and the user's
//! Logs Insights prices by region (`[prices]`). A mistake is named by file, line and column; a
//! fleet not there by the nearest name that is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::fleet::account_of_arn;

/// The credentials one account of a fleet is read with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetAccount {
    /// A profile of the AWS config files; else the default chain.
    pub profile: Option<String>,
    /// A role assumed with those credentials.
    pub role_arn: Option<String>,
}

/// One named fleet, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedFleet {
    /// Never empty: a fleet that names no account reads with the default credentials.
    pub accounts: Vec<FleetAccount>,
    pub regions: Vec<String>,
    /// Names or globs; a fleet that names none covers every cluster (`*`).
    pub clusters: Vec<String>,
    /// The accounts are CloudWatch monitoring accounts, read with their linked accounts.
    pub monitoring: bool,
    /// Queries started at once, when the fleet says.
    pub concurrency: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    fleet: BTreeMap<String, Entry>,
    /// US dollars per GB scanned, by region.
    #[serde(default)]
    prices: BTreeMap<String, Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    accounts: Vec<Spanned<Account>>,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    clusters: Vec<String>,
    #[serde(default)]
    monitoring: bool,
    concurrency: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Account {
    profile: Option<String>,
    role_arn: Option<Spanned<String>>,
    #[serde(default)]
    default: bool,
}

/// Where named fleets are read from: `fleet.toml` beside the user's queries folder
/// (`$XDG_CONFIG_HOME/kaudit/`, else `~/.config/kaudit/`).
pub fn fleet_file_path() -> Option<PathBuf> {
    Some(
        crate::catalog::default_user_dir()?
            .parent()?
            .join("fleet.toml"),
    )
}

/// The fleet `name` of the file at `path`; the error says what to fix and where.
pub fn load_fleet(path: &Path, name: &str) -> Result<NamedFleet, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "--fleet {name}: cannot read {}: {e}; named fleets are kept there",
            path.display()
        )
    })?;
    let fleets = parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
    match fleets.iter().find(|(n, _)| n == name) {
        Some((_, fleet)) => Ok(fleet.clone()),
        None => {
            let names: Vec<&str> = fleets.iter().map(|(n, _)| n.as_str()).collect();
            let nearest = crate::text::suggest::nearest(name, names.iter().copied())
                .map(|n| format!("; did you mean {n}?"))
                .unwrap_or_default();
            let known = if names.is_empty() {
                "it names none".to_string()
            } else {
                format!("it names {}", names.join(", "))
            };
            Err(format!(
                "no fleet {name} in {}{nearest} ({known})",
                path.display()
            ))
        }
    }
}

/// `message` at `offset` of `text`, as `line:column: message`.
fn at(text: &str, offset: usize, message: &str) -> String {
    let (line, column) = line_column(text, offset);
    format!("{line}:{column}: {message}")
}

fn read(text: &str) -> Result<File, String> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(text, offset, e.message())
    })
}

/// The user's prices of a `fleet.toml` (`[prices]`, region = US dollars per GB scanned); the
/// error starts with `line:column:`.
pub fn parse_prices(text: &str) -> Result<Vec<(String, f64)>, String> {
    let file = read(text)?;
    let mut prices = Vec::new();
    for (region, price) in file.prices {
        let looks_like_region = region.contains('-')
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !looks_like_region {
            return Err(at(
                text,
                price.span().start,
                &format!("`{region}` is not an AWS region (us-east-1, eu-west-1, …)"),
            ));
        }
        let dollars = *price.get_ref();
        if !dollars.is_finite() || dollars < 0.0 {
            return Err(at(
                text,
                price.span().start,
                &format!("the price of {region} is US dollars per GB scanned, 0 or more"),
            ));
        }
        prices.push((region, dollars));
    }
    Ok(prices)
}

/// The user's prices in the `fleet.toml` at `path`: none when there is no such file; the error
/// names the file, line and column.
pub fn load_prices(path: &Path) -> Result<Vec<(String, f64)>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_prices(&text).map_err(|e| format!("{}:{e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Every fleet of a `fleet.toml`, by name; the error starts with `line:column:`.
pub fn parse(text: &str) -> Result<Vec<(String, NamedFleet)>, String> {
    let at = |offset: usize, message: &str| at(text, offset, message);
    let file = read(text)?;
    let mut fleets = Vec::new();
    for (name, entry) in file.fleet {
        let mut accounts = Vec::new();
        for spanned in &entry.accounts {
            let a = spanned.get_ref();
            let named =
                usize::from(a.default) + usize::from(a.profile.is_some() || a.role_arn.is_some());
            if named != 1 {
                return Err(at(
                    spanned.span().start,
                    &format!(
                        "an account of fleet {name} is `default = true`, a `profile`, a `role_arn`, or a `role_arn` with the `profile` that assumes it"
                    ),
                ));
            }
            if let Some(role) = &a.role_arn
                && account_of_arn(role.get_ref()).is_none()
            {
                return Err(at(
                    role.span().start,
                    &format!(
                        "`{}` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                        role.get_ref()
                    ),
                ));
            }
            let account = FleetAccount {
                profile: a.profile.clone(),
                role_arn: a.role_arn.as_ref().map(|r| r.get_ref().clone()),
            };
            if !accounts.contains(&account) {
                accounts.push(account);
            }
        }
        if accounts.is_empty() {
            accounts.push(FleetAccount::default());
        }
        let concurrency = match &entry.concurrency {
            Some(n) => Some(
                super::fleet_gate::concurrency(*n.get_ref())
                    .map_err(|e| at(n.span().start, &format!("fleet {name}: {e}")))?,
            ),
            None => None,
        };
        let clusters = if entry.clusters.is_empty() {
            vec!["*".to_string()]
        } else {
            entry.clusters
        };
        fleets.push((
            name,
            NamedFleet {
                accounts,
                regions: entry.regions,
                clusters,
                monitoring: entry.monitoring,
                concurrency,
            },
        ));
    }
    Ok(fleets)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_is_read_with_its_accounts_regions_and_clusters() {
        let fleets = parse(
            r#"
[fleet.prod]
accounts = [
  { default = true },
  { profile = "security" },
  { role_arn = "arn:aws:iam::111111111111:role/kaudit-reader", profile = "security" },
]
regions = ["us-east-1", "eu-west-1"]
clusters = ["prod-*"]

[fleet.all]
"#,
        )
        .unwrap();
        assert_eq!(fleets.len(), 2);
        let (name, all) = &fleets[0];
        assert_eq!(name, "all");
        assert_eq!(all.accounts, [FleetAccount::default()]);
        assert_eq!(all.clusters, ["*"]);
        let (_, prod) = &fleets[1];
        assert_eq!(prod.accounts.len(), 3);
        assert_eq!(
            prod.accounts[2].role_arn.as_deref(),
            Some("arn:aws:iam::111111111111:role/kaudit-reader")
        );
        assert_eq!(prod.accounts[2].profile.as_deref(), Some("security"));
        assert_eq!(prod.regions, ["us-east-1", "eu-west-1"]);
        assert!(!prod.monitoring);
        let observed = parse("[fleet.observed]\nmonitoring = true\n").unwrap();
        assert!(observed[0].1.monitoring);
        assert_eq!(observed[0].1.concurrency, None);
        let gentle = parse("[fleet.gentle]\nconcurrency = 2\n").unwrap();
        assert_eq!(gentle[0].1.concurrency, Some(2));
    }

    #[test]
    fn the_users_prices_are_read_and_their_mistakes_placed() {
        let prices = parse_prices(
            "[fleet.prod]\nregions = [\"eu-west-1\"]\n\n[prices]\neu-west-1 = 0.0057\nap-south-1 = 0\n",
        )
        .unwrap();
        assert_eq!(
            prices,
            [
                ("ap-south-1".to_string(), 0.0),
                ("eu-west-1".to_string(), 0.0057)
            ]
        );
        assert_eq!(parse_prices("[fleet.a]\n").unwrap(), []);
        let err = parse_prices("[prices]\neu-west-1 = -1.0\n").unwrap_err();
        assert!(err.starts_with("2:13: the price of eu-west-1"), "{err}");
        let err = parse_prices("[prices]\n\"EU West\" = 0.005\n").unwrap_err();
        assert!(
            err.starts_with("2:13: `EU West` is not an AWS region"),
            "{err}"
        );
        let err = parse_prices("[prices]\neu-west-1 = \"cheap\"\n").unwrap_err();
        assert!(err.starts_with("2:13:"), "{err}");
        // The fleets of a file with prices still read.
        assert_eq!(parse("[prices]\neu-west-1 = 0.006\n").unwrap().len(), 0);
    }

    #[test]
    fn mistakes_are_named_by_line_and_column() {
        let err = parse("[fleet.prod]\nregion = [\"us-east-1\"]\n").unwrap_err();
        assert!(err.starts_with("2:1:"), "{err}");
        assert!(err.contains("region"), "{err}");
        let err = parse("[fleet.prod]\naccounts = [{ role_arn = \"reader\" }]\n").unwrap_err();
        assert!(err.starts_with("2:26:"), "{err}");
        assert!(err.contains("not a role ARN"), "{err}");
        let err = parse("[fleet.prod]\naccounts = [{}]\n").unwrap_err();
        assert!(err.starts_with("2:13:"), "{err}");
        let err = parse("[fleet.prod]\nregions = []\nconcurrency = 0\n").unwrap_err();
        assert!(
            err.starts_with("3:15: fleet prod: 0 queries at once"),
            "{err}"
        );
    }
}
