import { ConcordError } from '../errors.js';
import type { Command } from './main.js';

/** `concord bench`: not built yet (see the open issues). */
export const command: Command = {
  summary: 'bench',
  async run(): Promise<number> {
    throw new ConcordError('E_USAGE', '`concord bench` is not available yet in this build');
  },
};
