// The published types are dist/src/**/*.d.ts (package.json "types" and "files"), which
// tsc writes with `stripInternal`: what the source marks @internal (helpers other modules
// share, test seams, the factories of objects users get from nlkit) is left out, so users
// neither see it in completions nor come to depend on it. Only what src/index.ts exports
// is public API. This test holds the shipped declarations to that:
// - test/types/user-program.ts compiles against them — 'nlkit' resolved through
//   package.json's exports to dist/src/index.d.ts, not to the .ts sources — under strict +
//   exactOptionalPropertyTypes, with skipLibCheck off, so that a declaration left naming a
//   stripped type (a dangling name, which skipLibCheck would hide) is an error;
// - the classes users get from nlkit (Rtnl.open, rt.link …, rt.monitor(), setupVeth) show
//   a private constructor: `new LinkApi()` does not compile;
// - no `@internal` text and none of the internal names listed below is in any of them.
// (test/docs-examples.test.ts compiles the docs and the user program under more settings,
// with skipLibCheck on.) Nothing is written, spawned or sent; a few seconds.
import t from 'tap';
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/test/ -> the package
const distSrc = join(root, 'dist', 'src');

/** Module-level declarations marked @internal (and types only they use): no shipped .d.ts may declare them. */
const INTERNAL_DECLARATIONS = [
  'handleFd', 'netnsStringAdvice', 'readHandleFd', 'switchBack', 'checkOptionKeys', 'showValue',
  'listingHooks', 'MonitorHost', 'nameSlot', 'macSlot', 'decodeAddrGeneral', 'RESULT_SHAPES',
  'RtnlCore', 'missingLink', 'noReply', 'cniRouteSpec',
  // What a monitor of 'tc' loads late, and the stand-ins registered for the tc types until then.
  'listTc', 'decodeQdiscEvent', 'decodeTcClassEvent', 'decodeFilterEvent',
];
/** Members marked @internal, by class: none may be in the class's shipped declaration. */
const INTERNAL_MEMBERS: Record<string, readonly string[]> = {
  Rtnl: ['netnsHolder', 'openedByPid', 'linkIndex', 'where', 'linkHwAddrLen'],
  LinkApi: ['of', 'hwAddrLen'],
  AddrApi: ['of'], RouteApi: ['of'], NeighApi: ['of'], RuleApi: ['of'], FdbApi: ['of'], VlanApi: ['of'], FilterApi: ['of'], NexthopApi: ['of'],
  Monitor: ['open'],
  Veth: ['of'],
};
/** Names of the handle's internals, which no shipped text may mention (a public interface re-exposing them, as MonitorHost did). */
const INTERNAL_TEXT = ['@internal', 'netnsHolder', 'openedByPid', 'linkIndex', 'linkHwAddrLen', 'hwAddrLen'];
/** Classes users get from nlkit, never make: `new` on them must not compile. */
const NOT_CONSTRUCTIBLE = ['Rtnl', 'LinkApi', 'AddrApi', 'RouteApi', 'NeighApi', 'RuleApi', 'FdbApi', 'VlanApi', 'FilterApi', 'NexthopApi', 'Monitor', 'Veth'];
// Traffic control: rt.qdisc and rt.class.
INTERNAL_MEMBERS['QdiscApi'] = ['of'];
INTERNAL_MEMBERS['ClassApi'] = ['of'];
NOT_CONSTRUCTIBLE.push('QdiscApi', 'ClassApi');
// The bridge multicast database: rt.mdb.
INTERNAL_MEMBERS['MdbApi'] = ['of'];
NOT_CONSTRUCTIBLE.push('MdbApi');

function dtsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? dtsFiles(p) : e.endsWith('.d.ts') ? [p] : [];
  }).sort();
}
const shipped = dtsFiles(distSrc);
const rel = (f: string): string => relative(root, f);

// A user's tsconfig (as in test/docs-examples.test.ts), stricter: exactOptionalPropertyTypes, skipLibCheck off.
const { options, errors: optionErrors } = ts.convertCompilerOptionsFromJson(
  {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'ESNext.Disposable'], types: ['node'],
    strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true, moduleDetection: 'force',
  },
  root,
);

// Virtual files inside the package directory, so that 'nlkit' is the package's
// self-reference, resolved as from node_modules/nlkit (package.json exports -> types).
const virtualDir = join(root, '.declarations-test');
const userProgram = join(virtualDir, 'user-program.ts');
const constructions = join(virtualDir, 'constructions.ts');
const constructionLines = ["import * as nlkit from 'nlkit';", ...NOT_CONSTRUCTIBLE.map((c) => `new nlkit.${c}();`)];
const files = new Map([
  [userProgram, readFileSync(join(root, 'test/types/user-program.ts'), 'utf8')],
  [constructions, constructionLines.join('\n') + '\n'],
]);
const host = ts.createCompilerHost(options, true);
const { fileExists, readFile, getSourceFile, directoryExists } = host;
host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
host.directoryExists = (d) => d === virtualDir || (directoryExists?.call(host, d) ?? true);
host.getSourceFile = (f, lang, onError, create) => {
  const text = files.get(f);
  return text === undefined ? getSourceFile.call(host, f, lang, onError, create) : ts.createSourceFile(f, text, lang, true);
};
const program = ts.createProgram({ rootNames: [...files.keys()], options, host });

const show = (d: ts.Diagnostic): string => {
  const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${rel(d.file.fileName)}:${line + 1}:${character + 1}: ${text}`;
};

t.test("'nlkit' resolves to the shipped declarations, not to the sources", async (t) => {
  t.same([...optionErrors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(show), [], 'no option or global diagnostics');
  t.ok(shipped.length > 10, `${shipped.length} .d.ts files under dist/src`);
  const resolved = ts.resolveModuleName('nlkit', userProgram, options, host).resolvedModule?.resolvedFileName;
  t.equal(resolved, join(distSrc, 'index.d.ts'), "'nlkit' is dist/src/index.d.ts");
  const ours = program.getSourceFiles().map((s) => s.fileName).filter((f) => f.startsWith(root) && !f.startsWith(virtualDir) && !f.includes('/node_modules/'));
  t.ok(ours.length > 10, `${ours.length} of the package's files in the program`);
  t.same(ours.filter((f) => !f.startsWith(distSrc + '/') || !f.endsWith('.d.ts')).map(rel), [], 'every one of them is a shipped .d.ts');
});

t.test('test/types/user-program.ts and the declarations it reaches compile (strict + exactOptionalPropertyTypes, skipLibCheck off)', async (t) => {
  const checked = program.getSourceFiles().filter((s) => s.fileName === userProgram || s.fileName.startsWith(distSrc + '/'));
  const messages = checked.flatMap((s) => [...program.getSyntacticDiagnostics(s), ...program.getSemanticDiagnostics(s)]).map(show);
  for (const m of messages) console.error(m);
  t.same(messages, [], `no diagnostics in ${checked.length} files`);
});

t.test('the classes users get from nlkit have a private constructor: `new X()` does not compile', async (t) => {
  const sf = program.getSourceFile(constructions)!;
  const byLine = new Map<number, number[]>();
  for (const d of program.getSemanticDiagnostics(sf)) {
    const line = sf.getLineAndCharacterOfPosition(d.start ?? 0).line;
    byLine.set(line, [...(byLine.get(line) ?? []), d.code]);
  }
  t.same(byLine.get(0) ?? [], [], 'the import compiles');
  NOT_CONSTRUCTIBLE.forEach((c, i) => {
    // TS2673: "Constructor of class 'X' is private and only accessible within the class declaration."
    t.same(byLine.get(i + 1) ?? [], [2673], `${constructionLines[i + 1]}: TS2673, the constructor is private`);
  });
});

t.test('no @internal text, and no internal name, in any shipped .d.ts', async (t) => {
  const found: string[] = [];
  for (const f of shipped) {
    const text = readFileSync(f, 'utf8');
    for (const s of INTERNAL_TEXT) if (new RegExp(`${s.startsWith('@') ? '' : '\\b'}${s}\\b`).test(text)) found.push(`${rel(f)}: mentions ${s}`);
    const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node, cls: string | undefined): void => {
      const name = (n as { name?: ts.Node }).name;
      if (ts.isDeclarationStatement(n) || ts.isVariableDeclaration(n)) {
        if (name && ts.isIdentifier(name) && INTERNAL_DECLARATIONS.includes(name.text)) found.push(`${rel(f)}: declares ${name.text}`);
      }
      if (cls !== undefined && ts.isClassElement(n) && name && ts.isIdentifier(name) && INTERNAL_MEMBERS[cls]?.includes(name.text)) {
        found.push(`${rel(f)}: ${cls} has ${name.text}`);
      }
      const inner = ts.isClassDeclaration(n) && n.name ? n.name.text : cls;
      ts.forEachChild(n, (c) => visit(c, inner));
    };
    visit(sf, undefined);
  }
  t.same(found, [], `${shipped.length} files`);
});

// A type a public signature names (a parameter's, a field's, a base's) is one users need to
// name too — to annotate a variable they pass, or to follow a doc comment's {@link} — so it
// must be exported from 'nlkit' as well: `import type { LinkWriteOptions } from 'nlkit'`
// failed although `rt.link.add(spec, options: LinkWriteOptions)` takes it. Walked from every
// export of 'nlkit' through the declarations it reaches (private members aside); a module's
// own unexported helper types (the mapped-type machinery behind an exported alias) are not
// names users are meant to write, so only types their module exports count.
t.test('every type a public declaration names is exported from nlkit too', async (t) => {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(distSrc, 'index.d.ts'));
  const mod = index && checker.getSymbolAtLocation(index);
  t.ok(mod, 'dist/src/index.d.ts is in the program');
  if (!mod) return;
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exported = new Set(checker.getExportsOfModule(mod).map(resolve));
  const isNamedType = ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum;
  const ours = (d: ts.Node): boolean => d.getSourceFile().fileName.startsWith(distSrc + '/');
  const exportedByItsModule = (d: ts.Node): boolean => ts.canHaveModifiers(d) && !!ts.getModifiers(d)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const queue = [...exported];
  const visited = new Set(queue);
  const missing = new Map<string, string>();
  const visit = (n: ts.Node, from: string): void => {
    if (ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Private) return;
    const name = ts.isTypeReferenceNode(n) ? n.typeName : ts.isExpressionWithTypeArguments(n) ? n.expression : ts.isImportTypeNode(n) ? n.qualifier : ts.isTypeQueryNode(n) ? n.exprName : undefined;
    const at = name && (ts.isQualifiedName(name) ? name.right : ts.isPropertyAccessExpression(name) ? name.name : name);
    const raw = at && checker.getSymbolAtLocation(at);
    const s = raw && resolve(raw);
    const decl = s?.declarations?.[0];
    if (s && decl && ours(decl) && s.flags & isNamedType && exportedByItsModule(decl) && !visited.has(s)) {
      visited.add(s);
      queue.push(s);
      if (!exported.has(s)) missing.set(s.name, `${from} (declared in ${rel(decl.getSourceFile().fileName)})`);
    }
    ts.forEachChild(n, (c) => visit(c, from));
  };
  for (let s = queue.shift(); s; s = queue.shift()) {
    for (const d of s.declarations ?? []) if (ours(d)) visit(d, s.name);
  }
  t.ok(visited.size > 200, `${visited.size} types and values reached`);
  t.same([...missing].map(([n, from]) => `${n}, named by ${from}`).sort(), [], "types public declarations name that 'nlkit' does not export");
});

// What an editor shows on hover is the doc comment: every export of 'nlkit' has one, and so
// does every member users can reach of an exported class or interface (CniError's `code`
// showed nothing, where the class's own text said what codes mean).
t.test('every export of nlkit, and every public member of an exported class or interface, has a doc comment', async (t) => {
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(distSrc, 'index.d.ts'));
  const mod = index && checker.getSymbolAtLocation(index);
  if (!mod) return t.fail('dist/src/index.d.ts is not in the program');
  const undocumented: string[] = [];
  const exportedNames = new Set(checker.getExportsOfModule(mod).map((e) => e.name));
  const doc = (s: ts.Symbol): boolean => ts.displayPartsToString(s.getDocumentationComment(checker)).trim() !== '';
  for (const e of checker.getExportsOfModule(mod)) {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    if (!doc(s)) undocumented.push(e.name);
    for (const d of s.declarations ?? []) {
      if (!ts.isClassDeclaration(d) && !ts.isInterfaceDeclaration(d)) continue;
      for (const m of d.members) {
        if (ts.isConstructorDeclaration(m) || !m.name || ts.isPrivateIdentifier(m.name)) continue;
        // A brand keyed by a unique symbol nlkit does not export ([NETLINK]: true) is out of users' reach.
        if (ts.isComputedPropertyName(m.name) && ts.isIdentifier(m.name.expression) && !exportedNames.has(m.name.expression.text)) continue;
        if (ts.getCombinedModifierFlags(m as ts.Declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
        // A computed name ([Symbol.hasInstance]) has no symbol of its own here: its comment is read off the node.
        const member = ts.isComputedPropertyName(m.name) ? undefined : checker.getSymbolAtLocation(m.name);
        const documented = member ? doc(member) : ts.getJSDocCommentsAndTags(m).length > 0;
        if (!documented) undocumented.push(`${e.name}.${m.name.getText()}`);
      }
    }
  }
  t.same(undocumented.sort(), [], 'exports and members without a doc comment');
});
