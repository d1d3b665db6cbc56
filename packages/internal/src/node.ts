// @cihmlc/internal/node — Node-only helpers (file system).

export {
  type AtomicWriteOptions,
  describeWriteError,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
} from './atomic-write.js';
export { type CommandLine, parseCommandLine } from './command-line.js';
export { readJsonFile, writeJsonAtomicSync } from './json-files.js';
