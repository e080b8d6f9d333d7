/**
 * `npm run bench [-- [--json] [filter…]]`: runs every benchmark (or those whose name contains
 * one of the filters) and prints a table, or with `--json` one JSON object per line:
 * `{ "name", "value", "unit", "baseline", "ratio" }`. A missed goal is reported, never fatal.
 */
import { cpus } from 'node:os';
import { BenchSkipped, type BenchResult, type Benchmark } from './harness.js';
import call from './local/call.js';
import cast from './local/cast.js';
import heap from './local/heap.js';
import spawn from './local/spawn.js';
import { ndcCalls, weriftCalls, wsCalls, wsSealing } from './mesh/calls.js';
import wsCast from './mesh/cast.js';
import down from './mesh/down.js';
import restart from './mesh/restart.js';
import converge from './router/converge.js';
import sealing from './router/sealing.js';
import sessionFuzz from './router/sessionFuzz.js';
import channelFanout from './resources/channelFanout.js';
import trustAuth from './trust/auth.js';
import trustGrants from './trust/grants.js';
import trustRevocation from './trust/revocation.js';
import { ndcFsRead, weriftFsRead, wsFsRead, wsFsSealing } from './resources/fsRead.js';
import sync from './sync/sync.js';
import doors from './resources/doors.js';

const ALL: Benchmark[] = [...cast, ...call, ...heap, ...spawn, ...wsCalls, ...wsSealing, wsCast, ...weriftCalls, ...ndcCalls, ...down, ...restart, ...wsFsRead, ...wsFsSealing, ...weriftFsRead, ...ndcFsRead, ...channelFanout, ...converge, ...sealing, sessionFuzz, ...trustAuth, ...trustGrants, ...trustRevocation, ...sync, ...doors];

const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((arg) => !arg.startsWith('--'));
const selected = ALL.filter((bench) => filters.length === 0 || filters.some((filter) => bench.name.includes(filter)));

if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; there are: ${ALL.map((bench) => bench.name).join(', ')}`);
  process.exit(0);
}

function goalText(bench: Benchmark, result: BenchResult): string {
  if (bench.goal === undefined) return '';
  if (typeof bench.goal === 'number') return `goal ≤ ${bench.goal} — ${result.ratio <= bench.goal ? 'met' : 'not met'}`;
  const { of, atMost, atLeast, label } = bench.goal;
  const figure = of === 'ratio' ? result.ratio : result.value;
  const suffix = of === 'ratio' ? '×' : ` ${result.unit}`;
  const bounds: string[] = [];
  let met = true;
  if (atLeast !== undefined) {
    bounds.push(`≥ ${atLeast}${suffix}`);
    met &&= figure >= atLeast;
  }
  if (atMost !== undefined) {
    bounds.push(`≤ ${atMost}${suffix}`);
    met &&= figure <= atMost;
  }
  return `goal ${bounds.join(' and ')}${label ? ` (${label})` : ''} — ${met ? 'met' : 'not met'}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const numeric = new Set([1, 3, 4]);
  return rows
    .map((row) =>
      row
        .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (!json) {
  const cpu = cpus();
  console.log(`glow bench — node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}`);
  console.log('ratio = Glow cost per operation / raw cost per operation (lower is better);');
  console.log('rows marked ↑: ratio = Glow rate / raw rate (higher is better)\n');
}

const rows: string[][] = [['benchmark', 'glow', 'unit', 'raw', 'ratio', 'raw baseline', 'goal']];
const notes: string[] = [];
for (const bench of selected) {
  if (!json) process.stderr.write(`running ${bench.name}…\n`);
  let result: BenchResult;
  try {
    result = await bench.run();
  } catch (error) {
    if (!(error instanceof BenchSkipped)) throw error;
    const note = `${bench.name}: skipped — ${error.message}`;
    if (json) console.error(note);
    else rows.push([bench.name, '—', '', '—', '—', bench.baseline, `skipped: ${error.message}`]);
    continue;
  }
  if (bench.note && !notes.includes(bench.note)) notes.push(bench.note);
  if (json) {
    const { name, value, unit, baseline, ratio } = result;
    console.log(JSON.stringify({ name, value, unit, baseline, ratio }));
  } else {
    const ratio = `${result.ratio}×${bench.better === 'higher' ? ' ↑' : ''}`;
    rows.push([result.name, String(result.value), result.unit, String(result.baseline), ratio, bench.baseline, goalText(bench, result)]);
  }
}
if (!json) {
  console.log(table(rows));
  if (notes.length) console.log(`\n${notes.map((note) => `- ${note}`).join('\n')}`);
}
