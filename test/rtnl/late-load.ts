/**
 * For the late-loading tests (monitors of 'tc' and 'mdb' load their decoders on first
 * use): the start of a script for a fresh `node --input-type=module -e` process that
 * registers a module hook marking every module under src/rtnl/ whose path matches
 * `modules` (a regular expression's source, e.g. 'tc\\/.*|lazy-apis') when it is
 * evaluated, imports Rtnl and defines `loaded()`, the number of such modules evaluated so
 * far, and `execSync`.
 */
import { pathToFileURL } from 'node:url';

export function lateLoadPrelude(modules: string): string {
  const hooks = `export async function load(url, context, next) {
    const r = await next(url, context);
    if (!/\\/rtnl\\/(${modules})\\.js$/.test(url)) return r;
    const src = typeof r.source === 'string' ? r.source : new TextDecoder().decode(r.source);
    return { ...r, source: src + '\\n;(globalThis.__nlkitLate ??= []).push(' + JSON.stringify(url) + ');' };
  }`;
  const handle = pathToFileURL(new URL('../../src/rtnl/handle.js', import.meta.url).pathname).href;
  return `
    import { register } from 'node:module';
    import { execSync } from 'node:child_process';
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
    const { Rtnl } = await import(${JSON.stringify(handle)});
    const loaded = () => (globalThis.__nlkitLate ?? []).length;`;
}
