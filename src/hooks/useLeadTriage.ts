import { useCallback, useState } from 'react';
import { engine } from '../services/engine';
import { applyTriage } from '../services/opportunities';
import type { Lead, TriageRequest } from '../types/api';
import { triageActor } from './useTriageActor';

/**
 * Triage with an optimistic update: `update` applies the change at once, the engine is asked, and on error the
 * previous lead is put back and the error kept for display.
 */
export function useLeadTriage<T extends Pick<Lead, 'id' | 'status' | 'note'>>(
  update: (id: string, fn: (l: T) => T) => void
): {
  triage: (lead: T, req: TriageRequest) => Promise<void>;
  error?: unknown;
  clearError: () => void;
  pending: Set<string>;
} {
  const [error, setError] = useState<unknown>(undefined);
  const [pending, setPending] = useState<Set<string>>(new Set());
  const triage = useCallback(
    async (lead: T, req: TriageRequest) => {
      const before = lead;
      setError(undefined);
      update(lead.id, (l) => applyTriage(l, req));
      setPending((p) => new Set(p).add(lead.id));
      try {
        const saved = await engine.triage(lead.id, { ...req, by: req.by ?? triageActor() });
        update(lead.id, (l) => ({ ...l, ...pick(saved, l) }));
      } catch (e) {
        update(lead.id, (l) => ({ ...l, status: before.status, note: before.note }));
        setError(e);
      } finally {
        setPending((p) => {
          const n = new Set(p);
          n.delete(lead.id);
          return n;
        });
      }
    },
    [update]
  );
  return { triage, error, clearError: () => setError(undefined), pending };
}

/** The fields of the saved lead that the shown one has (a detail view keeps its extra fields). */
function pick<T extends object>(saved: Lead, shown: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(saved)) {
    if (k in shown) {
      out[k] = (saved as unknown as Record<string, unknown>)[k];
    }
  }
  return out as Partial<T>;
}
