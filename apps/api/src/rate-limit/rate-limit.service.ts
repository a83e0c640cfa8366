import { Injectable } from '@nestjs/common';
import { AuthUser } from '@app/auth';
import { ENDPOINT_CLASSES, EndpointClass } from '@app/config';
import { RateLimitInfoDto } from './dto/rate-limit.dto';
import { RateLimitPolicy, trackerOf } from './rate-limit.policy';
import { RateLimitStore } from './rate-limit.store';

type PerClass = { [C in EndpointClass]: number };

@Injectable()
export class RateLimitService {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly store: RateLimitStore,
  ) {}

  /** The caller's tier, limits and what is left of each class's current window. */
  async info(user: Pick<AuthUser, 'id' | 'role'>): Promise<RateLimitInfoDto> {
    const { enabled, windowSeconds } = this.policy.settings;
    const tracker = trackerOf({ user, ip: '', url: '' });
    const counts = enabled
      ? await this.store.peek(ENDPOINT_CLASSES.map((cls) => this.policy.key(cls, tracker)))
      : ENDPOINT_CLASSES.map(() => ({ hits: 0, resetMs: 0 }));
    const limits = perClass((cls) => this.policy.limit(user.role, cls));
    const at = (cls: EndpointClass) => counts[ENDPOINT_CLASSES.indexOf(cls)];
    return {
      tier: user.role,
      enabled,
      window_seconds: windowSeconds,
      store: this.store.backend,
      limits,
      remaining: perClass((cls) => Math.max(0, limits[cls] - at(cls).hits)),
      reset_seconds: perClass((cls) => Math.ceil(at(cls).resetMs / 1000)),
    };
  }
}

function perClass(value: (cls: EndpointClass) => number): PerClass {
  return { read: value('read'), default: value('default'), data_sync: value('data_sync'), auth: value('auth') };
}
