import { describe, expect, it } from 'vitest';
import { isoToLocalInput, isoWithOffset, localDayStartIso, localInputToIso, localInputToMs, timestampProblem, zoneOffsetMinutes } from './localDateTime';

const NY = 'America/New_York';
const TOKYO = 'Asia/Tokyo';

describe('datetime-local ↔ ISO with offset', () => {
  it('offsets: Tokyo +9 all year, New York −5 in winter and −4 in summer', () => {
    expect(zoneOffsetMinutes(Date.parse('2024-01-15T12:00:00Z'), TOKYO)).toBe(540);
    expect(zoneOffsetMinutes(Date.parse('2024-01-15T12:00:00Z'), NY)).toBe(-300);
    expect(zoneOffsetMinutes(Date.parse('2024-07-15T12:00:00Z'), NY)).toBe(-240);
  });

  it('ISO → input value shows the wall time of the viewer zone', () => {
    const iso = '2024-03-10T06:30:15+00:00';
    expect(isoToLocalInput(iso, TOKYO)).toBe('2024-03-10T15:30:15');
    expect(isoToLocalInput(iso, NY)).toBe('2024-03-10T01:30:15');
    expect(isoToLocalInput('2024-07-01T00:00:00+02:00', NY)).toBe('2024-06-30T18:00:00');
    expect(isoToLocalInput('nonsense', NY)).toBe('');
  });

  it('input value → ISO carries the offset valid at that instant', () => {
    expect(localInputToIso('2024-03-10T15:30:15', TOKYO)).toBe('2024-03-10T15:30:15+09:00');
    expect(localInputToIso('2024-01-15T09:00', NY)).toBe('2024-01-15T09:00:00-05:00');
    expect(localInputToIso('2024-07-15T09:00', NY)).toBe('2024-07-15T09:00:00-04:00');
    // same instant either way
    expect(Date.parse(localInputToIso('2024-07-15T09:00', NY) ?? '')).toBe(Date.parse('2024-07-15T13:00:00Z'));
  });

  it('round-trips across the New York DST switches', () => {
    for (const iso of ['2024-03-10T06:59:59Z', '2024-03-10T07:00:00Z', '2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z', '1970-01-01T00:00:00Z']) {
      const local = isoToLocalInput(iso, NY);
      const back = localInputToMs(local, NY);
      // The repeated hour (01:00–02:00 on 3 Nov) is ambiguous as wall time; everything else must round-trip.
      if (!local.startsWith('2024-11-03T01:')) expect(back).toBe(Date.parse(iso));
      else expect(Math.abs((back ?? 0) - Date.parse(iso))).toBeLessThanOrEqual(3_600_000);
    }
    // 02:30 on 10 March does not exist in New York: it lands after the gap.
    expect(localInputToIso('2024-03-10T02:30', NY)).toBe('2024-03-10T03:30:00-04:00');
  });

  it('uses the process zone by default (vitest sets TZ=Asia/Tokyo)', () => {
    expect(localInputToIso('2024-03-10T15:30:00')).toBe('2024-03-10T15:30:00+09:00');
    expect(isoToLocalInput('2024-03-10T06:30:00Z')).toBe('2024-03-10T15:30:00');
    // agrees with the platform's own local-time parsing
    expect(localInputToMs('2023-12-31T23:59:59')).toBe(new Date(2023, 11, 31, 23, 59, 59).getTime());
  });

  it('rejects malformed values', () => {
    expect(localInputToIso('', NY)).toBeNull();
    expect(localInputToIso('2024-02-30T10:00', NY)).toBeNull();
    expect(localInputToIso('2024-13-01T10:00', NY)).toBeNull();
    expect(localInputToIso('10:00', NY)).toBeNull();
  });

  it('day starts for date filters (inclusive end = start of the next day)', () => {
    expect(localDayStartIso('2024-01-31', NY)).toBe('2024-01-31T00:00:00-05:00');
    expect(localDayStartIso('2024-01-31', NY, 1)).toBe('2024-02-01T00:00:00-05:00');
    expect(localDayStartIso('2024-12-31', TOKYO, 1)).toBe('2025-01-01T00:00:00+09:00');
    expect(localDayStartIso('x', TOKYO)).toBeNull();
  });

  it('isoWithOffset writes negative and positive offsets', () => {
    expect(isoWithOffset(Date.parse('2024-01-15T12:00:00Z'), NY)).toBe('2024-01-15T07:00:00-05:00');
    expect(isoWithOffset(Date.parse('2024-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe('2024-01-15T17:30:00+05:30');
  });

  it('refuses future times and times before 1970', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(timestampProblem(now, now)).toBeNull();
    expect(timestampProblem(now + 1000, now)).toBe('future');
    expect(timestampProblem(-1000, now)).toBe('before1970');
    expect(timestampProblem(0, now)).toBeNull();
    expect(timestampProblem(null, now)).toBe('invalid');
    // 1970-01-01 00:30 in Tokyo is still 1969 in UTC
    expect(timestampProblem(localInputToMs('1970-01-01T00:30', TOKYO), now)).toBe('before1970');
  });
});
