// The scenarios of the demo agent (demoAgent.ts), shared with `workcell demo`.
export const SCENARIOS = ['working', 'waiting', 'done', 'failed', 'rate_limited'] as const;
export type Scenario = (typeof SCENARIOS)[number];
