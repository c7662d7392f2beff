//! The frame of every signed-in page: the header with its navigation, and the
//! page below it.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

use crate::components::{LanguageSwitch, close_enclosing_sheet};
use crate::fmt;
use crate::i18n::{Locale, td_string};
use crate::language::use_i18n;
use crate::pages::{Logout, open_conflicts};
use crate::routes;

/// The layout route around every signed-in page: written once, so a page is
/// only its own title and content.
#[component]
pub fn SignedIn() -> impl IntoView {
    view! {
        <SiteHeader />
        <main class="page" id="main">
            <Outlet />
        </main>
    }
}

/// A place the navigation leads to.
struct Destination {
    href: &'static str,
    /// Whether only this very path is the place (the dashboard's `/` prefixes
    /// every other path).
    exact: bool,
    /// On a phone's bottom bar (the places most used); the others are behind
    /// "More" there. A tablet shows them all.
    primary: bool,
    icon: Icon,
    label: fn(Locale) -> &'static str,
    /// Carries the count of open conflicts.
    counts_conflicts: bool,
}

/// Every destination, in the order the bar shows them.
fn destinations() -> [Destination; 10] {
    [
        Destination {
            href: routes::DASHBOARD,
            exact: true,
            primary: true,
            icon: Icon::Home,
            label: |locale| td_string!(locale, nav.dashboard),
            counts_conflicts: false,
        },
        Destination {
            href: routes::IMPORT,
            exact: false,
            primary: true,
            icon: Icon::Import,
            label: |locale| td_string!(locale, nav.import),
            counts_conflicts: false,
        },
        Destination {
            href: routes::RUNS,
            exact: false,
            primary: true,
            icon: Icon::Runs,
            label: |locale| td_string!(locale, nav.runs),
            counts_conflicts: false,
        },
        Destination {
            href: routes::PRODUCTS,
            exact: false,
            primary: true,
            icon: Icon::Products,
            label: |locale| td_string!(locale, nav.products),
            counts_conflicts: false,
        },
        Destination {
            href: routes::CONFLICTS,
            exact: false,
            primary: false,
            icon: Icon::Conflicts,
            label: |locale| td_string!(locale, nav.conflicts),
            counts_conflicts: true,
        },
        Destination {
            href: routes::DRIFT,
            exact: false,
            primary: false,
            icon: Icon::Drift,
            label: |locale| td_string!(locale, nav.drift),
            counts_conflicts: false,
        },
        Destination {
            href: routes::MAPPINGS,
            exact: false,
            primary: false,
            icon: Icon::Mappings,
            label: |locale| td_string!(locale, nav.mappings),
            counts_conflicts: false,
        },
        Destination {
            href: routes::ACTIVITY,
            exact: false,
            primary: false,
            icon: Icon::Activity,
            label: |locale| td_string!(locale, nav.activity),
            counts_conflicts: false,
        },
        Destination {
            href: routes::USERS,
            exact: false,
            primary: false,
            icon: Icon::Users,
            label: |locale| td_string!(locale, nav.users),
            counts_conflicts: false,
        },
        Destination {
            href: routes::SETTINGS,
            exact: false,
            primary: false,
            icon: Icon::Settings,
            label: |locale| td_string!(locale, nav.settings),
            counts_conflicts: false,
        },
    ]
}

/// The name, the navigation, the language switch and a sign-out button.
///
/// On a phone the navigation is a bar at the bottom of the screen with the most
/// used places and "More", which opens a sheet with the rest; on a tablet every
/// place is in the header. The sheet is a native popover, so it opens before
/// (or without) the wasm. Links are [`A`]s, so the current page's link carries
/// `aria-current="page"`.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let location = use_location();
    // Asked again on each page change: a run or a resolution may have changed it.
    let open = Resource::new(move || location.pathname.get(), |_| open_conflicts());
    let open_count = move || open.get().and_then(Result::ok).filter(|n| *n > 0);
    // The count describes its entry rather than naming it: the entry keeps its
    // accessible name ("Conflicts"), and says "3" as its description.
    let count_badge = move |id: &'static str| {
        move || {
            open_count().map(|n| {
                let shown = fmt::number(i18n.get_locale(), n);
                view! {
                    <span id=id class="nav-count" aria-hidden="true" data-testid="conflicts-count" data-value=n>
                        {shown}
                    </span>
                }
            })
        }
    };
    let link = move |place: &Destination, class: &'static str| {
        let (href, exact, icon, label) = (place.href, place.exact, place.icon, place.label);
        let badge_id = if class.starts_with("sheet") {
            "conflicts-count-sheet"
        } else {
            "conflicts-count-bar"
        };
        let counted = place.counts_conflicts;
        let badge = counted.then(|| view! { <Transition>{count_badge(badge_id)}</Transition> });
        view! {
            <A href=href exact=exact attr:class=class attr:aria-describedby=counted.then_some(badge_id)>
                {icon.view()}
                <span>{move || label(i18n.get_locale())}</span>
                {badge}
            </A>
        }
    };
    let (primary, more): (Vec<_>, Vec<_>) = destinations().into_iter().partition(|d| d.primary);
    let on_bar = primary
        .iter()
        .map(|place| link(place, "nav-item"))
        .chain(more.iter().map(|place| link(place, "nav-item nav-wide")))
        .collect_view();
    let in_sheet = more
        .iter()
        .map(|place| link(place, "sheet-item"))
        .collect_view();
    view! {
        <header class="site-header">
            <a class="brand" href=routes::DASHBOARD>
                {tr!(i18n, brand)}
            </a>
            <nav class="site-nav" aria-label=move || td_string!(i18n.get_locale(), nav.label).to_string()>
                {on_bar}
                <button type="button" class="nav-item nav-more" popovertarget="more-sheet" data-testid="nav-more">
                    {Icon::More.view()}
                    <span>{tr!(i18n, nav.more)}</span>
                    // Something behind "More" needs a look.
                    <Transition>
                        {move || open_count().map(|_| view! { <span class="nav-dot" aria-hidden="true"></span> })}
                    </Transition>
                </button>
            </nav>
            // A link followed inside the sheet changes the page without a reload:
            // the sheet closes itself.
            <div id="more-sheet" class="more-sheet" popover="auto" on:click=close_enclosing_sheet>
                <nav aria-label=move || td_string!(i18n.get_locale(), nav.more).to_string()>{in_sheet}</nav>
            </div>
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

/// The navigation's pictures: drawn lines in the text's colour, beside a label
/// that names the place (so they are hidden from screen readers).
#[derive(Clone, Copy)]
enum Icon {
    Home,
    Import,
    Runs,
    Products,
    Conflicts,
    Drift,
    Mappings,
    Activity,
    Users,
    Settings,
    More,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Self::Home => "M4 11l8-7 8 7v9h-5v-6H9v6H4z",
            Self::Import => "M12 4v11M7 10l5 5 5-5M5 20h14",
            Self::Runs => "M9 6h11M9 12h11M9 18h11M4 6h1M4 12h1M4 18h1",
            Self::Products => {
                "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6"
            }
            Self::Conflicts => "M12 4l9 16H3zM12 10v4M12 17v1",
            Self::Drift => "M4 8h10M10 4l4 4-4 4M20 16H10M14 12l-4 4 4 4",
            Self::Mappings => {
                "M4 6h5M4 12h5M4 18h5M15 6h5M15 12h5M15 18h5M9 6l6 6M9 12l6 6M9 18l6-12"
            }
            Self::Activity => "M3 12h4l3-7 4 14 3-7h4",
            Self::Users => "M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8M4 20c1-4 4-6 8-6s7 2 8 6",
            Self::Settings => "M4 7h16M4 17h16M9 4v6M15 14v6",
            Self::More => "M5 12h1M11.5 12h1M18 12h1",
        }
    }

    fn view(self) -> impl IntoView {
        view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path d=self.path() />
            </svg>
        }
    }
}
