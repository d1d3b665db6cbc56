#!/usr/bin/env node
// Checks what every public package's tarball and package.json must carry before a release
// (LICENSE, repository with directory, homepage, bugs, keywords, author, engines equal to the
// root's, a prepack that builds) and that every bin answers --version. `pnpm release:dry-run` runs it before `publish --dry-run`.
// With --publish (`pnpm release`) it also refuses to publish while the repository URL is still the
// placeholder, a version is 0.0.0 or changesets are pending (`pnpm changeset version` not run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository URL placeholder (the project has no public repository yet). */
export const PLACEHOLDER_HOST = 'cihmlc-repository-not-public-yet.invalid';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const publish = process.argv.includes('--publish');
const rootJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const problems = [];
const placeholders = [];

for (const dir of fs.readdirSync(path.join(root, 'packages')).sort()) {
  const pkgDir = path.join(root, 'packages', dir);
  const file = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(file)) continue;
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (pkg.private) continue;
  const fail = (what) => problems.push(`${pkg.name} (packages/${dir}/package.json): ${what}`);
  if (pkg.license !== 'MIT') fail(`license is ${JSON.stringify(pkg.license)}, expected "MIT"`);
  const license = path.join(pkgDir, 'LICENSE');
  if (!fs.existsSync(license) || !fs.readFileSync(license, 'utf8').startsWith('MIT License'))
    fail('LICENSE (MIT text) missing beside package.json');
  if (!pkg.files?.includes('LICENSE')) fail('"files" does not list LICENSE');
  if (!pkg.author) fail('"author" missing');
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0) fail('"keywords" missing');
  if (!pkg.homepage) fail('"homepage" missing');
  if (!pkg.bugs?.url) fail('"bugs.url" missing');
  if (!pkg.repository?.url) fail('"repository.url" missing');
  if (pkg.repository?.directory !== `packages/${dir}`)
    fail(
      `"repository.directory" is ${JSON.stringify(pkg.repository?.directory)}, expected "packages/${dir}"`,
    );
  if (pkg.engines?.node !== rootJson.engines.node)
    fail(
      `engines.node ${JSON.stringify(pkg.engines?.node)} differs from the root's ${JSON.stringify(rootJson.engines.node)}`,
    );
  if (!/\bturbo run build\b|\btsup\b/.test(pkg.scripts?.prepack ?? ''))
    fail('no "prepack" script that builds (a fresh clone would pack an empty dist)');
  const urls = [pkg.homepage, pkg.bugs?.url, pkg.repository?.url].join(' ');
  if (urls.includes(PLACEHOLDER_HOST)) placeholders.push(pkg.name);
  // Every bin answers --version with the package's version (exit 0), from the built dist.
  for (const [bin, rel] of Object.entries(pkg.bin ?? {})) {
    const binFile = path.join(pkgDir, rel);
    if (!fs.existsSync(binFile)) {
      fail(`bin ${bin}: ${rel} missing (run pnpm build first)`);
      continue;
    }
    const r = spawnSync(process.execPath, [binFile, '--version'], { encoding: 'utf8' });
    if (r.status !== 0 || r.stdout !== `${pkg.version}\n`)
      fail(
        `bin ${bin} --version: exit ${r.status}, printed ${JSON.stringify(r.stdout)}, expected "${pkg.version}\\n"`,
      );
  }
  if (publish && pkg.version === '0.0.0') fail('version 0.0.0: run `pnpm changeset version` first');
}

const pending = fs
  .readdirSync(path.join(root, '.changeset'))
  .filter((f) => f.endsWith('.md') && f !== 'README.md');
if (publish && pending.length > 0)
  problems.push(
    `${pending.length} pending changeset(s): run \`pnpm changeset version\` and commit first`,
  );

if (placeholders.length > 0) {
  const line = `repository/homepage/bugs of ${placeholders.join(', ')} use the placeholder host ${PLACEHOLDER_HOST} (no public repository yet; replace it before publishing)`;
  if (publish) problems.push(line);
  else console.log(`release-check: note: ${line}`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`release-check: ${p}`);
  process.exit(1);
}
console.log(`release-check: ok${publish ? ' (ready to publish)' : ''}`);
