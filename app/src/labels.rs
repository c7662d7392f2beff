//! The words for the engine's vocabulary (run kinds, triggers, item actions,
//! phases), in the user's language.

use model::{Action, Counts, Outcome, Phase, RunKind, Trigger};

use crate::fmt;

use crate::i18n::{Locale, td_string};

/// A run's kind.
pub fn kind(locale: Locale, kind: RunKind) -> String {
    match kind {
        RunKind::Manual => td_string!(locale, kind.manual),
        RunKind::Auto => td_string!(locale, kind.auto),
        RunKind::Import => td_string!(locale, kind.import),
        RunKind::Export => td_string!(locale, kind.export),
        RunKind::DryRun => td_string!(locale, kind.dry_run),
    }
    .to_string()
}

/// How a run ended (or that it goes on).
pub fn outcome(locale: Locale, outcome: Outcome) -> String {
    match outcome {
        Outcome::Running => td_string!(locale, outcome.running),
        Outcome::Succeeded => td_string!(locale, outcome.succeeded),
        Outcome::Partial => td_string!(locale, outcome.partial),
        Outcome::Failed => td_string!(locale, outcome.failed),
        Outcome::Cancelled => td_string!(locale, outcome.cancelled),
    }
    .to_string()
}

/// A run's title: "Manual sync · run #7".
pub fn run_title(locale: Locale, run_kind: RunKind, id: i64) -> String {
    td_string!(
        locale,
        dashboard.run_title,
        kind = kind(locale, run_kind),
        id = fmt::number(locale, id.unsigned_abs())
    )
    .to_string()
}

/// What a run did, in one line: "3 imported · 0 updated · …".
pub fn run_did(locale: Locale, c: &Counts) -> String {
    let n = |value| fmt::number(locale, value);
    td_string!(
        locale,
        dashboard.run_did,
        imported = n(c.imported),
        updated = n(c.updated),
        exported = n(c.exported),
        status_in = n(c.status_in),
        conflicts = n(c.conflicts),
        rejected = n(c.rejected)
    )
    .to_string()
}

/// What started a run.
pub fn trigger(locale: Locale, trigger: Trigger) -> String {
    match trigger {
        Trigger::Manual => td_string!(locale, trigger.manual),
        Trigger::Schedule => td_string!(locale, trigger.schedule),
    }
    .to_string()
}

/// What a run did to a reel.
pub fn action(locale: Locale, action: Action) -> String {
    match action {
        Action::Import => td_string!(locale, action.import),
        Action::Update => td_string!(locale, action.update),
        Action::Export => td_string!(locale, action.export),
        Action::StatusIn => td_string!(locale, action.status_in),
        Action::Agree => td_string!(locale, action.agree),
        Action::Conflict => td_string!(locale, action.conflict),
        Action::Reject => td_string!(locale, action.reject),
        Action::Skip => td_string!(locale, action.skip),
        Action::Missing => td_string!(locale, action.missing),
    }
    .to_string()
}

/// The stage a run is in.
pub fn phase(locale: Locale, phase: Phase) -> String {
    match phase {
        Phase::Reading => td_string!(locale, phase.reading),
        Phase::Snapshot => td_string!(locale, phase.snapshot),
        Phase::WritingWarehouse => td_string!(locale, phase.writing_warehouse),
        Phase::Committing => td_string!(locale, phase.committing),
    }
    .to_string()
}

/// Every action, in the order filters list them.
pub const ACTIONS: [Action; 9] = [
    Action::Import,
    Action::Update,
    Action::Export,
    Action::StatusIn,
    Action::Agree,
    Action::Conflict,
    Action::Reject,
    Action::Skip,
    Action::Missing,
];

/// Every run kind, in the order filters list them.
pub const KINDS: [RunKind; 4] = [
    RunKind::Manual,
    RunKind::Auto,
    RunKind::Import,
    RunKind::Export,
];
