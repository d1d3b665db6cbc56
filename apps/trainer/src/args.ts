import { BOOLEAN_CONFIG_FLAGS } from './config-fields.js';

/** Parsed command line: the command, positional arguments and `--flag value` / `--flag` options. */
export interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  flags: Record<string, string | boolean>;
}

/** Flags that never take a value: the commands' own and the config table's booleans. */
const BOOLEAN_FLAGS = new Set([
  'help',
  'json',
  'consistent',
  'steal-lock',
  'keras',
  ...BOOLEAN_CONFIG_FLAGS,
]);

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) flags[name] = arg.slice(eq + 1);
      else if (BOOLEAN_FLAGS.has(name)) flags[name] = true;
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--'))
          throw new Error(`--${name} needs a value`);
        flags[name] = value;
        i++;
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      if (arg === '-h') flags.help = true;
      else throw new Error(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  const [command, ...rest] = positional;
  return { command, positional: rest, flags };
}

/** Removes and returns the named flags, so that what remains can be checked as config flags. */
export function takeFlags(
  flags: Record<string, string | boolean>,
  names: string[],
): Record<string, string | boolean> {
  const taken: Record<string, string | boolean> = {};
  for (const n of names) {
    if (n in flags) {
      taken[n] = flags[n]!;
      delete flags[n];
    }
  }
  return taken;
}
