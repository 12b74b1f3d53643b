/**
 * The Noise Protocol Framework, revision 34 (2018-07-11), translated clause by clause:
 * CipherState (§5.1), SymmetricState (§5.2), HandshakeState (§5.3), with the patterns
 * NN, KK, XX and IK (§7.4–7.5). No sockets: the caller moves the bytes (see src/net/link.ts).
 *
 * Crypto is injected (`NoiseSuite`): DH is X25519 (@noble/curves), hashes come from
 * @noble/hashes, ciphers from node:crypto (src/crypto/noise-suites.ts). Concord uses
 * Noise_KK_25519_AESGCM_SHA256: AES-256-GCM measured faster than ChaCha20-Poly1305 on this
 * machine for 64 KiB messages (≈3.1 vs 2.3 GB/s encrypt, 2.5 vs 2.1 GB/s decrypt, node 20).
 */

/** Maximum size of any Noise message on the wire (§3). */
export const NOISE_MAX_MESSAGE = 65535;
/** AEAD tag length (§5.1: ciphertext = plaintext + 16 bytes). */
export const NOISE_TAG_LEN = 16;

/** An AEAD cipher function pair (§4.2); `nonce` is the 64-bit counter n (< 2^53 here). */
export interface NoiseCipher {
  readonly name: 'AESGCM' | 'ChaChaPoly';
  encrypt(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws NoiseError('decrypt') on authentication failure. */
  decrypt(k: Uint8Array, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /**
   * Optional: `encrypt` as [body, tag] (ciphertext = body ‖ tag), so a caller that can send the
   * two as one message (a WebSocket message in two fragments) skips the copy that joins them.
   */
  encryptSplit?(k: Uint8Array, n: number, ad: Uint8Array, plaintext: Uint8Array): [Uint8Array, Uint8Array];
  /** Optional: `decrypt` of body ‖ tag given apart (no join copy). Throws like decrypt. */
  decryptSplit?(k: Uint8Array, n: number, ad: Uint8Array, body: Uint8Array, tag: Uint8Array): Uint8Array;
}

/** A hash function with HMAC (§4.3). */
export interface NoiseHash {
  readonly name: string;
  readonly hashLen: number;
  hash(data: Uint8Array): Uint8Array;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** The DH functions (§4.1). */
export interface NoiseDh {
  readonly name: '25519';
  readonly dhLen: number;
  generateKeyPair(): KeyPair;
  publicKey(priv: Uint8Array): Uint8Array;
  dh(priv: Uint8Array, pub: Uint8Array): Uint8Array;
}

/** A complete cipher suite. */
export interface NoiseSuite {
  dh: NoiseDh;
  cipher: NoiseCipher;
  hash: NoiseHash;
}

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** Noise-level failure; the network layer maps it to E_HANDSHAKE / E_FRAME with the peer's name. */
export class NoiseError extends Error {
  constructor(readonly reason: 'decrypt' | 'state' | 'format' | 'dh', message: string) {
    super(message);
    this.name = 'NoiseError';
  }
}

const EMPTY = new Uint8Array(0);
/** §5.1: nonce 2^64−1 is reserved; we stop far earlier, at 2^53, where JS numbers stay exact. */
const MAX_NONCE = Number.MAX_SAFE_INTEGER;

function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** §4.3 HKDF(chaining_key, input_key_material, num_outputs). */
export function noiseHkdf(h: NoiseHash, ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const tempKey = h.hmac(ck, ikm);
  const o1 = h.hmac(tempKey, Uint8Array.of(1));
  const o2 = h.hmac(tempKey, concat(o1, Uint8Array.of(2)));
  if (outputs === 2) return [o1, o2];
  return [o1, o2, h.hmac(tempKey, concat(o2, Uint8Array.of(3)))];
}

/** §5.1 CipherState: a key k (or none) and a counter nonce n. */
export class CipherState {
  private k: Uint8Array | undefined;
  private n = 0;

  constructor(private readonly cipher: NoiseCipher, k?: Uint8Array) {
    this.initializeKey(k);
  }

  initializeKey(key: Uint8Array | undefined): void {
    this.k = key;
    this.n = 0;
  }
  hasKey(): boolean {
    return this.k !== undefined;
  }
  /** Current nonce (the number of messages processed so far). */
  get nonce(): number {
    return this.n;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.k) return plaintext;
    if (this.n >= MAX_NONCE) throw new NoiseError('state', 'nonce exhausted: start a new session');
    const c = this.cipher.encrypt(this.k, this.n, ad, plaintext);
    this.n++;
    return c;
  }

  /** encryptWithAd with the ciphertext as [body, tag] (body ‖ tag is the same message); same nonce rules. */
  encryptWithAdSplit(ad: Uint8Array, plaintext: Uint8Array): [Uint8Array, Uint8Array] {
    if (!this.k || !this.cipher.encryptSplit) {
      const c = this.encryptWithAd(ad, plaintext);
      return [c, new Uint8Array(0)];
    }
    if (this.n >= MAX_NONCE) throw new NoiseError('state', 'nonce exhausted: start a new session');
    const c = this.cipher.encryptSplit(this.k, this.n, ad, plaintext);
    this.n++;
    return c;
  }

  /** decryptWithAd of the ciphertext body ‖ tag given apart (tag: its last 16 bytes); same nonce rules. */
  decryptWithAdSplit(ad: Uint8Array, body: Uint8Array, tag: Uint8Array): Uint8Array {
    if (!this.k || !this.cipher.decryptSplit || tag.length !== NOISE_TAG_LEN) {
      const c = new Uint8Array(body.length + tag.length);
      c.set(body);
      c.set(tag, body.length);
      return this.decryptWithAd(ad, c);
    }
    if (this.n >= MAX_NONCE) throw new NoiseError('state', 'nonce exhausted: start a new session');
    const p = this.cipher.decryptSplit(this.k, this.n, ad, body, tag);
    this.n++;
    return p;
  }

  /** On failure n is not incremented (§5.1), so a replayed or reordered message keeps failing. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return ciphertext;
    if (this.n >= MAX_NONCE) throw new NoiseError('state', 'nonce exhausted: start a new session');
    if (ciphertext.length < NOISE_TAG_LEN) throw new NoiseError('decrypt', `ciphertext of ${ciphertext.length} bytes is shorter than the 16-byte tag`);
    const p = this.cipher.decrypt(this.k, this.n, ad, ciphertext);
    this.n++;
    return p;
  }
}

/** §5.2 SymmetricState: chaining key ck, handshake hash h, and a CipherState. */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  readonly cs: CipherState;

  constructor(private readonly suite: NoiseSuite, protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    const hl = suite.hash.hashLen;
    // "<=": a name exactly HASHLEN long is padded, not hashed (README pitfall).
    if (name.length <= hl) {
      this.h = new Uint8Array(hl);
      this.h.set(name);
    } else {
      this.h = suite.hash.hash(name);
    }
    this.ck = this.h.slice();
    this.cs = new CipherState(suite.cipher);
  }

  private truncKey(k: Uint8Array): Uint8Array {
    return k.length === 32 ? k : k.slice(0, 32);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.suite.hash, this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.ck = ck;
    this.cs.initializeKey(this.truncKey(tempK));
  }

  mixHash(data: Uint8Array): void {
    this.h = this.suite.hash.hash(concat(this.h, data));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const c = this.cs.encryptWithAd(this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const p = this.cs.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return p;
  }

  /** §5.2 Split(): two CipherStates, plus the raw keys (for key export, never sent). */
  split(): { c1: CipherState; c2: CipherState; k1: Uint8Array; k2: Uint8Array } {
    const [t1, t2] = noiseHkdf(this.suite.hash, this.ck, EMPTY, 2) as [Uint8Array, Uint8Array];
    const k1 = this.truncKey(t1);
    const k2 = this.truncKey(t2);
    return { c1: new CipherState(this.suite.cipher, k1), c2: new CipherState(this.suite.cipher, k2), k1, k2 };
  }

  handshakeHash(): Uint8Array {
    return this.h.slice();
  }
}

type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';
interface Pattern {
  /** Pre-message tokens: initiator's, responder's (§7.1). */
  pre: [Token[], Token[]];
  messages: Token[][];
}

/** §7.4–7.5 handshake patterns supported here. */
export const PATTERNS: Record<string, Pattern> = {
  NN: { pre: [[], []], messages: [['e'], ['e', 'ee']] },
  KK: { pre: [['s'], ['s']], messages: [['e', 'es', 'ss'], ['e', 'ee', 'se']] },
  XX: { pre: [[], []], messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']] },
  IK: { pre: [[], ['s']], messages: [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']] },
};

export interface HandshakeOptions {
  pattern: keyof typeof PATTERNS | string;
  initiator: boolean;
  prologue: Uint8Array;
  /** My static key pair, if the pattern uses one. */
  s?: KeyPair;
  /** Fixed ephemeral (test vectors only); otherwise generated. */
  e?: KeyPair;
  /** The peer's static public key, if known in advance. */
  rs?: Uint8Array;
}

/** Result of a completed handshake: transport ciphers and what the channel is bound to. */
export interface HandshakeResult {
  /** CipherState for messages I send. */
  send: CipherState;
  /** CipherState for messages I receive. */
  recv: CipherState;
  /** h after the handshake (§5.2 GetHandshakeHash). */
  handshakeHash: Uint8Array;
  /** Split keys (initiator→responder, responder→initiator); for key export only. */
  k1: Uint8Array;
  k2: Uint8Array;
  /** The peer's static public key (learned or known). */
  rs: Uint8Array | undefined;
}

/** §5.3 HandshakeState. Call writeMessage/readMessage alternately; `result` once `done`. */
export class HandshakeState {
  private readonly ss: SymmetricState;
  private readonly pattern: Pattern;
  private readonly initiator: boolean;
  private s: KeyPair | undefined;
  private e: KeyPair | undefined;
  private rs: Uint8Array | undefined;
  private re: Uint8Array | undefined;
  private msgIndex = 0;
  private final: HandshakeResult | undefined;

  constructor(private readonly suite: NoiseSuite, opts: HandshakeOptions) {
    const pattern = PATTERNS[opts.pattern];
    if (!pattern) throw new NoiseError('state', `unsupported handshake pattern ${opts.pattern}`);
    this.pattern = pattern;
    this.initiator = opts.initiator;
    this.s = opts.s;
    this.e = opts.e;
    this.rs = opts.rs;
    this.ss = new SymmetricState(suite, `Noise_${opts.pattern}_${suite.dh.name}_${suite.cipher.name}_${suite.hash.name}`);
    this.ss.mixHash(opts.prologue);
    // Pre-messages: the initiator's keys first, then the responder's (§7.1).
    const [preI, preR] = pattern.pre;
    for (const t of preI) this.mixPre(t, this.initiator ? this.s?.publicKey : this.rs);
    for (const t of preR) this.mixPre(t, this.initiator ? this.rs : this.s?.publicKey);
  }

  private mixPre(t: Token, key: Uint8Array | undefined): void {
    if (t !== 's' || !key) throw new NoiseError('state', `pre-message token ${t} needs a known static key`);
    this.ss.mixHash(key);
  }

  /** True once every handshake message was processed. */
  get done(): boolean {
    return this.final !== undefined;
  }
  /** True if the next message is mine to write. */
  get myTurn(): boolean {
    return (this.msgIndex % 2 === 0) === this.initiator;
  }

  /** The transport state; throws unless the handshake is done. */
  get result(): HandshakeResult {
    if (!this.final) throw new NoiseError('state', 'handshake not finished');
    return this.final;
  }

  private dhToken(t: 'ee' | 'es' | 'se' | 'ss'): Uint8Array {
    // For "es": the initiator uses its e and the responder's s; the responder its s and re.
    const [mine, theirs] = ((): [KeyPair | undefined, Uint8Array | undefined] => {
      switch (t) {
        case 'ee': return [this.e, this.re];
        case 'ss': return [this.s, this.rs];
        case 'es': return this.initiator ? [this.e, this.rs] : [this.s, this.re];
        case 'se': return this.initiator ? [this.s, this.re] : [this.e, this.rs];
      }
    })();
    if (!mine || !theirs) throw new NoiseError('state', `token ${t}: key missing`);
    try {
      return this.suite.dh.dh(mine.privateKey, theirs);
    } catch (err) {
      throw new NoiseError('dh', `DH for token ${t} failed: ${(err as Error).message}`);
    }
  }

  /** §5.3 WriteMessage(payload) → message bytes. */
  writeMessage(payload: Uint8Array): Uint8Array {
    if (this.done || !this.myTurn) throw new NoiseError('state', 'writeMessage out of turn');
    const out: Uint8Array[] = [];
    for (const t of this.pattern.messages[this.msgIndex]!) {
      if (t === 'e') {
        this.e ??= this.suite.dh.generateKeyPair();
        out.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (t === 's') {
        if (!this.s) throw new NoiseError('state', 'token s: no static key');
        out.push(this.ss.encryptAndHash(this.s.publicKey));
      } else {
        this.ss.mixKey(this.dhToken(t));
      }
    }
    out.push(this.ss.encryptAndHash(payload));
    this.advance();
    return concat(...out);
  }

  /** §5.3 ReadMessage(message) → payload. Throws NoiseError on any failure. */
  readMessage(message: Uint8Array): Uint8Array {
    if (this.done || this.myTurn) throw new NoiseError('state', 'readMessage out of turn');
    if (message.length > NOISE_MAX_MESSAGE) throw new NoiseError('format', `handshake message of ${message.length} bytes exceeds 65535`);
    let off = 0;
    const dhLen = this.suite.dh.dhLen;
    const take = (len: number): Uint8Array => {
      if (off + len > message.length) throw new NoiseError('format', `handshake message too short (${message.length} bytes)`);
      const b = message.subarray(off, off + len);
      off += len;
      return b;
    };
    for (const t of this.pattern.messages[this.msgIndex]!) {
      if (t === 'e') {
        this.re = Uint8Array.from(take(dhLen));
        this.ss.mixHash(this.re);
      } else if (t === 's') {
        const len = this.ss.cs.hasKey() ? dhLen + NOISE_TAG_LEN : dhLen;
        this.rs = this.ss.decryptAndHash(take(len));
      } else {
        this.ss.mixKey(this.dhToken(t));
      }
    }
    const payload = this.ss.decryptAndHash(message.subarray(off));
    this.advance();
    return payload;
  }

  private advance(): void {
    this.msgIndex++;
    if (this.msgIndex < this.pattern.messages.length) return;
    const { c1, c2, k1, k2 } = this.ss.split();
    this.final = {
      send: this.initiator ? c1 : c2,
      recv: this.initiator ? c2 : c1,
      handshakeHash: this.ss.handshakeHash(),
      k1,
      k2,
      rs: this.rs,
    };
  }
}
