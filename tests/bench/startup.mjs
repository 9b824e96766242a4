// Benchmark: cold start of the real app to an interactive first page, and its memory, beside a bare
// Tauri 2 window (tests/bench/bare-window: same Tauri, same release profile, one static page).
// Run under Xvfb (`make bench`). For each run: start the app through tauri-driver, time until the
// first page's button exists, then read the memory of the app and its WebKit helper processes
// (PSS, which splits shared pages fairly, and RSS) from /proc. The two apps take turns, so drift
// on a shared machine hits both alike. Then the binaries' and installers' sizes.
//
// env: APP_BINARY, BARE_BINARY (required); APP_BUTTON (default "Sign in to Microsoft"), BARE_BUTTON
// (default "Start"); APP_DEB, BARE_DEB (installers, optional); RUNS (default 5).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { Session, noEarlierInstance, startDriver } from "../e2e/webdriver.mjs";

const runs = Math.max(5, Number(process.env.RUNS ?? 5));
const apps = [
  { name: "app", binary: process.env.APP_BINARY, button: process.env.APP_BUTTON ?? "Sign in to Microsoft", deb: process.env.APP_DEB },
  { name: "bare window", binary: process.env.BARE_BINARY, button: process.env.BARE_BUTTON ?? "Start", deb: process.env.BARE_DEB },
];
for (const a of apps) if (!a.binary) throw new Error("APP_BINARY and BARE_BINARY must be set");

function children() {
  const byParent = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(pid)]);
    } catch {
      // The process ended while we looked.
    }
  }
  return byParent;
}

// The app's process and everything under it (WebKitWebProcess, WebKitNetworkProcess).
function appTree(binary) {
  const byParent = children();
  const exe = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    } catch {
      return "";
    }
  };
  const roots = [...byParent.values()].flat().filter((pid) => exe(pid) === binary);
  const all = [];
  const walk = (pid) => {
    all.push(pid);
    for (const c of byParent.get(pid) ?? []) walk(c);
  };
  roots.forEach(walk);
  return all.map((pid) => ({ pid, name: exe(pid).split("/").pop() }));
}

function memoryKiB(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { pss: field("Pss"), rss: field("Rss") };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map(apps.map((a) => [a.name, { startups: [], memories: [], phases: [] }]));
const driver = await startDriver();
try {
  for (let i = 0; i < runs; i++) {
    for (const a of apps) {
      const r = results.get(a.name);
      // The previous run's window may still be closing: not part of this start.
      await noEarlierInstance(a.binary);
      const launched = Date.now();
      const t0 = performance.now();
      const session = await Session.open(a.binary);
      await session.button(a.button, 30_000, 10);
      r.startups.push(performance.now() - t0);
      // Where the time went, on the same (wall) clock: the page's own navigation timing.
      const nav = await session.execute(
        "const n = performance.getEntriesByType('navigation')[0] || {}; return { origin: performance.timeOrigin, response: n.responseEnd, dcl: n.domContentLoadedEventEnd, now: performance.now() };",
      );
      r.phases.push({
        webview: nav.origin - launched,
        page: nav.dcl ?? nav.response ?? 0,
        shown: nav.now,
      });
      await new Promise((res) => setTimeout(res, 1500)); // let the page settle before reading memory
      r.memories.push(appTree(a.binary).map((p) => ({ ...p, ...memoryKiB(p.pid) })));
      await session.close();
    }
  }
} finally {
  driver.kill();
}

const mib = (kib) => (kib / 1024).toFixed(1);
const mb = (bytes) => (bytes / 1e6).toFixed(2);
const size = (path) => {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
};
const summary = {};
for (const a of apps) {
  const { startups, memories } = results.get(a.name);
  const pss = memories.map((m) => m.reduce((s, p) => s + p.pss, 0));
  const rss = memories.map((m) => m.reduce((s, p) => s + p.rss, 0));
  summary[a.name] = { start: median(startups), pss: median(pss), bin: size(a.binary), deb: a.deb && size(a.deb) };
  console.log(`${a.name}: ${a.binary}`);
  console.log(`  cold start to interactive first page, ${runs} runs (ms): ${startups.map((t) => t.toFixed(0)).join(" ")}`);
  console.log(`    median ${median(startups).toFixed(0)} ms, min ${Math.min(...startups).toFixed(0)} ms, max ${Math.max(...startups).toFixed(0)} ms`);
  const phases = results.get(a.name).phases;
  const med = (key) => median(phases.map((p) => p[key])).toFixed(0);
  console.log(
    `    where it goes (medians): launch to the page's first request ${med("webview")} ms, page loaded (DOMContentLoaded) ${med("page")} ms after that, button found ${med("shown")} ms after that request`,
  );
  console.log(`  memory after the first page (app + WebKit processes), median of ${runs}: PSS ${mib(median(pss))} MiB, RSS ${mib(median(rss))} MiB`);
  for (const p of memories.at(-1)) console.log(`    ${p.name.padEnd(24)} PSS ${mib(p.pss).padStart(7)} MiB  RSS ${mib(p.rss).padStart(7)} MiB`);
}

const ours = summary.app;
const bare = summary["bare window"];
const verdict = (ratio, goal) => `${ratio.toFixed(2)}x (goal <= ${goal.toFixed(1)}x: ${ratio <= goal ? "met" : "NOT met"})`;
console.log("");
console.log("app vs bare window:");
console.log(`  start   ${ours.start.toFixed(0)} ms vs ${bare.start.toFixed(0)} ms: ${verdict(ours.start / bare.start, 1.5)}`);
console.log(`  memory  PSS ${mib(ours.pss)} MiB vs ${mib(bare.pss)} MiB: ${verdict(ours.pss / bare.pss, 1.2)}`);
console.log(`  binary  ${mb(ours.bin)} MB vs ${mb(bare.bin)} MB (${(ours.bin / bare.bin).toFixed(2)}x)`);
if (ours.deb && bare.deb) {
  console.log(`  .deb    ${mb(ours.deb)} MB vs ${mb(bare.deb)} MB (${(ours.deb / bare.deb).toFixed(2)}x); goal for the app's .deb <= 6 MB: ${ours.deb <= 6e6 ? "met" : "NOT met"}`);
}
