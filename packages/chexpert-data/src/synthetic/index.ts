// @cihmlc/chexpert-data/synthetic — a synthetic CheXpert-format dataset: procedural radiographs
// with findings drawn from CheXpert-like rates, labels with CheXpert's raw-label noise, written as
// CheXpert, VisualCheXbert and CheXlocalize files (Node: writes files).

export { hashSeed, Random } from '../random.js';
export {
  type EnsuredSyntheticDataset,
  type EnsureSyntheticOptions,
  ensureSyntheticDataset,
  SYNTHETIC_MARKER,
} from './ensure.js';
export {
  CHEXPERT_HEADER,
  CHEXPERT_SMALL_PREFIX,
  generateSyntheticDataset,
  type SyntheticImageRecord,
  type SyntheticOptions,
  type SyntheticSummary,
  VISUALCHEXBERT_LABEL_ORDER,
} from './generate.js';
export { encodeGrayscaleJpeg } from './jpeg-gray.js';
export {
  DEFAULT_RAW_NOISE,
  type RawLabelNoise,
  type StudyFindings,
  SYNTHETIC_RATES,
  sampleFindings,
} from './labels.js';
export { type RenderedFinding, type RenderedImage, renderRadiograph } from './render.js';
