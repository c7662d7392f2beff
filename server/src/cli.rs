//! The command line: what `reelsync` accepts and which function runs each command.
//!
//! Every command but `serve` is a short blocking call into the engine. Commands
//! return the [`Exit`] they end with; errors travel as [`anyhow::Error`] and are
//! turned into an exit code in one place ([`exit::code_of`]), so a warehouse problem
//! is exit 3 whichever command ran into it.

mod admin;
mod exit;
mod https;
mod info;
mod output;
mod report;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use engine::{AutoImport, ProductField, ReelStatus, Transform};

use exit::Exit;
use output::Output;

/// Keeps the warehouse app's SQLite file and reelsync's store in step.
#[derive(Debug, Parser)]
#[command(name = "reelsync", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line, or exits: 0 for `--help` and `--version`, 2 for a
    /// usage error (printed as JSON on stdout too when `--json` was asked for).
    pub fn parse_or_exit() -> Self {
        Self::try_parse().unwrap_or_else(|err| {
            // The parse failed, so `--json` is only known from the raw arguments.
            if err.use_stderr() && std::env::args_os().any(|arg| arg == "--json") {
                output::print_json_error(&usage_message(&err), Exit::Usage);
            }
            // Unlike `err.exit()`, a closed pipe (`reelsync --help | head`) is no
            // error here: the reader has what it wanted.
            let _ = err.print();
            std::process::exit(err.exit_code())
        })
    }
}

/// Clap's message without its `error: ` prefix and usage lines.
fn usage_message(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_owned()
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Where reelsync keeps its own store, its run lock and warehouse snapshots.
    #[arg(
        long,
        global = true,
        env = "REELSYNC_DATA_DIR",
        default_value = "./data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// The warehouse app's SQLite file (overrides the path saved in the settings).
    #[arg(long, global = true, env = "REELSYNC_EXTERNAL", value_name = "PATH")]
    pub external: Option<PathBuf>,

    /// How long to wait for the warehouse app's lock before giving up (exit 3).
    #[arg(
        long,
        global = true,
        env = "REELSYNC_BUSY_TIMEOUT_MS",
        default_value_t = engine::DEFAULT_BUSY_TIMEOUT.as_millis() as u64,
        value_name = "MS"
    )]
    pub busy_timeout: u64,

    /// Prints exactly one JSON object on stdout (for scripts); messages and
    /// progress go to stderr. Every command but `serve` takes it.
    #[arg(long, global = true)]
    pub json: bool,
}

impl GlobalArgs {
    /// The engine configuration these options describe.
    pub fn config(&self) -> engine::Config {
        let config = engine::Config {
            busy_timeout: Duration::from_millis(self.busy_timeout),
            ..engine::Config::new(&self.data_dir)
        };
        match &self.external {
            Some(path) => config.with_external(path),
            None => config,
        }
    }

    /// Opens the engine (creating and migrating the main store as needed).
    fn engine(&self) -> anyhow::Result<engine::Engine> {
        Ok(engine::Engine::open(self.config())?)
    }

    /// Opens the engine for a command that only looks (or a dry run): a data
    /// directory without a store is left as it is, and reads as an empty store.
    fn reader(&self) -> anyhow::Result<engine::Engine> {
        Ok(engine::Engine::open_for_reading(self.config())?)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the web interface (for phones and tablets on the LAN).
    Serve(crate::web::ServeArgs),
    /// Runs a full sync: statuses both ways and field refresh.
    Sync(SyncArgs),
    /// Imports chosen reels (or every importable reel) from the warehouse.
    Import(ImportArgs),
    /// Puts back what a run decided (its imports, exports and resolutions),
    /// where nothing changed the reel since; --dry-run shows it first.
    Undo(UndoArgs),
    /// Runs a full sync if the schedule says one is due (for cron).
    AutoSync(AutoSyncArgs),
    /// Tests the warehouse file: opens, is SQLite, has every mapped column.
    Check,
    /// Copies the warehouse file into DATA_DIR/snapshots, in small steps that never
    /// hold up the warehouse app (runs never need one: they record what they
    /// overwrite).
    Snapshot,
    /// Shows the dashboard figures.
    Status,
    /// Compares every tracked reel with the warehouse, by reel number, and lists
    /// those that differ (exit 5 when any does); syncs and writes nothing.
    Drift,
    /// Accepts the file now at the warehouse path as the warehouse to sync, after
    /// a run refused it as another file: lifts the hold and resumes the schedule.
    AcceptWarehouse,
    /// Lists the latest runs, newest first.
    Runs(RunsArgs),
    /// Shows one run with every reel it touched or rejected.
    Run(RunArgs),
    /// Changes products in the office store.
    #[command(subcommand)]
    Product(ProductCommand),
    /// Shows the sync settings, or changes them and shows the result.
    Settings(SettingsArgs),
    /// Shows or changes which warehouse column feeds which product field.
    #[command(subcommand)]
    Mappings(MappingsCommand),
    /// Manages the people who may sign in.
    #[command(subcommand)]
    User(UserCommand),
    /// HTTPS on the LAN, beside plain HTTP (phones allow the camera only over
    /// HTTPS): a local certificate authority and the server's certificate.
    #[command(subcommand)]
    Https(HttpsCommand),
    /// Creates a demo warehouse database (for trying reelsync out and for tests).
    DemoDb(DemoDbArgs),
}

#[derive(Debug, Subcommand)]
pub enum HttpsCommand {
    /// Makes the local certificate authority (once) and a server certificate for
    /// this machine's names and addresses; the server serves HTTPS from its next
    /// start. Run it again after the machine's name or addresses change.
    Enable,
    /// Stops serving HTTPS from the server's next start (the authority is kept).
    Disable,
    /// Says whether HTTPS is enabled, and the authority's fingerprint.
    Status,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Only imports every importable reel.
    #[arg(long, conflicts_with = "export_only")]
    pub import_only: bool,
    /// Only writes office statuses to the warehouse.
    #[arg(long)]
    pub export_only: bool,
    /// Plans and prints what would happen; writes nothing anywhere.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The id of the run to undo (see `reelsync runs`).
    #[arg(value_name = "RUN")]
    pub run: i64,
    /// Prints every reel, field and value it would write back; changes nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["all", "reels"])))]
pub struct ImportArgs {
    /// Imports every importable reel.
    #[arg(long)]
    pub all: bool,
    /// The reel numbers to import; any that is not importable is rejected.
    #[arg(value_name = "REEL")]
    pub reels: Vec<String>,
    /// Plans and prints what would happen; writes nothing anywhere.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct AutoSyncArgs {
    /// Runs even if the schedule says nothing is due (still logged as `auto`).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// How many runs to list.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The run's number, as `reelsync runs` lists it.
    pub id: i64,
}

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Sets the office status of reels (a sale, a delivery or a cancellation); the
    /// next sync writes it to the warehouse.
    SetStatus(SetStatusArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["reels", "from_file"])))]
pub struct SetStatusArgs {
    /// In-stock, Sold or Delivered (any case; in_stock works too).
    pub status: ReelStatus,
    /// The reel numbers to change.
    #[arg(value_name = "REEL")]
    pub reels: Vec<String>,
    /// Reads reel numbers from FILE, one a line (`#` starts a comment; `-` is stdin).
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Turns the automatic sync on or off.
    #[arg(long, value_name = "on|off")]
    pub auto: Option<Switch>,
    /// Minutes between automatic syncs (1–10080).
    #[arg(long, value_name = "MIN")]
    pub interval: Option<u32>,
    /// Whether a full sync imports new reels: off or all.
    #[arg(long, value_name = "off|all", value_parser = auto_import)]
    pub auto_import: Option<AutoImport>,
    /// Saves the warehouse file to use when --external is not given.
    #[arg(long, value_name = "PATH", conflicts_with = "clear_external_path")]
    pub external_path: Option<String>,
    /// Forgets the saved warehouse file.
    #[arg(long)]
    pub clear_external_path: bool,
    /// How many warehouse snapshots to keep (1–1000).
    #[arg(long, value_name = "N")]
    pub snapshots: Option<u32>,
    /// The warehouse app's time zone (an IANA name such as Asia/Tehran, or `host`):
    /// the dates reelsync writes there are its local time.
    #[arg(long, value_name = "ZONE")]
    pub warehouse_time_zone: Option<String>,
    /// Whether a sale or cancellation written to `Products` is also written to
    /// the reel's row in its location's `Anbar_` table (the forklift's copy).
    #[arg(long, value_name = "on|off")]
    pub mirror_anbar: Option<Switch>,
    /// How many days the activity log keeps its entries (7–36500), or `forever`.
    #[arg(long, value_name = "DAYS|forever", value_parser = parse_retention_days)]
    pub activity_days: Option<Retention>,
}

/// How long the activity log keeps its entries, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    Days(u32),
    Forever,
}

fn parse_retention_days(text: &str) -> Result<Retention, String> {
    if text.eq_ignore_ascii_case("forever") {
        return Ok(Retention::Forever);
    }
    text.parse()
        .map(Retention::Days)
        .map_err(|_| format!("{text:?} is neither a number of days nor `forever`"))
}

/// A yes/no setting as spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    fn is_on(self) -> bool {
        self == Self::On
    }
}

#[derive(Debug, Subcommand)]
pub enum MappingsCommand {
    /// Lists every field's mapping.
    List,
    /// Changes one field's mapping (checked against the warehouse columns).
    Set(MappingSetArgs),
    /// Tries a change of one field's mapping on the warehouse's rows, saving
    /// nothing: what it maps, what it rejects and why, which tracked reels it
    /// changes and how many a save would refresh.
    Try(MappingSetArgs),
    /// Puts every mapping back to its default.
    Reset,
}

#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("change")
        .required(true)
        .multiple(true)
        .args(["column", "transforms", "direct", "active"])
))]
pub struct MappingSetArgs {
    /// The product field, e.g. gsm or reel_number.
    pub field: ProductField,
    /// The warehouse column that feeds it.
    #[arg(long, value_name = "COL")]
    pub column: Option<String>,
    /// A transform, applied in the order given: trim, upper, lower, to_integer,
    /// parse_date, collapse_whitespace, default=VALUE, map=FROM:TO,FROM:TO,
    /// date=FORMAT (date=%d/%m/%Y), decimal=MARK[GROUP] (decimal=,.),
    /// replace=PATTERN=>WITH, otherwise=VALUE (instead of rejecting the reel).
    #[arg(
        long = "transform",
        value_name = "SPEC",
        value_parser = transform,
        conflicts_with = "direct"
    )]
    pub transforms: Vec<Transform>,
    /// Copies the column as it is (removes every transform).
    #[arg(long)]
    pub direct: bool,
    /// Uses the mapping (true) or keeps it without using it (false).
    #[arg(long, value_name = "true|false")]
    pub active: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user. The password comes from REELSYNC_PASSWORD, or is asked for
    /// when stdin is a terminal.
    Add {
        /// The name to sign in with.
        name: String,
        /// Makes the user a super admin (only super admins can use reelsync's
        /// screens).
        #[arg(long)]
        superuser: bool,
        /// The password is for the first sign-in only: the user must change it.
        #[arg(long)]
        one_time: bool,
    },
    /// Prints how many users exist.
    Count,
    /// Lists the users: role, active or disabled, last sign-in, open sessions.
    List,
    /// Disables a user (never deleted); their sessions end at once. The last
    /// active super admin can't be disabled.
    Disable { name: String },
    /// Enables a disabled user.
    Enable { name: String },
    /// Makes a user a super admin.
    Promote { name: String },
    /// Takes the super admin role away (never from the last active one).
    Demote { name: String },
    /// Gives a user a one-time password (from REELSYNC_PASSWORD, or asked
    /// for), to change at their next sign-in; their sessions end.
    ResetPassword { name: String },
}

#[derive(Debug, Args)]
pub struct DemoDbArgs {
    /// The file to create; an existing file is never overwritten.
    pub path: PathBuf,
    /// How many reels to write.
    #[arg(long, default_value_t = engine::demo::DemoOptions::default().reels)]
    pub reels: u32,
    /// The same seed gives the same reels.
    #[arg(long, default_value_t = engine::demo::DemoOptions::default().seed)]
    pub seed: u64,
}

/// Runs the command and says how the process ends.
pub fn run(cli: Cli) -> ExitCode {
    let Cli { global, command } = cli;
    let global = &global;
    let out = Output::new(global.json);
    let result = match command {
        Command::Serve(args) => serve(global, args),
        Command::Sync(args) => sync::sync(global, &out, &args),
        Command::Import(args) => sync::import(global, &out, &args),
        Command::Undo(args) => sync::undo(global, &out, &args),
        Command::AutoSync(args) => sync::auto_sync(global, &out, &args),
        Command::Check => info::check(global, &out),
        Command::Snapshot => admin::snapshot(global, &out),
        Command::Status => info::status(global, &out),
        Command::AcceptWarehouse => admin::accept_warehouse(global, &out),
        Command::Drift => info::drift(global, &out),
        Command::Runs(args) => info::runs(global, &out, &args),
        Command::Run(args) => info::run(global, &out, &args),
        Command::DemoDb(args) => info::demo_db(&out, &args),
        Command::Product(ProductCommand::SetStatus(args)) => admin::set_status(global, &out, &args),
        Command::Settings(args) => admin::settings(global, &out, &args),
        Command::Mappings(command) => admin::mappings(global, &out, &command),
        Command::User(command) => admin::user(global, &out, &command),
        Command::Https(command) => https::https(global, &out, &command),
    };
    finish(global, result)
}

/// Serves the web interface until Ctrl-C or SIGTERM.
fn serve(global: &GlobalArgs, args: crate::web::ServeArgs) -> anyhow::Result<Exit> {
    tokio::runtime::Runtime::new()
        .context("starting the async runtime")?
        .block_on(crate::web::serve(global.config(), args))?;
    Ok(Exit::Success)
}

/// Turns a command's result into the process's exit code, printing the error (on
/// stderr, and as JSON on stdout with `--json`) if there is one.
fn finish(global: &GlobalArgs, result: anyhow::Result<Exit>) -> ExitCode {
    match result {
        Ok(exit) => exit.into(),
        // `reelsync runs | head` closes the pipe early; that is not a failure.
        Err(err) if exit::is_broken_pipe(&err) => Exit::Success.into(),
        Err(err) => {
            let exit = exit::code_of(&err);
            let message = exit::message(&err);
            eprintln!("error: {message}");
            if global.json {
                output::print_json_error(&message, exit);
            }
            exit.into()
        }
    }
}

/// Who runs and changes are logged as: `cli:<login>`.
fn who() -> engine::Actor {
    let login = std::env::var("USER")
        .ok()
        .filter(|name| !name.trim().is_empty());
    engine::Actor {
        who: format!("cli:{}", login.as_deref().unwrap_or("unknown")),
        client: None,
    }
}

/// `--auto-import`, refused in the catalogue's English.
fn auto_import(value: &str) -> Result<AutoImport, String> {
    AutoImport::parse(value).map_err(|refusal| exit::refusal(&refusal))
}

/// `--transform`, refused in the catalogue's English.
fn transform(value: &str) -> Result<Transform, String> {
    Transform::parse(value).map_err(|err| exit::message(&err.into()))
}
