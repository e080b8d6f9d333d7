/**
 * The control channel's app-password operations (`glow token create|ls|revoke`): a password for
 * an operating system's WebDAV client, shown once with the URL to mount.
 */
import { GlowError } from '../../src/firefly/errors.js';
import type { AppPassword } from './appPasswords.js';
import { DAV_PREFIX } from './dav/davPath.js';
import type { DaemonContext } from './operations.js';

/** An app password as the CLI shows it; `secret` and `url` only when it was just made. */
export interface AppPasswordValue {
  id: string;
  name: string;
  readOnly: boolean;
  export?: string;
  created: number;
  secret?: string;
  url?: string;
}

/** Makes an app password; an `export` it is limited to must be a name this daemon knows. */
export async function createAppPassword(ctx: DaemonContext, name: string, readOnly: boolean, only?: string): Promise<AppPasswordValue> {
  if (only !== undefined && ctx.mesh.node.whereis(only) === undefined) throw new GlowError('noproc', `no export is named ${JSON.stringify(only.slice(0, 100))} (glow ls shows the names)`);
  const { password, secret } = await ctx.appPasswords.create(name, { readOnly, ...(only === undefined ? {} : { export: only }) });
  const base = `${ctx.info().http}${DAV_PREFIX}/${only === undefined ? '' : `${only.split('/').map(encodeURIComponent).join('/')}/`}`;
  return { ...appPasswordValue(password), secret, url: base };
}

export function appPasswordValue(password: AppPassword): AppPasswordValue {
  return { id: password.id, name: password.name, readOnly: password.readOnly, ...(password.export === undefined ? {} : { export: password.export }), created: password.created };
}
