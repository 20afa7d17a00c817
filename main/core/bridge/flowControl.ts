// Flow control for the bridge's terminals: the pty is paused (node-pty `pause()`) while the consumer
// is behind, and resumed once it caught up, with two watermarks so it does not flap.
// - FlowController, for a writable terminal (STYLE.md, the VS Code way): "behind" is bytes sent but not
//   yet acknowledged by the renderer, which acks from inside xterm's write callback, after parsing.
// - BufferedFlow, for a read-only peek (no acks: AttachAddon writes and forgets): "behind" is the
//   socket's own bufferedAmount; tmux then drops and redraws for the paused client (DESIGN.md §4).
import { FLOW, PEEK_FLOW } from '../../common/bridge.js';

export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Pauses at most once and resumes only what it paused; the two controllers below share it. */
class Brake {
  private paused = false;
  constructor(private readonly target: Pausable) {}
  get isPaused(): boolean {
    return this.paused;
  }
  set(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.target.pause();
    else this.target.resume();
  }
}

export class FlowController {
  private unacked = 0;
  private readonly brake: Brake;

  constructor(
    target: Pausable,
    private readonly high: number = FLOW.highWatermark,
    private readonly low: number = FLOW.lowWatermark,
  ) {
    this.brake = new Brake(target);
  }

  get pending(): number {
    return this.unacked;
  }
  get isPaused(): boolean {
    return this.brake.isPaused;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked > this.high) this.brake.set(true);
  }

  acked(bytes: number): void {
    // A confused or hostile client must not drive the count negative and so disable the brake.
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.unacked < this.low) this.brake.set(false);
  }
}

/** Socket backpressure: call `check()` right after handing a chunk to the socket and again whenever
 * a write completed (ws's send callback), so the pty resumes as soon as the socket drained below the
 * low watermark. */
export class BufferedFlow {
  private readonly brake: Brake;

  constructor(
    target: Pausable,
    /** `ws.bufferedAmount`: bytes queued on the socket and not yet written to the kernel. */
    private readonly buffered: () => number,
    private readonly high: number = PEEK_FLOW.highBufferedBytes,
    private readonly low: number = PEEK_FLOW.lowBufferedBytes,
  ) {
    this.brake = new Brake(target);
  }

  get isPaused(): boolean {
    return this.brake.isPaused;
  }

  check(): void {
    const b = this.buffered();
    if (b > this.high) this.brake.set(true);
    else if (b < this.low) this.brake.set(false);
  }
}
