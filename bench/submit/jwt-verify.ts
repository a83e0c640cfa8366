/**
 * Micro-benchmark behind a submit-bench finding: jsonwebtoken 9 `verify` with the HS256 secret as a string
 * first tries `crypto.createPublicKey(secret)` on every call (it throws, then createSecretKey is used); with a
 * KeyObject it skips both. passport-jwt passes `secretOrKey` through unchanged.
 * Run: node -r ts-node/register/transpile-only bench/submit/jwt-verify.ts
 */
import { createSecretKey } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { BENCH_JWT_SECRET } from '../lib/bench-env';
import { median, round } from '../lib/stats';

const ROUNDS = 5;
const N = 5_000;

const token = jwt.sign({ sub: 1, username: 'bench', role: 'admin', typ: 'access' }, BENCH_JWT_SECRET, {
  algorithm: 'HS256',
  expiresIn: '1h',
});
const variants: [string, jwt.Secret][] = [
  ['secret as string (as JwtStrategy passes it)', BENCH_JWT_SECRET],
  ['secret as KeyObject (createSecretKey once)', createSecretKey(Buffer.from(BENCH_JWT_SECRET))],
];
const times = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, key] of variants) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < N; i++) jwt.verify(token, key, { algorithms: ['HS256'] });
    const us = Number(process.hrtime.bigint() - started) / 1e3 / N;
    times.set(name, [...(times.get(name) ?? []), us]);
  }
}
for (const [name, us] of times)
  console.log(`${name}: median ${round(median(us), 1)} µs per verify (${ROUNDS} rounds × ${N})`);
