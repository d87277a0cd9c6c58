//! Text being edited: lines and a cursor, positions in characters so that multi-byte text moves
//! one character at a time.

/// Lines of text and a cursor. Always at least one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBuffer {
    lines: Vec<String>,
    row: usize,
    /// In characters.
    col: usize,
}

impl Default for TextBuffer {
    fn default() -> Self {
        TextBuffer::new("")
    }
}

fn byte_at(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i)
}

impl TextBuffer {
    /// The text, with the cursor at its end.
    pub fn new(text: &str) -> TextBuffer {
        let mut lines: Vec<String> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let row = lines.len() - 1;
        let col = lines[row].chars().count();
        TextBuffer { lines, row, col }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `(row, column)`, the column in characters.
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].is_empty()
    }

    pub fn on_first_line(&self) -> bool {
        self.row == 0
    }

    pub fn on_last_line(&self) -> bool {
        self.row + 1 == self.lines.len()
    }

    fn line_len(&self) -> usize {
        self.lines[self.row].chars().count()
    }

    /// Types a character. Control characters never enter the text: it is echoed to the
    /// terminal. True when the text changed.
    pub fn insert(&mut self, c: char) -> bool {
        if c.is_control() {
            return false;
        }
        let line = &mut self.lines[self.row];
        line.insert(byte_at(line, self.col), c);
        self.col += 1;
        true
    }

    /// Splits the line at the cursor.
    pub fn newline(&mut self) {
        let line = &mut self.lines[self.row];
        let rest = line.split_off(byte_at(line, self.col));
        self.lines.insert(self.row + 1, rest);
        self.row += 1;
        self.col = 0;
    }

    /// Deletes the character before the cursor, joining lines at a line's start.
    pub fn backspace(&mut self) -> bool {
        if self.col > 0 {
            let line = &mut self.lines[self.row];
            line.remove(byte_at(line, self.col - 1));
            self.col -= 1;
            true
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.line_len();
            self.lines[self.row].push_str(&line);
            true
        } else {
            false
        }
    }

    /// Deletes the character under the cursor, joining lines at a line's end.
    pub fn delete(&mut self) -> bool {
        if self.col < self.line_len() {
            let line = &mut self.lines[self.row];
            line.remove(byte_at(line, self.col));
            true
        } else if !self.on_last_line() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
            true
        } else {
            false
        }
    }

    /// Deletes from the line's start to the cursor.
    pub fn delete_to_line_start(&mut self) -> bool {
        if self.col == 0 {
            return false;
        }
        let line = &mut self.lines[self.row];
        line.replace_range(..byte_at(line, self.col), "");
        self.col = 0;
        true
    }

    pub fn left(&mut self) {
        if self.col > 0 {
            self.col -= 1;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.line_len();
        }
    }

    pub fn right(&mut self) {
        if self.col < self.line_len() {
            self.col += 1;
        } else if !self.on_last_line() {
            self.row += 1;
            self.col = 0;
        }
    }

    pub fn up(&mut self) {
        if self.row > 0 {
            self.row -= 1;
            self.col = self.col.min(self.line_len());
        }
    }

    pub fn down(&mut self) {
        if !self.on_last_line() {
            self.row += 1;
            self.col = self.col.min(self.line_len());
        }
    }

    pub fn line_start(&mut self) {
        self.col = 0;
    }

    pub fn line_end(&mut self) {
        self.col = self.line_len();
    }

    pub fn text_start(&mut self) {
        (self.row, self.col) = (0, 0);
    }

    pub fn text_end(&mut self) {
        self.row = self.lines.len() - 1;
        self.line_end();
    }

    /// Byte offset of the cursor in [`TextBuffer::text`].
    pub fn offset(&self) -> usize {
        let before: usize = self.lines[..self.row].iter().map(|l| l.len() + 1).sum();
        before + byte_at(&self.lines[self.row], self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_multibyte_text_a_character_at_a_time() {
        let mut b = TextBuffer::new("filter user = \"zoë\"");
        assert_eq!(b.cursor(), (0, 19));
        b.left();
        b.left();
        b.backspace();
        assert_eq!(b.text(), "filter user = \"zë\"");
        b.insert('ö');
        b.insert('日');
        assert_eq!(b.text(), "filter user = \"zö日ë\"");
        assert_eq!(b.cursor(), (0, 18));
        b.delete();
        assert_eq!(b.text(), "filter user = \"zö日\"");
        assert_eq!(&b.text()[b.offset()..], "\"");
        assert!(!b.insert('\u{1b}'));
        assert!(!b.insert('\n'));
        assert_eq!(b.text(), "filter user = \"zö日\"");
    }

    #[test]
    fn newlines_split_and_backspace_and_delete_join() {
        let mut b = TextBuffer::new("fields aé | limit 5");
        b.line_start();
        for _ in 0..9 {
            b.right();
        }
        b.newline();
        assert_eq!(b.lines(), ["fields aé", " | limit 5"]);
        assert_eq!(b.cursor(), (1, 0));
        assert_eq!(b.offset(), "fields aé\n".len());
        b.backspace();
        assert_eq!(b.text(), "fields aé | limit 5");
        assert_eq!(b.cursor(), (0, 9));
        b.newline();
        b.up();
        b.line_end();
        b.delete();
        assert_eq!(b.text(), "fields aé | limit 5");
    }

    #[test]
    fn moving_wraps_between_lines_and_clamps_the_column() {
        let mut b = TextBuffer::new("a long line\nab\nxyz");
        b.text_start();
        b.line_end();
        b.down();
        assert_eq!(b.cursor(), (1, 2));
        b.right();
        assert_eq!(b.cursor(), (2, 0));
        b.left();
        assert_eq!(b.cursor(), (1, 2));
        b.text_end();
        assert_eq!(b.cursor(), (2, 3));
        assert!(b.on_last_line());
        b.down();
        assert_eq!(b.cursor(), (2, 3));
        assert!(b.delete_to_line_start());
        assert_eq!(b.text(), "a long line\nab\n");
        assert!(!TextBuffer::new("").backspace());
        assert!(TextBuffer::new("").is_empty());
        assert_eq!(TextBuffer::new("a\r\nb").lines(), ["a", "b"]);
    }
}
