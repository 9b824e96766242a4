import { describe, expect, it } from "vitest";
import { formatDateTime } from "./time";

describe("formatDateTime: one formatter, the time zone named, UTC beside it", () => {
  it("names the local zone and gives UTC beside it", () => {
    const text = formatDateTime("2026-11-28T09:05:00Z", { timeZone: "America/New_York" });
    expect(text).toMatch(/Nov 28, 2026/);
    expect(text).toMatch(/04:05\s?AM EST \(09:05 UTC\)$/);
  });

  it("gives the UTC date when it is another day than the local one", () => {
    const text = formatDateTime("2026-12-08T03:29:00Z", { timeZone: "America/New_York" });
    expect(text).toMatch(/Dec 7, 2026, 10:29\s?PM EST \(Dec 8, 03:29 UTC\)$/);
  });

  it("says UTC once where the local time is UTC", () => {
    expect(formatDateTime("2026-11-28T09:05:00Z", { timeZone: "UTC" })).toMatch(/09:05\s?AM UTC$/);
    expect(formatDateTime("2026-11-28T09:05:00Z", { timeZone: "Europe/London" })).toMatch(/09:05\s?AM GMT$/);
  });

  it("names a zone without an abbreviation by its offset", () => {
    expect(formatDateTime("2026-11-28T09:05:00Z", { timeZone: "Europe/Berlin" })).toMatch(/10:05\s?AM GMT\+1 \(09:05 UTC\)$/);
  });

  it("leaves out UTC where asked, never the zone", () => {
    expect(formatDateTime("2026-11-28T09:05:00Z", { timeZone: "America/New_York", noUtc: true })).toMatch(/04:05\s?AM EST$/);
  });

  it("shows what it cannot read as it is", () => {
    expect(formatDateTime("not a date")).toBe("not a date");
  });
});

describe("one formatter serves every page", () => {
  // Every source file but this module and the tests, as text.
  const sources = import.meta.glob(["../**/*.svelte", "../**/*.ts", "!./time.ts", "!../**/*.test.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;

  it("no page writes a time on its own (toLocaleString, Intl.DateTimeFormat)", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const own = Object.entries(sources)
      .filter(([, text]) => /toLocale(String|DateString|TimeString)\(|Intl\.DateTimeFormat/.test(text))
      .map(([path]) => path);
    expect(own).toEqual([]);
  });
});
