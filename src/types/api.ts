/**
 * The engine's HTTP API as the app reads it: every type here is looked up in src/types/engine.gen.ts, which
 * openapi-typescript generates from docs/openapi.json, which scripts/openapi.ts writes from the engine's zod schemas
 * (pkg/api/schemas.ts). Nothing is written out by hand: a change to a schema reaches the app through `npm run
 * contract`, and tests/pkg/contract.test.ts fails while the generated files are stale.
 */
import { FAMILY_NAMES, type paths } from './engine.gen';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of a response of an operation. */
type Res<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends { responses: infer R }
  ? S extends keyof R
    ? Json<R[S]>
    : never
  : never;
/** The JSON body of a request. */
type Req<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
/** The query parameters of an operation. */
type Query<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type EngineErrorBody = Res<'/api/runs/{id}', 'get', 404>;
export type Health = Res<'/api/health', 'get', 200>;
export type Kpi = Res<'/api/kpis', 'get', 200>[number];
export type Template = Res<'/api/templates', 'get', 200>[number];
export type DatasetInfo = Res<'/api/dataset', 'get', 200>;
export type Run = Res<'/api/runs/{id}', 'get', 200>;
export type RunStatus = Run['status'];
export type RunRequest = Req<'/api/runs', 'post'>;
export type Family = NonNullable<RunRequest['families']>[number];
export type Plan = Res<'/api/runs/{id}/plan', 'get', 200>;
export type Lead = Res<'/api/opportunities', 'get', 200>['items'][number];
export type TriageStatus = Lead['status'];
export type LeadDetail = Res<'/api/opportunities/{id}', 'get', 200>;
export type Opportunity = LeadDetail['opportunity'];
export type Refinement = NonNullable<Opportunity['refinements']>[number];
export type Series = NonNullable<LeadDetail['evidence']['series']>;
export type ContextSeries = Res<'/api/opportunities/{id}/context', 'get', 200>;
export type Half = NonNullable<LeadDetail['evidence']['halves']>[number];
export type TriageRequest = Req<'/api/opportunities/{id}', 'patch'>;
export type ScopePreview = Res<'/api/scope', 'get', 200>;
export type PromptKpis = Res<'/api/scope/kpis', 'get', 200>;
export type ScopeFilter = NonNullable<RunRequest['filters']>[number];

/** A page of a list endpoint (runs, leads): the items and where they are in the whole. */
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

/** GET /api/opportunities's filters, as the app builds them (lists as arrays; engine.ts joins them). */
type LeadListQuery = Query<'/api/opportunities', 'get'>;
export type LeadQuery = {
  kpi?: string[];
  status?: TriageStatus[];
  template?: string[];
  known?: boolean;
  run?: string;
  from?: string;
  to?: string;
  sort?: LeadListQuery['sort'];
  limit?: number;
  offset?: number;
};

/** Every value of a union, once: a missing or extra member fails to compile. */
const all =
  <U extends string>() =>
  <const A extends readonly U[]>(values: A & ([U] extends [A[number]] ? unknown : 'missing a member')) =>
    values;

export const TRIAGE_STATUSES = all<TriageStatus>()(['new', 'acknowledged', 'useful', 'dismissed']);
// From the engine's contract (generated): a family added to the engine's catalog reaches the app with `npm run contract`.
export const FAMILIES = all<Family>()(FAMILY_NAMES);
