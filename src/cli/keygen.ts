import { ConcordError } from '../errors.js';
import type { Command } from './main.js';

/** `concord keygen`: not built yet (see the open issues). */
export const command: Command = {
  summary: 'keygen',
  async run(): Promise<number> {
    throw new ConcordError('E_USAGE', '`concord keygen` is not available yet in this build');
  },
};
