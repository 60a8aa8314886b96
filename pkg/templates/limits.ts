/**
 * Caps on template parameters. Every list, name and duration a request (API or LLM plan) can pass to a template is
 * bounded here, so one request cannot make the service build a query or a JSON document that exhausts its memory
 * ("AST is too big", a heap of gigabytes): the same schemas check the API's params and repair the LLM's.
 */
import { z } from 'zod';
import { parseDuration } from '../config/schema';

export const PARAM_LIMITS = {
  /** Names (events, attributes, contexts) in one list parameter, and entries of a token map. */
  names: 100,
  /** Characters of one name. */
  nameLength: 200,
  /** Thresholds in one threshold list (each is a CASE branch per candidate). */
  thresholds: 20,
  /** Explicit pairs (absence, retries, time_between). */
  pairs: 100,
  /** Longest `within` window: 7 days. */
  withinMaxMs: 7 * 86_400_000,
} as const;

/** An event, attribute or context name. */
export const paramName = z.string().min(1).max(PARAM_LIMITS.nameLength);

export const nameList = () => z.array(paramName).max(PARAM_LIMITS.names);

export const thresholdList = <T extends z.ZodType>(item: T) => z.array(item).max(PARAM_LIMITS.thresholds);

export const pairList = <T extends z.ZodType>(item: T) => z.array(item).max(PARAM_LIMITS.pairs);

/** A template's `within`: a duration (500ms, 30s, 5m, 2h, 1d), checked and bounded when the request arrives. */
export const within = (dflt: string) =>
  z
    .string()
    .max(40)
    .superRefine((s, ctx) => {
      let ms: number;
      try {
        ms = parseDuration(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return;
      }
      if (ms < 1 || ms > PARAM_LIMITS.withinMaxMs)
        ctx.addIssue({ code: 'custom', message: `must be between 1ms and 7d, not ${JSON.stringify(s)}` });
    })
    .default(dflt);
