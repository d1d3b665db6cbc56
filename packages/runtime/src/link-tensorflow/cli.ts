#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { LINKABLE_PACKAGES, type LinkablePackage, linkTensorflow } from './link-tensorflow.js';

const USAGE = `Usage: cihmlc-runtime --version | --help
       cihmlc-runtime link-tensorflow [--python PATH] [--package tfjs-node-gpu|tfjs-node]
                                       [--check] [--force] [--nodedir DIR] [--node-gyp FILE]

Builds @tensorflow/tfjs-node(-gpu)'s native binding against the TensorFlow that PATH (default
python3) has installed (pip tensorflow / tensorflow-cpu / tensorflow[and-cuda]), installs it
where the package loads it and verifies it in a child process. Running it again only verifies.
--check reports what is there and what is missing without building. Exit status: 0 linked and
verified; 1 something is missing or failed (each line says what and how to get it); 2 (--check)
everything is there but the binding is not linked yet.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version') {
    console.log(version);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === undefined) {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'link-tensorflow') {
    console.error(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      python: { type: 'string' },
      package: { type: 'string', default: 'tfjs-node-gpu' },
      check: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      nodedir: { type: 'string' },
      'node-gyp': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const name = String(values.package).replace(/^@tensorflow\//, '');
  if (!(LINKABLE_PACKAGES as readonly string[]).includes(name)) {
    console.error(
      `--package must be one of ${LINKABLE_PACKAGES.join(', ')}; got ${JSON.stringify(values.package)}`,
    );
    return 1;
  }
  const toolchain: { nodeDir?: string; nodeGyp?: string } = {};
  if (values.nodedir) toolchain.nodeDir = values.nodedir;
  if (values['node-gyp']) toolchain.nodeGyp = values['node-gyp'];
  const report = await linkTensorflow({
    ...(values.python ? { python: values.python } : {}),
    package: name as LinkablePackage,
    check: values.check,
    force: values.force,
    toolchain,
    log: (line) => console.log(line),
  });
  if (report.missing.length) {
    console.error('cannot link TensorFlow; missing:');
    for (const line of report.missing) console.error(`  - ${line}`);
    return 1;
  }
  if (report.ok) return 0;
  return values.check ? 2 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`link-tensorflow: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
