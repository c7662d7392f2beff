//! Why something could not be done, as data rather than sentences: the command line
//! words it in English, the web app in the user's language.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why the warehouse file cannot be used. Files are named, never their paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum WarehouseProblem {
    /// No file is set, neither on the command line nor in the settings.
    NotConfigured,
    /// The file is not there.
    Missing { file: String },
    /// The file is there but is not a SQLite database.
    NotSqlite { file: String },
    /// The warehouse app held its lock longer than reelsync waits.
    Locked { file: String, waited_ms: u64 },
    /// The database lacks a table reelsync needs.
    NoTable { file: String, table: String },
    /// The table lacks columns the mappings read.
    MissingColumns { table: String, columns: Vec<String> },
    /// SQLite could not open or read it (permissions, damage, …).
    Unreadable { file: String },
    /// Another file took the path's place while a run read it: nothing was
    /// written to it.
    Replaced { file: String },
    /// The file at the warehouse path is not the warehouse reelsync has been
    /// syncing: of `checked` tracked reels, `missing` are not in it and `reborn`
    /// were created at other times; `columns` are mapped columns gone or
    /// retyped. Nothing is written until an admin accepts the file.
    NotTheSame {
        file: String,
        checked: u64,
        missing: u64,
        reborn: u64,
        columns: Vec<ColumnChange>,
    },
}

/// A mapped warehouse column that is gone (`now` is `None`) or of another type
/// than when reelsync last synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChange {
    pub column: String,
    /// Its declared type then and now, as SQLite reports it (`""` for none).
    pub was: String,
    pub now: Option<String>,
}

impl fmt::Display for ColumnChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ty = |t: &str| {
            if t.is_empty() {
                "untyped".to_owned()
            } else {
                t.to_owned()
            }
        };
        match &self.now {
            None => write!(f, "column {} is gone", self.column),
            Some(now) => write!(
                f,
                "column {} is {} (was {})",
                self.column,
                ty(now),
                ty(&self.was)
            ),
        }
    }
}

impl fmt::Display for WarehouseProblem {
    /// The English wording, as the command line prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConfigured => f.write_str("no warehouse database is configured"),
            Self::Missing { file } => write!(f, "warehouse database {file} does not exist"),
            Self::NotSqlite { file } => {
                write!(f, "warehouse database {file} is not a SQLite database")
            }
            Self::Locked { file, waited_ms } => write!(
                f,
                "warehouse database {file} is locked by another program (waited {waited_ms} ms)"
            ),
            Self::NoTable { file, table } => {
                write!(f, "warehouse database {file} has no {table} table")
            }
            Self::MissingColumns { table, columns } => write!(
                f,
                "warehouse table {table} lacks column(s) {}",
                columns.join(", ")
            ),
            Self::Unreadable { file } => write!(f, "warehouse database {file} cannot be read"),
            Self::Replaced { file } => write!(
                f,
                "warehouse database {file} was replaced by another file during the run; nothing was written to it"
            ),
            Self::NotTheSame {
                file,
                checked,
                missing,
                reborn,
                columns,
            } => {
                write!(
                    f,
                    "warehouse database {file} is not the warehouse reelsync has been syncing"
                )?;
                if *checked > 0 {
                    write!(
                        f,
                        ": of {checked} tracked reels checked, {missing} are not in it and {reborn} were created at other times"
                    )?;
                }
                for change in columns {
                    write!(f, "; {change}")?;
                }
                f.write_str(
                    ". Nothing was written and the schedule is paused; if this is the right file, accept it with `reelsync accept-warehouse`",
                )
            }
        }
    }
}
