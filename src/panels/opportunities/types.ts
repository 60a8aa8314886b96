import type { TriageStatus } from '../../types/api';

export interface PanelOptions {
  /** The KPI whose leads the panel shows; empty means every KPI. */
  kpi: string;
  /** Triage statuses to show. */
  statuses: TriageStatus[];
  /** How many leads, at most. */
  maxLeads: number;
  /** Show the prompt box that starts an investigation. */
  showPrompt: boolean;
}

export const DEFAULT_STATUSES: TriageStatus[] = ['new', 'acknowledged', 'useful'];

export const defaultOptions: PanelOptions = {
  kpi: '',
  statuses: DEFAULT_STATUSES,
  maxLeads: 5,
  showPrompt: true,
};
