/** Engine responses shaped like pkg/api/schemas.ts, for page tests. */
import type { DatasetInfo, Kpi, Lead, LeadDetail, Page, Plan, Run, RunStatus, ScopePreview, Template } from '../../types/api';

export const kpis: Kpi[] = [
  {
    name: 'login_failure',
    kind: 'failure_events',
    description: 'Share of login sessions that end in an auth error',
    definition: { failure_events: { events: ['auth_error'] } },
    higher_is_better: false,
  },
  {
    name: 'checkout_conversion',
    kind: 'funnel',
    description: 'Checkout funnel completion',
    definition: { funnel: { steps: ['cart', 'pay'] } },
    higher_is_better: true,
  },
  {
    name: 'page_load_ms',
    kind: 'numeric',
    description: 'Page load time in milliseconds',
    definition: { numeric: { column: 'load_ms' } },
    higher_is_better: false,
  },
];

export const templates: Template[] = [
  {
    name: 'ngram',
    label: 'event sequence',
    summary: 'Contiguous event sequences (n-grams) in the group',
    example: 'groups where search, apply_filter, sort_price occur back to back',
    params_schema: {
      type: 'object',
      properties: {
        min_n: { default: 1, type: 'integer', minimum: 1, maximum: 5 },
        exclude: { default: [], type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
  },
  {
    name: 'absence',
    label: 'missing follow-up',
    summary: 'An expected step missing',
    example: 'groups where login is not followed by token_refresh within 30 s',
    params_schema: {
      type: 'object',
      properties: { within: { default: '30s', type: 'string', description: 'How long to wait for B' } },
    },
  },
];

export const dataset: DatasetInfo = {
  events: {
    source: 'events',
    time: 'ts',
    group: 'session_id',
    user: 'user_id',
    event: 'name',
    attributes: ['country'],
    timezone: 'UTC',
  },
  columns: [{ name: 'ts', type: 'DateTime64(3)' }],
  kpis: kpis.map((k) => ({ ...k, outcome_events: [] })),
  contexts: [],
  event_names: [{ name: 'login', events: 100, groups: 50 }],
  range: { from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' },
  groups: 5000,
  total_events: 120000,
  inspected_at: '2026-10-01T10:00:00.000Z',
};

export const plan: Plan = {
  run_id: 'r1',
  created_at: '2026-10-01T10:00:01.000Z',
  planner: 'deterministic',
  fallback: null,
  kpis: ['login_failure'],
  items: [
    {
      template: 'absence',
      params: { within: '30s' },
      kpis: ['login_failure'],
      reason: 'Login failures often follow a missing token refresh',
    },
  ],
  notes: [],
  feedback: null,
};

export function run(id: string, status: RunStatus, extra: Partial<Run> = {}): Run {
  const stage = {
    queued: 'queued',
    running: 'aggregate',
    succeeded: 'done',
    failed: 'aggregate',
    cancelled: 'profile',
  }[status];
  return {
    id,
    status,
    created_at: '2026-10-01T10:00:00.000Z',
    started_at: status === 'queued' ? null : '2026-10-01T10:00:01.000Z',
    finished_at: ['succeeded', 'failed', 'cancelled'].includes(status) ? '2026-10-01T10:01:00.000Z' : null,
    updated_at: '2026-10-01T10:00:30.000Z',
    request: { prompt: 'Why do logins fail?' },
    progress: {
      stage,
      done: status === 'running' ? 3 : status === 'succeeded' ? 6 : 0,
      total: status === 'running' ? 12 : status === 'succeeded' ? 6 : 0,
      unit: status === 'running' ? 'queries' : status === 'succeeded' ? 'stages' : '',
      ...(status === 'running' ? { message: 'absence_login' } : {}),
      updated_at: '2026-10-01T10:00:30.000Z',
    },
    planner: status === 'queued' ? null : 'deterministic',
    error: status === 'failed' ? 'query failed: Memory limit (for query) exceeded' : null,
    summary:
      status === 'succeeded'
        ? {
            hypotheses_tested: 120,
            kpis: [{ name: 'login_failure', kind: 'failure_events', groups: 5000, value: 0.04 }],
            window: { from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' },
            groups: 5000,
            events: 120000,
            timings: { aggregate: 1.2 },
            dropped_by_robust_inference: 0,
            leads: 2,
            new_leads: 1,
            known_leads: 1,
            lead_ids: ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb'],
          }
        : null,
    plan: status === 'queued' ? null : { ...plan, run_id: id },
    investigation_id: null,
    links: {
      self: `/api/runs/${id}`,
      plan: `/api/runs/${id}/plan`,
      opportunities: `/api/opportunities?run=${id}`,
      cancel: `/api/runs/${id}/cancel`,
    },
    ...extra,
  };
}

export function lead(id: string, extra: Partial<Lead> = {}): Lead {
  return {
    id,
    fingerprint: `login_failure/absence:${id}`,
    kpi: 'login_failure',
    template: 'absence',
    region: 'absence:30s',
    title: `login_failure is worse for groups where login is not followed by token_refresh (${id.slice(0, 4)})`,
    cohort: 'groups where login is not followed by token_refresh within 30 s',
    impact: 412.3,
    effect: { measure: 'risk_ratio', value: 3.2 },
    relative_effect: 2.2,
    q_value: 0.00012,
    p_value: 0.00001,
    cohort_size: 830,
    rank: 1,
    stable: true,
    status: 'new',
    note: '',
    triaged_at: null,
    triaged_by: '',
    known: false,
    runs_seen: 1,
    first_seen: '2026-10-01T10:01:00.000Z',
    last_seen: '2026-10-01T10:01:00.000Z',
    first_run_id: 'r1',
    last_run_id: 'r1',
    link: `/api/opportunities/${id}`,
    ...extra,
  };
}

export function page<T>(items: T[], total = items.length, limit = 50, offset = 0): Page<T> {
  return { items, total, limit, offset };
}

export const LEAD_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';

export function leadDetail(extra: Partial<LeadDetail> = {}): LeadDetail {
  const base = lead(LEAD_ID, {
    known: true,
    runs_seen: 2,
    status: 'acknowledged',
    note: 'looking into it',
    triaged_at: '2026-10-01T11:00:00.000Z',
    triaged_by: 'alice',
  });
  const series = {
    from: '2026-09-01T00:00:00.000Z',
    width_ms: 86_400_000,
    cohort: [
      { groups: 40, value: 0.2 },
      { groups: 50, value: 0.16 },
      { groups: 0, value: null },
      { groups: 45, value: 0.22 },
    ],
    rest: [
      { groups: 900, value: 0.05 },
      { groups: 950, value: 0.04 },
      { groups: 920, value: 0.05 },
      { groups: 940, value: 0.06 },
    ],
  };
  return {
    ...base,
    statement:
      'login_failure is associated with groups where login is not followed by token_refresh within 30 s: failure rate 19.6% there vs 5.0% in the other groups; +292% (95% CI 210% to 380%). An association in the data, not a proven cause.',
    opportunity: {
      rank: 1,
      kpi: 'login_failure',
      template: 'absence',
      title: base.title,
      cohort: base.cohort,
      statement: 'x',
      params: { within: '30s' },
      cohort_size: 830,
      kpi_cohort: 0.196,
      kpi_rest: 0.05,
      effect: { measure: 'risk_ratio', value: 3.92, ci_low: 3.1, ci_high: 4.8 },
      p_value: 0.00001,
      q_value: 0.00012,
      impact: 412.3,
      experts: ['rate_test', 'trend'],
      test: 'two-proportion z-test',
      trend: {
        slope_per_day: 0.004,
        unit: 'rate difference per day',
        onset: '2026-09-12T00:00:00.000Z',
        change_point: null,
        trend_p: 0.003,
      },
      series,
      inference: 'cluster-robust over users',
      stable: true,
      stability: {
        stable: true,
        halves: [
          {
            from: '2026-09-01T00:00:00.000Z',
            to: '2026-09-16T00:00:00.000Z',
            cohort_groups: 400,
            kpi_cohort: 0.18,
            kpi_rest: 0.05,
            p: 0.001,
            holds: true,
          },
          {
            from: '2026-09-16T00:00:00.000Z',
            to: '2026-10-01T00:00:00.000Z',
            cohort_groups: 430,
            kpi_cohort: 0.21,
            kpi_rest: 0.05,
            p: 0.0004,
            holds: true,
          },
        ],
      },
      fingerprint: base.fingerprint,
      related: ['absence:{"a":"login","b":"token_refresh","within":"60s"}'],
      refinements: [
        {
          key: 'static:{"attributes":{"os_version":"android_14"}}',
          template: 'static',
          cohort: 'groups with os_version = android_14',
          params: { attributes: { os_version: 'android_14' } },
          cohort_size: 120,
          kpi_cohort: 0.55,
          kpi_rest: 0.12,
          effect: { measure: 'relative_difference', value: 3.1, ci_low: 2.2, ci_high: 4.2 },
          q_value: 0.0002,
          sql: 'SELECT 2',
        },
      ],
      coverage: 0.383,
      incremental_coverage: 0.25,
      sql: 'SELECT 1',
    },
    evidence: {
      run_id: 'r1',
      series,
      halves: null,
      example_groups: ['s-001', 's-002', 's-003'],
      group_column: 'session_id',
      sql: 'WITH sessions AS (SELECT ...)\nSELECT g AS `session_id`\nFROM sessions\nWHERE k0 IS NOT NULL AND (cond)',
    },
    triage: [
      {
        at: '2026-10-01T11:00:00.000Z',
        status: 'acknowledged',
        previous_status: 'new',
        note: 'looking into it',
        by: 'alice',
      },
    ],
    history: [
      {
        run_id: 'r2',
        seen_at: '2026-10-02T10:00:00.000Z',
        rank: 1,
        is_new: false,
        impact: 420,
        effect: 3.9,
        q_value: 0.0001,
        cohort_size: 840,
      },
      {
        run_id: 'r1',
        seen_at: '2026-10-01T10:01:00.000Z',
        rank: 2,
        is_new: true,
        impact: 412.3,
        effect: 3.2,
        q_value: 0.00012,
        cohort_size: 830,
      },
    ],
    ...extra,
  };
}

/** GET /api/scope for "what makes pages slow on android this week" on the synthetic dataset. */
export const scopePreview: ScopePreview = {
  filters: [{ attribute: 'os_version', values: ['android_13', 'android_14'] }],
  from: '2026-11-07T00:00:00.000Z',
  to: '2026-11-14T00:00:00.000Z',
  used: [
    { phrase: 'android', as: 'os_version in android_13, android_14' },
    { phrase: 'this week', as: 'the last 7 days of data (2026-11-07 – 2026-11-14)' },
  ],
};
