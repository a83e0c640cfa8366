import 'reflect-metadata';

type Class<T> = abstract new (...args: never[]) => T;

/**
 * A typed fake of a class: every method is a jest.fn that throws until the test stubs it, so a call the test
 * did not expect fails loudly instead of returning undefined.
 */
export function automock<T extends object>(Type: Class<T>): jest.Mocked<T> {
  const fake: Record<string, jest.Mock> = {};
  for (
    let proto = Type.prototype as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name === 'constructor' || name in fake || typeof method !== 'function') continue;
      fake[name] = jest.fn((): never => {
        throw new Error(`${Type.name}.${name}() was called but the test did not stub it`);
      });
    }
  }
  return fake as unknown as jest.Mocked<T>;
}

type Mocks<P extends unknown[]> = { [K in keyof P]: jest.Mocked<P[K]> };
/** Real dependencies by constructor position, e.g. `{ 0: config }`. */
type Given<P extends unknown[]> = { [K in Exclude<keyof P, keyof unknown[]>]?: P[K] };

/**
 * Builds `Service` with a typed fake (`automock`) for every constructor dependency, read from Nest's
 * `design:paramtypes`; `given` supplies real values by position (config, metrics…). The fakes come back in
 * constructor order: `const { sut, mocks: [tasks, catalog] } = newTestService(TaskControlService)`.
 */
export function newTestService<S, P extends unknown[]>(
  Service: new (...args: P) => S,
  given: Given<P> = {},
): { sut: S; mocks: Mocks<P> } {
  const types = (Reflect.getMetadata('design:paramtypes', Service) ?? []) as (Class<object> | undefined)[];
  const deps = types.map((type, i) => {
    if (i in given) return (given as Record<number, unknown>)[i];
    if (!type || type === Object) throw new Error(`${Service.name}: give dependency #${i}, it has no class to fake`);
    return automock(type);
  });
  return { sut: new Service(...(deps as P)), mocks: deps as Mocks<P> };
}
