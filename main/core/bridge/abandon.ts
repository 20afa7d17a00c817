// A request whose client went away is abandoned: the dashboard aborts the detail request of a row the
// user clicked past (renderer/dashboard/app.ts), and 50 quick clicks must not leave 50 artifact reads,
// tmux captures and `git diff`s running for answers nobody reads. The signal fires when the connection
// closes before the response was sent; the routes check it between steps and pass it to git.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function abandonSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ctl = new AbortController();
  const gone = (): void => {
    // 'close' also follows a normal end of the response: only an early close is an abandon.
    if (!res.writableFinished) ctl.abort(new Error('the client closed the request'));
  };
  res.once('close', gone);
  req.once('aborted', gone);
  return ctl.signal;
}
