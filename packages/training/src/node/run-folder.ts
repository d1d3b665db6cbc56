import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonFile, writeJsonAtomicSync } from '@cihmlc/internal/node';
import type { CheckpointStore } from '../checkpoint-store.js';
import { folderCheckpoints } from './checkpoint.js';

/** The files and folders of one run folder. */
export interface RunFolder {
  dir: string;
  /** `config.json`: the run's configuration, written when the folder is created. */
  config: string;
  /** `run.lock`: held by the process training the run. */
  lock: string;
  /** `metrics.jsonl`: one epoch record per line. */
  log: string;
  checkpoints: string;
  /** `checkpoints/last`, `checkpoints/best-loss`, `checkpoints/best-auroc`. */
  last: string;
  bestLoss: string;
  bestAuroc: string;
  /** `evaluation/`: the test-set report. */
  evaluation: string;
  /** `explain/`: Grad-CAM and MC-dropout outputs. */
  explain: string;
  /** `summary.json`: written last; its presence marks the run complete. */
  summary: string;
}

/** The layout of the run folder `dir` (nothing is created). */
export function runFolderPaths(dir: string): RunFolder {
  return {
    dir,
    config: path.join(dir, 'config.json'),
    lock: path.join(dir, 'run.lock'),
    log: path.join(dir, 'metrics.jsonl'),
    checkpoints: path.join(dir, 'checkpoints'),
    last: path.join(dir, 'checkpoints', 'last'),
    bestLoss: path.join(dir, 'checkpoints', 'best-loss'),
    bestAuroc: path.join(dir, 'checkpoints', 'best-auroc'),
    evaluation: path.join(dir, 'evaluation'),
    explain: path.join(dir, 'explain'),
    summary: path.join(dir, 'summary.json'),
  };
}

export interface OpenRunFolderOptions {
  /**
   * Top-level config fields that do not change what a run computes (e.g. the backend): a
   * folder whose config differs from `config` only in these is reopened.
   */
  ignoreFields?: readonly string[];
}

function comparable(config: unknown, ignore: readonly string[]): string {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return JSON.stringify(config);
  }
  const copy: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const f of ignore) delete copy[f];
  return JSON.stringify(copy);
}

/**
 * Creates the run folder `dir` with `config.json` (written atomically), or reopens it when it
 * holds the same config, so that a run resumes. A folder holding another config is an error:
 * results of different configs never mix.
 */
export function openRunFolder(
  dir: string,
  config: unknown,
  options: OpenRunFolderOptions = {},
): RunFolder {
  const ignore = options.ignoreFields ?? [];
  const p = runFolderPaths(dir);
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(p.config)) {
    const existing = readJsonFile<unknown>(p.config);
    if (comparable(existing, ignore) !== comparable(config, ignore)) {
      throw new Error(
        `${dir} holds a run with another configuration (${p.config}); use another output folder or delete it`,
      );
    }
  } else {
    writeJsonAtomicSync(p.config, config);
  }
  return p;
}

/**
 * The run folder's checkpoints for `fit`: `folderCheckpoints` over its `last`, `best-loss` and
 * `best-auroc` folders, with `metrics.jsonl` as the metrics log.
 */
export function runFolderCheckpoints(folder: RunFolder): CheckpointStore {
  const { last, bestLoss, bestAuroc, log } = folder;
  return folderCheckpoints({ last, bestLoss, bestAuroc, metricsLog: log });
}

/** Whether the run finished (its `summary.json` exists). */
export function isRunComplete(folder: RunFolder): boolean {
  return fs.existsSync(folder.summary);
}

/**
 * The checkpoint folder named `checkpoint` — `best-loss`, `best-auroc`, `last`, or any other
 * path (resolved against the working directory). Throws when it does not exist.
 */
export function runCheckpoint(folder: RunFolder, checkpoint: string): string {
  const named: Record<string, string> = {
    'best-loss': folder.bestLoss,
    'best-auroc': folder.bestAuroc,
    last: folder.last,
  };
  const dir = named[checkpoint] ?? path.resolve(checkpoint);
  if (!fs.existsSync(dir)) {
    throw new Error(`checkpoint ${dir} does not exist (has the run finished an epoch?)`);
  }
  return dir;
}

interface LockInfo {
  host: string;
  pid: number;
  startedAt: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunLockOptions {
  /** Take a lock held by another host (whose worker was killed there). Default false. */
  steal?: boolean;
}

/**
 * Claims a run folder (`run.lock`, created exclusively) so that two workers sharing an output
 * folder never train the same run. A lock left by a dead process on this host, or an unreadable
 * one, is taken over; one held by a live process or another host is an error unless `steal`.
 * Returns the function that releases the lock.
 */
export function acquireRunLock(folder: RunFolder, options: RunLockOptions = {}): () => void {
  const mine: LockInfo = {
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(folder.lock, JSON.stringify(mine), { flag: 'wx' });
      return () => fs.rmSync(folder.lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: LockInfo | null = null;
      try {
        held = JSON.parse(fs.readFileSync(folder.lock, 'utf8')) as LockInfo;
      } catch {
        held = null; // unreadable: a lock written by a crash mid-write
      }
      const stale = !held || (held.host === mine.host && !pidAlive(held.pid));
      if (!stale && !options.steal) {
        throw new Error(
          `${folder.dir} is being trained by pid ${held!.pid} on ${held!.host} since ${held!.startedAt}; if that worker is dead, rerun with --steal-lock`,
        );
      }
      fs.rmSync(folder.lock, { force: true });
    }
  }
  throw new Error(`${folder.lock}: could not take the lock`);
}
