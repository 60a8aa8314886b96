/**
 * A stand-in for an Ollama server, for planner tests: a real HTTP server on 127.0.0.1 (port 0) speaking the
 * documented /api/chat (docs/api.md in ollama/ollama, "Generate a chat completion"):
 *
 * - POST /api/chat with `"stream": false` → one JSON object `{model, created_at, message: {role: "assistant",
 *   content}, done_reason: "stop", done: true, total_duration, load_duration, prompt_eval_count, …}`;
 *   without `"stream": false` (streaming is Ollama's default) → NDJSON chunks, the last one with `done: true`.
 * - an unknown model → 404 `{"error": "model \"x\" not found, try pulling it first"}` (Ollama formats the name with
 *   Go's %q, so double quotes); a body that is not JSON → 400 `{"error": …}`; no model → 400.
 * - empty `messages` → the "load a model" answer (`done_reason: "load"`, empty content).
 * - GET / → "Ollama is running"; GET /api/version; GET /api/tags (the models); other paths → 404 text.
 *
 * Each request is recorded (method, path, headers, parsed body) so tests can assert what the planner sent. What the
 * "model" answers comes from the test's script: content (any text, as a model would write it), an HTTP error, a
 * raw body, or a hang (the server never answers, like a model stuck loading).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any;
}

export type Reply =
  /** The model's message content (a JSON plan, chatter, anything), with extra top-level fields if wanted. */
  | { content: string; doneReason?: string; extra?: Record<string, unknown>; delayMs?: number }
  /** An error the way Ollama sends it: JSON `{"error": message}` with this status. */
  | { status: number; error: string }
  /** A raw body and status (e.g. a proxy's HTML page). */
  | { raw: string; status?: number; contentType?: string }
  /** Never answer. */
  | { hang: true };

export interface OllamaStandin {
  /** e.g. http://127.0.0.1:43123 */
  host: string;
  models: Set<string>;
  requests: RecordedRequest[];
  /** The chat requests only. */
  chats(): RecordedRequest[];
  /** What the next chats answer: one reply for all, or a function of the request body. */
  script(reply: Reply | ((body: any) => Reply)): void;
  close(): Promise<void>;
}

const ndjson = 'application/x-ndjson';
const json = 'application/json; charset=utf-8';

export async function startOllamaStandin(opts: { models?: string[] } = {}): Promise<OllamaStandin> {
  const models = new Set(opts.models ?? ['qwen2.5:7b-instruct']);
  const requests: RecordedRequest[] = [];
  let script: Reply | ((body: any) => Reply) = { content: '{}' };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, body: string, type = json) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const error = (res: ServerResponse, status: number, message: string) => send(res, status, JSON.stringify({ error: message }));
  const timing = { total_duration: 2_254_970_291, load_duration: 574_751_416, prompt_eval_count: 1834, prompt_eval_duration: 1_502_000_000, eval_count: 212, eval_duration: 175_000_000 };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: any = text;
      let parsed = true;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          parsed = false;
        }
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });

      if (req.method === 'GET' && path === '/') return send(res, 200, 'Ollama is running', 'text/plain; charset=utf-8');
      if (req.method === 'GET' && path === '/api/version') return send(res, 200, JSON.stringify({ version: '0.12.6' }));
      if (req.method === 'GET' && path === '/api/tags') {
        return send(res, 200, JSON.stringify({ models: [...models].map((name) => ({ name, model: name, modified_at: new Date().toISOString(), size: 4_683_087_332 })) }));
      }
      if (req.method !== 'POST' || path !== '/api/chat') return send(res, 404, '404 page not found', 'text/plain');

      if (!text) return error(res, 400, 'missing request body');
      if (!parsed) return error(res, 400, `invalid character '${text.trim()[0] ?? ''}' looking for beginning of value`);
      if (typeof body.model !== 'string' || !body.model) return error(res, 400, 'model is required');
      if (!models.has(body.model)) return error(res, 404, `model ${JSON.stringify(body.model)} not found, try pulling it first`);
      const created_at = new Date().toISOString();
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        return send(res, 200, JSON.stringify({ model: body.model, created_at, message: { role: 'assistant', content: '' }, done_reason: 'load', done: true }));
      }

      const reply = typeof script === 'function' ? script(body) : script;
      if ('hang' in reply) return; // the socket stays open until the client gives up or close()
      if ('raw' in reply) return send(res, reply.status ?? 200, reply.raw, reply.contentType ?? 'text/html');
      if ('error' in reply) return error(res, reply.status, reply.error);
      const answer = () => {
        if (body.stream === false) {
          return send(
            res,
            200,
            JSON.stringify({
              model: body.model,
              created_at,
              message: { role: 'assistant', content: reply.content },
              done_reason: reply.doneReason ?? 'stop',
              done: true,
              ...timing,
              ...reply.extra,
            }),
          );
        }
        // Streaming (Ollama's default): the content in pieces, then a final object with done: true.
        res.writeHead(200, { 'Content-Type': ndjson });
        const pieces = reply.content.match(/[\s\S]{1,16}/g) ?? [];
        for (const p of pieces) res.write(`${JSON.stringify({ model: body.model, created_at, message: { role: 'assistant', content: p }, done: false })}\n`);
        res.end(`${JSON.stringify({ model: body.model, created_at, message: { role: 'assistant', content: '' }, done_reason: reply.doneReason ?? 'stop', done: true, ...timing })}\n`);
      };
      if (reply.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) answer();
        }, reply.delayMs);
        timers.add(t);
      } else answer();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    models,
    requests,
    chats: () => requests.filter((r) => r.path === '/api/chat'),
    script(r) {
      script = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
