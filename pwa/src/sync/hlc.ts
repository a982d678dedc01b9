/**
 * Hybrid logical clock, same wire format as the server (DESIGN.md §2):
 * `{ms:015d}:{c:04x}:{replica}` — sorts lexicographically in causal-then-wall-clock order.
 */
export interface HlcState {
  ms: number;
  c: number;
}

export interface ParsedTs {
  ms: number;
  c: number;
  replica: string;
}

export function formatTs(ms: number, c: number, replica: string): string {
  return `${String(Math.floor(ms)).padStart(15, "0")}:${c.toString(16).padStart(4, "0")}:${replica}`;
}

export function parseTs(ts: string): ParsedTs {
  const m = /^(\d{15}):([0-9a-f]{4}):(.+)$/.exec(ts);
  if (!m) throw new Error(`bad hlc timestamp: ${ts}`);
  return { ms: parseInt(m[1]!, 10), c: parseInt(m[2]!, 16), replica: m[3]! };
}

const MAX_COUNTER = 0xffff;

export class Hlc {
  state: HlcState;
  /** Correction added to the device clock (ms), learnt from the server after `clock_ahead`. */
  offset: number;

  constructor(
    readonly replica: string,
    state: HlcState = { ms: 0, c: 0 },
    offset = 0,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.state = { ...state };
    this.offset = offset;
  }

  physical(): number {
    return Math.floor(this.clock() + this.offset);
  }

  /** A timestamp for a new local event. */
  now(): string {
    const pt = this.physical();
    if (pt > this.state.ms) {
      this.state = { ms: pt, c: 0 };
    } else {
      this.bump();
    }
    return formatTs(this.state.ms, this.state.c, this.replica);
  }

  /** Observe a timestamp from elsewhere: the next `now()` sorts after it (as the server's `observe`). */
  receive(ts: string): void {
    let r: ParsedTs;
    try {
      r = parseTs(ts);
    } catch {
      return;
    }
    if (r.ms > this.state.ms || (r.ms === this.state.ms && r.c > this.state.c)) {
      this.state = { ms: r.ms, c: r.c };
    }
  }

  /**
   * The server said our clock runs ahead (`clock_ahead`): take its time as the truth,
   * remember the offset for the physical clock, and restart the logical clock there.
   */
  correct(serverTs: string): void {
    const s = parseTs(serverTs);
    this.offset = s.ms - this.clock();
    this.state = { ms: s.ms, c: s.c };
  }

  private bump(): void {
    if (this.state.c >= MAX_COUNTER) {
      this.state = { ms: this.state.ms + 1, c: 0 };
    } else {
      this.state = { ms: this.state.ms, c: this.state.c + 1 };
    }
  }
}
