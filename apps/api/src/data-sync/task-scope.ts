import { AuthUser } from '@app/auth';
import { TaskScope } from '@app/sync-tasks';

export function scopeOf(user: AuthUser): TaskScope {
  return user.role === 'admin' ? { kind: 'admin' } : { kind: 'user', userId: user.id };
}
