/** Panel option editor: which triage statuses to show. */
import React from 'react';
import type { StandardEditorProps } from '@grafana/data';
import { MultiCombobox } from '@grafana/ui';
import { TRIAGE_STATUSES, type TriageStatus } from '../../types/api';
import { testIds } from '../../components/testIds';
import { cleanStatuses } from './logic';

const LABELS: Record<TriageStatus, string> = {
  new: 'New',
  acknowledged: 'Acknowledged',
  useful: 'Useful',
  dismissed: 'Dismissed',
};

const OPTIONS = TRIAGE_STATUSES.map((s) => ({ label: LABELS[s], value: s }));

export function StatusesEditor({ value, onChange }: StandardEditorProps<TriageStatus[]>) {
  return (
    <div data-testid={testIds.panel.statusesEditor}>
      <MultiCombobox<TriageStatus>
        options={OPTIONS}
        value={cleanStatuses(value)}
        onChange={(v) => onChange(cleanStatuses(v.map((o) => o.value)))}
      />
    </div>
  );
}
