//! A run that stays in progress for as long as a test needs: shared by the
//! event-stream tests in `src/web/tests` and the ones on a real server here.

use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use engine::{Engine, RunRequest, RunScope, Selection, Trigger};

/// A run of "another process" (the command line) that logs its first page and
/// then waits until the returned sender is dropped. Returns its id.
pub fn held_run(engine: &Engine) -> (i64, Sender<()>, JoinHandle<()>) {
    struct Hold(std::sync::mpsc::Receiver<()>);
    impl engine::RunObserver for Hold {
        fn item(&mut self, _: &engine::RunItem) {
            let _ = self.0.recv();
        }
    }
    let (release, held) = channel();
    let run = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            let request = RunRequest {
                scope: RunScope::Import(Selection::All),
                trigger: Trigger::Manual,
                who: "cli:root".into(),
                dry_run: false,
                client: None,
            };
            engine.sync(&request, &mut Hold(held)).unwrap();
        })
    };
    for _ in 0..4_000 {
        if let Some(id) = engine.running().unwrap().and_then(|live| live.run_id) {
            return (id, release, run);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the run never started");
}
