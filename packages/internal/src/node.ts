// @cihmlc/internal/node — Node-only helpers (file system).

export {
  type AtomicWriteOptions,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
} from './atomic-write.js';
