//! The connection check's server function.

use leptos::prelude::*;
use model::CheckReport;

use crate::error::AppError;

/// Checks the warehouse file: the configured one, or the file at `path` (the
/// settings page tests a path before it is saved). The report names the file,
/// not where it lives. Requires a super admin session.
#[server(endpoint = "check")]
pub async fn check_connection(path: Option<String>) -> Result<CheckReport, AppError> {
    use crate::ssr::{AdminUser, strip_paths};

    let admin = AdminUser::check().await?;
    let path = path.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
    admin
        .work(move |engine, _user| {
            let mut report = match path {
                Some(path) => engine.check_file(std::path::Path::new(&path))?,
                None => engine.check()?,
            };
            report.path = strip_paths(&report.path);
            Ok(report)
        })
        .await
}
