//! Colours as a theme names them.

use std::fmt;
use std::str::FromStr;

use super::did_you_mean;
use crate::text::suggest::nearest;

/// The sixteen ANSI colours, named as ratatui names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedColor {
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    /// ANSI 7, which ANSI itself calls white.
    Gray,
    /// ANSI 8, "bright black".
    DarkGray,
    LightRed,
    LightGreen,
    LightYellow,
    LightBlue,
    LightMagenta,
    LightCyan,
    /// ANSI 15, "bright white".
    White,
}

impl NamedColor {
    /// In ANSI order, so that the index is the position.
    pub const ALL: [NamedColor; 16] = [
        NamedColor::Black,
        NamedColor::Red,
        NamedColor::Green,
        NamedColor::Yellow,
        NamedColor::Blue,
        NamedColor::Magenta,
        NamedColor::Cyan,
        NamedColor::Gray,
        NamedColor::DarkGray,
        NamedColor::LightRed,
        NamedColor::LightGreen,
        NamedColor::LightYellow,
        NamedColor::LightBlue,
        NamedColor::LightMagenta,
        NamedColor::LightCyan,
        NamedColor::White,
    ];

    /// The canonical spelling, as `Display` for [`ThemeColor`] writes it.
    pub fn name(self) -> &'static str {
        match self {
            NamedColor::Black => "black",
            NamedColor::Red => "red",
            NamedColor::Green => "green",
            NamedColor::Yellow => "yellow",
            NamedColor::Blue => "blue",
            NamedColor::Magenta => "magenta",
            NamedColor::Cyan => "cyan",
            NamedColor::Gray => "gray",
            NamedColor::DarkGray => "dark-gray",
            NamedColor::LightRed => "light-red",
            NamedColor::LightGreen => "light-green",
            NamedColor::LightYellow => "light-yellow",
            NamedColor::LightBlue => "light-blue",
            NamedColor::LightMagenta => "light-magenta",
            NamedColor::LightCyan => "light-cyan",
            NamedColor::White => "white",
        }
    }

    /// The colour's number in the terminal's 16-colour palette.
    pub fn ansi_index(self) -> u8 {
        self as u8
    }

    /// Accepts ratatui's spellings: any case, `-`, `_` or space between words, `bright` for
    /// `light`, `grey`, and `bright-black`/`bright-white` for `dark-gray`/`white`.
    fn parse(text: &str) -> Option<NamedColor> {
        let mut key: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .flat_map(char::to_lowercase)
            .collect();
        key = key.replace("bright", "light").replace("grey", "gray");
        let key = match key.as_str() {
            "lightblack" => "darkgray",
            "lightwhite" | "lightgray" => "white",
            other => other,
        };
        NamedColor::ALL
            .into_iter()
            .find(|c| c.name().replace('-', "") == key)
    }
}

/// A colour as a theme names it; the console maps it to the terminal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThemeColor {
    /// The terminal's own foreground or background.
    Reset,
    Named(NamedColor),
    /// An entry of the 256-colour palette.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Why a colour could not be read; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown colour {text:?}{}; write a name such as \"light-red\", \"#ff5f5f\", \"ix:203\" or \"reset\"", did_you_mean(.suggestion.as_deref()))]
pub struct ColorError {
    pub text: String,
    pub suggestion: Option<String>,
}

impl FromStr for ThemeColor {
    type Err = ColorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower == "reset" || lower == "default" {
            return Ok(ThemeColor::Reset);
        }
        if let Some(named) = NamedColor::parse(trimmed) {
            return Ok(ThemeColor::Named(named));
        }
        let index = lower
            .strip_prefix("ix:")
            .or_else(|| lower.strip_prefix("color"))
            .or_else(|| lower.strip_prefix("colour"))
            .unwrap_or(&lower);
        if let Ok(i) = index.parse::<u8>() {
            return Ok(ThemeColor::Indexed(i));
        }
        if let Some(hex) = trimmed.strip_prefix('#')
            && hex.len() == 6
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_default();
            return Ok(ThemeColor::Rgb(byte(0), byte(2), byte(4)));
        }
        let names = NamedColor::ALL.iter().map(|c| c.name()).chain(["reset"]);
        Err(ColorError {
            text: text.to_owned(),
            suggestion: nearest(trimmed, names),
        })
    }
}

impl fmt::Display for ThemeColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThemeColor::Reset => f.write_str("reset"),
            ThemeColor::Named(c) => f.write_str(c.name()),
            ThemeColor::Indexed(i) => write!(f, "ix:{i}"),
            ThemeColor::Rgb(r, g, b) => write!(f, "#{r:02x}{g:02x}{b:02x}"),
        }
    }
}
