// The stored named fragments (schema/fragments.graphql): appended to any document that spreads one of them
// without defining it, so a stored check can be pasted as `{ trails(where:{kmsKeyID:""}){...AssetFragment} }`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, visit, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import { SCHEMA_DIR } from '../paths.js';

export type StoredFragments = ReadonlyMap<string, FragmentDefinitionNode>;

export function loadStoredFragments(file = join(SCHEMA_DIR, 'fragments.graphql')): StoredFragments {
  const document = parse(readFileSync(file, 'utf8'));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) throw new Error(`${file}: only fragment definitions belong here`);
    fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The stored fragments a document needs but does not define, including those the appended ones spread in turn. */
export function missingStoredFragments(document: DocumentNode, stored: StoredFragments): FragmentDefinitionNode[] {
  const defined = new Set(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => d.name.value));
  const missing: FragmentDefinitionNode[] = [];
  const pending = [document as DocumentNode | FragmentDefinitionNode];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const name = node.name.value;
        const fragment = stored.get(name);
        if (defined.has(name) || !fragment) return;
        defined.add(name);
        missing.push(fragment);
        pending.push(fragment);
      },
    });
  }
  return missing;
}

export function withStoredFragments(document: DocumentNode, stored: StoredFragments): DocumentNode {
  const missing = missingStoredFragments(document, stored);
  return missing.length === 0 ? document : { ...document, definitions: [...document.definitions, ...missing] };
}

/**
 * The same for query text, as HTTP requests carry it. Text that does not parse is returned unchanged, so the
 * GraphQL server reports the syntax error against what the client sent.
 */
export function withStoredFragmentsText(query: string, stored: StoredFragments): string {
  // Most requests name no stored fragment: skip the extra parse for them.
  if (![...stored.keys()].some((name) => query.includes(name))) return query;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return query;
  }
  const missing = missingStoredFragments(document, stored);
  return missing.length === 0 ? query : `${query}\n\n${missing.map((f) => print(f)).join('\n\n')}\n`;
}
