import { openRunFolder, type RunFolder } from '@cihmlc/training/node';
import type { RunConfig } from './config.js';

/**
 * A run folder for `config` (@cihmlc/training/node); the backend and step replay change speed,
 * not results, so a run may resume with others.
 */
export function openRunDir(runDir: string, config: RunConfig): RunFolder {
  return openRunFolder(runDir, config, { ignoreFields: ['backend', 'replay'] });
}
