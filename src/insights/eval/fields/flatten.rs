//! Every field of an event under its Logs Insights name, for `fields *`-like listings and the
//! detail view.

use crate::audit::json::{Scan, Scanner};
use crate::insights::eval::value::Value;

use super::RawValue;

/// Every scalar leaf of the event JSON `message`, in the order of the text, named the way Logs
/// Insights names it: keys joined with `.`, array elements by index (`user.groups.0`), a
/// top-level key that starts with `@` with one more `@`. Empty objects and arrays have no leaf
/// and are left out. A message that is not a JSON object has no fields; one cut short keeps the
/// fields before the cut.
pub fn flatten(message: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut s = Scanner::new(message);
    if s.peek() == Ok(b'{') {
        let mut name = String::new();
        // What was read before any error is kept.
        let _ = leaves(&mut s, &mut name, true, &mut out);
    }
    out
}

fn leaves(
    s: &mut Scanner<'_>,
    name: &mut String,
    top: bool,
    out: &mut Vec<(String, Value)>,
) -> Scan<()> {
    match s.peek()? {
        b'{' => s.members(|s, key| {
            let len = name.len();
            if !top {
                name.push('.');
            } else if key.starts_with('@') {
                name.push('@');
            }
            name.push_str(&key);
            leaves(s, name, false, out)?;
            name.truncate(len);
            Ok(())
        }),
        b'[' => {
            let mut i = 0usize;
            s.elements(|s| {
                let len = name.len();
                name.push('.');
                name.push_str(&i.to_string());
                i += 1;
                leaves(s, name, false, out)?;
                name.truncate(len);
                Ok(())
            })
        }
        _ => {
            let token = s.raw_value()?;
            out.push((name.clone(), RawValue::from_token(token).to_value()));
            Ok(())
        }
    }
}
