import { ConcordError } from '../errors.js';
import type { Command } from './main.js';

/** `concord simulate`: not built yet (see the open issues). */
export const command: Command = {
  summary: 'simulate',
  async run(): Promise<number> {
    throw new ConcordError('E_USAGE', '`concord simulate` is not available yet in this build');
  },
};
