/**
 * Peak RSS per analyze() stage, in MB. The process's maxRSS only ever grows, so when it grew during a stage the
 * stage's peak is exactly the new maxRSS; when it did not, the stage stayed under an earlier peak and its own
 * peak is the highest RSS sampled during it (a timer, plus a reading at each change of stage). The timer cannot
 * fire while JavaScript runs synchronously, so a stage that never beats the earlier peak may be understated by
 * what it allocated between two readings.
 */
export interface MemoryReadings {
  /** Current resident set size, bytes. */
  rss(): number;
  /** Peak resident set size of the process so far, bytes. */
  maxRss(): number;
}

const processReadings: MemoryReadings = {
  rss: () => process.memoryUsage.rss(),
  maxRss: () => process.resourceUsage().maxRSS * 1024,
};

export class StagePeaks {
  private current: string | null = null;
  private sampled = 0;
  private maxAtStart = 0;
  private readonly peaks: Record<string, number> = {};
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly read: MemoryReadings = processReadings) {}

  /** Starts sampling every intervalMs (the timer does not keep the process alive). */
  start(intervalMs = 20): void {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Enters a stage (the same stage again is a no-op; a stage seen before gets the larger of its peaks). */
  enter(stage: string): void {
    if (stage === this.current) return;
    this.close();
    this.current = stage;
    this.maxAtStart = this.read.maxRss();
    this.sampled = this.read.rss();
  }

  sample(): void {
    if (this.current !== null) this.sampled = Math.max(this.sampled, this.read.rss());
  }

  /** Ends the current stage and the timer; returns each stage's peak in MB, in order of first entry. */
  finish(): Record<string, number> {
    this.close();
    this.current = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return { ...this.peaks };
  }

  private close(): void {
    if (this.current === null) return;
    this.sample();
    const max = this.read.maxRss();
    const bytes = max > this.maxAtStart ? max : this.sampled;
    const mb = Math.round(bytes / 1024 ** 2);
    this.peaks[this.current] = Math.max(this.peaks[this.current] ?? 0, mb);
  }
}
