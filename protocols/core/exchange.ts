import { ConcordError } from '../../src/errors.js';
import { Ring } from '../../src/ring/ring.js';
import type { Opened, Opening } from './chain.js';
import type { Scope } from './scope.js';

/**
 * One round of a call: everything a chain opens this round (arithmetic shares, XOR shares, a
 * tensor revealed to some parties) goes to each peer as ONE message under the scope's tag and
 * the round's kind; the shares received are summed (add, reveal) or XORed (xor) into the opened
 * values. Rounds: 1. Bytes to each peer: 8 per word opened to it (a revealed tensor travels only
 * to its recipients; a party that neither opens nor receives anything sends nothing). A peer
 * sending a different number of words runs different code or shapes: the session aborts on every
 * party at once (E_FRAME) instead of waiting for a timeout.
 */
export async function exchange(sc: Scope, o: Opening): Promise<Opened> {
  const common = [...(o.add ?? []), ...(o.xor ?? [])];
  const everyone = o.add !== undefined || o.xor !== undefined;
  const reveal = o.reveal;
  const iReceive = everyone || (reveal?.to.includes(sc.me) ?? false);
  const words = (parts: Ring[]): number => parts.reduce((a, p) => a + p.size, 0);
  const withReveal = reveal ? [...common, reveal.x] : common;
  const s = sc.session;
  const kind = sc.nextRound();
  const mine = [flat(common), reveal ? flat(withReveal) : undefined];
  for (const p of sc.peers) {
    if (reveal?.to.includes(p)) s.send(p, sc.id, mine[1]!, kind);
    else if (everyone) s.send(p, sc.id, mine[0]!, kind);
  }
  if (!iReceive) return { add: [], xor: [] };
  const expected = reveal?.to.includes(sc.me) ? words(withReveal) : words(common);
  const theirs = await Promise.all(sc.peers.map((p) => s.recv(p, sc.id, kind)));
  theirs.forEach((t, k) => {
    if (t.size !== expected) {
      const peer = sc.peers[k]!;
      const e = new ConcordError('E_FRAME', `party ${sc.ids[peer]} sent ${t.size} words for round ${kind} of tag ${sc.id}, expected ${expected}; the parties run different protocol code or shapes`, { party: sc.ids[peer] });
      s.abort(e);
      throw e;
    }
  });
  let off = 0;
  const take = (xs: Ring[] | undefined, combine: (a: Ring, b: Ring) => Ring): Ring[] =>
    (xs ?? []).map((x) => {
      let acc = x;
      for (const t of theirs) acc = combine(acc, new Ring(x.shape, t.data.subarray(off, off + x.size)));
      off += x.size;
      return acc;
    });
  const add = take(o.add, (a, b) => a.add(b));
  const xor = take(o.xor, (a, b) => a.xor(b));
  const revealed = reveal?.to.includes(sc.me) ? take([reveal.x], (a, b) => a.add(b))[0] : undefined;
  return revealed ? { add, xor, revealed } : { add, xor };
}

/** The tensors laid end to end in one flat tensor (no copy for a single tensor). */
function flat(parts: Ring[]): Ring {
  const total = parts.reduce((a, p) => a + p.size, 0);
  if (parts.length === 1) return parts[0]!.reshape([total]);
  const out = new Ring([total]);
  let off = 0;
  for (const p of parts) {
    out.data.set(p.data, off);
    off += p.size;
  }
  return out;
}
