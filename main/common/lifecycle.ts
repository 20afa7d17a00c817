// Events with owned lifetimes (STYLE.md): a typed Emitter<T>, a DisposableStore that disposes everything
// registered on it, and a Clock seam for timers. Modelled on VS Code's base/common/{event,lifecycle}.ts,
// cut down to what we use. Pure: no node:*, so the app and the core can share it.

export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Owns disposables; dispose() disposes each once, newest first. Adding to a disposed store disposes at
 * once (a late timer or watcher registered during shutdown must not outlive its owner). */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.add(d);
    return d;
  }

  /** Disposes one item now and forgets it. */
  delete(d: Disposable): void {
    if (this.items.delete(d)) d.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.items].reverse();
    this.items.clear();
    for (const d of all) d.dispose();
  }
}

/** Subscribe with a listener; dispose the result to unsubscribe. */
export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return toDisposable(() => undefined);
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const l = (e: T) => listener(e);
    this.listeners.add(l);
    return toDisposable(() => this.listeners.delete(l));
  };

  /** Calls every listener; one that throws does not stop the others, and the first error is rethrown
   * afterwards (a throwing listener is a bug, so it must not be swallowed). */
  fire(e: T): void {
    let first: { error: unknown } | null = null;
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Time and timers, injected so tests never wait on the wall clock. */
export interface Clock {
  now(): number;
  /** Runs fn once after ms; dispose to cancel. */
  setTimeout(fn: () => void, ms: number): Disposable;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return toDisposable(() => clearTimeout(t));
  },
};

/** systemClock whose timers never keep the process alive on their own (retries, reconnects): a
 * `workcell watch` told to stop must not linger for a pending retry. */
export const backgroundClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.();
    return toDisposable(() => clearTimeout(t));
  },
};
