/**
 * Rebuilds the committed data slice of bench:quality from the fetched mirror of loghub (see data/README.md):
 *   npx tsx bench/quality/load-data.ts [--mirror /work/.mirror/logpai+loghub/repo]
 * Writes data/bgl_2k.csv: LineId, Label, Timestamp and EventId of BGL/BGL_2k.log_structured.csv, and data/LICENSE-loghub
 * (loghub's licence asks that its notice go with every copy).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BGL_SLICE, DATA_DIR } from './datasets';

export const LOGHUB_MIRROR = '/work/.mirror/logpai+loghub/repo';

/** Splits one CSV line with double-quoted fields ("" inside quotes is a quote). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function main() {
  const { values } = parseArgs({ options: { mirror: { type: 'string', default: LOGHUB_MIRROR } } });
  const git = (path: string) => execFileSync('git', ['--git-dir', values.mirror!, 'show', `HEAD:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const commit = execFileSync('git', ['--git-dir', values.mirror!, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const lines = git('BGL/BGL_2k.log_structured.csv').trim().split('\n');
  const header = csvFields(lines[0]!);
  const col = (name: string) => header.indexOf(name);
  const pick = [col('LineId'), col('Label'), col('Timestamp'), col('EventId')];
  const out = ['LineId,Label,Timestamp,EventId', ...lines.slice(1).map((l) => pick.map((i) => csvFields(l)[i]).join(','))];
  writeFileSync(BGL_SLICE, out.join('\n') + '\n');
  writeFileSync(join(DATA_DIR, 'LICENSE-loghub'), git('LICENSE'));
  process.stdout.write(`wrote ${BGL_SLICE} (${out.length - 1} lines) from logpai/loghub ${commit}\n`);
}

if (require.main === module) main();
