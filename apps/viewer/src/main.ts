import type { ModelFolderManifest } from '@cihmlc/densenet';
import { GRADCAM_COLORMAP, type GradCamResult, overlayRgba } from '@cihmlc/explain';
import { enforceConsistency } from '@cihmlc/taxonomy';
import type * as tf from '@tensorflow/tfjs';
import { type Analysis, addMcDropout, camOf, predictImage } from './analysis.js';
import { chooseBackend } from './backend.js';
import { decodeImageFile, type Rgba } from './image-file.js';
import { openModelFolder, ViewerError } from './model-folder.js';
import { hierarchyRows, inconsistentParents, type TreeRow } from './tree.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? './model/';

interface State {
  model?: tf.LayersModel;
  info?: ModelFolderManifest;
  rows?: TreeRow[];
  analysis?: Analysis;
  selected?: string;
  cams: Map<string, GradCamResult>;
  /** Grows with each image so that a slow Grad-CAM of an old image is dropped. */
  generation: number;
}
const state: State = { cams: new Map(), generation: 0 };

/** Timings for scripts/bench.mjs and the tests (milliseconds). */
const timings: Record<string, number> = {};
(window as unknown as { __viewerTimings: Record<string, number> }).__viewerTimings = timings;

function setState(name: string): void {
  document.body.dataset.state = name;
}

function showError(error: unknown): void {
  const box = $('error');
  const message =
    error instanceof ViewerError
      ? error.message
      : `Unexpected error: ${(error as Error).message ?? error}`;
  box.textContent = message;
  box.hidden = false;
  if (!(error instanceof ViewerError)) console.error(error);
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

function progress(fraction: number, text: string): void {
  ($('progress') as HTMLProgressElement).value = fraction;
  $('progress-text').textContent = text;
}

function drawLegend(): void {
  const bands = GRADCAM_COLORMAP.colors.length;
  $('legend').replaceChildren(
    ...GRADCAM_COLORMAP.colors.map((rgb, k) => {
      const span = document.createElement('span');
      const [r, g, b] = rgb.map((v) => Math.round(v * 255));
      span.style.background = `rgb(${r}, ${g}, ${b})`;
      span.style.color = k >= 2 ? 'white' : 'black';
      span.textContent = `${(k / bands).toFixed(1)}–${((k + 1) / bands).toFixed(1)}`;
      return span;
    }),
  );
}

function drawRgba(image: Rgba): void {
  const canvas = $('overlay') as HTMLCanvasElement;
  canvas.width = image.width;
  canvas.height = image.height;
  canvas
    .getContext('2d')!
    .putImageData(
      new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
      0,
      0,
    );
}

function clip(): number {
  return Number(($('clip') as HTMLInputElement).value);
}

function drawOverlay(): void {
  const { analysis, selected } = state;
  if (!analysis) return;
  const cam = selected ? state.cams.get(selected) : undefined;
  if (!cam) {
    drawRgba(analysis.inputRgba);
    return;
  }
  drawRgba(overlayRgba(analysis.inputRgba, cam.heatmap, { clip: clip() }));
  const at = state.info!.labels.indexOf(cam.name ?? '');
  const mc =
    analysis.mean && analysis.std
      ? `, MC dropout ${analysis.mean[at]!.toFixed(3)} ± ${analysis.std[at]!.toFixed(3)}`
      : '';
  $('cam-label').textContent =
    `Grad-CAM of ${cam.name}: probability ${analysis.probabilities[at]!.toFixed(3)}${mc}${cam.peak ? `; peak at (${cam.peak.x}, ${cam.peak.y})` : '; empty map'}`;
}

function renderTree(): void {
  const { analysis, info, rows } = state;
  if (!analysis || !info || !rows) return;
  const consistent = ($('consistent') as HTMLInputElement).checked;
  const shown = consistent
    ? enforceConsistency([analysis.probabilities], info.taxonomy)[0]!
    : analysis.probabilities;
  const mean =
    analysis.mean && consistent
      ? enforceConsistency([analysis.mean], info.taxonomy)[0]!
      : analysis.mean;
  const flags = inconsistentParents(shown, info.taxonomy);
  const body = $('tree').querySelector('tbody')!;
  body.replaceChildren(
    ...rows.map((row) => {
      const p = shown[row.index]!;
      const tr = document.createElement('tr');
      tr.dataset.label = row.label;
      tr.dataset.probability = String(p);
      tr.dataset.raw = String(analysis.probabilities[row.index]);
      if (mean && analysis.std) {
        tr.dataset.mean = String(mean[row.index]);
        tr.dataset.std = String(analysis.std[row.index]);
      }
      const against = flags.get(row.label);
      if (against) tr.classList.add('inconsistent');
      if (row.label === state.selected) tr.classList.add('selected');
      const name = document.createElement('td');
      name.style.paddingLeft = `${0.4 + row.depth * 1.4}em`;
      name.textContent = `${row.depth > 0 ? '└ ' : ''}${row.label}`;
      if (row.otherParents.length) {
        const also = document.createElement('span');
        also.className = 'also';
        also.textContent = `(also under ${row.otherParents.join(', ')})`;
        name.append(also);
      }
      if (against) {
        const flag = document.createElement('span');
        flag.className = 'flag';
        flag.textContent = `⚠ above ${against.join(', ')}`;
        flag.title = 'inconsistent: predicted (≥ 0.5) while its parent is not';
        name.append(flag);
      }
      const bar = document.createElement('td');
      bar.className = 'bar';
      const fill = document.createElement('div');
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      bar.append(fill);
      const prob = document.createElement('td');
      prob.className = 'prob';
      prob.textContent = p.toFixed(3);
      const mc = document.createElement('td');
      mc.className = 'mc';
      mc.textContent =
        mean && analysis.std
          ? `${mean[row.index]!.toFixed(3)} ± ${analysis.std[row.index]!.toFixed(3)}`
          : '…';
      tr.append(name, bar, prob, mc);
      tr.addEventListener('click', () => void selectLabel(row.label));
      return tr;
    }),
  );
}

async function selectLabel(label: string): Promise<void> {
  const { model, analysis, info } = state;
  if (!model || !analysis || !info) return;
  state.selected = label;
  renderTree();
  const generation = state.generation;
  if (!state.cams.has(label)) {
    setState('computing-cam');
    $('cam-label').textContent = `Computing Grad-CAM of ${label}…`;
    try {
      const cam = await camOf(model, analysis, label, info);
      if (generation !== state.generation) return;
      state.cams.set(label, cam);
    } catch (error) {
      showError(error);
      setState('error');
      return;
    }
  }
  drawOverlay();
  setState('analysed');
}

async function handleFile(file: File): Promise<void> {
  const { model, info } = state;
  if (!model || !info) return;
  clearError();
  setState('analysing');
  state.generation++;
  try {
    const started = performance.now();
    const image = await decodeImageFile(file, info.inputShape[0]);
    const decodeMs = performance.now() - started;
    const analysis = await predictImage(model, image, info);
    const s = analysis.seconds;
    // File given → probabilities known (decode, preprocess, predict); MC dropout comes after.
    const predictionMs = decodeMs + (s.preprocess + s.predict) * 1000;
    timings.firstPredictionMs ??= predictionMs;
    timings.lastPredictionMs = predictionMs;
    state.analysis?.input.dispose();
    state.analysis = analysis;
    state.cams.clear();
    state.selected = undefined;
    const generation = state.generation;
    $('cam-label').textContent =
      `${file.name}: ${image.width}×${image.height} px, shown as the model sees it (${info.inputShape[0]}×${info.inputShape[1]}). Click a label for its Grad-CAM.`;
    const timing = () =>
      `decode ${decodeMs.toFixed(0)} ms · preprocess ${(s.preprocess * 1000).toFixed(0)} ms · predict ${(s.predict * 1000).toFixed(0)} ms · MC dropout (${info.mcDropout.samples} passes) ${s.mcDropout === undefined ? '…' : `${(s.mcDropout * 1000).toFixed(0)} ms`}`;
    $('timing').textContent = timing();
    renderTree();
    drawOverlay();
    setState('predicted');
    await addMcDropout(model, analysis, info);
    if (generation !== state.generation) return;
    timings.lastMcDropoutMs = (s.mcDropout ?? 0) * 1000;
    timings.lastAnalysisMs = performance.now() - started;
    $('timing').textContent = timing();
    renderTree();
    drawOverlay();
    setState('analysed');
  } catch (error) {
    showError(error);
    setState('error');
  }
}

function wireInputs(): void {
  const input = $('file') as HTMLInputElement;
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void handleFile(file);
    input.value = '';
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void handleFile(file);
  });
  // Dropping a file anywhere else must not make the browser navigate to it.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('clip').addEventListener('input', () => {
    $('clip-value').textContent = clip().toFixed(2);
    drawOverlay();
  });
  $('consistent').addEventListener('change', renderTree);
}

/** Makes a loaded model the page's model (a previous one is disposed). */
function useModel(model: tf.LayersModel, info: ModelFolderManifest, loadMs: number): void {
  state.model?.dispose();
  state.analysis?.input.dispose();
  state.analysis = undefined;
  state.cams.clear();
  state.selected = undefined;
  state.generation++;
  state.model = model;
  state.info = info;
  state.rows = hierarchyRows(info.taxonomy);
  timings.modelLoadMs = loadMs;
  $('tree').querySelector('tbody')!.replaceChildren();
  const auroc = info.metrics.test?.weightedAuroc;
  $('model-info').textContent =
    `${info.run.name} (${info.run.checkpoint}): ${info.variant} at ${info.inputShape[0]}×${info.inputShape[1]} px, ${info.labels.length} labels${typeof auroc === 'number' ? `, test weighted AUROC ${auroc.toFixed(3)}` : ''}`;
  progress(1, `model loaded in ${(loadMs / 1000).toFixed(2)} s`);
  ($('file') as HTMLInputElement).disabled = false;
  setState('ready');
}

/** A model folder from disk (every file of a `trainer export` folder), read in the page. */
function wireModelFiles(): void {
  const input = $('model-files') as HTMLInputElement;
  input.disabled = false;
  input.addEventListener('change', async () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length === 0) return;
    clearError();
    setState('loading');
    progress(0, 'loading the model from the chosen files…');
    try {
      const started = performance.now();
      const { model, manifest } = await openModelFolder(files);
      useModel(model, manifest, performance.now() - started);
    } catch (error) {
      showError(error);
      setState(state.model ? 'ready' : 'error');
    }
  });
}

async function start(): Promise<void> {
  drawLegend();
  wireInputs();
  ($('model-url') as HTMLInputElement).value = modelUrl;
  $('model-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams(location.search);
    next.set('model', ($('model-url') as HTMLInputElement).value);
    location.search = next.toString();
  });
  try {
    setState('loading');
    progress(0, 'choosing a backend…');
    const choice = await chooseBackend(params.get('backend'));
    $('backend').textContent = `backend: ${choice.backend}`;
    $('backend').title = choice.skipped.length
      ? `skipped: ${choice.skipped.map((s) => `${s.backend} (${s.reason})`).join('; ')}`
      : 'the fastest backend';
    document.body.dataset.backend = choice.backend;
  } catch (error) {
    showError(error);
    setState('error');
    return;
  }
  wireModelFiles();
  try {
    const started = performance.now();
    progress(0, `loading the model from ${modelUrl}…`);
    const { model, manifest } = await openModelFolder(modelUrl, (f) =>
      progress(f, `loading the model weights… ${(f * 100).toFixed(0)}%`),
    );
    useModel(model, manifest, performance.now() - started);
  } catch (error) {
    showError(
      error instanceof ViewerError
        ? new ViewerError(
            `${error.message}. Export a run into the app's model folder with \`pnpm --filter trainer start export --run runs/default --out apps/viewer/public/model\`, give ?model=URL, or open the folder's files below.`,
          )
        : error,
    );
    progress(0, 'no model');
    setState('error');
  }
}

void start();
