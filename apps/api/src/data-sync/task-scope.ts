import { AuthUser } from '@app/auth';
import { Submission, TaskScope } from '@app/sync-tasks';
import { PriorityDto } from './dto/data-sync.dto';

export function scopeOf(user: AuthUser): TaskScope {
  return user.role === 'admin' ? { kind: 'admin' } : { kind: 'user', userId: user.id };
}

export function submission(owner: AuthUser, body: PriorityDto, idempotencyKey?: string): Submission {
  return { owner, priority: body.priority, idempotencyKey };
}
