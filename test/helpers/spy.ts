import type { Session } from '../../src/session/session.js';
import type { Ring } from '../../src/ring/ring.js';

/**
 * Taps on one session's traffic for the view tests: each wraps the session's own method, so the
 * protocol runs unchanged and the callback sees exactly what this party sent or received.
 */

/** Call `on` with every tensor `s` receives, once it has arrived. */
export function onRecv(s: Session, on: (r: Ring, peer: number, tag: number, kind: string) => void): void {
  const recv = s.recv.bind(s);
  s.recv = async (peer, tag, kind = '') => {
    const r = await recv(peer, tag, kind);
    on(r, peer, tag, kind);
    return r;
  };
}

/** Call `on` with every byte message `s` receives, once it has arrived. */
export function onRecvBytes(s: Session, on: (b: Uint8Array, peer: number, tag: number, kind: string) => void): void {
  const recvBytes = s.recvBytes.bind(s);
  s.recvBytes = async (peer, tag, kind = '') => {
    const b = await recvBytes(peer, tag, kind);
    on(b, peer, tag, kind);
    return b;
  };
}

/** Call `on` with every tensor `s` sends, before it goes out. */
export function onSend(s: Session, on: (r: Ring, peer: number, tag: number, kind: string) => void): void {
  const send = s.send.bind(s);
  s.send = (peer, tag, ring, kind = '') => {
    on(ring, peer, tag, kind);
    send(peer, tag, ring, kind);
  };
}

/** Call `on` with every byte message `s` sends, before it goes out. */
export function onSendBytes(s: Session, on: (b: Uint8Array, peer: number, tag: number, kind: string) => void): void {
  const sendBytes = s.sendBytes.bind(s);
  s.sendBytes = (peer, tag, bytes, kind = '') => {
    on(bytes, peer, tag, kind);
    sendBytes(peer, tag, bytes, kind);
  };
}
