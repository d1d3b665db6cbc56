export {
  DEFAULT_GRADCAM_LAYER,
  type GradCamOptions,
  type GradCamResult,
  gradCam,
  peakOf,
} from './grad-cam.js';
export { type McDropoutOptions, type McDropoutResult, mcDropout } from './mc-dropout.js';
