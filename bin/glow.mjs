#!/usr/bin/env node
// The `glow` command. The CLI is TypeScript run as is: register tsx's loader, then load it.
import { register } from 'tsx/esm/api';

register();
await import('../apps/daemon/cli/main.ts');
