// Types of localisation.mjs for the TypeScript test that imports it.
import type * as tf from '@tensorflow/tfjs';
import type {
  GradCamOptions,
  GradCamResult,
  LocalisationCase,
  LocalisationScore,
} from '../src/index.js';

export interface LocalisationDeps {
  explain: {
    gradCam(
      model: tf.LayersModel,
      image: tf.Tensor4D,
      options: GradCamOptions,
    ): Promise<GradCamResult[]>;
    localisationScore(cases: readonly LocalisationCase[]): LocalisationScore;
  };
  densenet: { createClassifier(options: never): tf.LayersModel };
  data: {
    Random: new (seed: number) => unknown;
    hashSeed(...keys: number[]): number;
    sampleFindings(rng: never): { labels: Uint8Array; equivocal: boolean };
    renderRadiograph(
      study: never,
      view: 'frontal' | 'lateral',
      size: number,
      seed: number,
    ): {
      gray: Uint8Array;
      findings: { label: string; box: { x0: number; y0: number; x1: number; y1: number } }[];
    };
  };
  labelNames: readonly string[];
}

export interface LocalisationOptions {
  size?: number;
  trainImages?: number;
  testImages?: number;
  epochs?: number;
  seed?: number;
  headFilters?: number;
  denseUnits?: number;
  dropoutRate?: number;
  variant?: unknown;
  /** 'head' (default): frozen random backbone; 'full': the whole classifier (needs a fast backend). */
  train?: 'head' | 'full';
  batchNormMomentum?: number;
}

export interface LocalisationRun {
  untrained: { overall: LocalisationScore; perLabel: ({ name: string } & LocalisationScore)[] };
  trained: { overall: LocalisationScore; perLabel: ({ name: string } & LocalisationScore)[] };
  losses: number[];
  trainSeconds: number;
}

export function runLocalisation(
  deps: LocalisationDeps,
  options?: LocalisationOptions,
): Promise<LocalisationRun>;
