// The peek view: xterm.js sized to the tmux window (cols x rows from the bridge's `size` frame) with
// the font scaled to fit the container. READ-ONLY until the user presses "Take control"; then a
// writable attach whose data is acknowledged after xterm parsed it (FLOW in main/common/bridge.ts).
import { Terminal } from '@xterm/xterm';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { FLOW, ROUTES, type TermServerFrame } from '../../main/common/bridge.js';
import { openSocket } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';
import { terminalTheme } from '../lib/theme.js';

/** Font sizes the fit may choose: below 6 px nothing is readable, above 20 px a small window looks odd. */
const FONT = { min: 6, max: 20, start: 14 } as const;

export class PeekView {
  readonly el: HTMLElement;
  private readonly term: Terminal;
  private readonly search = new SearchAddon();
  private readonly screen: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly controlBtn: HTMLButtonElement;
  private readonly statusLine: HTMLElement;
  private ws: WebSocket | null = null;
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
    this.resizeObserver.disconnect();
    this.ws?.close();
    this.ws = null;
    this.term.dispose();
    this.el.remove();
  }

  private toggleControl(): void {
    this.connect(!this.writable);
  }

  private connect(writable: boolean): void {
    this.ws?.close();
    this.writable = writable;
    this.unacked = 0;
    this.term.reset();
    this.term.options.disableStdin = !writable;
    this.badge.textContent = writable ? 'CONTROL — your keys go to the agent' : 'READ-ONLY';
    this.badge.className = `badge ${writable ? 'control' : 'readonly'}`;
    this.controlBtn.textContent = writable ? 'Release control' : 'Take control';
    this.el.classList.toggle('is-control', writable);
    this.statusLine.textContent = 'connecting…';
    const ws = openSocket(writable ? ROUTES.control(this.name) : ROUTES.peek(this.name));
    this.ws = ws;
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (ws !== this.ws) return;
      if (typeof ev.data === 'string') return this.onFrame(JSON.parse(ev.data) as TermServerFrame);
      const bytes = new Uint8Array(ev.data);
      if (!writable) return this.term.write(bytes);
      // Ack from inside the write callback: xterm has parsed these bytes (STYLE.md flow control).
      this.term.write(bytes, () => {
        this.unacked += bytes.length;
        if (this.unacked >= FLOW.ackChunk && ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
          this.unacked = 0;
        }
      });
    };
    ws.onopen = () => {
      if (ws === this.ws)
        this.statusLine.textContent = writable
          ? 'attached (writable)'
          : `attached read-only, ${this.size.cols}×${this.size.rows}`;
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.statusLine.textContent = `closed${ev.reason ? `: ${ev.reason}` : ''}`;
      this.el.classList.add('is-closed');
    };
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
