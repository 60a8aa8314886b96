/**
 * The lead at a glance, before its time series: the KPI in the cohort and in the rest as two bars, with the counts
 * they come from (rate KPIs: failed and not failed, the 2×2; numeric KPIs: the mean and n).
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { CohortCounts } from '../../services/cohortCounts';
import { formatKpi, plural } from '../../services/leadStatement';
import { testIds } from '../testIds';

const count = new Intl.NumberFormat('en');

export function CohortBar({ counts, noun, unit }: { counts: CohortCounts; noun: string; unit: string }) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const max = Math.max(counts.cohort.value, counts.rest.value) || 1;
  const rows = [
    { key: 'cohort', label: 'Cohort', c: counts.cohort, color: theme.visualization.getColorByName('red') },
    {
      key: 'rest',
      label: `Rest of the ${plural(noun)}`,
      c: counts.rest,
      color: theme.visualization.getColorByName('blue'),
    },
  ];
  return (
    <div className={s.wrap} data-testid={testIds.lead.cohortBar} role="table" aria-label="Cohort vs rest">
      {rows.map((r) => (
        <div key={r.key} className={s.row} role="row" data-row={r.key}>
          <span className={s.label} role="rowheader">
            {r.label}
          </span>
          <span className={s.track} role="cell">
            <span className={s.bar} style={{ width: `${(r.c.value / max) * 100}%`, background: r.color }} />
          </span>
          <span className={s.value} role="cell">
            {formatKpi(counts.rate ? 'rate' : 'numeric', r.c.value, unit)}
          </span>
          <span className={s.counts} role="cell">
            {counts.rate
              ? `${count.format(r.c.failed ?? 0)} failed · ${count.format(r.c.n - (r.c.failed ?? 0))} ok`
              : `mean over n = ${count.format(r.c.n)} ${plural(noun, r.c.n)}`}
          </span>
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(90px, 160px) minmax(80px, 1fr) 80px minmax(150px, 220px)',
    alignItems: 'center',
    gap: theme.spacing(1.5),
  }),
  label: css({ color: theme.colors.text.primary }),
  track: css({ height: 14, background: theme.colors.background.canvas, borderRadius: 2, overflow: 'hidden' }),
  bar: css({ display: 'block', height: '100%' }),
  value: css({ fontWeight: theme.typography.fontWeightMedium, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  counts: css({
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
