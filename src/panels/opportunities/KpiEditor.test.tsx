import React from 'react';
import { of, throwError } from 'rxjs';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { StandardEditorProps } from '@grafana/data';
import { KpiEditor, kpiOptions } from './KpiEditor';
import { testIds } from '../../components/testIds';

const fetchMock = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: fetchMock }),
}));

const KPIS = [
  { name: 'checkout_failed', kind: 'rate', description: 'Checkout failures', definition: {}, higher_is_better: false },
  { name: 'latency_ms', kind: 'numeric', description: '', definition: {}, higher_is_better: false },
];

const editorProps = (value: string, onChange = jest.fn()) =>
  ({ value, onChange, item: { id: 'kpi', name: 'KPI' }, context: { data: [] } }) as unknown as StandardEditorProps<string>;

// Combobox measures its text on a canvas, which jsdom lacks.
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => ({ measureText: () => ({ width: 10 }) })) as never;
});
beforeEach(() => fetchMock.mockReset());

describe('KpiEditor', () => {
  it('offers the engine’s KPIs, keeping a saved KPI the engine no longer lists', () => {
    expect(kpiOptions(KPIS, 'checkout_failed').map((o) => o.value)).toEqual(['checkout_failed', 'latency_ms']);
    expect(kpiOptions(KPIS, 'gone')[0]).toMatchObject({ value: 'gone', description: 'Not in the engine’s KPI list' });
    expect(kpiOptions(KPIS, '')[1].description).toBe('numeric');
  });

  it('loads the KPIs from /api/kpis through the proxy and shows the current one', async () => {
    fetchMock.mockReturnValue(of({ data: KPIS, status: 200 }));
    render(<KpiEditor {...editorProps('checkout_failed')} />);
    expect(await screen.findByDisplayValue('checkout_failed')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('combobox')).not.toHaveAttribute('aria-busy', 'true'));
    expect(fetchMock.mock.calls[0][0].url).toBe('/api/plugin-proxy/surfacer-opportunities-app/engine/api/kpis');
  });

  it('falls back to free text when the engine can’t list KPIs', async () => {
    fetchMock.mockReturnValue(throwError(() => ({ status: 502, statusText: 'Bad Gateway', data: {} })));
    const onChange = jest.fn();
    render(<KpiEditor {...editorProps('', onChange)} />);
    expect(await screen.findByText(/Couldn’t list the engine’s KPIs/)).toBeInTheDocument();
    fireEvent.change(screen.getByPlaceholderText(/KPI name/), { target: { value: ' signup_failed ' } });
    expect(onChange).toHaveBeenCalledWith('signup_failed');
    expect(screen.getByTestId(testIds.panel.kpiEditor)).toBeInTheDocument();
  });
});
