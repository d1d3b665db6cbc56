// @cihmlc/internal — helpers shared by the @cihmlc packages, bundled into each build (never
// published). This entry is browser-safe; Node-only helpers are in `@cihmlc/internal/node`.

export { CsvError, type CsvProblem } from './csv-error.js';
export { CUSTOM_KERNEL_NAMES } from './kernel-names.js';
export {
  boolean,
  type CustomType,
  custom,
  describeValues,
  helpOption,
  integer,
  number,
  OptionError,
  type OptionRow,
  type OptionType,
  type OptionValues,
  oneOf,
  option,
  optionFlag,
  optionsHelp,
  optionsMarkdown,
  parseOptionObject,
  parseOptionValue,
  showValue,
  switchOption,
  text,
  textOption,
  type ValueOf,
} from './options.js';
export { patientIdFromPath, patientIdsFromPaths } from './patients.js';
export { fnv1aSeed, hashSeed, mulberry32, seededValues } from './random.js';
