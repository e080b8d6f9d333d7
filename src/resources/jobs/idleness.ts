import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';

/** The one-minute load average divided by the cores: 1 means every core is busy. */
export function systemLoad(): number {
  return loadavg()[0]! / Math.max(1, availableParallelism());
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether this machine runs on battery: `true`/`false` where the platform says (Linux:
 * `/sys/class/power_supply`), `null` elsewhere or when it has no battery information. Mains
 * online wins over a battery's state (a laptop charging on a dock is not on battery).
 */
export function onBattery(root = '/sys/class/power_supply'): boolean | null {
  if (process.platform !== 'linux' || !existsSync(root)) return null;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return null;
  }
  let battery: boolean | null = null;
  for (const entry of entries) {
    const type = read(join(root, entry, 'type'));
    if (type === 'Mains' || type === 'USB') {
      if (read(join(root, entry, 'online')) === '1') return false;
    } else if (type === 'Battery') {
      const status = read(join(root, entry, 'status'));
      if (status === 'Discharging') battery = true;
      else if (battery === null && status !== undefined) battery = false;
    }
  }
  return battery;
}
