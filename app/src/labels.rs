//! The words for the engine's vocabulary (run kinds, triggers, item actions,
//! phases, reel statuses, product fields), in the user's language.

use model::{
    Action, ActivityOutcome, Conflict, Counts, DriftKind, GridColumn, Outcome, Phase, ProductField,
    Reason, ReelStatus, Resolution, RunKind, Trigger,
};

use crate::fmt;

use crate::i18n::{Locale, td_string};

/// A run's kind.
pub fn kind(locale: Locale, kind: RunKind) -> String {
    match kind {
        RunKind::Manual => td_string!(locale, kind.manual),
        RunKind::Auto => td_string!(locale, kind.auto),
        RunKind::Import => td_string!(locale, kind.import),
        RunKind::Export => td_string!(locale, kind.export),
        RunKind::Resolve => td_string!(locale, kind.resolve),
        RunKind::Undo => td_string!(locale, kind.undo),
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

/// What a run did, in one line: "3 imported · 0 updated · …", then the reels
/// the warehouse lacked and the lost writes written again, when there were any.
pub fn run_did(locale: Locale, c: &Counts) -> String {
    let n = |value| fmt::number(locale, value);
    let mut line = td_string!(
        locale,
        dashboard.run_did,
        imported = n(c.imported),
        updated = n(c.updated),
        exported = n(c.exported),
        status_in = n(c.status_in),
        conflicts = n(c.conflicts),
        rejected = n(c.rejected)
    )
    .to_string();
    if c.missing > 0 {
        line.push_str(" · ");
        line.push_str(&td_string!(locale, dashboard.run_missing, n = n(c.missing)).to_string());
    }
    if c.rewritten > 0 {
        line.push_str(" · ");
        line.push_str(&td_string!(locale, dashboard.run_rewritten, n = n(c.rewritten)).to_string());
    }
    line
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
        Action::Rewritten => td_string!(locale, action.rewritten),
        Action::Relink => td_string!(locale, action.relink),
        Action::Undo => td_string!(locale, action.undo),
        Action::Untrack => td_string!(locale, action.untrack),
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
pub const ACTIONS: [Action; 13] = [
    Action::Import,
    Action::Update,
    Action::Relink,
    Action::Export,
    Action::Rewritten,
    Action::StatusIn,
    Action::Agree,
    Action::Conflict,
    Action::Reject,
    Action::Skip,
    Action::Missing,
    Action::Undo,
    Action::Untrack,
];

/// Every run kind, in the order filters list them.
pub const KINDS: [RunKind; 6] = [
    RunKind::Manual,
    RunKind::Auto,
    RunKind::Import,
    RunKind::Export,
    RunKind::Resolve,
    RunKind::Undo,
];

/// A reel's status.
pub fn status(locale: Locale, status: ReelStatus) -> String {
    match status {
        ReelStatus::InStock => td_string!(locale, status.in_stock),
        ReelStatus::Sold => td_string!(locale, status.sold),
        ReelStatus::Delivered => td_string!(locale, status.delivered),
    }
    .to_string()
}

/// How a conflict ended.
pub fn resolution(locale: Locale, how: Resolution) -> String {
    match how {
        Resolution::KeptWarehouse => td_string!(locale, resolution.kept_warehouse),
        Resolution::KeptOffice => td_string!(locale, resolution.kept_office),
        Resolution::Settled => td_string!(locale, resolution.settled),
        Resolution::Gone => td_string!(locale, resolution.gone),
    }
    .to_string()
}

/// The situation in words: "The office cancelled the sale; the warehouse
/// delivered it."
pub fn situation(locale: Locale, conflict: &Conflict) -> String {
    if let Reason::RowRenamed { reel_number } = &conflict.reason {
        return td_string!(locale, conflicts.renamed, reel = fmt::isolate(reel_number)).to_string();
    }
    let office = td_string!(
        locale,
        conflicts.office_moved,
        what = moved(locale, conflict.base, conflict.office)
    );
    let warehouse = td_string!(
        locale,
        conflicts.warehouse_moved,
        what = moved(locale, conflict.base, conflict.warehouse)
    );
    let said = td_string!(locale, conflicts.situation, office, warehouse).to_string();
    let mut chars = said.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What a side did to a reel that both last agreed was at `from`.
fn moved(locale: Locale, from: ReelStatus, to: ReelStatus) -> String {
    use ReelStatus::{Delivered, InStock, Sold};
    match (from, to) {
        _ if from == to => {
            td_string!(locale, conflicts.moved_none, status = status(locale, to)).to_string()
        }
        (_, Delivered) => td_string!(locale, conflicts.moved_delivered).to_string(),
        (InStock, Sold) => td_string!(locale, conflicts.moved_sold).to_string(),
        (Sold, InStock) => td_string!(locale, conflicts.moved_cancelled).to_string(),
        (Delivered, Sold) => td_string!(locale, conflicts.moved_undelivered).to_string(),
        (Delivered, InStock) => td_string!(locale, conflicts.moved_returned).to_string(),
        (InStock | Sold, InStock | Sold) => unreachable!("from == to is the first arm"),
    }
}

/// A product field's name, as column headers and filters show it.
pub fn field(locale: Locale, field: ProductField) -> String {
    match field {
        ProductField::ReelNumber => td_string!(locale, field.reel_number),
        ProductField::Width => td_string!(locale, field.width),
        ProductField::Gsm => td_string!(locale, field.gsm),
        ProductField::Length => td_string!(locale, field.length),
        ProductField::Grade => td_string!(locale, field.grade),
        ProductField::Breaks => td_string!(locale, field.breaks),
        ProductField::Comments => td_string!(locale, field.comments),
        ProductField::QrCode => td_string!(locale, field.qr_code),
        ProductField::ProfileName => td_string!(locale, field.profile_name),
        ProductField::Location => td_string!(locale, field.location),
        ProductField::Status => td_string!(locale, field.status),
        ProductField::ReceiveDate => td_string!(locale, field.receive_date),
        ProductField::LastDate => td_string!(locale, field.last_date),
        ProductField::Username => td_string!(locale, field.username),
        ProductField::Logs => td_string!(locale, field.logs),
        ProductField::Date => td_string!(locale, field.date),
        ProductField::ShipmentId => td_string!(locale, field.shipment_id),
    }
    .to_string()
}

/// A list column's name, as headers and filters show it.
pub fn column(locale: Locale, column: GridColumn) -> String {
    match column {
        GridColumn::Status => td_string!(locale, products.office_status).to_string(),
        GridColumn::Warehouse => td_string!(locale, products.warehouse_status).to_string(),
        other => other.field().map(|f| field(locale, f)).unwrap_or_default(),
    }
}

/// A status as a list holds it (`In-stock`, or `missing` for a reel the
/// warehouse file lost), in words.
pub fn status_text(locale: Locale, text: &str) -> String {
    match ReelStatus::from_canonical(text) {
        Some(known) => status(locale, known),
        None if text == "missing" => td_string!(locale, products.missing).to_string(),
        None => text.to_owned(),
    }
}

/// A kind of difference, in a word or two.
pub fn drift_kind(locale: Locale, kind: DriftKind) -> String {
    match kind {
        DriftKind::Missing => td_string!(locale, drift.missing),
        DriftKind::Identity => td_string!(locale, drift.identity),
        DriftKind::Status => td_string!(locale, drift.status),
        DriftKind::Unexported => td_string!(locale, drift.unexported),
        DriftKind::Fields => td_string!(locale, drift.fields),
        DriftKind::Copy => td_string!(locale, drift.copy),
    }
    .to_string()
}

/// The activity log's codes a filter offers, in the order it offers them.
pub const ACTIVITIES: [&str; 16] = [
    "sign_in",
    "sign_in.failed",
    "sign_out",
    "session.end",
    "run",
    "product.set_status",
    "settings.update",
    "mappings.save",
    "mappings.reset",
    "mapping.set",
    "user",
    "user.add",
    "warehouse.accept",
    "warehouse.snapshot",
    "https",
    "activity",
];

/// What an activity log entry did, by its code; a code this version does not
/// know is shown as it is.
pub fn activity(locale: Locale, code: &str) -> String {
    match code {
        "product.set_status" => td_string!(locale, activity.product_set_status),
        "sign_in" => td_string!(locale, activity.sign_in),
        "sign_in.failed" => td_string!(locale, activity.sign_in_failed),
        "sign_out" => td_string!(locale, activity.sign_out),
        "session.end" => td_string!(locale, activity.session_end),
        "user" => td_string!(locale, activity.user),
        "user.enable" => td_string!(locale, activity.user_enable),
        "user.disable" => td_string!(locale, activity.user_disable),
        "user.promote" => td_string!(locale, activity.user_promote),
        "user.demote" => td_string!(locale, activity.user_demote),
        "user.reset_password" => td_string!(locale, activity.user_reset_password),
        "user.change_password" => td_string!(locale, activity.user_change_password),
        "run" => td_string!(locale, activity.run),
        "run.manual" => td_string!(locale, activity.run_manual),
        "run.import" => td_string!(locale, activity.run_import),
        "run.export" => td_string!(locale, activity.run_export),
        "run.resolve" => td_string!(locale, activity.run_resolve),
        "run.undo" => td_string!(locale, activity.run_undo),
        "run.cancel" => td_string!(locale, activity.run_cancel),
        "settings.update" => td_string!(locale, activity.settings_update),
        "mappings.save" => td_string!(locale, activity.mappings_save),
        "mappings.reset" => td_string!(locale, activity.mappings_reset),
        "mapping.set" => td_string!(locale, activity.mapping_set),
        "user.add" => td_string!(locale, activity.user_add),
        "warehouse.accept" => td_string!(locale, activity.warehouse_accept),
        "warehouse.snapshot" => td_string!(locale, activity.warehouse_snapshot),
        "https" => td_string!(locale, activity.https),
        "https.enable" => td_string!(locale, activity.https_enable),
        "https.disable" => td_string!(locale, activity.https_disable),
        "activity" => td_string!(locale, activity.activity),
        "activity.prune" => td_string!(locale, activity.activity_prune),
        "activity.export" => td_string!(locale, activity.activity_export),
        other => return other.to_owned(),
    }
    .to_string()
}

/// How an activity ended.
pub fn activity_outcome(locale: Locale, outcome: ActivityOutcome) -> String {
    match outcome {
        ActivityOutcome::Done => td_string!(locale, activity.done),
        ActivityOutcome::Refused => td_string!(locale, activity.refused),
        ActivityOutcome::Failed => td_string!(locale, activity.failed),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict(base: ReelStatus, office: ReelStatus, warehouse: ReelStatus) -> Conflict {
        Conflict {
            id: 1,
            reel_number: "R1".into(),
            base,
            office,
            office_by: None,
            office_at: chrono::Utc::now(),
            warehouse,
            warehouse_at: None,
            location: None,
            reason: Reason::BothMoved {
                base,
                warehouse,
                office,
            },
            found_run: 1,
            found_at: chrono::Utc::now(),
            seen_run: 1,
            resolved: None,
        }
    }

    #[test]
    fn the_situation_says_what_each_side_did() {
        use ReelStatus::{Delivered, InStock, Sold};
        assert_eq!(
            situation(Locale::en, &conflict(Sold, InStock, Delivered)),
            "The office cancelled the sale; the warehouse delivered it."
        );
        assert_eq!(
            situation(Locale::en, &conflict(Sold, InStock, Sold)),
            "The office cancelled the sale; the warehouse kept it Sold."
        );
        assert!(situation(Locale::fa, &conflict(Sold, InStock, Delivered)).starts_with("دفتر"));
    }
}
