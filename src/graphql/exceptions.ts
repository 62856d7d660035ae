// Stored exceptions over GraphQL: the exceptions query, and the addException and revokeException mutations. An entry is
// checked by the same function as an exceptions file entry (src/model/exceptions.ts, which imports nothing of the
// project, so this import makes no cycle with src/controls importing src/graphql). Mutations need the admin scope.
import { GraphQLError } from 'graphql';
import { formatPath, isActive, validateException } from '../model/exceptions.js';
import { fileProblemReason } from '../store/location.js';
import type { ListPage, StoredControlException } from '../store/store.js';
import type { GraphQLContext } from './context.js';

/** What a new exception's input holds: every field nullable in the SDL, so that a missing one is refused here, by name. */
interface ExceptionInput {
  control?: string | null;
  asset?: string | null;
  owner?: string | null;
  reason?: string | null;
  approver?: string | null;
  expires?: string | null;
}

/** A stored exception as the ControlException type shows it. */
function apiException(exception: StoredControlException, now = new Date()) {
  return {
    ...exception,
    id: String(exception.id),
    state: exception.revokedAt !== null ? 'revoked' : isActive(exception, now) ? 'active' : 'expired',
    source: 'api',
  };
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', scope: 'admin' } });
}

/**
 * What a mutation records as done by: the token's name (or "token <id>"), or "local". Refused with FORBIDDEN, naming
 * the scope needed, for anyone else.
 */
async function mutatingCaller(context: GraphQLContext, field: string): Promise<string> {
  const caller = context.caller;
  switch (caller.kind) {
    case 'local':
      return 'local';
    case 'token': {
      if (caller.scope !== 'admin') throw forbidden(`${field} needs a token of scope admin; this token has scope ${caller.scope}`);
      // Revoked ones too: a token revoked while its request runs is still who made the change.
      const token = (await context.store.listApiTokens({ includeRevoked: true })).find((t) => t.id === caller.tokenId);
      return token?.name ?? `token ${caller.tokenId}`;
    }
    case 'anonymous':
      throw forbidden(
        `${field} needs a token of scope admin: this server serves requests without a token (--allow-unauthenticated) for reading only; ` +
          'create one with `inventory token create --scope admin`',
      );
    default:
      throw forbidden(`${field} is not allowed in in-process execution (stored checks only read)`);
  }
}

function badInput(message: string, argumentPath: string, problems?: { argumentPath: string; message: string }[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentPath, ...(problems ? { problems } : {}) } });
}

/**
 * A change the inventory's file cannot take (a server on a read-only file, a full disk: README, The inventory file) is
 * said as such, without the file's path; anything else stays an internal error.
 */
async function stored<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const reason = fileProblemReason(error);
    if (reason === undefined) throw error;
    throw new GraphQLError(`the inventory cannot take this change: ${reason}`, { extensions: { code: 'INVENTORY_NOT_WRITABLE' } });
  }
}

/** A stored exception's id: the digits of an ID. */
function exceptionId(id: string): number {
  if (!/^\d{1,15}$/.test(id)) throw badInput(`id must be the number of a stored exception, not ${JSON.stringify(id)}`, 'id');
  return Number(id);
}

export const exceptionResolvers = {
  Query: {
    exceptions: async (_: unknown, args: { includeRevoked: boolean } & ListPage, context: GraphQLContext) => {
      const now = new Date();
      const { includeRevoked, limit, offset } = args;
      return (await context.store.listControlExceptions({ includeRevoked, limit, offset })).map((e) => apiException(e, now));
    },
  },
  Mutation: {
    addException: async (_: unknown, args: { input: ExceptionInput }, context: GraphQLContext) => {
      const createdBy = await mutatingCaller(context, 'addException');
      if (!context.exceptionRules) throw new Error('the server was started without the control catalog, so it cannot check an exception');
      const { controlIds, maxDays } = context.exceptionRules;
      // A plain object of the fields sent: the rules treat a field sent as null like one left out.
      const input = Object.fromEntries(Object.entries(args.input).filter(([, value]) => value !== null));
      const checked = validateException(input, { controlIds, maxDays, isNew: true });
      if (!checked.ok) {
        const problems = checked.problems.map((p) => ({ argumentPath: formatPath(['input', ...p.path]), message: p.message }));
        throw badInput(problems.map((p) => `${p.argumentPath}: ${p.message}`).join('; '), problems[0]!.argumentPath, problems);
      }
      const { control, asset, owner, reason, approver, expires } = checked.exception;
      return apiException(await stored(() => context.store.addControlException({ control, asset, owner, reason, approver, expires, createdBy })));
    },
    revokeException: async (_: unknown, args: { id: string }, context: GraphQLContext) => {
      const revokedBy = await mutatingCaller(context, 'revokeException');
      const id = exceptionId(args.id);
      const revoked = await stored(() => context.store.revokeControlException(id, revokedBy));
      if (!revoked) throw badInput(`no stored exception has id ${id}`, 'id');
      return apiException(revoked);
    },
  },
};
