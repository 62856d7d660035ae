// The resolvers of the Bucket type beyond those every asset type has (src/graphql/schema.ts): the trails whose
// selectors log its objects, computed with the row (src/assets/bucket.ts) and paged here, each with its trail.
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { AssetRow } from './asset-reader.js';
import type { GraphQLContext } from './context.js';
import { nestedListSize, type PageLimits } from './pages.js';

interface TrailDataResource {
  trailARN: string;
  eventSelector: { readWriteType: string; includeManagementEvents: boolean };
}

interface PageArgs {
  limit?: number | null;
  offset?: number | null;
}

const badInput = (message: string, argumentPath: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentPath } });

export function bucketResolvers(limits: PageLimits) {
  return {
    Bucket: {
      // A page of the computed list; without `limit` over HTTP at most a nested list's size, and an error past it.
      trailEventSelectorDataResources: (bucket: AssetRow, args: PageArgs, context: GraphQLContext, info: GraphQLResolveInfo): TrailDataResource[] => {
        const items = ((bucket as unknown as Record<string, unknown>).trailEventSelectorDataResources ?? []) as TrailDataResource[];
        const offset = args.offset ?? 0;
        if (offset < 0) throw badInput('offset must not be negative', 'offset');
        if (args.limit !== null && args.limit !== undefined) {
          if (args.limit < 0) throw badInput('limit must not be negative', 'limit');
          if (args.limit > limits.maxPageSize) throw badInput(`limit is ${args.limit}, above the maximum page size of ${limits.maxPageSize}`, 'limit');
          return items.slice(offset, offset + args.limit);
        }
        const page = items.slice(offset);
        const bound = nestedListSize(limits);
        if (context.boundedLists && page.length > bound) {
          throw badInput(
            `${info.fieldName} of ${bucket.arn} has more than ${bound} items, the most a nested list without a limit returns; ask for them a page at a time: ${info.fieldName}(limit: ${bound}, offset: ${offset}), then the next offsets`,
            'limit',
          );
        }
        return page;
      },
    },
    TrailEventSelectorDataResource: {
      // Through the request's node loader: one statement for every item of a list.
      trail: async (item: TrailDataResource, _: unknown, context: GraphQLContext) => (await context.loaders.nodeById.load(item.trailARN)) ?? null,
    },
  };
}
