// Times travel as ISO-8601 text. Date's own parser accepts far more ("1", "May 5"), so the shape is checked first.

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** The canonical form (toISOString) of an ISO-8601 date or date-time, or undefined when `text` is not one. */
export function canonicalTime(text: unknown): string | undefined {
  if (typeof text !== 'string' || !ISO_8601.test(text)) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
