import { connectParty, Secret, isConcordError } from '../../src/index.js';

/**
 * One organization's process as a library user writes it (README "Use as a library"):
 *   node dist/test/helpers/connect-party.js <consortium.json> <id> <key file>
 * connects with connectParty, computes Y = X·W + b with the others and prints Y as one JSON line.
 */
const [consortium, id, key] = process.argv.slice(2);
try {
  const s = await connectParty({ consortium: consortium!, id: id!, key: key!, offline: 'ot', jobHash: 'connect-test', timeoutMs: 20_000 });
  try {
    const X = Secret.input(s, 0, [2, 3], s.me === 0 ? [1, 2, 3, 4, 5, 6] : undefined);
    const W = Secret.input(s, 1, [3, 2], s.me === 1 ? [0.5, -1, 0.25, 2, -0.5, 1] : undefined);
    const b = Secret.input(s, 2, [2, 2], s.me === 2 ? [10, 20, 30, 40] : undefined);
    const Y = (await X.matmul(W)).add(b);
    process.stdout.write(JSON.stringify({ id: s.id, me: s.me, y: Array.from((await Y.reveal()) as Float64Array) }) + '\n');
  } finally {
    await s.close();
  }
} catch (e) {
  process.stderr.write(isConcordError(e) ? `error ${e.code}: ${e.message}\n` : `internal error: ${String(e)}\n`);
  process.exitCode = 1;
}
