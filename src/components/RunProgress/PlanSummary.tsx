/** The plan as one line under the leads, with the whole plan (each family and why) on demand. */
import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Stack, Text, useStyles2 } from '@grafana/ui';
import { planLine, scopeLine } from '../../services/planSummary';
import type { Plan } from '../../types/api';
import { testIds } from '../testIds';
import { cardCss } from '../styles';
import { RunPlan } from './RunPlan';

export function PlanSummary({ plan }: { plan: Plan }) {
  const s = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  const scope = scopeLine(plan.scope);
  return (
    <section className={s.card} aria-label="Plan" data-testid={testIds.investigate.planSummary}>
      <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
        <Text color="secondary">
          <strong>Plan:</strong> {planLine(plan)}
        </Text>
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          icon={open ? 'angle-up' : 'angle-down'}
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? 'Hide plan details' : 'Plan details'}
        </Button>
      </Stack>
      {scope && (
        <div data-testid={testIds.investigate.planScope}>
          <Text color="secondary" variant="bodySmall">
            <strong>Scope:</strong> {scope}
          </Text>
        </div>
      )}
      {open && (
        <div data-testid={testIds.investigate.planDetails}>
          <RunPlan plan={plan} />
        </div>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({ ...cardCss(theme), padding: theme.spacing(1, 2) }),
});
