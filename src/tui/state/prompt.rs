//! The one-line prompt at the bottom: a text search, a `:` command, or the path of an export.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// `/`: keep events whose text holds this.
    Search,
    /// `:`: a command (`export PATH`, `theme NAME`, `clear`, `q`).
    Command,
    /// Where to write the export; `all` for the whole filtered result, else the marked rows.
    Export { all: bool },
    /// The export's file exists: `y` replaces it.
    ConfirmOverwrite { all: bool },
    /// The value of a canned query's parameter (named in [`Prompt::param`]).
    Param,
    /// A mark's tag, then its note, for the event under the cursor (in a case).
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// In characters.
    pub cursor: usize,
    /// The parameter asked for, for [`PromptKind::Param`]; the tag given last, for
    /// [`PromptKind::Tag`].
    pub param: Option<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, input: &str) -> Prompt {
        Prompt {
            kind,
            input: input.to_string(),
            cursor: input.chars().count(),
            param: None,
        }
    }

    /// A prompt for the value of parameter `name`.
    pub fn for_param(name: &str) -> Prompt {
        Prompt {
            param: Some(name.to_string()),
            ..Prompt::new(PromptKind::Param, "")
        }
    }

    pub fn label(&self) -> String {
        match self.kind {
            PromptKind::Search => "/".into(),
            PromptKind::Command => ":".into(),
            PromptKind::Export { all: false } => "export marked to: ".into(),
            PromptKind::Export { all: true } => "export all filtered to: ".into(),
            PromptKind::ConfirmOverwrite { .. } => "file exists; replace it? (y/n) ".into(),
            PromptKind::Tag => format!(
                "tag and note (Enter: {}): ",
                crate::text::sanitize(self.param.as_deref().unwrap_or("unsure"))
            ),
            PromptKind::Param => format!(
                "{}: ",
                crate::text::sanitize(self.param.as_deref().unwrap_or("value"))
            ),
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.input
            .char_indices()
            .nth(chars)
            .map_or(self.input.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        // Control characters never enter the line: it is echoed to the terminal.
        if c.is_control() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.input.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let at = self.byte_at(self.cursor - 1);
            self.input.remove(at);
            self.cursor -= 1;
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.input.chars().count() {
            let at = self.byte_at(self.cursor);
            self.input.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.input.chars().count());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_works_on_characters_and_refuses_control_characters() {
        let mut p = Prompt::new(PromptKind::Search, "héllo");
        assert_eq!(p.cursor, 5);
        p.left();
        p.left();
        p.insert('X');
        assert_eq!(p.input, "hélXlo");
        p.insert('\u{1b}');
        p.insert('\n');
        assert_eq!(p.input, "hélXlo");
        p.backspace();
        p.backspace();
        p.backspace();
        assert_eq!((p.input.as_str(), p.cursor), ("hlo", 1));
        p.delete();
        assert_eq!(p.input, "ho");
        for _ in 0..10 {
            p.right();
        }
        assert_eq!(p.cursor, 2);
    }
}
