/** The dataset and catalog: GET /api/dataset, /api/scope, /api/kpis, /api/templates. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { catalog } from '../../templates/catalog';
import * as S from '../schemas';
import { registerScopeRoute } from '../scope-route';
import { iso, kpiView } from '../views';
import { doc, type RouteDeps } from './deps';

export const datasetRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, d) => {
  const { cfg } = d;
  app.get(
    '/api/dataset',
    {
      schema: {
        ...doc('Schema of the dataset, its KPIs, contexts and most frequent event names (checked against the data)'),
        tags: ['dataset'],
        querystring: z.object({ refresh: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: S.DatasetBody, ...S.errorsOf(400, 401, 422, 503) },
      },
    },
    async (req) => {
      const ds = await d.dataset.get(req.query.refresh === 'true');
      const e = cfg.dataset.events;
      return {
        events: { source: e.source, time: e.time, group: e.group, user: e.user ?? null, event: e.event, attributes: e.attributes, timezone: e.timezone },
        columns: ds.columns.map((c) => ({ name: c.name, type: c.type })),
        kpis: ds.kpis.map((k) => ({ ...kpiView(k.kpi), outcome_events: k.outcomeEvents })),
        contexts: cfg.dataset.context.map((c) => ({ name: c.name, source: c.source, time: c.time, value: c.value, threshold: c.threshold ?? null })),
        event_names: ds.vocab.slice(0, 200).map((v) => ({ name: v.name, events: Number(v.events), groups: Number(v.groups) })),
        range: { from: iso(ds.range.from), to: iso(ds.range.to) },
        groups: ds.groups,
        total_events: ds.totalEvents,
        inspected_at: iso(d.dataset.inspectedAt()),
      };
    },
  );

  registerScopeRoute(app, cfg, d.executor, d.datasetTtlMs);

  app.get(
    '/api/kpis',
    { schema: { ...doc('The configured KPIs (no query)'), tags: ['dataset'], response: { 200: z.array(S.Kpi), ...S.errorsOf(401) } } },
    async () => cfg.kpis.map(kpiView),
  );

  app.get(
    '/api/templates',
    { schema: { ...doc('The template catalog: each family with its parameter schema (JSON Schema)'), tags: ['dataset'], response: { 200: z.array(S.Template), ...S.errorsOf(401) } } },
    async () => catalog().map((c) => ({ ...c, params_schema: c.params_schema as Record<string, unknown> })),
  );
};
