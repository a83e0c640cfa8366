/** `work`'s result, or a rejection with `message` once `ms` have passed; the timer never outlives the race. */
export async function withTimeout<T>(work: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `work` settled, either way, within `ms`; false when it was still pending. */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    work.then(
      () => true,
      () => true,
    ),
    ms,
  ).catch(() => false);
}
