//! The mappings screen's server functions: the saved mappings with the
//! warehouse's columns, a draft tried on the warehouse's rows, its save, and
//! the reset to the defaults.

use leptos::prelude::*;
use model::{DraftTrial, MappingDraft, WarehouseColumn};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The saved mappings, as drafts, and the columns of the warehouse file now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingsView {
    pub saved: Vec<MappingDraft>,
    pub columns: Vec<WarehouseColumn>,
}

/// The saved mappings and the warehouse's columns. Reads only. Requires a
/// super admin session.
#[server(endpoint = "mappings")]
pub async fn get_mappings() -> Result<MappingsView, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    admin
        .work(|engine, _| {
            Ok(MappingsView {
                saved: engine.mapping_drafts()?,
                columns: engine.warehouse_columns()?,
            })
        })
        .await
}

/// What `draft` (the saved mappings when empty) would make of the warehouse's
/// rows now, or why it can't be saved, field by field. Reads only. Requires a
/// super admin session.
#[server(endpoint = "try-mappings")]
pub async fn try_mappings(
    #[server(default)] draft: Vec<MappingDraft>,
) -> Result<DraftTrial, AppError> {
    let admin = crate::ssr::AdminUser::check().await?;
    admin
        .work(move |engine, _| {
            let draft = match draft {
                draft if draft.is_empty() => engine.mapping_drafts()?,
                draft => draft,
            };
            engine.try_draft(&draft)
        })
        .await
}

/// Replaces every mapping with `draft`, checked first (its columns exist now,
/// its steps parse, the sync's keys are mapped); logged with the set before
/// and after. A plain form lands on the saved mappings. Requires a super admin
/// session.
#[server(endpoint = "save-mappings")]
pub async fn save_mappings(#[server(default)] draft: Vec<MappingDraft>) -> Result<(), AppError> {
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    if draft.is_empty() {
        return Err(AppError::Unreadable);
    }
    let by = admin.actor();
    admin
        .work(move |engine, user| {
            engine.save_drafts(&draft, &by)?;
            tracing::info!(user = ?user.username, "mappings saved");
            Ok(())
        })
        .await?;
    redirect_plain_form(super::SAVED);
    Ok(())
}

/// Puts every mapping back to its default (each field from its same-named
/// column, no transforms); logged. A plain form lands on the mappings.
/// Requires a super admin session.
#[server(endpoint = "reset-mappings")]
pub async fn reset_mappings() -> Result<(), AppError> {
    use crate::ssr::{AdminUser, redirect_plain_form};

    let admin = AdminUser::check().await?;
    let by = admin.actor();
    admin
        .work(move |engine, user| {
            engine.reset_mappings(&by)?;
            tracing::info!(user = ?user.username, "mappings reset");
            Ok(())
        })
        .await?;
    redirect_plain_form(super::SAVED);
    Ok(())
}
