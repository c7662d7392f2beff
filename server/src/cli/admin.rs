//! Commands that change what reelsync knows: office statuses, settings, field
//! mappings and users. Each change is logged by the engine as `cli:<login>`.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use anyhow::Context;
use engine::{
    FieldMapping, MappingUpdate, ReelStatus, SettingsUpdate, StatusChange, SyncSettings, Transform,
};
use serde::Serialize;

use super::exit::UsageError;
use super::output::{Align, Output, Table, local_time, numbers, or_dash, pairs};
use super::{
    Exit, GlobalArgs, MappingSetArgs, MappingsCommand, SetStatusArgs, SettingsArgs, UserCommand,
    who,
};

/// What `product set-status --json` prints.
#[derive(Serialize)]
struct SetStatusJson<'a> {
    status: ReelStatus,
    #[serde(flatten)]
    change: &'a StatusChange,
}

/// `reelsync product set-status`: exit 5 when some reels were not found or the
/// office's rules kept them as they are (the others are changed all the same).
pub fn set_status(global: &GlobalArgs, out: &Output, args: &SetStatusArgs) -> anyhow::Result<Exit> {
    let reels = match &args.from_file {
        Some(path) => read_reel_list(path)?,
        None => args.reels.clone(),
    };
    let change = global
        .engine()?
        .set_product_status(&reels, args.status, &who())?;
    let json = SetStatusJson {
        status: args.status,
        change: &change,
    };
    out.result(&json, |w| {
        writeln!(w, "status {}:", args.status)?;
        let counts = numbers([
            ("changed", change.changed.len() as u64),
            ("unchanged", change.unchanged.len() as u64),
            ("refused", change.refused.len() as u64),
            ("not found", change.not_found.len() as u64),
        ]);
        pairs(w, "  ", &counts)?;
        if !change.refused.is_empty() {
            writeln!(w, "refused:")?;
            for refused in &change.refused {
                let why = super::exit::refusal(&refused.refusal);
                writeln!(w, "  {}: {why}", refused.reel_number)?;
            }
        }
        if change.not_found.is_empty() {
            return Ok(());
        }
        writeln!(w, "not found:")?;
        change
            .not_found
            .iter()
            .try_for_each(|reel| writeln!(w, "  {reel}"))
    })?;
    Ok(
        if change.not_found.is_empty() && change.refused.is_empty() {
            Exit::Success
        } else {
            Exit::Attention
        },
    )
}

/// Reads reel numbers from a file (`-` is stdin).
fn read_reel_list(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("reading reel numbers from stdin")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("reading reel numbers from {}", path.display()))?
    };
    Ok(parse_reel_list(&text))
}

/// One reel number a line; blank lines and `#` comment lines are skipped.
fn parse_reel_list(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// `reelsync settings`: shows the settings, after changing them if asked to.
pub fn settings(global: &GlobalArgs, out: &Output, args: &SettingsArgs) -> anyhow::Result<Exit> {
    let update = settings_update(args)?;
    // A look creates no store where there is none (it reads as a new one).
    let settings = if update == SettingsUpdate::default() {
        global.reader()?.settings()?
    } else {
        global.engine()?.update_settings(&update, &who())?
    };
    out.result(&settings, |w| write_settings(w, &settings, global))?;
    Ok(Exit::Success)
}

fn settings_update(args: &SettingsArgs) -> anyhow::Result<SettingsUpdate> {
    let external_path = match (&args.external_path, args.clear_external_path) {
        (_, true) => Some(None),
        // Saved absolute: the server and cron may run from another directory.
        (Some(path), false) => {
            let absolute =
                std::path::absolute(path).with_context(|| format!("resolving {path}"))?;
            Some(Some(absolute.display().to_string()))
        }
        (None, false) => None,
    };
    Ok(SettingsUpdate {
        auto_sync: args.auto.map(super::Switch::is_on),
        interval_minutes: args.interval,
        auto_import: args.auto_import,
        external_path,
        snapshot_retention: args.snapshots,
        warehouse_time_zone: args
            .warehouse_time_zone
            .as_ref()
            .map(|zone| Some(zone.clone())),
        mirror_anbar: args.mirror_anbar.map(super::Switch::is_on),
        activity_retention_days: args.activity_days.map(|keep| match keep {
            super::Retention::Days(days) => Some(days),
            super::Retention::Forever => None,
        }),
    })
}

fn write_settings(w: &mut dyn Write, s: &SyncSettings, global: &GlobalArgs) -> io::Result<()> {
    let mut rows = vec![
        (
            "auto-sync",
            if s.auto_sync { "on" } else { "off" }.to_owned(),
        ),
        ("interval", format!("{} min", s.interval_minutes)),
        ("auto-import", s.auto_import.as_str().to_owned()),
        (
            "warehouse file",
            s.external_path
                .clone()
                .unwrap_or_else(|| "not set".to_owned()),
        ),
        ("snapshots kept", s.snapshot_retention.to_string()),
        (
            "activity kept",
            s.activity_retention_days
                .map_or_else(|| "forever".to_owned(), |days| format!("{days} days")),
        ),
        (
            "mirror to Anbar",
            if s.mirror_anbar { "on" } else { "off" }.to_owned(),
        ),
        (
            "warehouse time zone",
            engine::WarehouseZone::of(s).map_or_else(|e| e.to_string(), |zone| zone.to_string()),
        ),
        ("last run", or_dash(s.last_run_at.map(local_time))),
        ("next run", or_dash(s.next_run_at.map(local_time))),
    ];
    if let Some(external) = &global.external {
        rows.insert(
            4,
            ("in use", format!("{} (--external)", external.display())),
        );
    }
    pairs(w, "", &rows)
}

/// `reelsync snapshot`: a copy of the warehouse file, kept with the retention
/// setting.
pub fn snapshot(global: &GlobalArgs, out: &Output) -> anyhow::Result<Exit> {
    let snapshot = global.engine()?.snapshot_warehouse(&who())?;
    out.result(&snapshot, |w| {
        writeln!(
            w,
            "warehouse snapshot: {} ({:.1} MB, {} ms)",
            global
                .data_dir
                .join("snapshots")
                .join(&snapshot.file)
                .display(),
            snapshot.bytes as f64 / 1e6,
            snapshot.duration_ms
        )
    })?;
    Ok(Exit::Success)
}

/// `reelsync accept-warehouse`: takes the file at the warehouse path as the
/// warehouse to sync from the next run on.
pub fn accept_warehouse(global: &GlobalArgs, out: &Output) -> anyhow::Result<Exit> {
    /// What `accept-warehouse --json` prints: the hold it lifted, if any.
    #[derive(Serialize)]
    struct Accepted {
        accepted: bool,
        lifted: Option<String>,
    }
    let lifted = global.engine()?.accept_warehouse(&who())?;
    let json = Accepted {
        accepted: true,
        lifted: lifted.as_ref().map(super::exit::warehouse_problem),
    };
    out.result(&json, |w| match &json.lifted {
        Some(problem) => writeln!(
            w,
            "Accepted. The next run takes the warehouse file as it is. It was held because: {problem}"
        ),
        None => writeln!(
            w,
            "Accepted. Nothing was held; the next run takes the warehouse file as it is."
        ),
    })?;
    Ok(Exit::Success)
}

/// `reelsync mappings list|set|reset`.
pub fn mappings(
    global: &GlobalArgs,
    out: &Output,
    command: &MappingsCommand,
) -> anyhow::Result<Exit> {
    /// What `mappings list|reset --json` print.
    #[derive(Serialize)]
    struct MappingsJson<'a> {
        mappings: &'a [FieldMapping],
    }
    /// What `mappings set --json` prints: the changed mapping.
    #[derive(Serialize)]
    struct MappingJson<'a> {
        mapping: &'a FieldMapping,
    }
    let mappings = match command {
        // A look creates no store where there is none (it reads as a new one).
        MappingsCommand::List => global.reader()?.mappings()?,
        MappingsCommand::Reset => global.engine()?.reset_mappings(&who())?,
        MappingsCommand::Try(args) => {
            let trial = global
                .reader()?
                .try_mapping(args.field, &mapping_update(args))?;
            out.result(&trial, |w| write_trial(w, &trial))?;
            return Ok(Exit::Success);
        }
        MappingsCommand::Set(args) => {
            let mapping =
                global
                    .engine()?
                    .set_mapping(args.field, &mapping_update(args), &who())?;
            let json = MappingJson { mapping: &mapping };
            out.result(&json, |w| write_mappings(w, std::slice::from_ref(&mapping)))?;
            return Ok(Exit::Success);
        }
    };
    out.result(
        &MappingsJson {
            mappings: &mappings,
        },
        |w| write_mappings(w, &mappings),
    )?;
    Ok(Exit::Success)
}

fn mapping_update(args: &MappingSetArgs) -> MappingUpdate {
    let transforms = if args.direct {
        Some(Vec::new())
    } else {
        Some(args.transforms.clone()).filter(|t| !t.is_empty())
    };
    MappingUpdate {
        column: args.column.clone(),
        transforms,
        active: args.active,
    }
}

/// A trial as text: the summary, then the rows rejected and the reels changed.
fn write_trial(w: &mut dyn Write, trial: &engine::DraftPreview) -> io::Result<()> {
    let problems: Vec<String> = trial
        .problems
        .iter()
        .map(|p| format!("{} {} × {}", p.field, p.problem, p.count))
        .collect();
    writeln!(
        w,
        "tried {} importable rows: {} map, {} rejected{}",
        trial.tried,
        trial.maps,
        trial.rejected,
        if problems.is_empty() {
            String::new()
        } else {
            format!(" ({})", problems.join(", "))
        }
    )?;
    writeln!(
        w,
        "a save would refresh {} tracked reels at the next sync ({} rows read)",
        trial.refresh, trial.scanned
    )?;
    for sample in &trial.rejected_rows {
        if let Some(why) = &sample.rejection {
            writeln!(w, "rejected {}: {why}", sample.reel_number)?;
        }
    }
    for sample in &trial.changed {
        for cell in &sample.cells {
            writeln!(
                w,
                "changes {}: {} {} → {}",
                sample.reel_number,
                cell.field,
                cell.before.as_deref().unwrap_or("∅"),
                cell.mapped.as_deref().unwrap_or("∅")
            )?;
        }
    }
    Ok(())
}

fn write_mappings(w: &mut dyn Write, mappings: &[FieldMapping]) -> io::Result<()> {
    const COLUMNS: [(&str, Align); 5] = [
        ("FIELD", Align::Left),
        ("COLUMN", Align::Left),
        ("KIND", Align::Left),
        ("ACTIVE", Align::Left),
        ("TRANSFORMS", Align::Left),
    ];
    let mut table = Table::new(&COLUMNS);
    for m in mappings {
        let transforms: Vec<String> = m.transforms.iter().map(Transform::to_string).collect();
        table.row(vec![
            m.field.to_string(),
            m.column.clone(),
            m.kind().to_owned(),
            if m.active { "yes" } else { "no" }.to_owned(),
            if transforms.is_empty() {
                "-".to_owned()
            } else {
                transforms.join(" | ")
            },
        ]);
    }
    table.write(w)
}

/// `reelsync user add|count`.
pub fn user(global: &GlobalArgs, out: &Output, command: &UserCommand) -> anyhow::Result<Exit> {
    match command {
        UserCommand::Add {
            name,
            superuser,
            one_time,
        } => {
            let password = password_for(name)?;
            let new = engine::NewUser {
                one_time: *one_time,
                ..engine::NewUser::new(name, &password, *superuser)
            };
            let id = global.engine()?.add_user(&new, &who())?;
            let json =
                serde_json::json!({ "id": id, "username": name.trim(), "superuser": superuser });
            let role = if *superuser { "super admin" } else { "user" };
            out.result(&json, |w| writeln!(w, "added {role} {}", name.trim()))?;
        }
        UserCommand::List => {
            let users = global.engine()?.users()?;
            out.result(&serde_json::json!({ "users": users }), |w| {
                for user in &users {
                    let role = if user.is_superuser {
                        "super admin"
                    } else {
                        "user"
                    };
                    let state = if user.active { "active" } else { "disabled" };
                    let last = user.last_sign_in.as_ref().map_or_else(
                        || "never signed in".to_owned(),
                        |s| format!("last signed in {}", s.at.format("%Y-%m-%d %H:%M UTC")),
                    );
                    writeln!(
                        w,
                        "{}\t{role}\t{state}\t{last}\t{} sessions",
                        user.username,
                        user.sessions.len()
                    )?;
                }
                Ok(())
            })?;
        }
        UserCommand::Disable { name } => {
            account_changed(out, &global.engine()?.set_user_active(name, false, &who())?)?;
        }
        UserCommand::Enable { name } => {
            account_changed(out, &global.engine()?.set_user_active(name, true, &who())?)?;
        }
        UserCommand::Promote { name } => {
            account_changed(out, &global.engine()?.set_user_role(name, true, &who())?)?;
        }
        UserCommand::Demote { name } => {
            account_changed(out, &global.engine()?.set_user_role(name, false, &who())?)?;
        }
        UserCommand::ResetPassword { name } => {
            let password = password_for(name)?;
            account_changed(
                out,
                &global.engine()?.reset_password(name, &password, &who())?,
            )?;
        }
        UserCommand::Count => {
            let count = global.engine()?.user_count()?;
            out.result(&serde_json::json!({ "users": count }), |w| {
                writeln!(w, "{count}")
            })?;
        }
    }
    Ok(Exit::Success)
}

/// Says how an account is after a change.
fn account_changed(out: &Output, user: &engine::UserAccount) -> anyhow::Result<()> {
    out.result(user, |w| {
        let role = if user.is_superuser {
            "super admin"
        } else {
            "user"
        };
        let state = if user.active { "active" } else { "disabled" };
        writeln!(w, "{}: {role}, {state}", user.username)
    })?;
    Ok(())
}

/// The new user's password: `REELSYNC_PASSWORD`, else asked twice on the terminal.
fn password_for(name: &str) -> anyhow::Result<String> {
    if let Some(value) = std::env::var_os("REELSYNC_PASSWORD") {
        return value
            .into_string()
            .map_err(|_| UsageError("REELSYNC_PASSWORD is not valid UTF-8".into()).into());
    }
    if !io::stdin().is_terminal() {
        return Err(UsageError(
            "no password given: set REELSYNC_PASSWORD, or run on a terminal to be asked for one"
                .into(),
        )
        .into());
    }
    let password = rpassword::prompt_password(format!("password for {name}: "))
        .context("reading the password")?;
    let again = rpassword::prompt_password("the same again: ").context("reading the password")?;
    if password != again {
        return Err(UsageError("the two passwords differ; nothing was changed".into()).into());
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reel_lists_skip_blanks_and_comments() {
        let text = "# sold to Ahmadi\nR1\n\n  R2  \n# R3\r\nR4\r\n";
        assert_eq!(parse_reel_list(text), ["R1", "R2", "R4"]);
    }
}
