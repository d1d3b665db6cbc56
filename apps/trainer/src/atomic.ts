// The trainer's file writes: atomic (temp file + rename), errors naming the file; one home in
// @cihmlc/internal, bundled into the app's build.
export {
  readJsonFile as readJson,
  writeFileAtomicSync as writeFileAtomic,
  writeJsonAtomicSync as writeJsonAtomic,
} from '@cihmlc/internal/node';
