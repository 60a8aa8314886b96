/**
 * Investigate: ask for an analysis (prompt, KPIs, time range, families and their parameters), follow the run,
 * then read its plan and ranked leads. `?run=<id>` keeps the run in the URL, so a reload resumes watching.
 * Prefilled from the dashboard panel-menu link and the nested panel: prompt, kpi, from, to, panelTitle, dashboardUid, run.
 */
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { dateTime, type GrafanaTheme2, type SelectableValue, type TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  Collapse,
  Field,
  LinkButton,
  MultiSelect,
  Stack,
  Text,
  TextArea,
  TimeRangeInput,
  useStyles2,
} from '@grafana/ui';
import { ErrorState, Loading } from '../components/States/States';
import { formatTime } from '../services/format';
import { EngineBanner } from '../components/States/EngineBanner';
import { useOrgRole } from '../hooks/useOrgRole';
import { engineProblem } from '../services/engineProblem';
import { scopeChips, scopeRequest } from '../services/scope';
import { ScopeChips } from '../components/ScopeChips/ScopeChips';
import { vocabularyOf } from '../services/leadStatement';
import { editBlockedReason } from '../services/roles';
import { LeadsTable } from '../components/LeadsTable/LeadsTable';
import { RecentRuns } from '../components/RunProgress/RecentRuns';
import { PlanSummary } from '../components/RunProgress/PlanSummary';
import { RunProgress } from '../components/RunProgress/RunProgress';
import { StreamedLeads } from '../components/RunProgress/StreamedLeads';
import { testIds } from '../components/testIds';
import { useAsync } from '../hooks/useAsync';
import { useLeadTriage } from '../hooks/useLeadTriage';
import { useRunWatcher } from '../hooks/useRunWatcher';
import { EngineError, engine } from '../services/engine';
import {
  buildRunRequest,
  type FormIssue,
  isTerminal,
  parsePrefill,
  promptFromPanel,
  type ParamsText,
} from '../services/investigate';
import type { Family, Lead, Template } from '../types/api';
import { ROUTES } from '../constants';
import { prefixRoute } from '../utils/utils.routing';
import { cardCss } from '../components/styles';

const emptyRange = (): TimeRange => {
  const none = dateTime(null);
  return { from: none, to: none, raw: { from: none, to: none } };
};

const rangeOf = (from?: string, to?: string): TimeRange => {
  if (!from || !to) {
    return emptyRange();
  }
  const f = dateTime(from);
  const t = dateTime(to);
  return { from: f, to: t, raw: { from: f, to: t } };
};

const isSet = (r: TimeRange) => r.from.isValid() && r.to.isValid();

/** A param schema's properties with their defaults, as a JSON hint for the text area. */
function paramsPlaceholder(t: Template | undefined): string {
  const props = t?.params_schema.properties ?? {};
  const example: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v && v.default !== undefined) {
      example[k] = v.default;
    }
  }
  return Object.keys(example).length ? JSON.stringify(example) : '{}';
}

function Investigate() {
  const s = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const [prefill] = useState(() => parsePrefill(searchParams));
  const runId = searchParams.get('run') ?? undefined;

  const kpis = useAsync(() => engine.kpis(), []);
  const templates = useAsync(() => engine.templates(), []);
  const dataset = useAsync(() => engine.dataset(), []);
  const recent = useAsync(() => engine.runs({ limit: 10 }), []);
  const { role, isAdmin } = useOrgRole();
  const blocked = editBlockedReason(role);
  const problem = engineProblem([kpis.error, templates.error, dataset.error, recent.error], isAdmin);
  const vocabulary = useMemo(() => vocabularyOf(kpis.value, dataset.value?.events.group), [kpis.value, dataset.value]);

  const [prompt, setPrompt] = useState(prefill.prompt ?? promptFromPanel(prefill.panelTitle) ?? '');
  // null until the user picks: then the URL's KPIs, or those a panel title names.
  const [kpiChoice, setKpiChoice] = useState<string[] | null>(prefill.kpis ?? null);
  // The KPIs a panel title names, as the engine's planner picks them (the same scoring a run's prompt gets).
  const panelKpis = useAsync(
    () => (prefill.panelTitle ? engine.promptKpis(prefill.panelTitle) : Promise.resolve({ kpis: [], why: '' })),
    [prefill.panelTitle]
  );
  const selectedKpis = useMemo(() => kpiChoice ?? panelKpis.value?.kpis ?? [], [kpiChoice, panelKpis.value]);
  const [range, setRange] = useState<TimeRange>(() => rangeOf(prefill.from, prefill.to));
  // The prompt's scope, previewed by the engine while the user types (settled for 400 ms): chips they can remove.
  const [settledPrompt, setSettledPrompt] = useState(prompt.trim());
  useEffect(() => {
    const t = setTimeout(() => setSettledPrompt(prompt.trim()), 400);
    return () => clearTimeout(t);
  }, [prompt]);
  const scopePreview = useAsync(
    () => (settledPrompt ? engine.scope(settledPrompt) : Promise.resolve({ filters: [], used: [] })),
    [settledPrompt]
  );
  const [removedScope, setRemovedScope] = useState<ReadonlySet<string>>(new Set());
  // A preview of an older prompt, or none (an older engine): the engine reads the prompt itself.
  const preview = settledPrompt === prompt.trim() && !scopePreview.loading ? scopePreview.value : undefined;
  const [families, setFamilies] = useState<Family[]>([]);
  const [paramsText, setParamsText] = useState<ParamsText>({});
  const [issues, setIssues] = useState<FormIssue[]>([]);
  const [startError, setStartError] = useState<unknown>(undefined);
  const [starting, setStarting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<unknown>(undefined);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // Once there is a run to read, the form shrinks to its prompt so the run's leads come first.
  const [optionsOpen, setOptionsOpen] = useState(!runId);

  const { run, setRun, error: pollError } = useRunWatcher(runId);
  const status = run?.status;

  // Recent runs again whenever the watched run starts or ends.
  const reloadRecent = recent.reload;
  useEffect(() => {
    if (runId) {
      reloadRecent();
    }
  }, [runId, status === undefined || isTerminal(status), reloadRecent]); // eslint-disable-line react-hooks/exhaustive-deps

  const leads = useAsync<Lead[] | undefined>(
    () =>
      runId && status === 'succeeded'
        ? engine.leads({ run: runId, sort: 'impact', limit: 100 }).then((p) => p.items)
        : Promise.resolve(undefined),
    [runId, status]
  );
  const setLeads = leads.setValue;
  const updateLead = useCallback(
    (id: string, fn: (l: Lead) => Lead) => setLeads((ls) => ls?.map((l) => (l.id === id ? fn(l) : l))),
    [setLeads]
  );
  const { triage, error: triageError, clearError, pending } = useLeadTriage<Lead>(updateLead);

  const start = async () => {
    setStartError(undefined);
    const { request, issues: local } = buildRunRequest({
      prompt,
      kpis: selectedKpis,
      families,
      params: paramsText,
      from: isSet(range) ? range.from.toISOString() : undefined,
      to: isSet(range) ? range.to.toISOString() : undefined,
    });
    setIssues(local);
    if (request) {
      Object.assign(request, scopeRequest(preview, removedScope, isSet(range)));
    }
    if (!request) {
      setOptionsOpen(true);
      if (local.some((i) => i.path.startsWith('body.params'))) {
        setAdvancedOpen(true);
      }
      return;
    }
    setStarting(true);
    try {
      const r = await engine.startRun(request);
      setRun(r);
      setOptionsOpen(false);
      const next = new URLSearchParams(searchParams);
      next.set('run', r.id);
      setSearchParams(next);
    } catch (e) {
      setStartError(e);
      if (e instanceof EngineError && e.issues.length) {
        setIssues(e.issues);
        setOptionsOpen(true);
        if (e.issues.some((i) => i.path.includes('params'))) {
          setAdvancedOpen(true);
        }
      }
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (!runId) {
      return;
    }
    setCancelling(true);
    setCancelError(undefined);
    try {
      setRun(await engine.cancelRun(runId));
    } catch (e) {
      setCancelError(e);
    } finally {
      setCancelling(false);
    }
  };

  const openRun = (id: string) => {
    const next = new URLSearchParams(searchParams);
    next.set('run', id);
    setSearchParams(next);
  };

  const newInvestigation = () => {
    const next = new URLSearchParams(searchParams);
    next.delete('run');
    setSearchParams(next);
    setOptionsOpen(true);
  };

  const kpiOptions: Array<SelectableValue<string>> = useMemo(
    () =>
      (kpis.value ?? []).map((k) => ({ label: k.name, value: k.name, description: `${k.kind} · ${k.description}` })),
    [kpis.value]
  );
  const familyOptions: Array<SelectableValue<Family>> = useMemo(
    () => (templates.value ?? []).map((t) => ({ label: t.name, value: t.name, description: t.summary })),
    [templates.value]
  );
  const paramFamilies: Family[] = families.length ? families : (templates.value ?? []).map((t) => t.name);
  const issueFor = (path: string) =>
    issues.find((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
  const running = !!run && !isTerminal(run.status);

  return (
    <PluginPage subTitle="Ask where a KPI is worse: Surfacer tests hypothesis families over your telemetry and ranks the sub-populations it finds.">
      <div className={s.layout} data-testid={testIds.investigate.container}>
        <div className={s.main}>
          {problem && (
            <EngineBanner
              problem={problem}
              isAdmin={isAdmin}
              onRetry={() => [kpis, templates, dataset, recent].forEach((a) => a.error && a.reload())}
            />
          )}
          {(prefill.panelTitle || prefill.dashboardUid) && (
            <Alert
              severity="info"
              title={`From the dashboard panel${prefill.panelTitle ? ` “${prefill.panelTitle}”` : ''}`}
            >
              <Stack gap={1} alignItems="center" wrap="wrap">
                <span>The prompt, KPIs and time range were filled in from the panel. Check them and start.</span>
                {prefill.dashboardUid && (
                  <LinkButton
                    size="sm"
                    variant="secondary"
                    fill="text"
                    icon="apps"
                    href={`/d/${encodeURIComponent(prefill.dashboardUid)}`}
                  >
                    Back to dashboard
                  </LinkButton>
                )}
              </Stack>
            </Alert>
          )}

          <section className={s.card} aria-label="New investigation">
            <Field
              label="What are you looking for?"
              description="In words; the planner uses it to pick KPIs and hypothesis families, and explains its plan."
            >
              <TextArea
                data-testid={testIds.investigate.prompt}
                value={prompt}
                rows={optionsOpen ? 3 : 2}
                placeholder="e.g. Why do some logins fail more than others?"
                onChange={(e) => setPrompt(e.currentTarget.value)}
                invalid={!!issueFor('body.prompt')}
              />
            </Field>
            <ScopeChips
              chips={scopeChips(preview, removedScope)}
              onRemove={(key) => setRemovedScope((r) => new Set([...r, key]))}
            />
            {optionsOpen && (
              <div className={s.row}>
                <div data-testid={testIds.investigate.kpiPicker} className={s.grow}>
                  <Field
                    label="KPIs"
                    description="Default: chosen from the prompt, else all"
                    invalid={!!issueFor('body.kpis')}
                    error={issueFor('body.kpis')?.message}
                  >
                    <MultiSelect<string>
                      aria-label="KPIs"
                      options={kpiOptions}
                      value={selectedKpis}
                      isLoading={kpis.loading}
                      placeholder={kpis.error ? 'Could not load KPIs' : 'From the prompt'}
                      onChange={(v) => {
                        setKpiChoice(v.map((o) => o.value!).filter(Boolean));
                      }}
                    />
                  </Field>
                </div>
                <div data-testid={testIds.investigate.timeRange} className={s.fieldWrap}>
                  <Field
                    label="Time range"
                    description={
                      dataset.value
                        ? `Default: the whole dataset, ${formatTime(dataset.value.range.from, 'date')} – ${formatTime(dataset.value.range.to, 'date')}`
                        : 'Default: the whole dataset'
                    }
                    invalid={!!issueFor('body.from') || !!issueFor('body.to')}
                    error={(issueFor('body.from') ?? issueFor('body.to'))?.message}
                  >
                    <TimeRangeInput
                      value={range}
                      onChange={setRange}
                      clearable
                      hideTimeZone
                      placeholder="Whole dataset (engine default)"
                    />
                  </Field>
                </div>
              </div>
            )}

            {optionsOpen && (
              <Collapse
                label="Advanced: families and parameters"
                isOpen={advancedOpen}
                onToggle={() => setAdvancedOpen((o) => !o)}
                collapsible
              >
                <div data-testid={testIds.investigate.advanced} className={s.advanced}>
                  <div data-testid={testIds.investigate.families} className={s.fieldWrap}>
                    <Field
                      label="Hypothesis families"
                      description="Default: every available family. See the Templates page for what each one tests."
                    >
                      <MultiSelect<Family>
                        aria-label="Families"
                        options={familyOptions}
                        value={families}
                        isLoading={templates.loading}
                        placeholder="All families"
                        onChange={(v) => setFamilies(v.map((o) => o.value!).filter(Boolean))}
                      />
                    </Field>
                  </div>
                  {templates.error ? (
                    <ErrorState
                      title="Could not load the template catalog"
                      error={templates.error}
                      onRetry={templates.reload}
                    />
                  ) : (
                    <div className={s.paramsGrid}>
                      {paramFamilies.map((fam) => {
                        const issue = issueFor(`body.params.${fam}`);
                        return (
                          <Field
                            key={fam}
                            label={`${fam} parameters`}
                            description="JSON object; empty for the family's defaults"
                            invalid={!!issue}
                            error={issue ? `${issue.path}: ${issue.message}` : undefined}
                          >
                            <TextArea
                              aria-label={`${fam} parameters`}
                              className={s.mono}
                              rows={2}
                              value={paramsText[fam] ?? ''}
                              placeholder={paramsPlaceholder(templates.value?.find((t) => t.name === fam))}
                              onChange={(e) => {
                                const v = e.currentTarget.value;
                                setParamsText((p) => ({ ...p, [fam]: v }));
                              }}
                            />
                          </Field>
                        );
                      })}
                    </div>
                  )}
                </div>
              </Collapse>
            )}

            {issues.length > 0 && (
              <Alert severity="error" title="Fix these fields and start again">
                <ul className={s.issues}>
                  {issues.map((i) => (
                    <li key={`${i.path}:${i.message}`}>
                      <code>{i.path}</code>: {i.message}
                    </li>
                  ))}
                </ul>
              </Alert>
            )}
            {!!startError && !(startError instanceof EngineError && startError.issues.length) && (
              <ErrorState title="Could not start the investigation" error={startError} />
            )}

            <Stack gap={1} alignItems="center" wrap="wrap">
              <Button
                icon={starting ? 'spinner' : 'play'}
                onClick={start}
                disabled={starting || running || !!blocked || !!problem}
                tooltip={blocked}
                data-testid={testIds.investigate.start}
              >
                {starting ? 'Starting…' : running ? 'Running…' : 'Start investigation'}
              </Button>
              {!optionsOpen && (
                <Button
                  variant="secondary"
                  fill="text"
                  icon="sliders-v-alt"
                  onClick={() => setOptionsOpen(true)}
                  data-testid={testIds.investigate.options}
                >
                  KPIs, time range and families
                </Button>
              )}
              {runId && !running && (
                <Button variant="secondary" fill="outline" onClick={newInvestigation}>
                  Clear results
                </Button>
              )}
              {blocked && (
                <span className={s.muted} data-testid={testIds.investigate.editBlocked}>
                  {blocked}
                </span>
              )}
            </Stack>
          </section>

          {runId && !run && !pollError ? <Loading text={`Loading run ${runId}…`} /> : null}
          {runId && !!pollError && !run ? <ErrorState title={`Could not load run ${runId}`} error={pollError} /> : null}
          {run && (
            <>
              <RunProgress
                run={run}
                onCancel={blocked ? undefined : cancel}
                cancelling={cancelling}
                noun={vocabulary.noun}
              />
              {!!cancelError && <ErrorState title="Could not cancel the run" error={cancelError} />}
              {!!pollError && (
                <Alert severity="warning" title="Lost contact with the engine; still trying">
                  {pollError instanceof Error ? pollError.message : String(pollError)}
                </Alert>
              )}
              {run.status === 'running' && run.progress.kpi_leads && (
                <StreamedLeads kpiLeads={run.progress.kpi_leads} vocabulary={vocabulary} />
              )}
              {run.status === 'succeeded' && (
                <section className={s.card} data-testid={testIds.investigate.results} aria-label="Leads of this run">
                  <Stack justifyContent="space-between" alignItems="center">
                    <Text element="h3" variant="h5">
                      Leads of this run, by KPI
                    </Text>
                    <LinkButton
                      size="sm"
                      variant="secondary"
                      fill="text"
                      icon="list-ul"
                      href={prefixRoute(ROUTES.Opportunities)}
                    >
                      All opportunities
                    </LinkButton>
                  </Stack>
                  {triageError ? (
                    <ErrorState title="Triage failed; the change was undone" error={triageError} onRetry={clearError} />
                  ) : null}
                  {leads.loading ? (
                    <Loading text="Loading leads…" />
                  ) : leads.error ? (
                    <ErrorState
                      title="Could not load the leads of this run"
                      error={leads.error}
                      onRetry={leads.reload}
                    />
                  ) : (
                    <LeadsTable
                      compact
                      leads={leads.value ?? []}
                      runId={runId}
                      vocabulary={vocabulary}
                      triageDisabledReason={blocked ?? problem?.title}
                      onTriage={triage}
                      pending={pending}
                      emptyMessage="This run found no sub-population where a KPI is significantly worse. Try a wider time range or more families."
                    />
                  )}
                </section>
              )}
              {run.plan && <PlanSummary plan={run.plan} />}
            </>
          )}
        </div>

        <aside className={s.side}>
          {recent.loading && !recent.value ? (
            <Loading text="Loading runs…" />
          ) : recent.error && problem ? null : recent.error ? (
            <ErrorState title="Could not load recent runs" error={recent.error} onRetry={recent.reload} />
          ) : (
            <RecentRuns runs={recent.value?.items ?? []} currentId={runId} onOpen={openRun} onRefresh={recent.reload} />
          )}
        </aside>
      </div>
    </PluginPage>
  );
}

export default Investigate;

const getStyles = (theme: GrafanaTheme2) => ({
  layout: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) 300px',
    gap: theme.spacing(3),
    // Below 1440 px (with Grafana's docked menu) the leads need the width: recent runs go under them.
    '@media (max-width: 1439.98px)': { gridTemplateColumns: 'minmax(0, 1fr)' },
  }),
  main: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), minWidth: 0 }),
  side: css({ minWidth: 0 }),
  card: css(cardCss(theme)),
  row: css({ display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap', alignItems: 'flex-start' }),
  grow: css({ flex: '1 1 320px' }),
  fieldWrap: css({ minWidth: 0 }),
  advanced: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  paramsGrid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(280px, 1fr))',
    gap: theme.spacing(0, 2),
  }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace }),
  issues: css({ margin: 0, paddingLeft: theme.spacing(2) }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
