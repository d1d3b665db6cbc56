export {
  type DiscreteColormap,
  discreteColormap,
  GRADCAM_COLORMAP,
  hot,
  hotReversed,
  type Rgb,
} from './colormap.js';
export {
  DEFAULT_GRADCAM_LAYER,
  type GradCamOptions,
  type GradCamResult,
  gradCam,
  peakOf,
} from './grad-cam.js';
export {
  boxPixelFraction,
  type LocalisationCase,
  type LocalisationScore,
  localisationScore,
  type NormalisedBox,
  pixelInBox,
} from './localisation.js';
export { type McDropoutOptions, type McDropoutResult, mcDropout } from './mc-dropout.js';
export {
  formatTitle,
  type GradCamPanel,
  type GridOptions,
  gradCamPanels,
  overlayPixels,
  type PlainImage,
  type RenderImage,
  type RenderOptions,
  renderGradCam,
  renderGradCamGrid,
  writeGradCamGridPng,
  writeGradCamPng,
} from './render.js';
