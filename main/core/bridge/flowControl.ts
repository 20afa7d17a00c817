// Acknowledged flow control for a writable terminal (STYLE.md, the VS Code way): the pty is paused
// while more than FLOW.highWatermark bytes are sent but not yet acknowledged by the renderer (which
// acks from inside xterm's write callback, after parsing), and resumed below FLOW.lowWatermark.
import { FLOW } from '../../common/bridge.js';

export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FlowController {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly target: Pausable,
    private readonly high: number = FLOW.highWatermark,
    private readonly low: number = FLOW.lowWatermark,
  ) {}

  get pending(): number {
    return this.unacked;
  }
  get isPaused(): boolean {
    return this.paused;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.target.pause();
    }
  }

  acked(bytes: number): void {
    // A confused or hostile client must not drive the count negative and so disable the brake.
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.target.resume();
    }
  }
}
