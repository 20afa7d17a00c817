// Loop and pipeline runners' own events, told through the daemon's notifiers like a workcell's change
// (main/core/loop/runnerNotice.ts posts them; the supervisor hands them to the dispatcher). The reason
// code names the event; these are its words, the next step, and the command that shows it.
export interface RunnerNoticeText {
  headline: string;
  line: (name: string) => string;
  command: (name: string) => string;
}

const loopStatus = (n: string) => `workcell loop --status ${n}`;
const pipelineStatus = (n: string) => `workcell pipeline status ${n}`;

export const RUNNER_NOTICES: Readonly<Record<string, RunnerNoticeText>> = {
  loop_breaker_open: {
    headline: 'loop: circuit breaker open, waiting for you',
    line: (n) => `Fix the cause, then: workcell loop --resume ${n} · see: ${loopStatus(n)}`,
    command: loopStatus,
  },
  loop_done: { headline: 'loop finished', line: (n) => `See: ${loopStatus(n)}`, command: loopStatus },
  loop_max_reached: {
    headline: 'loop stopped at its maximum',
    line: (n) => `See: ${loopStatus(n)} · go on: workcell loop --resume ${n}`,
    command: loopStatus,
  },
  pipeline_done: {
    headline: 'pipeline finished',
    line: (n) => `See: ${pipelineStatus(n)}`,
    command: pipelineStatus,
  },
  pipeline_failed: {
    headline: 'pipeline failed',
    line: (n) =>
      `Fix the cause, then: workcell pipeline run --resume --name ${n} · see: ${pipelineStatus(n)}`,
    command: pipelineStatus,
  },
};
