import { config } from '@grafana/runtime';

/** Who triages: the Grafana user's login when known, else "grafana". */
export function triageActor(): string {
  const login = config.bootData?.user?.login;
  return typeof login === 'string' && login.trim() ? login : 'grafana';
}
