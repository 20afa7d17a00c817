// The resource figures of a daemon this process only views (the app or `workcell ui` when the daemon
// leads): a ResourceFeed over the daemon's socket. Local viewers (the dashboard's polls, the tray's
// open menu) hold leases here as they would on the sampler itself; while any is live the daemon is
// asked to keep sampling, and when the last one is released it is told to stop.
import { Emitter, systemClock, type Clock } from '../../common/lifecycle.js';
import type { ResourceSnapshot } from '../../common/resources.js';
import { RESOURCE_SAMPLING, type ResourceFeed } from '../housekeeping/resourceSampler.js';
import type { DaemonViewer } from './client.js';

// Renewals are forwarded at most this often: a dashboard polling every 5 s and a tray menu opened
// now and then cost the socket a line every few seconds, well inside the daemon's 15 s lease.
const RENEW_EVERY_MS = 4_000;

export class RemoteResourceFeed implements ResourceFeed {
  private readonly onSample = new Emitter<ResourceSnapshot>();
  private snapshot: ResourceSnapshot = {
    at: null,
    intervalMs: RESOURCE_SAMPLING.intervalMs,
    sampling: false,
    samples: [],
  };
  private readonly leases = new Map<string, number>();
  private renewed = -Infinity;

  constructor(
    private readonly viewer: DaemonViewer,
    private readonly clock: Clock = systemClock,
  ) {
    viewer.onFrame.event((f) => {
      if (f.type !== 'resources') return;
      this.snapshot = f.snapshot;
      this.onSample.fire(f.snapshot);
    });
  }

  touch(viewer: string, ttlMs: number = RESOURCE_SAMPLING.leaseMs): void {
    const now = this.clock.now();
    this.leases.set(viewer, Math.max(this.leases.get(viewer) ?? 0, now + ttlMs));
    if (now - this.renewed < RENEW_EVERY_MS) return;
    this.renewed = now;
    this.viewer.watchResources(true);
  }

  release(viewer: string): void {
    this.leases.delete(viewer);
    const now = this.clock.now();
    for (const [v, until] of this.leases) if (until <= now) this.leases.delete(v);
    if (this.leases.size > 0) return;
    this.renewed = -Infinity;
    this.viewer.watchResources(false);
    // No more frames come for this viewer: what it holds is no longer current.
    this.snapshot = { ...this.snapshot, sampling: false, samples: [] };
    this.onSample.fire(this.snapshot);
  }

  latest(): ResourceSnapshot {
    return this.snapshot;
  }

  subscribe(cb: (s: ResourceSnapshot) => void): () => void {
    const d = this.onSample.event(cb);
    return () => d.dispose();
  }
}
