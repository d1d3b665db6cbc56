#!/usr/bin/env node
// Before the tests: where it can (Debian 12, as root, e.g. CI), install the CPU Vulkan driver
// (Mesa lavapipe from bookworm-backports) so that @cihmlc/runtime's webgpu numerics tests run
// instead of being skipped. Best effort: anything else prints why and the tests skip webgpu.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const why = (() => {
  if (process.env.CIHMLC_SKIP_LAVAPIPE) return 'CIHMLC_SKIP_LAVAPIPE is set';
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'not root (run packages/runtime/scripts/install-lavapipe.sh yourself)';
  const osRelease = fs.existsSync('/etc/os-release')
    ? fs.readFileSync('/etc/os-release', 'utf8')
    : '';
  if (!osRelease.includes('bookworm')) return 'not Debian 12';
  const icd = '/usr/share/vulkan/icd.d';
  if (fs.existsSync(icd) && fs.readdirSync(icd).some((f) => f.includes('lvp'))) {
    const v = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'mesa-vulkan-drivers'], {
      encoding: 'utf8',
    });
    if (/^2[5-9]\./.test(v.stdout)) return `already installed (Mesa ${v.stdout})`;
  }
  return null;
})();

if (why) {
  console.log(`ci-prepare: lavapipe install skipped: ${why}`);
} else {
  const r = spawnSync('timeout', ['600', 'bash', 'packages/runtime/scripts/install-lavapipe.sh'], {
    stdio: 'inherit',
  });
  console.log(
    r.status === 0
      ? 'ci-prepare: lavapipe installed; the webgpu tests will run'
      : `ci-prepare: lavapipe install failed (exit ${r.status}); the webgpu tests will be skipped`,
  );
}

// Best effort: a venv with tensorflow-cpu (scripts/install-tensorflow-venv.sh, ~2 min, 1.6 GB from
// the configured pip index) so that @cihmlc/runtime's link-tensorflow end-to-end test builds
// tfjs-node-gpu's binding against it and checks its numerics; otherwise that test is skipped.
const tfWhy = (() => {
  if (process.env.CIHMLC_SKIP_TENSORFLOW) return 'CIHMLC_SKIP_TENSORFLOW is set';
  if (process.env.CIHMLC_TF_PYTHON)
    return `CIHMLC_TF_PYTHON is set (${process.env.CIHMLC_TF_PYTHON})`;
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (spawnSync('python3', ['-c', 'import venv'], { stdio: 'ignore' }).status !== 0)
    return 'no python3 with venv';
  return null;
})();
if (tfWhy) {
  console.log(`ci-prepare: tensorflow-cpu venv skipped: ${tfWhy}`);
} else {
  const r = spawnSync('timeout', ['600', 'bash', 'scripts/install-tensorflow-venv.sh'], {
    stdio: 'inherit',
  });
  console.log(
    r.status === 0
      ? 'ci-prepare: .venv-tf ready; the link-tensorflow end-to-end test will run'
      : `ci-prepare: tensorflow-cpu install failed (exit ${r.status}); the link-tensorflow end-to-end test will be skipped`,
  );
}

// The web viewer's browser tests (apps/viewer) drive Debian's Chromium; best effort as well.
const chromiumWhy = (() => {
  if (process.env.CIHMLC_SKIP_CHROMIUM) return 'CIHMLC_SKIP_CHROMIUM is set';
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).status === 0)
    return 'already installed';
  if (process.getuid?.() !== 0) return 'not root (run scripts/install-chromium.sh as root)';
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return 'no apt-get';
  return null;
})();
if (chromiumWhy) {
  console.log(`ci-prepare: chromium install skipped: ${chromiumWhy}`);
} else {
  const r = spawnSync('timeout', ['600', 'sh', 'scripts/install-chromium.sh'], {
    stdio: 'inherit',
  });
  console.log(
    r.status === 0
      ? 'ci-prepare: chromium installed; the viewer browser tests will run'
      : `ci-prepare: chromium install failed (exit ${r.status}); the viewer browser tests will be skipped`,
  );
}
