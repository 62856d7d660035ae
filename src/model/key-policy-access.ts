// Whether a KMS key policy lets a principal do one action on the key (README, KMS keys: "The key behind the trail"):
// IAM's policy evaluation for one policy document and one request, and the request CloudTrail makes when it delivers a
// trail's logs. Pure: the policy's JSON text in, a decision and its reasons out.
//
// Built to AWS's documentation (IAM User Guide: "Policy evaluation logic", "IAM JSON policy elements: Principal",
// "NotPrincipal", "NotAction", "Resource", "Condition operators", "Creating a condition with multiple keys or values",
// "AWS global condition context keys"; AWS KMS Developer Guide: "Default key policy", "How AWS CloudTrail uses AWS KMS";
// AWS CloudTrail User Guide: "Configure AWS KMS key policies for CloudTrail", "Default KMS key policy created in
// CloudTrail console"). Every part of a statement is judged true, false or unknown (three-valued: false wins an AND,
// true wins an OR), so a construct the evaluator does not understand changes the answer only where it could matter, and
// the answer is never `allowed` while something that could deny it, or that alone would allow it, is not understood.
import { parseArn } from './arn.js';

/** Who makes the request: `{ type: 'Service', id: 'cloudtrail.amazonaws.com' }`, `{ type: 'AWS', id: 'arn:aws:iam::111122223333:root' }`. */
export interface PolicyPrincipal {
  type: 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';
  id: string;
}

export interface PolicyRequest {
  principal: PolicyPrincipal;
  /** One action, e.g. `kms:GenerateDataKey`. */
  action: string;
  /** The key's ARN. */
  resource: string;
  /** The request's condition keys and their values; key names are matched case-insensitively, as AWS does. */
  context: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Whether `context` holds every key the request carries (the default): a condition on any other key then meets the
   * key as absent, as AWS documents for each operator. When false, a condition on a key `context` lacks is unknown,
   * unless the key is one of `absentKeys`.
   */
  contextComplete?: boolean;
  /** With `contextComplete: false`, the keys known to be absent; a trailing `*` stands for any ending. */
  absentKeys?: readonly string[];
}

/**
 * - `allowed`: an Allow statement matches the request and no Deny does;
 * - `denied`: an explicit Deny matches (whatever else the policy says);
 * - `not-granted`: no statement allows it (the implicit deny);
 * - `unknown`: something the evaluator does not understand could change the answer.
 */
export type PolicyDecisionKind = 'allowed' | 'denied' | 'not-granted' | 'unknown';

export interface PolicyDecision {
  decision: PolicyDecisionKind;
  /** The statements (Sid, or their index) that decided and why; for `unknown`, what was not understood. */
  reasons: string[];
}

/** A three-valued judgement and why (the why of the part that decided it). */
type Tri = { value: true | false | 'unknown'; why: string[] };

const TRUE = (why: string[] = []): Tri => ({ value: true, why });
const FALSE = (why: string): Tri => ({ value: false, why: [why] });
const UNKNOWN = (why: string): Tri => ({ value: 'unknown', why: [why] });

/** Kleene AND: any false makes it false (the first one's reason), else any unknown makes it unknown. */
function and(parts: Tri[]): Tri {
  const failed = parts.find((part) => part.value === false);
  if (failed) return failed;
  const unknown = parts.filter((part) => part.value === 'unknown');
  if (unknown.length > 0) return { value: 'unknown', why: unknown.flatMap((part) => part.why) };
  return TRUE(parts.flatMap((part) => part.why));
}

/** Kleene OR: any true makes it true, else any unknown makes it unknown. */
function or(parts: Tri[], whyFalse: string): Tri {
  const held = parts.find((part) => part.value === true);
  if (held) return held;
  const unknown = parts.filter((part) => part.value === 'unknown');
  if (unknown.length > 0) return { value: 'unknown', why: unknown.flatMap((part) => part.why) };
  return FALSE(whyFalse);
}

function not(part: Tri, whyFalse: string, whyTrue: string): Tri {
  if (part.value === 'unknown') return part;
  return part.value ? FALSE(whyFalse) : TRUE([whyTrue]);
}

const STATEMENT_MEMBERS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const POLICY_MEMBERS = new Set(['Version', 'Id', 'Statement']);

/** Evaluates one key policy for one request (IAM User Guide, "Policy evaluation logic": an explicit Deny wins, then an Allow, else the implicit deny). */
export function evaluateKeyPolicy(policyText: string, request: PolicyRequest): PolicyDecision {
  let document: unknown;
  try {
    document = JSON.parse(policyText);
  } catch {
    return { decision: 'unknown', reasons: ['the policy is not JSON'] };
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return { decision: 'unknown', reasons: ['the policy is not a JSON object'] };
  const policy = document as Record<string, unknown>;
  const unknownTop = Object.keys(policy).filter((member) => !POLICY_MEMBERS.has(member));
  if (unknownTop.length > 0) return { decision: 'unknown', reasons: [`the policy has members the evaluator does not know: ${unknownTop.join(', ')}`] };
  if (policy.Version !== undefined && policy.Version !== '2012-10-17' && policy.Version !== '2008-10-17') {
    return { decision: 'unknown', reasons: [`the policy's Version ${JSON.stringify(policy.Version)} is not one IAM defines`] };
  }
  const statements = policy.Statement === undefined ? [] : Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];

  const context = new RequestContext(request);
  const denies: string[] = [];
  const unknownDenies: string[] = [];
  const allows: string[] = [];
  const unknownAllows: string[] = [];
  const nearMisses: string[] = [];
  statements.forEach((statement: unknown, index: number) => {
    const label = statementLabel(statement, index);
    const judged = judgeStatement(statement, request, context);
    if (judged.effect === undefined) {
      unknownDenies.push(`${label}: ${judged.match.why.join('; ')}`);
      return;
    }
    const verb = judged.effect === 'Deny' ? 'denies' : 'allows';
    if (judged.match.value === true) {
      (judged.effect === 'Deny' ? denies : allows).push(`${label} ${verb} it${judged.match.why.length > 0 ? ` (${judged.match.why.join('; ')})` : ''}`);
    } else if (judged.match.value === 'unknown') {
      (judged.effect === 'Deny' ? unknownDenies : unknownAllows).push(`${label} (${judged.effect}): ${judged.match.why.join('; ')}`);
    } else if (judged.effect === 'Allow' && judged.principalMatched) {
      nearMisses.push(`${label} allows this principal, but ${judged.match.why.join('; ')}`);
    }
  });

  if (denies.length > 0) return { decision: 'denied', reasons: denies };
  if (unknownDenies.length > 0) return { decision: 'unknown', reasons: [...unknownDenies, ...unknownAllows] };
  if (allows.length > 0) return { decision: 'allowed', reasons: allows };
  if (unknownAllows.length > 0) return { decision: 'unknown', reasons: unknownAllows };
  return { decision: 'not-granted', reasons: [`no statement allows ${request.action} for ${request.principal.type} ${request.principal.id}`, ...nearMisses] };
}

function statementLabel(statement: unknown, index: number): string {
  const sid = statement !== null && typeof statement === 'object' ? (statement as { Sid?: unknown }).Sid : undefined;
  return typeof sid === 'string' && sid !== '' ? `Statement[${index}] (${JSON.stringify(sid)})` : `Statement[${index}]`;
}

interface JudgedStatement {
  /** undefined: the statement cannot be read, and could be a Deny. */
  effect: 'Allow' | 'Deny' | undefined;
  match: Tri;
  /** The principal part alone holds (for the reasons of a statement that does not apply). */
  principalMatched: boolean;
}

function judgeStatement(statement: unknown, request: PolicyRequest, context: RequestContext): JudgedStatement {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) {
    return { effect: undefined, match: UNKNOWN('the statement is not a JSON object'), principalMatched: false };
  }
  const s = statement as Record<string, unknown>;
  const unknownMembers = Object.keys(s).filter((member) => !STATEMENT_MEMBERS.has(member));
  if (unknownMembers.length > 0)
    return { effect: undefined, match: UNKNOWN(`members the evaluator does not know: ${unknownMembers.join(', ')}`), principalMatched: false };
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
    return { effect: undefined, match: UNKNOWN(`Effect ${JSON.stringify(s.Effect)} is neither Allow nor Deny`), principalMatched: false };
  const effect = s.Effect;

  const principal = exactlyOne(s, 'Principal', 'NotPrincipal', (value, negated) => judgePrincipal(value, negated, effect, request.principal));
  const action = exactlyOne(s, 'Action', 'NotAction', (value, negated) => judgeAction(value, negated, request.action));
  const resource = exactlyOne(s, 'Resource', 'NotResource', (value, negated) => judgeResource(value, negated, request.resource));
  const condition = s.Condition === undefined ? TRUE() : judgeCondition(s.Condition, context);
  return { effect, match: and([principal, action, resource, condition]), principalMatched: principal.value === true };
}

/** A statement holds exactly one of an element and its Not form (IAM policy grammar). */
function exactlyOne(s: Record<string, unknown>, name: string, notName: string, judge: (value: unknown, negated: boolean) => Tri): Tri {
  const plain = s[name];
  const negated = s[notName];
  if (plain !== undefined && negated !== undefined) return UNKNOWN(`the statement has both ${name} and ${notName}`);
  if (plain === undefined && negated === undefined) return UNKNOWN(`the statement has neither ${name} nor ${notName}`);
  return plain !== undefined ? judge(plain, false) : judge(negated, true);
}

/** A "one or a list" member as strings; undefined when an item is not a string. */
function stringList(value: unknown): string[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  return items.every((item) => typeof item === 'string') ? (items as string[]) : undefined;
}

function hasPolicyVariable(value: string): boolean {
  return value.includes('${');
}

// ---- Principal, NotPrincipal

const ACCOUNT_ID = /^\d{12}$/;

function judgePrincipal(value: unknown, negated: boolean, effect: 'Allow' | 'Deny', requester: PolicyPrincipal): Tri {
  const element = negated ? 'NotPrincipal' : 'Principal';
  const named = principalNames(value, requester, element);
  if (!negated) return named.value === true ? TRUE() : named.value === false ? FALSE(`Principal does not name ${requester.type} ${requester.id}`) : named;
  // NotPrincipal: everyone the element does not name (IAM User Guide, "NotPrincipal").
  const applies = not(named, `NotPrincipal names ${requester.type} ${requester.id}`, `NotPrincipal does not name ${requester.type} ${requester.id}`);
  if (effect === 'Allow' && applies.value !== false) {
    // "Most resource-based policy types do not allow the use of NotPrincipal with Allow" (IAM User Guide): what KMS does with one is not documented.
    return UNKNOWN(
      `Allow with NotPrincipal, which AWS advises against and most resource policies refuse: whether it grants ${requester.type} ${requester.id} is not documented for key policies`,
    );
  }
  return applies;
}

/** Whether the Principal element names the requester. */
function principalNames(value: unknown, requester: PolicyPrincipal, element: string): Tri {
  // "Principal": "*" is every principal, the same as {"AWS": "*"} (IAM User Guide, "All principals").
  if (value === '*') return TRUE();
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return UNKNOWN(`${element} ${JSON.stringify(value)} is neither "*" nor an object of principal types`);
  const parts: Tri[] = [];
  for (const [type, entries] of Object.entries(value as Record<string, unknown>)) {
    const ids = stringList(entries);
    if (!ids) return UNKNOWN(`${element} ${type} holds a value that is not a string`);
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type))
      return UNKNOWN(`${element} has the principal type ${JSON.stringify(type)}, which the evaluator does not know`);
    for (const id of ids) parts.push(principalIdNames(type, id, requester, element));
  }
  return or(parts, `${element} does not name ${requester.type} ${requester.id}`);
}

function principalIdNames(type: string, id: string, requester: PolicyPrincipal, element: string): Tri {
  if (type === 'AWS' && id === '*') return TRUE();
  if (id.includes('*') || id.includes('?') || hasPolicyVariable(id))
    return UNKNOWN(`${element} ${type} ${JSON.stringify(id)} holds a wildcard or variable, which a principal cannot`);
  if (type !== requester.type) return FALSE('another principal type');
  if (type === 'Service') {
    if (id === requester.id) return TRUE();
    return id.toLowerCase() === requester.id.toLowerCase()
      ? UNKNOWN(`${element} Service ${JSON.stringify(id)} differs from ${requester.id} only in case`)
      : FALSE('another service');
  }
  if (type !== 'AWS') return id === requester.id ? TRUE() : FALSE('another principal');
  if (id === requester.id) return TRUE();
  // An account is named by its id or its root ARN (IAM User Guide, "AWS account principals").
  const policyAccount = ACCOUNT_ID.test(id) ? id : /^arn:[^:]+:iam::(\d{12}):root$/.exec(id)?.[1];
  let requesterAccount: string | undefined;
  let requesterIsRoot = false;
  try {
    const arn = parseArn(requester.id);
    requesterAccount = arn.accountId;
    requesterIsRoot = arn.service === 'iam' && arn.resource === 'root';
  } catch {
    requesterAccount = ACCOUNT_ID.test(requester.id) ? requester.id : undefined;
    requesterIsRoot = requesterAccount !== undefined;
  }
  if (policyAccount === undefined || policyAccount !== requesterAccount) return FALSE('another AWS principal');
  if (requesterIsRoot) return TRUE();
  // The account named in a key policy delegates to the account's IAM policies, which this evaluator does not read.
  return UNKNOWN(`${element} names account ${policyAccount}, which leaves ${requester.id} to the account's IAM policies`);
}

// ---- Action, NotAction

function judgeAction(value: unknown, negated: boolean, action: string): Tri {
  const element = negated ? 'NotAction' : 'Action';
  const patterns = stringList(value);
  if (!patterns) return UNKNOWN(`${element} holds a value that is not a string`);
  // Action names are not case sensitive (IAM User Guide, "Action"); * and ? are wildcards.
  const matched = patterns.some((pattern) => globMatch(pattern, action, true));
  if (negated) return matched ? FALSE(`NotAction covers ${action}`) : TRUE();
  return matched ? TRUE() : FALSE(`Action ${JSON.stringify(value)} does not cover ${action}`);
}

// ---- Resource, NotResource

function judgeResource(value: unknown, negated: boolean, resource: string): Tri {
  const element = negated ? 'NotResource' : 'Resource';
  const patterns = stringList(value);
  if (!patterns) return UNKNOWN(`${element} holds a value that is not a string`);
  if (patterns.some(hasPolicyVariable)) return UNKNOWN(`${element} holds a policy variable, which the evaluator does not resolve`);
  // In a key policy, "*" is the key itself (AWS KMS Developer Guide, "Key policies").
  const matched = patterns.some((pattern) => pattern === '*' || globMatch(pattern, resource, false));
  if (negated) return matched ? FALSE(`NotResource covers this key`) : TRUE();
  return matched ? TRUE() : FALSE(`Resource ${JSON.stringify(value)} is not this key (${resource})`);
}

// ---- Condition

type KeyLookup = { state: 'present'; values: string[] } | { state: 'absent' } | { state: 'unknown'; why: string };

const ENCRYPTION_CONTEXT_PREFIX = 'kms:encryptioncontext:';

class RequestContext {
  private readonly keys = new Map<string, { name: string; values: string[] }>();
  private readonly complete: boolean;
  private readonly absent: string[];

  constructor(request: PolicyRequest) {
    for (const [name, value] of Object.entries(request.context)) {
      this.keys.set(name.toLowerCase(), { name, values: typeof value === 'string' ? [value] : [...value] });
    }
    this.complete = request.contextComplete ?? true;
    this.absent = (request.absentKeys ?? []).map((key) => key.toLowerCase());
  }

  lookup(key: string): KeyLookup {
    const found = this.keys.get(key.toLowerCase());
    if (found) {
      // Condition key names are not case sensitive, but the encryption context key inside kms:EncryptionContext:<key>
      // is what KMS matches against the request's pairs; a spelling that differs from the request's only in case is
      // not judged.
      if (key.toLowerCase().startsWith(ENCRYPTION_CONTEXT_PREFIX)) {
        const start = ENCRYPTION_CONTEXT_PREFIX.length;
        if (key.slice(start) !== found.name.slice(start))
          return { state: 'unknown', why: `${key} differs from the request's ${found.name} in the case of its encryption context key` };
      }
      return { state: 'present', values: found.values };
    }
    if (this.complete) return { state: 'absent' };
    const lower = key.toLowerCase();
    if (this.absent.some((absent) => (absent.endsWith('*') ? lower.startsWith(absent.slice(0, -1)) : lower === absent))) return { state: 'absent' };
    return { state: 'unknown', why: `whether the request carries ${key}, and its value, is not known` };
  }
}

type BaseOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Bool'
  | 'Null';

const NEGATED = new Set<BaseOperator>(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);
const SUPPORTED = new Set<string>([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
]);

interface Operator {
  name: string;
  base: BaseOperator;
  ifExists: boolean;
  set: 'ForAnyValue' | 'ForAllValues' | undefined;
}

/** `ForAnyValue:StringLikeIfExists` → its parts; a string naming no supported operator gives the reason instead. */
function parseOperator(name: string): Operator | string {
  let rest = name;
  let set: Operator['set'];
  for (const prefix of ['ForAnyValue', 'ForAllValues'] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
  if (!SUPPORTED.has(base)) return `the condition operator ${name} is not supported by the evaluator`;
  // IfExists can be added to any operator but Null (IAM User Guide, "...IfExists condition operators").
  if (base === 'Null' && (ifExists || set)) return `the condition operator ${name} is not one IAM defines`;
  return { name, base: base as BaseOperator, ifExists, set };
}

/** Every operator and every key must hold: AND across them, OR across one key's values (IAM User Guide, "Condition"). */
function judgeCondition(condition: unknown, context: RequestContext): Tri {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return UNKNOWN('Condition is not a JSON object');
  const parts: Tri[] = [];
  for (const [operatorName, block] of Object.entries(condition as Record<string, unknown>)) {
    const operator = parseOperator(operatorName);
    if (typeof operator === 'string') {
      parts.push(UNKNOWN(operator));
      continue;
    }
    if (block === null || typeof block !== 'object' || Array.isArray(block)) {
      parts.push(UNKNOWN(`Condition ${operatorName} is not an object of condition keys`));
      continue;
    }
    for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
      parts.push(judgeConditionKey(operator, key, raw, context));
    }
  }
  return and(parts);
}

function judgeConditionKey(operator: Operator, key: string, raw: unknown, context: RequestContext): Tri {
  const label = `${operator.name} ${key}`;
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0 || !items.every((item) => typeof item === 'string' || typeof item === 'boolean' || typeof item === 'number')) {
    return UNKNOWN(`${label} holds no values, or a value that is not a string, number or boolean`);
  }
  const wanted = items.map(String);
  if (wanted.some(hasPolicyVariable)) return UNKNOWN(`${label} holds a policy variable, which the evaluator does not resolve`);
  if (hasPolicyVariable(key)) return UNKNOWN(`${label}: the condition key holds a policy variable`);

  const found = context.lookup(key);
  if (found.state === 'unknown') return UNKNOWN(`${label}: ${found.why}`);

  if (operator.base === 'Null') {
    // Null: true means the key is absent, false that it is present (IAM User Guide, "Condition operator to check existence").
    const flags = wanted.map((value) => value.toLowerCase());
    if (!flags.every((flag) => flag === 'true' || flag === 'false')) return UNKNOWN(`${label} holds a value that is neither true nor false`);
    const absent = found.state === 'absent';
    return flags.some((flag) => (flag === 'true') === absent) ? TRUE([`${label} holds`]) : FALSE(`${label} does not hold: the key is ${absent ? 'absent' : 'present'}`);
  }

  const negated = NEGATED.has(operator.base);
  if (found.state === 'absent') {
    // A missing key: IfExists holds; ForAllValues holds and ForAnyValue does not (its set is empty); a negated operator
    // holds and any other does not (IAM User Guide, "Condition operators" and "multivalued context keys").
    const holds = operator.ifExists || (operator.set ? operator.set === 'ForAllValues' : negated);
    return holds ? TRUE([`${label} holds: the request has no ${key}`]) : FALSE(`${label} does not hold: the request has no ${key}`);
  }

  const matchOne = (actual: string): Tri => {
    const each = wanted.map((expected) => matchValue(operator.base, expected, actual, label));
    if (!negated) return or(each, 'no value matches');
    // Negated operators hold when the value matches none of the listed values (AND across them).
    return and(each.map((part) => not(part, 'a value matches', 'no value matches')));
  };
  const actual = found.values;
  let result: Tri;
  if (operator.set === 'ForAllValues') result = and(actual.map(matchOne));
  else if (operator.set === 'ForAnyValue') result = or(actual.map(matchOne), 'no request value matches');
  else if (actual.length !== 1) return UNKNOWN(`${label}: the request holds ${actual.length} values for ${key}, and the operator has no ForAnyValue/ForAllValues`);
  else result = matchOne(actual[0] as string);
  if (result.value === 'unknown') return result;
  const shown = actual.length === 1 ? JSON.stringify(actual[0]) : JSON.stringify(actual);
  return result.value ? TRUE([`${label} holds for ${shown}`]) : FALSE(`${label} ${JSON.stringify(raw)} does not hold for ${shown}`);
}

function matchValue(base: BaseOperator, expected: string, actual: string, label: string): Tri {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return expected === actual ? TRUE() : FALSE('differs');
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return expected.toLowerCase() === actual.toLowerCase() ? TRUE() : FALSE('differs');
    case 'StringLike':
    case 'StringNotLike':
      return globMatch(expected, actual, false) ? TRUE() : FALSE('differs');
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnMatch(expected, actual, label);
    case 'Bool': {
      const flag = expected.toLowerCase();
      if (flag !== 'true' && flag !== 'false') return UNKNOWN(`${label} holds ${JSON.stringify(expected)}, neither true nor false`);
      return flag === actual.toLowerCase() ? TRUE() : FALSE('differs');
    }
    default:
      return UNKNOWN(`${label} is not supported`);
  }
}

/**
 * ArnEquals/ArnLike: each of the six colon-delimited parts is matched on its own, with * and ? wildcards, case
 * sensitively; the resource part (the sixth) keeps any further colons (IAM User Guide, "ARN condition operators").
 */
function arnMatch(pattern: string, actual: string, label: string): Tri {
  const wanted = arnParts(pattern);
  const parts = arnParts(actual);
  if (!wanted) return UNKNOWN(`${label} holds ${JSON.stringify(pattern)}, which has not the six parts of an ARN`);
  if (!parts) return UNKNOWN(`${label}: the request's value ${JSON.stringify(actual)} has not the six parts of an ARN`);
  return wanted.every((part, index) => globMatch(part, parts[index] as string, false)) ? TRUE() : FALSE('differs');
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** `*` any run of characters, `?` any one character, everything else literal. */
function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (char) => (char === '*' ? '.*' : char === '?' ? '.' : `\\${char}`));
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

// ---- What CloudTrail asks of a trail's key

/** The service principal CloudTrail calls KMS as (AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail"). */
export const CLOUDTRAIL_SERVICE_PRINCIPAL = 'cloudtrail.amazonaws.com';

/** The trail whose logs are encrypted: its ARN, and the account CloudTrail names as the source. */
export interface CloudTrailSource {
  arn: string;
  /** The trail's account; for an organization trail, the management account, which owns the trail (its ARN's account). */
  sourceAccount: string;
}

/**
 * The keys CloudTrail's calls carry, as documented:
 * - `aws:SourceArn` (the trail's ARN) and `aws:SourceAccount` (the trail owner's account, the management account for an
 *   organization trail): AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail", which adds
 *   `aws:SourceArn` to both the GenerateDataKey* and the DescribeKey statements;
 * - `aws:PrincipalServiceName` and `aws:PrincipalIsAWSService`: IAM User Guide, "AWS global condition context keys" (present
 *   when the call is made by a service principal);
 * - GenerateDataKey's encryption context, `aws:cloudtrail:arn` (the trail's ARN) and `aws:s3:arn` (the bucket path or log
 *   file, whose value the inventory does not know): AWS KMS Developer Guide, "How AWS CloudTrail uses AWS KMS". DescribeKey
 *   takes no encryption context (AWS KMS API Reference, GrantConstraints: DescribeKey does not support one).
 * Any other key is not documented for these calls, so a condition on it makes the answer unknown.
 */
function cloudTrailRequest(trail: CloudTrailSource, keyArn: string, action: 'kms:GenerateDataKey' | 'kms:DescribeKey'): PolicyRequest {
  const source = {
    'aws:SourceArn': trail.arn,
    'aws:SourceAccount': trail.sourceAccount,
    'aws:PrincipalServiceName': CLOUDTRAIL_SERVICE_PRINCIPAL,
    'aws:PrincipalIsAWSService': 'true',
  };
  const encrypt = action === 'kms:GenerateDataKey';
  return {
    principal: { type: 'Service', id: CLOUDTRAIL_SERVICE_PRINCIPAL },
    action,
    resource: keyArn,
    context: encrypt ? { ...source, 'kms:EncryptionContext:aws:cloudtrail:arn': trail.arn, 'kms:EncryptionContextKeys': ['aws:cloudtrail:arn', 'aws:s3:arn'] } : source,
    contextComplete: false,
    absentKeys: encrypt ? [] : ['kms:EncryptionContext:*', 'kms:EncryptionContextKeys'],
  };
}

/**
 * What the key policy answers to CloudTrail when it delivers the trail's logs: `encrypt`, kms:GenerateDataKey with the
 * trail's encryption context (a policy grants it with kms:GenerateDataKey*), and `describe`, kms:DescribeKey. CloudTrail
 * needs both (AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail").
 */
export function cloudTrailKeyAccess(policyText: string, trail: CloudTrailSource, keyArn: string): { encrypt: PolicyDecision; describe: PolicyDecision } {
  return {
    encrypt: evaluateKeyPolicy(policyText, cloudTrailRequest(trail, keyArn, 'kms:GenerateDataKey')),
    describe: evaluateKeyPolicy(policyText, cloudTrailRequest(trail, keyArn, 'kms:DescribeKey')),
  };
}

/** One key policy statement, as JSON. */
export interface KeyPolicyStatementJson {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string };
  Action: string;
  Resource: string;
  Condition: Record<string, Record<string, string | string[]>>;
}

/**
 * The two statements the AWS CloudTrail User Guide ("Configure AWS KMS key policies for CloudTrail": "Granting encrypt
 * permissions" and "Enable CloudTrail to describe KMS key properties") requires for a trail, filled in for it: the key's
 * ARN as Resource, the trail's account in the encryption context pattern, and the trail's ARN as aws:SourceArn.
 */
export function cloudTrailKeyStatements(trail: Pick<CloudTrailSource, 'arn'>, keyArn: string): { encrypt: KeyPolicyStatementJson; describe: KeyPolicyStatementJson } {
  const { partition, accountId } = parseArn(trail.arn);
  return {
    encrypt: {
      Sid: 'Allow CloudTrail to encrypt logs',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:GenerateDataKey*',
      Resource: keyArn,
      Condition: {
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': [`arn:${partition}:cloudtrail:*:${accountId}:trail/*`] },
        StringEquals: { 'aws:SourceArn': trail.arn },
      },
    },
    describe: {
      Sid: 'Allow CloudTrail access',
      Effect: 'Allow',
      Principal: { Service: CLOUDTRAIL_SERVICE_PRINCIPAL },
      Action: 'kms:DescribeKey',
      Resource: keyArn,
      Condition: { StringEquals: { 'aws:SourceArn': trail.arn } },
    },
  };
}

/**
 * The statements of `cloudTrailKeyStatements` the policy lacks: those whose access it does not grant (`not-granted`),
 * which adding the statement fixes. Access that is `denied` (a Deny wins over any added Allow) or `unknown` is not
 * fixed by adding a statement, and is left to `cloudTrailKeyAccess` to report.
 */
export function missingCloudTrailStatements(policyText: string, trail: CloudTrailSource, keyArn: string): KeyPolicyStatementJson[] {
  const access = cloudTrailKeyAccess(policyText, trail, keyArn);
  const statements = cloudTrailKeyStatements(trail, keyArn);
  return (['encrypt', 'describe'] as const).filter((which) => access[which].decision === 'not-granted').map((which) => statements[which]);
}
