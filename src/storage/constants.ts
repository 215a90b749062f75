// The storage names now live in src/api/storage-names.ts (every layer may import src/api; only the
// agent may import src/storage). Import them from there; this re-export goes at the next merge.
export * from '../api/storage-names.js';
