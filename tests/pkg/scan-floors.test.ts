import { enumerationOnly } from '../../scripts/scan-floors';

describe('scan-floors: a scan cut to its key enumeration', () => {
  const sess = '`surfacer`.`sess_x`';
  const withList = ['WITH', '  -- the keys', '  arrayMap(x -> x + 1, ev) AS keys'];

  it('keeps the WITH list of an aggregate scan and counts keys instead of grouping them', () => {
    const scan = [...withList, '-- one row per key', 'SELECT toString(ik) AS key, count() AS n', `FROM ${sess}`, 'ARRAY JOIN keys AS ik', 'GROUP BY ik', 'SETTINGS prefer_column_name_to_alias = 1'].join('\n');
    expect(enumerationOnly(scan, sess)).toBe(
      [...withList, '-- one row per key', 'SELECT count() AS groups, sum(length(keys)) AS key_rows', `FROM ${sess}`, 'SETTINGS prefer_column_name_to_alias = 1'].join('\n')
    );
  });

  it('drops the CREATE TABLE of a stored scan', () => {
    const store = [`CREATE TABLE ${sess.slice(0, -1)}_keys\` ENGINE = Memory AS`, ...withList, 'SELECT g, k0, keys', `FROM ${sess}`, 'SETTINGS max_block_size = 16384, prefer_column_name_to_alias = 1'].join('\n');
    expect(enumerationOnly(store, sess)).toBe(
      [...withList, 'SELECT count() AS groups, sum(length(keys)) AS key_rows', `FROM ${sess}`, 'SETTINGS prefer_column_name_to_alias = 1'].join('\n')
    );
  });

  it('refuses a scan that does not read the session table', () => {
    expect(() => enumerationOnly('SELECT 1 FROM other', sess)).toThrow('does not read the session table');
  });
});
