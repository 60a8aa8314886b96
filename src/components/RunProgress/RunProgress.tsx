/** A run's progress: status, stage, a bar of done/total with its unit, the engine's message, and Cancel. */
import React from 'react';
import { css, keyframes } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, type BadgeColor, Button, Stack, Text, useStyles2 } from '@grafana/ui';
import { formatTime, timeAgo, withoutPaths } from '../../services/format';
import { plural } from '../../services/leadStatement';
import { isTerminal, progressFraction, progressMessage, stageLabel } from '../../services/investigate';
import type { Run, RunStatus } from '../../types/api';
import { testIds } from '../testIds';
import { cardCss } from '../styles';

export const RUN_STATUS_BADGE: Record<RunStatus, { color: BadgeColor; text: string; icon?: 'fa fa-spinner' }> = {
  queued: { color: 'darkgrey', text: 'Queued' },
  running: { color: 'blue', text: 'Running', icon: 'fa fa-spinner' },
  succeeded: { color: 'green', text: 'Succeeded' },
  failed: { color: 'red', text: 'Failed' },
  cancelled: { color: 'orange', text: 'Cancelled' },
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  const b = RUN_STATUS_BADGE[status] ?? { color: 'darkgrey' as BadgeColor, text: status };
  return <Badge color={b.color} text={b.text} icon={b.icon} />;
}

export interface RunProgressProps {
  run: Run;
  onCancel?: () => void;
  cancelling?: boolean;
  /** The dataset's group noun (session, trace…) for the summary line. */
  noun?: string;
}

export function RunProgress({ run, onCancel, cancelling, noun = 'group' }: RunProgressProps) {
  const s = useStyles2(getStyles);
  const p = run.progress;
  const frac = progressFraction(p);
  const done = isTerminal(run.status);
  const pct = run.status === 'succeeded' ? 1 : frac;
  return (
    <div className={s.box} data-testid={testIds.investigate.progress} aria-live="polite">
      <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
        <Stack gap={1.5} alignItems="center">
          <RunStatusBadge status={run.status} />
          <Text weight="medium">{run.status === 'succeeded' ? 'Investigation finished' : stageLabel(p.stage)}</Text>
          {p.total > 0 && !done && (
            <Text color="secondary">
              {p.done} / {p.total} {p.unit}
            </Text>
          )}
        </Stack>
        <Stack gap={1} alignItems="center">
          <Text color="secondary" variant="bodySmall">
            Run <code>{run.id}</code> · started {timeAgo(run.started_at ?? run.created_at)}
          </Text>
          {onCancel && !done && (
            <Button
              variant="destructive"
              fill="outline"
              size="sm"
              icon="times"
              onClick={onCancel}
              disabled={cancelling}
              data-testid={testIds.investigate.cancel}
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </Button>
          )}
        </Stack>
      </Stack>
      <div
        className={s.track}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct * 100)}
        aria-label="Run progress"
      >
        <div
          className={pct === null && !done ? s.indeterminate : s.bar}
          style={pct === null ? undefined : { width: `${Math.round(pct * 100)}%` }}
          data-status={run.status}
        />
      </div>
      {p.message && !done && (
        <Text color="secondary" variant="bodySmall">
          {progressMessage(p.message)}
        </Text>
      )}
      {(run.status === 'failed' || run.status === 'cancelled') && (
        <div data-testid={testIds.investigate.runError}>
          <Alert
            severity={run.status === 'failed' ? 'error' : 'warning'}
            title={run.status === 'failed' ? `Run failed in stage “${p.stage}”` : 'Run cancelled'}
          >
            {(run.error && withoutPaths(run.error)) ??
              (run.status === 'cancelled' ? 'The run was cancelled before it finished.' : 'The engine gave no reason.')}
          </Alert>
        </div>
      )}
      {run.status === 'succeeded' && run.summary && (
        <Text color="secondary" variant="bodySmall">
          {run.summary.hypotheses_tested} hypotheses tested over {run.summary.groups.toLocaleString('en')}{' '}
          {plural(noun, run.summary.groups)} ({formatTime(run.summary.window.from, 'date')} –{' '}
          {formatTime(run.summary.window.to, 'date')}): {run.summary.leads} leads, {run.summary.new_leads} new,{' '}
          {run.summary.known_leads} known.
        </Text>
      )}
    </div>
  );
}

const slide = keyframes({ from: { left: '-30%' }, to: { left: '100%' } });

const getStyles = (theme: GrafanaTheme2) => {
  return {
    box: css(cardCss(theme, theme.colors.background.secondary)),
    track: css({
      position: 'relative',
      height: 6,
      borderRadius: 3,
      overflow: 'hidden',
      background: theme.colors.background.canvas,
    }),
    bar: css({
      height: '100%',
      background: theme.colors.primary.main,
      transition: 'width 0.4s ease',
      '&[data-status="succeeded"]': { background: theme.colors.success.main },
      '&[data-status="failed"]': { background: theme.colors.error.main },
      '&[data-status="cancelled"]': { background: theme.colors.warning.main },
    }),
    indeterminate: css({
      position: 'absolute',
      top: 0,
      height: '100%',
      width: '30%',
      background: theme.colors.primary.main,
      [theme.transitions.handleMotion('no-preference')]: { animation: `${slide} 1.2s ease-in-out infinite` },
    }),
  };
};
