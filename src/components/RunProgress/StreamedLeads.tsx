/**
 * While a run goes on: the leads of each KPI whose leads are final already (the run's progress carries each
 * finished KPI's count and top leads), stated as the leads table states them. The stored leads replace them
 * when the run ends.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Text, useStyles2 } from '@grafana/ui';
import { compare, impactText, type LeadVocabulary, withNoun } from '../../services/leadStatement';
import type { Run } from '../../types/api';
import { cardCss } from '../styles';
import { testIds } from '../testIds';

export type KpiLeads = NonNullable<Run['progress']['kpi_leads']>[number];

export function StreamedLeads({ kpiLeads, vocabulary }: { kpiLeads: KpiLeads[]; vocabulary: LeadVocabulary }) {
  const s = useStyles2(getStyles);
  if (!kpiLeads.length) {
    return null;
  }
  return (
    <section className={s.card} data-testid={testIds.investigate.streamed} aria-label="Leads so far">
      <Text element="h3" variant="h5">
        Leads so far · {kpiLeads.length} {kpiLeads.length === 1 ? 'KPI' : 'KPIs'} done, more to come
      </Text>
      {kpiLeads.map((k) => (
        <div key={k.kpi} data-testid={testIds.investigate.streamedKpi(k.kpi)}>
          <div className={s.kpi}>
            <code>{k.kpi}</code> · {k.leads} {k.leads === 1 ? 'lead' : 'leads'}
            {k.leads > k.top.length ? `, top ${k.top.length} here` : ''}
          </div>
          <ol className={s.list}>
            {k.top.map((l) => {
              const kind = vocabulary.kindOf(l.kpi);
              const cmp = compare(l, kind);
              const impact = impactText(l, kind, vocabulary.noun);
              return (
                <li key={l.id}>
                  <span className={s.title}>{withNoun(l.title, vocabulary.noun)}</span>
                  <span className={s.numbers}>
                    {cmp ? `${cmp.label} ${cmp.values}` : ''} · {impact.value} {impact.unit}
                  </span>
                </li>
              );
            })}
          </ol>
        </div>
      ))}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({ ...cardCss(theme, theme.colors.background.primary), gap: theme.spacing(1) }),
  kpi: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.5) }),
  list: css({
    margin: theme.spacing(0.5, 0, 0, 2.5),
    li: { marginBottom: theme.spacing(0.5) },
  }),
  title: css({ fontWeight: theme.typography.fontWeightMedium, marginRight: theme.spacing(1) }),
  numbers: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
