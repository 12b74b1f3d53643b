import type { Session } from '../session/session.js';
import type { Ring } from '../ring/ring.js';
import { sigmoid } from '../../protocols/nonlinear/sigmoid.js';
import { relu } from '../../protocols/compare/relu.js';
import type { NonlinearOps } from './train.js';

/**
 * The secure nonlinear functions the training loop uses: piecewise-polynomial σ and ReLU with
 * its derivative. Element-wise, so they run on the flattened tensor (one shape contract for the
 * protocols) and the result takes the input's shape back.
 */
export const secureOps: NonlinearOps = {
  async sigmoid(s: Session, x: Ring, f: number, inFrac: number = f): Promise<Ring> {
    return (await sigmoid(s, x.reshape([x.size]), f, inFrac)).reshape(x.shape);
  },
  async relu(s: Session, x: Ring): Promise<{ y: Ring; d: Ring }> {
    const { y, d } = await relu(s, x.reshape([x.size]));
    return { y: y.reshape(x.shape), d: d.reshape(x.shape) };
  },
};
