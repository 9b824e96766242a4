//! The whole flow against tenant-sim with a realistic profile: wall time against the floor.
//!
//! The floor is the critical path of round trips that cannot be avoided, plus the replication
//! windows, in tenant-sim's model (latency is spent before a request is handled; a new object
//! becomes visible `replication_delay` after the request that made it was handled):
//!
//! ```text
//! sign-in   authorize + token                                  2 × identity
//! reads     organization ‖ roles ‖ Graph SP ‖ existing apps    1 × read
//! app       upsert with requiredResourceAccess                 1 × write            → t_app
//! SP        handled once the app is visible                    t_app + max(write, R) → t_sp
//! grant     handled once the SP is visible                     t_sp  + max(write, R) → t_grant
//! secret    handled once the app is visible                    t_app + max(write, R) → t_pw
//! verify    token after both, once role and secret are live    max(max(t_grant,t_pw) + identity,
//!                                                                  t_grant + P, t_pw + S)
//! ```
//! Latencies are taken at their mean (base + jitter/2).
//!
//! Run: `cargo bench -p recovery --bench flow` (env `BENCH_RUNS`, default 3).

use std::sync::Arc;
use std::time::{Duration, Instant};

use recovery::{
    Cloud, Config, Endpoints, EventSink, HttpBrowser, MemoryVault, Recovery, RunChoice,
    SignInMethod,
};
use tenant_sim::{LatencyProfile, Options, Scenario};

fn scenario() -> Scenario {
    Scenario {
        replication_delay: Duration::from_millis(2000),
        secret_ready_delay: Duration::from_millis(5000),
        role_propagation_delay: Duration::from_millis(3000),
        latency: LatencyProfile::realistic(),
        ..Scenario::default()
    }
}

fn floor(s: &Scenario) -> Duration {
    let mean = |d: Duration| d + s.latency.jitter / 2;
    let (i, r, w) = (
        mean(s.latency.identity),
        mean(s.latency.read),
        mean(s.latency.write),
    );
    let rep = s.replication_delay;
    let t_app = 2 * i + r + w;
    let t_sp = t_app + w.max(rep);
    let t_grant = t_sp + w.max(rep);
    let t_pw = t_app + w.max(rep);
    (t_grant.max(t_pw) + i)
        .max(t_grant + s.role_propagation_delay)
        .max(t_pw + s.secret_ready_delay)
}

async fn one_run(seed: u64) -> (Duration, usize, usize) {
    let probe = tenant_sim::start(Options::default()).await.expect("sim");
    let ga = probe
        .startup()
        .users
        .iter()
        .find(|u| u.roles.iter().any(|r| r == "Global Administrator"))
        .expect("a Global Administrator")
        .user_principal_name
        .clone();
    probe.shutdown().await;
    let sim = tenant_sim::start(Options {
        seed,
        auto_sign_in: Some(ga),
        scenario: scenario(),
        ..Options::default()
    })
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::new(Cloud::Global, dir.path());
    config.endpoints = Endpoints::custom(Cloud::Global, Some(sim.origin()), Some(sim.origin()))
        .expect("endpoints");
    config.retry.seed = seed;
    let r = Recovery::new(config, Arc::new(MemoryVault::new()), None).expect("recovery");
    let sink = EventSink::none();
    let browser = HttpBrowser::new().expect("browser");
    let start = Instant::now();
    let session = r
        .sign_in(SignInMethod::Browser, &browser, false, &sink)
        .await
        .expect("sign-in");
    let pre = r.precheck(&session, &sink).await.expect("precheck");
    let creds = r
        .run(&session, &pre, &RunChoice::default(), &sink)
        .await
        .expect("run");
    let wall = start.elapsed();
    assert!(creds.verified);
    let log = sim.requests();
    let graph = log.iter().filter(|q| q.path.starts_with("/v1.0")).count();
    if std::env::var("BENCH_VERBOSE").is_ok() {
        for q in &log {
            eprintln!(
                "{:>6} ms {:>4} {:>6} {}",
                q.at_ms,
                q.status,
                q.method,
                q.path.split('?').next().unwrap_or("")
            );
        }
    }
    let total = log.len();
    sim.shutdown().await;
    (wall, graph, total)
}

fn main() {
    let runs: u64 = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let s = scenario();
    let floor = floor(&s);
    println!(
        "profile: latency read {:?} write {:?} identity {:?} (+0..{:?} jitter), replication {:?}, secret ready {:?}, role propagation {:?}",
        s.latency.read, s.latency.write, s.latency.identity, s.latency.jitter, s.replication_delay, s.secret_ready_delay, s.role_propagation_delay
    );
    let mut walls = Vec::new();
    for seed in 1..=runs {
        let (wall, graph, total) = rt.block_on(one_run(seed));
        println!(
            "run {seed}: wall {:.2} s  floor {:.2} s  ratio {:.2}x  Graph requests {graph}  all requests {total}",
            wall.as_secs_f64(),
            floor.as_secs_f64(),
            wall.as_secs_f64() / floor.as_secs_f64()
        );
        walls.push(wall);
    }
    walls.sort();
    let median = walls[walls.len() / 2];
    println!(
        "median: wall {:.2} s  floor {:.2} s  ratio {:.2}x (target <= 1.20x)",
        median.as_secs_f64(),
        floor.as_secs_f64(),
        median.as_secs_f64() / floor.as_secs_f64()
    );
}
