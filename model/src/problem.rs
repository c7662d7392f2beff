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
        }
    }
}
