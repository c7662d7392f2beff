//! The selection's controls: the scan field, and the bar that says how many
//! reels match and are selected and imports them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

use super::{Actions, GRID_FORM, ImportSelected, Scan, here};
use crate::components::form_fields_as;
use crate::components::{CameraScan, FormError};
use crate::fmt;
use crate::i18n::td_string;
use crate::language::use_i18n;
use crate::routes;

/// The scan field: a USB or Bluetooth scanner types a reel number and Enter, and
/// the reel is selected (or taken out again), with a line saying so and a
/// beep; a reel that can't be selected is refused with why. The field is
/// cleared and focused again after each scan, and a second scan of the same
/// code within 100 ms (a scanner that fires twice) counts once.
#[component]
pub fn ScanField(actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    let last = StoredValue::new((String::new(), f64::NEG_INFINITY));
    // The field stays while the grid changes under it: it goes back to the
    // grid's address of the moment.
    let search = use_location().search;
    let back = move || here(&search.get());
    // One path for what a scanner types and what the camera reads.
    let scan = move |code: String| {
        let now = now_ms();
        let repeated = last.with_value(|(c, at)| *c == code && now - at < 100.0);
        last.set_value((code.clone(), now));
        if code.is_empty() || repeated {
            return;
        }
        actions.scan.dispatch(Scan {
            code,
            back: here(&search.get_untracked()),
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(field) = input.get_untracked() {
            scan(field.value().trim().to_owned());
        }
    };
    let on_camera = Callback::new(scan);
    Effect::watch(
        move || actions.scan.value().get(),
        move |value, _, _| {
            if let Some(field) = input.get_untracked() {
                field.set_value("");
                let _ = field.focus();
            }
            beep(matches!(value, Some(Ok(_))));
        },
        false,
    );
    let said = move || {
        let locale = i18n.get_locale();
        match actions.scan.value().get()? {
            Ok(scanned) => {
                let reel = fmt::isolate(&scanned.reel_number);
                Some(
                    if scanned.selected {
                        td_string!(locale, import.scan_selected, reel)
                    } else {
                        td_string!(locale, import.scan_unselected, reel)
                    }
                    .to_string(),
                )
            }
            Err(_) => None,
        }
    };
    view! {
        <form method="post" action=Scan::url() class="panel scan" on:submit=on_submit>
            <input type="hidden" name="back" value=back />
            <label for="scan-code">{tr!(i18n, import.scan)}</label>
            <div class="field-with-button">
                <input
                    id="scan-code"
                    node_ref=input
                    type="text"
                    name="code"
                    autocomplete="off"
                    autocapitalize="characters"
                    enterkeyhint="done"
                    dir="auto"
                    data-testid="scan"
                />
                <button type="submit" class="button button--primary">{tr!(i18n, import.scan_button)}</button>
            </div>
            <p role="status" class="scan-said" data-testid="scan-said">{said}</p>
            {move || actions.scan.value().get().and_then(Result::err).map(|error| view! { <FormError error testid="scan-error" /> })}
            <CameraScan on_code=on_camera />
        </form>
    }
}

/// Milliseconds since some fixed point, for telling scans apart.
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// A short tone: high when a scan went through, low when it was refused.
fn beep(ok: bool) {
    #[cfg(feature = "hydrate")]
    {
        let play = || -> Result<(), wasm_bindgen::JsValue> {
            let audio = web_sys::AudioContext::new()?;
            let tone = audio.create_oscillator()?;
            tone.frequency().set_value(if ok { 880.0 } else { 220.0 });
            tone.connect_with_audio_node(&audio.destination())?;
            tone.start()?;
            tone.stop_with_when(audio.current_time() + 0.12)?;
            Ok(())
        };
        // No sound is no reason to fail a scan (a browser may refuse audio).
        let _ = play();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ok;
}

/// How many reels match and are selected, and what can be done with them.
#[component]
pub fn SelectionBar(matching: u64, selected: Signal<u64>, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let count = move |n: u64| fmt::number(i18n.get_locale(), n);
    let back = here(&use_location().search.get_untracked());
    let back_again = back.clone();
    // Until the wasm runs, ticks aren't counted here: the button stays enabled.
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    let bar_class = move || {
        if selected.get() > 0 {
            "import-bar pinned"
        } else {
            "import-bar"
        }
    };
    view! {
        <section class="panel selection-bar">
            <p class="detail" data-testid="matching" data-value=matching.to_string()>
                {move || td_string!(i18n.get_locale(), import.matching, count = count(matching)).to_string()}
            </p>
            // On a phone, fixed at the bottom of the screen while anything is
            // selected: the import is at hand however far the list scrolls.
            <div class=bar_class data-testid="import-bar">
                <p class="selected-count" data-testid="selected-count" data-value=move || selected.get().to_string()>
                    {move || td_string!(i18n.get_locale(), import.selected, count = count(selected.get())).to_string()}
                </p>
                // A button of the grid's form, whose ticks it sends: before the
                // wasm, ticking reels and pressing it imports them in one step.
                <button
                    type="submit"
                    form=GRID_FORM
                    formaction=ImportSelected::url()
                    class="button button--primary"
                    disabled=move || hydrated.get() && selected.get() == 0
                    on:click=move |ev| {
                        ev.prevent_default();
                        let ticks = form_fields_as::<ImportSelected>(GRID_FORM);
                        actions.import.dispatch(ticks.unwrap_or(ImportSelected { shown: None, checked: None }));
                    }
                >
                    {move || {
                        td_string!(i18n.get_locale(), import.import_selected, count = count(selected.get()))
                            .to_string()
                    }}
                </button>
            </div>
            <div class="actions">
                {move || (selected.get() > 0).then(|| view! {
                    <a href=routes::PREVIEW_SELECTION class="button">{tr!(i18n, import.preview)}</a>
                })}
                <ActionForm action=actions.select_all>
                    <input type="hidden" name="back" value=back />
                    <button type="submit" class="button">{tr!(i18n, import.select_all)}</button>
                </ActionForm>
                <ActionForm action=actions.clear>
                    <input type="hidden" name="back" value=back_again />
                    <button type="submit" class="button">{tr!(i18n, import.clear)}</button>
                </ActionForm>
            </div>
            {move || actions.import.value().get().and_then(Result::err).map(|error| view! { <FormError error testid="import-error" /> })}
        </section>
    }
}
