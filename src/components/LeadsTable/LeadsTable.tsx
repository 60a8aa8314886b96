/**
 * Leads as a table: title (to the detail page) with its KPI and family under it; the KPI in the cohort vs the rest
 * (with the effect under it), the cohort's share of the KPI's failures, impact with its unit, q, cohort size,
 * status and New/Known, first/last seen, and triage actions per row. Leads are grouped by KPI (impacts of different
 * KPIs do not compare). A fixed layout that fits its card; `compact` (the Investigate page's narrower column) moves
 * status and New/Known under the title and drops the Seen column; so does any table below 1440 px.
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, Tag, Tooltip, useStyles2 } from '@grafana/ui';
import { formatCount, formatEffect, formatP, formatShare, timeAgo } from '../../services/format';
import { groupByKpi } from '../../services/leadOrder';
import {
  compare,
  effectWords,
  EXPLAIN,
  impactText,
  type LeadVocabulary,
  plural,
  withNoun,
} from '../../services/leadStatement';

import type { Lead, TriageRequest } from '../../types/api';
import { leadUrl } from '../../utils/utils.routing';
import { Empty } from '../States/States';
import { testIds } from '../testIds';
import { TriageActions } from '../TriageActions/TriageActions';
import { NewKnownBadge, StatusBadge } from './LeadBadges';
import { useMediaQuery } from '../../hooks/useMediaQuery';
import { dataTableCss } from '../styles';
import { useFamilyOrder } from '../../hooks/useFamilyOrder';

export interface LeadsTableProps {
  leads: Lead[];
  /** Triage from a row; without it the table is read-only. */
  onTriage?: (lead: Lead, req: TriageRequest) => void | Promise<void>;
  /** Link titles to the lead's evidence as of this run (the Investigate page's run). */
  runId?: string;
  /** Lead ids with a triage in flight. */
  pending?: Set<string>;
  /** Shown when there are no leads. */
  emptyMessage?: string;
  /** Narrow places (the Investigate page's column): no Seen column, status and New/Known under the title. */
  compact?: boolean;
  /** Each KPI's kind and the group noun; without it leads read as failure rates of "groups". */
  vocabulary?: LeadVocabulary;
  /** Why triage is off for this user (e.g. a Viewer), shown on the disabled buttons. */
  triageDisabledReason?: string;
  /** The leads are sorted by something other than impact: keep that order within each KPI. */
  keepOrder?: boolean;
}

const DEFAULT_VOCABULARY: LeadVocabulary = { kindOf: () => 'rate', noun: 'group' };

function Explained({ label, text }: { label: string; text: string }) {
  return (
    <Tooltip content={text}>
      <span>
        {label} <Icon name="info-circle" size="xs" />
      </span>
    </Tooltip>
  );
}

export function LeadsTable({
  leads,
  onTriage,
  runId,
  pending,
  emptyMessage,
  compact,
  vocabulary = DEFAULT_VOCABULARY,
  triageDisabledReason,
  keepOrder,
}: LeadsTableProps) {
  const s = useStyles2(getStyles);
  const wide = useMediaQuery('(min-width: 1440px)');
  const families = useFamilyOrder();
  if (!leads.length) {
    return (
      <div data-testid={testIds.leads.empty}>
        <Empty message={emptyMessage ?? 'No leads'} />
      </div>
    );
  }
  const { noun, kindOf } = vocabulary;
  // Compact (a page's narrow column) leaves q, the cohort size and Seen to the lead's page, and shows the status
  // under the title; so does a full table below 1440 px (with Grafana's docked menu, 1024 and 1280 too), so the lead keeps room.
  const full = !compact && wide;
  const columns = 4 + (full ? 4 : 0) + (onTriage ? 1 : 0);
  // A fixed layout: the numeric, status and triage columns get the widths below, the lead (its title wraps) the
  // rest, so the table always fits its card. Compact drops the Seen column and shows the status with the lead.
  return (
    <div className={s.wrap}>
      <table className={s.table} data-testid={testIds.leads.table}>
        <colgroup>
          <col />
          <col className={s.colCompare} />
          <col className={s.colShare} />
          <col className={s.colImpact} />
          {full && <col className={s.colQ} />}
          {full && <col className={s.colCohort} />}
          {full && <col className={s.colStatus} />}
          {full && <col className={s.colSeen} />}
          {onTriage && <col className={s.colTriage} />}
        </colgroup>
        <thead>
          <tr>
            <th>Lead</th>
            <th className={s.num}>
              <Explained label="Cohort vs rest" text={EXPLAIN.compare(noun)} />
            </th>
            <th className={s.num}>
              <Explained label="Share" text={EXPLAIN.share(noun)} />
            </th>
            <th className={s.num}>
              <Explained label="Impact" text={EXPLAIN.impact(noun)} />
            </th>
            {full && (
              <th className={s.num}>
                <Explained label="q" text={EXPLAIN.q} />
              </th>
            )}
            {full && (
              <th className={s.num}>
                <Explained label={plural(noun).replace(/^./, (c) => c.toUpperCase())} text={EXPLAIN.cohort(noun)} />
              </th>
            )}
            {full && <th>Status</th>}
            {full && <th>Seen</th>}
            {onTriage && <th className={s.triageHead}>Triage</th>}
          </tr>
        </thead>
        {groupByKpi(leads, keepOrder).map((g) => (
          <tbody key={g.kpi}>
            <tr className={s.kpiRow}>
              <th colSpan={columns} scope="colgroup">
                <code className={s.code}>{g.kpi}</code>
                <span className={s.muted}>
                  {' '}
                  · {g.leads.length} {g.leads.length === 1 ? 'lead' : 'leads'}
                  {keepOrder ? '' : ', ranked by what each adds'}
                </span>
              </th>
            </tr>
            {g.leads.map((l) => {
              const kind = kindOf(l.kpi);
              const cmp = compare(l, kind);
              const impact = impactText(l, kind, noun);
              return (
                <tr
                  key={l.id}
                  data-testid={testIds.leads.row(l.id)}
                  className={cx(l.status === 'dismissed' && s.dismissed)}
                >
                  <td className={s.titleCell}>
                    {/* A plain link: Grafana routes in-app hrefs itself, so this also works outside the app (the panel). */}
                    <a href={leadUrl(l.id, runId)} className={s.title} data-testid={testIds.leads.title}>
                      {withNoun(l.title, noun)}
                    </a>
                    <div className={s.meta}>
                      <Tag name={l.template} colorIndex={familyColor(l.template, families)} className={s.tag} />
                      {/* Under the title when there is no Status column (compact, or below 1280 px). */}
                      {!full && (
                        <span className={s.badges}>
                          <StatusBadge status={l.status} />
                          <NewKnownBadge lead={l} />
                        </span>
                      )}
                      {!full && (
                        <Tooltip content={`First seen ${l.first_seen}, last seen ${l.last_seen}`}>
                          <span className={s.muted}>
                            {l.runs_seen} {l.runs_seen === 1 ? 'run' : 'runs'}
                          </span>
                        </Tooltip>
                      )}
                    </div>
                    {l.note && <div className={s.note}>“{l.note}”</div>}
                  </td>
                  <td className={s.num} data-testid={testIds.leads.compare}>
                    <div className={s.strong}>{cmp ? cmp.values : '–'}</div>
                    <Tooltip content={`${effectWords(l.effect.measure)} (${l.effect.measure})`}>
                      <div className={s.sub}>
                        {cmp ? `${cmp.label} · ` : ''}
                        {formatEffect(l.effect)}
                      </div>
                    </Tooltip>
                  </td>
                  <td className={s.num}>
                    {l.coverage === null || l.coverage === undefined ? '–' : formatShare(l.coverage)}
                  </td>
                  <td className={s.num} data-testid={testIds.leads.impact}>
                    <div>{impact.value}</div>
                    <div className={s.sub}>{impact.unit}</div>
                  </td>
                  {full && <td className={s.num}>{formatP(l.q_value)}</td>}
                  {full && <td className={s.num}>{formatCount(l.cohort_size)}</td>}
                  {full && (
                    <td>
                      <div className={s.badges}>
                        <StatusBadge status={l.status} />
                        <NewKnownBadge lead={l} />
                      </div>
                    </td>
                  )}
                  {full && (
                    <td>
                      <Tooltip content={`First seen ${l.first_seen}, last seen ${l.last_seen}`}>
                        <div className={s.seen}>
                          <span>{timeAgo(l.last_seen)}</span>
                          <span className={s.muted}>
                            {l.runs_seen} {l.runs_seen === 1 ? 'run' : 'runs'} · since {timeAgo(l.first_seen)}
                          </span>
                        </div>
                      </Tooltip>
                    </td>
                  )}
                  {onTriage && (
                    <td>
                      <TriageActions
                        compact
                        lead={l}
                        busy={pending?.has(l.id)}
                        disabledReason={triageDisabledReason}
                        onTriage={(req) => onTriage(l, req)}
                      />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        ))}
      </table>
    </div>
  );
}

/** A stable tag colour per family: its place in the engine's catalog (display order). */
function familyColor(template: string, order: string[]): number {
  const i = order.indexOf(template);
  return (i < 0 ? template.length : i) * 3;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ width: '100%', minWidth: 0 }),
  table: css({
    ...dataTableCss(theme),
    tableLayout: 'fixed',
    'th, td': { ...dataTableCss(theme)['th, td'], padding: theme.spacing(0.75, 1), verticalAlign: 'middle' },
    th: {
      ...dataTableCss(theme).th,
      whiteSpace: 'nowrap',
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      background: theme.colors.background.secondary,
    },
    'tbody tr:hover': { background: theme.colors.action.hover },
  }),
  colCompare: css({ width: 140 }),
  colShare: css({ width: 72 }),
  colImpact: css({ width: 104 }),
  colQ: css({ width: 68 }),
  colCohort: css({ width: 76 }),
  colStatus: css({ width: 124 }),
  colSeen: css({ width: 124 }),
  colTriage: css({ width: 146 }),
  num: css({
    textAlign: 'right !important' as 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  kpiRow: css({
    th: { background: theme.colors.background.canvas, color: theme.colors.text.primary, textAlign: 'left' },
  }),
  strong: css({ fontWeight: theme.typography.fontWeightMedium }),
  sub: css({ color: theme.colors.text.secondary, whiteSpace: 'normal', lineHeight: 1.3 }),
  triageHead: css({ paddingLeft: `${theme.spacing(1)} !important` }),
  titleCell: css({ overflowWrap: 'anywhere' }),
  title: css({
    color: theme.colors.text.link,
    fontWeight: theme.typography.fontWeightMedium,
    '&:hover': { textDecoration: 'underline' },
  }),
  meta: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5, 1),
    marginTop: theme.spacing(0.5),
    color: theme.colors.text.secondary,
  }),
  tag: css({ fontSize: theme.typography.bodySmall.fontSize, padding: theme.spacing(0, 0.75), lineHeight: '18px' }),
  note: css({ color: theme.colors.text.secondary, fontStyle: 'italic', marginTop: theme.spacing(0.5) }),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.primary,
    whiteSpace: 'normal',
    overflowWrap: 'anywhere',
  }),
  badges: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
  seen: css({ display: 'flex', flexDirection: 'column', overflowWrap: 'anywhere' }),
  muted: css({ color: theme.colors.text.secondary }),
  dismissed: css({ opacity: 0.6 }),
});
