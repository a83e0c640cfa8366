import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, loadConfig } from '@app/config';
import { RateLimitClass } from './rate-limit.decorators';
import { isExempt, RateLimitPolicy, tierOf, trackerOf } from './rate-limit.policy';

@Controller('sample')
class SampleController {
  @Get()
  read(): void {}

  @Post('rename')
  rename(): void {}

  @Post('submit')
  @RateLimitClass('data_sync')
  submit(): void {}
}

@RateLimitClass('auth')
@Controller('sample-auth')
class SampleAuthController {
  @Post()
  login(): void {}
}

function contextOf(controller: object, handler: string, method = 'POST'): ExecutionContext {
  return {
    getClass: () => controller.constructor,
    getHandler: () => (controller as Record<string, unknown>)[handler],
    switchToHttp: () => ({ getRequest: () => ({ method }) }),
  } as unknown as ExecutionContext;
}

function config(env: Record<string, string> = {}): AppConfig {
  return loadConfig('single', { DATA_DIR: '/tmp', JWT_SECRET: 'x'.repeat(40), REDIS_PREFIX: 'pfx', ...env });
}

describe(RateLimitPolicy.name, () => {
  const policy = new RateLimitPolicy(config({ RATE_LIMIT_PREMIUM_AUTH: '42' }), new Reflector());

  it('puts a route in the class its decorator names, on the handler or the controller, else read or default', () => {
    expect(policy.classOf(contextOf(new SampleController(), 'read', 'GET'))).toBe('read');
    expect(policy.classOf(contextOf(new SampleController(), 'rename'))).toBe('default');
    expect(policy.classOf(contextOf(new SampleController(), 'submit'))).toBe('data_sync');
    expect(policy.classOf(contextOf(new SampleAuthController(), 'login'))).toBe('auth');
  });

  it('takes the default limits per tier and class, overridden per variable', () => {
    expect(policy.limit('admin', 'default')).toBe(200);
    expect(policy.limit('normal', 'data_sync')).toBe(30);
    expect(policy.limit('normal', 'read')).toBe(1200);
    expect(policy.limit('anonymous', 'auth')).toBe(60);
    expect(policy.limit('premium', 'auth')).toBe(42);
    expect(policy.windowMs).toBe(60_000);
  });

  it('keys one counter per class and caller under the Redis prefix', () => {
    expect(policy.key('data_sync', 'user:7')).toBe('pfx:ratelimit:data_sync:user:7');
  });

  it('keys failed logins by a hash of the username, per address and across addresses', () => {
    const pair = policy.loginFailureKey('alice', '203.0.113.7');
    expect(pair).toMatch(/^pfx:ratelimit:login-failures:[0-9a-f]{40}:203\.0\.113\.7$/);
    expect(policy.loginFailureKey('alice')).toBe(pair.slice(0, pair.lastIndexOf(':')));
    expect(policy.loginFailureKey('bob')).not.toBe(policy.loginFailureKey('alice'));
  });
});

describe('rate-limit callers', () => {
  it('are counted by user id and role when signed in, by address as anonymous otherwise', () => {
    expect(tierOf({ user: { id: 7, role: 'premium' }, ip: '10.0.0.1', url: '/' })).toBe('premium');
    expect(trackerOf({ user: { id: 7, role: 'premium' }, ip: '10.0.0.1', url: '/' })).toBe('user:7');
    expect(tierOf({ ip: '10.0.0.1', url: '/' })).toBe('anonymous');
    expect(trackerOf({ ip: '10.0.0.1', url: '/' })).toBe('ip:10.0.0.1');
  });

  it('count an IPv6 client by its /64, so rotating addresses within it does not escape the limit', () => {
    const a = trackerOf({ ip: '2001:db8:1:2::1', url: '/' });
    expect(a).toBe(trackerOf({ ip: '2001:db8:1:2:ffff::9', url: '/' }));
    expect(a).not.toBe(trackerOf({ ip: '2001:db8:1:3::1', url: '/' }));
  });

  it('exempt health probes, metrics and the API docs only', () => {
    expect(isExempt('/api/docs')).toBe(true);
    expect(isExempt('/api/docs/static/index.html')).toBe(true);
    expect(isExempt('/api/docs-json')).toBe(true);
    expect(isExempt('/api/docsx')).toBe(false);
    expect(isExempt('/health/live')).toBe(true);
    expect(isExempt('/health/ready')).toBe(true);
    expect(isExempt('/metrics')).toBe(true);
    expect(isExempt('/metrics?x=1')).toBe(true);
    expect(isExempt('/api/health/live')).toBe(false);
    expect(isExempt('/metricsx')).toBe(false);
    expect(isExempt('/api/data-sync/single')).toBe(false);
  });
});
