//! One module per route.

mod dashboard;
mod login;
mod not_found;

pub use dashboard::{DashboardPage, Figures};
pub use login::LoginPage;
pub use not_found::NotFound;
