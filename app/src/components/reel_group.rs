//! A titled group of reels, each with why when that needs saying: how a
//! change's confirmation and outcome sort the reels it names.

use leptos::prelude::*;

/// The reels under `title`, or nothing when there are none.
#[component]
pub fn ReelGroup(
    /// `data-testid` of the group, for the browser tests.
    testid: &'static str,
    title: String,
    /// Each reel number, with why it is in the group when that needs saying.
    reels: Vec<(String, Option<String>)>,
) -> impl IntoView {
    (!reels.is_empty()).then(|| {
        let items = reels
            .into_iter()
            .map(|(reel, why)| {
                let data_reel = reel.clone();
                view! {
                    <li data-reel=data_reel>
                        <bdi class="reel">{reel}</bdi>
                        {why.map(|why| view! { <span class="reason">{why}</span> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="outcome-group" data-testid=testid>
                <h3>{title}</h3>
                <ul class="outcome-list">{items}</ul>
            </div>
        }
    })
}
