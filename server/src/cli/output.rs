//! Printing: one JSON object with `--json`, else short aligned text.
//!
//! Results go to stdout. With `--json`, stdout holds exactly one JSON object and
//! anything meant for a person goes to stderr, so scripts can parse stdout whole.
//! Write errors are returned rather than panicking (as `println!` would), so a
//! closed pipe ends the program quietly.

use std::fmt::Display;
use std::io::{self, BufWriter, Write};

use chrono::{DateTime, Local, Utc};
use serde::Serialize;

use super::Exit;

/// Where and how a command prints its result.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints a command's result: `value` as one JSON object with `--json`, else
    /// the text `human` writes.
    pub fn result<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stdout = BufWriter::new(io::stdout().lock());
        if self.json {
            serde_json::to_writer(&mut stdout, value)?;
            writeln!(stdout)?;
        } else {
            human(&mut stdout)?;
        }
        stdout.flush()?;
        Ok(())
    }
}

/// Prints `{"error": …, "exit_code": …}` on stdout for `--json` callers. The same
/// message goes to stderr separately; a failure to print here has nowhere to go.
pub fn print_json_error(message: &str, exit: Exit) {
    let value = serde_json::json!({ "error": message, "exit_code": exit.code() });
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{value}");
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// For numbers, so that digits line up.
    Right,
}

/// Rows printed as aligned columns.
#[derive(Debug)]
pub struct Table<'a> {
    columns: &'a [(&'a str, Align)],
    rows: Vec<Vec<String>>,
    header: bool,
    indent: &'a str,
}

impl<'a> Table<'a> {
    /// A table with these column titles; the header line is printed.
    pub fn new(columns: &'a [(&'a str, Align)]) -> Self {
        Self {
            columns,
            rows: Vec::new(),
            header: true,
            indent: "",
        }
    }

    /// Leaves out the header line (for lists whose columns speak for themselves).
    pub fn without_header(mut self) -> Self {
        self.header = false;
        self
    }

    /// Starts every line with `indent`.
    pub fn indented(mut self, indent: &'a str) -> Self {
        self.indent = indent;
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let titles: Vec<String> = self.columns.iter().map(|(t, _)| (*t).to_owned()).collect();
        let lines: Vec<&Vec<String>> = self
            .header
            .then_some(&titles)
            .into_iter()
            .chain(&self.rows)
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                let cell_width = |line: &&Vec<String>| line.get(i).map_or(0, |c| c.chars().count());
                lines.iter().map(cell_width).max().unwrap_or(0)
            })
            .collect();
        for line in lines {
            let mut text = String::from(self.indent);
            for (i, ((_, align), width)) in self.columns.iter().zip(&widths).enumerate() {
                let cell = line.get(i).map_or("", String::as_str);
                let last = i + 1 == self.columns.len();
                if i > 0 {
                    text.push_str("  ");
                }
                match align {
                    Align::Right => text.push_str(&format!("{cell:>width$}")),
                    // No padding after the last cell: no trailing blanks.
                    Align::Left if last => text.push_str(cell),
                    Align::Left => text.push_str(&format!("{cell:<width$}")),
                }
            }
            writeln!(w, "{}", text.trim_end())?;
        }
        Ok(())
    }
}

/// Writes `label  value` lines with the values lined up, each line indented.
pub fn pairs(w: &mut dyn Write, indent: &str, rows: &[(&str, String)]) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        writeln!(w, "{indent}{label:<width$}  {value}")?;
    }
    Ok(())
}

/// Right-aligns numbers to the widest of them, so a [`pairs`] block of counts lines
/// up by digits.
pub fn numbers<const N: usize>(rows: [(&'static str, u64); N]) -> Vec<(&'static str, String)> {
    let width = rows
        .iter()
        .map(|(_, n)| n.to_string().len())
        .max()
        .unwrap_or(0);
    rows.into_iter()
        .map(|(label, n)| (label, format!("{n:>width$}")))
        .collect()
}

/// A moment in the local time of the machine, to the second.
pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A moment in local time, to the minute (for tables).
pub fn local_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A duration the way a person reads it (`850 ms`, `4.2 s`, `3 min 5 s`), in the
/// words the web app uses for English.
pub fn duration(ms: u64) -> String {
    app::fmt::duration(app::i18n::Locale::en, ms)
}

/// `value`, or `-` when there is none.
pub fn or_dash(value: Option<impl Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(table: &Table<'_>) -> String {
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_columns_line_up() {
        let columns = [
            ("ID", Align::Right),
            ("KIND", Align::Left),
            ("WHO", Align::Left),
        ];
        let mut table = Table::new(&columns);
        table.row(vec!["7".into(), "manual".into(), "cli:ann".into()]);
        table.row(vec!["12".into(), "auto".into(), "scheduler".into()]);
        assert_eq!(
            render(&table),
            "ID  KIND    WHO\n 7  manual  cli:ann\n12  auto    scheduler\n"
        );
    }

    #[test]
    fn numbers_line_up_by_digits() {
        let mut out = Vec::new();
        pairs(
            &mut out,
            "  ",
            &numbers([("imported", 5), ("unchanged", 1200)]),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  imported      5\n  unchanged  1200\n"
        );
    }

    #[test]
    fn durations_read_as_on_the_web() {
        assert_eq!(duration(4_200), "4.2 s");
        assert_eq!(duration(185_000), "3 min 5 s");
    }
}
