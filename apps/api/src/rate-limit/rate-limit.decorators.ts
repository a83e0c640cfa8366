import { SetMetadata } from '@nestjs/common';
import { EndpointClass } from '@app/config';

export const RATE_LIMIT_CLASS = 'rate-limit:class';

/** Counts a route against the `auth` or `data_sync` limits; other routes are `read` (GET) or `default`. */
export const RateLimitClass = (cls: Exclude<EndpointClass, 'default' | 'read'>) => SetMetadata(RATE_LIMIT_CLASS, cls);
