//! A theme as ratatui styles, one per meaning.

use std::collections::HashMap;

use ratatui::style::{Color, Modifier, Style};

use crate::catalog::themes::{Role, StyleSpec, Theme, ThemeColor};

#[derive(Debug, Clone, Default)]
pub struct Styles {
    by_role: HashMap<Role, Style>,
}

impl Styles {
    pub fn from_theme(theme: &Theme) -> Styles {
        Styles {
            by_role: Role::ALL
                .iter()
                .map(|role| (*role, style(&theme.style(*role))))
                .collect(),
        }
    }

    /// For `NO_COLOR`: meaning carried by bold, underline, reverse and dim alone.
    pub fn no_color() -> Styles {
        Styles::from_theme(&Theme::no_color())
    }

    pub fn get(&self, role: Role) -> Style {
        self.by_role.get(&role).copied().unwrap_or_default()
    }

    /// A pane's border: the focus colour when keys go to it.
    pub fn border(&self, focused: bool) -> Style {
        self.get(if focused { Role::Focus } else { Role::Border })
    }
}

fn color(c: &ThemeColor) -> Color {
    match c {
        ThemeColor::Reset => Color::Reset,
        ThemeColor::Indexed(i) => Color::Indexed(*i),
        ThemeColor::Rgb(r, g, b) => Color::Rgb(*r, *g, *b),
        ThemeColor::Named(n) => named(n.ansi_index()),
    }
}

/// The 16 ANSI colours by their index.
fn named(index: u8) -> Color {
    const ANSI: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    ANSI[usize::from(index % 16)]
}

fn style(spec: &StyleSpec) -> Style {
    let mut s = Style::default();
    if let Some(fg) = &spec.fg {
        s = s.fg(color(fg));
    }
    if let Some(bg) = &spec.bg {
        s = s.bg(color(bg));
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.dim, Modifier::DIM),
    ] {
        if on {
            s = s.add_modifier(m);
        }
    }
    s
}
