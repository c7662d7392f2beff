//! `GET /api/activity.csv`: the activity log, filtered as the page's address
//! says, as a CSV file a spreadsheet opens: UTF-8 with a byte-order mark (so
//! Persian shows as Persian), newest first, the mill's times, at most
//! [`EXPORT_CAP`] entries with a last row saying when the rest was cut.
//!
//! The file is written as it is read, in chunks, on a blocking thread: a log
//! of a hundred thousand entries never sits whole in the Pi's memory.

use app::error::AppError;
use app::pages::ActivityForm;
use app::ssr::AdminUser;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use engine::{ActivityEntry, ActivityFilter, Engine, WarehouseZone};

/// The most entries a download holds.
pub const EXPORT_CAP: u64 = 100_000;

/// How many bytes of the file are sent at a time.
const CHUNK: usize = 64 * 1024;

/// The download. Without a super admin's session: 401 (403 for a user who is
/// not one); a filter that can't be read: 400, as the page's own call says.
pub async fn activity_csv(
    State(engine): State<Engine>,
    admin: AdminUser,
    Query(form): Query<ActivityForm>,
) -> Response {
    match start(engine, admin, form) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn start(engine: Engine, admin: AdminUser, form: ActivityForm) -> Result<Response, AppError> {
    let filter = form.filter()?;
    let by = admin.actor();
    let (sender, body) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let chunks = Chunks {
            buffer: Vec::with_capacity(CHUNK),
            sender: sender.clone(),
        };
        let written = write_csv(&engine, &filter, chunks);
        match written {
            Ok((rows, cut)) => {
                if let Err(error) = engine.log_activity_export(&by, &filter, rows, cut) {
                    tracing::warn!(%error, "the activity download was not logged");
                }
            }
            Err(error) => {
                tracing::warn!(%error, "the activity download stopped");
                let _ = sender.blocking_send(Err(std::io::Error::other("the download stopped")));
            }
        }
    });
    // A stream that may be asked again after its end (the compression layer
    // does): a closed channel keeps answering that it ended.
    let mut body = body;
    let stream = futures::stream::poll_fn(move |cx| body.poll_recv(cx));
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"reelsync-activity.csv\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Writes the file into `chunks`; how many entries it holds, and whether the
/// cap cut it. A client that went away stops it.
fn write_csv(
    engine: &Engine,
    filter: &ActivityFilter,
    chunks: Chunks,
) -> anyhow::Result<(u64, bool)> {
    let zone = WarehouseZone::of(&engine.settings()?)?;
    let mut bom = chunks;
    std::io::Write::write_all(&mut bom, "\u{feff}".as_bytes())?;
    let mut csv = csv::Writer::from_writer(bom);
    csv.write_record(HEADER)?;
    let mut rows = 0;
    let mut failed = None;
    let cut = engine.export_activity(filter, EXPORT_CAP, |entry| {
        if failed.is_none() {
            match csv.write_record(record(zone, entry)) {
                Ok(()) => rows += 1,
                Err(error) => failed = Some(error),
            }
        }
    })?;
    if let Some(error) = failed {
        return Err(error.into());
    }
    if cut {
        let note =
            format!("cut: only the newest {EXPORT_CAP} entries; narrow the filter for the rest");
        csv.write_record(["", "", "", &note, "", "", "", "", "", ""])?;
    }
    csv.flush()?;
    Ok((rows, cut))
}

/// The file's columns.
const HEADER: [&str; 10] = [
    "id", "at", "who", "action", "target", "subject", "outcome", "detail", "client", "browser",
];

/// An entry as a row of the file, its time the mill's.
fn record(zone: WarehouseZone, entry: ActivityEntry) -> [String; 10] {
    [
        entry.id.to_string(),
        zone.local(entry.at).format("%Y-%m-%d %H:%M:%S").to_string(),
        entry.who,
        entry.action,
        entry.target,
        entry.subject,
        entry.outcome.as_str().to_owned(),
        entry.detail.unwrap_or_default(),
        entry.client.unwrap_or_default(),
        entry.agent.unwrap_or_default(),
    ]
}

/// The file on its way to the client: bytes gathered into chunks, each sent
/// when full and at the end. A client that went away fails the next write.
struct Chunks {
    buffer: Vec<u8>,
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
