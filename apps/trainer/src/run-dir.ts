import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJson, writeJsonAtomic } from './atomic.js';
import type { RunConfig } from './config.js';

/** Files and folders of one run directory (documented in the README). */
export function runPaths(runDir: string) {
  return {
    dir: runDir,
    config: path.join(runDir, 'config.json'),
    lock: path.join(runDir, 'run.lock'),
    log: path.join(runDir, 'metrics.jsonl'),
    checkpoints: path.join(runDir, 'checkpoints'),
    last: path.join(runDir, 'checkpoints', 'last'),
    bestLoss: path.join(runDir, 'checkpoints', 'best-loss'),
    bestAuroc: path.join(runDir, 'checkpoints', 'best-auroc'),
    evaluation: path.join(runDir, 'evaluation'),
    explain: path.join(runDir, 'explain'),
    summary: path.join(runDir, 'summary.json'),
  };
}

export type RunPaths = ReturnType<typeof runPaths>;

/** Fields that change how long a run takes or what it prints, not what it computes. */
const NON_RESULT_FIELDS = ['backend'] as const;

function comparable(config: RunConfig): string {
  const copy: Record<string, unknown> = { ...config };
  for (const f of NON_RESULT_FIELDS) delete copy[f];
  return JSON.stringify(copy);
}

/**
 * Creates or reopens a run directory. A directory that already holds another config is an
 * error (results of different configs never mix); the same config resumes.
 */
export function openRunDir(runDir: string, config: RunConfig): RunPaths {
  const p = runPaths(runDir);
  fs.mkdirSync(runDir, { recursive: true });
  if (fs.existsSync(p.config)) {
    const existing = readJson<RunConfig>(p.config);
    if (comparable(existing) !== comparable(config)) {
      throw new Error(
        `${runDir} holds a run with another configuration (${p.config}); use another output folder or delete it`,
      );
    }
  } else {
    writeJsonAtomic(p.config, config);
  }
  return p;
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

/**
 * Claims a run directory so that two workers sharing an output folder never train the same run.
 * A lock left by a dead process on this host is taken over; one held by another host is an error
 * unless `steal` (for a worker that was killed there).
 */
export function acquireLock(p: RunPaths, steal = false): () => void {
  const mine: LockInfo = {
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(p.lock, JSON.stringify(mine), { flag: 'wx' });
      return () => fs.rmSync(p.lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: LockInfo | null = null;
      try {
        held = JSON.parse(fs.readFileSync(p.lock, 'utf8')) as LockInfo;
      } catch {
        held = null; // unreadable: a lock written by a crash mid-write
      }
      const stale = !held || (held.host === mine.host && !pidAlive(held.pid));
      if (!stale && !steal) {
        throw new Error(
          `${p.dir} is being trained by pid ${held!.pid} on ${held!.host} since ${held!.startedAt}; if that worker is dead, rerun with --steal-lock`,
        );
      }
      fs.rmSync(p.lock, { force: true });
    }
  }
  throw new Error(`${p.lock}: could not take the lock`);
}

export function isComplete(p: RunPaths): boolean {
  return fs.existsSync(p.summary);
}
