//! The events table: which rows pass the filters, the cursor, the scroll and the marks.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::store::FilterSet;

/// What a set of rows answers: the filters and a query's events (not the order: another order
/// of the same rows keeps the cursor on its event).
pub type RowsAsked = (FilterSet, Option<Arc<Vec<u32>>>);

#[derive(Debug, Clone, Default)]
pub struct EventTable {
    /// Store rows that pass the filters, in input order.
    pub rows: Arc<Vec<u32>>,
    /// Index into `rows`.
    pub cursor: usize,
    /// The first index shown.
    pub offset: usize,
    /// Store rows marked for export; they stay marked while filters change.
    pub marked: BTreeSet<u32>,
    /// What the latest filter request asked, and what the rows shown answer.
    pub asked: Option<RowsAsked>,
    pub shown: Option<RowsAsked>,
    /// The event a new answer puts the cursor on when it holds it (a pivot keeps the event it
    /// was taken from), instead of the first row.
    pub land_on: Option<u32>,
}

impl EventTable {
    /// The store row under the cursor.
    pub fn selected(&self) -> Option<u32> {
        self.rows.get(self.cursor).copied()
    }

    /// New rows from a filter: the cursor stays on the same event when it is still there, else
    /// on the nearest one before it.
    pub fn set_rows(&mut self, rows: Arc<Vec<u32>>, page: usize) {
        let keep = self.selected();
        self.rows = rows;
        self.cursor = match keep {
            // In time order, found by halving; sorted by a column, by looking.
            Some(row) => match self.rows.binary_search(&row) {
                Ok(i) => i,
                Err(i) if self.rows.is_sorted() => i.saturating_sub(1),
                Err(_) => self.rows.iter().position(|r| *r == row).unwrap_or(0),
            },
            None => 0,
        };
        self.clamp(page);
    }

    /// The rows of the latest request. A new question (filters, a query's events) is read from
    /// its first row, as a responder expects of a new result; the same one asked again (more
    /// events loaded or followed) keeps the cursor on its event.
    pub fn answer(&mut self, rows: Arc<Vec<u32>>, page: usize) {
        let fresh = self.asked != self.shown;
        self.shown = self.asked.clone();
        if fresh {
            let land_on = self.land_on.take();
            self.rows = rows;
            self.offset = 0;
            self.top(page);
            if let Some(at) = land_on.and_then(|row| self.rows.iter().position(|r| *r == row)) {
                self.cursor = at;
                self.clamp(page);
            }
        } else {
            self.set_rows(rows, page);
        }
    }

    /// Moves the cursor by `delta` rows (negative up), keeping it on screen.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.clamp(page);
    }

    pub fn top(&mut self, page: usize) {
        self.cursor = 0;
        self.clamp(page);
    }

    pub fn bottom(&mut self, page: usize) {
        self.cursor = self.rows.len().saturating_sub(1);
        self.clamp(page);
    }

    /// Scrolls the view by `delta` rows, the cursor following when it would leave the screen.
    pub fn scroll_by(&mut self, delta: isize, page: usize) {
        let max_offset = self.rows.len().saturating_sub(page);
        self.offset = self.offset.saturating_add_signed(delta).min(max_offset);
        self.cursor = self.cursor.clamp(
            self.offset,
            (self.offset + page).saturating_sub(1).max(self.offset),
        );
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    /// Puts the cursor on the `i`-th visible line (a mouse click).
    pub fn click(&mut self, line: usize, page: usize) {
        if self.offset + line < self.rows.len() {
            self.cursor = self.offset + line;
            self.clamp(page);
        }
    }

    /// Marks or unmarks the row under the cursor; true when it is now marked.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let row = self.selected()?;
        if self.marked.remove(&row) {
            Some(false)
        } else {
            self.marked.insert(row);
            Some(true)
        }
    }

    fn clamp(&mut self, page: usize) {
        let page = page.max(1);
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(page));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: u32) -> EventTable {
        EventTable {
            rows: Arc::new((0..n).map(|i| i * 10).collect()),
            ..EventTable::default()
        }
    }

    #[test]
    fn the_cursor_stays_on_screen_and_in_range() {
        let mut r = table(100);
        r.move_by(15, 10);
        assert_eq!((r.cursor, r.offset), (15, 6));
        r.move_by(-12, 10);
        assert_eq!((r.cursor, r.offset), (3, 3));
        r.bottom(10);
        assert_eq!((r.cursor, r.offset), (99, 90));
        r.move_by(5, 10);
        assert_eq!(r.cursor, 99);
        r.top(10);
        assert_eq!((r.cursor, r.offset), (0, 0));
        r.move_by(-1, 10);
        assert_eq!(r.cursor, 0);
    }

    #[test]
    fn new_rows_keep_the_cursor_on_the_same_event() {
        let mut r = table(100);
        r.move_by(50, 10);
        assert_eq!(r.selected(), Some(500));
        // A filter that keeps every other event: 500 is still there.
        r.set_rows(Arc::new((0..100).map(|i| i * 20).collect()), 10);
        assert_eq!(r.selected(), Some(500));
        // One that drops it: the nearest before it.
        r.set_rows(Arc::new(vec![10, 490, 510]), 10);
        assert_eq!(r.selected(), Some(490));
        r.set_rows(Arc::new(Vec::new()), 10);
        assert_eq!(r.selected(), None);
    }

    #[test]
    fn a_new_question_starts_at_the_first_row_and_more_of_the_same_keeps_the_event() {
        let mut r = table(100);
        r.asked = Some(Default::default());
        r.answer(Arc::new((0..100).map(|i| i * 10).collect()), 10);
        r.move_by(50, 10);
        // More events loaded under the same filters: the cursor stays on its event.
        r.answer(Arc::new((0..200).map(|i| i * 5).collect()), 10);
        assert_eq!(r.selected(), Some(500));
        // Another filter: its first row, at the top.
        let other = crate::store::FilterSet {
            text: Some("delete".into()),
            ..Default::default()
        };
        r.asked = Some((other, None));
        r.answer(Arc::new(vec![490, 500, 510]), 10);
        assert_eq!((r.cursor, r.offset, r.selected()), (0, 0, Some(490)));
    }

    #[test]
    fn scrolling_drags_the_cursor_along_and_marks_survive_filters() {
        let mut r = table(100);
        r.scroll_by(30, 10);
        assert_eq!((r.offset, r.cursor), (30, 30));
        r.scroll_by(-100, 10);
        assert_eq!((r.offset, r.cursor), (0, 9));
        assert_eq!(r.toggle_mark(), Some(true));
        r.set_rows(Arc::new(vec![1, 2]), 10);
        assert!(r.marked.contains(&90));
        r.click(1, 10);
        assert_eq!(r.selected(), Some(2));
        r.click(5, 10);
        assert_eq!(r.selected(), Some(2));
    }
}
