import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MODEL_JSON } from './model-sources.js';
import {
  DEFAULT_SHARD_BYTES,
  readManifestWithWeights,
  writeManifestWithWeights,
} from './weights-manifest-files.js';

/** model.json fields other than weightsManifest that a save carries over from the artifacts. */
const ARTIFACT_FIELDS = [
  'modelTopology',
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const;

export interface FileSystemHandlerOptions {
  /** Maximum bytes per weight shard (default 4 MiB, like tensorflowjs_converter). */
  shardBytes?: number;
}

/**
 * A tf.io.IOHandler that saves to and loads from `dir` (model.json + .bin shards) with node:fs,
 * on any backend: the replacement for tfjs-node's file:// handler.
 */
export function fileSystemHandler(
  dir: string,
  options: FileSystemHandlerOptions = {},
): tf.io.IOHandler {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`${dir}: saving GraphDef (binary) topologies is not supported`);
      }
      const fields: Record<string, unknown> = {};
      for (const key of ARTIFACT_FIELDS) {
        if (artifacts[key] !== undefined) fields[key] = artifacts[key];
      }
      const data =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeManifestWithWeights(
        dir,
        MODEL_JSON,
        fields,
        artifacts.weightSpecs ?? [],
        data,
        shardBytes,
      );
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const file = path.resolve(dir, MODEL_JSON);
      const { json, specs, data } = await readManifestWithWeights(file);
      const topology = json.modelTopology;
      if (typeof topology !== 'object' || topology === null || Array.isArray(topology)) {
        throw new Error(
          `${file}: field modelTopology is missing or not an object (a weights-only file?)`,
        );
      }
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: topology,
        weightSpecs: specs,
        weightData: data,
      };
      for (const key of ARTIFACT_FIELDS) {
        if (key !== 'modelTopology' && json[key] !== undefined) {
          (artifacts as Record<string, unknown>)[key] = json[key];
        }
      }
      return artifacts;
    },
  };
}
