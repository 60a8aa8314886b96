import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import { formatTime, isNew } from '../../services/format';
import { investigateUrl } from '../../utils/utils.routing';
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

/**
 * In a run's list (the engine says `new_in_run`): "New in this run", or Known since the run that first found it —
 * the run's view, not today's. Elsewhere: New when found by one run and not triaged yet; Known otherwise.
 */
export function NewKnownBadge({
  lead,
}: {
  lead: Pick<Lead, 'known' | 'status' | 'runs_seen' | 'first_seen' | 'first_run_id'> & { new_in_run?: boolean };
}) {
  if (lead.new_in_run !== undefined) {
    return lead.new_in_run ? (
      <span data-testid={testIds.leads.newBadge}>
        <Badge text="New in this run" color="purple" icon="star" tooltip="This run found it for the first time" />
      </span>
    ) : (
      <span data-testid={testIds.leads.knownBadge}>
        <a
          href={investigateUrl(lead.first_run_id)}
          title={`First found by run ${lead.first_run_id} (${formatTime(lead.first_seen)})`}
        >
          <Badge text={`Known since ${formatTime(lead.first_seen, 'date')}`} color="darkgrey" />
        </a>
      </span>
    );
  }
  return isNew(lead) ? (
    <span data-testid={testIds.leads.newBadge}>
      <Badge text="New" color="purple" icon="star" tooltip="Found for the first time and not triaged yet" />
    </span>
  ) : (
    <span data-testid={testIds.leads.knownBadge}>
      <Badge
        text="Known"
        color="darkgrey"
        tooltip={
          lead.known ? `Found by ${lead.runs_seen} runs since ${formatTime(lead.first_seen)}` : 'Already triaged'
        }
      />
    </span>
  );
}
