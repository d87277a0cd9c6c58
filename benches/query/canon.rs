//! The one form every answer of the `query` bench is brought to before it is compared: a list of
//! rows as text, and where two lists first part.

use serde_json::Value;

/// Each line of a tool's output as JSON, through `row`, in the order the tool gave them.
pub fn rows_in_order(tool: &str, out: &str, row: impl Fn(&Value) -> String) -> Vec<String> {
    out.lines()
        .map(|line| {
            let v = serde_json::from_str(line).unwrap_or_else(|e| panic!("{tool}: {line}: {e}"));
            row(&v)
        })
        .collect()
}

/// [`rows_in_order`], sorted: the order of a group's rows or of ties in a sort is not the answer.
pub fn rows(tool: &str, out: &str, row: impl Fn(&Value) -> String) -> Vec<String> {
    let mut rows = rows_in_order(tool, out, row);
    rows.sort();
    rows
}

/// Rows that begin with a time to the millisecond, newest first as asked, sorted; the first row
/// that comes before a newer one is named after them, so that an answer out of order differs.
pub fn newest_first(mut rows: Vec<String>) -> Vec<String> {
    let time = |r: &str| r.split(' ').next().unwrap_or_default().to_string();
    let late = rows
        .windows(2)
        .enumerate()
        .find(|(_, w)| time(&w[0]) < time(&w[1]))
        .map(|(i, w)| format!("out of order: row {} {:?} before {:?}", i + 1, w[0], w[1]));
    rows.sort();
    rows.extend(late);
    rows
}

/// A JSON value as text: strings bare, null (or no value) as `-`.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// `2026-11-02 06:01:…` or `2026-11-02T06:01…` as `2026-11-02T06:01`.
pub fn minute(t: &str) -> String {
    t.replacen(' ', "T", 1).chars().take(16).collect()
}

/// A time to the millisecond, `2026-11-02T06:01:02.345` (CloudWatch shows milliseconds).
pub fn millis(t: &str) -> String {
    let t = t.replacen(' ', "T", 1);
    let t = t.trim_end_matches('Z');
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    format!("{secs}.{:0<3}", &frac[..frac.len().min(3)])
}

/// `None` when the two answers are the same; else where they first part, `got` named `who`,
/// `want` named `against`.
pub fn first_difference(
    who: &str,
    got: &[String],
    against: &str,
    want: &[String],
) -> Option<String> {
    let at = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i))?;
    let show = |rows: &[String]| {
        rows.get(at)
            .map_or_else(|| "no row".to_string(), |r| format!("{r:?}"))
    };
    Some(format!(
        "row {} (of the sorted rows) is {} in {who}, {} in {against} ({} rows in {who}, {} in {against})",
        at + 1,
        show(got),
        show(want),
        got.len(),
        want.len()
    ))
}
