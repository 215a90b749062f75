import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../contract.js';
import { SqliteStore } from './store.js';

storeContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-sqlite-'));
  return { store: new SqliteStore(join(dir, 'state.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
