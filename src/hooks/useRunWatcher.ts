import { useCallback, useEffect, useState } from 'react';
import { RUN_POLL_MS } from '../constants';
import { engine } from '../services/engine';
import { isTerminal } from '../services/investigate';
import type { Run } from '../types/api';

interface Watched {
  runId?: string;
  run?: Run;
  error?: unknown;
}

/**
 * Follows a run: asks the engine for it every RUN_POLL_MS until it succeeds, fails or is cancelled.
 * A failed poll is shown but polling goes on (the engine may be restarting), except for 404.
 */
export function useRunWatcher(runId: string | undefined) {
  const [state, setState] = useState<Watched>({});

  useEffect(() => {
    if (!runId) {
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      let again = true;
      try {
        const r = await engine.run(runId);
        if (stopped) {
          return;
        }
        setState({ runId, run: r });
        again = !isTerminal(r.status);
      } catch (e) {
        if (stopped) {
          return;
        }
        setState((s) => ({ runId, run: s.runId === runId ? s.run : undefined, error: e }));
        again = (e as { status?: number }).status !== 404;
      }
      if (again) {
        timer = setTimeout(poll, RUN_POLL_MS);
      }
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);

  /** Show a run the caller already has (the answer to start or cancel). */
  const setRun = useCallback((r: Run) => setState({ runId: r.id, run: r }), []);
  const current = state.runId === runId;
  return { run: current ? state.run : undefined, error: current ? state.error : undefined, setRun };
}
