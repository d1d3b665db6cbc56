import fs from 'node:fs';
import path from 'node:path';
import { loadWeights, saveWeights } from '@cihmlc/densenet/node';
import {
  describeWriteError,
  readJsonFile as readJson,
  writeFileAtomicSync as writeFileAtomic,
  writeJsonAtomicSync as writeJsonAtomic,
} from '@cihmlc/internal/node';
import * as tf from '@tensorflow/tfjs';
import type { CheckpointKind, CheckpointStore } from '../checkpoint-store.js';
import type { EpochRecord } from '../schedule.js';
import type { TrainingState } from '../training-state.js';

const META = 'checkpoint.json';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

/**
 * A training checkpoint is a folder: model weights (@cihmlc/densenet format), the optimizer's
 * state (Adam moments and iteration count) and the training state as JSON. It is written
 * into a temporary folder and swapped in with renames, so a checkpoint folder that exists is
 * always complete; `checkpoint.json` is written last inside it and is what marks it valid.
 */
export async function writeCheckpoint<T>(
  dir: string,
  model: tf.LayersModel,
  state: T,
  optimizer?: tf.Optimizer,
): Promise<void> {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await saveWeights(model, tmp);
    if (optimizer) {
      const named = await optimizer.getWeights();
      const { data, specs } = await tf.io.encodeWeights(named);
      // getWeights makes a fresh scalar of the step count (the moments are the optimizer's own).
      named.find((w) => w.name === 'iter')?.tensor.dispose();
      writeFileAtomic(path.join(tmp, OPTIMIZER_BIN), new Uint8Array(data));
      writeJsonAtomic(path.join(tmp, OPTIMIZER_JSON), { specs });
    }
    writeJsonAtomic(path.join(tmp, META), { version: 1, savedAt: new Date().toISOString(), state });
    fs.rmSync(old, { recursive: true, force: true });
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw describeWriteError(dir, err);
  }
}

/** The folder of the newest complete checkpoint at `dir` (a swap may have been interrupted). */
export function findCheckpoint(dir: string): string | null {
  for (const candidate of [dir, `${dir}.old`]) {
    if (fs.existsSync(path.join(candidate, META))) return candidate;
  }
  return null;
}

export function readCheckpointState<T>(dir: string): T {
  return readJson<{ state: T }>(path.join(dir, META)).state;
}

/** Restores model weights (and the optimizer's state, when given and saved) from a checkpoint. */
export async function restoreCheckpoint<T>(
  dir: string,
  model: tf.LayersModel,
  optimizer?: tf.Optimizer,
): Promise<T> {
  const state = readCheckpointState<T>(dir);
  await loadWeights(model, dir);
  if (optimizer && fs.existsSync(path.join(dir, OPTIMIZER_JSON))) {
    const { specs } = readJson<{ specs: tf.io.WeightsManifestEntry[] }>(
      path.join(dir, OPTIMIZER_JSON),
    );
    const bytes = fs.readFileSync(path.join(dir, OPTIMIZER_BIN));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const map = tf.io.decodeWeights(buffer, specs);
    await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name]! })));
  }
  return state;
}

/** The folders of a run's three checkpoints. */
export interface CheckpointFolders {
  /** Newest epoch, with the optimizer: what a resume reads. */
  last: string;
  bestLoss: string;
  bestAuroc: string;
  /** Also rewrite this JSON-lines file (one EpochRecord per line) after each `last` checkpoint. */
  metricsLog?: string;
}

/**
 * A CheckpointStore of folders (see writeCheckpoint): `fit` resumes from `last` (or `last.old`
 * when a swap was interrupted) and writes the best checkpoints and the per-epoch metrics log.
 */
export function folderCheckpoints(folders: CheckpointFolders): CheckpointStore {
  for (const key of ['last', 'bestLoss', 'bestAuroc'] as const) {
    if (typeof folders?.[key] !== 'string' || folders[key] === '') {
      throw new TypeError(`folderCheckpoints: ${key} must be a folder path`);
    }
  }
  const dirs = Object.freeze({ ...folders });
  return {
    async restore(model, optimizer) {
      const from = findCheckpoint(dirs.last);
      return from ? restoreCheckpoint<TrainingState>(from, model, optimizer) : null;
    },
    async save(kind: CheckpointKind, model, state, optimizer) {
      await writeCheckpoint(dirs[kind], model, state, optimizer);
      if (kind === 'last' && dirs.metricsLog) writeMetricsLog(dirs.metricsLog, state.history);
    },
  };
}

/** The per-epoch metrics log: one JSON EpochRecord per line, written atomically. */
export function writeMetricsLog(file: string, history: readonly EpochRecord[]): void {
  writeFileAtomic(file, `${history.map((r) => JSON.stringify(r)).join('\n')}\n`);
}
