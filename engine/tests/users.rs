//! User accounts as the users screen and `reelsync user …` manage them: the
//! last active super admin and one's own account are kept, disabling and
//! password resets end sessions, a one-time password must be changed, and
//! every change is logged with who made it and from where.

mod common;

use common::Fixture;
use engine::{
    ActivityFilter, ActivityOutcome, Actor, Client, Engine, Error, NewUser, Refusal, User,
};

const PASSWORD: &str = "a long enough password";

fn add(engine: &Engine, name: &str, superuser: bool) -> User {
    engine
        .add_user(&NewUser::new(name, PASSWORD, superuser), &"cli:root".into())
        .unwrap();
    engine.verify_login(name, PASSWORD).unwrap().unwrap()
}

fn web(who: &str) -> Actor {
    Actor::web(
        who,
        Client {
            address: "192.0.2.7".into(),
            agent: Some("Firefox".into()),
        },
    )
}

fn refusal<T: std::fmt::Debug>(result: engine::Result<T>) -> Refusal {
    match result {
        Err(Error::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_last_active_super_admin_stays_one() {
    let f = Fixture::new();
    add(&f.engine, "ana", true);
    add(&f.engine, "clerk", false);
    // From the command line (nobody's own account), still refused.
    assert_eq!(
        refusal(f.engine.set_user_active("ana", false, &"cli:root".into())),
        Refusal::LastSuperAdmin {
            username: "ana".into()
        }
    );
    assert_eq!(
        refusal(f.engine.set_user_role("ANA", false, &"cli:root".into())),
        Refusal::LastSuperAdmin {
            username: "ana".into()
        }
    );
    // With a second super admin, ana may go, but not by her own hand.
    add(&f.engine, "bob", true);
    assert_eq!(
        refusal(f.engine.set_user_active("ana", false, &web("ana"))),
        Refusal::OwnAccount
    );
    assert_eq!(
        refusal(f.engine.set_user_role("ana", false, &web("Ana"))),
        Refusal::OwnAccount
    );
    let ana = f.engine.set_user_active("ana", false, &web("bob")).unwrap();
    assert!(!ana.active);
    // Now bob is the last active one: a disabled super admin does not count.
    assert_eq!(
        refusal(f.engine.set_user_role("bob", false, &"cli:root".into())),
        Refusal::LastSuperAdmin {
            username: "bob".into()
        }
    );
    assert_eq!(
        refusal(f.engine.set_user_active("nobody", true, &web("bob"))),
        Refusal::UnknownUser {
            username: "nobody".into()
        }
    );
}

#[test]
fn disabling_ends_sessions_and_sign_ins_at_once() {
    let f = Fixture::new();
    add(&f.engine, "boss", true);
    let clerk = add(&f.engine, "clerk", true);
    let token = f.engine.create_session(&clerk, &web("clerk")).unwrap();
    assert!(f.engine.session_user(&token).unwrap().is_some());

    f.engine
        .set_user_active("clerk", false, &web("boss"))
        .unwrap();
    assert!(f.engine.session_user(&token).unwrap().is_none());
    assert!(f.engine.verify_login("clerk", PASSWORD).unwrap().is_none());
    let listed = f.engine.users().unwrap();
    let clerk_now = listed.iter().find(|u| u.username == "clerk").unwrap();
    assert!(!clerk_now.active && clerk_now.sessions.is_empty());

    // Enabled again: the password works, the old session stays ended.
    f.engine
        .set_user_active("clerk", true, &web("boss"))
        .unwrap();
    assert!(f.engine.session_user(&token).unwrap().is_none());
    assert!(f.engine.verify_login("clerk", PASSWORD).unwrap().is_some());
}

#[test]
fn a_reset_password_is_one_time_and_ends_sessions() {
    let f = Fixture::new();
    add(&f.engine, "boss", true);
    let clerk = add(&f.engine, "clerk", false);
    let token = f.engine.create_session(&clerk, &web("clerk")).unwrap();

    f.engine
        .reset_password("clerk", "temporary pass", &web("boss"))
        .unwrap();
    assert!(f.engine.session_user(&token).unwrap().is_none());
    assert!(f.engine.verify_login("clerk", PASSWORD).unwrap().is_none());
    let clerk = f
        .engine
        .verify_login("clerk", "temporary pass")
        .unwrap()
        .unwrap();
    assert!(clerk.must_change_password);

    // Two sessions; the change ends the other one and keeps the asking one.
    let here = f.engine.create_session(&clerk, &web("clerk")).unwrap();
    let there = f.engine.create_session(&clerk, &web("clerk")).unwrap();
    assert_eq!(
        refusal(f.engine.change_password(
            &clerk,
            "wrong one",
            "brand new pass",
            Some(&here),
            &web("clerk")
        )),
        Refusal::WrongPassword
    );
    assert_eq!(
        refusal(f.engine.change_password(
            &clerk,
            "temporary pass",
            "temporary pass",
            Some(&here),
            &web("clerk")
        )),
        Refusal::PasswordUnchanged
    );
    assert_eq!(
        refusal(f.engine.change_password(
            &clerk,
            "temporary pass",
            "short",
            Some(&here),
            &web("clerk")
        )),
        Refusal::PasswordTooShort { min: 8 }
    );
    f.engine
        .change_password(
            &clerk,
            "temporary pass",
            "brand new pass",
            Some(&here),
            &web("clerk"),
        )
        .unwrap();
    assert!(f.engine.session_user(&there).unwrap().is_none());
    let still = f.engine.session_user(&here).unwrap().unwrap();
    assert!(!still.must_change_password);

    let filter = ActivityFilter {
        action: Some("user.change_password".into()),
        ..Default::default()
    };
    let entries = f.engine.activity(&filter, None).unwrap().entries;
    let outcomes: Vec<_> = entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [ActivityOutcome::Done, ActivityOutcome::Refused],
        "the wrong current password is logged too"
    );
}

#[test]
fn the_list_shows_last_sign_in_and_open_sessions_one_of_which_can_end() {
    let f = Fixture::new();
    add(&f.engine, "boss", true);
    let clerk = add(&f.engine, "clerk", false);
    let first = f.engine.create_session(&clerk, &web("clerk")).unwrap();
    let second = f.engine.create_session(&clerk, &web("clerk")).unwrap();
    let listed = f.engine.users().unwrap();
    let row = listed.iter().find(|u| u.username == "clerk").unwrap();
    assert_eq!(row.sessions.len(), 2);
    assert_eq!(
        row.last_sign_in.as_ref().unwrap().from.as_deref(),
        Some("192.0.2.7")
    );
    assert_eq!(row.sessions[0].agent.as_deref(), Some("Firefox"));

    let newest = row.sessions[0].id;
    f.engine
        .end_user_session("clerk", newest, &web("boss"))
        .unwrap();
    assert!(f.engine.session_user(&second).unwrap().is_none());
    assert!(f.engine.session_user(&first).unwrap().is_some());
    // Another user's session id under this name is not found.
    assert!(matches!(
        f.engine.end_user_session("boss", newest, &web("boss")),
        Err(Error::NotFound { .. })
    ));

    let who = |action: &str| {
        let filter = ActivityFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        let page = f.engine.activity(&filter, None).unwrap();
        page.entries
            .iter()
            .map(|e| (e.who.clone(), e.subject.clone(), e.client.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        who("session.end"),
        [("boss".into(), "clerk".into(), Some("192.0.2.7".into()))]
    );
    assert_eq!(who("sign_in").len(), 2);
    assert_eq!(who("user.add")[0].0, "cli:root");
}

#[test]
fn a_new_user_with_a_one_time_password_must_change_it() {
    let f = Fixture::new();
    let new = NewUser {
        one_time: true,
        ..NewUser::new("sara", PASSWORD, false)
    };
    f.engine.add_user(&new, &web("boss")).unwrap();
    let sara = f.engine.verify_login("sara", PASSWORD).unwrap().unwrap();
    assert!(sara.must_change_password && !sara.is_superuser);
}
