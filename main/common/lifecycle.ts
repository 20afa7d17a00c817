// Owned lifetimes (STYLE.md "Events with owned lifetimes", after VS Code's Emitter and DisposableStore):
// a typed event instead of string-named EventEmitter events, and one store that disposes every
// listener and timer registered on it, so `dispose()` cannot forget one. Pure: no node:*, no DOM.

export interface Disposable {
  dispose(): void;
}

export const toDisposable = (fn: () => void): Disposable => ({ dispose: fn });

/** One typed event. `event(listener)` subscribes and returns the way to unsubscribe. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export class DisposableStore implements Disposable {
  private items = new Set<Disposable>();
  private disposed = false;

  add<D extends Disposable>(d: D): D {
    if (this.disposed) d.dispose();
    else this.items.add(d);
    return d;
  }

  dispose(): void {
    this.disposed = true;
    for (const d of [...this.items].reverse()) d.dispose();
    this.items.clear();
  }
}
