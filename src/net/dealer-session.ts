import { sha256 } from '@noble/hashes/sha2.js';

/**
 * What a dealer link is bound to. The dealer has no job file, so instead of a job hash its links
 * carry `dealer/1/<consortium digest>/<job hash>`: the digest covers every node's id, address and
 * public key (in consortium order), so a handshake recorded in another consortium does not fit,
 * and the parties' job hash names the session. The dealer accepts any job hash of its own
 * consortium and then requires every party to have named the same one (`sameDealerSession`).
 * Freshness (no replayed handshake becomes a link) comes from the key confirmation in handshake.ts.
 */

const PREFIX = 'dealer/1/';

/** The fields of a mesh node (NodeInfo) that identify it. */
interface NodeInfo {
  id: string;
  host: string;
  port: number;
  publicKey: Uint8Array;
}

/** Hex SHA-256 over the nodes of a consortium (parties in order, then the dealer). */
export function consortiumDigest(parties: readonly NodeInfo[], dealer: NodeInfo): string {
  const text = [...parties, dealer].map((n) => `${n.id}\0${n.host}\0${n.port}\0${Buffer.from(n.publicKey).toString('hex')}`).join('\n');
  return Buffer.from(sha256(new TextEncoder().encode(`concord-consortium/1\n${text}`))).toString('hex');
}

/** The hash a party puts on its dealer link. */
export function dealerSessionHash(parties: readonly NodeInfo[], dealer: NodeInfo, jobHash: string): string {
  return `${PREFIX}${consortiumDigest(parties, dealer)}/${jobHash}`;
}

/** The dealer's acceptance test: a dealer session of this consortium, any (bounded, printable) job hash. */
export function acceptsDealerSession(parties: readonly NodeInfo[], dealer: NodeInfo): (theirs: string) => boolean {
  const prefix = `${PREFIX}${consortiumDigest(parties, dealer)}/`;
  return (theirs) => theirs.startsWith(prefix) && /^[\x21-\x7e]{1,128}$/.test(theirs.slice(prefix.length));
}
