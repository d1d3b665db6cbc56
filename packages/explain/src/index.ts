export {
  type DiscreteColormap,
  discreteColormap,
  GRADCAM_COLORMAP,
  hot,
  hotReversed,
  type Rgb,
} from './colormap.js';
export {
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
export {
  type McDropoutOptions,
  type McDropoutResult,
  mcDropout,
  type UncertaintyMatrix,
} from './mc-dropout.js';
export {
  clipHeatmap,
  formatTitle,
  type GradCamPanel,
  type GridOptions,
  gradCamPanels,
  type HeatmapColourOptions,
  heatmapRgba,
  overlayPixels,
  overlayRgba,
  type PlainImage,
  plainImageToRgba,
  type RenderImage,
  type RenderOptions,
  type RgbaImage,
  toPlainImage,
} from './overlay.js';
export {
  type LabelledPrediction,
  labelledPrediction,
  type PredictionWithUncertainty,
  type PredictWithUncertaintyOptions,
  predictWithUncertainty,
} from './predict-with-uncertainty.js';
