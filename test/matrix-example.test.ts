import { expect } from 'chai';
import { runParties } from './helpers/parties.js';
import { task } from './helpers/matrix-example.js';

describe('the README library example (three parties, Y = X·W + b) on the test preprocessing', () => {
  it('computes X·W + b', async () => {
    const write = process.stderr.write.bind(process.stderr);
    const lines: string[] = [];
    process.stderr.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stderr.write;
    const origError = console.error;
    console.error = (...a: unknown[]) => lines.push(a.join(' '));
    let outs: number[][];
    try {
      outs = await runParties(3, task);
    } finally {
      process.stderr.write = write;
      console.error = origError;
    }
    for (const o of outs) o.forEach((v, i) => expect(v).to.be.closeTo([9.5, 26, 30.25, 52][i]!, 2 ** -15));
    expect(lines.join('\n')).to.match(/holds Secret\[2×2\]/);
  });
});
