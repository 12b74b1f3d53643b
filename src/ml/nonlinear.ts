import { sigmoid } from '../../protocols/nonlinear/sigmoid.js';
import { relu } from '../../protocols/compare/relu.js';
import type { NonlinearOps } from './train.js';

/** The secure nonlinear functions the training loop uses: piecewise-polynomial σ and ReLU with derivative. */
export const secureOps: NonlinearOps = { sigmoid, relu };
