// The time the countdowns and "retrying in 4 s" are drawn against; ticks once a second.
export class Clock {
  now = $state(Date.now());

  tick(now: number): void {
    this.now = now;
  }
}
