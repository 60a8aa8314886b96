/**
 * Leads as a table: title (to the detail page) with its KPI and family under it, impact, effect, q, cohort size,
 * status and New/Known, first/last seen, and triage actions per row. A fixed layout that fits its card; `compact`
 * (the Investigate page's narrower column) moves status and New/Known under the title and drops the Seen column.
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, Tag, Tooltip, useStyles2 } from '@grafana/ui';
import { formatCount, formatEffect, formatImpact, formatP, timeAgo } from '../../services/format';
import type { Lead, TriageRequest } from '../../types/api';
import { leadUrl } from '../../utils/utils.routing';
import { Empty } from '../States/States';
import { testIds } from '../testIds';
import { TriageActions } from '../TriageActions/TriageActions';
import { NewKnownBadge, StatusBadge } from './LeadBadges';
import { dataTableCss } from '../styles';

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
}

export function LeadsTable({ leads, onTriage, runId, pending, emptyMessage, compact }: LeadsTableProps) {
  const s = useStyles2(getStyles);
  if (!leads.length) {
    return (
      <div data-testid={testIds.leads.empty}>
        <Empty message={emptyMessage ?? 'No leads'} />
      </div>
    );
  }
  // A fixed layout: the numeric, status and triage columns get the widths below, the lead (its title wraps) the
  // rest, so the table always fits its card. Compact drops the Seen column and shows the status with the lead.
  return (
    <div className={s.wrap}>
      <table className={s.table} data-testid={testIds.leads.table}>
        <colgroup>
          <col />
          <col className={s.colImpact} />
          <col className={s.colEffect} />
          <col className={s.colQ} />
          <col className={s.colCohort} />
          {!compact && <col className={s.colStatus} />}
          {!compact && <col className={s.colSeen} />}
          {onTriage && <col className={s.colTriage} />}
        </colgroup>
        <thead>
          <tr>
            <th>Lead</th>
            <th className={s.num}>
              <Tooltip content="Excess failures (or excess KPI total) in the cohort against the rest">
                <span>
                  Impact <Icon name="info-circle" size="sm" />
                </span>
              </Tooltip>
            </th>
            <th className={s.num}>Effect</th>
            <th className={s.num}>
              <Tooltip content="q-value: the false discovery rate at which this lead is significant">
                <span>q</span>
              </Tooltip>
            </th>
            <th className={s.num}>Cohort</th>
            {!compact && <th>Status</th>}
            {!compact && <th>Seen</th>}
            {onTriage && <th className={s.triageHead}>Triage</th>}
          </tr>
        </thead>
        <tbody>
          {leads.map((l) => (
            <tr
              key={l.id}
              data-testid={testIds.leads.row(l.id)}
              className={cx(l.status === 'dismissed' && s.dismissed)}
            >
              <td className={s.titleCell}>
                {/* A plain link: Grafana routes in-app hrefs itself, so this also works outside the app (the panel). */}
                <a href={leadUrl(l.id, runId)} className={s.title} data-testid={testIds.leads.title}>
                  {l.title}
                </a>
                <div className={s.meta}>
                  <code className={s.code} title="KPI">
                    {l.kpi}
                  </code>
                  <Tag name={l.template} colorIndex={familyColor(l.template)} className={s.tag} />
                  {compact && <StatusBadge status={l.status} />}
                  {compact && <NewKnownBadge lead={l} />}
                  {compact && (
                    <Tooltip content={`First seen ${l.first_seen}, last seen ${l.last_seen}`}>
                      <span className={s.muted}>
                        {l.runs_seen} {l.runs_seen === 1 ? 'run' : 'runs'}
                      </span>
                    </Tooltip>
                  )}
                </div>
                {l.note && <div className={s.note}>“{l.note}”</div>}
              </td>
              <td className={s.num} data-testid={testIds.leads.impact}>
                {formatImpact(l.impact)}
              </td>
              <td className={s.num}>{formatEffect(l.effect)}</td>
              <td className={s.num}>{formatP(l.q_value)}</td>
              <td className={s.num}>{formatCount(l.cohort_size)}</td>
              {!compact && (
                <td>
                  <div className={s.badges}>
                    <StatusBadge status={l.status} />
                    <NewKnownBadge lead={l} />
                  </div>
                </td>
              )}
              {!compact && (
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
                  <TriageActions compact lead={l} busy={pending?.has(l.id)} onTriage={(req) => onTriage(l, req)} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FAMILY_ORDER = ['ngram', 'ordered_pattern', 'absence', 'lifecycle', 'indirect', 'static', 'stateful', 'nonlocal'];
/** A stable tag colour per family. */
function familyColor(template: string): number {
  const i = FAMILY_ORDER.indexOf(template);
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
  colImpact: css({ width: 84 }),
  colEffect: css({ width: 72 }),
  colQ: css({ width: 72 }),
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
