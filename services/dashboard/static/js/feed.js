// The live feed of alerts: the recent ones from GET /api/alerts, then new
// ones as they arrive from the SSE stream (GET /api/alerts/stream, resumed
// with Last-Event-ID by the browser itself). If the stream cannot be used —
// the server refuses it, a proxy buffers it, or reads need a bearer token,
// which EventSource cannot send — it falls back to polling /api/alerts?since=
// and tries the stream again now and then.

import { api, readToken } from "./api.js";

const POLL_MS = 4000;
const STREAM_RETRY_MS = 60000;
const MAX_STREAM_ERRORS = 3;

export class AlertFeed {
  /**
   * onAlerts(alerts, {initial}) gets alerts newest first, each once (by seq);
   * onMode(mode, detail) gets "connecting" | "live" | "polling" | "offline".
   */
  constructor({ onAlerts, onMode, limit = 30 }) {
    this.onAlerts = onAlerts;
    this.onMode = onMode;
    this.limit = limit;
    this.lastSeq = 0;
    this.source = null;
    this.timer = null;
    this.retryTimer = null;
    this.stopped = false;
    this.streamErrors = 0;
  }

  async start() {
    this.onMode("connecting");
    try {
      const page = await api.alerts({ limit: this.limit });
      this.deliver(page.items, true);
    } catch (err) {
      this.onMode("offline", err.message);
    }
    if (this.stopped) return;
    if (readToken() || typeof EventSource === "undefined") this.poll();
    else this.stream();
  }

  stop() {
    this.stopped = true;
    this.closeStream();
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
  }

  deliver(alerts, initial = false) {
    const fresh = alerts.filter((a) => a.seq > this.lastSeq).sort((a, b) => b.seq - a.seq);
    if (fresh.length) this.lastSeq = fresh[0].seq;
    if (fresh.length || initial) this.onAlerts(fresh, { initial });
  }

  stream() {
    this.closeStream();
    this.streamErrors = 0;
    const source = new EventSource(`/api/alerts/stream?since=${this.lastSeq}`);
    this.source = source;
    source.onopen = () => {
      this.streamErrors = 0;
      clearTimeout(this.timer);
      this.onMode("live");
    };
    source.onmessage = (ev) => {
      let alert;
      try { alert = JSON.parse(ev.data); } catch { return; }
      alert.seq = Number(ev.lastEventId);
      this.deliver([alert]);
    };
    source.onerror = () => {
      this.streamErrors += 1;
      // CLOSED: the server answered with an error status; CONNECTING: the
      // browser retries by itself, but not forever on our watch.
      if (source.readyState === EventSource.CLOSED || this.streamErrors >= MAX_STREAM_ERRORS) {
        this.closeStream();
        this.poll();
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => { if (!this.stopped) this.stream(); }, STREAM_RETRY_MS);
      } else {
        this.onMode("connecting");
      }
    };
  }

  closeStream() {
    if (this.source) {
      this.source.onopen = this.source.onmessage = this.source.onerror = null;
      this.source.close();
      this.source = null;
    }
  }

  async poll() {
    if (this.stopped || this.source?.readyState === EventSource.OPEN) return;
    clearTimeout(this.timer);
    try {
      const page = await api.alerts({ since: this.lastSeq, limit: 200 });
      this.deliver(page.items);
      if (!this.source) this.onMode("polling");
    } catch (err) {
      this.onMode("offline", err.message);
    }
    if (!this.stopped && !(this.source?.readyState === EventSource.OPEN)) {
      this.timer = setTimeout(() => this.poll(), POLL_MS);
    }
  }
}
