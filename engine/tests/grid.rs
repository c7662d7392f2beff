//! The import grid's catalogue against a brute-force reference: random
//! warehouses, random filters, sorts and page sizes; every page in order, the
//! totals and every facet's counts must be what filtering the warehouse's own
//! rows by hand gives.

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use common::Fixture;
use engine::{
    GridColumn, GridFilter, GridList, GridQuery, GridRow, GridSelection, GridSort, Selection,
    SelectionChange,
};
use proptest::prelude::*;
use rusqlite::params;

/// A warehouse reel as the test made it.
#[derive(Debug, Clone)]
struct Reel {
    reel_number: String,
    width: i64,
    gsm: i64,
    grade: &'static str,
    location: &'static str,
    profile: Option<&'static str>,
    day: u32,
    comments: Option<&'static str>,
    in_stock: bool,
}

impl Reel {
    fn received(&self) -> String {
        format!("2024-03-{:02} 08:00", self.day)
    }

    fn value(&self, column: GridColumn) -> Option<String> {
        match column {
            GridColumn::ReelNumber => Some(self.reel_number.clone()),
            GridColumn::Width => Some(self.width.to_string()),
            GridColumn::Gsm => Some(self.gsm.to_string()),
            GridColumn::Length => Some("6400".into()),
            GridColumn::Grade => Some(self.grade.into()),
            GridColumn::Location => Some(self.location.into()),
            GridColumn::Profile => self.profile.map(str::to_owned),
            GridColumn::Received => Some(self.received()),
            // Columns of the products list, which the import grid leaves empty.
            GridColumn::Status | GridColumn::Warehouse => None,
        }
    }

    /// The reference: the filter's rules, spelled out once more by hand.
    fn passes(&self, filter: &GridFilter, except: Option<GridColumn>) -> bool {
        let values_ok = filter.values.iter().all(|(column, chosen)| {
            Some(*column) == except
                || chosen.is_empty()
                || self.value(*column).is_some_and(|v| chosen.contains(&v))
        });
        let day = NaiveDate::from_ymd_opt(2024, 3, self.day).unwrap();
        let search_ok = filter.search.as_deref().is_none_or(|s| {
            let s = s.trim().to_lowercase();
            self.reel_number.to_lowercase().contains(&s)
                || self.comments.is_some_and(|c| c.to_lowercase().contains(&s))
        });
        values_ok
            && filter.received_from.is_none_or(|from| day >= from)
            && filter.received_to.is_none_or(|to| day <= to)
            && search_ok
    }

    /// The reference order's key.
    fn sort_key(&self, column: GridColumn) -> (u8, i64, String, String) {
        match (column.is_numeric(), self.value(column)) {
            (true, Some(v)) => (
                0,
                v.parse().unwrap(),
                String::new(),
                self.reel_number.clone(),
            ),
            (_, Some(v)) => (1, 0, v, self.reel_number.clone()),
            (_, None) => (2, 0, String::new(), self.reel_number.clone()),
        }
    }
}

fn reel() -> impl Strategy<Value = Reel> {
    (
        (1u32..400, prop::sample::select(vec![1000i64, 1250, 1600])),
        prop::sample::select(vec![80i64, 127, 150]),
        prop::sample::select(vec!["Kraft Liner", "Test Liner", "Fluting"]),
        prop::sample::select(vec!["A1", "B2"]),
        prop::sample::select(vec![None, Some("P-90"), Some("P-120")]),
        1u32..=9,
        prop::sample::select(vec![None, Some("wet edge"), Some("Wet core"), Some("ok")]),
        prop::bool::weighted(0.8),
    )
        .prop_map(
            |((n, width), gsm, grade, location, profile, day, comments, in_stock)| Reel {
                reel_number: format!("R{n:04}"),
                width,
                gsm,
                grade,
                location,
                profile,
                day,
                comments,
                in_stock,
            },
        )
}

fn filter() -> impl Strategy<Value = GridFilter> {
    let chosen = |values: Vec<&'static str>| {
        prop::collection::vec(prop::sample::select(values), 0..=2)
            .prop_map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>())
    };
    (
        chosen(vec!["1000", "1250", "1600"]),
        chosen(vec!["80", "127", "150"]),
        chosen(vec!["Kraft Liner", "Fluting"]),
        chosen(vec!["A1", "B2"]),
        chosen(vec!["P-90", "P-120"]),
        prop::option::of(1u32..=9),
        prop::option::of(1u32..=9),
        prop::option::of(prop::sample::select(vec!["wet", "R00", " WET ", "r01"])),
    )
        .prop_map(|(width, gsm, grade, location, profile, from, to, search)| {
            let values = [
                (GridColumn::Width, width),
                (GridColumn::Gsm, gsm),
                (GridColumn::Grade, grade),
                (GridColumn::Location, location),
                (GridColumn::Profile, profile),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
            let day = |d: u32| NaiveDate::from_ymd_opt(2024, 3, d).unwrap();
            GridFilter {
                values,
                received_from: from.map(day),
                received_to: to.map(day),
                search: search.map(str::to_owned),
            }
        })
}

fn sort() -> impl Strategy<Value = GridSort> {
    (
        prop::sample::select(GridList::Importable.columns().to_vec()),
        any::<bool>(),
    )
        .prop_map(|(column, descending)| GridSort { column, descending })
}

/// The warehouse holds `reels` (the first of each reel number only); the first
/// `tracked` of them in stock are imported before.
fn warehouse(reels: &[Reel], tracked: usize) -> (Fixture, Vec<Reel>) {
    let f = Fixture::new();
    let mut seen = HashMap::new();
    let reels: Vec<Reel> = reels
        .iter()
        .filter(|r| seen.insert(r.reel_number.clone(), ()).is_none())
        .cloned()
        .collect();
    let mut conn = f.wh();
    let tx = conn.transaction().unwrap();
    for r in &reels {
        tx.execute(
            "INSERT INTO Products (date, location, status, receive_date, reel_number, width, gsm,
                 length, grade, breaks, comments, profile_name, username, logs)
             VALUES ('2024-02-01 09:00:00', ?1, ?2, ?3, ?4, ?5, ?6, 6400, ?7, 0, ?8, ?9,
                 'ali', '2024-02-01 09:00 ali: received')",
            params![
                r.location,
                if r.in_stock { "In-stock" } else { "Sold" },
                r.received(),
                r.reel_number,
                r.width,
                r.gsm,
                r.grade,
                r.comments,
                r.profile,
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let imported: Vec<String> = reels
        .iter()
        .filter(|r| r.in_stock)
        .take(tracked)
        .map(|r| r.reel_number.clone())
        .collect();
    if !imported.is_empty() {
        f.import(&imported.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let importable = reels
        .into_iter()
        .filter(|r| r.in_stock && !imported.contains(&r.reel_number))
        .collect();
    (f, importable)
}

/// Every page of `query`, in order, following the "Next" keys; then, from the
/// last page, every page again following the "Previous" keys, which must give
/// the same pages in reverse.
fn all_pages(catalogue: &engine::Catalogue, mut query: GridQuery) -> Vec<GridRow> {
    let mut pages = Vec::new();
    loop {
        let page = catalogue.query(&query, &GridSelection::default());
        assert!(page.rows.len() <= query.limit as usize);
        assert_eq!(
            page.previous.is_some(),
            !pages.is_empty(),
            "Previous only after the first"
        );
        let next = page.next.clone();
        pages.push(page.rows);
        match next {
            Some(key) => query.after = Some(key),
            None => break,
        }
    }
    let mut back = catalogue.query(&query, &GridSelection::default());
    for expected in pages.iter().rev().skip(1) {
        let key = back.previous.clone().expect("a previous page");
        query.after = None;
        query.before = Some(key);
        back = catalogue.query(&query, &GridSelection::default());
        assert_eq!(&back.rows, expected, "the same page going back");
        assert!(back.next.is_some());
    }
    assert!(back.previous.is_none(), "nothing before the first page");
    pages.concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn pages_totals_and_facets_match_a_brute_force_reference(
        reels in prop::collection::vec(reel(), 0..60),
        tracked in 0usize..5,
        queries in prop::collection::vec((filter(), sort(), 1u32..12), 1..6),
    ) {
        let (f, importable) = warehouse(&reels, tracked);
        let catalogue = f.engine.catalogue().unwrap();
        prop_assert_eq!(catalogue.len(), importable.len());
        // The dashboard's count, which the web takes from the catalogue.
        prop_assert_eq!(f.engine.dashboard().unwrap().importable, Some(catalogue.len() as u64));
        for (filter, sort, limit) in queries {
            let query = GridQuery { filter: filter.clone(), sort, after: None, before: None, limit };
            let first = catalogue.query(&query, &GridSelection::default());
            let mut expected: Vec<&Reel> =
                importable.iter().filter(|r| r.passes(&filter, None)).collect();
            expected.sort_by_key(|r| r.sort_key(sort.column));
            if sort.descending {
                expected.reverse();
            }
            prop_assert_eq!(first.matching, expected.len() as u64);
            prop_assert_eq!(first.selectable, expected.len() as u64);
            let listed: Vec<String> =
                all_pages(&catalogue, query).into_iter().map(|r| r.reel_number).collect();
            let wanted: Vec<String> = expected.iter().map(|r| r.reel_number.clone()).collect();
            prop_assert_eq!(&listed, &wanted, "{:?} by {:?}", filter, sort);

            // "Select all matching" takes the same reels, tested as a run maps them.
            let scope = engine::RunScope::Import(Selection::Matching {
                filter: filter.clone(),
                except: Vec::new(),
            });
            let plan = f.sync(scope, true).unwrap();
            let mut taken: Vec<String> = plan
                .items
                .into_iter()
                .filter(|item| item.action == engine::Action::Import)
                .map(|item| item.reel_number)
                .collect();
            let mut wanted = wanted;
            taken.sort();
            wanted.sort();
            prop_assert_eq!(taken, wanted, "all matching {:?}", filter);

            for facet in &first.facets {
                let mut counts: BTreeMap<String, u64> = BTreeMap::new();
                for r in importable.iter().filter(|r| r.passes(&filter, Some(facet.column))) {
                    if let Some(v) = r.value(facet.column) {
                        *counts.entry(v).or_default() += 1;
                    }
                }
                let got: BTreeMap<String, u64> = facet.values.iter().cloned().collect();
                prop_assert_eq!(got, counts, "facet {:?} under {:?}", facet.column, filter);
            }
        }
    }
}

#[test]
fn select_all_matching_imports_exactly_the_filter_minus_exclusions() {
    let f = Fixture::new();
    let wide = f.add_many("W", 6, "In-stock");
    let narrow = f.add_many("N", 4, "In-stock");
    f.wh()
        .execute(
            "UPDATE Products SET width = 1600 WHERE reel_number LIKE 'N%'",
            [],
        )
        .unwrap();
    f.add("S00001", "Sold");
    let filter = GridFilter {
        values: [(GridColumn::Width, vec!["1250".to_owned()])].into(),
        ..GridFilter::default()
    };
    let report = f
        .sync(
            engine::RunScope::Import(Selection::Matching {
                filter: filter.clone(),
                except: vec![wide[0].clone(), wide[1].clone()],
            }),
            false,
        )
        .unwrap();
    assert_eq!(report.counts.imported, 4);
    let catalogue = f.engine.catalogue().unwrap();
    let page = catalogue.query(
        &GridQuery {
            limit: 100,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    let mut shown: Vec<String> = page.rows.into_iter().map(|r| r.reel_number).collect();
    shown.sort();
    let mut expected = narrow;
    expected.extend([wide[0].clone(), wide[1].clone()]);
    assert_eq!(shown, expected, "the imported reels are gone from the grid");
}

#[test]
fn a_change_to_either_file_shows_and_a_rebuilt_catalogue_has_it() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock"), ("R3", "In-stock")]);
    let mut changes = f.engine.changes().unwrap();
    assert!(changes.changed().unwrap(), "the first look is a change");
    assert!(!changes.changed().unwrap(), "nothing happened since");
    let reels = |f: &Fixture| -> Vec<String> {
        let page = f.engine.catalogue().unwrap().query(
            &GridQuery {
                limit: 10,
                ..GridQuery::default()
            },
            &GridSelection::default(),
        );
        page.rows.into_iter().map(|r| r.reel_number).collect()
    };

    // The warehouse app sells one and receives another.
    f.wh_set("R2", "status", Some("Sold"));
    assert!(changes.changed().unwrap());
    f.add("R4", "In-stock");
    assert!(changes.changed().unwrap());
    assert!(!changes.changed().unwrap());
    assert_eq!(reels(&f), ["R1", "R3", "R4"]);

    // A run (of any process) imports one.
    f.import(&["R3"]);
    assert!(changes.changed().unwrap());
    assert_eq!(reels(&f), ["R1", "R4"]);
}

#[test]
fn a_warehouse_file_renamed_into_place_removed_or_put_back_shows() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    let reels = |f: &Fixture| -> engine::Result<Vec<String>> {
        let page = f.engine.catalogue()?.query(
            &GridQuery {
                limit: 10,
                ..GridQuery::default()
            },
            &GridSelection::default(),
        );
        Ok(page.rows.into_iter().map(|r| r.reel_number).collect())
    };
    let mut changes = f.engine.changes().unwrap();
    assert!(changes.changed().unwrap(), "the first look is a change");
    assert!(!changes.changed().unwrap(), "nothing happened since");
    assert_eq!(reels(&f).unwrap(), ["R1", "R2"]);

    // Another file renamed over the path, as a copy finished elsewhere would be:
    // the watch's connection is left on the old, unlinked file.
    let next = Fixture::with(&[("N1", "In-stock"), ("N2", "In-stock"), ("N3", "In-stock")]);
    std::fs::rename(&next.warehouse, &f.warehouse).unwrap();
    assert!(
        changes.changed().unwrap(),
        "a file renamed into place is a change"
    );
    assert!(!changes.changed().unwrap(), "and only once");
    assert_eq!(reels(&f).unwrap(), ["N1", "N2", "N3"]);
    // Its own commits show, on the connection now open to it.
    f.add("N4", "In-stock");
    assert!(
        changes.changed().unwrap(),
        "a commit to the new file is a change"
    );
    assert_eq!(reels(&f).unwrap(), ["N1", "N2", "N3", "N4"]);

    // Gone: a change, and the catalogue says the file is missing.
    let aside = f.dir.path().join("aside.sqlite3");
    std::fs::rename(&f.warehouse, &aside).unwrap();
    assert!(changes.changed().unwrap(), "a file gone is a change");
    assert!(!changes.changed().unwrap(), "and stays gone quietly");
    let err = reels(&f).unwrap_err();
    assert!(
        matches!(
            err,
            engine::Error::Warehouse(engine::WarehouseError::Missing { .. })
        ),
        "{err}"
    );

    // Back: seen again.
    std::fs::rename(&aside, &f.warehouse).unwrap();
    assert!(changes.changed().unwrap(), "a file come back is a change");
    assert!(!changes.changed().unwrap());
    assert_eq!(reels(&f).unwrap(), ["N1", "N2", "N3", "N4"]);
}

#[test]
fn a_reel_sold_after_it_was_chosen_is_rejected_at_import_with_its_reason() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    let catalogue = f.engine.catalogue().unwrap();
    assert_eq!(catalogue.len(), 2);
    f.wh_set("R2", "status", Some("Sold"));
    let report = f.import(&["R1", "R2"]);
    assert_eq!(report.counts.imported, 1);
    let rejected = report.items.iter().find(|i| i.reel_number == "R2").unwrap();
    assert_eq!(
        rejected.reason,
        Some(engine::Reason::NotInStock {
            status: Some(engine::ReelStatus::Sold)
        })
    );
}

#[test]
fn a_row_an_import_would_reject_shows_its_raw_values_and_why_and_is_not_selectable() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "In-stock")]);
    f.wh_set("R2", "width", Some("wide"));
    let page = f.engine.catalogue().unwrap().query(
        &GridQuery {
            limit: 10,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    assert_eq!((page.matching, page.selectable), (2, 1));
    // The dashboard counts it among the importable reels, as the catalogue does.
    assert_eq!(f.engine.dashboard().unwrap().importable, Some(2));
    let bad = &page.rows[1];
    assert_eq!(bad.reel_number, "R2");
    assert_eq!(bad.cell(GridColumn::Width), Some("wide"));
    assert_eq!(bad.cell(GridColumn::Grade), Some("Kraft Liner"));
    assert!(
        matches!(&bad.problem, Some(engine::Reason::BadRow(row)) if row.field == engine::ProductField::Width),
        "{:?}",
        bad.problem
    );
    assert_eq!(page.rows[0].problem, None);
}

#[test]
fn a_selection_is_kept_per_user_across_pages_filters_and_new_catalogues() {
    let f = Fixture::new();
    f.add_many("R", 8, "In-stock");
    f.wh_set("R00008", "width", Some("wide"));
    let ana = f
        .engine
        .add_user(
            &engine::NewUser::new("ana", "a long enough password", true),
            &"test".into(),
        )
        .unwrap();
    let bob = f
        .engine
        .add_user(
            &engine::NewUser::new("bob", "another long password", true),
            &"test".into(),
        )
        .unwrap();
    let catalogue = f.engine.catalogue().unwrap();
    let set = |user, shown: &[&str], checked: &[&str]| {
        let change = SelectionChange::Set {
            shown: shown.iter().map(|r| r.to_string()).collect(),
            checked: checked.iter().map(|r| r.to_string()).collect(),
        };
        f.engine
            .change_selection(user, &change, &catalogue)
            .unwrap()
    };

    // Two on one page, one on another; a reel that can't be imported is not taken.
    set(ana, &["R00001", "R00002", "R00003"], &["R00001", "R00003"]);
    let picked = set(ana, &["R00007", "R00008"], &["R00007", "R00008"]);
    assert_eq!(picked.reels.len(), 3);
    let first_page = GridQuery {
        limit: 4,
        ..GridQuery::default()
    };
    let page = f.engine.catalogue().unwrap().query(&first_page, &picked);
    let marked: Vec<bool> = page.rows.iter().map(|r| r.selected).collect();
    assert_eq!(marked, [true, false, true, false]);
    assert_eq!(page.selected, 3);
    assert_eq!(
        f.engine.selection(ana).unwrap(),
        picked,
        "kept in the store"
    );
    assert!(
        f.engine.selection(bob).unwrap().is_empty(),
        "each user has their own"
    );

    // Everything matching, but two.
    let all = SelectionChange::AllMatching(GridFilter::default());
    f.engine.change_selection(ana, &all, &catalogue).unwrap();
    let chosen = set(ana, &["R00002", "R00005"], &[]);
    assert_eq!(
        catalogue.selected(&chosen),
        5,
        "8 reels, one bad, two taken out"
    );
    let report = f
        .sync(engine::RunScope::Import(chosen.to_selection()), false)
        .unwrap();
    assert_eq!(report.counts.imported, 5);
    let left = f.engine.catalogue().unwrap();
    let page = left.query(
        &GridQuery {
            limit: 10,
            ..GridQuery::default()
        },
        &GridSelection::default(),
    );
    let shown: Vec<&str> = page.rows.iter().map(|r| r.reel_number.as_str()).collect();
    assert_eq!(shown, ["R00002", "R00005", "R00008"]);

    let cleared = f
        .engine
        .change_selection(ana, &SelectionChange::Clear, &left)
        .unwrap();
    assert!(cleared.is_empty());
}

#[test]
fn a_reel_not_offered_is_told_apart_unknown_tracked_or_not_in_stock() {
    let f = Fixture::with(&[("R1", "In-stock"), ("R2", "Sold"), ("R3", "In-stock")]);
    f.wh_set("R3", "width", Some("wide"));
    f.import(&["R1"]);
    let catalogue = f.engine.catalogue().unwrap();
    assert!(matches!(
        catalogue.standing("R3"),
        Some(Some(engine::Reason::BadRow(_)))
    ));
    assert_eq!(catalogue.standing("R1"), None);
    assert_eq!(
        f.engine.not_importable("R1").unwrap(),
        engine::Reason::AlreadyImported
    );
    assert_eq!(
        f.engine.not_importable("R2").unwrap(),
        engine::Reason::NotInStock {
            status: Some(engine::ReelStatus::Sold)
        }
    );
    assert_eq!(
        f.engine.not_importable("NOPE").unwrap(),
        engine::Reason::NotFound
    );
}

#[test]
fn the_products_list_filters_counts_and_sorts_tracked_reels_by_both_statuses() {
    let f = Fixture::with(&[
        ("R1", "In-stock"),
        ("R2", "In-stock"),
        ("R3", "In-stock"),
        ("R4", "In-stock"),
    ]);
    f.import_all();
    f.office_sets(&["R1"], engine::ReelStatus::Sold);
    f.office_sets(&["R2"], engine::ReelStatus::Delivered);
    f.wh()
        .execute("DELETE FROM Products WHERE reel_number = 'R4'", [])
        .unwrap();
    f.full();
    f.office_sets(&["R3"], engine::ReelStatus::Sold);

    let list = f.engine.tracked_catalogue().unwrap();
    assert_eq!((list.list(), list.len()), (GridList::Tracked, 4));
    let query = |filter: GridFilter, sort: GridSort| GridQuery {
        filter,
        sort,
        limit: 10,
        ..GridQuery::default()
    };
    let chosen = |column: GridColumn, value: &str| GridFilter {
        values: [(column, vec![value.to_owned()])].into(),
        ..GridFilter::default()
    };
    let reels = |page: &engine::GridPage| -> Vec<String> {
        page.rows.iter().map(|r| r.reel_number.clone()).collect()
    };
    let sold = list.query(
        &query(chosen(GridColumn::Status, "Sold"), GridSort::default()),
        &GridSelection::default(),
    );
    assert_eq!(reels(&sold), ["R1", "R3"]);
    // The warehouse took R1's sale at the sync; R3's waits for the next one.
    let warehouse: Vec<Option<&str>> = sold
        .rows
        .iter()
        .map(|r| r.cell(GridColumn::Warehouse))
        .collect();
    assert_eq!(warehouse, [Some("Sold"), Some("In-stock")]);

    let facet = |page: &engine::GridPage, column: GridColumn| -> Vec<(String, u64)> {
        let facet = page.facets.iter().find(|f| f.column == column).unwrap();
        facet.values.clone()
    };
    let all = list.query(
        &query(
            GridFilter::default(),
            GridSort {
                column: GridColumn::Status,
                descending: true,
            },
        ),
        &GridSelection::default(),
    );
    assert_eq!(reels(&all), ["R2", "R3", "R1", "R4"]);
    // Counted under the other filters, most first, then by value.
    let one = |value: &str| (value.to_owned(), 1);
    assert_eq!(
        facet(&all, GridColumn::Warehouse),
        [
            one("Delivered"),
            one("In-stock"),
            one("Sold"),
            one("missing")
        ]
    );
    assert_eq!(
        facet(&sold, GridColumn::Status),
        [("Sold".to_owned(), 2), one("Delivered"), one("In-stock")]
    );
}
