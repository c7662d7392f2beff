//! The load / needs-login / error pattern every page with data repeats.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::components::AppErrorPanel;
use crate::error::AppError;
use crate::routes;

/// Shows `view` of a resource's data once it has loaded; while it loads, the
/// `loading` text (or the previous data, on a refresh); when the session has
/// ended, the way to the login page; any other failure as an error panel titled
/// `error_title`.
#[component]
pub fn Loaded<T, V, F>(
    resource: Resource<Result<T, AppError>>,
    /// The view of the loaded data.
    view: F,
    /// Shown while the first load is under way.
    #[prop(into)]
    loading: Signal<String>,
    /// The error panel's title, should loading fail.
    #[prop(into)]
    error_title: Signal<String>,
    /// Told when a reload starts and ends (a Refresh button's busy state).
    #[prop(optional)]
    set_pending: Option<WriteSignal<bool>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    let fallback = move || view! { <p class="loading" role="status">{loading}</p> };
    let set_pending = set_pending.unwrap_or_else(|| signal(false).1);
    view! {
        <Transition fallback set_pending>
            {move || {
                let view = view.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => view(data).into_any(),
                        // The session ended while the page was open.
                        Err(error) if error.needs_login() => {
                            view! { <Redirect path=routes::LOGIN /> }.into_any()
                        }
                        Err(error) => view! { <AppErrorPanel title=error_title error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
