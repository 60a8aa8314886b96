import { QueryError } from '../../pkg/execute/executor';
import { publicError } from '../../pkg/service/runs';

// A failed run's error as the API answers it (issue 14): no server file paths, the rest of the message kept.
describe('publicError', () => {
  it('names the file, not where it lives on the server', () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open '/srv/surfacer/data/events.parquet'"), { code: 'ENOENT' });
    expect(publicError(e, 'r1')).toBe("ENOENT: no such file or directory, open 'events.parquet'");
    expect(publicError(new Error('cannot lock /var/lib/surfacer/.store/status: busy'), 'r1')).toBe('cannot lock status: busy');
  });

  it('keeps messages without paths as they are, ratios included', () => {
    expect(publicError(new Error('a KPI takes 1/2 of the window'), 'r1')).toBe('a KPI takes 1/2 of the window');
  });

  it('a ClickHouse failure: the step and the code, never ClickHouse’s text', () => {
    const e = new QueryError("File /tmp/x/events.parquet doesn't exist", 107, 'FILE_DOESNT_EXIST', 'inspect the events');
    expect(publicError(e, 'r9')).toBe('inspect the events failed (ClickHouse FILE_DOESNT_EXIST, code 107); details in the service log under run r9');
  });
});
