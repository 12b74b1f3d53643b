import { ConcordError } from '../errors.js';
import type { Command } from './main.js';

/** `concord dealer`: not built yet (see the open issues). */
export const command: Command = {
  summary: 'dealer',
  async run(): Promise<number> {
    throw new ConcordError('E_USAGE', '`concord dealer` is not available yet in this build');
  },
};
