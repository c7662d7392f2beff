//! Why a run refused a reel, left it alone or failed, worded in the user's
//! language from the codes the engine logs.
//!
//! What a warehouse cell held is shown as it is, isolated from the sentence
//! around it ([`fmt::isolate`]), so a Latin value keeps its place in a Persian
//! sentence.

use model::{Reason, RowProblem, RunError, ValueProblem};

use crate::fmt::{self, isolate};
use crate::i18n::{Locale, td_string};
use crate::labels;
use crate::problems::warehouse_problem;

/// Why a run logged a reel as it did.
pub fn reason(locale: Locale, reason: &Reason) -> String {
    let status = |s| isolate(&labels::status(locale, s));
    let row = |r: &RowProblem| row_problem(locale, r);
    match reason {
        Reason::DuplicateRow => td_string!(locale, reason.duplicate_row).to_string(),
        Reason::AlreadyImported => td_string!(locale, reason.already_imported).to_string(),
        Reason::NotInStock { status: Some(s) } => {
            td_string!(locale, reason.not_in_stock, status = status(*s)).to_string()
        }
        Reason::NotInStock { status: None } => {
            td_string!(locale, reason.status_unreadable).to_string()
        }
        Reason::BadRow(r) => td_string!(locale, reason.bad_row, row = row(r)).to_string(),
        Reason::NotRefreshed(r) => {
            td_string!(locale, reason.not_refreshed, row = row(r)).to_string()
        }
        Reason::StatusNotSynced(r) => {
            td_string!(locale, reason.status_not_synced, row = row(r)).to_string()
        }
        Reason::StatusNotExported(r) => {
            td_string!(locale, reason.status_not_exported, row = row(r)).to_string()
        }
        Reason::ReelNumberTaken { reel_number } => td_string!(
            locale,
            reason.reel_number_taken,
            reel = isolate(reel_number)
        )
        .to_string(),
        Reason::ReelNumberExists => td_string!(locale, reason.reel_number_exists).to_string(),
        Reason::NotFound => td_string!(locale, reason.not_found).to_string(),
        Reason::GoneFromWarehouse => td_string!(locale, reason.gone).to_string(),
        Reason::DeliveredIsFinal { office } => {
            td_string!(locale, reason.delivered_is_final, office = status(*office)).to_string()
        }
        Reason::SetByWarehouseApp { office, warehouse } => td_string!(
            locale,
            reason.set_by_warehouse_app,
            office = status(*office),
            warehouse = status(*warehouse)
        )
        .to_string(),
        Reason::BothMoved {
            base,
            warehouse,
            office,
        } => td_string!(
            locale,
            reason.both_moved,
            base = status(*base),
            warehouse = status(*warehouse),
            office = status(*office)
        )
        .to_string(),
        Reason::ChangedSinceRead => td_string!(locale, reason.changed_since_read).to_string(),
        Reason::LaterRun { run_id } => td_string!(
            locale,
            reason.later_run,
            run = fmt::number(locale, run_id.unsigned_abs())
        )
        .to_string(),
        Reason::OfficeChangedSince => td_string!(locale, reason.office_changed_since).to_string(),
        Reason::WarehouseChangedSince => {
            td_string!(locale, reason.warehouse_changed_since).to_string()
        }
        Reason::FollowsWarehouse => td_string!(locale, reason.follows_warehouse).to_string(),
        Reason::NotRestorable => td_string!(locale, reason.not_restorable).to_string(),
        Reason::ChangedSinceShown { shown, now } => td_string!(
            locale,
            reason.changed_since_shown,
            shown = status(*shown),
            now = status(*now)
        )
        .to_string(),
        Reason::NotWritten { problem } => td_string!(
            locale,
            reason.not_written,
            problem = warehouse_problem(locale, problem)
        )
        .to_string(),
        Reason::RecordedLate { run_id } => td_string!(
            locale,
            reason.recorded_late,
            id = fmt::number(locale, run_id.unsigned_abs())
        )
        .to_string(),
        Reason::LostWrite { run_id } => td_string!(
            locale,
            reason.lost_write,
            id = fmt::number(locale, run_id.unsigned_abs())
        )
        .to_string(),
        Reason::Reentered { was_born, born } => {
            // Creation times as the warehouse holds them.
            let when = |at: &Option<String>| match at {
                Some(at) => isolate(at),
                None => td_string!(locale, reason.unknown_time).to_string(),
            };
            td_string!(
                locale,
                reason.reentered,
                born = when(born),
                was_born = when(was_born)
            )
            .to_string()
        }
        Reason::LabelCorrected { reel_number } => {
            td_string!(locale, reason.label_corrected, reel = isolate(reel_number)).to_string()
        }
        Reason::RowRenamed { reel_number } => {
            td_string!(locale, reason.row_renamed, reel = isolate(reel_number)).to_string()
        }
        Reason::TwoRows => td_string!(locale, reason.two_rows).to_string(),
        Reason::NoCopy { table } => {
            td_string!(locale, reason.no_copy, table = isolate(table)).to_string()
        }
        Reason::CopyChanged { table } => {
            td_string!(locale, reason.copy_changed, table = isolate(table)).to_string()
        }
        Reason::AnothersStatus { reel_number } => {
            td_string!(locale, reason.anothers_status, reel = isolate(reel_number)).to_string()
        }
        // Logged before reasons were codes: the engine's English is all there is.
        Reason::Text { text } => text.clone(),
    }
}

/// Why a run failed. An error the engine words only in English (it may name
/// paths) is not shown: the server log has it.
pub fn run_error(locale: Locale, error: &RunError) -> String {
    match error {
        RunError::Warehouse { problem } => warehouse_problem(locale, problem),
        RunError::WritesFailed { problem } => td_string!(
            locale,
            run_error.writes_failed,
            problem = warehouse_problem(locale, problem)
        )
        .to_string(),
        RunError::StoreFull => td_string!(locale, run_error.store_full).to_string(),
        RunError::Interrupted => td_string!(locale, run_error.interrupted).to_string(),
        RunError::Other { .. } => td_string!(locale, run_error.other).to_string(),
    }
}

/// `Width (column breite): "wide" is not a whole number`.
pub fn row_problem(locale: Locale, row: &RowProblem) -> String {
    let field = labels::field(locale, row.field);
    let problem = value_problem(locale, &row.problem);
    if row.column == row.field.as_str() {
        td_string!(locale, value.row, field, problem).to_string()
    } else {
        let column = isolate(&row.column);
        td_string!(locale, value.row_column, field, column, problem).to_string()
    }
}

/// What is wrong with one warehouse value.
fn value_problem(locale: Locale, problem: &ValueProblem) -> String {
    let n = |value: usize| fmt::number(locale, value as u64);
    match problem {
        ValueProblem::Missing => td_string!(locale, value.missing).to_string(),
        ValueProblem::NotStatus => td_string!(locale, value.not_status).to_string(),
        ValueProblem::NotWholeNumber { value } => {
            td_string!(locale, value.not_whole_number, value = isolate(value)).to_string()
        }
        ValueProblem::NotText { value } => {
            td_string!(locale, value.not_text, value = isolate(value)).to_string()
        }
        ValueProblem::BlanksAtEnds { value } => {
            td_string!(locale, value.blanks_at_ends, value = isolate(value)).to_string()
        }
        ValueProblem::ControlCharacters { value } => {
            td_string!(locale, value.control_characters, value = isolate(value)).to_string()
        }
        ValueProblem::TooLong { max } => {
            td_string!(locale, value.too_long, max = n(*max)).to_string()
        }
        ValueProblem::OutOfRange { value, low, high } => td_string!(
            locale,
            value.out_of_range,
            value = fmt::digits(locale, &value.to_string()),
            low = fmt::digits(locale, &low.to_string()),
            high = fmt::digits(locale, &high.to_string())
        )
        .to_string(),
        ValueProblem::NotDate { value } => {
            td_string!(locale, value.not_date, value = isolate(value)).to_string()
        }
        ValueProblem::NotDateAs { value, format } => td_string!(
            locale,
            value.not_date_as,
            value = isolate(value),
            format = isolate(format)
        )
        .to_string(),
        ValueProblem::NotDecimal { value } => {
            td_string!(locale, value.not_decimal, value = isolate(value)).to_string()
        }
        ValueProblem::UnknownStatus { value } => {
            td_string!(locale, value.unknown_status, value = isolate(value)).to_string()
        }
        ValueProblem::InvalidUtf8 { at, len } => {
            td_string!(locale, value.invalid_utf8, at = n(*at), len = n(*len)).to_string()
        }
        ValueProblem::Binary { bytes } => {
            td_string!(locale, value.binary, bytes = n(*bytes)).to_string()
        }
        ValueProblem::Oversized { bytes, max } => {
            td_string!(locale, value.oversized, bytes = n(*bytes), max = n(*max)).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use model::{ProductField, ReelStatus, WarehouseProblem};

    use super::*;

    #[test]
    fn reasons_are_worded_in_both_languages_with_their_values() {
        let sold = Reason::NotInStock {
            status: Some(ReelStatus::Sold),
        };
        assert_eq!(
            reason(Locale::en, &sold),
            "It is \u{2068}Sold\u{2069} in the warehouse: only reels in stock can be imported."
        );
        assert!(reason(Locale::fa, &sold).contains("فروخته‌شده"));
        let bad = Reason::BadRow(RowProblem {
            field: ProductField::Width,
            column: "breite".into(),
            problem: ValueProblem::OutOfRange {
                value: 20_000,
                low: 1,
                high: 10_000,
            },
        });
        assert_eq!(
            reason(Locale::en, &bad),
            "Can't be imported. Width (column \u{2068}breite\u{2069}): 20000 is outside 1–10000."
        );
        let fa = reason(Locale::fa, &bad);
        assert!(fa.contains("عرض") && fa.contains("۲۰۰۰۰"), "{fa}");
    }

    #[test]
    fn reel_identity_reasons_are_worded_in_both_languages() {
        let lost = Reason::LostWrite { run_id: 12 };
        assert_eq!(
            reason(Locale::en, &lost),
            "The warehouse file lost run 12's write (a restored or older copy): written again."
        );
        assert!(reason(Locale::fa, &lost).contains("۱۲"));
        let again = Reason::Reentered {
            was_born: Some("2025-01-05 09:00".into()),
            born: None,
        };
        let en = reason(Locale::en, &again);
        assert!(
            en.contains("at an unknown time") && en.contains("\u{2068}2025-01-05 09:00\u{2069}"),
            "{en}"
        );
        assert!(reason(Locale::fa, &again).contains("زمانی نامعلوم"));
        let renamed = Reason::RowRenamed {
            reel_number: "R-7".into(),
        };
        assert!(reason(Locale::fa, &renamed).contains("\u{2068}R-7\u{2069}"));
        let copy = Reason::NoCopy {
            table: "Anbar_PAK".into(),
        };
        assert!(reason(Locale::en, &copy).contains("only Products was written"));
        assert!(reason(Locale::fa, &copy).contains("Anbar_PAK"));
        for r in [
            Reason::TwoRows,
            Reason::LabelCorrected {
                reel_number: "R-8".into(),
            },
            Reason::CopyChanged {
                table: "Anbar_PAK".into(),
            },
            Reason::AnothersStatus {
                reel_number: "R-9".into(),
            },
        ] {
            assert_ne!(reason(Locale::en, &r), reason(Locale::fa, &r));
        }
    }

    #[test]
    fn run_errors_never_show_the_engines_english() {
        let other = RunError::Other {
            text: "main store /srv/reelsync/reelsync.sqlite3: disk I/O error".into(),
        };
        for locale in [Locale::en, Locale::fa] {
            assert!(!run_error(locale, &other).contains("/srv"));
        }
        let locked = RunError::WritesFailed {
            problem: WarehouseProblem::Locked {
                file: "ism.sqlite3".into(),
                waited_ms: 5_000,
            },
        };
        assert!(run_error(Locale::fa, &locked).contains("ism.sqlite3"));
        assert!(run_error(Locale::fa, &locked).contains("اجرای بعدی"));
    }
}
