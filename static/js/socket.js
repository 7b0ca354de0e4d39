// One websocket to /ws. `ready` resolves with the hello message.
export class Conn {
  constructor({ onMessage, onClose, helloTimeoutMs = 10000 }) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = new WebSocket(`${proto}//${location.host}/ws`);
    this.closedByUs = false;
    this.hello = null;
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(Object.assign(new Error('hello timeout'), { code: 0, reason: 'timeout' }));
        this.close();
      }, helloTimeoutMs);
      this.ws.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string') return;
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!msg || typeof msg !== 'object') return;
        if (msg.type === 'hello' && !this.hello) {
          this.hello = msg;
          clearTimeout(timer);
          resolve(msg);
        }
        onMessage(msg, this);
      });
      this.ws.addEventListener('close', (ev) => {
        clearTimeout(timer);
        reject(Object.assign(new Error('closed'), { code: ev.code, reason: ev.reason }));
        onClose(ev, this);
      });
    });
    this.ready.catch(() => {});
  }

  get open() { return this.ws.readyState === WebSocket.OPEN; }

  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  close() {
    this.closedByUs = true;
    try { this.ws.close(1000); } catch { /* already closed */ }
  }
}
