//! Running a query over local events.
//!
//! A [`Plan`] is compiled once: every name the query uses gets a slot in a row, and the commands
//! become stages. A [`Run`] takes records one at a time ([`Run::push`]): the leading streaming
//! stages (`filter`, `fields`, `parse`, `unnest`, `dedup`, `limit` …) run per record, so a query
//! never holds more than it must; the first `sort` or `stats` collects rows, and everything after
//! it runs over the collection at [`Run::finish`]. Commands apply in the order they are written.
//!
//! | module | owns |
//! |---|---|
//! | `compile` | expressions compiled once per query: names become row slots, functions are resolved, constants folded |
//! | `stages` | the commands of a query as stages over rows |
//! | `groups` | the groups of a `stats … by`, found by their values without copying them |
//! | `lazy_regex` | the pattern of a `like /…/` or `=~`: judged when the plan is made, compiled when a record first reaches it |
//! | `prefilter` | [`RecordPrefilter`]: the literals a record must hold to pass the leading filters, tested before decoding; [`Plan::required_literals`], the same as text for a prefilter shared by many queries |
//! | `presence` | [`FieldPresence`]: whether some event read had a field the checker could not be sure of |
//! | `time_floor` | [`TimeFloor`]: the n most recent (or earliest) events; once n are held, older records are passed over |

mod compile;
mod groups;
mod lazy_regex;
mod prefilter;
mod presence;
mod stages;
mod time_floor;

pub use prefilter::RecordPrefilter;
pub use presence::FieldPresence;
pub use time_floor::TimeFloor;

use crate::audit::stage_timestamp_from_end;
use crate::audit::time::{TimeRange, parse_rfc3339_micros};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use crate::audit::formats::AuditRecord;
use crate::insights::eval::fields::{FieldSet, Interner, RawValue, RecordFields};
use crate::insights::eval::value::Value;
use crate::insights::syntax::ast::{CommandKind, Query};
use crate::insights::syntax::diag::Diagnostic;

use compile::CExpr;
use stages::{Flow, Stage, State};

/// How many rows a query without `limit` returns, as CloudWatch does (docs/insights.md).
pub const DEFAULT_ROW_CAP: usize = crate::insights::check::checker::DEFAULT_LIMIT as usize;

/// The names of a query, each a position in a row.
#[derive(Debug, Default, Clone)]
pub(crate) struct Slots {
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// Names the query itself made (aliases, `parse` and `unnest` names, `stats` columns): a
    /// field under one of them reads into its value (`m.webhook`, `m.items[0]` of
    /// `jsonParse(…) as m`).
    defined: Vec<String>,
    /// Something reads `@timestamp` (a column, `bin`, `earliest`, a sort …).
    timestamp_used: bool,
    /// Names read from the event: used by the query before (or without) being made by it.
    from_event: Vec<bool>,
}

impl Slots {
    pub(crate) fn slot(&mut self, name: &str) -> usize {
        if name == "@timestamp" {
            self.timestamp_used = true;
        }
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_string());
        self.from_event.push(false);
        self.index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }

    /// The slot of a field the query reads: from the event, unless the query made it first.
    pub(crate) fn read(&mut self, name: &str) -> usize {
        let slot = self.slot(name);
        if !self.defined.iter().any(|d| d == name) {
            self.from_event[slot] = true;
        }
        slot
    }

    /// The slot of `@timestamp` (always the first), without counting it as read: `stats` keeps it
    /// at hand for `earliest`/`latest`, which count themselves.
    pub(crate) fn timestamp(&self) -> usize {
        0
    }

    pub(crate) fn define(&mut self, name: &str) {
        if !self.defined.iter().any(|d| d == name) {
            self.defined.push(name.to_string());
        }
    }

    /// Whether the query made this name (so far).
    pub(crate) fn is_defined(&self, name: &str) -> bool {
        self.defined.iter().any(|d| d == name)
    }

    /// A slot no query name can take (aggregate values, hidden keys).
    pub(crate) fn hidden(&mut self, what: &str) -> usize {
        let name = format!("\u{0}{what}{}", self.names.len());
        self.slot(&name)
    }

    pub(crate) fn name(&self, slot: usize) -> &str {
        &self.names[slot]
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// A compiled query.
#[derive(Debug)]
pub struct Plan {
    slots: Slots,
    /// The names read from each record, and the slots they fill.
    load_names: Vec<String>,
    load_slots: Vec<usize>,
    /// `load_names` as paths, and the [`EVENT_TIME_FIELDS`]: made once, read by every run (in
    /// a pass of many queries, each part of an input has a run of each).
    load: FieldSet,
    time_fields: FieldSet,
    stages: Vec<Stage>,
    /// The result's columns, in order, with their slots.
    columns: Vec<(String, usize)>,
    /// `limit`, else [`DEFAULT_ROW_CAP`].
    cap: usize,
    /// No `limit` was given.
    default_cap: bool,
    /// `@ptr` was added to the columns ([`Plan::with_ptr`]).
    ptr_appended: bool,
}

/// What a run counted, as CloudWatch's query statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Records read.
    pub records_scanned: u64,
    /// Bytes of event JSON read.
    pub bytes_scanned: u64,
    /// Records that passed the query's filters before any `stats`, `sort` or `limit`.
    pub records_matched: u64,
}

/// A query's answer: named columns and rows of values.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub statistics: Statistics,
    /// A query without `limit` reached the default cap: there may be more rows.
    pub capped: bool,
}

impl Plan {
    /// Compiles a parsed (and checked) query. Errors point at the query text.
    pub fn new(query: &Query) -> Result<Plan, Diagnostic> {
        Plan::build(query, false)
    }

    /// [`Plan::new`], and a query without `stats` also answers `@ptr` (as CloudWatch does with
    /// every row of events), as its last column unless the query names it: the console ties
    /// rows back to the events it holds with it.
    pub fn with_ptr(query: &Query) -> Result<Plan, Diagnostic> {
        Plan::build(query, true)
    }

    /// The `@ptr` column among the result's, asked for or added by [`Plan::with_ptr`].
    pub fn ptr_column(&self) -> Option<usize> {
        self.columns.iter().position(|(c, _)| c == "@ptr")
    }

    /// `@ptr` was added by [`Plan::with_ptr`], not asked for.
    pub fn ptr_appended(&self) -> bool {
        self.ptr_appended
    }

    /// Takes the `@ptr` column [`Plan::with_ptr`] added off this plan's `result`, once its rows
    /// are tied to their events; one the query asked for stays.
    pub fn drop_added_ptr(&self, result: &mut QueryResult) {
        let Some(column) = self.ptr_column().filter(|_| self.ptr_appended) else {
            return;
        };
        result.columns.remove(column);
        for row in &mut result.rows {
            if column < row.len() {
                row.remove(column);
            }
        }
    }

    fn build(query: &Query, with_ptr: bool) -> Result<Plan, Diagnostic> {
        let mut slots = Slots::default();
        // `bin` and `earliest`/`latest` read the time of every row; whether anything does is
        // tracked from here on.
        slots.slot("@timestamp");
        slots.timestamp_used = false;
        let mut columns: Vec<String> = vec!["@timestamp".into(), "@message".into()];
        let mut chose_columns = false;
        let mut stages = Vec::new();
        let mut cap = None;
        // In kaudit's execution order (a `filter` written after `sort | limit` runs first).
        for command in query.execution_order() {
            let stage = Stage::compile(command, &mut slots)?;
            if matches!(stage, Stage::Dedup(_))
                && !stages.iter().any(|s| matches!(s, Stage::Sort(_)))
            {
                stages.push(Stage::newest_first(&mut slots));
            }
            match &command.kind {
                CommandKind::Fields(projections) => {
                    if !chose_columns {
                        columns.clear();
                        chose_columns = true;
                    }
                    for p in projections {
                        if !columns.contains(&p.name) {
                            columns.push(p.name.clone());
                        }
                    }
                }
                CommandKind::Display(projections) => {
                    columns = projections.iter().map(|p| p.name.clone()).collect();
                    chose_columns = true;
                }
                CommandKind::Stats { aggregates, by } => {
                    columns = by
                        .iter()
                        .chain(aggregates)
                        .map(|p| p.name.clone())
                        .collect();
                    chose_columns = true;
                }
                // CloudWatch returns at most 10,000 rows, whatever the limit (the checker says so).
                CommandKind::Limit(n) => {
                    cap = Some(
                        usize::try_from(*n)
                            .unwrap_or(usize::MAX)
                            .min(DEFAULT_ROW_CAP),
                    );
                }
                _ => {}
            }
            stages.push(stage);
        }
        let has_stats = stages.iter().any(|s| matches!(s, Stage::Stats(_)));
        let ptr_appended = with_ptr && !has_stats && !columns.iter().any(|c| c == "@ptr");
        if ptr_appended {
            columns.push("@ptr".to_string());
        }
        // Slots for the columns first, so that a column nothing else names is still read.
        let columns: Vec<(String, usize)> = columns
            .into_iter()
            .map(|c| {
                let slot = slots.read(&c);
                (c, slot)
            })
            .collect();
        // Only what comes from the event is looked up in it: a name the query made (an alias, a
        // `stats` column) is not, so the lookup can stop as soon as the real fields are found.
        let mut load_names = Vec::new();
        let mut load_slots = Vec::new();
        for (i, name) in slots.names.iter().enumerate() {
            if slots.from_event[i] || i == slots.timestamp() {
                load_names.push(name.clone());
                load_slots.push(i);
            }
        }
        Ok(Plan {
            load: FieldSet::from_names(&load_names),
            time_fields: FieldSet::from_names(EVENT_TIME_FIELDS),
            load_names,
            load_slots,
            slots,
            stages,
            columns,
            default_cap: cap.is_none(),
            cap: cap.unwrap_or(DEFAULT_ROW_CAP),
            ptr_appended,
        })
    }

    /// The plan over `inputs` inputs read as one timeline (streams of one cluster, a folder of
    /// captures): a query whose rows are events in no order of its own (no `sort`, `stats` or
    /// `dedup`) answers them in `@timestamp` order across the inputs, as one input gives them,
    /// and its `limit n` (or the default cap) keeps the first n of that order rather than those
    /// of the first input. One input is left as it is: its order is the one it was written in.
    pub fn across_inputs(mut self, inputs: usize) -> Plan {
        let ordered = |s: &Stage| matches!(s, Stage::Sort(_) | Stage::Stats(_) | Stage::Dedup(_));
        if inputs < 2 || self.stages.iter().any(ordered) {
            return self;
        }
        let at = self
            .stages
            .iter()
            .position(|s| matches!(s, Stage::Limit(_)))
            .unwrap_or(self.stages.len());
        self.slots.timestamp_used = true;
        let time = self.slots.timestamp();
        self.stages
            .insert(at, Stage::Sort(vec![(CExpr::Slot(time), false)]));
        if at + 1 == self.stages.len() {
            // No limit of its own: the cap, so that the sort keeps only about that many rows.
            self.stages.push(Stage::Limit(self.cap));
        }
        self
    }

    /// Whether parts of an input may be run apart ([`Plan::start`] per part) and merged in order
    /// ([`Run::merge`]) with the same answer as one run: true unless a `limit` or `dedup` runs
    /// per record, whose answer depends on what came before.
    pub fn splits(&self) -> bool {
        let streaming = self
            .stages
            .iter()
            .position(Stage::collects)
            .unwrap_or(self.stages.len());
        !self.stages[..streaming]
            .iter()
            .any(|s| matches!(s, Stage::Limit(_) | Stage::Dedup(_)))
    }

    /// Whether the answer is, record by record, whether each record passes: no `stats`,
    /// `dedup` or `limit`, whose answer depends on the other records. Such a plan can be asked
    /// of one record at a time ([`Run::keeps`]), in any order, and of new records later.
    pub fn per_event(&self) -> bool {
        !self
            .stages
            .iter()
            .any(|s| matches!(s, Stage::Stats(_) | Stage::Dedup(_) | Stage::Limit(_)))
    }

    /// Literals a record must hold to get past the query's leading filters, to pass over the
    /// rest unread (see `formats::scan_skipping`); `None` when the filters name none.
    pub fn prefilter(&self) -> Option<RecordPrefilter> {
        RecordPrefilter::new(&self.stages, &self.slots)
    }

    /// Literals a record's raw JSON must hold for the query to keep it: all of the groups, one
    /// literal of each; none when that cannot be said. Unlike [`Plan::prefilter`], it looks past
    /// `fields` and `display` to the filters that follow, and numbers give none.
    pub fn required_literals(&self) -> Vec<Vec<String>> {
        prefilter::required_literals(&self.stages, &self.slots)
    }

    /// Whether the query reads `@timestamp` at all; when it does not, records need not be read
    /// for their time (`Depth::Classify`).
    pub fn needs_timestamp(&self) -> bool {
        self.slots.timestamp_used
    }

    /// For a query whose answer is the n newest (or oldest) records, `sort @timestamp … | limit
    /// n` with nothing before the sort that drops records: a bound that lets its runs pass over
    /// the records that cannot make it (see [`TimeFloor`]). Runs given the same floor
    /// ([`Plan::start_with`]) share it.
    pub fn time_floor(&self, range: TimeRange) -> Option<Arc<TimeFloor>> {
        let streaming = self.stages.iter().position(Stage::collects)?;
        let (Some(Stage::Sort(keys)), Some(Stage::Limit(n))) =
            (self.stages.get(streaming), self.stages.get(streaming + 1))
        else {
            return None;
        };
        let time = self.slots.timestamp();
        let (CExpr::Slot(first), descending) = keys.first()? else {
            return None;
        };
        // Every record must reach the sort with its own time.
        let keeps_time = |stage: &Stage| match stage {
            Stage::Project(ps) => ps
                .iter()
                .all(|(slot, e)| *slot != time || matches!(e, CExpr::Slot(s) if *s == time)),
            Stage::Parse { slots, .. } => slots.iter().all(|&(_, slot)| slot != time),
            _ => false,
        };
        (*first == time && self.stages[..streaming].iter().all(keeps_time))
            .then(|| Arc::new(TimeFloor::new(*descending, (*n).max(1), range)))
    }

    pub fn start(&self) -> Run<'_> {
        self.start_in(TimeRange::default())
    }

    /// A run that keeps only records whose `@timestamp` is in `range`.
    pub fn start_in(&self, range: TimeRange) -> Run<'_> {
        self.start_with(range, None)
    }

    /// [`Plan::start_in`], sharing a [`TimeFloor`] of this plan's with other runs.
    pub fn start_with(&self, range: TimeRange, floor: Option<Arc<TimeFloor>>) -> Run<'_> {
        // A reader that did not decode the event's time leaves it to the run, which reads it
        // only when the query or its range needs it, and only for the records that get past the
        // filters that do not look at it (the time fields come last in an audit event).
        let needs_time = self.needs_timestamp() || range.is_bounded();
        let early_filters = if range.is_bounded() {
            0
        } else {
            self.stages
                .iter()
                .take_while(|s| matches!(s, Stage::Filter(e) if !e.reads(self.slots.timestamp())))
                .count()
        };
        let time = needs_time.then_some(&self.time_fields);
        // The fields the early filters read are made into values first: a record they turn
        // away costs no more.
        let early_reads = |k: &usize| {
            self.stages[..early_filters].iter().any(|s| match s {
                Stage::Filter(e) => e.reads(self.load_slots[*k]),
                _ => false,
            })
        };
        let (mut load_order, late): (Vec<usize>, Vec<usize>) =
            (0..self.load_names.len()).partition(early_reads);
        let early_loads = load_order.len();
        load_order.extend(late);
        let load = &self.load;
        Run {
            interners: Vec::new(),
            load,
            load_order,
            early_loads,
            spare: None,
            rows: Vec::new(),
            time,
            time_loaded: vec![Value::Missing; EVENT_TIME_FIELDS.len()],
            early_filters,
            range,
            plan: self,
            states: self.stages.iter().map(Stage::new_state).collect(),
            collected: Vec::new(),
            streaming: self
                .stages
                .iter()
                .position(Stage::collects)
                .unwrap_or(self.stages.len()),
            stats: Statistics::default(),
            done: false,
            floor,
            presence: None,
        }
    }
}

/// The event's own times, in the order `@timestamp` falls back to them.
const EVENT_TIME_FIELDS: [&str; 3] = ["stageTimestamp", "requestReceivedTimestamp", "timestamp"];

/// One execution of a [`Plan`].
pub struct Run<'p> {
    plan: &'p Plan,
    load: &'p FieldSet,
    /// One per name of `load`, to make its strings into values; made on the first record
    /// loaded, as most runs of a pass of many queries load none.
    interners: Vec<Interner>,
    /// Positions in `load`: those the early filters read first, `early_loads` of them.
    load_order: Vec<usize>,
    early_loads: usize,
    /// A row that went nowhere, kept (emptied) for the next record.
    spare: Option<Vec<Value>>,
    /// The rows one record became, kept between records for its allocation.
    rows: Vec<Vec<Value>>,
    /// The [`EVENT_TIME_FIELDS`], when the time is needed, and their values.
    time: Option<&'p FieldSet>,
    time_loaded: Vec<Value>,
    /// Leading filters that run before the time is read.
    early_filters: usize,
    range: TimeRange,
    states: Vec<stages::State>,
    /// Rows that reached the first collecting stage (or the end).
    collected: Vec<Vec<Value>>,
    /// Index of the first collecting stage.
    streaming: usize,
    stats: Statistics,
    done: bool,
    floor: Option<Arc<TimeFloor>>,
    presence: Option<Arc<FieldPresence>>,
}

impl Run<'_> {
    /// Watches for these names in every event the run reads (its range's), including those it
    /// then passes over.
    pub fn watch(mut self, presence: Arc<FieldPresence>) -> Self {
        self.presence = Some(presence);
        self
    }

    /// No later record can change the answer (a `limit` reached).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Feeds one record. `Break` when no later record can change the answer (a `limit` reached).
    pub fn push(&mut self, record: &AuditRecord<'_>) -> ControlFlow<()> {
        if self.done {
            return ControlFlow::Break(());
        }
        let plan = self.plan;
        let fields = RecordFields::new(record);
        let mut timestamp = record.system.timestamp_ms;
        let mut time_read = false;
        if self.range.is_bounded() || self.floor.is_some() {
            timestamp = timestamp.or_else(|| self.event_time(&fields));
            time_read = true;
            if !self.range.contains(timestamp) {
                return ControlFlow::Continue(());
            }
        }
        self.stats.records_scanned += 1;
        self.stats.bytes_scanned += record.message.len() as u64;
        if let Some(presence) = &self.presence {
            presence.observe(&fields);
        }
        if let (Some(floor), Some(t)) = (&self.floor, timestamp)
            && floor.excludes(t)
        {
            // It would have reached the sort: matched, just not kept.
            self.stats.records_matched += 1;
            return ControlFlow::Continue(());
        }
        let mut row = self
            .spare
            .take()
            .unwrap_or_else(|| vec![Value::Missing; plan.slots.len()]);
        if !self.load_row(&fields, &mut row) {
            self.recycle(row);
            return ControlFlow::Continue(());
        }
        if !time_read {
            timestamp = timestamp.or_else(|| self.event_time(&fields));
        }
        row[plan.slots.timestamp()] = timestamp.map_or(Value::Missing, Value::Time);
        let mut rows = std::mem::take(&mut self.rows);
        rows.push(row);
        let mut matched = false;
        for (i, stage) in plan.stages[..self.streaming]
            .iter()
            .enumerate()
            .skip(self.early_filters)
        {
            if matches!(stage, Stage::Limit(_)) && !matched && !rows.is_empty() {
                matched = true;
                self.stats.records_matched += 1;
            }
            let flow = stage.stream(&mut self.states[i], &mut rows);
            if flow == Flow::Done {
                self.done = true;
            }
            if rows.is_empty() {
                break;
            }
        }
        if !matched && !rows.is_empty() {
            self.stats.records_matched += 1;
        }
        match plan.stages.get(self.streaming) {
            // `stats` folds rows as they come rather than holding them.
            Some(stage @ Stage::Stats(_)) => {
                stage.absorb(&mut self.states[self.streaming], &rows);
                if let Some(row) = rows.pop() {
                    self.recycle(row);
                }
                rows.clear();
            }
            _ => {
                self.collected.append(&mut rows);
                self.prune_top();
            }
        }
        self.rows = rows;
        // With no collecting stage, the cap is reached as soon as enough rows are kept.
        if self.streaming == plan.stages.len() && self.collected.len() >= plan.cap {
            self.done = true;
        }
        if self.done {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Whether `record` passes a [`Plan::per_event`] plan: it is fed and what it made is let
    /// go, so that the run holds nothing between records.
    pub fn keeps(&mut self, record: &AuditRecord<'_>) -> bool {
        let before = self.collected.len();
        let _ = self.push(record);
        let kept = self.collected.len() > before;
        self.collected.clear();
        kept
    }

    /// Reads the fields the query takes from the event into `row`, those of the early filters
    /// first; false, with the rest unread, when an early filter turns the record away.
    fn load_row(&mut self, fields: &RecordFields<'_, '_>, row: &mut [Value]) -> bool {
        let plan = self.plan;
        let mut inline = [RawValue::Missing; 16];
        let mut heap = Vec::new();
        let raw: &mut [RawValue<'_>] = if self.load.len() <= inline.len() {
            &mut inline[..self.load.len()]
        } else {
            heap.resize(self.load.len(), RawValue::Missing);
            &mut heap
        };
        self.load.resolve_raw(fields.message(), raw);
        if self.interners.is_empty() {
            self.interners
                .resize_with(self.load.len(), Interner::default);
        }
        let paths = self.load.paths();
        let mut load = |k: usize, row: &mut [Value]| {
            row[plan.load_slots[k]] = match paths[k].system() {
                Some(field) => fields.system(field),
                None => self.interners[k].value(raw[k]),
            };
        };
        for &k in &self.load_order[..self.early_loads] {
            load(k, row);
        }
        for stage in &plan.stages[..self.early_filters] {
            if let Stage::Filter(e) = stage
                && !e.test(row)
            {
                return false;
            }
        }
        for &k in &self.load_order[self.early_loads..] {
            load(k, row);
        }
        true
    }

    /// Keeps a row that went nowhere for the next record, emptied.
    fn recycle(&mut self, mut row: Vec<Value>) {
        row.fill(Value::Missing);
        self.spare = Some(row);
    }

    /// `sort … | limit n` needs only the first n rows in the sort order: keep the collection
    /// near that size as it grows (sorting is stable, so ties keep input order either way).
    fn prune_top(&mut self) {
        let plan = self.plan;
        let (Some(sort @ Stage::Sort(_)), Some(Stage::Limit(n))) = (
            plan.stages.get(self.streaming),
            plan.stages.get(self.streaming + 1),
        ) else {
            return;
        };
        let keep = (*n).max(1);
        if self.collected.len() < 2 * keep.max(4096) {
            return;
        }
        let rows = std::mem::take(&mut self.collected);
        let mut sorted = sort.batch(&mut self.states[self.streaming], rows, plan.slots.len());
        sorted.truncate(keep);
        if let Some(floor) = &self.floor
            && sorted.len() >= floor.keep()
            && let Some(Value::Time(t)) = sorted.last().and_then(|r| r.get(plan.slots.timestamp()))
        {
            floor.tighten(*t);
        }
        self.collected = sorted;
    }

    /// `@timestamp` from the event's own time fields, when the query needs it.
    fn event_time(&mut self, fields: &RecordFields<'_, '_>) -> Option<i64> {
        let time = self.time?;
        // The API server's own layout puts the time last: look there before walking the event.
        if let Some(us) =
            stage_timestamp_from_end(fields.message().as_bytes()).and_then(parse_rfc3339_micros)
        {
            return Some(us.div_euclid(1000));
        }
        fields.resolve(time, &mut self.time_loaded);
        self.time_loaded
            .iter()
            .find_map(|v| match v {
                Value::Str(s) => parse_rfc3339_micros(s),
                _ => None,
            })
            .map(|us| us.div_euclid(1000))
    }

    /// Runs the collecting stages and returns the result.
    pub fn finish(mut self) -> QueryResult {
        let plan = self.plan;
        let mut rows = std::mem::take(&mut self.collected);
        for (i, stage) in plan.stages.iter().enumerate().skip(self.streaming) {
            rows = stage.batch(&mut self.states[i], rows, plan.slots.len());
        }
        if let Some(floor) = &self.floor {
            self.stats.records_matched += floor.passed_over();
        }
        let capped = plan.default_cap && rows.len() >= plan.cap;
        rows.truncate(plan.cap);
        let rows = rows
            .into_iter()
            .map(|row| {
                plan.columns
                    .iter()
                    .map(|(_, slot)| row.get(*slot).cloned().unwrap_or(Value::Missing))
                    .collect()
            })
            .collect();
        QueryResult {
            columns: plan.columns.iter().map(|(c, _)| c.clone()).collect(),
            rows,
            statistics: self.stats,
            capped,
        }
    }

    /// Adds the run of the part of the input that follows this run's part (see
    /// [`Plan::splits`]).
    pub fn merge(&mut self, later: Run<'_>) {
        self.stats.records_scanned += later.stats.records_scanned;
        self.stats.bytes_scanned += later.stats.bytes_scanned;
        self.stats.records_matched += later.stats.records_matched;
        self.done |= later.done;
        let mut later_collected = later.collected;
        self.collected.append(&mut later_collected);
        self.prune_top();
        if let (Some(State::Groups(mine)), Some(State::Groups(theirs))) = (
            self.states.get_mut(self.streaming),
            later.states.into_iter().nth(later.streaming),
        ) {
            mine.merge(theirs);
        }
    }
}

#[cfg(test)]
mod tests;
