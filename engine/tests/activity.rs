//! The activity log as the admin's screen reads it: append-only, filtered by
//! who, what, subject, outcome and the mill's days, paged newest first with
//! nothing lost or repeated, downloaded up to a cap, and pruned by age.

mod common;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::Fixture;
use engine::{ActivityFilter, ActivityOutcome, ReelStatus, SettingsUpdate};

/// Appends an entry straight to the store's log, at `at`.
fn entry_at(f: &Fixture, at: chrono::DateTime<Utc>, who: &str, action: &str, outcome: &str) {
    f.store()
        .execute(
            "INSERT INTO activity (at, who, action, target, subject, outcome)
             VALUES (?1, ?2, ?3, '', 'x', ?4)",
            rusqlite::params![at, who, action, outcome],
        )
        .unwrap();
}

fn actions(f: &Fixture, filter: &ActivityFilter) -> Vec<String> {
    let mut actions = Vec::new();
    f.engine
        .export_activity(filter, 1_000, |e| actions.push(e.action))
        .unwrap();
    actions
}

#[test]
fn an_entry_once_written_is_never_changed() {
    let f = Fixture::new();
    f.engine.reset_mappings(&"ana".into()).unwrap();
    let refused = f
        .store()
        .execute("UPDATE activity SET who = 'someone else'", [])
        .unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    let page = f.engine.activity(&ActivityFilter::default(), None).unwrap();
    assert_eq!(page.entries[0].who, "ana");
    assert_eq!(page.entries[0].target, "mappings");
    assert_eq!(page.entries[0].outcome, ActivityOutcome::Done);
}

#[test]
fn filters_narrow_by_who_what_subject_and_outcome() {
    let f = Fixture::new();
    let reels = f.add_many("A", 3, "In-stock");
    f.import(&reels.iter().map(String::as_str).collect::<Vec<_>>());
    f.engine
        .set_product_status(&reels[..2], ReelStatus::Sold, &"Ana".into())
        .unwrap();
    f.engine.reset_mappings(&"bahram".into()).unwrap();
    entry_at(&f, Utc::now(), "mallory", "login.failed", "refused");

    let who = |name: &str| ActivityFilter {
        who: Some(name.into()),
        ..Default::default()
    };
    assert_eq!(actions(&f, &who("ana")).len(), 2, "any letter case");
    let product = ActivityFilter {
        action: Some("product".into()),
        ..Default::default()
    };
    assert_eq!(actions(&f, &product), ["product.set_status"; 2]);
    let subject = ActivityFilter {
        subject: Some(reels[1].to_lowercase()),
        ..Default::default()
    };
    let mut found = Vec::new();
    f.engine
        .export_activity(&subject, 10, |e| found.push(e.subject))
        .unwrap();
    assert_eq!(found, [reels[1].clone()]);
    let refused = ActivityFilter {
        outcome: Some(ActivityOutcome::Refused),
        ..Default::default()
    };
    assert_eq!(actions(&f, &refused), ["login.failed"]);
    let nothing = ActivityFilter {
        action: Some("produc".into()),
        ..Default::default()
    };
    assert!(
        actions(&f, &nothing).is_empty(),
        "a code's part, not a prefix"
    );
}

#[test]
fn days_are_the_mills_days() {
    let f = Fixture::new();
    f.engine
        .update_settings(
            &SettingsUpdate {
                warehouse_time_zone: Some(Some("Asia/Tehran".into())),
                ..Default::default()
            },
            &"ana".into(),
        )
        .unwrap();
    // 22:00 UTC on 1 December is 01:30 on 2 December in Tehran.
    entry_at(
        &f,
        Utc.with_ymd_and_hms(2026, 12, 1, 22, 0, 0).unwrap(),
        "ana",
        "late",
        "done",
    );
    entry_at(
        &f,
        Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap(),
        "ana",
        "evening",
        "done",
    );
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d);
    let on = |d: u32| ActivityFilter {
        from: day(d),
        to: day(d),
        ..Default::default()
    };
    assert_eq!(actions(&f, &on(2)), ["late"]);
    assert_eq!(actions(&f, &on(1)), ["evening"]);
}

#[test]
fn pages_run_newest_first_with_nothing_lost_or_repeated() {
    let f = Fixture::new();
    for i in 0..(engine::ACTIVITY_PAGE * 2 + 7) {
        entry_at(&f, Utc::now(), "ana", &format!("step.{i}"), "done");
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = f
            .engine
            .activity(&ActivityFilter::default(), before)
            .unwrap();
        assert!(page.entries.len() as u64 <= engine::ACTIVITY_PAGE);
        seen.extend(page.entries.iter().map(|e| e.id));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, engine::ACTIVITY_PAGE * 2 + 7);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, once each"
    );
}

#[test]
fn a_download_stops_at_its_cap_and_says_so() {
    let f = Fixture::new();
    for i in 0..5 {
        entry_at(&f, Utc::now(), "ana", &format!("step.{i}"), "done");
    }
    let mut rows = 0;
    let cut = f
        .engine
        .export_activity(&ActivityFilter::default(), 3, |_| rows += 1)
        .unwrap();
    assert_eq!((rows, cut), (3, true));
    let mut rows = 0;
    let cut = f
        .engine
        .export_activity(&ActivityFilter::default(), 5, |_| rows += 1)
        .unwrap();
    assert_eq!((rows, cut), (5, false));
}

#[test]
fn retention_drops_only_entries_older_than_its_days() {
    let f = Fixture::new();
    entry_at(&f, Utc::now() - Duration::days(40), "ana", "old", "done");
    entry_at(&f, Utc::now() - Duration::days(20), "ana", "recent", "done");
    assert_eq!(f.engine.prune_activity(30, &"cli:root".into()).unwrap(), 1);
    assert_eq!(
        actions(&f, &ActivityFilter::default()),
        ["activity.prune", "recent"]
    );
    assert_eq!(f.engine.prune_activity(30, &"cli:root".into()).unwrap(), 0);
}

#[test]
fn the_retention_setting_keeps_a_year_by_default_and_may_keep_for_good() {
    let f = Fixture::new();
    assert_eq!(
        f.engine.settings().unwrap().activity_retention_days,
        Some(365)
    );
    entry_at(&f, Utc::now() - Duration::days(400), "old", "old", "done");
    entry_at(
        &f,
        Utc::now() - Duration::days(100),
        "older",
        "older",
        "done",
    );
    let by = "scheduler".into();
    assert_eq!(f.engine.apply_activity_retention(&by).unwrap(), 1);

    let refused = f.engine.update_settings(
        &SettingsUpdate {
            activity_retention_days: Some(Some(3)),
            ..Default::default()
        },
        &"ana".into(),
    );
    assert!(
        matches!(
            refused,
            Err(engine::Error::Refused(
                engine::Refusal::ActivityRetentionOutOfRange { days: 3, .. }
            ))
        ),
        "{refused:?}"
    );
    let forever = SettingsUpdate {
        activity_retention_days: Some(None),
        ..Default::default()
    };
    f.engine.update_settings(&forever, &"ana".into()).unwrap();
    assert_eq!(f.engine.apply_activity_retention(&by).unwrap(), 0);
    assert_eq!(
        actions(&f, &ActivityFilter::default())
            .last()
            .map(String::as_str),
        Some("older"),
        "kept for good"
    );
}

#[test]
fn turning_https_on_and_off_is_logged_with_the_fingerprint() {
    let f = Fixture::new();
    let enabled = f.engine.enable_https(&"ana".into()).unwrap();
    assert!(engine::tls::is_enabled(f.engine.data_dir()));
    assert!(f.engine.disable_https(&"bahram".into()).unwrap());
    assert!(!engine::tls::is_enabled(f.engine.data_dir()));
    // Off already: nothing happened, nothing is logged.
    assert!(!f.engine.disable_https(&"bahram".into()).unwrap());

    let page = f.engine.activity(&ActivityFilter::default(), None).unwrap();
    let https: Vec<_> = page
        .entries
        .iter()
        .filter(|e| e.action.starts_with("https."))
        .map(|e| (e.action.as_str(), e.who.as_str()))
        .collect();
    assert_eq!(
        https,
        [("https.disable", "bahram"), ("https.enable", "ana")]
    );
    let on = page
        .entries
        .iter()
        .find(|e| e.action == "https.enable")
        .unwrap();
    let detail = on.detail.as_deref().unwrap();
    assert!(
        detail.contains(&enabled.identity.authority.fingerprint),
        "{detail}"
    );
    assert!(!detail.contains("PRIVATE KEY"), "{detail}");
}
