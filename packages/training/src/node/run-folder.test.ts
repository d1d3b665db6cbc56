import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { initialSchedule } from '../schedule.js';
import type { TrainingState } from '../training-state.js';
import {
  acquireRunLock,
  isRunComplete,
  openRunFolder,
  runCheckpoint,
  runFolderCheckpoints,
  runFolderPaths,
} from './run-folder.js';

const made: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cihmlc-run-folder-'));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('run folders', () => {
  it('lays out the run folder', () => {
    const p = runFolderPaths('/r');
    expect(p.config).toBe(path.join('/r', 'config.json'));
    expect(p.bestLoss).toBe(path.join('/r', 'checkpoints', 'best-loss'));
    expect(p.summary).toBe(path.join('/r', 'summary.json'));
  });

  it('creates, reopens with the same config, and refuses another config', () => {
    const dir = path.join(tmp(), 'run');
    const p = openRunFolder(dir, { a: 1, backend: 'cpu' });
    expect(JSON.parse(fs.readFileSync(p.config, 'utf8'))).toEqual({ a: 1, backend: 'cpu' });
    expect(() => openRunFolder(dir, { a: 1, backend: 'cpu' })).not.toThrow();
    expect(() => openRunFolder(dir, { a: 2, backend: 'cpu' })).toThrow(
      /holds a run with another configuration/,
    );
    // An ignored field may differ; without ignoreFields it may not.
    expect(() => openRunFolder(dir, { a: 1, backend: 'webgpu' })).toThrow(/another configuration/);
    expect(() =>
      openRunFolder(dir, { a: 1, backend: 'webgpu' }, { ignoreFields: ['backend'] }),
    ).not.toThrow();
    // The config on disk is the first one.
    expect(JSON.parse(fs.readFileSync(p.config, 'utf8')).backend).toBe('cpu');
  });

  it('marks a run complete by its summary and resolves checkpoints', () => {
    const p = openRunFolder(path.join(tmp(), 'run'), {});
    expect(isRunComplete(p)).toBe(false);
    fs.writeFileSync(p.summary, '{}');
    expect(isRunComplete(p)).toBe(true);
    expect(() => runCheckpoint(p, 'best-loss')).toThrow(/does not exist/);
    fs.mkdirSync(p.bestLoss, { recursive: true });
    expect(runCheckpoint(p, 'best-loss')).toBe(p.bestLoss);
    expect(runCheckpoint(p, p.dir)).toBe(path.resolve(p.dir));
  });

  it('locks: a live holder is an error, a dead or unreadable one is taken over', () => {
    const p = openRunFolder(path.join(tmp(), 'run'), {});
    const release = acquireRunLock(p);
    expect(fs.existsSync(p.lock)).toBe(true);
    // Held by this (live) process.
    expect(() => acquireRunLock(p)).toThrow(/is being trained by pid/);
    release();
    expect(fs.existsSync(p.lock)).toBe(false);

    // A lock of a process that has exited on this host.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    fs.writeFileSync(p.lock, JSON.stringify({ host: os.hostname(), pid: deadPid, startedAt: 'x' }));
    acquireRunLock(p)();

    // Unreadable (a crash mid-write).
    fs.writeFileSync(p.lock, '{"ho');
    acquireRunLock(p)();

    // Another host: only with steal.
    fs.writeFileSync(p.lock, JSON.stringify({ host: 'elsewhere', pid: 1, startedAt: 'x' }));
    expect(() => acquireRunLock(p)).toThrow(/on elsewhere.*--steal-lock/);
    const r = acquireRunLock(p, { steal: true });
    expect(JSON.parse(fs.readFileSync(p.lock, 'utf8')).pid).toBe(process.pid);
    r();
  });

  it("keeps fit's checkpoints and metrics log in the run folder's own paths", async () => {
    const run = openRunFolder(path.join(tmp(), 'run'), { a: 1 });
    const store = runFolderCheckpoints(run);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' })],
    });
    const optimizer = tf.train.adam(0.01);
    const schedule = initialSchedule({
      learningRate: 0.01,
      lrFactor: 0.5,
      lrPatience: 1,
      minLearningRate: 1e-6,
      earlyStoppingPatience: 2,
      epochs: 3,
    });
    const record = { epoch: 0, trainLoss: 1, valLoss: 1, valBce: 1, valPenalty: 0 };
    const state = { epochs: 1, schedule, history: [record] } as unknown as TrainingState;
    await store.save('last', model, state, optimizer);
    await store.save('bestLoss', model, state);
    await store.save('bestAuroc', model, state);
    for (const dir of [run.last, run.bestLoss, run.bestAuroc]) {
      expect(fs.existsSync(path.join(dir, 'checkpoint.json')), dir).toBe(true);
    }
    expect(JSON.parse(fs.readFileSync(run.log, 'utf8'))).toMatchObject({ epoch: 0, trainLoss: 1 });
    const restored = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' })],
    });
    expect((await store.restore(restored, tf.train.adam(0.01)))?.epochs).toBe(1);
    expect(restored.getWeights()[0]!.arraySync()).toEqual(model.getWeights()[0]!.arraySync());
    for (const m of [model, restored]) m.dispose();
    optimizer.dispose();
  });
});
