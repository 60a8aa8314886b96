/**
 * Leads as a table: title (to the detail page) with its KPI and family under it; the KPI in the cohort vs the rest
 * (with the effect under it), the cohort's share of the KPI's failures, impact with its unit, q, cohort size,
 * status and New/Known, first/last seen, and triage actions per row. Leads are grouped by KPI (impacts of different
 * KPIs do not compare). A fixed layout that fits its card; `compact` (the Investigate page's narrower column) moves
 * status and New/Known under the title and drops the Seen column; so does any table below 1440 px.
 */
import React, { useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Icon, Tag, Tooltip, useStyles2 } from '@grafana/ui';
import type { LeadSort } from '../../services/opportunities';
import { formatCount, formatEffect, formatP, formatShare, formatTime, timeAgo } from '../../services/format';
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
import { useFamilies } from '../../hooks/useFamilies';

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
  /** A checkbox per row and per KPI, and acknowledge/dismiss for the selected rows (needs onTriage). */
  bulk?: boolean;
  /** Sortable headers (impact, q, first seen, last seen): the current sort and how to change it. */
  sort?: { by: LeadSort; onSort: (by: LeadSort) => void };
}

/** The order each sort gives (the engine's): biggest impact, newest first; smallest q first. */
const SORT_DIRECTION: Record<LeadSort, 'descending' | 'ascending'> = {
  impact: 'descending',
  q_value: 'ascending',
  first_seen: 'descending',
  last_seen: 'descending',
};

/** A header cell that sorts the table by its column, saying so with aria-sort. */
function SortableTh({
  by,
  sort,
  className,
  children,
}: {
  by: LeadSort;
  sort?: LeadsTableProps['sort'];
  className?: string;
  children: React.ReactNode;
}) {
  const s = useStyles2(getStyles);
  if (!sort) {
    return <th className={className}>{children}</th>;
  }
  const active = sort.by === by;
  return (
    <th className={className} aria-sort={active ? SORT_DIRECTION[by] : 'none'}>
      <button
        type="button"
        className={cx(s.sortButton, active && s.sortActive)}
        onClick={() => sort.onSort(by)}
        data-testid={testIds.leads.sortBy(by)}
        title={`Sort by ${by.replace('_value', '').replace('_', ' ')} (${SORT_DIRECTION[by] === 'descending' ? 'highest or newest first' : 'lowest first'})`}
      >
        {children}
        <Icon
          name={active ? (SORT_DIRECTION[by] === 'descending' ? 'arrow-down' : 'arrow-up') : 'sort-amount-down'}
          size="xs"
        />
      </button>
    </th>
  );
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
  bulk,
  sort,
}: LeadsTableProps) {
  const s = useStyles2(getStyles);
  const wide = useMediaQuery('(min-width: 1440px)');
  const families = useFamilies();
  const [picked, setPicked] = useState<Set<string>>(new Set());
  if (!leads.length) {
    return (
      <div data-testid={testIds.leads.empty}>
        <Empty message={emptyMessage ?? 'No leads'} />
      </div>
    );
  }
  const { noun, kindOf } = vocabulary;
  const selectable = !!bulk && !!onTriage;
  // Only rows on the table now count (a page change or a filter drops the others).
  const selected = leads.filter((l) => picked.has(l.id));
  const toggle = (ids: string[], on: boolean) =>
    setPicked((prev) => {
      const next = new Set(prev);
      ids.forEach((id) => (on ? next.add(id) : next.delete(id)));
      return next;
    });
  const applyToSelected = (status: 'acknowledged' | 'dismissed') => {
    for (const l of selected) {
      if (l.status !== status) {
        void onTriage?.(l, { status });
      }
    }
    setPicked(new Set());
  };
  // Compact (a page's narrow column) leaves q, the cohort size and Seen to the lead's page, and shows the status
  // under the title; so does a full table below 1440 px (with Grafana's docked menu, 1024 and 1280 too), so the lead keeps room.
  const full = !compact && wide;
  const columns = 4 + (full ? 4 : 0) + (onTriage ? 1 : 0);
  const bulkBar = selectable && (
    <div
      className={s.bulkBar}
      data-testid={testIds.leads.bulkBar}
      role="toolbar"
      aria-label="Triage the selected leads"
    >
      <span className={s.muted}>
        {selected.length ? `${selected.length} selected` : 'Select leads to triage them together'}
      </span>
      <Button
        size="sm"
        variant="secondary"
        icon="eye"
        disabled={!selected.length || !!triageDisabledReason}
        tooltip={triageDisabledReason}
        onClick={() => applyToSelected('acknowledged')}
        data-testid={testIds.leads.bulkAcknowledge}
      >
        Acknowledge selected
      </Button>
      <Button
        size="sm"
        variant="secondary"
        icon="times"
        disabled={!selected.length || !!triageDisabledReason}
        tooltip={triageDisabledReason}
        onClick={() => applyToSelected('dismissed')}
        data-testid={testIds.leads.bulkDismiss}
      >
        Dismiss selected
      </Button>
      {selected.length > 0 && (
        <Button size="sm" variant="secondary" fill="text" onClick={() => setPicked(new Set())}>
          Clear selection
        </Button>
      )}
    </div>
  );
  // A fixed layout: the numeric, status and triage columns get the widths below, the lead (its title wraps) the
  // rest, so the table always fits its card. Compact drops the Seen column and shows the status with the lead.
  return (
    <div className={s.wrap}>
      {bulkBar}
      <table className={s.table} data-testid={testIds.leads.table}>
        <colgroup>
          <col />
          <col className={s.colCompare} />
          <col className={s.colShare} />
          <col className={s.colImpact} />
          {full && <col className={s.colQ} />}
          {full && <col className={s.colCohort} />}
          {full && <col className={s.colSeen} />}
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
            <SortableTh by="impact" sort={sort} className={s.num}>
              <Explained label="Impact" text={EXPLAIN.impact(noun)} />
            </SortableTh>
            {full && (
              <SortableTh by="q_value" sort={sort} className={s.num}>
                <Explained label="q" text={EXPLAIN.q} />
              </SortableTh>
            )}
            {full && (
              <th className={s.num}>
                <Explained label={plural(noun).replace(/^./, (c) => c.toUpperCase())} text={EXPLAIN.cohort(noun)} />
              </th>
            )}
            {full && (
              <SortableTh by="last_seen" sort={sort}>
                Last seen
              </SortableTh>
            )}
            {full && (
              <SortableTh by="first_seen" sort={sort}>
                First seen
              </SortableTh>
            )}
            {onTriage && <th className={s.triageHead}>Triage</th>}
          </tr>
        </thead>
        {groupByKpi(leads, keepOrder).map((g) => (
          <tbody key={g.kpi}>
            <tr className={s.kpiRow}>
              <th colSpan={columns} scope="colgroup">
                {selectable && (
                  <input
                    type="checkbox"
                    className={s.check}
                    aria-label={`Select all leads of ${g.kpi}`}
                    data-testid={testIds.leads.selectKpi(g.kpi)}
                    checked={g.leads.every((l) => picked.has(l.id))}
                    ref={(el) => {
                      if (el) {
                        const n = g.leads.filter((l) => picked.has(l.id)).length;
                        el.indeterminate = n > 0 && n < g.leads.length;
                      }
                    }}
                    onChange={(e) =>
                      toggle(
                        g.leads.map((l) => l.id),
                        e.currentTarget.checked
                      )
                    }
                  />
                )}
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
                    {selectable && (
                      <input
                        type="checkbox"
                        className={s.check}
                        aria-label={`Select: ${withNoun(l.title, noun)}`}
                        data-testid={testIds.leads.select}
                        checked={picked.has(l.id)}
                        onChange={(e) => toggle([l.id], e.currentTarget.checked)}
                      />
                    )}
                    {/* A plain link: Grafana routes in-app hrefs itself, so this also works outside the app (the panel). */}
                    <a href={leadUrl(l.id, runId)} className={s.title} data-testid={testIds.leads.title}>
                      {withNoun(l.title, noun)}
                    </a>
                    <div className={s.meta}>
                      <Tag
                        name={families.label(l.template)}
                        colorIndex={familyColor(l.template, families.order)}
                        className={s.tag}
                        title={`Family: ${l.template}`}
                      />
                      {/* Status and New/Known under the title: the columns go to the numbers. */}
                      <span className={s.badges}>
                        <StatusBadge status={l.status} />
                        <NewKnownBadge lead={l} />
                      </span>
                      {!full && (
                        <span
                          className={s.muted}
                          title={`First seen ${formatTime(l.first_seen)}, last seen ${formatTime(l.last_seen)}`}
                        >
                          {l.runs_seen} {l.runs_seen === 1 ? 'run' : 'runs'}
                        </span>
                      )}
                    </div>
                    {l.note && <div className={s.note}>“{l.note}”</div>}
                  </td>
                  <td className={s.num} data-testid={testIds.leads.compare}>
                    <div className={s.strong}>{cmp ? cmp.values : '–'}</div>
                    {/* Native titles in rows: a Tooltip would add a tab stop per cell. */}
                    <div className={s.sub} title={`${effectWords(l.effect.measure)} (${l.effect.measure})`}>
                      {cmp ? `${cmp.label} · ` : ''}
                      {formatEffect(l.effect)}
                    </div>
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
                      <div className={s.seen} title={`Last seen ${formatTime(l.last_seen)}`}>
                        <span>{timeAgo(l.last_seen)}</span>
                        <span className={s.muted}>
                          {l.runs_seen} {l.runs_seen === 1 ? 'run' : 'runs'}
                        </span>
                      </div>
                    </td>
                  )}
                  {full && (
                    <td>
                      <span title={`First seen ${formatTime(l.first_seen)}`}>{timeAgo(l.first_seen)}</span>
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
  colSeen: css({ width: 96 }),
  colTriage: css({ width: 200 }),
  sortButton: css({
    all: 'unset',
    cursor: 'pointer',
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  sortActive: css({ color: theme.colors.text.primary }),
  check: css({ marginRight: theme.spacing(1), verticalAlign: 'middle', cursor: 'pointer' }),
  bulkBar: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  }),
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
