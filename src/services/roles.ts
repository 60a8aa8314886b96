/**
 * What the signed-in user may do, as Grafana's plugin proxy decides it: plugin.json routes let Viewers GET and
 * need Editor for POST (start, cancel) and PATCH (triage). Org roles include the ones below them.
 */
export type OrgRole = 'None' | 'Viewer' | 'Editor' | 'Admin';

const ORDER: OrgRole[] = ['None', 'Viewer', 'Editor', 'Admin'];

/** Whether `role` includes `needed` (Grafana's OrgRole.Includes). Unknown roles include nothing. */
export function includesRole(role: string | undefined, needed: OrgRole): boolean {
  const i = ORDER.indexOf(role as OrgRole);
  return i >= 0 && i >= ORDER.indexOf(needed);
}

/** Why this user cannot start, cancel or triage; undefined when they can. */
export function editBlockedReason(role: string | undefined): string | undefined {
  return includesRole(role, 'Editor')
    ? undefined
    : 'Editors can start investigations and triage leads; you are signed in as a Viewer.';
}
