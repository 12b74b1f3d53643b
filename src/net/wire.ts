import WebSocket from 'ws';

/**
 * A message pipe under a secure link: delivers whole binary messages in order. One WebSocket
 * (`wsWire`) in deployments, an in-memory pair (`memoryWirePair`) in tests, where an attacker
 * hook can tamper with, drop, replay or truncate messages.
 */
export interface Wire {
  /**
   * Queue one message, `data` followed by `tail` if given (data ‖ tail is ONE message: a
   * WebSocket message sent as two fragments, so the two are never joined by a copy); never blocks.
   */
  send(data: Uint8Array, tail?: Uint8Array): void;
  /**
   * Set the single consumer of incoming messages (replaces the previous one; queued messages go
   * to it). Undefined: queue. A message is `data` ‖ `tail`; `tail` comes apart only as the last
   * 16 bytes of a message that arrived as exactly those two fragments (an AEAD body and tag).
   */
  onData(handler: WireHandler | undefined): void;
  /** Called once when the pipe is closed, by either side or by failure. */
  onClose(handler: (code: number, reason: string) => void): void;
  /** Close after queued messages are written. */
  close(code: number, reason: string): void;
  /** Drop the connection now. */
  terminate(): void;
  /** Bytes queued but not yet written to the OS. */
  readonly buffered: number;
  /** Call `cb` once, as soon as `buffered` is at most `bytes` (now if it already is; never after close). */
  whenBelow(bytes: number, cb: () => void): void;
  /** Stop (true) or resume (false) reading from the peer: flow control, the peer's sends then back up. */
  pause(on: boolean): void;
}

/** The consumer of a wire's messages (see Wire.onData). */
export type WireHandler = (data: Uint8Array, tail?: Uint8Array) => void;

/** A received message as one buffer (joins data and tail when it came as two). */
export function wholeMessage(data: Uint8Array, tail?: Uint8Array): Uint8Array {
  if (!tail) return data;
  const out = new Uint8Array(data.length + tail.length);
  out.set(data);
  out.set(tail, data.length);
  return out;
}

/** Base for wires: queues data until a consumer is set; delivers close exactly once. */
abstract class BaseWire implements Wire {
  private dataHandler: WireHandler | undefined;
  private closeHandler: ((code: number, reason: string) => void) | undefined;
  private readonly queue: [Uint8Array, Uint8Array | undefined][] = [];
  private closeInfo: [number, string] | undefined;
  private closeDelivered = false;

  abstract send(data: Uint8Array, tail?: Uint8Array): void;
  abstract close(code: number, reason: string): void;
  abstract terminate(): void;
  abstract get buffered(): number;
  abstract pause(on: boolean): void;
  private drainWaiters: Array<[number, () => void]> = [];

  whenBelow(bytes: number, cb: () => void): void {
    if (this.buffered <= bytes) cb();
    else this.drainWaiters.push([bytes, cb]);
  }
  /** Subclasses call this whenever `buffered` went down. */
  protected drained(): void {
    if (this.drainWaiters.length === 0) return;
    const b = this.buffered;
    const ready = this.drainWaiters.filter(([lim]) => b <= lim);
    if (ready.length === 0) return;
    this.drainWaiters = this.drainWaiters.filter(([lim]) => b > lim);
    for (const [, cb] of ready) cb();
  }

  onData(handler: WireHandler | undefined): void {
    this.dataHandler = handler;
    while (handler && this.queue.length > 0 && this.dataHandler === handler) handler(...this.queue.shift()!);
    this.maybeDeliverClose();
  }
  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandler = handler;
    this.maybeDeliverClose();
  }
  protected emitData(d: Uint8Array, tail?: Uint8Array): void {
    if (this.dataHandler && this.queue.length === 0) this.dataHandler(d, tail);
    else this.queue.push([d, tail]);
  }
  protected emitClose(code: number, reason: string): void {
    if (this.closeInfo) return;
    this.closeInfo = [code, reason];
    this.maybeDeliverClose();
  }
  /** Close is reported after every message received before it was consumed. */
  private maybeDeliverClose(): void {
    if (!this.closeInfo || this.closeDelivered || this.queue.length > 0 || !this.closeHandler) return;
    this.closeDelivered = true;
    this.closeHandler(...this.closeInfo);
  }
}

/** Bytes of a message's tail that a WsWire hands over apart: an AES-GCM tag. */
const TAIL_BYTES = 16;

/** A WebSocket as a wire (binary messages only; text messages close it with 1003). */
export class WsWire extends BaseWire {
  constructor(private readonly ws: WebSocket) {
    super();
    // 'fragments': a large message sent as body + tag fragments (link.ts) arrives as those two
    // buffers, so nobody joins them; any other fragmentation is joined here.
    ws.binaryType = 'fragments';
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ws.close(1003, 'binary messages only');
        return;
      }
      const parts = data as Buffer[];
      if (parts.length === 1) this.emitData(parts[0]!);
      else if (parts.length === 2 && parts[1]!.length === TAIL_BYTES) this.emitData(parts[0]!, parts[1]!);
      else this.emitData(Buffer.concat(parts));
    });
    ws.on('close', (code, reason) => {
      this.emitClose(code, reason.toString('utf8'));
      this.drained();
    });
    // 'close' always follows 'error' in ws; keep the reason.
    ws.on('error', (err) => this.emitClose(1006, err.message));
  }
  /** ws calls back once the frame is written to the socket, which is when bufferedAmount drops. */
  private readonly written = (): void => this.drained();
  send(data: Uint8Array, tail?: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (!tail || tail.length === 0) {
      this.ws.send(data, { binary: true }, this.written);
      return;
    }
    this.ws.send(data, { binary: true, fin: false });
    this.ws.send(tail, { binary: true, fin: true }, this.written);
  }
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
  pause(on: boolean): void {
    if (on) this.ws.pause();
    else this.ws.resume();
  }
  get buffered(): number {
    // A closed socket buffers nothing more: report 0 so drain waiters never hang on it.
    return this.ws.readyState === WebSocket.OPEN ? this.ws.bufferedAmount : 0;
  }
}

/** What an attacker hook may do with one message in flight: deliver these instead (none = drop). */
export type WireTap = (from: 'a' | 'b', data: Uint8Array) => Uint8Array[];

class MemoryWire extends BaseWire {
  peer!: MemoryWire;
  closed = false;
  /** Bytes sent and not yet delivered to the peer (held while the peer is paused). */
  private inFlight = 0;
  private held: Array<[Uint8Array[], number]> = [];
  private paused = false;
  constructor(private readonly side: 'a' | 'b', private readonly tap: WireTap | undefined) {
    super();
  }
  send(data: Uint8Array, tail?: Uint8Array): void {
    if (this.closed) return;
    // One message: the copy joins data and tail (taps see whole messages).
    const copy = tail ? wholeMessage(data, tail) : Uint8Array.from(data);
    const out = this.tap ? this.tap(this.side, copy) : [copy];
    const len = copy.length;
    this.inFlight += len;
    const peer = this.peer;
    setImmediate(() => {
      if (peer.paused) peer.held.push([out, len]);
      else this.arrive(out, len);
    });
  }
  private arrive(out: Uint8Array[], len: number): void {
    this.inFlight -= len;
    if (!this.peer.closed) for (const d of out) this.peer.emitData(d);
    this.drained();
  }
  /** Stop (true) or resume (false) delivering what the peer sends to this end; the peer's `buffered` then grows. */
  pause(on: boolean): void {
    this.paused = on;
    if (on) return;
    for (const [out, len] of this.held.splice(0)) this.peer.arrive(out, len);
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      this.emitClose(code, reason);
      this.peer.closed = true;
      this.peer.emitClose(code, reason);
      this.inFlight = 0;
      this.drained();
    });
  }
  terminate(): void {
    this.close(1006, 'terminated');
  }
  get buffered(): number {
    return this.closed ? 0 : this.inFlight;
  }
}

/** Two connected in-memory wires; `tap` sees (and may alter) every message. Tests only. */
export function memoryWirePair(tap?: WireTap): [Wire, Wire] {
  const a = new MemoryWire('a', tap);
  const b = new MemoryWire('b', tap);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
