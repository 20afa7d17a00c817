// The part of the Engine (main/core/engine.ts) the bridge uses. A structural seam: the real Engine
// satisfies it, and tests can pass the real one or a stub.
import type { AgentName, ListingProblem, WorkcellStatus, WorkcellSummary } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import type { Result } from '../result.js';
import type { Reply, ReplyOutcome, ReplySource } from '../reply.js';
import type { Tmux } from '../tmux.js';

export type ArtifactKind = 'brief' | 'handoff' | 'verifyLog' | 'events' | 'status';

export interface StartOptions {
  name: string;
  repo: string;
  agent: AgentName;
  objective?: string;
  briefFile?: string;
  verify?: string;
  verifyFile?: string;
  args: string[];
}

export interface BridgeEngine {
  readonly dir: ControlDir;
  readonly tmux: Tmux;
  list(): Promise<Result<WorkcellSummary[]>>;
  /** The readable workcells and, beside them, the run dirs that cannot be read and ghost sessions. */
  listing?(): Promise<Result<{ workcells: WorkcellSummary[]; problems: ListingProblem[] }>>;
  status(name: string): Promise<Result<WorkcellSummary>>;
  start(o: StartOptions): Promise<Result<WorkcellStatus>>;
  kill(name: string): Promise<Result<WorkcellStatus>>;
  readArtifact(name: string, kind: ArtifactKind): Promise<Result<string>>;
  attachArgv(name: string, opts: { readOnly: boolean }): string[];
  setMuted(name: string, muted: boolean): Promise<Result<void>>;
  /** Optional until the engine has it; the bridge answers with an error value when absent. */
  resume?(name: string): Promise<Result<WorkcellStatus>>;
  /** Types a reply into a live workcell's pane (main/core/reply.ts). */
  reply?(name: string, reply: Reply, by: ReplySource): Promise<Result<ReplyOutcome>>;
}
