import { ConcordError } from '../errors.js';
import type { Command } from './main.js';

/** `concord party`: not built yet (see the open issues). */
export const command: Command = {
  summary: 'party',
  async run(): Promise<number> {
    throw new ConcordError('E_USAGE', '`concord party` is not available yet in this build');
  },
};
