/** The one page banner for a connection or token problem: what is wrong and who fixes it where. */
import React from 'react';
import { Alert, LinkButton, Stack } from '@grafana/ui';
import { PLUGIN_ID } from '../../constants';
import type { EngineProblem } from '../../services/engineProblem';
import { testIds } from '../testIds';

export function EngineBanner({
  problem,
  isAdmin,
  onRetry,
}: {
  problem: EngineProblem;
  isAdmin: boolean;
  onRetry?: () => void;
}) {
  return (
    <div data-testid={testIds.states.engineBanner}>
      <Alert severity="error" title={problem.title} buttonContent={onRetry ? 'Retry' : undefined} onRemove={onRetry}>
        <Stack gap={1} alignItems="center" wrap="wrap">
          <span>{problem.action} Starting and triaging are off until it answers.</span>
          {isAdmin && (
            <LinkButton size="sm" variant="secondary" icon="cog" href={`/plugins/${PLUGIN_ID}`}>
              Open the configuration
            </LinkButton>
          )}
        </Stack>
      </Alert>
    </div>
  );
}
