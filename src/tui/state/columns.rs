//! The events table's columns: which are shown, the picker that changes them, and the sort.

use crate::store::{Facet, SortKey};

/// A column of the events table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventColumn {
    Time,
    User,
    SourceIp,
    Verb,
    Resource,
    Object,
    Code,
    Decision,
    UserAgent,
}

impl EventColumn {
    /// In the order the table shows them.
    pub const ALL: [EventColumn; 9] = [
        EventColumn::Time,
        EventColumn::User,
        EventColumn::SourceIp,
        EventColumn::Verb,
        EventColumn::Resource,
        EventColumn::Object,
        EventColumn::Code,
        EventColumn::Decision,
        EventColumn::UserAgent,
    ];

    pub fn title(self) -> &'static str {
        match self {
            EventColumn::Time => "time (UTC)",
            EventColumn::User => "user",
            EventColumn::SourceIp => "source IP",
            EventColumn::Verb => "verb",
            EventColumn::Resource => "resource",
            EventColumn::Object => "namespace/name",
            EventColumn::Code => "code",
            EventColumn::Decision => "decision",
            EventColumn::UserAgent => "user agent",
        }
    }

    pub fn sort_key(self) -> SortKey {
        match self {
            EventColumn::Time => SortKey::Time,
            EventColumn::User => SortKey::Facet(Facet::User),
            EventColumn::SourceIp => SortKey::Facet(Facet::SourceIp),
            EventColumn::Verb => SortKey::Facet(Facet::Verb),
            EventColumn::Resource => SortKey::Facet(Facet::Resource),
            EventColumn::Object => SortKey::Object,
            EventColumn::Code => SortKey::Facet(Facet::Code),
            EventColumn::Decision => SortKey::Facet(Facet::Decision),
            EventColumn::UserAgent => SortKey::Facet(Facet::UserAgent),
        }
    }
}

/// The table's order: by a column, else the events' own (time) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSort {
    pub column: EventColumn,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventColumns {
    /// Per column of [`EventColumn::ALL`]: shown.
    pub shown: [bool; 9],
    /// The picker's cursor while it is open.
    pub picker: Option<usize>,
    pub sort: Option<EventSort>,
}

impl Default for EventColumns {
    fn default() -> Self {
        let mut shown = [true; 9];
        shown[8] = false;
        EventColumns {
            shown,
            picker: None,
            sort: None,
        }
    }
}

impl EventColumns {
    /// The shown columns, in order.
    pub fn visible(&self) -> Vec<EventColumn> {
        EventColumn::ALL
            .into_iter()
            .zip(self.shown)
            .filter(|(_, shown)| *shown)
            .map(|(c, _)| c)
            .collect()
    }

    /// Shows or hides the column under the picker's cursor; the last one shown stays. True when
    /// it changed.
    pub fn toggle(&mut self) -> bool {
        let Some(at) = self.picker else { return false };
        if self.shown[at] && self.shown.iter().filter(|s| **s).count() == 1 {
            return false;
        }
        self.shown[at] = !self.shown[at];
        true
    }

    /// `s`: sort by the next shown column; after the last, back to time order.
    pub fn next_sort(&mut self) {
        let visible = self.visible();
        let next = match self.sort {
            None => visible.first().copied(),
            Some(s) => {
                let at = visible.iter().position(|c| *c == s.column);
                at.and_then(|i| visible.get(i + 1).copied())
            }
        };
        self.sort = next.map(|column| EventSort {
            column,
            descending: false,
        });
    }

    /// `S`: reverse the sort (time order reversed when there is none).
    pub fn flip_sort(&mut self) {
        self.sort = Some(match self.sort {
            Some(s) => EventSort {
                descending: !s.descending,
                ..s
            },
            None => EventSort {
                column: EventColumn::Time,
                descending: true,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_cycles_through_shown_columns_and_the_last_column_stays() {
        let mut c = EventColumns::default();
        assert!(!c.visible().contains(&EventColumn::UserAgent));
        c.next_sort();
        assert_eq!(c.sort.map(|s| s.column), Some(EventColumn::Time));
        c.next_sort();
        assert_eq!(c.sort.map(|s| s.column), Some(EventColumn::User));
        c.flip_sort();
        assert!(c.sort.is_some_and(|s| s.descending));
        for _ in 0..7 {
            c.next_sort();
        }
        assert_eq!(c.sort, None);
        c.shown = [false; 9];
        c.shown[2] = true;
        c.picker = Some(2);
        assert!(!c.toggle());
        c.picker = Some(8);
        assert!(c.toggle());
        assert_eq!(c.visible(), [EventColumn::SourceIp, EventColumn::UserAgent]);
    }
}
