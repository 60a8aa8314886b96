import {
  applyTriage,
  DEFAULT_FILTERS,
  filtersFromParams,
  filtersToParams,
  pageCount,
  toLeadQuery,
} from './opportunities';

describe('opportunities filters', () => {
  test('defaults from an empty URL', () => {
    expect(filtersFromParams(new URLSearchParams(''))).toEqual(DEFAULT_FILTERS);
  });

  test('reads lists (comma-separated or repeated), drops unknown values', () => {
    const f = filtersFromParams(
      new URLSearchParams('kpi=a,b&kpi=c&status=new,bogus&template=absence,nope&known=known&sort=last_seen&page=3')
    );
    expect(f).toEqual({
      kpi: ['a', 'b', 'c'],
      status: ['new'],
      template: ['absence'],
      known: 'known',
      sort: 'last_seen',
      page: 3,
    });
    expect(filtersFromParams(new URLSearchParams('page=-2&known=x&sort=q')).page).toBe(1);
  });

  test('round-trips through the URL, writing only non-defaults', () => {
    expect(filtersToParams(DEFAULT_FILTERS).toString()).toBe('');
    const f = {
      kpi: ['a'],
      status: ['useful' as const],
      template: ['ngram'],
      known: 'new' as const,
      sort: 'last_seen' as const,
      page: 2,
    };
    const p = filtersToParams(f);
    expect(p.toString()).toBe('kpi=a&status=useful&template=ngram&known=new&sort=last_seen&page=2');
    expect(filtersFromParams(p)).toEqual(f);
  });

  test('the engine query', () => {
    expect(toLeadQuery(DEFAULT_FILTERS)).toEqual({ sort: 'impact', limit: 25, offset: 0 });
    expect(
      toLeadQuery(
        { kpi: ['a'], status: ['dismissed'], template: ['absence'], known: 'new', sort: 'last_seen', page: 3 },
        10
      )
    ).toEqual({
      kpi: ['a'],
      status: ['dismissed'],
      template: ['absence'],
      known: false,
      sort: 'last_seen',
      limit: 10,
      offset: 20,
    });
    expect(toLeadQuery({ ...DEFAULT_FILTERS, known: 'known' }).known).toBe(true);
    // New since the latest run: what that run found and no earlier run did.
    expect(toLeadQuery({ ...DEFAULT_FILTERS, known: 'latest' }, 25, 'r9')).toMatchObject({ run: 'r9', known: false });
    expect(filtersFromParams(new URLSearchParams('known=latest&sort=q_value'))).toMatchObject({ known: 'latest', sort: 'q_value' });
  });

  test('pageCount', () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(25)).toBe(1);
    expect(pageCount(26)).toBe(2);
  });

  test('applyTriage changes only what is given', () => {
    const l = { id: 'x', status: 'new' as const, note: 'n' };
    expect(applyTriage(l, { status: 'useful' })).toEqual({ id: 'x', status: 'useful', note: 'n' });
    expect(applyTriage(l, { note: '' })).toEqual({ id: 'x', status: 'new', note: '' });
    expect(applyTriage(l, { by: 'me' })).toEqual(l);
  });
});
