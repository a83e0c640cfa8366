/**
 * Samples this process's resident set size every `everyMs` (default 20 ms). The sampler runs on the event
 * loop, so a long synchronous stretch delays a sample; `process.resourceUsage().maxRSS` (the kernel's high-water
 * mark for the whole process life) is reported beside it as the exact peak.
 */
export interface RssSampler {
  stop(): { peakBytes: number; samples: number };
}

export function sampleRss(everyMs = 20): RssSampler {
  let peak = process.memoryUsage.rss();
  let samples = 1;
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    samples++;
    if (rss > peak) peak = rss;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
      return { peakBytes: peak, samples: samples + 1 };
    },
  };
}

/** Kernel high-water mark of this process's RSS, in bytes. */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
