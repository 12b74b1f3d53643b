import { ConcordError } from '../errors.js';

/**
 * One `concord` sub-command: its one-line summary and its entry point (argv after the name).
 * Here, not in main.ts, so the commands main.ts loads do not import main.ts back.
 */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Parsed `--flag value` / `--switch` arguments. */
export interface Args {
  flags: Map<string, string>;
  switches: Set<string>;
  positional: string[];
}

/**
 * Parse argv against the flags a command accepts: `valued` take a value, `switches` do not.
 * Unknown flags and missing values are E_USAGE errors naming the flag.
 */
export function parseArgs(argv: string[], valued: readonly string[], switches: readonly string[], command: string): Args {
  const out: Args = { flags: new Map(), switches: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (switches.includes(name)) {
      out.switches.add(name);
    } else if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new ConcordError('E_USAGE', `${command}: --${name} needs a value`);
      out.flags.set(name, v);
    } else {
      const known = [...valued, ...switches].map((f) => `--${f}`).join(', ');
      throw new ConcordError('E_USAGE', `${command}: unknown option --${name} (accepted: ${known || 'none'})`);
    }
  }
  return out;
}

/** A required flag's value. */
export function required(args: Args, name: string, command: string): string {
  const v = args.flags.get(name);
  if (v === undefined) throw new ConcordError('E_USAGE', `${command}: --${name} is required`);
  return v;
}

/** An integer flag within [min, max], or the default. */
export function intFlag(args: Args, name: string, def: number, min: number, max: number, command: string): number {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new ConcordError('E_USAGE', `${command}: --${name} must be an integer in ${min}..${max}, got "${v}"`);
  return x;
}

/** A finite number flag within (min, max], or the default. */
export function numFlag(args: Args, name: string, def: number, min: number, max: number, command: string): number {
  const v = args.flags.get(name);
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= min || x > max) throw new ConcordError('E_USAGE', `${command}: --${name} must be a number in (${min}, ${max}], got "${v}"`);
  return x;
}
