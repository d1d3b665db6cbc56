import { File } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFolderError } from '@cihmlc/densenet';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModelFolder, ViewerError } from './model-folder.js';

// The committed fixture is a folder `trainer export` wrote: the package's loader must keep
// reading it. The field-by-field checks are @cihmlc/densenet's tests (model-folder.test.ts).
const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../e2e/fixture-model');
const manifest = () => JSON.parse(fs.readFileSync(path.join(fixture, 'cihmlc-model.json'), 'utf8'));

/** The fixture's files as a file input gives them, with `edit` applied to the manifest. */
function files(edit?: (m: Record<string, unknown>) => void): globalThis.File[] {
  return fs.readdirSync(fixture).map((name) => {
    let bytes: Buffer | string = fs.readFileSync(path.join(fixture, name));
    if (name === 'cihmlc-model.json' && edit) {
      const m = manifest();
      edit(m);
      bytes = JSON.stringify(m);
    }
    return new File([bytes], name) as unknown as globalThis.File;
  });
}

async function pageError(run: Promise<unknown>): Promise<ViewerError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ViewerError);
  expect((error as ViewerError).cause).toBeInstanceOf(ModelFolderError);
  return error as ViewerError;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('openModelFolder', () => {
  it("reads the fixture's export manifest and a model that fits it", async () => {
    const { model, manifest: info } = await openModelFolder(files());
    expect(info.labels).toHaveLength(21);
    expect(info.inputShape).toEqual([32, 32, 3]);
    expect(info.gradCamLayer).toBe('top_conv2d');
    expect(info.mcDropout.samples).toBe(5);
    expect(model.outputs[0]!.shape).toEqual([null, 21]);
    model.dispose();
  });

  it('shows what does not match on the page (a ViewerError with the message)', async () => {
    const at = /^The model folder the chosen model files does not match: /;
    const format = await pageError(openModelFolder(files((m) => (m.format = 'other'))));
    expect(format.message).toMatch(at);
    expect(format.message).toMatch(/format is "other"/);
    const labels = await pageError(openModelFolder(files((m) => (m.labels = ['a']))));
    expect(labels.message).toMatch(/labels are not the taxonomy's outputs/);
    const shape = await pageError(openModelFolder(files((m) => (m.inputShape = [32, 32, 1]))));
    expect(shape.message).toMatch(/inputShape must be \[height, width, 3\]/);
    const other = await pageError(openModelFolder(files((m) => (m.inputShape = [64, 64, 3]))));
    expect(other.message).toMatch(
      /the model takes \[batch, 32, 32, 3\] but cihmlc-model\.json says \[64, 64, 3\]/,
    );
    const noCam = await pageError(openModelFolder(files((m) => (m.gradCamLayer = 'nope'))));
    expect(noCam.message).toMatch(/no layer nope for Grad-CAM/);
    const none = await pageError(
      openModelFolder(files().filter((f) => f.name !== 'cihmlc-model.json')),
    );
    expect(none.message).toMatch(/No cihmlc-model\.json among the chosen model files/);
  });

  it('leaves a bug a bug: a wrong argument is not shown as a folder problem', async () => {
    await expect(openModelFolder(42 as never)).rejects.toThrow(TypeError);
    await expect(openModelFolder(42 as never)).rejects.not.toBeInstanceOf(ViewerError);
  });
});
