import { Injectable } from '@nestjs/common';

export type LivenessCheck = () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;

/** Extra liveness checks a process registers (the worker: proof that it still consumes jobs). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, LivenessCheck>();

  addLivenessCheck(name: string, check: LivenessCheck): void {
    this.checks.set(name, check);
  }

  liveness(): [string, LivenessCheck][] {
    return [...this.checks];
  }
}
