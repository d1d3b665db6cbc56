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
export {
  acquireRunLock,
  isRunComplete,
  type OpenRunFolderOptions,
  openRunFolder,
  type RunFolder,
  type RunLockOptions,
  runCheckpoint,
  runFolderCheckpoints,
  runFolderPaths,
} from './run-folder.js';
export { parseShard, type Shard, shardItems } from './shard.js';
