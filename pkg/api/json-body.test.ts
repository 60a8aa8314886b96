import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { acceptEmptyJsonBody } from './json-body';

describe('acceptEmptyJsonBody', () => {
  let app: FastifyInstance;
  let url = '';
  beforeAll(async () => {
    app = Fastify({ logger: false });
    acceptEmptyJsonBody(app);
    app.post('/echo', async (req) => ({ body: req.body ?? null }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const post = async (body: string | undefined) => {
    const r = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: r.status, body: await r.json() };
  };

  it('reads an empty JSON body (as Grafana sends it on a POST without data) as no body', async () => {
    await expect(post('')).resolves.toEqual({ status: 200, body: { body: null } });
    await expect(post(undefined)).resolves.toEqual({ status: 200, body: { body: null } });
  });

  it('parses JSON as before, and still refuses bad JSON and prototype poisoning', async () => {
    await expect(post('{"a":1}')).resolves.toEqual({ status: 200, body: { body: { a: 1 } } });
    await expect(post('{"a":')).resolves.toMatchObject({ status: 400 });
    await expect(post('{"__proto__":{"x":1}}')).resolves.toMatchObject({ status: 400 });
  });
});
