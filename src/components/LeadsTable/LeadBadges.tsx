import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import { isNew } from '../../services/format';
import type { Lead, TriageStatus } from '../../types/api';
import { testIds } from '../testIds';

const STATUS: Record<TriageStatus, { text: string; color: BadgeColor }> = {
  new: { text: 'Untriaged', color: 'darkgrey' },
  acknowledged: { text: 'Acknowledged', color: 'blue' },
  useful: { text: 'Useful', color: 'green' },
  dismissed: { text: 'Dismissed', color: 'orange' },
};

/** A lead's triage status. */
export function StatusBadge({ status }: { status: TriageStatus }) {
  const s = STATUS[status] ?? { text: status, color: 'darkgrey' as BadgeColor };
  return (
    <span data-testid={testIds.leads.status}>
      <Badge text={s.text} color={s.color} />
    </span>
  );
}

/** New: first found by the latest run and not triaged yet; Known: seen before or already triaged. */
export function NewKnownBadge({ lead }: { lead: Pick<Lead, 'known' | 'status' | 'runs_seen'> }) {
  return isNew(lead) ? (
    <span data-testid={testIds.leads.newBadge}>
      <Badge text="New" color="purple" icon="star" tooltip="Found for the first time and not triaged yet" />
    </span>
  ) : (
    <span data-testid={testIds.leads.knownBadge}>
      <Badge
        text="Known"
        color="darkgrey"
        tooltip={lead.known ? `Found by ${lead.runs_seen} runs` : 'Already triaged'}
      />
    </span>
  );
}
