import { accessSync, constants, existsSync } from 'node:fs';
import * as path from 'node:path';

/** What building the binding needs, found on this machine. */
export interface Toolchain {
  /** npm's bundled node-gyp (`node-gyp.js`), run with this Node. */
  nodeGyp?: string;
  /** Node's install prefix with `include/node/node_api.h` and `common.gypi` (`--nodedir`). */
  nodeDir?: string;
  cxx?: string;
  make?: string;
  /** One line per missing piece: what it is and how to get it. */
  missing: string[];
}

export interface ToolchainEnvironment {
  execPath: string;
  nodeVersion: string;
  env: Record<string, string | undefined>;
  exists: (file: string) => boolean;
  /** Absolute path of an executable on PATH, or undefined. */
  which: (name: string) => string | undefined;
}

export function which(name: string, env = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

export const hostEnvironment = (): ToolchainEnvironment => ({
  execPath: process.execPath,
  nodeVersion: process.version,
  env: process.env,
  exists: existsSync,
  which: (name) => which(name),
});

/** Options that override discovery (`--node-gyp`, `--nodedir`). */
export interface ToolchainOverrides {
  nodeGyp?: string;
  nodeDir?: string;
}

/**
 * Finds node-gyp, Node's headers, a C++ compiler and make. Pure given `environment` (tests pass
 * fixtures). node-gyp also needs a Python 3: the link uses the TensorFlow Python for that.
 */
export function findToolchain(
  environment: ToolchainEnvironment,
  overrides: ToolchainOverrides = {},
): Toolchain {
  const { env, exists } = environment;
  const prefix = path.dirname(path.dirname(environment.execPath));
  const missing: string[] = [];
  const toolchain: Toolchain = { missing };

  const gypCandidates = overrides.nodeGyp
    ? [overrides.nodeGyp]
    : [
        env.npm_config_node_gyp,
        path.join(
          prefix,
          'lib',
          'node_modules',
          'npm',
          'node_modules',
          'node-gyp',
          'bin',
          'node-gyp.js',
        ),
        path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      ].filter((p): p is string => Boolean(p));
  toolchain.nodeGyp = gypCandidates.find(exists);
  if (!toolchain.nodeGyp) {
    missing.push(
      `node-gyp: not found at ${gypCandidates.join(' or ')} (npm ships it; install npm with Node, or \`npm i -g node-gyp\` and pass --node-gyp $(npm root -g)/node-gyp/bin/node-gyp.js)`,
    );
  }

  const dirCandidates = overrides.nodeDir ? [overrides.nodeDir] : [env.npm_config_nodedir, prefix];
  toolchain.nodeDir = dirCandidates
    .filter((d): d is string => Boolean(d))
    .find(
      (d) =>
        exists(path.join(d, 'include', 'node', 'node_api.h')) &&
        exists(path.join(d, 'include', 'node', 'common.gypi')),
    );
  if (!toolchain.nodeDir) {
    const version = environment.nodeVersion;
    missing.push(
      `Node's headers: no include/node/node_api.h and common.gypi under ${dirCandidates.filter(Boolean).join(' or ')}; download https://nodejs.org/dist/${version}/node-${version}-headers.tar.gz, unpack it and pass --nodedir <unpacked node-${version}> (official Node builds ship them in <prefix>/include/node)`,
    );
  }

  toolchain.cxx = env.CXX ? (exists(env.CXX) ? env.CXX : environment.which(env.CXX)) : undefined;
  toolchain.cxx ??= ['c++', 'g++', 'clang++'].map(environment.which).find(Boolean);
  if (!toolchain.cxx) {
    missing.push(
      `a C++ compiler: ${env.CXX ? `CXX=${env.CXX} not found and ` : ''}no c++, g++ or clang++ on PATH (Debian/Ubuntu: \`apt-get install g++ make\`; Fedora: \`dnf install gcc-c++ make\`)`,
    );
  }
  toolchain.make = environment.which('make');
  if (!toolchain.make) {
    missing.push('make: not on PATH (Debian/Ubuntu: `apt-get install make`)');
  }
  return toolchain;
}
