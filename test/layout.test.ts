// The layout holds its shape (README, How it fits together): no module imports itself back through others, collectors
// know nothing of the store, and no source cites a file outside the repository, which a user's clone does not have.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'collectors', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The project files a file imports: static imports, re-exports and import() of a literal path, type-only ones too. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)].map((m) => m[1] ?? m[2]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts'));
}

/** Groups of files that import each other in a loop (Tarjan's strongly connected components of more than one file). */
function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(relative(ROOT, member));
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

describe('the layout', () => {
  const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));

  it('has no import cycles', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    expect(importCycles(graph)).toEqual([]);
  });

  it('keeps collectors apart from the store and the sync: they produce records, the sync runs them and hands them to the store', () => {
    const collectors = files.filter((file) => relative(ROOT, file).startsWith('collectors/'));
    const into = (dir: string) =>
      collectors.flatMap((file) =>
        importsOf(file)
          .filter((target) => relative(ROOT, target).startsWith(dir))
          .map((target) => `${relative(ROOT, file)} -> ${relative(ROOT, target)}`),
      );
    expect(collectors.length).toBeGreaterThan(0);
    expect(into('src/store/')).toEqual([]);
    expect(into('src/sync/')).toEqual([]);
  });

  it('points every arrow one way: collectors → sync → store ← graphql ← controls, server, cli (docs/architecture.md)', () => {
    // What each layer may not import: anything above it in the data flow. src/assets and src/model are read by all.
    const forbidden: Record<string, readonly string[]> = {
      'src/model/': ['collectors/'],
      'src/assets/': ['src/store/', 'src/sync/', 'src/graphql/', 'src/controls/', 'src/server/', 'src/cli/', 'src/simulator/', 'collectors/'],
      'collectors/': ['src/store/', 'src/sync/', 'src/graphql/', 'src/controls/', 'src/server/', 'src/cli/', 'src/simulator/'],
      'src/store/': ['src/sync/', 'src/graphql/', 'src/controls/', 'src/server/', 'src/cli/', 'src/simulator/', 'collectors/'],
      'src/sync/': ['src/graphql/', 'src/controls/', 'src/server/', 'src/cli/', 'src/simulator/'],
      'src/graphql/': ['src/sync/', 'src/controls/', 'src/server/', 'src/cli/', 'src/simulator/', 'collectors/'],
      'src/controls/': ['src/sync/', 'src/server/', 'src/cli/', 'src/simulator/', 'collectors/'],
      'src/server/': ['src/sync/', 'src/cli/', 'src/simulator/', 'collectors/'],
      'src/simulator/': ['src/store/', 'src/sync/', 'src/graphql/', 'src/controls/', 'src/server/', 'src/cli/', 'collectors/'],
    };
    const wrong = files.flatMap((file) => {
      const from = relative(ROOT, file);
      const layer = Object.keys(forbidden).find((dir) => from.startsWith(dir));
      if (!layer) return [];
      return importsOf(file)
        .map((target) => relative(ROOT, target))
        .filter((to) => forbidden[layer]!.some((dir) => to.startsWith(dir)) || (layer === 'src/model/' && !to.startsWith('src/model/') && to.startsWith('src/')))
        .map((to) => `${from} -> ${to}`);
    });
    expect(wrong).toEqual([]);
  });

  it('finds a cycle where there is one (the check itself)', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(importCycles(graph)).toHaveLength(1);
    expect(importCycles(graph)[0]).toHaveLength(3);
  });

  it('cites no design file outside the repository', () => {
    const citing = [...files, join(ROOT, 'README.md')].filter((file) => /DESIGN\.md/.test(readFileSync(file, 'utf8')));
    expect(citing.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
