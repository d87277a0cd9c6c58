//! The case open in the console: opening one, marks with their tags and notes, notes on the
//! case, and the journal's confirmations. Every entry goes to the runner's writer; the screen
//! says it is kept only when the writer has it on disk.

use super::super::case_desk::{CaseKept, CaseWrite, OpenedCase};
use super::super::effect::Effect;
use super::super::msg::QueryAnswer;
use super::super::state::{CaseState, Elsewhere, Level, Mark, Prompt, PromptKind, State};
use crate::case::{self, FindingOpened, QueryRun};
use crate::text::{count, sanitize};

/// `:case NAME` opens (or makes) a case; `:case` alone says which is open.
pub fn command(state: &mut State, arg: &str) -> Vec<Effect> {
    if arg.is_empty() {
        let said = match &state.case {
            Some(c) => summary(c),
            None => "no case open: :case NAME opens one (made if new), to keep marks with tags \
                     and notes, notes, and the queries run"
                .to_string(),
        };
        state.say(said, Level::Info);
        return Vec::new();
    }
    if let Err(e) = case::check_name(arg) {
        state.say(e.to_string(), Level::Error);
        return Vec::new();
    }
    state.say(format!("opening case {arg}…"), Level::Info);
    vec![Effect::OpenCase(arg.to_string())]
}

fn summary(c: &CaseState) -> String {
    let mut text = format!("case {}: {} marked", c.name, c.marked());
    if !c.elsewhere.is_empty() {
        text.push_str(&format!(
            " ({} not among the events read)",
            c.elsewhere.len()
        ));
    }
    if c.unconfirmed > 0 {
        text.push_str(&format!(
            ", {} being written",
            count(c.unconfirmed, "entry")
        ));
    }
    text.push_str(&format!(" · in {}", sanitize(&c.dir.display().to_string())));
    text
}

/// `:note TEXT`: a note on the case itself.
pub fn note(state: &mut State, text: &str) -> Vec<Effect> {
    let Some(open) = state.case.as_mut() else {
        state.say(
            "no case open: :case NAME opens one, then :note TEXT keeps a note in it",
            Level::Warning,
        );
        return Vec::new();
    };
    if text.is_empty() {
        state.say("usage: :note TEXT (a note on the case)", Level::Warning);
        return Vec::new();
    }
    open.unconfirmed += 1;
    vec![Effect::CaseWrite(CaseWrite::Note(text.to_string()))]
}

/// The case asked for is open: its marks replace those of the case before; marks made with no
/// case open are kept in it.
pub fn on_opened(state: &mut State, opened: Result<Box<OpenedCase>, String>) -> Vec<Effect> {
    let opened = match opened {
        Ok(opened) => *opened,
        Err(e) => {
            state.say(format!("the case could not be opened: {e}"), Level::Error);
            return Vec::new();
        }
    };
    let carried: Vec<u32> = if state.case.is_some() {
        state.table.marked.clear();
        Vec::new()
    } else {
        let held: Vec<u32> = opened.held.iter().map(|(row, _)| *row).collect();
        let carried = state.table.marked.iter().copied();
        carried.filter(|row| !held.contains(row)).collect()
    };
    let mut open = CaseState::new(&opened.name, opened.dir);
    for (row, mark) in opened.held {
        state.table.marked.insert(row);
        open.marks.insert(row, mark);
    }
    open.elsewhere = opened.elsewhere;
    let mut effects = Vec::new();
    for &row in &carried {
        let mark = open.space_mark();
        open.marks.insert(row, mark.clone());
        open.unconfirmed += 1;
        effects.push(Effect::CaseWrite(CaseWrite::Mark {
            row,
            mark,
            ptr: None,
        }));
    }
    let mut text = format!(
        "case {} {}: {} marked",
        open.name,
        if opened.created { "made" } else { "opened" },
        open.marked()
    );
    if !open.elsewhere.is_empty() {
        let n = open.elsewhere.len();
        text.push_str(&if state.status.load.done {
            format!(" ({n} not among the events read)")
        } else {
            format!(" ({n} to find as the events load)")
        });
    }
    if !carried.is_empty() {
        text.push_str(&format!(
            ", {} made before added [{}]",
            count(carried.len(), "mark"),
            open.tag
        ));
    }
    text.push_str(&format!(
        ", {}, {} · m marks with a tag and a note, :note TEXT notes",
        count(opened.notes, "note"),
        count(opened.queries, "query")
    ));
    state.case = Some(open);
    match opened.bad_lines {
        Some(bad) => state.say(format!("{text} — {bad}"), Level::Warning),
        None => state.say(text, Level::Info),
    }
    effects.extend(find_elsewhere(state));
    effects
}

/// Space on a held event: marks it with the tag given last, or takes its mark back. Outside a
/// case, a plain mark for export.
pub fn toggle(state: &mut State, row: u32) -> Vec<Effect> {
    let Some(open) = state.case.as_mut() else {
        if !state.table.marked.remove(&row) {
            state.table.marked.insert(row);
        }
        return Vec::new();
    };
    open.unconfirmed += 1;
    if state.table.marked.remove(&row) {
        open.marks.remove(&row);
        return vec![Effect::CaseWrite(CaseWrite::Unmark { row })];
    }
    let mark = open.space_mark();
    state.table.marked.insert(row);
    open.marks.insert(row, mark.clone());
    vec![Effect::CaseWrite(CaseWrite::Mark {
        row,
        mark,
        ptr: None,
    })]
}

/// The event a mark is about: the answer's row while the answer is in front, else the table's.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Held(u32),
    /// An answer row whose event is in CloudWatch, not held: fetched whole first.
    Remote {
        index: usize,
        ptr: String,
    },
    Nothing,
}

pub fn target(state: &State) -> Target {
    let answer = state
        .query
        .run
        .as_ref()
        .filter(|_| state.query.showing && state.focus == super::super::state::Focus::Table);
    let Some(run) = answer else {
        return state.table.selected().map_or(Target::Nothing, Target::Held);
    };
    if let Some(row) = run.selected_event() {
        return Target::Held(row);
    }
    match run.selected_ptr() {
        Some((index, ptr)) => Target::Remote {
            index,
            ptr: ptr.to_string(),
        },
        None => Target::Nothing,
    }
}

/// `m`: the prompt for a tag and a note, holding the event's own (or the tag given last).
pub fn ask(state: &mut State) -> Vec<Effect> {
    let row = match target(state) {
        Target::Held(row) => Some(row),
        Target::Remote { .. } => None,
        Target::Nothing => {
            state.say("no event here to mark", Level::Warning);
            return Vec::new();
        }
    };
    let Some(open) = state.case.as_ref() else {
        state.say(
            "no case open: :case NAME opens one (made if new); a case keeps marks with their \
             tags and notes",
            Level::Warning,
        );
        return Vec::new();
    };
    // A mark made before is there to change; a new one starts empty, Enter alone giving it
    // the tag given last.
    let input = match row.and_then(|r| open.marks.get(&r)) {
        Some(Mark {
            tag,
            note: Some(note),
        }) => format!("{tag} {note}"),
        Some(Mark { tag, note: None }) => format!("{tag} "),
        None => String::new(),
    };
    let tag = open.tag.clone();
    let mut prompt = Prompt::new(PromptKind::Tag, &input);
    prompt.param = Some(tag);
    state.prompt = Some(prompt);
    Vec::new()
}

/// The tag prompt's line: its first word the tag, the rest the note; an empty line is
/// `last`, the tag given last.
pub fn parse(line: &str, last: &str) -> Result<Mark, String> {
    let line = match line.trim() {
        "" => last,
        line => line,
    };
    let (tag, note) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(t, n)| (t, n.trim()));
    let tag = case::check_tag(tag).map_err(|e| e.to_string())?;
    Ok(Mark {
        tag,
        note: (!note.is_empty()).then(|| note.to_string()),
    })
}

/// The tag prompt's answer: the event under the cursor marked (or marked again) with it.
pub fn tagged(state: &mut State, line: &str) -> Vec<Effect> {
    let Some(last) = state.case.as_ref().map(|c| c.tag.clone()) else {
        return Vec::new();
    };
    let given = match parse(line, &last) {
        Ok(given) => given,
        Err(e) => {
            state.say(e, Level::Error);
            return Vec::new();
        }
    };
    match target(state) {
        Target::Held(row) => mark(state, row, given),
        Target::Remote { index, ptr } => fetch_then_mark(state, index, ptr, given),
        Target::Nothing => {
            state.say("no event here to mark", Level::Warning);
            Vec::new()
        }
    }
}

/// An answer row whose event is not held: CloudWatch is asked for the whole record
/// (GetLogRecord), and it is marked as it comes.
pub fn fetch_then_mark(state: &mut State, index: usize, ptr: String, given: Mark) -> Vec<Effect> {
    state.say(
        "fetching the whole event from CloudWatch (GetLogRecord) to keep it…",
        Level::Info,
    );
    vec![Effect::FetchRecord {
        ticket: state.query_ticket,
        index,
        ptr,
        mark: Some(given),
    }]
}

/// The event at `row` marked (or marked again) with `mark`, which Space uses from now on.
pub fn mark(state: &mut State, row: u32, mark: Mark) -> Vec<Effect> {
    mark_at(state, row, mark, None)
}

/// [`mark`], of an event fetched from CloudWatch, which keeps it at `ptr`.
pub fn mark_at(state: &mut State, row: u32, mark: Mark, ptr: Option<String>) -> Vec<Effect> {
    let Some(open) = state.case.as_mut() else {
        state.table.marked.insert(row);
        return Vec::new();
    };
    open.tag = mark.tag.clone();
    open.unconfirmed += 1;
    open.marks.insert(row, mark.clone());
    state.table.marked.insert(row);
    vec![Effect::CaseWrite(CaseWrite::Mark { row, mark, ptr })]
}

/// The journal kept an entry, or could not: a mark not kept is taken off the screen.
pub fn on_kept(state: &mut State, kept: CaseKept) -> Vec<Effect> {
    let Some(open) = state.case.as_mut().filter(|c| c.name == kept.case) else {
        if let Some(e) = kept.error {
            state.say(format!("NOT kept in case {}: {e}", kept.case), Level::Error);
        }
        return Vec::new();
    };
    open.unconfirmed = open.unconfirmed.saturating_sub(1);
    if let Some(e) = kept.error {
        let undone = match kept.write {
            CaseWrite::Mark { row, .. } => {
                open.marks.remove(&row);
                state.table.marked.remove(&row);
                " (the mark is taken off)"
            }
            CaseWrite::Unmark { row } => {
                state.table.marked.insert(row);
                " (the event stays marked in the case)"
            }
            _ => "",
        };
        let name = kept.case;
        state.say(
            format!("NOT kept in case {name}: {e}{undone}"),
            Level::Error,
        );
        return Vec::new();
    }
    let marked = open.marked();
    let said = match &kept.write {
        CaseWrite::Mark { mark, .. } => format!("marked {}", mark.label()),
        CaseWrite::Unmark { .. } => "mark taken back".to_string(),
        CaseWrite::Note(_) => "note".to_string(),
        // Said by the query and the findings themselves.
        CaseWrite::Query(_) | CaseWrite::Finding(_) => return Vec::new(),
    };
    state.say(
        // The count first: a long note is what an 80-column line cuts.
        format!("kept in case {} ({marked} marked): {said}", kept.case),
        Level::Info,
    );
    Vec::new()
}

/// Looks for the case's marks not held among the events, once loading is done (and again as
/// events are followed in); one look at a time.
pub fn find_elsewhere(state: &mut State) -> Option<Effect> {
    let open = state.case.as_mut()?;
    if open.elsewhere.is_empty() || open.matching || !state.status.load.done {
        return None;
    }
    open.matching = true;
    Some(Effect::FindMarks(open.elsewhere.clone()))
}

/// The marks found held take their rows.
pub fn on_found(state: &mut State, marks: Vec<Elsewhere>, rows: Vec<Option<u32>>) -> Vec<Effect> {
    let Some(open) = state.case.as_mut() else {
        return Vec::new();
    };
    open.matching = false;
    for (mark, row) in marks.into_iter().zip(rows) {
        let Some(row) = row else { continue };
        if let Some(at) = open.elsewhere.iter().position(|e| *e == mark) {
            open.elsewhere.remove(at);
            open.marks.insert(row, mark.mark);
            state.table.marked.insert(row);
        }
    }
    // Said when it changes, not on every look as events are followed in.
    let missing = open.elsewhere.len();
    if open.told != Some(missing) {
        open.told = Some(missing);
        let name = open.name.clone();
        if missing > 0 {
            state.say(
                format!(
                    "case {name}: {} not among the events read (kept in the case all the same)",
                    count(missing, "marked event")
                ),
                Level::Warning,
            );
        }
    }
    Vec::new()
}

/// A query that ran, as the journal keeps it; `None` with no case open, or for a finding's
/// hits (kept as the finding opened).
pub fn query_entry(state: &mut State, text: &str, answer: &QueryAnswer) -> Option<Effect> {
    let open = state.case.as_mut()?;
    if answer.held.is_some() {
        return None;
    }
    open.unconfirmed += 1;
    let stats = answer.result.statistics;
    Some(Effect::CaseWrite(CaseWrite::Query(QueryRun {
        text: text.to_string(),
        range: case::range_text(answer.asked.range),
        sources: answer.asked.read_from.files.clone(),
        log_groups: answer.asked.read_from.log_groups.clone(),
        records_scanned: stats.records_scanned,
        bytes_scanned: stats.bytes_scanned,
        rows: answer.result.rows.len() as u64,
    })))
}

/// A finding opened, as the journal keeps it.
pub fn finding_entry(state: &mut State, finding: FindingOpened) -> Option<Effect> {
    let open = state.case.as_mut()?;
    open.unconfirmed += 1;
    Some(Effect::CaseWrite(CaseWrite::Finding(finding)))
}
