// One way to write a moment for people, on every page: the viewer's local time with its time zone
// named, and UTC beside it. An admin and the support staff on their screen share are often in
// different time zones; "Mon, Dec 7, 2026, 10:29 PM EST (Dec 8, 03:29 UTC)" reads the same to both.

export interface TimeOptions {
  /** The time zone to write the local time in (default: this computer's). Tests pin it. */
  timeZone?: string;
  /** Leave out the UTC time (where there is no room for it). The zone is still named. */
  noUtc?: boolean;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formats.get(key);
  if (!f) formats.set(key, (f = make()));
  return f;
}

/** Year, month and day of the moment in a time zone, to tell whether the UTC date differs. */
function day(d: Date, timeZone: string | undefined): string {
  return format(`day ${timeZone}`, () => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })).format(d);
}

/** The zone's offset from UTC at that moment is zero (UTC itself, or London in winter). */
function isUtc(d: Date, timeZone: string | undefined): boolean {
  const hm = (tz: string | undefined) =>
    format(`hm ${tz}`, () => new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })).format(d);
  return day(d, timeZone) === day(d, "UTC") && hm(timeZone) === hm("UTC");
}

/**
 * "Sat, Nov 28, 2026, 04:05 AM EST (09:05 UTC)"; the UTC part names its date when that differs
 * ("(Dec 8, 03:29 UTC)") and is left out where the local time is UTC already.
 */
export function formatDateTime(when: string | number | Date, options: TimeOptions = {}): string {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return String(when);
  const { timeZone, noUtc = false } = options;
  const local = format(`local ${timeZone}`, () =>
    new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    }),
  ).format(d);
  if (noUtc || isUtc(d, timeZone)) return local;
  const sameDay = day(d, timeZone) === day(d, "UTC");
  const utc = format(`utc ${sameDay}`, () =>
    new Intl.DateTimeFormat(undefined, {
      timeZone: "UTC",
      ...(sameDay ? {} : { day: "numeric", month: "short" }),
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }),
  ).format(d);
  return `${local} (${utc} UTC)`;
}
