// GET /api/resources: per-workcell CPU and memory for the dashboard. Each request is a viewer's
// renewal: the supervisor samples (every 5 s) while the dashboard keeps asking and stops a little
// after it stops (housekeeping/resourceSampler.ts). Without a supervisor to sample, an answer that
// says so (the dashboard shows it instead of the figures).
import { RESOURCES_ROUTE, type ResourceSnapshot } from '../../common/resources.js';
import { RESOURCE_SAMPLING, type ResourceFeed } from '../housekeeping/resourceSampler.js';
import { ok, type Result } from '../result.js';

// One lease for every dashboard of this bridge: any of them polling keeps the figures fresh.
const DASHBOARD_LEASE = 'dashboard';

export function resourcesRoute(
  feed: ResourceFeed | undefined,
  method: string,
  path: string,
): Result<ResourceSnapshot> | null {
  if (path !== RESOURCES_ROUTE || method !== 'GET') return null;
  if (!feed)
    return ok({
      at: null,
      intervalMs: RESOURCE_SAMPLING.intervalMs,
      sampling: false,
      samples: [],
      unavailable: 'no supervisor samples CPU and memory here (`workcell ui --no-supervise`)',
    });
  feed.touch(DASHBOARD_LEASE);
  return ok(feed.latest());
}
