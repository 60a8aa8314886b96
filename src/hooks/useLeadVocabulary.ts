/** How leads are worded on this engine (each KPI's kind, the dataset's group noun), for places that load neither. */
import { useMemo } from 'react';
import { engine } from '../services/engine';
import { vocabularyOf, type LeadVocabulary } from '../services/leadStatement';
import { useAsync } from './useAsync';

/** `ready` once both answered (or failed: then leads read as rates of "groups"), so words do not change under the user. */
export function useLeadVocabulary(): LeadVocabulary & { ready: boolean } {
  const kpis = useAsync(() => engine.kpis(), []);
  const dataset = useAsync(() => engine.dataset(), []);
  const ready = !kpis.loading && !dataset.loading;
  return useMemo(
    () => ({ ...vocabularyOf(kpis.value, dataset.value?.events.group), ready }),
    [kpis.value, dataset.value, ready]
  );
}
