import { setTimeZoneResolver } from '@grafana/data';
import { formatTime, withoutPaths } from './format';

describe('formatTime', () => {
  afterEach(() => setTimeZoneResolver(() => 'browser'));

  test('reads as a date and time, not an ISO string', () => {
    expect(formatTime('2026-11-14T09:30:00.000Z')).toBe('Nov 14, 2026, 09:30');
    expect(formatTime('2026-11-14T09:30:00.000Z', 'date')).toBe('Nov 14, 2026');
    expect(formatTime('not a time')).toBe('–');
  });

  test("in the user's time zone, as Grafana resolves it", () => {
    setTimeZoneResolver(() => 'Asia/Tokyo');
    expect(formatTime('2026-11-14T20:30:00.000Z')).toBe('Nov 15, 2026, 05:30');
    expect(formatTime(Date.UTC(2026, 10, 14, 20, 30), 'date')).toBe('Nov 15, 2026');
  });
});

describe('withoutPaths', () => {
  test('a server path in an error becomes the file name; the rest of the message stays', () => {
    expect(withoutPaths("ENOENT: no such file or directory, open '/srv/surfacer/data/events.parquet'")).toBe(
      "ENOENT: no such file or directory, open 'events.parquet'"
    );
    expect(withoutPaths('cannot read /var/lib/surfacer/.store/status (code 76)')).toBe('cannot read status (code 76)');
    expect(withoutPaths('run failed: 3/4 KPIs and a ratio a/b')).toBe('run failed: 3/4 KPIs and a ratio a/b');
  });
});
