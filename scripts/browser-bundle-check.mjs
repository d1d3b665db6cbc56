// Bundles a package entry for the browser with esbuild and lists every import that would not run
// there: Node built-ins (node:fs, path, crypto, worker_threads, …) and Node-only packages (fast-csv,
// jimp's Node build). Used by each package's browser-bundle test; `@cihmlc/*` imports are followed
// into their sources, so the check needs no build.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Packages whose import from a browser entry is an error (Node-only or Node builds). */
export const NODE_ONLY_PACKAGES = [
  'fast-csv',
  'jimp',
  '@jimp',
  'tsx',
  'webgpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
];

function isNodeOnly(specifier) {
  if (NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0])) return true;
  return NODE_ONLY_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

/**
 * Bundles `entry` (a .ts file) for `platform: 'browser'` and returns
 * `{ violations: [{ specifier, importer }], errors: string[], bytes }`. TF.js is left external
 * (it is a browser library; bundling it only costs time).
 */
export async function checkBrowserBundle(entry) {
  const violations = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    external: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-*'],
    plugins: [
      {
        name: 'node-only-imports',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (isNodeOnly(args.path)) {
              violations.push({
                specifier: args.path,
                importer: path.relative(root, args.importer),
              });
              return { path: args.path, external: true };
            }
            const workspace = /^@cihmlc\/([a-z-]+)(\/node)?$/.exec(args.path);
            if (workspace) {
              const file = workspace[2] ? 'node.ts' : 'index.ts';
              return { path: path.join(root, 'packages', workspace[1], 'src', file) };
            }
            return undefined;
          });
        },
      },
    ],
  }).catch((error) => ({ errors: error.errors ?? [{ text: String(error) }], outputFiles: [] }));
  return {
    violations,
    errors: result.errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`),
    bytes: result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0),
  };
}
