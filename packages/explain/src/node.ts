// Node-only entry (`@cihmlc/explain/node`): Grad-CAM figures as PNG buffers and files (jimp, node:fs).
// Grad-CAM, MC dropout and the pixel-array overlays are in the browser-safe main entry.

export {
  type ExplainedImage,
  type ExplanationFiles,
  type WriteExplanationsOptions,
  writeExplanations,
} from './explain-files.js';
export {
  renderGradCam,
  renderGradCamGrid,
  writeGradCamGridPng,
  writeGradCamPng,
} from './render.js';
