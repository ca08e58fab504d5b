/**
 * Conversions between `<input type="datetime-local">` values (wall-clock time in the viewer's
 * zone, no offset) and ISO-8601 instants with an explicit offset, as the admin API wants.
 * `timeZone` is injectable for tests; by default the process/browser zone is used (P17).
 */

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallFormatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(key, f);
  }
  return f;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wallOf(ms: number, timeZone?: string): Wall {
  const parts = wallFormatter(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

/** Offset of `timeZone` from UTC at the instant `ms`, in minutes (Tokyo → +540, New York in winter → −300). */
export function zoneOffsetMinutes(ms: number, timeZone?: string): number {
  const w = wallOf(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000);
}

const pad = (n: number, len = 2) => String(Math.abs(n)).padStart(len, '0');

/** `YYYY-MM-DDTHH:mm:ss±HH:MM` for the instant `ms`, written in `timeZone`'s wall time. */
export function isoWithOffset(ms: number, timeZone?: string): string {
  const w = wallOf(ms, timeZone);
  const off = zoneOffsetMinutes(ms, timeZone);
  const sign = off < 0 ? '-' : '+';
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** ISO instant → value for a datetime-local input (`YYYY-MM-DDTHH:mm:ss`); '' when unparsable. */
export function isoToLocalInput(iso: string, timeZone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const w = wallOf(ms, timeZone);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}`;
}

/** Epoch ms of a datetime-local value read as wall time in `timeZone`; null when malformed. */
export function localInputToMs(value: string, timeZone?: string): number | null {
  const m = LOCAL_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(wall).getUTCDate() !== d) return null; // e.g. 31 April
  // The offset depends on the instant: try the offsets around it. A repeated wall time (DST end)
  // takes the earlier instant, a skipped one (DST start) lands after the gap — as `new Date(y, m, …)` does.
  const first = wall - zoneOffsetMinutes(wall, timeZone) * 60_000;
  const second = wall - zoneOffsetMinutes(first, timeZone) * 60_000;
  const matches = (ms: number) => {
    const w = wallOf(ms, timeZone);
    return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) === wall;
  };
  const exact = [first, second].filter(matches);
  return exact.length > 0 ? Math.min(...exact) : Math.max(first, second);
}

/** datetime-local value → ISO-8601 with the zone's offset at that instant; null when malformed. */
export function localInputToIso(value: string, timeZone?: string): string | null {
  const ms = localInputToMs(value, timeZone);
  return ms === null ? null : isoWithOffset(ms, timeZone);
}

/** Start of a calendar day (`YYYY-MM-DD`, local) as ISO with offset; `addDays` moves the day first. */
export function localDayStartIso(date: string, timeZone?: string, addDays = 0): string | null {
  const m = DATE_RE.exec(date.trim());
  if (!m) return null;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays));
  const s = `${pad(day.getUTCFullYear(), 4)}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}T00:00:00`;
  return localInputToIso(s, timeZone);
}

export type TimestampProblem = 'invalid' | 'future' | 'before1970' | null;

/** Client-side mirror of the server rule: not in the future, not before 1970. */
export function timestampProblem(ms: number | null, nowMs: number = Date.now()): TimestampProblem {
  if (ms === null || !Number.isFinite(ms)) return 'invalid';
  if (ms > nowMs) return 'future';
  if (ms < 0) return 'before1970';
  return null;
}
