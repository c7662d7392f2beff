//! The activity log as people read it: who did what to which thing, how it
//! ended, from where, and when; a filter over it and a page of it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How an activity ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityOutcome {
    Done,
    /// Refused by a rule (a wrong password, a bad value): nothing changed.
    Refused,
    /// It went wrong (the file locked, a disk full): nothing changed.
    Failed,
}

impl ActivityOutcome {
    /// Every outcome, in the order a filter offers them.
    pub const ALL: [Self; 3] = [Self::Done, Self::Refused, Self::Failed];

    /// The outcome as the store and addresses spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }

    /// The outcome `text` spells, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// Who makes a change, and from where: what the activity log records of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The name logged: a user's as it is now, `cli:<login>` for the command
    /// line, `scheduler` for the schedule.
    pub who: String,
    /// Where a request over the web came from.
    #[serde(default)]
    pub client: Option<Client>,
}

/// A web client: its address, and its browser as its `User-Agent` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub address: String,
    pub agent: Option<String>,
}

impl Actor {
    /// Someone acting over the web from `client`.
    pub fn web(who: impl Into<String>, client: Client) -> Self {
        Self {
            who: who.into(),
            client: Some(client),
        }
    }

    /// The client's address, if any.
    pub fn address(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.address.as_str())
    }

    /// The client's browser, if known.
    pub fn agent(&self) -> Option<&str> {
        self.client.as_ref().and_then(|c| c.agent.as_deref())
    }
}

/// Someone acting from where no client is recorded: the command line, the
/// schedule, a test.
impl From<&str> for Actor {
    fn from(who: &str) -> Self {
        Self {
            who: who.to_owned(),
            client: None,
        }
    }
}

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// Its place in the log: later entries have larger ids.
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who, as the name was then (`cli:<user>` for the command line).
    pub who: String,
    /// What, as a code (`settings.update`, `product.set_status`, …).
    pub action: String,
    /// The kind of thing it is about (`reel`, `run`, `user`, `settings`,
    /// `mappings`, `warehouse`), empty when none.
    pub target: String,
    /// Which one: a reel number, a run's id, a user's name, …
    pub subject: String,
    /// What changed (`Sold → Delivered`, or the values before and after as
    /// JSON), when anything did.
    pub detail: Option<String>,
    pub outcome: ActivityOutcome,
    /// The client's address and browser, for what came over the web.
    pub client: Option<String>,
    pub agent: Option<String>,
}

/// Which entries to read: each part set narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFilter {
    /// Who, exactly (any letter case).
    pub who: Option<String>,
    /// What: an action code, or its first part (`run` for every `run.…`).
    pub action: Option<String>,
    /// Text anywhere in the subject (a reel number, a run's id, a name).
    pub subject: Option<String>,
    pub outcome: Option<ActivityOutcome>,
    /// From this day and up to this day (both included), in the mill's time.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// A page of the log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<ActivityEntry>,
    /// The id to read on from (`before`) for the next, older page, if any.
    pub next: Option<i64>,
}
