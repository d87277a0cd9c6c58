//! The one-pass walk behind [`super::FieldSet`]: follow only the members some path leads
//! through, skip every other value whole, and stop as soon as each path has its value.

use std::borrow::Cow;

use super::scan::{container_end, skip_ws, string_end, value_end};
use super::{FieldPath, JsonPath, RawValue, Step, string_text};

/// A path still looking for its value, standing at one of its segments.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    path: u32,
    seg: u32,
}

/// Why the walk ended before the text did.
enum Halt {
    /// Every path has its value: the rest need not be read.
    Done,
    /// The text is not JSON (or was cut short) here; what was found so far stands.
    Broken,
}

type Walked<T> = Result<T, Halt>;

/// Per-level lists of matching paths live on the stack up to this many paths.
const INLINE: usize = 8;

/// Resolves `paths` in `message` into `out` (already all `Missing`).
pub(super) fn resolve<'a>(paths: &[FieldPath], message: &'a str, out: &mut [RawValue<'a>]) {
    let n = paths.len().min(out.len());
    let mut top: Vec<Entry> = Vec::new();
    let mut inline = [Entry::default(); INLINE];
    let mut len = 0;
    for (i, p) in paths[..n].iter().enumerate() {
        if p.json.is_none() {
            continue;
        }
        let e = Entry {
            path: i as u32,
            seg: 0,
        };
        if len < INLINE {
            inline[len] = e;
        } else {
            if top.is_empty() {
                top.extend_from_slice(&inline);
            }
            top.push(e);
        }
        len += 1;
    }
    if len == 0 {
        return;
    }
    let active = if len <= INLINE {
        &inline[..len]
    } else {
        &top[..]
    };
    let b = message.as_bytes();
    let start = skip_ws(b, 0);
    if b.get(start) != Some(&b'{') {
        return;
    }
    let mut walk = Walk {
        b,
        src: message,
        paths: &paths[..n],
        out: &mut out[..n],
        left: len,
    };
    // Either way the values found so far are in `out`.
    let _ = walk.object(start, active);
}

struct Walk<'a, 'o> {
    b: &'a [u8],
    src: &'a str,
    paths: &'o [FieldPath],
    out: &'o mut [RawValue<'a>],
    /// Paths without a value yet.
    left: usize,
}

/// Where the members or elements of one level that some path needs are gathered: paths that
/// go on inside the value from the front, paths whose value it is from the back.
struct Matches {
    inline: [Entry; INLINE],
    heap: Vec<Entry>,
    into: usize,
    leaves: usize,
}

impl Matches {
    fn new(cap: usize) -> Matches {
        Matches {
            inline: [Entry::default(); INLINE],
            heap: if cap > INLINE {
                vec![Entry::default(); cap]
            } else {
                Vec::new()
            },
            into: 0,
            leaves: 0,
        }
    }

    fn buf(&mut self) -> &mut [Entry] {
        if self.heap.is_empty() {
            &mut self.inline
        } else {
            &mut self.heap
        }
    }

    fn list(&self) -> &[Entry] {
        if self.heap.is_empty() {
            &self.inline
        } else {
            &self.heap
        }
    }

    /// The paths that go on inside the value.
    fn inner_paths(&self) -> &[Entry] {
        &self.list()[..self.into]
    }

    /// The paths whose value it is.
    fn leaf_paths(&self) -> &[Entry] {
        let list = self.list();
        &list[list.len() - self.leaves..]
    }

    fn clear(&mut self) {
        self.into = 0;
        self.leaves = 0;
    }

    fn push(&mut self, path: u32, step: Step) {
        match step {
            Step::No => {}
            Step::Into(seg) => {
                let i = self.into;
                self.buf()[i] = Entry { path, seg };
                self.into += 1;
            }
            Step::Leaf => {
                self.leaves += 1;
                let leaves = self.leaves;
                let buf = self.buf();
                let i = buf.len() - leaves;
                buf[i] = Entry { path, seg: 0 };
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.into == 0 && self.leaves == 0
    }
}

impl<'a> Walk<'a, '_> {
    fn json(&self, path: u32) -> Option<&JsonPath> {
        self.paths.get(path as usize).and_then(|p| p.json.as_ref())
    }

    fn found(&self, path: u32) -> bool {
        !self.out[path as usize].is_missing()
    }

    fn all_found(&self, active: &[Entry]) -> bool {
        active.iter().all(|e| self.found(e.path))
    }

    /// Reads the value at `pos` for the paths in `m`: descends when some path goes on inside
    /// it, skips it otherwise, then hands it to the paths whose value it is.
    fn value(&mut self, pos: usize, m: &Matches) -> Walked<usize> {
        let b = self.b;
        let into = m.inner_paths();
        // A string's end is found with whether it holds escapes: no second look for them.
        let mut escaped = None;
        let end = match b.get(pos) {
            Some(b'{') if !into.is_empty() => self.object(pos, into)?,
            Some(b'[') if !into.is_empty() => self.array(pos, into)?,
            Some(b'"') => {
                let (end, e) = string_end(b, pos).ok_or(Halt::Broken)?;
                escaped = Some(e);
                end
            }
            _ => value_end(b, pos).ok_or(Halt::Broken)?,
        };
        let leaves = m.leaf_paths();
        if !leaves.is_empty() {
            let token = self.src.get(pos..end).ok_or(Halt::Broken)?;
            let raw = match escaped {
                Some(escaped) => RawValue::Str { token, escaped },
                None => RawValue::from_token(token),
            };
            if raw.is_missing() {
                return Ok(end);
            }
            for e in leaves {
                if !self.found(e.path) {
                    self.out[e.path as usize] = raw;
                    self.left -= 1;
                }
            }
            if self.left == 0 {
                return Err(Halt::Done);
            }
        }
        Ok(end)
    }

    /// Walks the object at `pos` for the `active` paths; returns the index after it.
    fn object(&mut self, pos: usize, active: &[Entry]) -> Walked<usize> {
        let b = self.b;
        let mut pos = skip_ws(b, pos + 1);
        if b.get(pos) == Some(&b'}') {
            return Ok(pos + 1);
        }
        let mut m = Matches::new(active.len());
        // Key lengths of 63 and more share the top bit.
        let lengths = active
            .iter()
            .filter_map(|e| self.json(e.path).map(|j| j.key_lengths(e.seg)))
            .fold(0u64, |a, m| a | m);
        loop {
            if b.get(pos) != Some(&b'"') {
                return Err(Halt::Broken);
            }
            let (key_end, escaped) = string_end(b, pos).ok_or(Halt::Broken)?;
            let token = self.src.get(pos..key_end).ok_or(Halt::Broken)?;
            pos = skip_ws(b, key_end);
            if b.get(pos) != Some(&b':') {
                return Err(Halt::Broken);
            }
            pos = skip_ws(b, pos + 1);
            m.clear();
            // An escaped key's length changes when decoded, so it is always compared.
            let len = (token.len() - 2).min(63);
            if escaped || lengths >> len & 1 == 1 {
                self.match_key(active, string_text(token, escaped), &mut m);
            }
            pos = if m.is_empty() {
                value_end(b, pos).ok_or(Halt::Broken)?
            } else {
                let end = self.value(pos, &m)?;
                if self.all_found(active) {
                    // Nothing more to find here: skip to this object's end.
                    return container_end(b, end, b'{', b'}', 1).ok_or(Halt::Broken);
                }
                end
            };
            pos = skip_ws(b, pos);
            match b.get(pos) {
                Some(b',') => pos = skip_ws(b, pos + 1),
                Some(b'}') => return Ok(pos + 1),
                _ => return Err(Halt::Broken),
            }
        }
    }

    /// Gathers the paths `key` moves on.
    fn match_key(&self, active: &[Entry], key: Cow<'_, str>, m: &mut Matches) {
        for e in active {
            if !self.found(e.path)
                && let Some(json) = self.json(e.path)
            {
                m.push(e.path, json.step_key(e.seg, &key));
            }
        }
    }

    /// Walks the array at `pos` for the `active` paths, whose segment there is an index.
    fn array(&mut self, pos: usize, active: &[Entry]) -> Walked<usize> {
        let b = self.b;
        let last = active
            .iter()
            .filter_map(|e| self.json(e.path).and_then(|j| j.index_at(e.seg)))
            .max();
        let Some(last) = last else {
            return container_end(b, pos, b'[', b']', 0).ok_or(Halt::Broken);
        };
        let mut pos = skip_ws(b, pos + 1);
        if b.get(pos) == Some(&b']') {
            return Ok(pos + 1);
        }
        let mut m = Matches::new(active.len());
        let mut i = 0u32;
        loop {
            m.clear();
            for e in active {
                if !self.found(e.path)
                    && let Some(json) = self.json(e.path)
                {
                    m.push(e.path, json.step_index(e.seg, i));
                }
            }
            pos = if m.is_empty() {
                value_end(b, pos).ok_or(Halt::Broken)?
            } else {
                self.value(pos, &m)?
            };
            if i >= last || self.all_found(active) {
                return container_end(b, pos, b'[', b']', 1).ok_or(Halt::Broken);
            }
            i += 1;
            pos = skip_ws(b, pos);
            match b.get(pos) {
                Some(b',') => pos = skip_ws(b, pos + 1),
                Some(b']') => return Ok(pos + 1),
                _ => return Err(Halt::Broken),
            }
        }
    }
}
