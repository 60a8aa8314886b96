import { scopePreview } from '../pages/testing/fixtures';
import { scopeChips, scopeRequest } from './scope';

const preview = scopePreview;

describe('scope chips', () => {
  test('one chip per filter and one for the window, each with the words it came from', () => {
    expect(scopeChips(preview, new Set())).toEqual([
      { key: 'filter:os_version', label: 'os_version: android_13, android_14', phrase: 'android' },
      { key: 'time', label: 'the last 7 days of data (2026-11-07 – 2026-11-14)', phrase: 'this week' },
    ]);
    expect(scopeChips(preview, new Set(['time'])).map((c) => c.key)).toEqual(['filter:os_version']);
    expect(scopeChips(undefined, new Set())).toEqual([]);
  });

  test('the request states the scope the chips show', () => {
    expect(scopeRequest(preview, new Set(), false)).toEqual({
      filters: preview.filters,
      from: preview.from,
      to: preview.to,
    });
    // A removed chip is left out; an explicit range wins over the time chip.
    expect(scopeRequest(preview, new Set(['filter:os_version', 'time']), false)).toEqual({ filters: [] });
    expect(scopeRequest(preview, new Set(), true)).toEqual({ filters: preview.filters });
    // No preview: the engine reads the prompt itself.
    expect(scopeRequest(undefined, new Set(), false)).toEqual({});
  });
});
