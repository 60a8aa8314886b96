import { PanelPlugin } from '@grafana/data';
import { OpportunitiesPanel } from './OpportunitiesPanel';
import { KpiEditor } from './KpiEditor';
import { StatusesEditor } from './StatusesEditor';
import { MAX_LEADS_LIMIT } from './logic';
import { defaultOptions, type PanelOptions } from './types';

export const plugin = new PanelPlugin<PanelOptions>(OpportunitiesPanel).setPanelOptions((builder) =>
  builder
    .addCustomEditor({
      id: 'kpi',
      path: 'kpi',
      name: 'KPI',
      description: 'The KPI whose leads to show, from the engine’s KPIs; empty shows every KPI.',
      editor: KpiEditor,
      defaultValue: defaultOptions.kpi,
    })
    .addCustomEditor({
      id: 'statuses',
      path: 'statuses',
      name: 'Statuses',
      description: 'Triage statuses to show.',
      editor: StatusesEditor,
      defaultValue: defaultOptions.statuses,
    })
    .addNumberInput({
      path: 'maxLeads',
      name: 'Max leads',
      description: `How many leads to show, by impact (1–${MAX_LEADS_LIMIT}).`,
      defaultValue: defaultOptions.maxLeads,
      settings: { min: 1, max: MAX_LEADS_LIMIT, integer: true },
    })
    .addBooleanSwitch({
      path: 'showPrompt',
      name: 'Show prompt box',
      description: 'A box that starts an investigation of this KPI over the dashboard’s time range.',
      defaultValue: defaultOptions.showPrompt,
    })
);
