/** The signed-in user's org role and whether they are an admin, from Grafana's boot data. */
import { config } from '@grafana/runtime';

export function useOrgRole(): { role: string | undefined; isAdmin: boolean } {
  const user = config.bootData?.user;
  return { role: user?.orgRole, isAdmin: user?.orgRole === 'Admin' || !!user?.isGrafanaAdmin };
}
