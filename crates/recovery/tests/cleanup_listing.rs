//! A cleaned-up run never goes missing from the list of runs (issue 22: a Runs card once vanished
//! after its deletion): at the moment the cleanup step is done, and before the caller adds the
//! cleanup's activity, the run's closed record is already on disk beside no open journal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use recovery::{CleanupOptions, Event, EventSink, MemoryVault, RunChoice, RunState, Step};

/// The journal files under `dir` whose names start with `prefix`.
fn files(dir: &std::path::Path, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if e.path().is_dir() {
                todo.push(e.path());
            } else if name.starts_with(prefix) && name.ends_with(".json") {
                out.push(name);
            }
        }
    }
    out
}

/// The open journals and the closed records, by file name.
type OnDisk = (Vec<String>, Vec<String>);

#[tokio::test]
async fn the_closed_record_is_written_before_the_open_journal_goes() {
    let sim = sim_as(GA, quick_scenario()).await;
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::new();
    let r = recovery(&sim, dir.path(), &vault);
    let rec = Recorder::default();
    let (session, pre) = sign_in_and_precheck(&r, &rec.sink()).await;
    r.run(&session, &pre, &RunChoice::default(), &rec.sink())
        .await
        .unwrap();
    assert_eq!(files(dir.path(), "run-").len(), 1);

    // What a Runs page listing would find on disk the moment the cleanup step is done.
    let seen: Arc<Mutex<Option<OnDisk>>> = Arc::default();
    let (watch, root) = (seen.clone(), dir.path().to_path_buf());
    let sink = EventSink::new(move |e| {
        if let Event::Done {
            step: Step::Cleanup,
            ..
        } = e
        {
            *watch.lock().unwrap() = Some((files(&root, "run-"), files(&root, "closed-")));
        }
    });
    r.cleanup(&session, &CleanupOptions::default(), &sink)
        .await
        .unwrap();
    let (open, closed) = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the cleanup step finished");
    assert!(open.is_empty(), "the open journal is gone: {open:?}");
    assert_eq!(closed.len(), 1, "and the closed record is already there");

    let runs = r.runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, RunState::CleanedUp);
    sim.shutdown().await;
}
