import WebSocket from 'ws';

/**
 * A message pipe under a secure link: delivers whole binary messages in order. One WebSocket
 * (`wsWire`) in deployments, an in-memory pair (`memoryWirePair`) in tests, where an attacker
 * hook can tamper with, drop, replay or truncate messages.
 */
export interface Wire {
  /** Queue one message; never blocks. */
  send(data: Uint8Array): void;
  /** Set the single consumer of incoming messages (replaces the previous one; queued messages go to it). Undefined: queue. */
  onData(handler: ((data: Uint8Array) => void) | undefined): void;
  /** Called once when the pipe is closed, by either side or by failure. */
  onClose(handler: (code: number, reason: string) => void): void;
  /** Close after queued messages are written. */
  close(code: number, reason: string): void;
  /** Drop the connection now. */
  terminate(): void;
  /** Bytes queued but not yet written to the OS. */
  readonly buffered: number;
}

/** Base for wires: queues data until a consumer is set; delivers close exactly once. */
abstract class BaseWire implements Wire {
  private dataHandler: ((d: Uint8Array) => void) | undefined;
  private closeHandler: ((code: number, reason: string) => void) | undefined;
  private readonly queue: Uint8Array[] = [];
  private closeInfo: [number, string] | undefined;
  private closeDelivered = false;

  abstract send(data: Uint8Array): void;
  abstract close(code: number, reason: string): void;
  abstract terminate(): void;
  abstract get buffered(): number;

  onData(handler: ((d: Uint8Array) => void) | undefined): void {
    this.dataHandler = handler;
    while (handler && this.queue.length > 0 && this.dataHandler === handler) handler(this.queue.shift()!);
    this.maybeDeliverClose();
  }
  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandler = handler;
    this.maybeDeliverClose();
  }
  protected emitData(d: Uint8Array): void {
    if (this.dataHandler && this.queue.length === 0) this.dataHandler(d);
    else this.queue.push(d);
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

/** A WebSocket as a wire (binary messages only; text messages close it with 1003). */
export class WsWire extends BaseWire {
  constructor(private readonly ws: WebSocket) {
    super();
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ws.close(1003, 'binary messages only');
        return;
      }
      this.emitData(data as Buffer);
    });
    ws.on('close', (code, reason) => this.emitClose(code, reason.toString('utf8')));
    // 'close' always follows 'error' in ws; keep the reason.
    ws.on('error', (err) => this.emitClose(1006, err.message));
  }
  send(data: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(data, { binary: true });
  }
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
  get buffered(): number {
    return this.ws.bufferedAmount;
  }
}

/** What an attacker hook may do with one message in flight: deliver these instead (none = drop). */
export type WireTap = (from: 'a' | 'b', data: Uint8Array) => Uint8Array[];

class MemoryWire extends BaseWire {
  peer!: MemoryWire;
  closed = false;
  constructor(private readonly side: 'a' | 'b', private readonly tap: WireTap | undefined) {
    super();
  }
  send(data: Uint8Array): void {
    if (this.closed) return;
    const copy = Uint8Array.from(data);
    const out = this.tap ? this.tap(this.side, copy) : [copy];
    const peer = this.peer;
    setImmediate(() => {
      if (peer.closed) return;
      for (const d of out) peer.emitData(d);
    });
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      this.emitClose(code, reason);
      this.peer.closed = true;
      this.peer.emitClose(code, reason);
    });
  }
  terminate(): void {
    this.close(1006, 'terminated');
  }
  get buffered(): number {
    return 0;
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
