#!/usr/bin/env node
import {
  custom,
  helpOption,
  oneOf,
  option,
  optionsHelp,
  parseOptionValue,
  switchOption,
  textOption,
} from '@cihmlc/internal';
import { parseCommandLine } from '@cihmlc/internal/node';
import { version } from '../../package.json';
import { LINKABLE_PACKAGES, linkTensorflow } from './link-tensorflow.js';

/** A package name, with or without `@tensorflow/`. */
const linkable = custom(LINKABLE_PACKAGES.join(' | '), (value, name) =>
  parseOptionValue(oneOf(LINKABLE_PACKAGES), String(value).replace(/^@tensorflow\//, ''), name),
);

const OPTIONS = [
  textOption('python', 'PATH', 'the Python (default python3)'),
  option({
    name: 'package',
    type: linkable,
    default: 'tfjs-node-gpu',
    help: 'the binding to build',
  }),
  switchOption('check', 'report what is there and what is missing'),
  switchOption('force', 'rebuild even a verified binding'),
  textOption('nodedir', 'DIR', "Node's prefix (include/node)"),
  textOption('nodeGyp', 'FILE', "npm's node-gyp.js"),
  helpOption,
];

const USAGE = `Usage: cihmlc-runtime --version | --help
       cihmlc-runtime link-tensorflow [--python PATH] [--package tfjs-node-gpu|tfjs-node]
                                       [--check] [--force] [--nodedir DIR] [--node-gyp FILE]

Builds @tensorflow/tfjs-node(-gpu)'s native binding against the TensorFlow that PATH (default
python3) has installed (pip tensorflow / tensorflow-cpu / tensorflow[and-cuda]), installs it
where the package loads it and verifies it in a child process. Running it again only verifies.
--check reports what is there and what is missing without building. Exit status: 0 linked and
verified; 1 something is missing or failed (each line says what and how to get it); 2 (--check)
everything is there but the binding is not linked yet.

Options of link-tensorflow:
${optionsHelp(OPTIONS, { width: 100 })}`;

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
  const { values } = parseCommandLine(rest, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const toolchain: { nodeDir?: string; nodeGyp?: string } = {};
  if (values.nodedir) toolchain.nodeDir = values.nodedir;
  if (values.nodeGyp) toolchain.nodeGyp = values.nodeGyp;
  const report = await linkTensorflow({
    ...(values.python ? { python: values.python } : {}),
    package: values.package,
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
