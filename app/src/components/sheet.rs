//! Sheets: native popovers (`popover` and `popovertarget`), which open and close
//! before the wasm arrives, or without it.

use leptos::html::Div;
use leptos::prelude::*;

/// A handler that closes the popover `sheet`: for a link followed or a form sent
/// inside it, which change the page without a reload once the wasm runs.
pub fn close_sheet<E>(sheet: NodeRef<Div>) -> impl Fn(E) + Copy + 'static {
    move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(sheet) = sheet.get_untracked() {
            let _ = sheet.hide_popover();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = sheet;
    }
}
