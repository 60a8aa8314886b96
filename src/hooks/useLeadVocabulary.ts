/** How leads are worded on this engine: each KPI's kind (rate or numeric) and the dataset's group noun. */
import { useMemo } from 'react';
import { engine } from '../services/engine';
import { vocabularyOf, type LeadVocabulary } from '../services/leadStatement';
import { useAsync } from './useAsync';

export type { LeadVocabulary };

export function useLeadVocabulary(): LeadVocabulary {
  const kpis = useAsync(() => engine.kpis(), []);
  const dataset = useAsync(() => engine.dataset(), []);
  return useMemo(() => vocabularyOf(kpis.value, dataset.value?.events.group), [kpis.value, dataset.value]);
}
