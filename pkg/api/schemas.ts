/** Request and response schemas of the HTTP API (zod); the OpenAPI document is generated from them. */
import { z } from 'zod';
import { FAMILIES } from '../templates/catalog';
import { PLANNER_CHOICES, RUN_STATUSES, TRIAGE_STATUSES } from '../store/types';
import { parseTime, TIME_FORMAT } from '../service/validate';

export const isoTime = z.string().describe('ISO 8601 date-time (UTC)');
const json = z.record(z.string(), z.unknown());

export const ErrorBody = z
  .object({
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string().describe('What is wrong, naming the field, id or header'),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Each invalid field, for 400'),
  })
  .describe('An error');

export const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 429: ErrorBody, 500: ErrorBody, 503: ErrorBody };
export const errorsOf = (...codes: (keyof typeof errors)[]) => Object.fromEntries(codes.map((c) => [c, errors[c]])) as Partial<typeof errors>;

export const Family = z.enum(FAMILIES);

/** Values of a list filter: comma-separated (`a,b`), repeated (`x=a&x=b`) or both; undefined when there are none. */
export function splitList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const out = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/**
 * A list filter of fixed values (see splitList): the OpenAPI document lists the allowed values, and every unknown
 * one is named in a single issue on the parameter itself (`querystring.status: unknown status x; statuses are: …`).
 */
function enumList<const V extends readonly string[]>(values: V, noun: string, plural: string) {
  return z.preprocess(
    (v, ctx) => {
      const out = splitList(v);
      const bad = (out ?? []).filter((s) => !(values as readonly string[]).includes(s));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown ${noun} ${bad.join(', ')}; ${plural} are: ${values.join(', ')}`, input: v });
      return out;
    },
    z.array(z.enum(values)).optional(),
  );
}
const when = z
  .string()
  .max(40)
  .refine((s) => parseTime(s) !== undefined, { message: `expected ${TIME_FORMAT}` })
  .describe('ISO 8601 date or date-time (UTC unless it has an offset), 1970–2200');

/** Paging: `offset` is bounded so it cannot wrap around the store's UInt32 (4294967296 read as 0). */
export const LIST_LIMITS = { maxLimit: 500, maxOffset: 1_000_000 } as const;
const paging = {
  limit: z.coerce.number().int().min(1).max(LIST_LIMITS.maxLimit).default(50),
  offset: z.coerce.number().int().min(0).max(LIST_LIMITS.maxOffset).default(0),
};

export const RunRequestBody = z
  .object({
    prompt: z.string().max(4000).optional().describe('What to look for, in words; picks KPIs and explains the plan'),
    kpis: z.array(z.string().min(1).max(200)).max(100).optional().describe('KPIs to analyze (default: from the prompt, else all)'),
    families: z.array(Family).max(FAMILIES.length).optional().describe('Template families to test (default: every available one)'),
    params: z
      .partialRecord(Family, json)
      .optional()
      .describe('Per-family parameters; each checked against the family’s schema (GET /api/templates)'),
    from: when.optional().describe('Window start (inclusive)'),
    to: when.optional().describe('Window end (exclusive)'),
    planner: z.enum(PLANNER_CHOICES).optional().describe('auto (default): the LLM planner when planner.llm is configured, else deterministic'),
    filters: z
      .array(z.object({ attribute: z.string().min(1), values: z.array(z.string()).min(1).max(500) }).strict())
      .max(50)
      .optional()
      .describe('Only groups with these attribute values. Absent: read from the prompt (attribute values it names; its time phrase sets the window when from/to are absent). Present, even empty: exactly these, and no scope from the prompt'),
  })
  .strict();

export const Progress = z.object({
  stage: z.string().describe('queued, inspect, plan, sessionize, profile, compile, aggregate, experts, evidence, store, done; a failed or cancelled run keeps the stage it stopped in'),
  done: z.number(),
  total: z.number(),
  unit: z.string().describe('What done/total count: queries (aggregate), leads (evidence, store), stages (the analysis stages), or empty'),
  message: z.string().optional(),
  updated_at: isoTime,
  kpi_leads: z
    .array(
      z.object({
        kpi: z.string(),
        leads: z.number().describe('How many leads this KPI has'),
        top: z
          .array(
            z.object({
              id: z.string().describe('The id the lead will have once stored (GET /api/opportunities/{id} after the run)'),
              kpi: z.string(),
              template: z.string(),
              title: z.string(),
              cohort: z.string(),
              rank: z.number(),
              cohort_size: z.number(),
              kpi_cohort: z.number(),
              kpi_rest: z.number(),
              effect: z.object({ measure: z.string(), value: z.number(), ci_low: z.number(), ci_high: z.number() }),
              q_value: z.number(),
              impact: z.number(),
              coverage: z.number().nullable(),
            })
          )
          .describe('Its top leads (at most 5), ranked'),
      })
    )
    .optional()
    .describe('While the run goes on: each KPI whose leads are final, in the order they finished; the stored leads replace them when the run ends'),
});

export const Scope = z.object({
  filters: z.array(z.object({ attribute: z.string(), values: z.array(z.string()) })),
  from: isoTime.optional(),
  to: isoTime.optional(),
  used: z.array(z.object({ phrase: z.string(), as: z.string() })).describe('Each prompt phrase the scope or plan took, and what it became'),
  ignored: z.array(z.string()).describe('Prompt words nothing used'),
});
export const PlanItem = z.object({ template: z.string(), params: json, kpis: z.array(z.string()), reason: z.string() });
export const PlanBody = z.object({
  run_id: z.string(),
  created_at: isoTime,
  planner: z.string().describe('deterministic or llm'),
  fallback: z.string().nullable().describe('Why the LLM planner’s plan was not used, if it was asked'),
  kpis: z.array(z.string()),
  items: z.array(PlanItem).describe('The hypothesis classes chosen, in order, each with why'),
  notes: z.array(z.string()),
  feedback: json.nullable().describe('Earlier triage and effect sizes given to the planner (FeedbackSummary)'),
  scope: Scope.nullable().optional().describe('What the run analysed: filters and window, the prompt words used for them, and the words nothing used'),
});

export const RunSummary = z.object({
  hypotheses_tested: z.number(),
  kpis: z.array(z.object({ name: z.string(), kind: z.string(), groups: z.number(), value: z.number(), coverage: z.number().nullable().optional().describe('Share of the KPI’s failed groups in any of its leads (numeric: their excess as a share of the total)') })),
  window: z.object({ from: z.string(), to: z.string() }),
  groups: z.number(),
  events: z.number(),
  timings: z.record(z.string(), z.number()),
  dropped_by_robust_inference: z.number(),
  watch: z
    .object({
      incremental: z.boolean().describe('Only the changed time slices were analyzed; the rest came from stored partial counts'),
      reason: z.string().describe('Why the run was full, or what the incremental run recomputed'),
      slices_computed: z.number().describe('Time slices sessionized and scanned by this run'),
      slices_in_window: z.number(),
      slice_hours: z.number().describe('Width of a slice in hours (the window’s time bucket)'),
      window_copy_s: z.number().describe('Seconds copying the window’s stored groups for the leads’ membership'),
    })
    .optional()
    .describe('Scheduled runs of an investigation run as a watch (see README, Watch runs)'),
  leads: z.number(),
  new_leads: z.number(),
  known_leads: z.number(),
  lead_ids: z.array(z.string()),
});

export const RunBody = z.object({
  id: z.string(),
  status: z.enum(RUN_STATUSES),
  created_at: isoTime,
  started_at: isoTime.nullable(),
  finished_at: isoTime.nullable(),
  updated_at: isoTime,
  request: json,
  progress: Progress,
  planner: z.string().nullable(),
  error: z.string().nullable().describe('Why the run failed or stopped'),
  summary: RunSummary.nullable(),
  plan: PlanBody.nullable(),
  investigation_id: z.string().nullable(),
  links: z.object({ self: z.string(), plan: z.string(), opportunities: z.string(), cancel: z.string() }),
});

export const RunList = z.object({ items: z.array(RunBody.omit({ plan: true })), total: z.number(), limit: z.number(), offset: z.number() });

export const RunListQuery = z
  .object({
    status: enumList(RUN_STATUSES, 'status', 'statuses').describe(`Comma-separated or repeated: ${RUN_STATUSES.join(', ')}`),
    investigation: z.string().max(100).optional(),
    ...paging,
  })
  .strict();

export const Lead = z.object({
  id: z.string().describe('sha256 of the fingerprint: the same hypothesis on the same KPI is the same lead in every run'),
  fingerprint: z.string(),
  kpi: z.string(),
  template: z.string(),
  region: z.string().describe('Coarse parameter region (for priors from triage)'),
  title: z.string(),
  cohort: z.string(),
  impact: z.number(),
  effect: z.object({ measure: z.string(), value: z.number() }),
  relative_effect: z.number().nullable(),
  q_value: z.number(),
  p_value: z.number(),
  cohort_size: z.number(),
  rank: z.number(),
  stable: z.boolean(),
  status: z.enum(TRIAGE_STATUSES),
  note: z.string(),
  triaged_at: isoTime.nullable(),
  triaged_by: z.string(),
  known: z.boolean().describe('Found by an earlier run too'),
  runs_seen: z.number(),
  first_seen: isoTime,
  last_seen: isoTime,
  first_run_id: z.string(),
  last_run_id: z.string(),
  link: z.string(),
  kpi_cohort: z.number().nullable().optional().describe('In lists: the KPI in the cohort (failure rate, or mean of a numeric KPI)'),
  kpi_rest: z.number().nullable().optional().describe('In lists: the KPI in the rest of the groups'),
  coverage: z.number().nullable().optional().describe("In lists: share of the KPI's failed groups (numeric: of its excess) in the cohort"),
  new_in_run: z.boolean().optional().describe('With ?run: whether that run found the lead first'),
});

export const LeadList = z.object({ items: z.array(Lead), total: z.number(), limit: z.number(), offset: z.number() });

export const LeadListQuery = z
  .object({
    kpi: z.union([z.string(), z.array(z.string())]).optional().describe('KPI name(s), comma-separated or repeated'),
    status: enumList(TRIAGE_STATUSES, 'status', 'statuses').describe(`Comma-separated or repeated: ${TRIAGE_STATUSES.join(', ')}`),
    template: enumList(FAMILIES, 'template', 'templates').describe(`Family name(s): ${FAMILIES.join(', ')}`),
    known: z.enum(['true', 'false']).optional(),
    run: z.string().max(100).optional().describe('Only leads found by this run'),
    from: when.optional().describe('Leads seen at or after this time (last_seen ≥ from)'),
    to: when.optional().describe('Leads first seen before this time (first_seen < to)'),
    sort: z.enum(['impact', 'last_seen', 'first_seen', 'q_value']).default('impact'),
    ...paging,
  })
  .strict();

export const Series = z
  .object({
    from: z.union([z.number(), z.string()]),
    width_ms: z.number(),
    cohort: z.array(z.object({ groups: z.number(), value: z.number().nullable() })),
    rest: z.array(z.object({ groups: z.number(), value: z.number().nullable() })),
  })
  .describe('Cohort vs rest per time bucket');

export const HalfResult = z
  .object({
    from: isoTime,
    to: isoTime,
    cohort_groups: z.number(),
    kpi_cohort: z.number().nullable(),
    kpi_rest: z.number().nullable(),
    p: z.number().nullable().describe('One-sided p of the cohort being worse in this half (null with < 2 groups on a side)'),
    holds: z.boolean().describe('p < 0.05 and worse'),
  })
  .describe('The KPI in the cohort vs the rest in one half of the window (pkg/pipeline/evidence.ts stabilityOf)');

export const Evidence = z.object({
  run_id: z.string().describe('The run this evidence is from'),
  series: Series.nullable(),
  halves: z.array(HalfResult).nullable().describe('The KPI in the cohort vs the rest in each half of the window'),
  example_groups: z.array(z.string()).describe('Up to 20 ids of groups in the cohort'),
  example_error: z.string().optional(),
  group_column: z.string(),
  sql: z.string().describe('Standalone SELECT of the cohort’s groups'),
});

export const TriageEntry = z.object({ at: isoTime, status: z.enum(TRIAGE_STATUSES), previous_status: z.string(), note: z.string(), by: z.string() });
export const LeadRun = z.object({
  run_id: z.string(),
  seen_at: isoTime,
  rank: z.number(),
  is_new: z.boolean(),
  impact: z.number(),
  effect: z.number(),
  q_value: z.number(),
  cohort_size: z.number(),
});

export const ConfounderHint = z.object({ attribute: z.string(), value: z.string(), share_in_cohort: z.number(), share_elsewhere: z.number() });

/** The trend expert's details (pkg/experts/trend.ts): every field optional, as older leads may lack some. */
export const Trend = z
  .object({
    slope_per_day: z.number().nullable(),
    unit: z.string(),
    onset: isoTime,
    change_point: isoTime.nullable(),
    cohort_first_seen: isoTime,
    trend_p: z.number().nullable(),
    change_point_p: z.number().nullable(),
    buckets: z.number(),
    recent_relative_difference: z.number().nullable(),
    recent_p: z.number().nullable(),
  })
  .partial()
  .loose()
  .describe('When the cohort’s KPI is getting worse over the window');

/** What an analysis says of one lead (pipeline/analyze.ts Opportunity), its refinements apart. */
const OpportunityFields = z
  .object({
    rank: z.number(),
    kpi: z.string(),
    template: z.string(),
    title: z.string(),
    cohort: z.string(),
    statement: z.string().describe('The lead in words, with its numbers, as an association'),
    confounder_hints: z.array(ConfounderHint).optional().describe('Static attribute values over-represented in the cohort (non-local leads)'),
    params: json,
    cohort_size: z.number(),
    kpi_cohort: z.number(),
    kpi_rest: z.number(),
    effect: z.object({ measure: z.string(), value: z.number(), ci_low: z.number(), ci_high: z.number() }),
    p_value: z.number(),
    q_value: z.number(),
    impact: z.number(),
    experts: z.array(z.string()),
    test: z.string(),
    trend: Trend.optional(),
    series: Series.optional(),
    inference: z.string().describe('How the CI and q account for dependence'),
    stable: z.boolean(),
    stability: z.object({ stable: z.boolean(), halves: z.array(HalfResult) }).nullable(),
    fingerprint: z.string(),
    related: z.array(z.string()),
    sql: z.string().describe('Selects the cohort’s groups'),
    coverage: z.number().nullable().optional().describe('Share of the KPI’s failed groups in the cohort (numeric KPIs: share of the KPI’s total that is excess in it)'),
    incremental_coverage: z.number().nullable().optional().describe('The same over the groups in none of the leads ranked above this one'),
  });

/** A refinement is stated as a lead is; its kpi_rest is the KPI in the lead's other groups. */
export const Refinement = OpportunityFields.pick({ template: true, cohort: true, params: true, cohort_size: true, kpi_cohort: true, kpi_rest: true, effect: true, q_value: true, sql: true })
  .extend({ key: z.string() })
  .describe('A narrower cohort inside the lead that is worse than the rest of it');

/**
 * The whole lead as the analysis reported it (pkg/pipeline/analyze.ts Opportunity, stored with the lead). Loose:
 * fields a newer analysis adds pass through to clients before this schema names them.
 */
export const Opportunity = OpportunityFields.extend({
  refinements: z.array(Refinement).optional().describe('Narrower cohorts inside this one, worse than the rest of it'),
}).loose();

export const LeadDetail = Lead.extend({
  statement: z.string(),
  opportunity: Opportunity,
  evidence: Evidence,
  triage: z.array(TriageEntry),
  history: z.array(LeadRun).describe('Each run that found it, newest first'),
});

export const ContextSeriesBody = z.object({
  context: z.string().describe('The context metric (dataset.context name) the lead’s cohort overlapped'),
  threshold: z.number().describe('The threshold the lead’s hypothesis used (the configured one, else the p95 of the run’s window)'),
  from: isoTime,
  to: isoTime,
  bucket_ms: z.number().describe('Width of each point’s bucket'),
  points: z.array(z.object({ time: isoTime, value: z.number() })).describe('Each bucket’s start and the highest sample in it (at most 240 buckets; empty buckets left out)'),
  windows: z.array(z.object({ from: isoTime, to: isoTime })).describe('Where the metric was above the threshold, each sample covering one sampling step'),
});

export const LeadDetailQuery = z.object({ run: z.string().optional().describe('Evidence as of this run (default: the last run that found it)') }).strict();

export const TriageBody = z
  .object({
    status: z.enum(TRIAGE_STATUSES).optional(),
    note: z.string().max(4000).optional(),
    by: z.string().min(1).max(200).optional().describe('Who triages (default: api)'),
  })
  .strict()
  .refine((b) => b.status !== undefined || b.note !== undefined, { message: 'give a status or a note (or both)' });

export const Schedule = z
  .object({
    every: z
      .string()
      .max(20)
      .regex(/^\s*\d+(\.\d+)?\s*(m|h|d)\s*$/, 'expected an interval of minutes, hours or days, e.g. 30m, 6h, 1d')
      .describe('Interval between runs: 30m, 6h, 1d (from 1m to 365d)'),
  })
  .strict();

export const InvestigationInput = z
  .object({
    name: z.string().min(1).max(200),
    request: RunRequestBody,
    schedule: Schedule.nullable().optional().describe('null or absent: run on demand only'),
    enabled: z.boolean().default(true),
  })
  .strict();

export const InvestigationPatch = z
  .object({
    name: z.string().min(1).max(200).optional(),
    request: RunRequestBody.optional(),
    schedule: Schedule.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const Investigation = z.object({
  id: z.string(),
  name: z.string(),
  request: json,
  schedule: z.object({ every: z.string(), every_ms: z.number() }).nullable(),
  enabled: z.boolean(),
  created_at: isoTime,
  updated_at: isoTime,
  last_run_id: z.string().nullable(),
  last_run_at: isoTime.nullable(),
  next_run_at: isoTime.nullable(),
});

export const InvestigationList = z.object({ items: z.array(Investigation), total: z.number(), limit: z.number(), offset: z.number() });

export const InvestigationListQuery = z.object({ ...paging }).strict();

export const IdParam = z.object({ id: z.string().min(1).max(100) }).strict();

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  store: z.enum(['embedded', 'server']),
  schema_version: z.number(),
  runs: z.object({ queued: z.number(), running: z.number(), max_queued: z.number().describe('More waiting runs answer 429') }),
  store_writable: z.boolean().describe('Whether the results store took the last write (or a probe write, at most 30 s old)'),
  store_error: z.string().nullable().describe('Why the last write failed'),
});

export const Kpi = z.object({
  name: z.string(),
  kind: z.string(),
  description: z.string(),
  definition: json.describe('The KPI as configured: funnel, failure_events, failure_when or numeric'),
  higher_is_better: z.boolean(),
});

export const DatasetBody = z.object({
  events: z.object({
    source: z.string(),
    time: z.string(),
    group: z.string(),
    user: z.string().nullable(),
    event: z.string(),
    attributes: z.array(z.string()),
    timezone: z.string(),
  }),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  kpis: z.array(Kpi.extend({ outcome_events: z.array(z.string()) })),
  contexts: z.array(z.object({ name: z.string(), source: z.string(), time: z.string(), value: z.string(), threshold: z.number().nullable() })),
  event_names: z.array(z.object({ name: z.string(), events: z.number(), groups: z.number() })).describe('Most frequent first (up to 200)'),
  range: z.object({ from: isoTime, to: isoTime }),
  groups: z.number(),
  total_events: z.number(),
  inspected_at: isoTime,
});

export const Template = z.object({
  name: Family,
  label: z.string().describe('How users read the family, e.g. "missing follow-up"'),
  summary: z.string(),
  example: z.string(),
  params_schema: z
    .object({ properties: z.record(z.string(), z.object({ default: z.unknown().optional() }).loose()).optional() })
    .loose()
    .describe('JSON Schema of the family’s parameters'),
});
