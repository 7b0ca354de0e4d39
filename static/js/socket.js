// One websocket to /ws. `ready` resolves with the first hello message.
//
// With `reconnect` set, a connection that had said hello and then drops (not
// closed by us) is opened again with backoff (0.5 s, 1 s, 2 s, 4 s, then every
// 5 s) while `reconnect.when(closeEvent)` says so; every new connection's
// hello goes to onMessage like the first. onClose is called only when the
// connection is gone for good.
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];

export class Conn {
  constructor({ onMessage, onClose, helloTimeoutMs = 10000, reconnect = null }) {
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.helloTimeoutMs = helloTimeoutMs;
    // {when(ev) → bool, onRetry(attempt, delayMs, ev)?, maxAttempts?}
    this.reconnect = reconnect;
    this.closedByUs = false;
    this.hello = null;        // the latest hello
    this.attempt = 0;         // reconnect attempts since the last hello
    this.retryTimer = null;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.connect();
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    this.ws = ws;
    let saidHello = false;
    const timer = setTimeout(() => {
      if (!this.hello) {
        this.rejectReady(Object.assign(new Error('hello timeout'), { code: 0, reason: 'timeout' }));
        this.close();
      } else {
        try { ws.close(); } catch { /* ignore */ } // a reconnect that hangs: try again
      }
    }, this.helloTimeoutMs);
    ws.addEventListener('message', (ev) => {
      if (ws !== this.ws || typeof ev.data !== 'string') return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'hello' && !saidHello) {
        saidHello = true;
        clearTimeout(timer);
        this.attempt = 0;
        const first = !this.hello;
        this.hello = msg;
        if (first) this.resolveReady(msg);
      }
      this.onMessage(msg, this);
    });
    ws.addEventListener('close', (ev) => {
      clearTimeout(timer);
      if (ws !== this.ws) return;
      if (!this.hello) {
        // The first connection failed before hello.
        this.rejectReady(Object.assign(new Error('closed'), { code: ev.code, reason: ev.reason }));
        this.onClose(ev, this);
        return;
      }
      const max = (this.reconnect && this.reconnect.maxAttempts) || 20;
      if (!this.closedByUs && this.reconnect && this.attempt < max && this.reconnect.when(ev)) {
        const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
        this.attempt += 1;
        if (this.reconnect.onRetry) this.reconnect.onRetry(this.attempt, delay, ev);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (!this.closedByUs) this.connect();
        }, delay);
        return;
      }
      this.onClose(ev, this);
    });
  }

  get open() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  /** Whether a reconnect is pending or under way. */
  get reconnecting() { return !!this.retryTimer || (!this.closedByUs && !!this.hello && !this.open); }

  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  close() {
    this.closedByUs = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    try { this.ws.close(1000); } catch { /* already closed */ }
  }
}
