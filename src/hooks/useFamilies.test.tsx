import { renderHook, waitFor } from '@testing-library/react';
import { engineFetch } from '../pages/testing/engineMock';
import * as fx from '../pages/testing/fixtures';
import { useFamilies } from './useFamilies';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

describe('useFamilies', () => {
  test("labels families as the engine's catalog does, by id until it answers; one request for every user", async () => {
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const reply = engineFetch({ 'GET /api/templates': fx.templates });
    mockFetch.mockImplementation((req) => {
      const out = reply(req);
      return { subscribe: (o: object) => answered.then(() => out.subscribe(o)) };
    });
    const first = renderHook(() => useFamilies());
    const second = renderHook(() => useFamilies());
    expect(first.result.current.order).toEqual([]);
    expect(first.result.current.label('absence')).toBe('absence');
    expect(first.result.current.label('ordered_pattern')).toBe('ordered pattern');

    answer();
    await waitFor(() => expect(first.result.current.order).toEqual(['ngram', 'absence']));
    expect(first.result.current.label('absence')).toBe('missing follow-up');
    expect(first.result.current.label('ngram')).toBe('event sequence');
    expect(first.result.current.label('new_family')).toBe('new family');
    await waitFor(() => expect(second.result.current.label('absence')).toBe('missing follow-up'));
    expect(mockFetch).toHaveBeenCalledTimes(1);
  });
});
