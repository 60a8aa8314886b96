/** Loading, error and empty states, designed once and used by every page and the panel. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';

export function Loading({ text }: { text: string }) {
  const s = useStyles2(getStyles);
  return (
    <div className={s.loading} data-testid={testIds.states.loading}>
      <LoadingPlaceholder text={text} />
    </div>
  );
}

/** An error that says what failed and what to do; `onRetry` for errors a retry can fix. */
export function ErrorState({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div data-testid={testIds.states.error}>
      <Alert severity="error" title={title} buttonContent={onRetry ? 'Retry' : undefined} onRemove={onRetry}>
        {message}
      </Alert>
    </div>
  );
}

export function Empty({ message, children }: { message: string; children?: React.ReactNode }) {
  return (
    <div data-testid={testIds.states.empty}>
      <EmptyState variant="not-found" message={message}>
        {children}
      </EmptyState>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  loading: css({ padding: theme.spacing(4, 0), display: 'flex', justifyContent: 'center' }),
});
