/**
 * The static family: single attribute values and pairs of them.
 * Keys computed on the embedded engine over hand-written groups (tests/support/family-node.ts), read back as
 * hypotheses.
 */
import { contextOf, titlesOf, useEmbeddedEngine, type Group } from '../../../tests/support/family-node';
import { staticTemplate } from './static';

const engine = useEmbeddedEngine();

const groups: Group[] = [
  { events: ['open'], attributes: ['android', 'US'] },
  { events: ['open'], attributes: ['ios', 'DE'] },
  { events: ['open'], attributes: ['android', 'DE'] },
];
const ctx = () => contextOf(groups, { attributes: ['os_version', 'country'] });

describe('static', () => {
  it('puts each group in its values and their pair, and in no other', async () => {
    const [us, ios, de] = await titlesOf(engine(), staticTemplate, {}, ctx(), groups);
    expect(us).toEqual(['groups with country = US', 'groups with os_version = android', 'groups with os_version = android and country = US']);
    expect(ios).toEqual(['groups with country = DE', 'groups with os_version = ios', 'groups with os_version = ios and country = DE']);
    expect(de).toContain('groups with os_version = android and country = DE');
  });

  it('tests only the attributes it is given', async () => {
    const [us] = await titlesOf(engine(), staticTemplate, { attributes: ['country'] }, ctx(), groups);
    expect(us).toEqual(['groups with country = US']);
  });
});
