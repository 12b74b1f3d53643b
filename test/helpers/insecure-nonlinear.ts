import type { Session } from '../../src/session/session.js';
import { Ring } from '../../src/ring/ring.js';
import { decodeFixed, encodeFixed } from '../../src/ring/fixed.js';
import { open } from '../../protocols/arithmetic/open.js';
import { publicShare } from '../../protocols/arithmetic/linear.js';
import type { NonlinearOps } from '../../src/ml/train.js';

/**
 * INSECURE, TESTS ONLY: sigmoid and relu by opening the input, computing in the clear and
 * re-sharing. Lets the training loop be tested before/independently of the comparison protocols.
 */
export const insecureOps: NonlinearOps = {
  async sigmoid(s: Session, x: Ring, f: number, inFrac: number = f): Promise<Ring> {
    const v = decodeFixed(await open(s, x), inFrac);
    return publicShare(s, encodeFixed(v.map((z) => 1 / (1 + Math.exp(-z))), x.shape, f));
  },
  async relu(s: Session, x: Ring): Promise<{ y: Ring; d: Ring }> {
    const v = (await open(s, x)).toSigned();
    const pos = v.map((z) => (z > 0n ? 1n : 0n));
    return { y: publicShare(s, Ring.from(v.map((z, i) => z * pos[i]!), x.shape)), d: publicShare(s, Ring.from(pos, x.shape)) };
  },
};
