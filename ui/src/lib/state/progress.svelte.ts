// Where the run is: the 16 steps the shell serves, what the engine reported for each page, which
// page is shown, and whether the page follows the engine or the user is looking elsewhere.
import type { PlanInfo } from "../bindings/PlanInfo";
import type { PlanStep } from "../bindings/PlanStep";
import type { RetryReason } from "../bindings/RetryReason";
import type { Step } from "../bindings/Step";

export type PageState = "pending" | "active" | "waiting" | "stopped" | "done" | "failed";
export interface PageStatus {
  state: PageState;
  note: string | null;
  /** When a wait ends (ms since epoch), for a live "retrying in 4 s". */
  until: number | null;
  /** When the engine started waiting (ms since epoch), for "waiting 1 min 20 s so far". */
  since?: number;
  /** What it waits for. */
  reason?: RetryReason;
}
export type Phase = "welcome" | "signingIn" | "confirmTenant" | "chooseApp" | "running" | "stopped" | "finished" | "failed";

/** The page before the steps. */
export const WELCOME = "welcome";
/** The page after them. */
export const FINISH = "finish";
/** Every run on this computer (beside the steps: reached from Welcome and Finish). */
export const RUNS = "runs";
/** A page: Welcome, one of the steps by its number, Finish, or the runs on this computer. */
export type PageId = typeof WELCOME | number | typeof FINISH | typeof RUNS;

export const pending = (): PageStatus => ({ state: "pending", note: null, until: null });

export class Progress {
  steps: PlanStep[] = $state([]);
  /** Which pages each engine step fills. */
  pages: Partial<Record<Step, number[]>> = $state({});
  phase: Phase = $state("welcome");
  current: PageId = $state(WELCOME);
  /** The page follows the engine until the user looks back at another page. */
  following = $state(true);
  status: Record<number, PageStatus> = $state({});
  /** Step-by-step mode: the engine waits for Next. */
  awaitingNext = $state(false);

  load(plan: PlanInfo): void {
    this.steps = plan.steps;
    this.pages = plan.pages;
    this.reset();
  }

  /** The step shown now, if a step is shown. */
  get step(): PlanStep | undefined {
    return this.steps.find((s) => s.number === this.current);
  }

  statusOf(page: number): PageStatus {
    return this.status[page] ?? pending();
  }

  /** The pages an engine step fills. */
  pagesOf(step: Step): number[] {
    return this.pages[step] ?? [];
  }

  /** The first page an engine step fills (the first step's, should it fill none). */
  firstPageOf(step: Step): number {
    return this.pagesOf(step)[0] ?? this.steps[0]?.number;
  }

  /** "step 3" or "steps 5 to 10": the pages an engine step fills, as a sentence names them. */
  where(step: Step): string {
    const pages = this.pagesOf(step);
    if (pages.length === 0) return "";
    return pages.length === 1 ? `step ${pages[0]}` : `steps ${pages[0]} to ${pages.at(-1)}`;
  }

  /** A page's title ("step 7" for a page the plan does not have). */
  titleOf(page: number): string {
    return this.steps.find((s) => s.number === page)?.title ?? `step ${page}`;
  }

  /** The engine steps that fill a page, in the engine's order. */
  stepsOn(page: number): Step[] {
    return (Object.keys(this.pages) as Step[]).filter((s) => this.pagesOf(s).includes(page));
  }

  /** The title of the first step not started yet, for step-by-step mode's Next button. */
  get nextTitle(): string | null {
    return this.steps.find((s) => this.statusOf(s.number).state === "pending")?.title ?? null;
  }

  /** The page after a step: the next step, or Finish after the last. */
  after(page: number): PageId {
    return this.steps.find((s) => s.number > page)?.number ?? FINISH;
  }

  /** The page before a step: the previous step, or Welcome before the first. */
  before(page: number): PageId {
    return [...this.steps].reverse().find((s) => s.number < page)?.number ?? WELCOME;
  }

  /** The user looks at a page; the view no longer follows the engine. */
  show(page: PageId): void {
    this.current = page;
    this.following = false;
  }

  /** The page the engine is at, and the view follows it again. */
  followEngine(): void {
    this.following = true;
    this.current = this.activePage();
  }

  /** Moves to a page only if the view follows the engine. */
  followTo(page: PageId): void {
    if (this.following) this.current = page;
  }

  /** Starts following the engine from a page. */
  jumpTo(page: PageId): void {
    this.following = true;
    this.current = page;
  }

  private activePage(): PageId {
    const busy = this.steps.find((s) => ["active", "waiting", "stopped", "failed"].includes(this.statusOf(s.number).state));
    if (busy) return busy.number;
    if (this.phase === "finished") return FINISH;
    return [...this.steps].reverse().find((s) => this.statusOf(s.number).state === "done")?.number ?? this.current;
  }

  /** Sets the status of every page an engine step fills. */
  mark(step: Step, s: PageStatus): void {
    this.markPages(this.pagesOf(step), s);
  }

  markPages(pages: number[], s: PageStatus): void {
    for (const n of pages) this.status[n] = { ...s };
  }

  reset(): void {
    this.status = Object.fromEntries(this.steps.map((s) => [s.number, pending()]));
  }
}
