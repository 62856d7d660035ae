// Measurement 3's reference: the dashboard page from a naive Apollo Server, written the way most hand-written GraphQL
// servers start. Its own small SDL (schema.graphql, the fields the page selects), Express 5 like ours, and resolvers
// that read rows with plain SELECTs: every trail with `SELECT * FROM trails`, the filter, the sort and the page done
// in JavaScript, and each trail's account and tags with one query per trail (N+1), no DataLoader. The statements are
// prepared once, as better-sqlite3 code usually does: what is measured is what the issue names (no filter push-down,
// no batching), not statement preparation.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import type Database from 'better-sqlite3';
import express from 'express';
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor } from '../../src/store/pages.js';
import { TRAIL_COLUMNS_BY_FIELD } from '../../src/store/trail-columns.js';
import { sortTerms, type SortSpec, type SortTerm } from '../../src/store/where.js';
import { isLeftOverRequest } from '../lib/load.js';

const TYPE_DEFS = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

type Row = Record<string, unknown>;

interface NaiveTrail {
  id: string;
  name: string;
  accountId: string;
  region: string;
  isMultiRegionTrail: boolean;
  kmsKeyID: string;
  isLogging: boolean | null;
  /** The row as read, for the sort and the cursor. */
  row: Row;
}

interface NaiveContext {
  statements: Statements;
  /** Whether the request is left over from a load run that has ended (see startNaiveServer). */
  leftOver: () => boolean;
}

interface Statements {
  allTrails: Database.Statement;
  accountOf: Database.Statement;
  tagsOf: Database.Statement;
}

const toTrail = (row: Row): NaiveTrail => ({
  id: row.arn as string,
  name: row.name as string,
  accountId: row.account_id as string,
  region: row.region as string,
  isMultiRegionTrail: row.is_multi_region_trail === 1,
  kmsKeyID: row.kms_key_id as string,
  isLogging: row.is_logging === null ? null : row.is_logging === 1,
  row,
});

/** SQLite's order: by each term (nulls last ascending, first descending), then by id. */
function compareRows(terms: readonly SortTerm[], a: Row, b: Row): number {
  for (const term of terms) {
    const x = a[term.column.sql] as string | number | null;
    const y = b[term.column.sql] as string | number | null;
    if (x === y) continue;
    // A null sorts above every value: last when ascending, first when descending.
    const order = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
    return term.direction === 'ASC' ? order : -order;
  }
  const x = a.arn as string;
  const y = b.arn as string;
  return x < y ? -1 : x > y ? 1 : 0;
}

const resolvers = {
  Query: {
    trailsConnection: (
      _: unknown,
      args: { where?: Record<string, unknown> | null; first?: number | null; after?: string | null; sort?: SortSpec[] | null },
      context: NaiveContext,
    ) => {
      if (context.leftOver()) throw new GraphQLError('left over from a finished load run: not answered');
      // The page's sort terms and cursors are the inventory's own (src/store/pages.ts), so that the cursors are
      // byte-identical and the page can be compared exactly; a naive server would invent its own, at no lower cost.
      const terms = sortTerms(args.sort, TRAIL_COLUMNS_BY_FIELD);
      const where = Object.entries(args.where ?? {});
      const matching = (context.statements.allTrails.all() as Row[])
        .filter((row) => row.deleted_at === null)
        .map(toTrail)
        .filter((trail) => where.every(([field, value]) => (trail as unknown as Row)[field] === value))
        .sort((a, b) => compareRows(terms, a.row, b.row));
      let start = 0;
      if (args.after) {
        const cursor = decodeCursor(args.after, terms);
        const at: Row = { arn: cursor.id };
        terms.forEach((term, i) => (at[term.column.sql] = cursor.keys[i]));
        start = matching.findIndex((trail) => compareRows(terms, trail.row, at) > 0);
        if (start < 0) start = matching.length;
      }
      const first = args.first ?? 100;
      const page = matching.slice(start, start + first);
      const edges = page.map((node) => ({
        cursor: encodeCursor(terms, { keys: terms.map((term) => node.row[term.column.sql] as string | number | null), id: node.id }),
        node,
      }));
      return {
        edges,
        pageInfo: { hasNextPage: start + first < matching.length, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: matching.length,
      };
    },
  },
  Trail: {
    // One query per trail: the N+1 a DataLoader would batch.
    account: (trail: NaiveTrail, _: unknown, context: NaiveContext) => {
      const row = context.statements.accountOf.get(trail.accountId) as { last_synced_at: string | null };
      return { id: trail.accountId, lastSyncedAt: row.last_synced_at };
    },
    tags: (trail: NaiveTrail, _: unknown, context: NaiveContext) => context.statements.tagsOf.all(trail.id),
  },
};

export interface NaiveServer {
  url: string;
  /** Requests whose handling has not finished (whether or not their client is still there). */
  inFlight(): number;
  close(): Promise<void>;
}

/** Starts the naive server on 127.0.0.1 (a free port) over the inventory's database. */
export async function startNaiveServer(db: Database.Database): Promise<NaiveServer> {
  const statements: Statements = {
    allTrails: db.prepare('SELECT * FROM trails'),
    // The latest successful sync of any of the account's scopes, as the inventory defines lastSyncedAt.
    accountOf: db.prepare('SELECT max(last_success_at) AS last_synced_at FROM sync_scope_state WHERE account_id = ?'),
    tagsOf: db.prepare('SELECT key, value FROM asset_tags WHERE asset_id = ? ORDER BY key'),
  };
  // Apollo's defaults, but for signals: Ctrl+C must stop the benchmark, not wait for this server to drain its backlog.
  const apollo = new ApolloServer<NaiveContext>({ typeDefs: TYPE_DEFS, resolvers, stopOnTerminationSignals: false });
  await apollo.start();
  const app = express();
  const graphql = expressMiddleware(apollo, {
    // Benchmark hygiene, not part of the naive design: when a load run ends, autocannon closes its 50 connections
    // while up to 50 requests of seconds each are still queued here; one left over from a finished run is refused
    // before its SELECT, so that the backlog does not run into the next measurement. It never fires during a run.
    // (Whether its socket closed cannot tell: queued requests run one after the other without the event loop reading
    // any socket in between.)
    context: async ({ req }) => ({ statements, leftOver: () => isLeftOverRequest(req.get('x-load-run')) }),
  });
  // Counted until Apollo has finished with the request, not until its connection closes (which can come first).
  let inFlight = 0;
  app.use('/graphql', express.json(), (req, res, next) => {
    inFlight += 1;
    void Promise.resolve(graphql(req, res, next)).finally(() => (inFlight -= 1));
  });
  const httpServer = createServer(app);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    inFlight: () => inFlight,
    close: async () => {
      await apollo.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve, reject) => httpServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
