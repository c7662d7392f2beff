//! Sheets: native popovers (`popover` and `popovertarget`), which open and close
//! before the wasm arrives, or without it.

use leptos::ev::Event;

/// Closes the popover sheet the event's target is in, if any: for a link
/// followed or a form sent inside it, which change the page without a reload once
/// the wasm runs (a native popover closes itself only on a page load).
pub fn close_enclosing_sheet<E: Into<Event>>(ev: E) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let ev: Event = ev.into();
        let sheet = ev
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("[popover]").ok().flatten())
            .and_then(|sheet| sheet.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(sheet) = sheet {
            let _ = sheet.hide_popover();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev.into();
}
