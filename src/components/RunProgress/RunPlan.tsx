/** What a run set out to test: the planner, why a fallback was used, and each hypothesis class with its reason. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Stack, Tag, Text, useStyles2 } from '@grafana/ui';
import type { Plan } from '../../types/api';
import { testIds } from '../testIds';

export function RunPlan({ plan }: { plan: Plan }) {
  const s = useStyles2(getStyles);
  return (
    <section className={s.box} data-testid={testIds.investigate.plan} aria-label="Plan">
      <Stack alignItems="center" gap={1} wrap="wrap">
        <Text element="h3" variant="h5">
          Plan
        </Text>
        <Badge color={plan.planner === 'llm' ? 'purple' : 'blue'} text={`${plan.planner} planner`} />
        {plan.kpis.map((k) => (
          <Tag key={k} name={k} />
        ))}
      </Stack>
      {plan.fallback && (
        <Alert severity="info" title="The LLM planner was not used">
          {plan.fallback}
        </Alert>
      )}
      <ol className={s.list}>
        {plan.items.map((it, i) => (
          <li key={`${it.template}-${i}`}>
            <Stack gap={1} alignItems="baseline" wrap="wrap">
              <code className={s.code}>{it.template}</code>
              {Object.keys(it.params).length > 0 && <code className={s.params}>{JSON.stringify(it.params)}</code>}
              <Text color="secondary">on {it.kpis.join(', ') || 'all KPIs'}</Text>
            </Stack>
            <div className={s.reason}>{it.reason}</div>
          </li>
        ))}
      </ol>
      {plan.notes.length > 0 && (
        <ul className={s.notes}>
          {plan.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  list: css({ margin: 0, paddingLeft: theme.spacing(3), li: { marginBottom: theme.spacing(1) } }),
  code: css({ fontFamily: theme.typography.fontFamilyMonospace, fontWeight: theme.typography.fontWeightMedium }),
  params: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  reason: css({ color: theme.colors.text.secondary }),
  notes: css({
    margin: 0,
    paddingLeft: theme.spacing(3),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
