/**
 * The command line of `pixloom`: positional words and `--name value` / `--flag` options. A
 * mistake is a {@link UsageError} whose message says how to write the command.
 */

/** A command line that cannot be run as written; printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

/**
 * Splits `argv` into positional words and options. `--name value` and `--name=value` take a
 * value; names in `flags` take none. `--` ends the options.
 *
 * @throws UsageError for an unknown option or one whose value is missing
 */
export function parseArgs(argv: string[], valued: string[], flags: string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--') || word === '-') {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2);
    if (flags.includes(name) && inline === undefined) {
      options.set(name, true);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      options.set(name, value);
    } else {
      const known = [...valued, ...flags].map((n) => `--${n}`).join(', ');
      throw new UsageError(`Unknown option --${name}; this command takes ${known}.`);
    }
  }
  return { positional, options };
}

/** A whole number option within [min, max], or `fallback` when absent. */
export function intOption(
  args: ParsedArgs, name: string, fallback: number | undefined, min: number, max: number,
): number | undefined {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} ${raw === true ? '' : raw} is not usable: give a whole `
      + `number from ${min} to ${max}.`);
  }
  return value;
}

/** A string option, or `fallback` when absent. */
export function stringOption(args: ParsedArgs, name: string, fallback: string): string {
  const raw = args.options.get(name);
  return typeof raw === 'string' ? raw : fallback;
}
