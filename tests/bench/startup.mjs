// Benchmark: cold start of the real app to an interactive first page, and its memory.
// Run under Xvfb (`make bench`). For each run: start the app through tauri-driver, time until the
// Welcome page's "Sign in to Microsoft" button exists, then read the memory of the app and its
// WebKit helper processes (PSS, which splits shared pages fairly, and RSS) from /proc.
import { readFileSync, readdirSync } from "node:fs";
import { Session, startDriver } from "../e2e/webdriver.mjs";

const app = process.env.APP_BINARY;
const runs = Number(process.env.RUNS ?? 5);
if (!app) throw new Error("APP_BINARY must be set");

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

function appTree() {
  const byParent = children();
  const exe = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    } catch {
      return "";
    }
  };
  const roots = [...byParent.values()].flat().filter((pid) => exe(pid) === app);
  const all = [];
  const walk = (pid) => {
    all.push(pid);
    for (const c of byParent.get(pid) ?? []) walk(c);
  };
  roots.forEach(walk);
  return all.map((pid) => ({ pid, name: exe(pid).split("/").pop() }));
}

function memoryKiB(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { pss: field("Pss"), rss: field("Rss") };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const startups = [];
const memories = [];
const driver = await startDriver();
try {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const session = await Session.open(app);
    await session.button("Sign in to Microsoft", 30_000);
    startups.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1500)); // let the page settle before reading memory
    const procs = appTree();
    const mem = procs.map((p) => ({ ...p, ...memoryKiB(p.pid) }));
    memories.push(mem);
    await session.close();
  }
} finally {
  driver.kill();
}

const mib = (kib) => (kib / 1024).toFixed(1);
console.log(`app: ${app}`);
console.log(`cold start to interactive first page, ${runs} runs (ms): ${startups.map((t) => t.toFixed(0)).join(" ")}`);
console.log(`  median ${median(startups).toFixed(0)} ms, min ${Math.min(...startups).toFixed(0)} ms, max ${Math.max(...startups).toFixed(0)} ms`);
const totals = memories.map((m) => m.reduce((a, p) => ({ pss: a.pss + p.pss, rss: a.rss + p.rss }), { pss: 0, rss: 0 }));
console.log(`memory after the first page (app + WebKit processes), median of ${runs}: PSS ${mib(median(totals.map((t) => t.pss)))} MiB, RSS ${mib(median(totals.map((t) => t.rss)))} MiB`);
for (const p of memories.at(-1)) console.log(`  ${p.name.padEnd(24)} PSS ${mib(p.pss).padStart(7)} MiB  RSS ${mib(p.rss).padStart(7)} MiB`);
