/**
 * JSON bodies as Fastify parses them, except that an empty body reads as no body. Grafana's backend_srv (and so
 * the plugin proxy) sends `content-type: application/json` with an empty body on a POST without data; Fastify's
 * default parser answers that with 400 "Body cannot be empty…", which broke Cancel (POST /api/runs/:id/cancel).
 * Routes that need a body still refuse an empty one: their schema validation sees no body.
 */
import type { FastifyInstance } from 'fastify';

export function acceptEmptyJsonBody(app: FastifyInstance): void {
  // The default parser keeps its prototype-poisoning checks for every non-empty body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(req, text, done);
  });
}
