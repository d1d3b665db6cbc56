import { describe, expect, it } from 'vitest';
import {
  advanceSchedule,
  initialSchedule,
  type ScheduleOptions,
  scheduleOptions,
} from './schedule.js';

const config: ScheduleOptions = {
  learningRate: 1e-4,
  lrFactor: 0.9,
  lrPatience: 1,
  minLearningRate: 1e-8,
  earlyStoppingPatience: 3,
  epochs: 100,
};

function run(losses: number[], aurocs: (number | null)[] = [], c = config) {
  let state = initialSchedule(c);
  const steps = [];
  for (let epoch = 0; epoch < losses.length && !state.stopped; epoch++) {
    const step = advanceSchedule(state, c, {
      epoch,
      valLoss: losses[epoch]!,
      valAuroc: aurocs[epoch] ?? null,
    });
    state = step.state;
    steps.push(step);
  }
  return { state, steps };
}

describe('advanceSchedule', () => {
  it('multiplies the LR by 0.9 after each epoch without improvement (patience 1)', () => {
    const { steps } = run([1.0, 0.9, 0.95, 0.96, 0.8]);
    expect(steps.map((s) => s.state.learningRate)).toEqual([
      1e-4,
      1e-4,
      0.9e-4,
      0.9 * 0.9e-4,
      0.9 * 0.9e-4,
    ]);
  });

  it('needs an improvement larger than 1e-4 to reset the LR plateau (Keras min_delta)', () => {
    const { steps } = run([1.0, 0.99995]);
    expect(steps[1]!.state.learningRate).toBeCloseTo(0.9e-4, 12);
    // Early stopping's min_delta is 0: the same epoch still counts as the best loss.
    expect(steps[1]!.bestLoss).toBe(true);
  });

  it('stops after `patience` epochs without improvement, naming the best epoch', () => {
    const { state, steps } = run([1.0, 0.8, 0.85, 0.81, 0.9, 0.7]);
    expect(steps).toHaveLength(5);
    expect(state.stopped).toBe(true);
    expect(state.bestValLossEpoch).toBe(1);
    expect(state.stopReason).toMatch(/did not improve for 3 epochs \(best 0.8000 at epoch 1\)/);
  });

  it('tracks the best AUROC separately from the best loss', () => {
    const { steps, state } = run([1.0, 0.9, 0.95], [0.7, 0.65, 0.8]);
    expect(steps.map((s) => [s.bestLoss, s.bestAuroc])).toEqual([
      [true, true],
      [true, false],
      [false, true],
    ]);
    expect(state.bestValAurocEpoch).toBe(2);
  });

  it('never goes below the minimum LR and stops at the epoch limit', () => {
    const c = { ...config, learningRate: 1e-8, epochs: 2, earlyStoppingPatience: 10 };
    const { state } = run([1, 2, 3], [], c);
    expect(state.learningRate).toBe(1e-8);
    expect(state.stopped).toBe(true);
    expect(state.stopReason).toBe('reached 2 epochs');
  });

  it('is pure: the previous state is not changed and survives a JSON round trip', () => {
    const first = initialSchedule(config);
    const frozen = JSON.stringify(first);
    const step = advanceSchedule(first, config, { epoch: 0, valLoss: 1, valAuroc: 0.5 });
    expect(JSON.stringify(first)).toBe(frozen);
    const again = advanceSchedule(JSON.parse(JSON.stringify(step.state)), config, {
      epoch: 1,
      valLoss: 1.5,
      valAuroc: null,
    });
    expect(again.state.learningRate).toBeCloseTo(0.9e-4, 12);
    expect(again.state.stopWait).toBe(1);
  });
});

describe('scheduleOptions', () => {
  it('freezes a valid copy and names the bad field', () => {
    const checked = scheduleOptions(config);
    expect(Object.isFrozen(checked)).toBe(true);
    expect(checked).toEqual(config);
    expect(() => scheduleOptions({ ...config, lrPatience: 1.5 })).toThrow(/schedule.lrPatience/);
    expect(() => scheduleOptions({ ...config, lrFactor: 2 })).toThrow(RangeError);
    expect(() => scheduleOptions({ ...config, learningRate: Number.NaN })).toThrow(
      /schedule.learningRate/,
    );
  });
});
