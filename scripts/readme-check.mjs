#!/usr/bin/env node
// Type-checks every ```ts code block of the root README and of each package's README, as written,
// under strict TypeScript against the built packages (what a user of the tarballs compiles
// against: the packages' `exports` and dist/*.d.ts). Each block is its own ES module (Node's
// module resolution, top-level await allowed). Example code must be ```ts so that it is checked:
// a ```js block is an error. Errors name the README, line and column. Run after `pnpm build`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Under node_modules: ignored by git and biome, and the work files' imports resolve as a user's would.
const work = path.join(root, 'node_modules', '.cache', 'readme-check');

const workspaceDirs = ['packages', 'apps'].flatMap((group) =>
  fs.existsSync(path.join(root, group))
    ? fs
        .readdirSync(path.join(root, group))
        .map((d) => path.join(group, d))
        .filter((d) => fs.existsSync(path.join(root, d, 'package.json')))
    : [],
);
const readmes = ['README.md', ...workspaceDirs.map((d) => path.join(d, 'README.md'))].filter((f) =>
  fs.existsSync(path.join(root, f)),
);

/** ```lang blocks of a Markdown file: { lang, line (1-based line of the first code line), code }. */
export function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    blocks.push({
      lang: open[3].toLowerCase(),
      line: start + 1,
      code: lines.slice(start, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

const problems = [];
const files = new Map(); // work file name -> { readme, line }
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(path.join(work, 'node_modules', '@cihmlc'), { recursive: true });
fs.mkdirSync(path.join(work, 'node_modules', '@tensorflow'), { recursive: true });

for (const readme of readmes) {
  const blocks = codeBlocks(fs.readFileSync(path.join(root, readme), 'utf8'));
  for (const b of blocks) {
    if (['js', 'javascript', 'mjs', 'cjs', 'typescript'].includes(b.lang)) {
      problems.push(
        `${readme}:${b.line - 1}: a \`\`\`${b.lang} block: write examples as \`\`\`ts so that the README check compiles them`,
      );
      continue;
    }
    if (b.lang !== 'ts') continue;
    const name = `${readme.replace(/[\\/]/g, '__').replace(/\.md$/, '')}.L${b.line}.ts`;
    fs.writeFileSync(path.join(work, name), `${b.code}\n`);
    files.set(name, { readme, line: b.line });
  }
}

// The built packages, as a user's node_modules would hold them (their own dependencies resolve
// from their real location in the workspace), and TF.js, the peer dependency.
let tfjs;
for (const dir of workspaceDirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
  const candidate = path.join(root, dir, 'node_modules', '@tensorflow', 'tfjs');
  if (!tfjs && fs.existsSync(candidate)) tfjs = fs.realpathSync(candidate);
  if (!pkg.name?.startsWith('@cihmlc/')) continue;
  if (!pkg.private && !fs.existsSync(path.join(root, dir, 'dist')))
    problems.push(`${pkg.name}: ${dir}/dist missing (run pnpm build first)`);
  fs.symlinkSync(
    path.join(root, dir),
    path.join(work, 'node_modules', pkg.name),
    process.platform === 'win32' ? 'junction' : 'dir',
  );
}
if (tfjs) fs.symlinkSync(tfjs, path.join(work, 'node_modules', '@tensorflow', 'tfjs'), 'dir');

fs.writeFileSync(path.join(work, 'package.json'), '{ "type": "module", "private": true }\n');
fs.writeFileSync(
  path.join(work, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        moduleDetection: 'force',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
        noEmit: true,
        skipLibCheck: true,
      },
      files: [...files.keys()],
    },
    null,
    2,
  )}\n`,
);

if (problems.length === 0 && files.size > 0) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: work,
    encoding: 'utf8',
  });
  const output = `${r.stdout}${r.stderr}`;
  for (const line of output.split('\n')) {
    const m = /^(.+?\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
    const at = m && files.get(m[1]);
    if (at) problems.push(`${at.readme}:${at.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`);
    else if (line.trim()) problems.push(line);
  }
  if (r.status !== 0 && problems.length === 0) problems.push(`tsc exited with ${r.status}`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`readme-check: ${p}`);
  console.error(
    `readme-check: ${problems.length} problem(s) (work files in ${path.relative(root, work)})`,
  );
  process.exit(1);
}
console.log(
  `readme-check: ${files.size} \`\`\`ts block(s) of ${readmes.length} README(s) compile under strict TypeScript`,
);
