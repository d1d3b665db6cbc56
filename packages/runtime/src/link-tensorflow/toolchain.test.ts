import { describe, expect, it } from 'vitest';
import { findToolchain, type ToolchainEnvironment } from './toolchain.js';

function environment(
  files: string[],
  onPath: string[],
  env: Record<string, string> = {},
): ToolchainEnvironment {
  return {
    execPath: '/opt/node/bin/node',
    nodeVersion: 'v20.20.2',
    env,
    exists: (f) => files.includes(f),
    which: (name) => (onPath.includes(name) ? `/usr/bin/${name}` : undefined),
  };
}
const GYP = '/opt/node/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js';
const HEADERS = ['/opt/node/include/node/node_api.h', '/opt/node/include/node/common.gypi'];

describe('findToolchain', () => {
  it("finds npm's node-gyp and the headers under the running Node's prefix, a compiler and make", () => {
    const t = findToolchain(environment([GYP, ...HEADERS], ['g++', 'make']));
    expect(t).toEqual({
      nodeGyp: GYP,
      nodeDir: '/opt/node',
      cxx: '/usr/bin/g++',
      make: '/usr/bin/make',
      missing: [],
    });
  });

  it('says exactly what is missing and how to get it', () => {
    const t = findToolchain(environment([], []));
    expect(t.missing).toHaveLength(4);
    expect(t.missing[0]).toMatch(/^node-gyp: not found at .*node-gyp\.js .*--node-gyp/);
    expect(t.missing[1]).toMatch(
      /^Node's headers: no include\/node\/node_api\.h .*https:\/\/nodejs\.org\/dist\/v20\.20\.2\/node-v20\.20\.2-headers\.tar\.gz.*--nodedir/,
    );
    expect(t.missing[2]).toMatch(
      /^a C\+\+ compiler: no c\+\+, g\+\+ or clang\+\+ on PATH \(Debian\/Ubuntu: `apt-get install g\+\+ make`/,
    );
    expect(t.missing[3]).toMatch(/^make: not on PATH/);
  });

  it('reports only the missing compiler when the rest is there', () => {
    const t = findToolchain(environment([GYP, ...HEADERS], ['make']));
    expect(t.missing).toEqual([expect.stringMatching(/^a C\+\+ compiler/)]);
  });

  it('honours CXX, --node-gyp and --nodedir, and says when CXX points nowhere', () => {
    const t = findToolchain(
      environment(
        ['/x/gyp.js', '/h/include/node/node_api.h', '/h/include/node/common.gypi', '/cc/clang++'],
        ['make'],
        { CXX: '/cc/clang++' },
      ),
      {
        nodeGyp: '/x/gyp.js',
        nodeDir: '/h',
      },
    );
    expect(t).toMatchObject({
      nodeGyp: '/x/gyp.js',
      nodeDir: '/h',
      cxx: '/cc/clang++',
      missing: [],
    });
    const bad = findToolchain(environment([GYP, ...HEADERS], ['make', 'g++'], { CXX: 'nocc' }));
    expect(bad.cxx).toBe('/usr/bin/g++');
    const none = findToolchain(environment([GYP, ...HEADERS], ['make'], { CXX: 'nocc' }));
    expect(none.missing).toEqual([
      expect.stringMatching(/^a C\+\+ compiler: CXX=nocc not found and no c\+\+/),
    ]);
  });
});
