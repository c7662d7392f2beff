//! Small building blocks shared by the pages.

mod camera;
mod choice;
mod error_panel;
mod filters;
mod form;
pub mod grid;
mod header;
pub mod language;
mod loaded;
mod reel_group;
mod run_card;
mod run_progress;
mod sheet;
mod stat;
mod sync_actions;

pub use camera::{CameraScan, reel_of_code};
pub use choice::{Choice, uncounted};
pub use error_panel::{AppErrorPanel, ErrorPanel};
pub use filters::{
    Field, FilterForm, FilterPanel, ListAddress, PageLink, Pager, SetFilter, apply_at_once,
    set_filters,
};
pub use form::{CheckField, FormError, SubmitButton, form_fields_as};
pub use header::{SignedIn, SiteHeader};
pub use language::{LanguageSwitch, SetLanguage};
pub use loaded::Loaded;
pub use reel_group::ReelGroup;
pub use run_card::RunCard;
pub use run_progress::RunProgress;
pub use sheet::close_enclosing_sheet;
pub use stat::{OutcomeBadge, Stat};
pub use sync_actions::SyncActions;
