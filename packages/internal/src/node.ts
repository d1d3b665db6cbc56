// @cihmlc/internal/node — Node-only helpers (file system).

export { tempPathFor, writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
