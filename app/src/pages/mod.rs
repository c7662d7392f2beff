//! One folder per screen: the page, its private components, and its server
//! functions beside it.

mod account;
mod activity;
mod check;
mod conflicts;
mod dashboard;
mod drift;
mod https;
mod import;
mod login;
mod mappings;
mod not_found;
mod preview;
mod products;
mod reel;
mod run;
mod runs;
mod settings;
mod users;

pub use account::{Account, AccountPage, AccountView, ChangePassword, NoAccessPage};
pub use activity::{ActivityForm, ActivityPage, ActivityView, ListActivity};
pub use check::{CheckConnection, CheckPage};
pub use conflicts::{
    ConflictsPage, ConflictsView, GetConflicts, OpenConflicts, PreviewResolve, Resolve,
    ResolvePreview, open_conflicts,
};
pub use dashboard::{DashboardPage, DashboardView, Figures, GetDashboard};
pub use drift::{DriftPage, DriftView, GetDrift};
pub use https::{HttpsInfo, HttpsPage, HttpsView};
pub use import::{
    ClearSelection, Grid, GridVersion, ImportPage, ImportSelected, LoadGrid, PHONE_ROWS,
    ROWS_COOKIE, Scan, Scanned, Select, SelectMatching, TABLET_ROWS,
};
pub use login::{Login, LoginPage, Logout};
pub use mappings::{
    GetMappings, MappingsPage, MappingsView, ResetMappings, SaveMappings, TryMappings,
};
pub use not_found::NotFound;
pub use preview::{Planned, Preview, PreviewPage, PreviewView};
pub use products::{LoadProducts, PreviewStatus, ProductsPage, ProductsView, SetStatus};
pub use reel::{GetReel, ReelPage, ReelView};
pub use run::{CancelRun, GetRun, PreviewUndo, RunPage, RunView, StartSync, UndoPreview, UndoRun};
pub use runs::{ListRuns, RunsPage, RunsView};
pub use settings::{
    GetSettings, HttpsServing, HttpsState, SaveSettings, SettingsPage, SettingsView, SwitchHttps,
};
pub use users::{
    AddUser, EndSession, ListUsers, ResetPassword, SetUserActive, SetUserRole, UserRow, UsersPage,
    UsersView,
};

use chrono::{DateTime, NaiveDateTime, Utc};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// A page the browser loads the code of when it first goes there (a wasm chunk
/// of its own, split off at build time), so the first load of the dashboard
/// carries only the dashboard. The server renders it like any other.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[doc = concat!("[`", stringify!($page), "`] as a lazily loaded route.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(LoginRoute, LoginPage);
lazy_page!(RunsRoute, RunsPage);
lazy_page!(ImportRoute, ImportPage);
lazy_page!(RunRoute, RunPage);
lazy_page!(PreviewRoute, PreviewPage);
lazy_page!(CheckRoute, CheckPage);
lazy_page!(DriftRoute, DriftPage);
lazy_page!(ConflictsRoute, ConflictsPage);
lazy_page!(ProductsRoute, ProductsPage);
lazy_page!(ReelRoute, ReelPage);
lazy_page!(SettingsRoute, SettingsPage);
lazy_page!(MappingsRoute, MappingsPage);
lazy_page!(ActivityRoute, ActivityPage);
lazy_page!(UsersRoute, UsersPage);
lazy_page!(AccountRoute, AccountPage);
lazy_page!(NoAccessRoute, NoAccessPage);
lazy_page!(HttpsRoute, HttpsPage);
use serde::{Deserialize, Serialize};

/// A point in time as pages show it: the instant, and the mill's wall-clock time
/// then. The server knows the mill's zone (the warehouse's); the browser may be in
/// another, so the local time travels as data, and each language formats it
/// ([`crate::fmt::date_time`]) the same way on the server and after hydration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub utc: DateTime<Utc>,
    pub local: NaiveDateTime,
}
