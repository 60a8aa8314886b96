/**
 * Opportunities: every stored lead, filtered by KPI, status, family and new vs known, sorted by impact or
 * last seen, paged; all of it in the URL. Triage from each row (optimistic, rolled back on error).
 */
import React, { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, MultiSelect, Pagination, RadioButtonGroup, Text, useStyles2 } from '@grafana/ui';
import { LeadsTable } from '../components/LeadsTable/LeadsTable';
import { Empty, ErrorState, Loading } from '../components/States/States';
import { testIds } from '../components/testIds';
import { useAsync } from '../hooks/useAsync';
import { useFamilies } from '../hooks/useFamilies';
import { useLeadTriage } from '../hooks/useLeadTriage';
import { engine } from '../services/engine';
import { vocabularyOf } from '../services/leadStatement';
import { editBlockedReason } from '../services/roles';
import { useOrgRole } from '../hooks/useOrgRole';
import {
  DEFAULT_FILTERS,
  filtersFromParams,
  filtersToParams,
  type KnownFilter,
  type LeadFilters,
  type LeadSort,
  pageCount,
  PAGE_SIZE,
  toLeadQuery,
} from '../services/opportunities';
import { FAMILIES, TRIAGE_STATUSES, type Lead, type Page, type TriageStatus } from '../types/api';

const STATUS_LABELS: Record<TriageStatus, string> = {
  new: 'Untriaged',
  acknowledged: 'Acknowledged',
  useful: 'Useful',
  dismissed: 'Dismissed',
};

function Opportunities() {
  const s = useStyles2(getStyles);
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(searchParams), [searchParams]);
  const key = filtersToParams(filters).toString();

  const kpis = useAsync(() => engine.kpis(), []);
  const dataset = useAsync(() => engine.dataset(), []);
  const families = useFamilies();
  const vocabulary = useMemo(() => vocabularyOf(kpis.value, dataset.value?.events.group), [kpis.value, dataset.value]);
  const triageBlocked = editBlockedReason(useOrgRole().role);
  const latest = useAsync(() => engine.runs({ status: 'succeeded', limit: 1 }), []);
  const latestRunId = latest.value?.items[0]?.id;
  // "New since the latest run" waits for that run's id.
  const waiting = filters.known === 'latest' && latest.loading;
  const leads = useAsync<Page<Lead> | undefined>(
    () => (waiting ? Promise.resolve(undefined) : engine.leads(toLeadQuery(filters, undefined, latestRunId))),
    [key, latestRunId, waiting]
  );

  const setFilters = (patch: Partial<LeadFilters>) => {
    const next = { ...filters, ...patch, page: patch.page ?? 1 };
    setSearchParams(filtersToParams(next));
  };
  const anyFilter =
    filters.kpi.length > 0 || filters.status.length > 0 || filters.template.length > 0 || filters.known !== 'all';

  const setPage = leads.setValue;
  const updateLead = useCallback(
    (id: string, fn: (l: Lead) => Lead) =>
      setPage((p) => (p ? { ...p, items: p.items.map((l) => (l.id === id ? fn(l) : l)) } : p)),
    [setPage]
  );
  const { triage, error: triageError, clearError, pending } = useLeadTriage<Lead>(updateLead);

  const kpiOptions: Array<SelectableValue<string>> = (kpis.value ?? []).map((k) => ({
    label: k.name,
    value: k.name,
    description: k.description,
  }));
  const statusOptions: Array<SelectableValue<TriageStatus>> = TRIAGE_STATUSES.map((st) => ({
    label: STATUS_LABELS[st],
    value: st,
  }));
  const templateOptions: Array<SelectableValue<string>> = FAMILIES.map((f) => ({
    label: families.label(f),
    value: f,
    description: f,
  }));
  const knownOptions: Array<SelectableValue<KnownFilter>> = [
    { label: 'All', value: 'all' },
    { label: 'New', value: 'new', description: 'Found by one run only' },
    { label: 'Known', value: 'known', description: 'Found by earlier runs too' },
    { label: 'New in latest run', value: 'latest', description: 'Found by the latest run and by no run before it' },
  ];
  const sortOptions: Array<SelectableValue<LeadSort>> = [
    { label: 'Impact', value: 'impact', description: 'Within each KPI: impacts of different KPIs do not compare' },
    { label: 'q', value: 'q_value', description: 'Strongest evidence first' },
    { label: 'First seen', value: 'first_seen' },
    { label: 'Last seen', value: 'last_seen' },
  ];

  return (
    <PluginPage subTitle="Every lead Surfacer has found, across runs. Triage them so the next plans learn what is useful.">
      <div className={s.wrap} data-testid={testIds.opportunities.container}>
        <div className={s.filters}>
          <div data-testid={testIds.opportunities.filterKpi} className={s.filter}>
            <Field label="KPI">
              <MultiSelect<string>
                aria-label="Filter by KPI"
                options={kpiOptions}
                value={filters.kpi}
                isLoading={kpis.loading}
                placeholder="All KPIs"
                onChange={(v) => setFilters({ kpi: v.map((o) => o.value!).filter(Boolean) })}
              />
            </Field>
          </div>
          <div data-testid={testIds.opportunities.filterStatus} className={s.filter}>
            <Field label="Status">
              <MultiSelect<TriageStatus>
                aria-label="Filter by status"
                options={statusOptions}
                value={filters.status}
                placeholder="Any status"
                onChange={(v) => setFilters({ status: v.map((o) => o.value!).filter(Boolean) })}
              />
            </Field>
          </div>
          <div data-testid={testIds.opportunities.filterTemplate} className={s.filter}>
            <Field label="Family">
              <MultiSelect<string>
                aria-label="Filter by family"
                options={templateOptions}
                value={filters.template}
                placeholder="All families"
                onChange={(v) => setFilters({ template: v.map((o) => o.value!).filter(Boolean) })}
              />
            </Field>
          </div>
          <div data-testid={testIds.opportunities.filterKnown} className={s.fieldWrap}>
            <Field label="Seen">
              <RadioButtonGroup<KnownFilter>
                options={knownOptions}
                value={filters.known}
                onChange={(v) => setFilters({ known: v })}
              />
            </Field>
          </div>
          <Field label="Sort by">
            <RadioButtonGroup<LeadSort>
              options={sortOptions}
              value={filters.sort}
              onChange={(v) => setFilters({ sort: v })}
            />
          </Field>
          {anyFilter && (
            <Button
              variant="secondary"
              fill="text"
              icon="times"
              className={s.clear}
              onClick={() => setSearchParams(filtersToParams({ ...DEFAULT_FILTERS, sort: filters.sort }))}
            >
              Clear filters
            </Button>
          )}
        </div>

        {triageError ? (
          <ErrorState title="Triage failed; the change was undone" error={triageError} onRetry={clearError} />
        ) : null}

        {leads.loading && !leads.value ? (
          <Loading text="Loading opportunities…" />
        ) : leads.error ? (
          <ErrorState title="Could not load opportunities" error={leads.error} onRetry={leads.reload} />
        ) : !leads.value?.items.length ? (
          anyFilter ? (
            <Empty message="No leads match these filters">
              <Button variant="secondary" onClick={() => setSearchParams(new URLSearchParams())}>
                Clear filters
              </Button>
            </Empty>
          ) : (
            <Empty message="No leads yet: start an investigation to find some" />
          )
        ) : (
          <>
            <Text color="secondary" variant="bodySmall">
              {leads.value.total} {leads.value.total === 1 ? 'lead' : 'leads'}
              {leads.value.total > PAGE_SIZE &&
                ` · showing ${leads.value.offset + 1}–${leads.value.offset + leads.value.items.length}`}
            </Text>
            <LeadsTable
              leads={leads.value.items}
              onTriage={triage}
              pending={pending}
              vocabulary={vocabulary}
              triageDisabledReason={triageBlocked}
              keepOrder={filters.sort !== 'impact'}
              bulk
              sort={{ by: filters.sort, onSort: (sort) => setFilters({ sort }) }}
            />
            {leads.value.total > PAGE_SIZE && (
              <div className={s.pagination} data-testid={testIds.opportunities.pagination}>
                <Pagination
                  currentPage={filters.page}
                  numberOfPages={pageCount(leads.value.total)}
                  onNavigate={(page) => setFilters({ page })}
                />
              </div>
            )}
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default Opportunities;

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  filters: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0, 2), alignItems: 'flex-end' }),
  filter: css({ minWidth: 200, maxWidth: 320, flex: '1 1 200px' }),
  fieldWrap: css({ minWidth: 0 }),
  clear: css({ marginBottom: theme.spacing(2) }),
  pagination: css({ display: 'flex', justifyContent: 'center' }),
});
