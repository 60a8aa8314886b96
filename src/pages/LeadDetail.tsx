/**
 * One lead: what it says, its numbers with their uncertainty, stability and trend, the cohort vs the rest over
 * time, example groups, the SQL (copy, or open in Explore on the ClickHouse data source), history and triage.
 * `?run=<id>` shows the evidence as of that run.
 */
import React, { useCallback, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { type GrafanaTheme2, usePluginContext } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, ClipboardButton, LinkButton, Stack, Tag, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { LeadChart } from '../components/LeadChart/LeadChart';
import { NewKnownBadge, StatusBadge } from '../components/LeadsTable/LeadBadges';
import { ErrorState, Loading } from '../components/States/States';
import { testIds } from '../components/testIds';
import { TriageActions } from '../components/TriageActions/TriageActions';
import { ROUTES } from '../constants';
import { useAsync } from '../hooks/useAsync';
import { useFamilies } from '../hooks/useFamilies';
import { useLeadTriage } from '../hooks/useLeadTriage';
import { engine } from '../services/engine';
import { editBlockedReason } from '../services/roles';
import { useOrgRole } from '../hooks/useOrgRole';
import { cohortVsRestSql, exploreUrl, leadRange } from '../services/explore';
import { cohortCounts } from '../services/cohortCounts';
import { CohortBar } from '../components/LeadChart/CohortBar';
import {
  compare,
  effectWords,
  EXPLAIN,
  impactText,
  kpiKindOf,
  kpiUnit,
  plural,
  vocabularyOf,
  withNoun,
} from '../services/leadStatement';
import { groupEventsSql, refinementSentence, relatedSentence, topN } from '../services/leadNextSteps';
import {
  formatCount,
  formatEffect,
  formatEffectCi,
  formatImpact,
  formatKpiValue,
  formatP,
  formatShare,
  formatTime,
  timeAgo,
} from '../services/format';
import type * as api from '../types/api';
import type { AppJsonData } from '../types/settings';
import { leadUrl, prefixRoute } from '../utils/utils.routing';
import { cardCss, dataTableCss } from '../components/styles';

export interface LeadDetailProps {
  /** uid of the ClickHouse data source for "Open in Explore"; default: the app's jsonData.clickhouseDatasourceUid. */
  clickhouseDatasourceUid?: string;
}

function LeadDetail({ clickhouseDatasourceUid }: LeadDetailProps) {
  const s = useStyles2(getStyles);
  const { id = '' } = useParams();
  const [searchParams] = useSearchParams();
  const run = searchParams.get('run') ?? undefined;
  const ctx = usePluginContext<AppJsonData>();
  const dsUid = clickhouseDatasourceUid ?? ctx?.meta?.jsonData?.clickhouseDatasourceUid;

  const lead = useAsync(() => engine.lead(id, run), [id, run]);
  const kpis = useAsync(() => engine.kpis(), []);
  const dataset = useAsync(() => engine.dataset(), []);
  const families = useFamilies();
  const template = lead.value?.template;
  // Non-local leads: the context metric their cohort overlapped, drawn over the chart (a failure here leaves it out).
  const context = useAsync(
    () => (template === 'nonlocal' ? engine.leadContext(id, run).catch(() => undefined) : Promise.resolve(undefined)),
    [id, run, template]
  );
  const triageBlocked = editBlockedReason(useOrgRole().role);
  const [allRefinements, setAllRefinements] = useState(false);
  const [allRelated, setAllRelated] = useState(false);
  const setLead = lead.setValue;
  const update = useCallback(
    (_id: string, fn: (l: api.LeadDetail) => api.LeadDetail) => setLead((l) => (l ? fn(l) : l)),
    [setLead]
  );
  const { triage, error: triageError, clearError, pending } = useLeadTriage<api.LeadDetail>(update);

  const back = (
    <LinkButton variant="secondary" fill="text" icon="arrow-left" href={prefixRoute(ROUTES.Opportunities)}>
      All opportunities
    </LinkButton>
  );

  if (lead.loading && !lead.value) {
    return (
      <PluginPage pageNav={{ text: 'Opportunity' }}>
        <Loading text="Loading the lead…" />
      </PluginPage>
    );
  }
  if (lead.error || !lead.value) {
    return (
      <PluginPage pageNav={{ text: 'Opportunity' }} actions={back}>
        <ErrorState
          title={`Could not load opportunity ${id}`}
          error={lead.error ?? 'not found'}
          onRetry={lead.reload}
        />
      </PluginPage>
    );
  }

  const l = lead.value;
  const o = l.opportunity;
  const kpi = kpis.value?.find((k) => k.name === l.kpi);
  const series = l.evidence.series ?? o.series ?? null;
  // Without the KPI list, a series whose values are all within [0, 1] is read as a rate.
  const kind =
    kpi?.kind ??
    (series && [...series.cohort, ...series.rest].every((p) => p.value === null || (p.value >= 0 && p.value <= 1))
      ? 'failure_events'
      : 'numeric');
  const halves = o.stability?.halves ?? l.evidence.halves ?? [];
  const trend = o.trend;
  const sql = l.evidence.sql || o.sql;
  const range = leadRange(series, l.last_seen);
  const explore = dsUid && sql ? exploreUrl({ datasourceUid: dsUid, sql, from: range.from, to: range.to }) : undefined;
  // The short query: the KPI per time bucket, cohort vs rest, from the same SQL.
  const trendSql = sql ? cohortVsRestSql(sql) : undefined;
  const exploreTrend =
    dsUid && trendSql
      ? exploreUrl({ datasourceUid: dsUid, sql: trendSql, from: range.from, to: range.to, as: 'timeseries' })
      : undefined;
  const kv = (v: number | null | undefined) => formatKpiValue(kind, v ?? null);
  const { noun } = vocabularyOf(kpis.value, dataset.value?.events.group);
  const statement = compare({ kpi: l.kpi, kpi_cohort: o.kpi_cohort, kpi_rest: o.kpi_rest }, kpiKindOf(kind));
  const impact = impactText({ kpi: l.kpi, impact: o.impact ?? l.impact }, kpiKindOf(kind), noun);
  const refinements = topN(o.refinements ?? [], 3, allRefinements);
  const counts = cohortCounts(
    { cohort_size: o.cohort_size ?? l.cohort_size, kpi_cohort: o.kpi_cohort, kpi_rest: o.kpi_rest },
    series,
    kind !== 'numeric'
  );
  const related = topN(o.related ?? [], 3, allRelated);
  // Each example group opens Explore on its own events (when the events are a table the data source can read).
  const groupExplore = (id: string) => {
    const q = dataset.value && dsUid ? groupEventsSql(dataset.value.events, id) : undefined;
    return q ? exploreUrl({ datasourceUid: dsUid!, sql: q, from: range.from, to: range.to }) : undefined;
  };

  return (
    <PluginPage
      pageNav={{ text: withNoun(l.title, noun) }}
      actions={back}
      subTitle={
        <Stack gap={1} alignItems="center" wrap="wrap">
          <code>{l.kpi}</code>
          <Tag name={families.label(l.template)} title={`Family: ${l.template}`} />
          <StatusBadge status={l.status} />
          <NewKnownBadge lead={l} />
          {run && <Badge color="blue" text={`Evidence as of run ${run}`} />}
        </Stack>
      }
    >
      <div className={s.page} data-testid={testIds.lead.container}>
        <p className={s.statement} data-testid={testIds.lead.statement}>
          {withNoun(l.statement || o.statement, noun)}
        </p>

        <section className={s.card} aria-label="Triage">
          <Stack justifyContent="space-between" alignItems="flex-start" wrap="wrap">
            <TriageActions
              lead={l}
              busy={pending.has(l.id)}
              disabledReason={triageBlocked}
              onTriage={(req) => triage(l, req)}
            />
            <Text color="secondary" variant="bodySmall">
              {l.triaged_at ? `Triaged by ${l.triaged_by} ${timeAgo(l.triaged_at)}` : 'Not triaged yet'}
            </Text>
          </Stack>
          {triageError ? (
            <ErrorState title="Triage failed; the change was undone" error={triageError} onRetry={clearError} />
          ) : null}
        </section>

        <section className={s.stats} data-testid={testIds.lead.stats} aria-label="Statistics">
          <Stat
            label={statement ? `${statement.label}: cohort vs rest` : `${l.kpi}: cohort vs rest`}
            hint={EXPLAIN.compare(noun)}
            value={statement ? statement.values : `${kv(o.kpi_cohort)} vs ${kv(o.kpi_rest)}`}
          />
          <Stat
            label="Effect, 95% CI"
            hint={`${EXPLAIN.effect} Measured as: ${effectWords(o.effect?.measure ?? l.effect.measure)}.`}
            value={o.effect ? formatEffectCi(o) : formatEffect(l.effect)}
          />
          <Stat label={`Impact (${impact.unit})`} hint={EXPLAIN.impact(noun)} value={impact.value} />
          <Stat
            label={`Cohort size (${plural(noun)})`}
            hint={EXPLAIN.cohort(noun)}
            value={formatCount(o.cohort_size ?? l.cohort_size)}
          />
          {typeof o.coverage === 'number' ? (
            <Stat
              label="Coverage"
              hint={`Share of ${l.kpi}'s failed ${plural(noun)} in this cohort (numeric KPIs: share of the KPI's total that is excess here), and the share in none of the leads ranked above it`}
              value={`${formatShare(o.coverage)} of ${kind === 'numeric' ? 'its total, as excess' : `failed ${plural(noun)}`}; ${formatShare(o.incremental_coverage ?? 0)} not in leads above`}
              small
            />
          ) : null}
          <Stat label="p" value={formatP(o.p_value ?? l.p_value)} />
          <Stat label="q (FDR)" value={formatP(o.q_value ?? l.q_value)} />
          <Stat label="Test" value={o.test ?? '–'} small />
          <Stat label="Inference" value={o.inference ?? '–'} small />
          <Stat
            label="Seen"
            value={`${l.runs_seen} ${l.runs_seen === 1 ? 'run' : 'runs'}, since ${timeAgo(l.first_seen)}`}
            small
          />
        </section>

        {o.confounder_hints?.length ? (
          <Alert severity="warning" title="Possible confounders">
            Over-represented in this cohort:{' '}
            {o.confounder_hints
              .map((c) => `${c.attribute} = ${c.value} (${(c.share_in_cohort * 100).toFixed(1)}% vs ${(c.share_elsewhere * 100).toFixed(1)}%)`)
              .join(', ')}
            . Check whether that explains it.
          </Alert>
        ) : null}

        <section className={s.card} aria-label="Cohort vs rest">
          <Text element="h3" variant="h5">
            {l.kpi}: cohort vs rest
          </Text>
          {counts && <CohortBar counts={counts} noun={noun} unit={kind === 'numeric' ? kpiUnit(l.kpi) : ''} />}
          <Text color="secondary" variant="bodySmall">
            Over time
          </Text>
          {series ? (
            <LeadChart series={series} kind={kind} kpiName={l.kpi} noun={noun} context={context.value} />
          ) : (
            <Text color="secondary" data-testid={testIds.lead.chart}>
              This lead has no time series (the engine keeps one per lead found with buckets).
            </Text>
          )}
        </section>

        <div className={s.twoCols}>
          <section className={s.card} data-testid={testIds.lead.stability} aria-label="Stability">
            <Stack alignItems="center" gap={1}>
              <Text element="h3" variant="h5">
                Stability
              </Text>
              <Badge
                color={(o.stable ?? l.stable) ? 'green' : 'orange'}
                text={(o.stable ?? l.stable) ? 'Stable' : 'Not stable'}
                tooltip="Stable: the cohort is worse than the rest in both halves of the window (one-sided p < 0.05 in each)"
              />
            </Stack>
            {halves.length ? (
              <table className={s.table}>
                <thead>
                  <tr>
                    <th>Half</th>
                    <th className={s.num}>Cohort {plural(noun)}</th>
                    <th className={s.num}>Cohort</th>
                    <th className={s.num}>Rest</th>
                    <th className={s.num}>p</th>
                    <th>Holds</th>
                  </tr>
                </thead>
                <tbody>
                  {halves.map((h, i) => (
                    <tr key={i}>
                      <td>
                        {formatTime(h.from, 'date')} – {formatTime(h.to, 'date')}
                      </td>
                      <td className={s.num}>{formatCount(h.cohort_groups)}</td>
                      <td className={s.num}>{kv(h.kpi_cohort)}</td>
                      <td className={s.num}>{kv(h.kpi_rest)}</td>
                      <td className={s.num}>{h.p === null ? '–' : formatP(h.p)}</td>
                      <td>{h.holds ? '✓' : '✗'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Text color="secondary">No per-half breakdown for this lead.</Text>
            )}
            {trend && (
              <div className={s.trend}>
                <Text element="h4" variant="h6">
                  Trend
                </Text>
                <dl className={s.dl}>
                  {trend.onset ? (
                    <>
                      <dt>Getting worse since</dt>
                      <dd>{formatTime(trend.onset, 'date')}</dd>
                    </>
                  ) : null}
                  {typeof trend.slope_per_day === 'number' ? (
                    <>
                      <dt>Slope</dt>
                      <dd>
                        {trend.slope_per_day.toPrecision(3)} {trend.unit ?? 'per day'}
                      </dd>
                    </>
                  ) : null}
                  {trend.change_point ? (
                    <>
                      <dt>Change point</dt>
                      <dd>{formatTime(trend.change_point)}</dd>
                    </>
                  ) : null}
                  {typeof trend.trend_p === 'number' ? (
                    <>
                      <dt>Trend p</dt>
                      <dd>{formatP(trend.trend_p)}</dd>
                    </>
                  ) : null}
                </dl>
              </div>
            )}
          </section>

          <section className={s.card} data-testid={testIds.lead.examples} aria-label={`Example ${plural(noun)}`}>
            <Text element="h3" variant="h5">
              Example {plural(noun)} <Text color="secondary">({l.evidence.group_column})</Text>
            </Text>
            {l.evidence.example_error && (
              <Alert severity="warning" title={`Could not list example ${plural(noun)}`}>
                {l.evidence.example_error}
              </Alert>
            )}
            {l.evidence.example_groups.length ? (
              <>
                <div className={s.chips}>
                  {l.evidence.example_groups.map((g) => {
                    const href = groupExplore(g);
                    return href ? (
                      <a
                        key={g}
                        className={s.chip}
                        href={href}
                        target="_blank"
                        rel="noreferrer"
                        title={`Open ${noun} ${g}'s events in Explore`}
                        data-testid={testIds.lead.exampleLink}
                      >
                        <code>{g}</code>
                      </a>
                    ) : (
                      <code key={g} className={s.chip}>
                        {g}
                      </code>
                    );
                  })}
                </div>
                <div>
                  <ClipboardButton
                    size="sm"
                    variant="secondary"
                    icon="copy"
                    getText={() => l.evidence.example_groups.join('\n')}
                  >
                    Copy ids
                  </ClipboardButton>
                </div>
              </>
            ) : (
              !l.evidence.example_error && <Text color="secondary">No example {plural(noun)} recorded.</Text>
            )}
          </section>
        </div>

        {o.refinements?.length ? (
          <section className={s.card} data-testid={testIds.lead.refinements} aria-label="Refinements">
            <Text element="h3" variant="h5">
              Refinements: narrower cohorts inside this one that fail more
            </Text>
            <ul className={s.related}>
              {refinements.shown.map((r) => (
                <li key={r.key}>{refinementSentence(r, l.kpi, kpiKindOf(kind), noun)}</li>
              ))}
            </ul>
            <MoreToggle more={refinements.more} all={allRefinements} onToggle={() => setAllRefinements((a) => !a)} />
          </section>
        ) : null}

        <section className={s.card} data-testid={testIds.lead.related} aria-label="Related hypotheses">
          <Text element="h3" variant="h5">
            Related hypotheses
          </Text>
          {o.related?.length ? (
            <>
              <Text color="secondary" variant="bodySmall">
                Narrower or broader versions of this cohort on the same KPI that the analysis folded into this lead as
                redundant (they say the same thing); they are not separate leads.
              </Text>
              <ul className={s.related}>
                {related.shown.map((r) => (
                  <li key={r} title={r}>
                    {relatedSentence(r)}
                  </li>
                ))}
              </ul>
              <MoreToggle more={related.more} all={allRelated} onToggle={() => setAllRelated((a) => !a)} />
            </>
          ) : (
            <Text color="secondary">None: no redundant refinement of this cohort was folded into it.</Text>
          )}
        </section>

        <section className={s.card} aria-label="SQL">
          <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
            <Text element="h3" variant="h5">
              The cohort’s {plural(noun)} in SQL
            </Text>
            <Stack gap={1}>
              <ClipboardButton size="sm" variant="secondary" icon="copy" getText={() => sql}>
                Copy SQL
              </ClipboardButton>
              {explore ? (
                <>
                  {exploreTrend && (
                    <LinkButton
                      size="sm"
                      variant="secondary"
                      icon="chart-line"
                      href={exploreTrend}
                      target="_blank"
                      tooltip="A short query: the KPI per time bucket for the cohort and for the rest, as two series"
                      data-testid={testIds.lead.exploreTrend}
                    >
                      Cohort vs rest over time in Explore
                    </LinkButton>
                  )}
                  <LinkButton size="sm" icon="compass" href={explore} target="_blank" data-testid={testIds.lead.explore}>
                    Open in Explore
                  </LinkButton>
                </>
              ) : (
                <Tooltip content="Set the ClickHouse data source on the app's configuration page (Administration → Plugins → Surfacer) to open this query in Explore.">
                  <span>
                    <LinkButton size="sm" icon="compass" disabled data-testid={testIds.lead.explore}>
                      Open in Explore
                    </LinkButton>
                  </span>
                </Tooltip>
              )}
            </Stack>
          </Stack>
          <pre className={s.sql} data-testid={testIds.lead.sql}>
            {sql || '–'}
          </pre>
        </section>

        <div className={s.twoCols}>
          <section className={s.card} data-testid={testIds.lead.history} aria-label="History">
            <Text element="h3" variant="h5">
              Runs that found it
            </Text>
            {l.history.length ? (
              <table className={s.table}>
                <thead>
                  <tr>
                    <th>Run</th>
                    <th>Seen</th>
                    <th className={s.num}>Rank</th>
                    <th className={s.num}>Impact</th>
                    <th className={s.num}>Effect</th>
                    <th className={s.num}>q</th>
                    <th className={s.num}>Cohort</th>
                  </tr>
                </thead>
                <tbody>
                  {l.history.map((h) => (
                    <tr key={h.run_id}>
                      <td>
                        <a href={leadUrl(l.id, h.run_id)} className={s.link}>
                          <code>{h.run_id.slice(0, 12)}</code>
                        </a>{' '}
                        {h.is_new && <Badge color="purple" text="first" />}
                        {h.run_id === l.evidence.run_id && <Badge color="blue" text="shown" />}
                      </td>
                      <td>
                        <Tooltip content={formatTime(h.seen_at)}>
                          <span>{timeAgo(h.seen_at)}</span>
                        </Tooltip>
                      </td>
                      <td className={s.num}>{h.rank}</td>
                      <td className={s.num}>{formatImpact(h.impact)}</td>
                      <td className={s.num}>{formatEffect({ measure: l.effect.measure, value: h.effect })}</td>
                      <td className={s.num}>{formatP(h.q_value)}</td>
                      <td className={s.num}>{formatCount(h.cohort_size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Text color="secondary">No run history.</Text>
            )}
          </section>

          <section className={s.card} aria-label="Triage log">
            <Text element="h3" variant="h5">
              Triage log
            </Text>
            {l.triage.length ? (
              <ul className={s.log}>
                {l.triage.map((t, i) => (
                  <li key={`${t.at}-${i}`}>
                    <Stack gap={1} alignItems="center" wrap="wrap">
                      <Tooltip content={formatTime(t.at)}>
                        <Text color="secondary" variant="bodySmall">
                          {timeAgo(t.at)}
                        </Text>
                      </Tooltip>
                      <strong>{t.by}</strong>
                      {t.status !== t.previous_status ? (
                        <span>
                          {t.previous_status} → <StatusBadge status={t.status} />
                        </span>
                      ) : null}
                    </Stack>
                    {t.note && <div className={s.logNote}>“{t.note}”</div>}
                  </li>
                ))}
              </ul>
            ) : (
              <Text color="secondary">Nobody has triaged this lead yet.</Text>
            )}
          </section>
        </div>
        {series && kpi === undefined && kpis.error ? (
          <Text color="secondary" variant="bodySmall">
            (The KPI list could not be loaded; the chart guessed from its values whether the KPI is a rate.)
          </Text>
        ) : null}
      </div>
    </PluginPage>
  );
}

/** "+N more" under a top-3 list, or "Show the top 3" once it shows everything. */
function MoreToggle({ more, all, onToggle }: { more: number; all: boolean; onToggle: () => void }) {
  if (!more && !all) {
    return null;
  }
  return (
    <div>
      <Button size="sm" variant="secondary" fill="text" onClick={onToggle}>
        {all ? 'Show the top 3' : `+${more} more`}
      </Button>
    </div>
  );
}

function Stat({
  label,
  value,
  hint,
  small,
}: {
  label: string;
  value: React.ReactNode;
  hint?: string;
  small?: boolean;
}) {
  const s = useStyles2(getStyles);
  const body = (
    <div className={s.stat}>
      <div className={s.statLabel}>{label}</div>
      <div className={small ? s.statSmall : s.statValue}>{value}</div>
    </div>
  );
  return hint ? (
    <Tooltip content={hint}>
      <div>{body}</div>
    </Tooltip>
  ) : (
    body
  );
}

export default LeadDetail;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  statement: css({ fontSize: theme.typography.h5.fontSize, lineHeight: 1.5, margin: 0, maxWidth: 1100 }),
  card: css({ ...cardCss(theme), minWidth: 0 }),
  stats: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: theme.spacing(1) }),
  stat: css({
    padding: theme.spacing(1.5),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    height: '100%',
  }),
  statLabel: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  statValue: css({ fontSize: theme.typography.h4.fontSize, fontVariantNumeric: 'tabular-nums' }),
  statSmall: css({ fontSize: theme.typography.body.fontSize }),
  twoCols: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))',
    gap: theme.spacing(2),
  }),
  table: css(dataTableCss(theme)),
  num: css({ textAlign: 'right !important' as 'right', fontVariantNumeric: 'tabular-nums' }),
  trend: css({ marginTop: theme.spacing(1) }),
  dl: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: theme.spacing(0.5, 2),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
  chips: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
  chip: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    padding: theme.spacing(0.25, 0.75),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
  }),
  related: css({ margin: 0, paddingLeft: theme.spacing(2) }),
  sql: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5),
    margin: 0,
    maxHeight: 320,
    overflowY: 'auto',
    overflowX: 'hidden',
    // The engine's SQL can be one long line: wrap it, keep its own line breaks.
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    overflowWrap: 'anywhere',
  }),
  link: css({ color: theme.colors.text.link }),
  log: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    li: { padding: theme.spacing(0.5, 0), borderBottom: `1px solid ${theme.colors.border.weak}` },
  }),
  logNote: css({ fontStyle: 'italic', color: theme.colors.text.secondary }),
});
