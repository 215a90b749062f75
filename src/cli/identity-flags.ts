// Flags of `gifee token` and `gifee user` (kept apart from commands.ts: their own table).

import type { FlagTable } from './args.js';

/** Which cluster an administrator command talks to. */
export const ADMIN_TARGET_FLAGS: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: "the server's data dir: its admin certificate and address (default as for gifee up)" },
  kubeconfig: { type: 'string', value: 'FILE', help: "an administrator's kubeconfig instead of a data dir" },
  server: { type: 'string', value: 'URL', help: 'the API server (default: from the data dir or kubeconfig)' },
};

export const TOKEN_CREATE_FLAGS: FlagTable = {
  ttl: { type: 'string', value: 'D', help: 'how long the token works, e.g. 30m, 24h (0: forever)', default: '24h' },
  description: { type: 'string', value: 'TEXT', help: 'what the token is for, shown by gifee token list' },
  groups: { type: 'string', multiple: true, value: 'G', help: 'an extra group system:bootstrappers:... for its users (repeatable)' },
};

export const TOKEN_LIST_FLAGS: FlagTable = {
  output: { type: 'string', short: 'o', value: 'FORMAT', help: 'table (default), json or yaml (every field, for scripts)' },
};

export const USER_ADD_FLAGS: FlagTable = {
  group: { type: 'string', multiple: true, value: 'G', help: "a group the user is in (the certificate's O; repeatable)" },
  'kubeconfig-out': { type: 'string', value: 'FILE', help: "where to write the user's kubeconfig", default: './NAME.kubeconfig' },
  'expiration-seconds': { type: 'string', value: 'N', help: "the certificate's validity in seconds (at least 600; default: the signer's, one year)" },
};
