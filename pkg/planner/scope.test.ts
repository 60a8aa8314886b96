import { filtersFromPrompt, ignoredWords, scopeFromPrompt, timeFromPrompt } from './scope';

const attrs = [
  { attribute: 'os_version', values: ['android_13', 'android_14', 'ios_17', 'ios_18', 'web'] },
  { attribute: 'country', values: ['US', 'IN', 'BR', 'DE', 'ID'] },
  { attribute: 'device', values: ['phone', 'tablet', 'desktop', 'tv'] },
];
const END = Date.UTC(2026, 10, 14);
const DAY = 86_400_000;

describe('scope from the prompt', () => {
  it('turns the acceptance prompt into an android filter and the last 7 days of data', () => {
    const s = scopeFromPrompt('what makes pages slow on android this week', attrs, END);
    expect(s.filters).toEqual([{ attribute: 'os_version', values: ['android_13', 'android_14'] }]);
    expect([s.from, s.to]).toEqual([END - 7 * DAY, END]);
    expect(s.used).toEqual([
      { phrase: 'android', as: 'os_version in android_13, android_14' },
      { phrase: 'this week', as: 'the last 7 days of data (2026-11-07 – 2026-11-14)' },
    ]);
  });

  it('matches whole values and first tokens, and short codes only as written', () => {
    expect(filtersFromPrompt('crashes in IN on tablets or a tablet', attrs)).toEqual([
      { attribute: 'country', values: ['IN'], phrase: 'IN' },
      { attribute: 'device', values: ['tablet'], phrase: 'tablet' },
    ]);
    // "in", "us", "id" are words, not countries.
    expect(filtersFromPrompt('show us errors in the id flow', attrs)).toEqual([]);
    expect(filtersFromPrompt('ios_17 and web', attrs).map((f) => f.values)).toEqual([['ios_17', 'web']]);
  });

  it('reads time phrases relative to the end of the data', () => {
    expect(timeFromPrompt('anything unusual this week', END)).toMatchObject({ from: END - 7 * DAY, to: END, days: 7 });
    expect(timeFromPrompt('errors over the last 3 days', END)).toMatchObject({ phrase: 'last 3 days', from: END - 3 * DAY });
    expect(timeFromPrompt('past two weeks', END)).toMatchObject({ days: 14 });
    expect(timeFromPrompt('yesterday', END)).toMatchObject({ from: END - 2 * DAY, to: END - DAY });
    expect(timeFromPrompt('slow logins', END)).toBeUndefined();
    expect(scopeFromPrompt('', attrs, END)).toEqual({ filters: [], used: [] });
  });

  it('lists the words nothing used', () => {
    expect(ignoredWords('what makes pages slow on android this week', ['android', 'this week', 'page', 'slow'])).toEqual([]);
    expect(ignoredWords('why do checkouts wobble on android', ['android'])).toEqual(['checkouts', 'wobble']);
    expect(ignoredWords('find patterns behind payment failures', ['payment (prompt mentions payment, fail)', 'pattern'])).toEqual(['behind']);
  });
});
