import { describe, expect, it } from 'vitest';
import {
  advanceSchedule,
  type EpochRecord,
  initialSchedule,
  type ScheduleOptions,
} from './schedule.js';
import { summarizeTraining, type TrainingState } from './training-state.js';

const config: ScheduleOptions = {
  learningRate: 1e-3,
  lrFactor: 0.5,
  lrPatience: 1,
  minLearningRate: 1e-6,
  earlyStoppingPatience: 2,
  epochs: 10,
};

describe('summarizeTraining', () => {
  it('counts epochs from 1, sums epoch times and takes the last epoch rate', () => {
    // Validation losses 0.9, 0.7, 0.8, 0.75: best loss at the 2nd epoch, then two epochs without
    // improvement stop it (patience 2). AUROCs peak at the 3rd epoch.
    const losses = [0.9, 0.7, 0.8, 0.75];
    const aurocs = [0.6, 0.7, 0.8, null];
    let schedule = initialSchedule(config);
    const history: EpochRecord[] = [];
    for (const [epoch, valLoss] of losses.entries()) {
      const valAuroc = aurocs[epoch]!;
      schedule = advanceSchedule(schedule, config, { epoch, valLoss, valAuroc }).state;
      history.push({
        epoch,
        trainLoss: 1,
        trainBce: 1,
        trainPenalty: 0,
        valLoss,
        valBce: valLoss,
        valPenalty: 0,
        valAuroc,
        learningRate: schedule.learningRate,
        seconds: 10 + epoch,
        imagesPerSecond: 100 + epoch,
      });
    }
    const state: TrainingState = { epochs: 4, schedule, history };
    expect(summarizeTraining(state)).toEqual({
      epochs: 4,
      stopReason: schedule.stopReason,
      bestValLoss: { epoch: 2, value: 0.7 },
      bestValAuroc: { epoch: 3, value: 0.8 },
      trainingSeconds: 10 + 11 + 12 + 13,
      imagesPerSecond: 103,
    });
    expect(schedule.stopped).toBe(true);
  });

  it('summarises a state before the first epoch', () => {
    const state: TrainingState = { epochs: 0, schedule: initialSchedule(config), history: [] };
    expect(summarizeTraining(state)).toMatchObject({
      epochs: 0,
      stopReason: '',
      bestValLoss: { epoch: 0, value: Number.POSITIVE_INFINITY },
      trainingSeconds: 0,
      imagesPerSecond: 0,
    });
  });
});
