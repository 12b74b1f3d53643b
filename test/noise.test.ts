import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { CipherState, HandshakeState, NoiseError, type NoiseSuite } from '../src/crypto/noise.js';
import { AESGCM, BLAKE2B, BLAKE2S, CHACHAPOLY, CONCORD_SUITE, DH25519, SHA256 } from '../src/crypto/noise-suites.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  resp_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_static?: string;
  resp_ephemeral: string;
  resp_remote_static?: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const file = new URL('../../test/vectors/noise/vectors.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function suiteOf(name: string): NoiseSuite {
  const [, , , cipher, hash] = name.split('_');
  return {
    dh: DH25519,
    cipher: cipher === 'AESGCM' ? AESGCM : CHACHAPOLY,
    hash: hash === 'SHA256' ? SHA256 : hash === 'BLAKE2s' ? BLAKE2S : BLAKE2B,
  };
}

function keyPair(priv: string | undefined) {
  if (!priv) return undefined;
  const privateKey = hex(priv);
  return { privateKey, publicKey: DH25519.publicKey(privateKey) };
}

describe('Noise rev 34 (test vectors, cacophony)', () => {
  it('has the 15 vendored vectors, KK with AESGCM_SHA256 among them', () => {
    expect(vectors).to.have.length(15);
    expect(vectors.map((v) => v.protocol_name)).to.include('Noise_KK_25519_AESGCM_SHA256');
  });

  for (const v of vectors) {
    it(`${v.protocol_name}: every message both sides, handshake hash`, () => {
      const suite = suiteOf(v.protocol_name);
      const pattern = v.protocol_name.split('_')[1]!;
      const mk = (initiator: boolean) => {
        const s = keyPair(initiator ? v.init_static : v.resp_static);
        const rs = initiator ? v.init_remote_static : v.resp_remote_static;
        return new HandshakeState(suite, {
          pattern,
          initiator,
          prologue: hex(initiator ? v.init_prologue : v.resp_prologue),
          e: keyPair(initiator ? v.init_ephemeral : v.resp_ephemeral)!,
          ...(s ? { s } : {}),
          ...(rs ? { rs: hex(rs) } : {}),
        });
      };
      const init = mk(true);
      const resp = mk(false);
      let i = 0;
      let transport: { i: { send: CipherState; recv: CipherState }; r: { send: CipherState; recv: CipherState } } | undefined;
      for (const m of v.messages) {
        // Even indices go initiator → responder, across the handshake/transport boundary.
        const fromInit = i % 2 === 0;
        let ct: Uint8Array;
        let pt: Uint8Array;
        if (!transport) {
          const [w, r] = fromInit ? [init, resp] : [resp, init];
          ct = w.writeMessage(hex(m.payload));
          pt = r.readMessage(ct);
          if (init.done && resp.done) transport = { i: init.result, r: resp.result };
        } else {
          const [w, r] = fromInit ? [transport.i, transport.r] : [transport.r, transport.i];
          ct = w.send.encryptWithAd(new Uint8Array(0), hex(m.payload));
          pt = r.recv.decryptWithAd(new Uint8Array(0), ct);
        }
        expect(toHex(ct), `message ${i} ciphertext`).to.equal(m.ciphertext);
        expect(toHex(pt), `message ${i} payload`).to.equal(m.payload);
        i++;
      }
      expect(transport, 'handshake finished').to.not.equal(undefined);
      expect(toHex(init.result.handshakeHash)).to.equal(v.handshake_hash);
      expect(toHex(resp.result.handshakeHash)).to.equal(v.handshake_hash);
      expect(toHex(init.result.k1)).to.equal(toHex(resp.result.k1));
    });
  }

  it('KK with a wrong static key for the responder fails on the responder', () => {
    const a = DH25519.generateKeyPair();
    const b = DH25519.generateKeyPair();
    const wrong = DH25519.generateKeyPair();
    const prologue = new Uint8Array(0);
    const init = new HandshakeState(CONCORD_SUITE, { pattern: 'KK', initiator: true, prologue, s: a, rs: wrong.publicKey });
    const resp = new HandshakeState(CONCORD_SUITE, { pattern: 'KK', initiator: false, prologue, s: b, rs: a.publicKey });
    const m1 = init.writeMessage(new Uint8Array(0));
    expect(() => resp.readMessage(m1)).to.throw(NoiseError, /authentication failed/);
  });

  it('transport: tampered, replayed and truncated ciphertexts are rejected; the counter does not move', () => {
    const k = new Uint8Array(32).fill(7);
    const tx = new CipherState(AESGCM, k);
    const rx = new CipherState(AESGCM, k);
    const ad = new Uint8Array(0);
    const c0 = tx.encryptWithAd(ad, Uint8Array.of(1, 2, 3));
    const c1 = tx.encryptWithAd(ad, Uint8Array.of(4, 5, 6));
    const bad = Uint8Array.from(c0);
    bad[1]! ^= 1;
    expect(() => rx.decryptWithAd(ad, bad)).to.throw(NoiseError);
    expect(() => rx.decryptWithAd(ad, c1)).to.throw(NoiseError); // reordered
    expect(() => rx.decryptWithAd(ad, c0.subarray(0, 10))).to.throw(NoiseError); // truncated
    expect(rx.nonce).to.equal(0);
    expect([...rx.decryptWithAd(ad, c0)]).to.deep.equal([1, 2, 3]);
    expect(() => rx.decryptWithAd(ad, c0)).to.throw(NoiseError); // replayed
    expect([...rx.decryptWithAd(ad, c1)]).to.deep.equal([4, 5, 6]);
  });

  it('nonces above 2^32 encode as 64-bit counters (AESGCM big-endian)', () => {
    const k = new Uint8Array(32).fill(9);
    const a = AESGCM.encrypt(k, 2 ** 32 + 5, new Uint8Array(0), Uint8Array.of(1));
    expect(() => AESGCM.decrypt(k, 5, new Uint8Array(0), a)).to.throw(NoiseError);
    expect([...AESGCM.decrypt(k, 2 ** 32 + 5, new Uint8Array(0), a)]).to.deep.equal([1]);
  });
});
