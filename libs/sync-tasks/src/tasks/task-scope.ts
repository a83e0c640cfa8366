/** Whose tasks a caller may see: a user their own, an admin all. Every task read takes one. */
export type TaskScope = { kind: 'user'; userId: number } | { kind: 'admin' };
