import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  loading: boolean;
  error?: unknown;
  /** The latest value; kept while a new request for other deps is in flight. */
  value?: T;
  reload: () => void;
  /** Replace the value in place (optimistic updates). */
  setValue: (action: T | undefined | ((prev: T | undefined) => T | undefined)) => void;
}

/** Runs `fn` when `deps` (plain values) change; the answer of a superseded call is dropped. */
export function useAsync<T>(fn: () => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [tick, setTick] = useState(0);
  const key = `${JSON.stringify(deps)}#${tick}`;
  const fnRef = useRef(fn);
  useLayoutEffect(() => {
    fnRef.current = fn;
  });
  const [state, setState] = useState<{ key?: string; value?: T; error?: unknown }>({});

  useEffect(() => {
    let live = true;
    fnRef.current().then(
      (value) => live && setState({ key, value }),
      (error) => live && setState((s) => ({ key, value: s.value, error }))
    );
    return () => {
      live = false;
    };
  }, [key]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setValue = useCallback<AsyncState<T>['setValue']>(
    (action) =>
      setState((s) => ({
        ...s,
        value: typeof action === 'function' ? (action as (p: T | undefined) => T | undefined)(s.value) : action,
      })),
    []
  );
  const settled = state.key === key;
  return { loading: !settled, error: settled ? state.error : undefined, value: state.value, reload, setValue };
}
