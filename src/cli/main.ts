import { ConcordError } from '../errors.js';
import type { Command } from './args.js';
import { StoppedError } from './signals.js';

/** Sub-commands, loaded lazily so `concord keygen` does not pay for the training code. */
const commands: Record<string, () => Promise<Command>> = {
  keygen: async () => (await import('./keygen.js')).command,
  party: async () => (await import('./party.js')).command,
  dealer: async () => (await import('./dealer.js')).command,
  simulate: async () => (await import('./simulate.js')).command,
  predict: async () => (await import('./predict.js')).command,
  bench: async () => (await import('./bench.js')).command,
};

function usage(): string {
  return [
    'usage: concord <command> [options]',
    '',
    '  keygen    --out <file>                      write a private key (0600), print the public key',
    '  party     --config --id --key --job [--data] run one organization\'s party process',
    '            [--checkpoint <dir> [--resume] [--keep-checkpoints]]  shares saved every epoch; --resume after a crash',
    '  dealer    --config --key                     run the dealer (offline phase, trusted third party)',
    '  simulate  [--job <job.json>] [--parties 3] [--model logreg|mlp] [--offline hm|ot|dealer] [--check] [--json]',
    '            [--checkpoint <dir> [--resume]]  local multi-process simulation of a training job',
    '  predict   --model <model.json> --data <csv> [--out <csv>] [--id <column>] [--json]',
    '                                              apply a saved model (and its preprocessing) to new rows, locally',
    '  bench     <name|all|scale|report|list> [--parties N] [--offline dealer|ot|hm] [--json]',
    '                                              protocol benchmarks',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) throw new ConcordError('E_USAGE', `unknown command "${name}"\n${usage()}`);
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConcordError) {
      process.stderr.write(`concord: error ${err.code}: ${err.message}\n`);
      process.exitCode = err.code === 'E_USAGE' ? 2 : err instanceof StoppedError ? err.exitCode : 1;
    } else {
      process.stderr.write(`concord: internal error (please report): ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
