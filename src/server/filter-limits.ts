// The filter limits and the nesting limit (src/graphql/filter-limits.ts) in the HTTP server: the nesting of the text
// and the variables before Apollo sees the request (graphql-js parses and coerces recursively), each filter with the
// request's variables in place once the operation is known, before it executes.
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { nestingError, operationFilterError, type FilterLimits } from '../graphql/filter-limits.js';

/** Answers 400 to a request whose document or variables nest deeper than MAX_NESTING, POST or GET. */
export const refuseDeepNesting: RequestHandler = (req, res, next) => {
  const source = (req.method === 'GET' ? req.query : req.body) as { query?: unknown; variables?: unknown } | undefined;
  let variables = source?.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      // Apollo says what is wrong with it.
    }
  }
  const error = source && typeof source === 'object' ? nestingError(source.query, variables) : undefined;
  if (!error) return next();
  const { http: _status, ...extensions } = error.extensions;
  res.status(400).json({ errors: [{ message: error.message, extensions }] });
};

export function filterLimitsPlugin<Context extends object>(schema: GraphQLSchema, limits: FilterLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request: { variables } }) {
          // Thrown here, the error is the response, with its HTTP status (400).
          const error = operation && operationFilterError(schema, document, operation, variables, limits);
          if (error) throw error;
        },
      };
    },
  };
}
