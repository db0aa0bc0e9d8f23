export interface InFlightSettings {
  /** Requests served at once by this instance; 0 turns the cap off. */
  maxInFlight: number;
  /** Requests that may wait for a slot; beyond this they are refused at once. */
  maxQueued: number;
  /** How long a request may wait for a slot before it is refused. */
  queueTimeoutMs: number;
}

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: 'queue full' | 'queue timeout' };

/**
 * A cap on the work one instance takes on at once: up to `maxInFlight` requests run, up to `maxQueued` more
 * wait in arrival order, and the rest are refused straight away (the caller answers 503 with Retry-After).
 * A flood then gets quick answers instead of every request slowing down until all of them time out.
 */
export class InFlightGate {
  private running = 0;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(private readonly s: InFlightSettings) {}

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  admit(): Promise<Admission> {
    if (this.s.maxInFlight <= 0) return Promise.resolve({ admitted: true, release: () => undefined });
    if (this.running < this.s.maxInFlight) {
      this.running++;
      return Promise.resolve({ admitted: true, release: this.releaser() });
    }
    if (this.waiting.length >= this.s.maxQueued) return Promise.resolve({ admitted: false, reason: 'queue full' });
    return new Promise<Admission>((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          this.running++;
          resolve({ admitted: true, release: this.releaser() });
        },
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve({ admitted: false, reason: 'queue timeout' });
        }, this.s.queueTimeoutMs),
      };
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      this.waiting.shift()?.grant();
    };
  }
}
