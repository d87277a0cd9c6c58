//! The lines the detail pane is made of: a label, its value and what the value means, in
//! titled sections. Both the event's own fields (`detail`) and what is decoded out of them
//! (`decoded`) are written as these.

/// One labelled line of the detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub label: String,
    pub value: String,
    pub tone: Tone,
}

/// What a value means, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Allow,
    Deny,
    Warning,
    Muted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: &'static str,
    pub lines: Vec<Line>,
}

/// A line of the detail.
pub fn line(label: &str, value: impl Into<String>, tone: Tone) -> Line {
    Line {
        label: label.to_string(),
        value: value.into(),
        tone,
    }
}
