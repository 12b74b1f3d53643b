import { generateKey, toHex, writeKeyFile } from '../config/keys.js';
import { parseArgs, required } from './args.js';
import type { Command } from './args.js';

/** `concord keygen --out <file> [--force]`: write a private key file (0600), print the public key. */
export const command: Command = {
  summary: 'write a private key (0600), print the public key',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv, ['out'], ['force'], 'keygen');
    const out = required(args, 'out', 'keygen');
    const k = generateKey();
    writeKeyFile(out, k, args.switches.has('force'));
    process.stdout.write(toHex(k.publicKey) + '\n');
    return 0;
  },
};
