import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { AppConfig } from '@app/config';

@Injectable()
export class PasswordService {
  constructor(private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    const cost = this.config.auth.passwordHash;
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: cost.memoryKib,
      timeCost: cost.timeCost,
      parallelism: cost.parallelism,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // malformed hash: treat as a mismatch, never as a server error
    }
  }
}
