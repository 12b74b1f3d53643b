import { expect } from 'chai';
import { x25519 } from '@noble/curves/ed25519.js';
import { Prg } from '../src/crypto/prg.js';
import { isConcordError } from '../src/errors.js';
import type { Session } from '../src/session/session.js';
import { BlindingKey, hashIds, U_BYTES } from '../protocols/psi/x25519-group.js';
import { psi, normalizeIds, type PsiResult } from '../protocols/psi/ecdh-psi.js';
import { secretPermutation } from '../protocols/psi/shuffle.js';
import { memorySessions, testSeed } from './helpers/parties.js';

const SALT = new TextEncoder().encode('test-job-hash');

/** Run the PSI on n in-memory parties; each result or the error each party threw. */
async function runPsi(sets: string[][], chunk = 7): Promise<(PsiResult | Error)[]> {
  const sessions = memorySessions(sets.length, { timeoutMs: 10_000 });
  try {
    return await Promise.all(sessions.map((s: Session, i) => psi(s, sets[i]!, { salt: SALT, chunk }).catch((e: Error) => e)));
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/** Check every party's rows against the plaintext intersection, in one common order. */
function expectIntersection(sets: string[][], out: (PsiResult | Error)[]): string[] {
  const norm = sets.map((s) => s.map((x) => x.trim()));
  const want = norm[0]!.filter((x) => norm.every((s) => s.includes(x))).sort();
  const seqs = out.map((r, i) => {
    if (r instanceof Error) throw r;
    expect(r.size).to.equal(want.length);
    expect(r.sizes).to.deep.equal(sets.map((s) => s.length));
    return Array.from(r.rows, (row) => norm[i]![row]!);
  });
  for (const q of seqs) expect(q).to.deep.equal(seqs[0]); // one agreed order
  expect([...seqs[0]!].sort()).to.deep.equal(want);
  return seqs[0]!;
}

function ids(prg: Prg, count: number, universe: number): string[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Number(prg.ring([1]).data[0]! % BigInt(universe)));
  return [...picked].map((v) => `cust-${v}`);
}

describe('psi: X25519 blinding group', () => {
  it('commutes: E_a(E_b(u)) = E_b(E_a(u)) on curve and twist points, and matches noble', () => {
    const prg = new Prg(testSeed('psi/commute').slice(0, 16));
    const a = prg.bytes(32), b = prg.bytes(32);
    const us = hashIds(Array.from({ length: 64 }, (_, i) => `id-${i}`), SALT); // ~half on the twist
    const ka = new BlindingKey(a), kb = new BlindingKey(b);
    const ab = ka.blindInto(kb.blindInto(us));
    const ba = kb.blindInto(ka.blindInto(us));
    expect(Buffer.from(ab).equals(Buffer.from(ba))).to.equal(true);
    for (let i = 0; i < 64; i++) {
      const u = us.subarray(i * U_BYTES, (i + 1) * U_BYTES);
      const ref = x25519.scalarMult(a, x25519.scalarMult(b, u));
      expect(Buffer.from(ab.subarray(i * U_BYTES, (i + 1) * U_BYTES)).equals(Buffer.from(ref))).to.equal(true);
    }
    // distinct IDs stay distinct, and a different key gives unrelated values
    expect(new Set(Array.from({ length: 64 }, (_, i) => Buffer.from(ab.subarray(i * 32, i * 32 + 32)).toString('hex'))).size).to.equal(64);
    expect(Buffer.from(ka.blindInto(us)).equals(Buffer.from(kb.blindInto(us)))).to.equal(false);
  });

  it('hashes with the salt: another job gives other values; trimmed IDs are the caller\'s job', () => {
    const h1 = hashIds(['a'], SALT), h2 = hashIds(['a'], new TextEncoder().encode('other-job'));
    expect(Buffer.from(h1).equals(Buffer.from(h2))).to.equal(false);
    expect(h1[31]! & 0x80).to.equal(0);
  });

  it('secretPermutation is a permutation', () => {
    const p = secretPermutation(1000);
    expect([...p].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('psi: ECDH private set intersection (in memory, against the plaintext intersection)', function () {
  this.timeout(60_000);
  const prg = new Prg(testSeed('psi/sets').slice(0, 16));

  it('random sets, 3 parties', async () => {
    const sets = [ids(prg, 60, 100), ids(prg, 70, 100), ids(prg, 50, 100)];
    expectIntersection(sets, await runPsi(sets));
  });

  it('heavy overlap, 3 parties (chunk boundaries exercised)', async () => {
    const base = Array.from({ length: 100 }, (_, i) => `u${i}`);
    const sets = [base.slice(0, 98), base.slice(1, 100), [...base.slice(0, 99)].reverse()];
    expectIntersection(sets, await runPsi(sets, 16));
  });

  it('2 and 4 parties', async () => {
    const two = [ids(prg, 40, 60), ids(prg, 40, 60)];
    expectIntersection(two, await runPsi(two));
    const four = [ids(prg, 30, 40), ids(prg, 30, 40), ids(prg, 30, 40), ids(prg, 30, 40)];
    expectIntersection(four, await runPsi(four));
  });

  it('one party holding every ID', async () => {
    const all = Array.from({ length: 80 }, (_, i) => `id${i}`);
    const sets = [ids(prg, 30, 80).map((x) => x.replace('cust-', 'id')), all, ids(prg, 50, 80).map((x) => x.replace('cust-', 'id'))];
    expectIntersection(sets, await runPsi(sets));
  });

  it('IDs that differ only by surrounding whitespace match', async () => {
    const sets = [['a', ' b', 'c ', 'x'], ['  a ', 'b', 'c', 'y'], ['a', 'b\t', ' c', 'z']];
    expect(expectIntersection(sets, await runPsi(sets)).sort()).to.deep.equal(['a', 'b', 'c']);
  });

  it('disjoint sets: every party stops with a clear E_DATA', async () => {
    const out = await runPsi([['a', 'b'], ['c', 'd'], ['a', 'e']]);
    for (const r of out) {
      expect(isConcordError(r, 'E_DATA'), String(r)).to.equal(true);
      expect((r as Error).message).to.match(/share no IDs/);
    }
  });

  it('a duplicate ID (after trimming) is E_DATA naming both rows, at every party', async () => {
    expect(() => normalizeIds(['a', 'b', ' a'], (r) => `line ${r + 2}`)).to.throw(/line 4: duplicate ID \(the same as line 2/);
    const out = await runPsi([['p', 'q'], ['q', 'r', 'q '], ['q']]);
    const mine = out[1] as Error;
    expect(isConcordError(mine, 'E_DATA')).to.equal(true);
    expect(mine.message).to.match(/row 3: duplicate ID/);
    for (const r of [out[0], out[2]]) {
      expect(r).to.be.instanceOf(Error);
      expect((r as Error).message).to.match(/p1.*duplicate ID/);
      expect((r as Error).message).not.to.match(/\bq\b/); // never quotes the ID
    }
  });
});
