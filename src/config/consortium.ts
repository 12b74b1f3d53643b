import { readFileSync } from 'node:fs';
import { ConcordError } from '../errors.js';
import type { KeyPair } from '../crypto/noise.js';
import type { NodeInfo } from '../net/mesh.js';
import { parseHexKey, toHex } from './keys.js';

/**
 * Consortium files (DESIGN.md §7), validated on load. Exactly:
 *
 *   { "consortium": "<name>",
 *     "parties": [ { "id": "...", "address": "host:port", "publicKey": "<64 hex>" }, ...≥2 ],
 *     "dealer":  { "id": "...", "address": "host:port", "publicKey": "<64 hex>" } }   // optional
 *
 * The order of `parties` fixes the party indices (and who dials whom). Unknown fields are errors.
 * Every error names the file, the field (e.g. parties[1].publicKey) and what is wrong.
 */

/** One node entry of a consortium file. */
export interface ConsortiumNode extends NodeInfo {
  address: string;
}

/** A validated consortium. */
export interface Consortium {
  file: string;
  name: string;
  parties: ConsortiumNode[];
  dealer?: ConsortiumNode;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_PARTIES = 64;

function err(file: string, field: string, what: string): ConcordError {
  return new ConcordError('E_CONFIG', `${file}: ${field}: ${what}`);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function checkKeys(file: string, field: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw err(file, `${field}${field ? '.' : ''}${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
  for (const k of allowed) if (!Object.hasOwn(o, k) && k !== 'dealer') throw err(file, `${field}${field ? '.' : ''}${k}`, 'missing');
}

/** Split "host:port" (IPv6 as "[::1]:port"); throws naming the field. */
export function parseAddress(file: string, field: string, v: unknown): { host: string; port: number } {
  if (typeof v !== 'string') throw err(file, field, `expected "host:port", got ${show(v)}`);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw err(file, field, `expected "host:port" with a port in 1..65535, got ${show(v)}`);
  return { host: m[1] ?? m[2]!, port };
}

function parseNode(file: string, field: string, v: unknown): ConsortiumNode {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw err(file, field, `expected an object {id, address, publicKey}, got ${show(v)}`);
  const o = v as Record<string, unknown>;
  checkKeys(file, field, o, ['id', 'address', 'publicKey']);
  if (typeof o.id !== 'string' || !ID_RE.test(o.id)) throw err(file, `${field}.id`, `expected 1-64 characters of letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${show(o.id)}`);
  const { host, port } = parseAddress(file, `${field}.address`, o.address);
  const publicKey = parseHexKey(o.publicKey);
  if (!publicKey) {
    const len = typeof o.publicKey === 'string' ? ` (${o.publicKey.length} characters)` : '';
    throw err(file, `${field}.publicKey`, `expected 64 hex characters (an X25519 public key printed by concord keygen), got ${show(o.publicKey)}${len}`);
  }
  return { id: o.id, address: o.address as string, host, port, publicKey };
}

/** Validate a parsed consortium object; `file` names the source in errors. */
export function parseConsortium(json: unknown, file: string): Consortium {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw err(file, '(top level)', 'expected a JSON object {consortium, parties, dealer?}');
  const o = json as Record<string, unknown>;
  checkKeys(file, '', o, ['consortium', 'parties', 'dealer']);
  if (typeof o.consortium !== 'string' || o.consortium.length === 0) throw err(file, 'consortium', `expected a non-empty name, got ${show(o.consortium)}`);
  if (!Array.isArray(o.parties)) throw err(file, 'parties', `expected an array of parties, got ${show(o.parties)}`);
  if (o.parties.length < 2 || o.parties.length > MAX_PARTIES) throw err(file, 'parties', `expected 2..${MAX_PARTIES} parties, got ${o.parties.length}`);
  const parties = o.parties.map((p, i) => parseNode(file, `parties[${i}]`, p));
  const nodes: [string, ConsortiumNode][] = parties.map((p, i) => [`parties[${i}]`, p]);
  let dealer: ConsortiumNode | undefined;
  if (o.dealer !== undefined) {
    dealer = parseNode(file, 'dealer', o.dealer);
    nodes.push(['dealer', dealer]);
  }
  const ids = new Map<string, string>();
  const addrs = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const [field, n] of nodes) {
    const prevId = ids.get(n.id);
    if (prevId) throw err(file, `${field}.id`, `duplicate id "${n.id}" (already used by ${prevId})`);
    ids.set(n.id, field);
    const a = `${n.host.toLowerCase()}:${n.port}`;
    const prevAddr = addrs.get(a);
    if (prevAddr) throw err(file, `${field}.address`, `duplicate address ${n.address} (already used by ${prevAddr})`);
    addrs.set(a, field);
    const k = toHex(n.publicKey);
    const prevKey = keys.get(k);
    if (prevKey) throw err(file, `${field}.publicKey`, `this public key is already listed for ${prevKey}: one organization is listed twice, or a key was copied`);
    keys.set(k, field);
  }
  const out: Consortium = { file, name: o.consortium, parties };
  if (dealer) out.dealer = dealer;
  return out;
}

/** Read, parse and validate a consortium file. */
export function loadConsortium(file: string): Consortium {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConcordError('E_CONFIG', `cannot read consortium file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConcordError('E_CONFIG', `${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseConsortium(json, file);
}

/** My party index; checks that `id` is listed and that my key pair matches its listed public key. */
export function partyIndex(c: Consortium, id: string, key: KeyPair, keyFile = 'the key file'): number {
  const i = c.parties.findIndex((p) => p.id === id);
  if (i < 0) throw new ConcordError('E_CONFIG', `${c.file}: parties: my id "${id}" is not listed (listed: ${c.parties.map((p) => p.id).join(', ')})`);
  checkMyKey(c, c.parties[i]!, `parties[${i}]`, key, keyFile);
  return i;
}

/** The dealer entry; checks that my key pair matches it. */
export function dealerNode(c: Consortium, key: KeyPair, keyFile = 'the key file'): ConsortiumNode {
  if (!c.dealer) throw new ConcordError('E_CONFIG', `${c.file}: dealer: missing (the dealer offline phase needs a "dealer" entry)`);
  checkMyKey(c, c.dealer, 'dealer', key, keyFile);
  return c.dealer;
}

function checkMyKey(c: Consortium, n: ConsortiumNode, field: string, key: KeyPair, keyFile: string): void {
  if (toHex(n.publicKey) !== toHex(key.publicKey)) {
    throw new ConcordError('E_KEY', `${c.file}: ${field}.publicKey (${toHex(n.publicKey)}) does not match the private key in ${keyFile} (public key ${toHex(key.publicKey)}); use the right --key file or fix the consortium file`, { party: n.id });
  }
}

/** Write-side helper: the JSON object of a consortium (for tools that generate files). */
export function consortiumJson(name: string, parties: { id: string; address: string; publicKey: Uint8Array }[], dealer?: { id: string; address: string; publicKey: Uint8Array }): object {
  const node = (n: { id: string; address: string; publicKey: Uint8Array }) => ({ id: n.id, address: n.address, publicKey: toHex(n.publicKey) });
  return { consortium: name, parties: parties.map(node), ...(dealer ? { dealer: node(dealer) } : {}) };
}
