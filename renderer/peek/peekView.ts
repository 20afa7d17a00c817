// The peek view: xterm.js sized to the tmux window (cols x rows from the bridge's hello frame) with
// the font scaled to fit the container. READ-ONLY until the user presses "Take control": after the
// hello the peek socket carries raw terminal bytes only, so @xterm/addon-attach (one-way) writes them
// into xterm; the bridge bounds it by pausing the pty when the socket backs up. "Take control" is a
// writable attach whose data is acknowledged after xterm parsed it (FLOW in main/common/bridge.ts).
import { AttachAddon } from '@xterm/addon-attach';
import { Terminal } from '@xterm/xterm';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import {
  FLOW,
  ROUTES,
  type TermClientFrame,
  type TermHelloFrame,
  type TermServerFrame,
} from '../../main/common/bridge.js';
import { openSocket } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';
import { terminalTheme } from '../lib/theme.js';

/** Font sizes the fit may choose: below 11 px a terminal is not readable (a 200-column pane in an
 * 800 px window fitted to about 6 px), so the screen scrolls instead; above 20 px a small window
 * looks odd. */
const FONT = { min: 11, max: 20, start: 14 } as const;

export class PeekView {
  readonly el: HTMLElement;
  private readonly term: Terminal;
  private readonly search = new SearchAddon();
  private readonly screen: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly controlBtn: HTMLButtonElement;
  private readonly statusLine: HTMLElement;
  private ws: WebSocket | null = null;
  /** The read-only peek's one-way attach; null while in control or connecting. */
  private attach: AttachAddon | null = null;
  /** Bumped by every connect and by dispose: a socket that opens for an older one is closed. */
  private generation = 0;
  private writable = false;
  private unacked = 0;
  private size = { cols: 80, rows: 24 };
  private readonly resizeObserver: ResizeObserver;

  constructor(
    readonly name: string,
    private readonly onClose: () => void,
  ) {
    this.badge = h('span', { class: 'badge readonly', testid: 'peek-mode' }, 'READ-ONLY');
    this.controlBtn = h(
      'button',
      { class: 'btn', testid: 'take-control', onclick: () => this.toggleControl() },
      'Take control',
    );
    this.statusLine = h('span', { class: 'peek-status', testid: 'peek-status' }, 'connecting…');
    const searchBox = h('input', {
      type: 'search',
      placeholder: 'Search',
      class: 'peek-search',
      testid: 'peek-search',
      'aria-label': 'Search the terminal',
    });
    searchBox.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        if (e.shiftKey) this.search.findPrevious(searchBox.value);
        else this.search.findNext(searchBox.value);
      }
    });
    this.screen = h('div', { class: 'peek-screen', testid: 'peek-terminal' });
    this.el = h(
      'section',
      { class: 'peek', testid: 'peek', 'aria-label': `Peek at ${name}` },
      h(
        'header',
        { class: 'peek-bar' },
        h('strong', { class: 'peek-name' }, name),
        this.badge,
        this.statusLine,
        h('span', { class: 'spacer' }),
        searchBox,
        h(
          'button',
          {
            class: 'btn',
            testid: 'peek-copy',
            title: 'Copy the selection (or the whole screen)',
            onclick: () => void this.copy(),
          },
          'Copy',
        ),
        this.controlBtn,
        h(
          'button',
          { class: 'btn', testid: 'peek-close', title: 'Close (Esc)', onclick: () => this.onClose() },
          'Close',
        ),
      ),
      this.screen,
    );
    this.term = new Terminal({
      cols: this.size.cols,
      rows: this.size.rows,
      fontSize: FONT.start,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      // tmux keeps the history; xterm scrollback would only hold tmux's redraws.
      scrollback: 0,
      disableStdin: true,
      cursorBlink: false,
      allowProposedApi: true,
      theme: terminalTheme(),
    });
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
    this.term.onData((data) => this.send(data));
    this.resizeObserver = new ResizeObserver(() => this.fit());
  }

  /** Call once the element is in the document. */
  mount(): void {
    this.term.open(this.screen);
    this.resizeObserver.observe(this.screen);
    this.connect(false);
  }

  retheme(): void {
    this.term.options.theme = terminalTheme();
  }

  dispose(): void {
    this.generation++;
    this.resizeObserver.disconnect();
    this.attach?.dispose();
    this.ws?.close();
    this.ws = null;
    this.term.dispose();
    this.el.remove();
  }

  private toggleControl(): void {
    this.connect(!this.writable);
  }

  private connect(writable: boolean): void {
    const generation = ++this.generation;
    this.attach?.dispose();
    this.attach = null;
    this.ws?.close();
    this.ws = null;
    this.writable = writable;
    this.unacked = 0;
    this.term.reset();
    this.term.options.disableStdin = !writable;
    this.badge.textContent = writable ? 'CONTROL — your keys go to the agent' : 'READ-ONLY';
    this.badge.className = `badge ${writable ? 'control' : 'readonly'}`;
    this.controlBtn.textContent = writable ? 'Release control' : 'Take control';
    this.el.classList.toggle('is-control', writable);
    this.el.classList.remove('is-closed');
    this.statusLine.textContent = 'connecting…';
    void openSocket(writable ? ROUTES.control(this.name) : ROUTES.peek(this.name)).then((ws) => {
      if (generation !== this.generation) return ws.close();
      this.ws = ws;
      this.onHello(ws, writable);
      ws.addEventListener('close', (ev) => {
        if (ws !== this.ws) return;
        this.statusLine.textContent = `closed${ev.reason ? `: ${ev.reason}` : ''}`;
        this.el.classList.add('is-closed');
      });
    });
  }

  /** The first frame is the JSON hello (main/common/bridge.ts TermHelloFrame); what follows is raw
   * terminal data for AttachAddon on a peek, or data plus JSON frames on a control session. The next
   * listener is added while this message is dispatched, so it gets the very next frame. */
  private onHello(ws: WebSocket, writable: boolean): void {
    const first = (ev: MessageEvent<ArrayBuffer | string>): void => {
      ws.removeEventListener('message', first);
      if (ws !== this.ws) return;
      if (typeof ev.data !== 'string') {
        this.statusLine.textContent = 'the bridge sent terminal data before the window size';
        return ws.close();
      }
      const hello = JSON.parse(ev.data) as TermHelloFrame;
      if (hello.type === 'error') return this.onFrame(hello);
      this.onFrame(hello);
      if (writable) {
        ws.addEventListener('message', (e: MessageEvent<ArrayBuffer | string>) => this.onControlData(ws, e));
      } else {
        this.attach = new AttachAddon(ws, { bidirectional: false });
        this.term.loadAddon(this.attach);
      }
    };
    ws.addEventListener('message', first);
  }

  private onControlData(ws: WebSocket, ev: MessageEvent<ArrayBuffer | string>): void {
    if (ws !== this.ws) return;
    if (typeof ev.data === 'string') return this.onFrame(JSON.parse(ev.data) as TermServerFrame);
    const bytes = new Uint8Array(ev.data);
    // Ack from inside the write callback: xterm has parsed these bytes (STYLE.md flow control).
    this.term.write(bytes, () => {
      this.unacked += bytes.length;
      if (this.unacked >= FLOW.ackChunk && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked } satisfies TermClientFrame));
        this.unacked = 0;
      }
    });
  }

  private onFrame(frame: TermServerFrame): void {
    if (frame.type === 'size') {
      this.size = { cols: frame.cols, rows: frame.rows };
      this.term.resize(frame.cols, frame.rows);
      this.statusLine.textContent = `${this.writable ? 'attached (writable)' : 'attached read-only'}, ${frame.cols}×${frame.rows}`;
      this.fit();
    } else if (frame.type === 'error') {
      this.statusLine.textContent = frame.error.message;
      this.el.classList.add('is-closed');
    } else {
      this.statusLine.textContent = frame.reason;
    }
  }

  /** Input leaves only on a writable attach; on a peek xterm's stdin is disabled and nothing is sent. */
  private send(data: string): void {
    if (!this.writable || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(new TextEncoder().encode(data));
  }

  /** Scales the font so cols x rows fill the container without changing cols or rows (never resize
   * the tmux window to the viewer). xterm re-measures its cell after a font change on the next frame,
   * and the cell size is not linear in the font size, so measure, set, wait a frame, re-measure. */
  private fitting = false;
  private fit(): void {
    if (this.fitting) return;
    this.fitting = true;
    const step = (pass: number): void => {
      const box = this.screen.getBoundingClientRect();
      const rendered = this.screen.querySelector<HTMLElement>('.xterm-screen');
      if (pass > 5 || !rendered || rendered.offsetWidth === 0 || box.width < 10 || box.height < 10) {
        this.fitting = false;
        return;
      }
      // 8 px: the container's padding, so the outermost cells are never clipped.
      const scale = Math.min(
        (box.width - 8) / rendered.offsetWidth,
        (box.height - 8) / rendered.offsetHeight,
      );
      const current = this.term.options.fontSize ?? FONT.start;
      const next = Math.max(FONT.min, Math.min(FONT.max, Math.floor(current * scale * 4) / 4));
      // Done when it fits and growing by a quarter point would not.
      if (next === current || (scale >= 1 && scale < 1 + 0.25 / current + 0.02)) {
        this.fitting = false;
        return;
      }
      this.term.options.fontSize = next;
      requestAnimationFrame(() => step(pass + 1));
    };
    requestAnimationFrame(() => step(0));
  }

  private async copy(): Promise<void> {
    let text = this.term.getSelection();
    if (!text) {
      const buf = this.term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
      text = lines.join('\n').replace(/\n+$/, '\n');
    }
    try {
      await navigator.clipboard.writeText(text);
      this.statusLine.textContent = 'copied';
    } catch {
      // clipboard permission denied (an unfocused page): tell the user instead of failing silently
      this.statusLine.textContent = 'copy refused by the browser: select and press Ctrl+C';
    }
  }
}
