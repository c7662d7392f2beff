//! The bar at the top of every signed-in page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::LanguageSwitch;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::pages::Logout;
use crate::routes;

/// The name, the navigation, the language switch and a sign-out button.
///
/// Links are [`A`]s, so the current page's link carries `aria-current="page"`.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="site-header">
            <a class="brand" href=routes::DASHBOARD>
                {tr!(i18n, brand)}
            </a>
            <nav class="site-nav" aria-label=move || td_string!(i18n.get_locale(), nav.label).to_string()>
                <A href=routes::DASHBOARD exact=true>
                    {tr!(i18n, nav.dashboard)}
                </A>
                <A href=routes::IMPORT>{tr!(i18n, nav.import)}</A>
                <A href=routes::RUNS>{tr!(i18n, nav.runs)}</A>
                <A href=routes::SETTINGS>{tr!(i18n, nav.settings)}</A>
            </nav>
            <div class="site-tools">
                <LanguageSwitch />
                // A real form, so signing out works before (or without) the wasm.
                <ActionForm action=logout>
                    <button type="submit" class="button button--quiet" data-testid="logout">
                        {tr!(i18n, nav.sign_out)}
                    </button>
                </ActionForm>
            </div>
        </header>
    }
}
