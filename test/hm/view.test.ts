import { expect } from 'chai';
import { hmViewDistance } from '../helpers/hm-view.js';

/**
 * View test of the hm offline phase with an online protocol on top (mul, trunc, mul): party 1's
 * view (test/helpers/hm-view.ts: everything it receives, everything it can open, its item
 * pieces, and a curious party's estimate of party 0's input) must have the same per-bit-position
 * frequencies whether party 0's input is zero or random. The statistic is the largest
 * two-proportion z over all features and bit positions (48 features × 64 bits): under
 * independence it stays near 3–4.5 (measured); LIMIT = 7 (false alarm about 10^-9). Measured
 * leaks: 'short-mask' z ≈ 116 (the trunc opening, bit 60), 'no-zero-share' z ≈ 53 (x̂, bit 24; measured
 * with the replicated product, which mul takes in hm).
 * Leaky controls (real variants of the protocol, selectable only by the test option `leak`):
 *   'short-mask'    every random piece keeps 40 bits — the opened x + r of the truncation shows
 *                   the product's top bits;
 *   'no-zero-share' every zero-sharing left out — party 2's trunc mask share is then 0, so its
 *                   trunc opening shows party 1 party 2's product share, which party 1 solves
 *                   for x'_0 (the product's pass is unmasked too) and so recovers x.
 * Both must be caught far above the limit. The third variant, 'no-rerandomize', leaks to party
 * 2, not to party 1: test/hm/share-knowledge.test.ts runs that attack.
 */
const LIMIT = 7;

describe('hm preprocessing + mul + trunc: a party\'s view does not depend on another party\'s input', function () {
  this.timeout(120_000);

  it('the real protocol: no feature of party 1\'s view moves with party 0\'s input', async () => {
    const d = await hmViewDistance();
    expect(d.sameInputs.tests).to.be.at.least(1000);
    expect(d.sameInputs.z, d.sameInputs.at).to.be.below(LIMIT);
    expect(d.differentInputs.z, d.differentInputs.at).to.be.below(LIMIT);
  });

  for (const leak of ['short-mask', 'no-zero-share'] as const) {
    it(`leaky control '${leak}' is caught`, async () => {
      const d = await hmViewDistance(leak);
      expect(d.sameInputs.z, d.sameInputs.at).to.be.below(LIMIT);
      expect(d.differentInputs.z, 'leak not detected').to.be.above(LIMIT * 3);
    });
  }
});
