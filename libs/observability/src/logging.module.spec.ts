import { isMachinePoll } from './logging.module';

describe(isMachinePoll.name, () => {
  it('skips the access line of probes and Prometheus scrapes, with or without a query', () => {
    for (const url of ['/metrics', '/metrics?name[]=up', '/health/live', '/health/ready'])
      expect({ url, skipped: isMachinePoll(url) }).toEqual({ url, skipped: true });
  });

  it('keeps the access line of every API call, including ones that merely mention metrics or health', () => {
    for (const url of ['/api/auth/login', '/api/metrics', '/metrics-export', '/api/health/ready', '/healthz'])
      expect({ url, skipped: isMachinePoll(url) }).toEqual({ url, skipped: false });
  });
});
