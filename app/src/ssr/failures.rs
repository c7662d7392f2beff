//! Failed sign-ins as the activity log records them: folded per account per
//! minute, so that a stranger hammering `admin` writes a few lines, not
//! thousands. The log is append-only, so a minute's entry can't count up as
//! it goes: the first failure of an account's minute is written at once (the
//! admin sees the attack start), and the ones after it in that minute are
//! counted here and written as one entry with the next failure on the account
//! in a later minute.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use super::throttle::account_key;

/// What to write to the log for one failed sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// This failure opens its account's minute: write it.
    pub first: bool,
    /// The failures after the first of the account's previous minute that
    /// were folded (not written), and that minute: write them as one entry.
    pub folded_before: Option<(u32, DateTime<Utc>)>,
}

/// Each account's minute of failures: when it began and how many failures
/// after the first it has folded.
#[derive(Debug, Default)]
pub struct FailedSignIns {
    minutes: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

impl FailedSignIns {
    /// Counts a failed sign-in on `account` at `at`, and says what to write.
    pub fn fail(&self, account: &str, at: DateTime<Utc>) -> Fold {
        let minute = at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at);
        let mut minutes = self.minutes.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget minutes long over with nothing folded: the map stays small.
        minutes.retain(|_, (began, folded)| *folded > 0 || at - *began < TimeDelta::hours(1));
        match minutes.get_mut(&account_key(account)) {
            Some((began, folded)) if *began == minute => {
                *folded += 1;
                Fold {
                    first: false,
                    folded_before: None,
                }
            }
            Some(entry) => {
                let before = std::mem::replace(entry, (minute, 0));
                Fold {
                    first: true,
                    folded_before: (before.1 > 0).then_some((before.1, before.0)),
                }
            }
            None => {
                minutes.insert(account_key(account), (minute, 0));
                Fold {
                    first: true,
                    folded_before: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn an_accounts_failures_are_one_entry_per_minute_with_the_rest_counted() {
        let failures = FailedSignIns::default();
        let at = |s: u32| {
            Utc.with_ymd_and_hms(2026, 12, 7, 6, 0, 0).unwrap() + TimeDelta::seconds(s.into())
        };
        let first = Fold {
            first: true,
            folded_before: None,
        };
        let folded = Fold {
            first: false,
            folded_before: None,
        };
        assert_eq!(failures.fail("admin", at(1)), first);
        assert_eq!(
            failures.fail("ADMIN ", at(20)),
            folded,
            "one account, any spelling"
        );
        assert_eq!(failures.fail("admin", at(59)), folded);
        assert_eq!(
            failures.fail("other", at(30)),
            first,
            "each account its own"
        );
        assert_eq!(
            failures.fail("admin", at(130)),
            Fold {
                first: true,
                folded_before: Some((2, at(0))),
            }
        );
        // Nothing folded in that minute: nothing to carry.
        assert_eq!(failures.fail("other", at(200)), first);
    }
}
