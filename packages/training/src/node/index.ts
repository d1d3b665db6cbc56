// @cihmlc/training/node: checkpoints and the metrics log on the file system (Node only).

export {
  type CheckpointFolders,
  findCheckpoint,
  folderCheckpoints,
  readCheckpointState,
  restoreCheckpoint,
  writeCheckpoint,
  writeMetricsLog,
} from './checkpoint.js';
