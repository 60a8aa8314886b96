/**
 * The dashboard panel: the top leads for a KPI by impact, each linking to its detail page, and a prompt box that starts
 * an investigation over the dashboard's time range and opens it on the Investigate page.
 */
import React, { FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import { locationUtil, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { Alert, Badge, Button, Input, LoadingPlaceholder, Tooltip, useStyles2 } from '@grafana/ui';
import { engine, EngineError, toEngineError } from '../../services/engine';
import { formatCount, formatEffect, isNew } from '../../services/format';
import { compare, EXPLAIN, impactText, type LeadVocabulary, withNoun } from '../../services/leadStatement';
import { useLeadVocabulary } from '../../hooks/useLeadVocabulary';
import type { Lead } from '../../types/api';
import { leadUrl } from '../../utils/utils.routing';
import { testIds } from '../../components/testIds';
import {
  CONFIG_PAGE_URL,
  OPPORTUNITIES_URL,
  PROMPT_MIN_HEIGHT,
  cleanStatuses,
  investigateRunUrl,
  isConnectionProblem,
  leadLabel,
  leadQuery,
  runRequest,
} from './logic';
import type { PanelOptions } from './types';

type Props = PanelProps<PanelOptions>;

interface LeadsResult {
  /** The request these results answer; while it isn't the current one, a fetch is in flight. */
  request?: object;
  leads?: Lead[];
  total?: number;
  error?: EngineError;
}

/**
 * The panel's leads, refetched when the options change, on `refreshKey` (the dashboard's time range object, new on
 * every refresh and time range change) and on retry. Previous leads stay on screen while a refresh is in flight.
 */
function useLeads(options: PanelOptions, refreshKey: unknown) {
  const [result, setResult] = useState<LeadsResult>({});
  const [retries, setRetries] = useState(0);
  const { kpi, statuses, maxLeads } = options;
  const statusKey = cleanStatuses(statuses).join(',');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const request = useMemo(() => ({ kpi, statusKey, maxLeads }), [kpi, statusKey, maxLeads, refreshKey, retries]);

  useEffect(() => {
    let cancelled = false;
    engine
      .leads(
        leadQuery({
          kpi: request.kpi,
          statuses: cleanStatuses(request.statusKey.split(',')),
          maxLeads: request.maxLeads,
        })
      )
      .then((page) => !cancelled && setResult({ request, leads: page.items, total: page.total }))
      .catch((e) => !cancelled && setResult({ request, error: toEngineError(e, 'Opportunities') }));
    return () => {
      cancelled = true;
    };
  }, [request]);

  const retry = useCallback(() => setRetries((n) => n + 1), []);
  const loading = result.request !== request;
  // A new error replaces old leads; a new fetch keeps them (dimmed) until it settles.
  return { leads: result.leads, total: result.total, error: loading ? undefined : result.error, loading, retry };
}

export function OpportunitiesPanel({ options, width, height, timeRange }: Props) {
  const s = useStyles2(getStyles);
  // The time range object changes on every dashboard refresh and time range change: refetch then.
  const { leads, total, error, loading, retry } = useLeads(options, timeRange);
  const kpi = options.kpi?.trim();
  const vocabulary = useLeadVocabulary();

  return (
    <div className={s.container} style={{ width, height }} data-testid={testIds.panel.container}>
      <div className={s.header}>
        <span className={s.heading}>
          Top opportunities · <strong>{kpi || 'all KPIs'}</strong>
        </span>
        {total !== undefined && total > 0 && (
          <a className={s.viewAll} href={locationUtil.assureBaseUrl(OPPORTUNITIES_URL)}>
            View all ({formatCount(total)})
          </a>
        )}
      </div>

      <div className={s.body}>
        {error ? (
          <PanelError error={error} onRetry={retry} />
        ) : (loading && !leads) || !vocabulary.ready ? (
          <LoadingPlaceholder text="Loading opportunities…" />
        ) : leads && leads.length === 0 ? (
          <div className={s.empty} data-testid={testIds.panel.empty}>
            <div>
              {kpi ? (
                <>
                  No opportunities for <strong>{kpi}</strong> with these statuses.
                </>
              ) : (
                'No opportunities with these statuses yet.'
              )}
            </div>
            <div className={s.muted}>
              {options.showPrompt
                ? 'Start an investigation below to look for some.'
                : 'Run an investigation on the Surfacer app to look for some.'}
            </div>
          </div>
        ) : (
          <ul className={cx(s.list, loading && s.refreshing)} aria-busy={loading}>
            {(leads ?? []).map((lead) => (
              <LeadRow key={lead.id} lead={lead} kpi={kpi} vocabulary={vocabulary} />
            ))}
          </ul>
        )}
      </div>

      {options.showPrompt && height >= PROMPT_MIN_HEIGHT && <PromptBox options={options} timeRange={timeRange} />}
    </div>
  );
}

function LeadRow({ lead, kpi, vocabulary }: { lead: Lead; kpi?: string; vocabulary: LeadVocabulary }) {
  const s = useStyles2(getStyles);
  const { noun, kindOf } = vocabulary;
  const kind = kindOf(lead.kpi);
  const cmp = compare(lead, kind);
  const impact = impactText(lead, kind, noun);
  return (
    <li className={s.row} data-testid={testIds.panel.lead(lead.id)}>
      <a className={s.link} href={locationUtil.assureBaseUrl(leadUrl(lead.id))} title={withNoun(lead.title, noun)}>
        <span className={s.title}>
          {leadLabel(withNoun(lead.title, noun), kpi)}
          {!kpi && <span className={s.muted}> · {lead.kpi}</span>}
        </span>
        <span className={s.meta}>
          {isNew(lead) && (
            <span data-testid={testIds.panel.newBadge}>
              <Badge text="New" color="blue" />
            </span>
          )}
          <Tooltip content={cmp ? EXPLAIN.compare(noun) : `Effect (${lead.effect.measure})`}>
            <span className={s.effect} data-testid={testIds.panel.effect}>
              {cmp ? `${cmp.label} ${cmp.values}` : `effect ${formatEffect(lead.effect)}`}
            </span>
          </Tooltip>
          <Tooltip content={EXPLAIN.impact(noun)}>
            <span className={s.impact} data-testid={testIds.panel.impact}>
              {impact.value} {impact.unit}
            </span>
          </Tooltip>
        </span>
      </a>
    </li>
  );
}

function PanelError({ error, onRetry }: { error: EngineError; onRetry: () => void }) {
  const s = useStyles2(getStyles);
  const connection = isConnectionProblem(error.status);
  return (
    <div data-testid={testIds.panel.error} className={s.error}>
      <Alert
        severity="error"
        title={connection ? 'Surfacer can’t reach its engine' : 'Couldn’t load opportunities'}
        action={
          <Button size="sm" variant="secondary" icon="sync" onClick={onRetry}>
            Retry
          </Button>
        }
      >
        <div>{error.message}</div>
        {connection && (
          <div>
            Check the engine URL and token on the{' '}
            <a className={s.inlineLink} href={locationUtil.assureBaseUrl(CONFIG_PAGE_URL)}>
              Surfacer app configuration page
            </a>
            , then use Test connection.
          </div>
        )}
      </Alert>
    </div>
  );
}

function PromptBox({ options, timeRange }: Pick<Props, 'options' | 'timeRange'>) {
  const s = useStyles2(getStyles);
  const [prompt, setPrompt] = useState('');
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<EngineError>();
  const kpi = options.kpi?.trim();

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (starting) {
      return;
    }
    setStarting(true);
    setError(undefined);
    try {
      const run = await engine.startRun(runRequest(prompt, options, timeRange));
      locationService.push(investigateRunUrl(run.id));
    } catch (err) {
      setError(toEngineError(err, 'Start investigation'));
      setStarting(false);
    }
  };

  return (
    <form className={s.prompt} onSubmit={onSubmit}>
      {error && (
        <Alert severity="error" title="The investigation did not start" onRemove={() => setError(undefined)}>
          {error.message}
        </Alert>
      )}
      <div className={s.promptRow}>
        <Input
          data-testid={testIds.panel.prompt}
          aria-label="What to look for"
          value={prompt}
          placeholder={
            kpi
              ? `What to look for in ${kpi}, e.g. failures after an update`
              : 'What to look for, e.g. checkout failures on Android'
          }
          onChange={(e) => setPrompt(e.currentTarget.value)}
        />
        <Button
          type="submit"
          icon={starting ? 'spinner' : 'search'}
          disabled={starting}
          data-testid={testIds.panel.start}
        >
          Investigate
        </Button>
      </div>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    overflow: 'hidden',
    minWidth: 0,
  }),
  header: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'baseline',
    gap: theme.spacing(1),
    flex: '0 0 auto',
    minWidth: 0,
  }),
  heading: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  viewAll: css({
    color: theme.colors.text.link,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    '&:hover': { textDecoration: 'underline' },
  }),
  body: css({ flex: '1 1 auto', minHeight: 0, overflowY: 'auto', overflowX: 'hidden' }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, transition: 'opacity 150ms' }),
  refreshing: css({ opacity: 0.6 }),
  row: css({
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    '&:last-child': { borderBottom: 'none' },
  }),
  link: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.25),
    padding: theme.spacing(0.75, 0.5),
    color: theme.colors.text.primary,
    borderRadius: theme.shape.radius.default,
    '&:hover': { background: theme.colors.action.hover },
  }),
  title: css({ minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  meta: css({
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  effect: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
  impact: css({
    fontWeight: theme.typography.fontWeightMedium,
    fontVariantNumeric: 'tabular-nums',
    color: theme.colors.text.secondary,
  }),
  muted: css({ color: theme.colors.text.secondary }),
  empty: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    height: '100%',
    padding: theme.spacing(1),
  }),
  error: css({ '& > div': { marginBottom: 0 } }),
  inlineLink: css({ color: theme.colors.text.link, textDecoration: 'underline' }),
  prompt: css({ flex: '0 0 auto', display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  promptRow: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', minWidth: 0 }),
});
