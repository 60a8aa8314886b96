import { formatTime } from './format';

describe('formatTime', () => {
  test('reads as a date and time, not an ISO string', () => {
    expect(formatTime('2026-11-14T09:30:00.000Z')).toBe('Nov 14, 2026, 09:30');
    expect(formatTime('2026-11-14T09:30:00.000Z', 'date')).toBe('Nov 14, 2026');
    expect(formatTime('not a time')).toBe('–');
  });
});
