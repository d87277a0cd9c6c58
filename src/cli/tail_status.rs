//! Where each watched log group stands, said on stderr as it changes: live, sampled, polling,
//! stalled since a time, refused. One process follows many clusters; each has its own line,
//! named with its account and region when several are followed.

use std::mem::discriminant;

use crate::audit::time::format_millis_utc;
use crate::text::sanitize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Status {
    /// Events come from a live tail session as they are written.
    Live,
    /// CloudWatch sends only some of the live tail's events.
    Sampled,
    /// FilterLogEvents answers, round after round.
    Polling,
    /// Nothing comes, for this reason, from the time first said.
    Stalled(String),
    /// CloudWatch turned it down for good.
    Refused(String),
}

/// What was last said of each group, by the name stderr gives it.
pub(super) struct Statuses {
    groups: Vec<String>,
    said: Vec<Option<Status>>,
}

impl Statuses {
    pub(super) fn new(groups: &[String]) -> Statuses {
        Statuses {
            groups: groups.to_vec(),
            said: vec![None; groups.len()],
        }
    }

    /// Says the status of each of `groups`.
    pub(super) fn each(&mut self, groups: &[String], status: &Status) {
        for group in groups {
            self.one(group, status);
        }
    }

    /// Says `group`'s status, when it changed.
    pub(super) fn one(&mut self, group: &str, status: &Status) {
        if let Some(i) = self.groups.iter().position(|g| g == group) {
            self.set(i, status);
        }
    }

    fn set(&mut self, i: usize, status: &Status) {
        // A stall goes on from when it began, whatever its latest reason.
        if self.said[i]
            .as_ref()
            .is_some_and(|s| discriminant(s) == discriminant(status))
        {
            return;
        }
        self.said[i] = Some(status.clone());
        let group = sanitize(&self.groups[i]);
        let now = format_millis_utc(jiff::Timestamp::now().as_microsecond());
        match status {
            Status::Live => eprintln!("kaudit: {group}: live"),
            Status::Sampled => eprintln!("kaudit: {group}: sampled"),
            Status::Polling => eprintln!("kaudit: {group}: polling"),
            Status::Stalled(why) => {
                eprintln!("kaudit: {group}: stalled since {now} ({})", sanitize(why))
            }
            Status::Refused(why) => eprintln!("kaudit: {group}: refused ({})", sanitize(why)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_said_once_until_it_changes() {
        let mut s = Statuses::new(&["a".into(), "b".into()]);
        s.each(&["a".into(), "b".into()], &Status::Live);
        s.one("a", &Status::Stalled("x".into()));
        s.one("a", &Status::Stalled("y".into()));
        assert_eq!(
            s.said[0],
            Some(Status::Stalled("x".into())),
            "since the first"
        );
        assert_eq!(s.said[1], Some(Status::Live));
        s.one("unknown", &Status::Polling);
        s.one("a", &Status::Polling);
        assert_eq!(s.said[0], Some(Status::Polling));
    }
}
