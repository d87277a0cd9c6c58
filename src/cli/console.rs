//! `kaudit [SOURCE]` on a terminal: the console.

use anyhow::Result;

use super::{Outcome, SourceArgs};
use crate::catalog::themes::{Themes, no_color_requested};
use crate::source::demo::DemoConfig;
use crate::source::local::InputSpec;
use crate::tui::{self, Styles, config};

/// The line a newcomer sees first on the demo.
pub fn demo_banner() -> String {
    format!(
        "Demo incident: {} events of an EKS cluster under attack. Real data: kaudit FILE|FOLDER (audit logs, .gz, CloudWatch exports) · ? keys",
        DemoConfig::DEFAULT_EVENTS
    )
}

pub fn run(source: &SourceArgs, theme: Option<&str>, follow: bool) -> Result<Outcome> {
    let inputs = source.inputs()?;
    if follow && (source.is_demo() || inputs.iter().any(|i| !matches!(i, InputSpec::Path(_)))) {
        anyhow::bail!("--follow reads files: give the paths of the files to follow");
    }
    let name = if source.is_demo() {
        "demo incident".to_string()
    } else {
        inputs
            .iter()
            .map(|i| i.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (config, mut notice) = config::default_path()
        .map(|p| config::load(&p))
        .unwrap_or_default();
    let themes = Themes::load(crate::catalog::themes::default_user_dir().as_deref());
    if let Some(problem) = themes.problems.first() {
        notice.get_or_insert_with(|| problem.to_string());
    }
    let wanted = theme.map(str::to_string).or(config.theme);
    let styles = if no_color_requested() {
        Styles::no_color()
    } else {
        match wanted.as_deref() {
            None => Styles::from_theme(themes.default_theme()),
            Some(name) => match themes.get(name) {
                Some(t) => Styles::from_theme(t),
                None => {
                    let known: Vec<&str> = themes.names().collect();
                    anyhow::bail!("no theme named {name:?}; there are: {}", known.join(", "));
                }
            },
        }
    };
    tui::run(tui::Options {
        inputs,
        source: name,
        banner: source.is_demo().then(demo_banner),
        notice,
        styles,
        follow,
    })?;
    Ok(Outcome::Success)
}
