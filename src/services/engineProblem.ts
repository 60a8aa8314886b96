/**
 * One page-level problem from the engine calls a page made, so a broken connection shows once (with what to do)
 * instead of an error in every card, and actions that cannot work are turned off.
 */
import { EngineError } from './engine';

export interface EngineProblem {
  kind: 'unreachable' | 'refused' | 'not-configured';
  title: string;
  /** What to do, for the user in front of it: admins fix the configuration, others ask an admin. */
  action: string;
}

/** The first connection or token problem among `errors` (other errors, e.g. a bad request, are the page's own). */
export function engineProblem(errors: unknown[], isAdmin: boolean): EngineProblem | undefined {
  const fix = (what: string) =>
    isAdmin
      ? `Check ${what} on the app's configuration page.`
      : `Ask a Grafana admin to check ${what} in the app's configuration.`;
  for (const e of errors) {
    if (!(e instanceof EngineError)) {
      continue;
    }
    if (e.status === 0 || e.status === 502 || e.status === 503 || e.status === 504) {
      return {
        kind: 'unreachable',
        title: 'The Surfacer engine is unreachable through Grafana',
        action: fix('the engine URL (and that `surfacer serve` is running)'),
      };
    }
    if (e.status === 401) {
      return { kind: 'refused', title: 'The engine refused Grafana’s token', action: fix('the engine token') };
    }
    if (e.status === 404 && /not found \(404\)/.test(e.message)) {
      return { kind: 'not-configured', title: 'The engine URL is not set up', action: fix('the engine URL') };
    }
  }
  return undefined;
}
