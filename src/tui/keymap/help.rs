//! The help overlay's lines and size, worked out for a terminal: the key table and the `:`
//! commands, each description wrapped to the width there is. The update scrolls by the same
//! lines the view draws.

use ratatui::layout::Rect;

use super::sections;

const COMMANDS_TITLE: &str = "Commands (: then the command, Enter runs it)";

/// Every `:` command: how it is written, and what it does. The dispatcher in
/// `update::command` answers exactly these (a test holds the two together).
pub const COMMANDS: &[(&str, &str)] = &[
    (":run NAME", "run a canned query (b lists them)"),
    (":query TEXT", "run a query written on the line"),
    (":queries", "open the canned queries (also :browse)"),
    (
        ":edit [TEXT]",
        "open the query editor, with TEXT in it when given (also :editor)",
    ),
    (":drop N", "drop filter chip N"),
    (
        ":case [NAME]",
        "open case NAME, made if new: it keeps marks, notes, queries, findings (alone: which is open)",
    ),
    (":note TEXT", "a note on the open case"),
    (
        ":export FILE",
        "write the marked events to FILE (.json or .jsonl; ~/ is the home folder)",
    ),
    (
        ":export-all FILE",
        "write the whole filtered result to FILE",
    ),
    (
        ":user NAME",
        "keep the events of this user, who sent them or whom they impersonated (:user !NAME drops them)",
    ),
    (
        ":as NAME",
        "keep the events that impersonated this user (!NAME drops them)",
    ),
    (
        ":ip ADDR",
        "keep the events from this source IP (!ADDR drops them)",
    ),
    (":verb V", "keep this verb (!V drops it)"),
    (":resource R", "keep this resource (!R drops it)"),
    (":namespace N", "keep this namespace (!N drops it)"),
    (":code C", "keep this response code (!C drops it)"),
    (
        ":decision D",
        "keep this decision, allow or forbid (!D drops it)",
    ),
    (
        ":source S",
        "keep the events written by this service: eks, gke, aks or k8s (!S drops them)",
    ),
    (
        ":cluster C",
        "keep the events of this cluster, where the record or its log group names it (!C drops them)",
    ),
    (
        ":account A",
        "keep the events of this AWS account, GCP project or Azure subscription (!A drops them)",
    ),
    (
        ":region R",
        "keep the events a fleet read in this region, or of this GKE location (!R drops them)",
    ),
    (":clear", "drop every filter"),
    (":help", "this help"),
    (":q", "quit (also :quit)"),
];

/// Other names of commands, said in their description.
const ALIASES: &[&str] = &["browse", "editor", "quit"];

/// A name the `:` prompt answers: a command of [`COMMANDS`] or one of its other names.
pub fn command_known(name: &str) -> bool {
    ALIASES.contains(&name)
        || COMMANDS.iter().any(|(usage, _)| {
            usage
                .split_whitespace()
                .next()
                .is_some_and(|u| u.strip_prefix(':') == Some(name))
        })
}

/// Columns the keys take, a blank included, after an indent of two.
const LABEL: usize = 26;
const INDENT: usize = 2;

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    /// A section's title.
    Title(&'static str),
    /// Keys (empty on a continued line) and words.
    Row(String, String),
    Blank,
}

/// The sections: each layer's keys, then the commands.
fn rows() -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut out: Vec<(&'static str, Vec<(String, String)>)> = sections()
        .map(|(layer, rows)| {
            let rows = rows
                .iter()
                .map(|r| {
                    (
                        r.label(),
                        r.help.split_whitespace().collect::<Vec<_>>().join(" "),
                    )
                })
                .collect();
            (layer.title(), rows)
        })
        .collect();
    let commands = COMMANDS
        .iter()
        .map(|(usage, what)| (usage.to_string(), what.to_string()))
        .collect();
    out.push((COMMANDS_TITLE, commands));
    out
}

/// Words wrapped to `width` columns; a word longer than that is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The help's lines for a box `inner_width` wide inside its border; it ends where its text ends.
pub fn lines(inner_width: u16) -> Vec<HelpLine> {
    let words = usize::from(inner_width).saturating_sub(INDENT + LABEL);
    let mut out = Vec::new();
    for (title, rows) in rows() {
        if !out.is_empty() {
            out.push(HelpLine::Blank);
        }
        out.push(HelpLine::Title(title));
        for (label, text) in rows {
            for (i, part) in wrap(&text, words).into_iter().enumerate() {
                let keys = if i == 0 { label.clone() } else { String::new() };
                out.push(HelpLine::Row(keys, part));
            }
        }
    }
    out
}

/// The help's box in `area`: as wide as its longest line or the terminal, as tall as its lines
/// or the terminal, centred.
pub fn popup(area: Rect) -> Rect {
    let longest = rows()
        .iter()
        .flat_map(|(_, rows)| rows.iter())
        .map(|(_, text)| INDENT + LABEL + text.chars().count())
        .max()
        .unwrap_or(0);
    let width = area
        .width
        .min(u16::try_from(longest + 2).unwrap_or(u16::MAX));
    let inner = width.saturating_sub(2);
    let tall = u16::try_from(lines(inner).len() + 2).unwrap_or(u16::MAX);
    let height = area.height.min(tall);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Lines scrolled past at most: the last line at the box's bottom.
pub fn most_scroll(area: Rect) -> u16 {
    let popup = popup(area);
    let shown = popup.height.saturating_sub(2);
    let all = u16::try_from(lines(popup.width.saturating_sub(2)).len()).unwrap_or(u16::MAX);
    all.saturating_sub(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_the_width_and_long_words_are_cut() {
        assert_eq!(wrap("a bb ccc dddd", 8), ["a bb ccc", "dddd"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("abcdefghijkl", 8), ["abcdefgh", "ijkl"]);
    }

    #[test]
    fn the_box_fits_the_terminal_and_ends_with_its_text() {
        for (w, h) in [(80, 24), (160, 45), (40, 10), (300, 200)] {
            let area = Rect::new(0, 0, w, h);
            let p = popup(area);
            assert!(p.width <= w && p.height <= h);
            let lines = lines(p.width - 2);
            let words = usize::from(p.width) - 2 - INDENT - LABEL;
            for line in &lines {
                if let HelpLine::Row(_, text) = line {
                    assert!(text.chars().count() <= words.max(8), "{text:?} at {w}");
                }
            }
            assert_ne!(lines.last(), Some(&HelpLine::Blank));
            if h >= 200 {
                assert_eq!(usize::from(p.height), lines.len() + 2);
                assert_eq!(most_scroll(area), 0);
            }
        }
    }
}
