// The node agent's image store: what other parts of gifee import.
export * from './types.js';
export { createImageStore, FsImageStore, type ImageStoreOptions } from './store.js';
export { parseReference, normalizeReference, familiarName, type ImageReference } from './reference.js';
