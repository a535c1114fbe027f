/**
 * Object APIs of the Rtnl handle whose code is loaded on first use (traffic control,
 * nexthop objects, the bridge multicast database): their modules are a quarter of nlkit's code, and a process that
 * never calls them — a CNI plugin started for every container — should not parse them at
 * start. Every method of those APIs is async, so a stand-in whose methods load the
 * module, make the real API and call it can take the API's place until then.
 * @module
 */

/**
 * @internal A stand-in for an API object of type `T` (every method async): `api.m(…)`
 * resolves `load()` (once), then calls `m` on what it gives. Reading anything but a
 * method (a field) is not supported: the APIs behind it have none.
 */
export function lazyApi<T extends object>(load: () => Promise<T>, name: string): T {
  const methods = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as T, {
    get(_, prop) {
      // Not a thenable (`await rt.qdisc` must not call a 'then'), and no symbol-keyed methods.
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      let m = methods.get(prop);
      if (!m) {
        m = (...args: unknown[]) => load().then((api) => {
          const f = (api as Record<PropertyKey, unknown>)[prop];
          if (typeof f !== 'function') throw new TypeError(`${name}.${String(prop)} is not a function`);
          return (f as (...a: unknown[]) => Promise<unknown>).apply(api, args);
        });
        methods.set(prop, m);
      }
      return m;
    },
  });
}
