/** The Ollama client of the LLM planner: one chat request, bounded in time, and its failures as one-line reasons. */
import { Ollama } from 'ollama';
import { oneLine } from './text';

export const DEFAULT_TIMEOUT_MS = 60_000;

export interface OllamaOptions {
  /** Ollama server, e.g. http://127.0.0.1:11434. */
  host: string;
  model: string;
  /** Whole request, connect to last byte; default 60000. */
  timeoutMs?: number;
  /** Cancels the request (the plan then falls back like on a timeout). */
  signal?: AbortSignal;
}

export interface ChatRequest {
  messages: { role: 'system' | 'user'; content: string }[];
  /** Ollama's `format`: the JSON schema of the answer. */
  format: Record<string, unknown>;
}

class PlannerUnavailable extends Error {}

/** Asks the model; resolves with its answer's text, or rejects with a one-line reason. */
export async function ask(chat: ChatRequest, opts: OllamaOptions): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ac = new AbortController();
  let why = '';
  const stop = (reason: string) => {
    if (!ac.signal.aborted) {
      why = reason;
      ac.abort(new PlannerUnavailable(reason));
    }
  };
  const timer = setTimeout(() => stop(`no answer from ${opts.model} at ${opts.host} within ${timeoutMs} ms`), timeoutMs);
  const onCancel = () => stop('cancelled');
  opts.signal?.addEventListener('abort', onCancel, { once: true });
  if (opts.signal?.aborted) onCancel();
  const aborted = new Promise<never>((_, reject) => {
    ac.signal.addEventListener('abort', () => reject(new PlannerUnavailable(why)), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    // ollama-js passes an AbortSignal to fetch only for streamed requests; a custom fetch bounds this one.
    const client = new Ollama({
      host: opts.host,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, ac.signal]) : ac.signal }),
    });
    const res = await Promise.race([
      client.chat({
        model: opts.model,
        messages: chat.messages,
        format: chat.format,
        stream: false,
        options: { temperature: 0 },
      }),
      aborted,
    ]);
    const content = res?.message?.content;
    if (typeof content !== 'string') throw new PlannerUnavailable(`${opts.host} answered without a message`);
    if (res.done_reason === 'length' && !content.trim().endsWith('}')) {
      throw new PlannerUnavailable(`the model's answer was cut at its length limit (done_reason "length")`);
    }
    return content;
  } catch (e) {
    if (ac.signal.aborted) throw new PlannerUnavailable(why);
    throw new PlannerUnavailable(describeError(e, opts.host));
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCancel);
  }
}

function describeError(e: unknown, host: string): string {
  const err = e as { name?: string; message?: string; status_code?: number; error?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e instanceof PlannerUnavailable) return e.message;
  if (err?.name === 'ResponseError' && typeof err.status_code === 'number') return `${host} answered HTTP ${err.status_code}: ${oneLine(err.error ?? err.message ?? '', 160)}`;
  const code = err?.cause?.code ?? err?.code;
  if (code === 'ERR_INVALID_URL') return `the host ${JSON.stringify(host)} is not a valid URL`;
  if (code) return `cannot reach ${host} (${code})`;
  if (err?.name === 'SyntaxError') return `${host} sent a response that is not JSON`;
  return `${host}: ${oneLine(err?.message ?? String(e), 160)}`;
}

/** The model's answer text → JSON: tolerates a code fence or a leading <think> block around one JSON object. */
export function parseAnswer(text: string): unknown {
  let t = text.trim().replace(/^<think>[\s\S]*?<\/think>\s*/, '');
  const fence = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(t);
  if (fence) t = fence[1]!;
  return JSON.parse(t);
}
