import { editBlockedReason, includesRole } from './roles';

describe('roles', () => {
  test('orders roles as Grafana does', () => {
    expect(includesRole('Admin', 'Editor')).toBe(true);
    expect(includesRole('Editor', 'Editor')).toBe(true);
    expect(includesRole('Viewer', 'Editor')).toBe(false);
    expect(includesRole('None', 'Viewer')).toBe(false);
    expect(includesRole(undefined, 'Viewer')).toBe(false);
  });

  test('tells a Viewer that Editors can start investigations', () => {
    expect(editBlockedReason('Viewer')).toMatch(/^Editors can start investigations/);
    expect(editBlockedReason('Editor')).toBeUndefined();
    expect(editBlockedReason('Admin')).toBeUndefined();
  });
});
