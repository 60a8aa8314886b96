import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import Templates from './Templates';
import { engineFetch } from './testing/engineMock';
import * as fx from './testing/fixtures';

const mockFetch = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: mockFetch }),
}));

describe('Templates', () => {
  beforeEach(() => mockFetch.mockReset());

  test('a card per family with summary, example and parameters', async () => {
    mockFetch.mockImplementation(engineFetch({ 'GET /api/templates': fx.templates }));
    render(<Templates />);
    const ngram = await screen.findByTestId(testIds.templates.card('ngram'));
    expect(ngram).toHaveTextContent('Contiguous event sequences');
    expect(ngram).toHaveTextContent('search, apply_filter, sort_price');
    const table = within(ngram).getByRole('table', { name: 'ngram parameters' });
    expect(table).toHaveTextContent('min_n');
    expect(table).toHaveTextContent('integer');
    expect(table).toHaveTextContent('1–5');
    expect(table).toHaveTextContent('array<string>');
    const absence = screen.getByTestId(testIds.templates.card('absence'));
    expect(absence).toHaveTextContent('"30s"');
    expect(absence).toHaveTextContent('How long to wait for B');
  });

  test('error state with the reason', async () => {
    mockFetch.mockImplementation(engineFetch({ 'GET /api/templates': { status: 401, body: 'no' } }));
    render(<Templates />);
    expect(await screen.findByTestId(testIds.states.error)).toHaveTextContent(/engine token/);
  });
});
