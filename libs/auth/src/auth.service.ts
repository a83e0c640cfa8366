import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError } from '@app/common';
import { Role } from '@app/db';
import { AuthUser, TokenPair } from './auth.types';
import { PasswordService } from './password.service';
import { TokenService } from './token.service';
import { User, UsersRepository } from './users.repository';

const MIN_PASSWORD_LENGTH = 8;

@Injectable()
export class AuthService {
  // Verified against when the user does not exist, so response time does not reveal usernames.
  private dummyHash?: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {}

  async login(username: string, password: string): Promise<TokenPair> {
    const user = await this.users.findByUsername(username);
    this.dummyHash ??= this.passwords.hash(randomUUID());
    const ok = await this.passwords.verify(user?.passwordHash ?? (await this.dummyHash), password);
    if (!user || !ok || user.disabled) {
      throw new DomainError('INVALID_CREDENTIALS', 'Invalid username or password');
    }
    return this.tokens.issuePair(toAuthUser(user));
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = await this.tokens.consumeRefresh(refreshToken);
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabled) throw new DomainError('INVALID_TOKEN', 'Invalid token: user no longer active');
    return this.tokens.issuePair(toAuthUser(user), claims.fam);
  }

  async createUser(username: string, password: string, role: Role): Promise<User> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new DomainError('VALIDATION_FAILED', `Password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const created = await this.users.create({ username, passwordHash: await this.passwords.hash(password), role });
    if (!created) throw new DomainError('DUPLICATE', `User ${username} already exists`, { username });
    return created;
  }

  async setPassword(username: string, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new DomainError('VALIDATION_FAILED', `Password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (!(await this.users.setPassword(username, await this.passwords.hash(password)))) {
      throw DomainError.notFound('User', username);
    }
  }

  quotaLimit(role: Role): number {
    return this.config.limits.quota[role];
  }
}

export function toAuthUser(user: User): AuthUser {
  return { id: user.id, username: user.username, role: user.role };
}
