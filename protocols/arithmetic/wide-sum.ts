import { ConcordError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';

/**
 * Secure sum of private integer vectors in a WIDE ring Z_2^512: every party holds a vector v_p of
 * k signed integers; all parties learn Σ_p v_p and nothing else. Used by the joint statistics of
 * src/ml (column sums of values up to 10^30 over 10^7 rows at 64 fractional bits need ~200 bits,
 * beyond the 64-bit ring of the other protocols).
 *
 * Recipe (additive secret sharing with zero-byte inputs, [BGW88]/[Beaver91] style input phase):
 *  1. input: for each owner p and each other party j, r_pj = PRG(pair key p–j, tag, sub = p)
 *     read as k elements of Z_2^512; j's share of v_p is r_pj, p's own share is v_p − Σ_j r_pj;
 *  2. each party adds its shares of all k-vectors (one per owner) and sends that sum to every peer;
 *  3. everyone adds the n sums: Σ_p v_p mod 2^512, read back as signed.
 * Rounds: 1. Bytes sent to each peer: 64·k. Security: semi-honest, any n−1 colluding parties
 * learn nothing beyond the total (each opened sum is masked by PRG streams shared with the others).
 * Input range: |Σ_p v_p| < 2^511 (checked on the inputs: |v_p| < 2^500).
 */

const BITS = 512n;
const BYTES = 64;
const MOD = 1n << BITS;
const MASK = MOD - 1n;
const LIMIT = 1n << 500n;

/** Sum over the parties of every party's vector `mine` (same length k everywhere). 1 round. */
export async function wideSum(s: Session, mine: readonly bigint[]): Promise<bigint[]> {
  const k = mine.length;
  mine.forEach((v, i) => {
    if (!(v < LIMIT && v > -LIMIT)) throw new ConcordError('E_RANGE', `wideSum: element ${i} is beyond ±2^500`);
  });
  const tag = s.tag();
  // My share of the total: my value, minus the masks I hand my peers, plus their masks for me.
  const share = mine.map((v) => ((v % MOD) + MOD) & MASK);
  for (const j of s.peers) {
    const mineOut = s.pairPrg(j, tag, s.me).bytes(BYTES * k);
    const theirs = s.pairPrg(j, tag, j).bytes(BYTES * k);
    for (let i = 0; i < k; i++) share[i] = (share[i]! - toBig(mineOut, i) + toBig(theirs, i)) & MASK;
  }
  const bytes = new Uint8Array(BYTES * k);
  share.forEach((v, i) => fromBig(v, bytes, i));
  for (const p of s.peers) s.sendBytes(p, tag, bytes, 'wsum');
  const got = await Promise.all(s.peers.map((p) => s.recvBytes(p, tag, 'wsum')));
  const total = share.slice();
  for (const g of got) {
    if (g.length !== bytes.length) throw new ConcordError('E_FRAME', `wideSum (tag ${tag}): a peer sent ${g.length} bytes, expected ${bytes.length}; the parties run different programs`);
    for (let i = 0; i < k; i++) total[i] = (total[i]! + toBig(g, i)) & MASK;
  }
  return total.map((v) => (v >= MOD / 2n ? v - MOD : v));
}

/** Element i of a little-endian array of 64-byte integers. */
function toBig(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let t = BYTES - 1; t >= 0; t--) v = (v << 8n) | BigInt(b[i * BYTES + t]!);
  return v;
}

function fromBig(v: bigint, out: Uint8Array, i: number): void {
  for (let t = 0; t < BYTES; t++) {
    out[i * BYTES + t] = Number(v & 0xffn);
    v >>= 8n;
  }
}
