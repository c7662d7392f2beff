//! Why the engine refused a request, in the user's language, from the code and
//! values it sent ([`Refusal`]). The command line words refusals in English
//! through this too, so the web's English and the CLI's can't drift apart.
//!
//! What the user typed (a name, a transform, a zone) is isolated from the
//! sentence around it ([`fmt::isolate`]), so a Latin value keeps its place in a
//! Persian sentence.

use model::Refusal;

use crate::fmt::{self, isolate};
use crate::i18n::{Locale, td_string};
use crate::labels;

/// Why the request was refused.
pub fn refusal(locale: Locale, refusal: &Refusal) -> String {
    let n = |value: u64| fmt::number(locale, value);
    match refusal {
        Refusal::RunNotRunning { run_id, ended } => td_string!(
            locale,
            refusal.run_not_running,
            id = n(run_id.unsigned_abs()),
            outcome = labels::outcome(locale, *ended)
        )
        .to_string(),
        Refusal::RunOrphaned { run_id } => {
            td_string!(locale, refusal.run_orphaned, id = n(run_id.unsigned_abs())).to_string()
        }
        Refusal::UnknownTimeZone { name } => {
            td_string!(locale, refusal.unknown_time_zone, name = isolate(name)).to_string()
        }
        Refusal::UserNameLength { max } => {
            td_string!(locale, refusal.user_name_length, max = n(*max as u64)).to_string()
        }
        Refusal::UserNameHidden { code_point } => {
            let code = isolate(&format!("U+{code_point:04X}"));
            td_string!(locale, refusal.user_name_hidden, code).to_string()
        }
        Refusal::PasswordTooShort { min } => {
            td_string!(locale, refusal.password_too_short, min = n(*min as u64)).to_string()
        }
        Refusal::UserExists { username } => {
            td_string!(locale, refusal.user_exists, name = isolate(username)).to_string()
        }
        Refusal::UnknownUser { username } => {
            td_string!(locale, refusal.unknown_user, name = isolate(username)).to_string()
        }
        Refusal::OwnAccount => td_string!(locale, refusal.own_account).to_string(),
        Refusal::LastSuperAdmin { username } => {
            td_string!(locale, refusal.last_super_admin, name = isolate(username)).to_string()
        }
        Refusal::WrongPassword => td_string!(locale, refusal.wrong_password).to_string(),
        Refusal::PasswordUnchanged => td_string!(locale, refusal.password_unchanged).to_string(),
        Refusal::UnknownTransform { spec } => {
            td_string!(locale, refusal.unknown_transform, spec = isolate(spec)).to_string()
        }
        Refusal::ValueMapEntry { entry } => {
            td_string!(locale, refusal.value_map_entry, entry = isolate(entry)).to_string()
        }
        Refusal::OtherwiseNotValid { field, value } => td_string!(
            locale,
            refusal.otherwise_not_valid,
            field = isolate(field.as_str()),
            value = isolate(value)
        )
        .to_string(),
        Refusal::BadDateFormat { format, max } => td_string!(
            locale,
            refusal.bad_date_format,
            format = isolate(format),
            max = fmt::number(locale, *max as u64)
        )
        .to_string(),
        Refusal::BadSeparators { decimal, thousands } => td_string!(
            locale,
            refusal.bad_separators,
            decimal = isolate(decimal),
            thousands = isolate(thousands)
        )
        .to_string(),
        Refusal::BadPattern { pattern, why, max } => {
            let mut said = td_string!(
                locale,
                refusal.bad_pattern,
                pattern = isolate(pattern),
                max = fmt::number(locale, *max as u64)
            )
            .to_string();
            if !why.is_empty() {
                said.push_str(&format!(" ({})", isolate(why)));
            }
            said
        }
        Refusal::FieldNotMapped { field } => td_string!(
            locale,
            refusal.field_not_mapped,
            field = isolate(field.as_str())
        )
        .to_string(),
        Refusal::FieldMappedTwice { field } => td_string!(
            locale,
            refusal.field_mapped_twice,
            field = isolate(field.as_str())
        )
        .to_string(),
        Refusal::NoSuchColumns { columns } => {
            let columns = columns
                .iter()
                .map(|c| isolate(c))
                .collect::<Vec<_>>()
                .join(", ");
            td_string!(locale, refusal.no_such_columns, columns).to_string()
        }
        Refusal::UnknownField { name } => {
            td_string!(locale, refusal.unknown_field, name = isolate(name)).to_string()
        }
        Refusal::IntervalOutOfRange { minutes, min, max } => td_string!(
            locale,
            refusal.interval_out_of_range,
            minutes = n(u64::from(*minutes)),
            min = n(u64::from(*min)),
            max = n(u64::from(*max))
        )
        .to_string(),
        Refusal::ActivityRetentionOutOfRange { days, min, max } => td_string!(
            locale,
            refusal.activity_retention_out_of_range,
            days = n(u64::from(*days)),
            min = n(u64::from(*min)),
            max = n(u64::from(*max))
        )
        .to_string(),
        Refusal::RetentionOutOfRange { keep, min, max } => td_string!(
            locale,
            refusal.retention_out_of_range,
            keep = n(u64::from(*keep)),
            min = n(u64::from(*min)),
            max = n(u64::from(*max))
        )
        .to_string(),
        Refusal::UnknownAutoImport { value } => {
            td_string!(locale, refusal.unknown_auto_import, value = isolate(value)).to_string()
        }
        Refusal::NoReels => td_string!(locale, refusal.no_reels).to_string(),
        Refusal::DeliveredStaysDelivered { to } => td_string!(
            locale,
            refusal.delivered_stays_delivered,
            status = labels::status(locale, *to)
        )
        .to_string(),
        Refusal::UndoRunning { run_id } => td_string!(
            locale,
            refusal.undo_running,
            run = fmt::number(locale, run_id.unsigned_abs())
        )
        .to_string(),
        Refusal::UndoOfUndo { run_id } => td_string!(
            locale,
            refusal.undo_of_undo,
            run = fmt::number(locale, run_id.unsigned_abs())
        )
        .to_string(),
        Refusal::DemoReels { reels, max } => td_string!(
            locale,
            refusal.demo_reels,
            reels = n(u64::from(*reels)),
            max = n(u64::from(*max))
        )
        .to_string(),
        Refusal::FileExists { file } => {
            td_string!(locale, refusal.file_exists, file = isolate(file)).to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use model::{Outcome, ProductField};

    use super::*;

    /// One of each, so a new refusal can't go unworded.
    fn every_refusal() -> Vec<Refusal> {
        vec![
            Refusal::RunNotRunning {
                run_id: 7,
                ended: Outcome::Succeeded,
            },
            Refusal::RunOrphaned { run_id: 7 },
            Refusal::UnknownTimeZone {
                name: "Mars/Olympus".into(),
            },
            Refusal::UserNameLength { max: 150 },
            Refusal::UserNameHidden { code_point: 0x202e },
            Refusal::PasswordTooShort { min: 12 },
            Refusal::UserExists {
                username: "admin".into(),
            },
            Refusal::UnknownUser {
                username: "nobody".into(),
            },
            Refusal::OwnAccount,
            Refusal::LastSuperAdmin {
                username: "admin".into(),
            },
            Refusal::WrongPassword,
            Refusal::PasswordUnchanged,
            Refusal::UnknownTransform {
                spec: "shout".into(),
            },
            Refusal::ValueMapEntry { entry: "a".into() },
            Refusal::OtherwiseNotValid {
                field: model::ProductField::Width,
                value: "wide".into(),
            },
            Refusal::BadDateFormat {
                format: "%q".into(),
                max: 64,
            },
            Refusal::BadSeparators {
                decimal: ",".into(),
                thousands: ",".into(),
            },
            Refusal::BadPattern {
                pattern: "(".into(),
                why: "unclosed group".into(),
                max: 256,
            },
            Refusal::FieldNotMapped {
                field: ProductField::Status,
            },
            Refusal::FieldMappedTwice {
                field: ProductField::Width,
            },
            Refusal::NoSuchColumns {
                columns: vec!["breite".into()],
            },
            Refusal::UnknownField {
                name: "colour".into(),
            },
            Refusal::IntervalOutOfRange {
                minutes: 0,
                min: 1,
                max: 10_080,
            },
            Refusal::ActivityRetentionOutOfRange {
                days: 3,
                min: 7,
                max: 36_500,
            },
            Refusal::RetentionOutOfRange {
                keep: 0,
                min: 1,
                max: 1_000,
            },
            Refusal::UnknownAutoImport {
                value: "some".into(),
            },
            Refusal::NoReels,
            Refusal::DeliveredStaysDelivered {
                to: model::ReelStatus::InStock,
            },
            Refusal::DemoReels {
                reels: 0,
                max: 200_000,
            },
            Refusal::FileExists {
                file: "demo.sqlite3".into(),
            },
            Refusal::UndoRunning { run_id: 7 },
            Refusal::UndoOfUndo { run_id: 7 },
        ]
    }

    #[test]
    fn every_refusal_is_worded_in_both_languages_with_its_values() {
        for refusal in every_refusal() {
            let en = super::refusal(Locale::en, &refusal);
            let fa = super::refusal(Locale::fa, &refusal);
            assert!(!en.is_empty() && !fa.is_empty(), "{refusal:?}");
            assert_ne!(en, fa, "{refusal:?}");
            // Numbers in Persian digits; what was typed (isolated) stays as typed.
            let words: String = fa
                .split('\u{2068}')
                .map(|part| part.split_once('\u{2069}').map_or(part, |(_, after)| after))
                .collect();
            assert!(
                !words.chars().any(|c| c.is_ascii_digit()),
                "Persian digits in {fa}"
            );
        }
    }

    #[test]
    fn a_finished_run_is_not_cancelled_in_the_users_words() {
        let refusal = Refusal::RunNotRunning {
            run_id: 7,
            ended: Outcome::Succeeded,
        };
        assert_eq!(
            super::refusal(Locale::en, &refusal),
            "Run #7 is not running: it ended succeeded."
        );
        let fa = super::refusal(Locale::fa, &refusal);
        assert!(fa.contains("۷"), "{fa}");
        assert!(
            !fa.contains("not running") && !fa.contains("succeeded"),
            "{fa}"
        );
    }
}
