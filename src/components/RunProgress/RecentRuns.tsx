/** The latest runs with their status, so a user sees what is running; a run opens on the Investigate page. */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { formatTime, timeAgo, withoutPaths } from '../../services/format';
import { isTerminal, progressFraction, stageLabel } from '../../services/investigate';
import type { Run } from '../../types/api';
import { testIds } from '../testIds';
import { RunStatusBadge } from './RunProgress';

export interface RecentRunsProps {
  runs: Run[];
  currentId?: string;
  onOpen: (id: string) => void;
  onRefresh?: () => void;
}

export function RecentRuns({ runs, currentId, onOpen, onRefresh }: RecentRunsProps) {
  const s = useStyles2(getStyles);
  return (
    <section data-testid={testIds.investigate.recentRuns} aria-label="Recent runs" className={s.box}>
      <div className={s.head}>
        <Text element="h3" variant="h5">
          Recent runs
        </Text>
        {onRefresh && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon="sync"
            onClick={onRefresh}
            aria-label="Refresh recent runs"
          />
        )}
      </div>
      {!runs.length ? (
        <Text color="secondary" variant="bodySmall">
          No runs yet. Start one to see it here.
        </Text>
      ) : (
        <ul className={s.list}>
          {runs.map((r) => {
            const frac = progressFraction(r.progress);
            const what = requestSummary(r.request);
            return (
              <li key={r.id}>
                <button
                  type="button"
                  className={cx(s.item, r.id === currentId && s.current)}
                  onClick={() => onOpen(r.id)}
                >
                  <span className={s.row}>
                    <RunStatusBadge status={r.status} />
                    <Tooltip content={formatTime(r.created_at)}>
                      <span className={s.muted}>{timeAgo(r.created_at)}</span>
                    </Tooltip>
                  </span>
                  <span className={s.what}>{what}</span>
                  <span className={s.muted}>
                    {isTerminal(r.status)
                      ? r.status === 'succeeded' && r.summary
                        ? `${r.summary.leads} leads (${r.summary.new_leads} new)`
                        : r.error
                          ? withoutPaths(r.error)
                          : r.status
                      : `${stageLabel(r.progress.stage)}${frac !== null ? ` · ${Math.round(frac * 100)}%` : ''}`}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  head: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  item: css({
    all: 'unset',
    boxSizing: 'border-box',
    cursor: 'pointer',
    width: '100%',
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.border.weak}`,
    '&:hover': { background: theme.colors.action.hover },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  current: css({ borderColor: theme.colors.primary.border, background: theme.colors.action.selected }),
  row: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }),
  what: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});

/** The request as the run echoes it (free-form JSON in the API): its prompt, else its KPIs. */
function requestSummary(request: Run['request']): string {
  const { prompt, kpis } = request;
  if (typeof prompt === 'string' && prompt) {
    return prompt;
  }
  return Array.isArray(kpis) && kpis.length ? kpis.join(', ') : 'All KPIs';
}
