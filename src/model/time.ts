// Times travel as ISO-8601 text. Date's own parser accepts far more ("1", "May 5", February 30, 24:00, and a time
// without a zone read in the server's own zone), so the text is checked field by field and read as UTC (README,
// "Filter values"): a date-time names its zone, `Z` or `±hh:mm`; a plain date is midnight UTC.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** A date-time that could not be read, and why; `malformed` when it is not even written as one. */
export type TimeProblem = { reason: string; malformed?: true };

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The instant `text` names, or why it names none. */
export function parseTime(text: unknown): { time: Date } | TimeProblem {
  if (typeof text !== 'string') return { reason: 'expected a string', malformed: true };
  const date = DATE.exec(text);
  const match = date ?? DATE_TIME.exec(text);
  if (!match) return { reason: 'expected an ISO-8601 date-time such as 2026-01-31T00:00:00Z', malformed: true };
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return { reason: `there is no month ${mo}` };
  if (day < 1 || day > daysInMonth(year, month)) return { reason: `there is no day ${d} in ${y}-${mo}` };
  if (hour > 23) return { reason: `there is no hour ${h} (00 to 23)` };
  if (minute > 59) return { reason: `there is no minute ${mi}` };
  if (second > 59) return { reason: `there is no second ${s}` };
  if (!date && zone === undefined) {
    return { reason: 'a date-time names its zone, Z or ±hh:mm (e.g. 2026-01-31T00:00:00Z), so that it means the same instant on every server' };
  }
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (zh > 23 || zm > 59) return { reason: `there is no zone offset ${zone}` };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  // Milliseconds are what the store keeps (toISOString); finer digits are cut, never rounded into the next second.
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  // setUTCFullYear, unlike Date.UTC, does not read years 0 to 99 as 1900 to 1999.
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, millis);
  return { time: new Date(local.getTime() - offsetMinutes * 60_000) };
}

/** The canonical form (toISOString) of an ISO-8601 date or date-time, or undefined when `text` is not one. */
export function canonicalTime(text: unknown): string | undefined {
  const parsed = parseTime(text);
  return 'time' in parsed ? parsed.time.toISOString() : undefined;
}
