// The code examples users copy from README.md and docs/*.md must compile against the
// published API. Every ```ts / ```typescript block is type-checked, in one TypeScript
// program, as a module of a user's project would be: strict, module NodeNext, Node's
// types, and `import … from 'nlkit'` resolved through package.json's `exports` (`types`:
// dist/src/index.d.ts, which the build writes before the tests run) — the blocks are
// virtual files inside the package directory, so 'nlkit' is the package's self-reference,
// resolved exactly as from node_modules/nlkit. Nothing is written to disk, nothing is
// spawned, no network, no privilege; the whole check takes a few seconds.
//
// Users compile with stricter settings than `strict` too, so the program is checked once
// per setting in VARIANTS: strict alone, strict + exactOptionalPropertyTypes (an optional
// property takes `undefined` only where its type says so: `mtu: conf.mtu`, with
// `conf.mtu?: number`, compiles only if the option is `mtu?: number | undefined`), and
// strict + noUncheckedIndexedAccess. Each block has a test per variant.
//
// The same programs hold test/types/user-program.ts: a user's program over the main API
// surface (links, addresses, routes, neighbours, rules, setupVeth, namespaces, monitor,
// a CNI result), which passes possibly-undefined values through to options and copies
// decoded fields into its own types — what the public types must allow under every
// variant. It is compiled only here (tsconfig.json excludes test/types), never run.
//
// Complete examples and fragments:
// - A block that imports from 'nlkit' is a complete program and is checked as it stands.
// - A block that does not is a fragment, read in the context the text around it gives.
//   The test puts a preamble before it (its line numbers are still the block's own):
//   `import { … } from 'nlkit'` of every nlkit export the block names (the README says
//   "Everything is a named export of nlkit"), and declarations of the names the prose
//   defines for its fragments (FRAGMENT_CONTEXT below: `rt`, an open `Rtnl` handle, and
//   `resync()`, a stand-in for the reader's own code), each unless the block declares
//   that name itself.
//
// Not checked (not TypeScript at heart): ```sh blocks (shell commands), ```json blocks
// (a CNI conflist), and untagged blocks (README's sample error messages). A block in any
// other language (```js, say) fails the test: write it as ```ts so that it is checked.
import t from 'tap';
import ts from 'typescript';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/test/ -> the package
const CHECKED = new Set(['ts', 'typescript']);
const NOT_CHECKED = new Set(['sh', 'json', '']);

/** Declarations a fragment may rely on, by the name they declare: what the prose defines. */
const FRAGMENT_CONTEXT: Record<string, string> = {
  // "Rtnl.open({ netns }) opens one NETLINK_ROUTE socket bound to a namespace": the `rt` of the tables.
  rt: "declare const rt: import('nlkit').Rtnl;",
  // README, Events: "the kernel dropped events: dump again" — the reader's own re-read of the state.
  resync: 'declare function resync(): Promise<void>;',
};

interface Block {
  file: string; // relative to the package root, as diagnostics name it
  line: number; // 1-based line of the opening fence
  lang: string;
  code: string;
}

/** Fenced code blocks (``` or ~~~, three or more) of a Markdown file. */
function blocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    out.push({ file, line: i + 1, lang: open[2]!.toLowerCase(), code: body.join('\n') });
    i = j;
  }
  return out;
}

const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const all = docs.flatMap(blocks);
const checked = all.filter((b) => CHECKED.has(b.lang));

/** Settings a user's tsconfig may add to `strict`: the program is checked under each. */
const VARIANTS: ReadonlyArray<{ readonly name: string; readonly options: Readonly<Record<string, boolean>> }> = [
  { name: 'strict', options: {} },
  { name: 'strict + exactOptionalPropertyTypes', options: { exactOptionalPropertyTypes: true } },
  { name: 'strict + noUncheckedIndexedAccess', options: { noUncheckedIndexedAccess: true } },
];

// What a user's tsconfig would say (strict, NodeNext, Node's types), and no output.
const { options, errors: optionErrors } = ts.convertCompilerOptionsFromJson(
  {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'ESNext.Disposable'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    moduleDetection: 'force', // every block is a module of its own, also one without imports
  },
  root,
);

const virtualDir = join(root, '.docs-examples');
const pathOf = (b: Block, i: number): string => join(virtualDir, `${b.file.replace(/\W/g, '_')}_L${b.line}_${i}.ts`);

/** A program over `files` (virtual path -> text), reading everything else from disk. */
function program(files: Map<string, string>, options: ts.CompilerOptions, oldProgram?: ts.Program): ts.Program {
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.directoryExists = (d) => d === virtualDir || (directoryExists?.call(host, d) ?? true);
  host.getSourceFile = (f, langOrOptions, onError, create) => {
    const text = files.get(f);
    return text === undefined ? getSourceFile.call(host, f, langOrOptions, onError, create) : ts.createSourceFile(f, text, langOrOptions, true);
  };
  return ts.createProgram({ rootNames: [...files.keys()], options, host, ...(oldProgram ? { oldProgram } : {}) });
}

/** Every name the package exports (values and types), as the types entry declares them. */
function nlkitExports(): { names: string[]; program: ts.Program } {
  const probe = join(virtualDir, 'exports-probe.ts');
  const p = program(new Map([[probe, "export * as nlkit from 'nlkit';\n"]]), options);
  const checker = p.getTypeChecker();
  const sf = p.getSourceFile(probe)!;
  const decl = sf.statements[0] as ts.ExportDeclaration;
  const sym = checker.getSymbolAtLocation(decl.moduleSpecifier!);
  return { names: sym ? checker.getExportsOfModule(sym).map((s) => s.name) : [], program: p };
}

/** Identifiers a block refers to by name, and the names it declares (comments and property names aside). */
function names(code: string): { used: Set<string>; declared: Set<string> } {
  const used = new Set<string>();
  const declared = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) {
      const p = n.parent;
      const isName = (p as { name?: ts.Node }).name === n;
      if ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n)) {
        // x.NAME, A.NAME: a property, not a binding
      } else if (isName && (ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) ||
        ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p) || ts.isEnumDeclaration(p) || ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p))) {
        declared.add(n.text);
      } else if (!(isName && (ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p)))) {
        used.add(n.text);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest, true));
  return { used, declared };
}

/** The lines put before a fragment (none for a complete example). */
function preamble(code: string, exported: string[]): string[] {
  if (/\bfrom\s+['"]nlkit['"]/.test(code)) return [];
  const { used, declared } = names(code);
  const wanted = (name: string) => used.has(name) && !declared.has(name);
  const imports = exported.filter(wanted);
  const lines = imports.length ? [`import { ${imports.join(', ')} } from 'nlkit';`] : [];
  for (const [name, decl] of Object.entries(FRAGMENT_CONTEXT)) if (wanted(name)) lines.push(decl);
  return lines;
}

t.test('the docs have TypeScript examples, and no block in a language this test ignores', async (t) => {
  t.ok(checked.length > 0, `${checked.length} ts blocks found in ${docs.join(', ')}`);
  const other = all.filter((b) => !CHECKED.has(b.lang) && !NOT_CHECKED.has(b.lang)).map((b) => `${b.file}:${b.line}: \`\`\`${b.lang}`);
  t.same(other, [], 'every block is ts (checked), sh, json or untagged (not code): tag TypeScript as ```ts so that it is checked');
  t.comment(`not checked: ${all.filter((b) => !CHECKED.has(b.lang)).map((b) => `${b.file}:${b.line} (${b.lang || 'untagged'})`).join(', ')}`);
});

// One program per variant for all blocks and the user program (one type-check each: a
// few seconds), then a test per block and variant.
const started = Date.now();
const { names: exported, program: probe } = nlkitExports();
const files = new Map<string, string>();
const fragments = new Map<string, { block: Block; preamble: string[] }>();
checked.forEach((b, i) => {
  const pre = preamble(b.code, exported);
  files.set(pathOf(b, i), [...pre, b.code].join('\n') + '\n');
  fragments.set(pathOf(b, i), { block: b, preamble: pre });
});
const USER_PROGRAM = 'test/types/user-program.ts';
const userProgramPath = join(virtualDir, 'user-program.ts');
files.set(userProgramPath, readFileSync(join(root, USER_PROGRAM), 'utf8'));
const programs: Array<{ variant: (typeof VARIANTS)[number]; program: ts.Program }> = [];
for (const variant of VARIANTS) {
  const old = programs.at(-1)?.program ?? probe;
  programs.push({ variant, program: program(files, { ...options, ...variant.options }, old) });
}
const globalDiagnostics = programs.flatMap(({ variant, program: p }) =>
  [...p.getOptionsDiagnostics(), ...p.getGlobalDiagnostics()].map((d) => `${variant.name}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`));

t.test("'nlkit' resolves to the package's own types, with user-like compiler options", async (t) => {
  t.same([...optionErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')), ...globalDiagnostics], [], 'no option or global diagnostics');
  t.ok(exported.includes('Rtnl') && exported.includes('setupVeth'), `${exported.length} exports, Rtnl and setupVeth among them`);
});

/**
 * Diagnostics of one virtual file, each as `file:line:col: error … | source line`: `code`
 * is the file's text after the `pre` lines, and its first line is line `firstLine` of `file`.
 */
function diagnosticsOf(p: ts.Program, path: string, file: string, firstLine: number, pre: readonly string[], code: string): string[] {
  const sf = p.getSourceFile(path)!;
  const lines = code.split('\n');
  return [...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)].map((d) => {
    const text = `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    if (d.start === undefined) return `${file}: ${text}`;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    const inBlock = line - pre.length;
    if (inBlock < 0) return `${file}: ${text} (in the preamble this test adds to the fragment: ${pre[line]})`;
    return `${file}:${firstLine + inBlock}:${character + 1}: ${text} | ${lines[inBlock]!.trim()}`;
  });
}

for (const { variant, program: p } of programs) {
  const under = Object.keys(variant.options).length ? ` under ${variant.name}` : '';
  for (const [path, { block, preamble: pre }] of fragments) {
    const where = `${block.file}:${block.line}`;
    const kind = pre.length ? 'fragment' : 'complete example';
    t.test(`${where}: the ts block (${kind}) compiles${under}`, async (t) => {
      if (pre.length) t.comment(`preamble: ${pre.join(' ')}`);
      const messages = diagnosticsOf(p, path, block.file, block.line + 1, pre, block.code).map((m) => `${m} (ts block at line ${block.line}; ${variant.name})`);
      for (const m of messages) console.error(m);
      t.same(messages, [], `${where}: no diagnostics (${variant.name})`);
    });
  }
  t.test(`${USER_PROGRAM}: a user's program over the main API compiles${under}`, async (t) => {
    const messages = diagnosticsOf(p, userProgramPath, USER_PROGRAM, 1, [], files.get(userProgramPath)!).map((m) => `${m} (${variant.name})`);
    for (const m of messages) console.error(m);
    t.same(messages, [], `${USER_PROGRAM}: no diagnostics (${variant.name})`);
  });
}

t.teardown(() => console.log(`# type-checked ${checked.length} blocks and ${USER_PROGRAM} under ${VARIANTS.length} settings in ${Date.now() - started} ms`));
