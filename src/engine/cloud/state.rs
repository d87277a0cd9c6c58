//! A watch's state file (`--state FILE`): each log group's [`Position`], read when a watch
//! starts and written as it hands events out, so that the next run carries on where this one
//! stopped. A watch of one account and region keeps its groups by name (`groups`, the file's
//! first layout); a watch over a fleet keeps them under their account and region (`targets`),
//! as two regions may hold a group of the same name. Written whole into a new file beside it, synced, then renamed over it: a crash
//! leaves the old state or the new, never half of one. Only its owner may read it (0600).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::audit::time::format_millis_utc;
use crate::source::cloudwatch::{Position, TailEvent};

/// The layout of the file: 1 holds `groups` alone, 2 `targets` as well. Written as 1 while no
/// target is held, so that a kaudit that reads only 1 still reads it; another is refused, never
/// guessed at.
const VERSION: u32 = 2;
const FIRST_VERSION: u32 = 1;

/// A crash loses at most this much of the position: written at least this often while events
/// are handed out.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the state file {path} is not a kaudit watch's state (line {line}, column {column}: {message}); move it away to start afresh from --since"
    )]
    Corrupt {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the state file {path} is of version {found}, this kaudit reads versions {FIRST_VERSION} and {VERSION}: move it away to start afresh from --since"
    )]
    Version { path: String, found: u32 },
    #[error("cannot write the state file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// One group's position as the file holds it: the time written out for whoever reads it.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    #[serde(default, skip_deserializing)]
    time: String,
    #[serde(flatten)]
    position: Position,
}

#[derive(Debug, Serialize, Deserialize)]
struct Layout {
    version: u32,
    /// The groups of a watch of one account and region, by name.
    groups: BTreeMap<String, Saved>,
    /// Those of a fleet's watch, by `ACCOUNT/REGION`, then by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    targets: BTreeMap<String, BTreeMap<String, Saved>>,
}

/// Positions by place (`""` for a watch of one account and region, else `ACCOUNT/REGION`), then
/// by log group name.
pub type Places = BTreeMap<String, BTreeMap<String, Position>>;

/// The state file and the positions it holds, as they move.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    positions: Places,
    /// Moved since last written.
    dirty: bool,
    saved_at: Instant,
}

impl StateFile {
    /// The state at `path`: its positions when it exists, none when it does not (it is written,
    /// and its folder made, on the first [`StateFile::save`]).
    pub fn open(path: &Path) -> Result<StateFile, StateError> {
        let shown = path.display().to_string();
        let positions = match fs::read(path) {
            Ok(bytes) => parse(&bytes, &shown)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Places::new(),
            Err(source) => {
                return Err(StateError::Read {
                    path: shown,
                    source,
                });
            }
        };
        Ok(StateFile {
            path: path.to_path_buf(),
            positions,
            dirty: true,
            saved_at: Instant::now(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every position, by place then group.
    pub fn places(&self) -> &Places {
        &self.positions
    }

    /// The positions of the groups of `place` (`""`: a watch of one account and region), by
    /// log group name.
    pub fn positions(&self, place: &str) -> BTreeMap<String, Position> {
        self.positions.get(place).cloned().unwrap_or_default()
    }

    /// Counts `e`, of `place`, as handed out.
    pub fn advance(&mut self, place: &str, e: &TailEvent) {
        self.positions
            .entry(place.to_string())
            .or_default()
            .entry(e.group.clone())
            .or_default()
            .advance(e);
        self.dirty = true;
    }

    /// Writes the positions when they moved and [`SAVE_EVERY`] has passed since the last time.
    pub fn save_if_due(&mut self) -> Result<(), StateError> {
        if self.dirty && self.saved_at.elapsed() >= SAVE_EVERY {
            self.save()?;
        }
        Ok(())
    }

    /// Writes the positions when they moved since the last time.
    pub fn save(&mut self) -> Result<(), StateError> {
        if !self.dirty {
            return Ok(());
        }
        let saved = |groups: &BTreeMap<String, Position>| -> BTreeMap<String, Saved> {
            groups
                .iter()
                .map(|(group, p)| {
                    let saved = Saved {
                        time: format_millis_utc(p.time_ms * 1000),
                        position: p.clone(),
                    };
                    (group.clone(), saved)
                })
                .collect()
        };
        let targets: BTreeMap<String, BTreeMap<String, Saved>> = self
            .positions
            .iter()
            .filter(|(place, _)| !place.is_empty())
            .map(|(place, groups)| (place.clone(), saved(groups)))
            .collect();
        let layout = Layout {
            version: if targets.is_empty() {
                FIRST_VERSION
            } else {
                VERSION
            },
            groups: self.positions.get("").map(saved).unwrap_or_default(),
            targets,
        };
        let write_error = |source| StateError::Write {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(write_error)?;
        }
        let mut text = serde_json::to_string_pretty(&layout)
            .map_err(|e| write_error(std::io::Error::other(e)))?;
        text.push('\n');
        crate::engine::private_file::replace(&self.path, text.as_bytes()).map_err(write_error)?;
        self.dirty = false;
        self.saved_at = Instant::now();
        Ok(())
    }
}

fn parse(bytes: &[u8], shown: &str) -> Result<Places, StateError> {
    let layout: Layout = serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt {
        path: shown.to_string(),
        line: e.line(),
        column: e.column(),
        // The line and column are said once, apart.
        message: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
    })?;
    if layout.version != VERSION && layout.version != FIRST_VERSION {
        return Err(StateError::Version {
            path: shown.to_string(),
            found: layout.version,
        });
    }
    let read = |groups: BTreeMap<String, Saved>| -> BTreeMap<String, Position> {
        groups
            .into_iter()
            .map(|(group, saved)| (group, saved.position))
            .collect()
    };
    let mut places = Places::new();
    if !layout.groups.is_empty() {
        places.insert(String::new(), read(layout.groups));
    }
    for (place, groups) in layout.targets {
        places.insert(place, read(groups));
    }
    Ok(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(group: &str, id: &str, time_ms: i64) -> TailEvent {
        TailEvent {
            group: group.into(),
            event_id: String::new(),
            time_ms,
            ingestion_ms: Some(time_ms + 5),
            stream: "s".into(),
            message: format!(r#"{{"auditID":"{id}"}}"#),
        }
    }

    #[test]
    fn positions_are_written_private_and_read_back_per_group() {
        let dir = tempfile::tempdir().unwrap();
        // Its folder is made, owner-only, when missing.
        let path = dir.path().join("state/kaudit/watch.json");
        let mut state = StateFile::open(&path).unwrap();
        assert!(state.places().is_empty());
        state.advance("", &ev("a", "1", 100));
        state.advance("", &ev("a", "2", 100));
        state.advance("", &ev("b", "3", 50));
        state.save().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"version\": 1"),
            "one place: the first layout\n{text}"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = StateFile::open(&path).unwrap();
        assert_eq!(again.places(), state.places());
        assert_eq!(again.positions("")["a"].keys.len(), 2);
        assert_eq!(again.positions("")["b"].time_ms, 50);
        let folder = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(folder & 0o777, 0o700);
        let leftovers = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
    }

    #[test]
    fn two_regions_keep_apart_a_group_of_the_same_name_and_the_first_layout_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.json");
        // As a kaudit of the first layout wrote it.
        fs::write(
            &path,
            r#"{"version": 1, "groups": {"g": {"time": "x", "time_ms": 7, "keys": ["audit:k"]}}}"#,
        )
        .unwrap();
        let mut state = StateFile::open(&path).unwrap();
        assert_eq!(state.positions("")["g"].time_ms, 7);
        state.advance("1/us-east-1", &ev("g", "1", 100));
        state.advance("1/eu-west-1", &ev("g", "2", 200));
        state.save().unwrap();
        let again = StateFile::open(&path).unwrap();
        assert_eq!(again.positions("")["g"].time_ms, 7, "kept as it was");
        assert_eq!(again.positions("1/us-east-1")["g"].time_ms, 100);
        assert_eq!(again.positions("1/eu-west-1")["g"].time_ms, 200);
        assert!(again.positions("2/us-east-1").is_empty());
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
    }

    #[test]
    fn a_corrupt_state_is_refused_with_its_name_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.json");
        fs::write(
            &path,
            "{\"version\": 1,\n  \"groups\": {\"a\": {\"time_ms\": \"x\"}}}",
        )
        .unwrap();
        let e = StateFile::open(&path).unwrap_err().to_string();
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert!(e.contains("line 2, column"), "{e}");
        fs::write(&path, r#"{"version": 9, "groups": {}}"#).unwrap();
        let e = StateFile::open(&path).unwrap_err().to_string();
        assert!(e.contains("version 9"), "{e}");
    }
}
