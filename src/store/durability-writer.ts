// Child process for the durability test: writes keys one after another and prints each key once
// its write is acknowledged, until it is killed.

import { openStore } from './index.js';

const [backend, target] = process.argv.slice(2) as ['sqlite' | 'etcd', string];
const store = await openStore(backend === 'etcd' ? { backend, etcdEndpoints: target.split(',') } : { backend, dataDir: target });
let i = 0;
for (;;) {
  // A few writes at once, as concurrent API requests would be: they share a group commit.
  const batch = Array.from({ length: 4 }, () => `/durable/${String(i++).padStart(6, '0')}`);
  await Promise.all(
    batch.map(async (k) => {
      await store.create(k, JSON.stringify({ k }));
      process.stdout.write(`${k}\n`);
    }),
  );
}
