//! Why the warehouse file can't be used, in the user's language: shared by the
//! errors server functions return and the reasons a run's items give.

use model::{ColumnChange, WarehouseProblem};

use crate::fmt;
use crate::i18n::{Locale, td_string};

/// Why the warehouse file can't be used, in the user's language.
pub fn warehouse_problem(locale: Locale, problem: &WarehouseProblem) -> String {
    match problem {
        WarehouseProblem::NotConfigured => td_string!(locale, warehouse.not_configured).to_string(),
        WarehouseProblem::Missing { file } => {
            td_string!(locale, warehouse.missing, file).to_string()
        }
        WarehouseProblem::NotSqlite { file } => {
            td_string!(locale, warehouse.not_sqlite, file).to_string()
        }
        WarehouseProblem::Locked { file, waited_ms } => {
            let secs = fmt::digits(locale, &format!("{:.1}", *waited_ms as f64 / 1_000.0));
            td_string!(locale, warehouse.locked, file, secs).to_string()
        }
        WarehouseProblem::NoTable { file, table } => {
            td_string!(locale, warehouse.no_table, file, table).to_string()
        }
        WarehouseProblem::MissingColumns { table, columns } => {
            let columns = columns.join(", ");
            td_string!(locale, warehouse.missing_columns, table, columns).to_string()
        }
        WarehouseProblem::Unreadable { file } => {
            td_string!(locale, warehouse.unreadable, file).to_string()
        }
        WarehouseProblem::Replaced { file } => {
            td_string!(locale, warehouse.replaced, file).to_string()
        }
        WarehouseProblem::NotTheSame {
            file,
            checked,
            missing,
            reborn,
            columns,
        } => {
            let n = |value: u64| fmt::number(locale, value);
            let mut text = td_string!(locale, warehouse.not_the_same, file).to_string();
            if *checked > 0 {
                text.push(' ');
                text.push_str(
                    &td_string!(
                        locale,
                        warehouse.not_the_same_reels,
                        checked = n(*checked),
                        missing = n(*missing),
                        reborn = n(*reborn)
                    )
                    .to_string(),
                );
            }
            for change in columns {
                text.push(' ');
                text.push_str(&column_change(locale, change));
            }
            text.push(' ');
            text.push_str(
                &td_string!(
                    locale,
                    warehouse.not_the_same_held,
                    command = accept_command()
                )
                .to_string(),
            );
            text
        }
    }
}

/// The command that accepts the file at the warehouse path, isolated from the
/// sentence around it.
pub fn accept_command() -> String {
    fmt::isolate("reelsync accept-warehouse")
}

/// A mapped warehouse column gone or of another type than at the last sync.
fn column_change(locale: Locale, change: &ColumnChange) -> String {
    let column = fmt::isolate(&change.column);
    let ty = |t: &str| {
        if t.is_empty() {
            td_string!(locale, warehouse.untyped).to_string()
        } else {
            fmt::isolate(t)
        }
    };
    match &change.now {
        None => td_string!(locale, warehouse.column_gone, column).to_string(),
        Some(now) => td_string!(
            locale,
            warehouse.column_retyped,
            column,
            now = ty(now),
            was = ty(&change.was)
        )
        .to_string(),
    }
}
