/**
 * @module api/cluster-methods
 * The server API's methods that act on every node: each asks every node alive
 * (`cluster.gather`) to run its part (api/cluster-commands) and adds up their answers.
 */
import { DISCONNECT_CODES, ERROR_CODES, isDisconnectCode } from '@relais/protocol';
import { CLUSTER_COMMANDS, type ChannelCount } from './cluster-commands.js';
import { ApiError, badRequest, toApiError } from './errors.js';
import { channelField, dataField, optionalInteger, optionalString, paramsOf, requiredString, targetField, typeName } from './fields.js';
import { rulesOf, type ApiContext, type ApiMethod } from './context.js';

/** Longest reason a disconnect may carry: a WebSocket close frame holds 123 bytes of it. */
const MAX_REASON_BYTES = 123;

/**
 * Every node's answer to `type`. When some node failed or did not answer, the call fails with
 * its error, naming the nodes that did not act (the others did: a retry repeats their part).
 */
async function onEveryNode(ctx: ApiContext, type: string, body: unknown): Promise<unknown[]> {
  const replies = await ctx.node.cluster.gather(type, body, ctx.timeoutMs);
  const failed = replies.filter((reply) => 'error' in reply);
  if (failed.length === 0) return replies.map((reply) => ('result' in reply ? reply.result : undefined));
  const first = toApiError((failed[0] as { error: unknown }).error).error;
  const names = failed.map((reply) => reply.node).join(', ');
  const acted = replies.length - failed.length;
  throw new ApiError(
    first.code,
    `${first.message} (node${failed.length > 1 ? 's' : ''} ${names} did not act; ${acted} other${acted === 1 ? '' : 's'} did)`,
    {
      temporary: first.temporary,
      status: first.status,
    },
  );
}

async function sum(ctx: ApiContext, type: string, body: unknown): Promise<number> {
  return (await onEveryNode(ctx, type, body)).reduce<number>((total, count) => total + (typeof count === 'number' ? count : 0), 0);
}

function expireAtField(params: { expireAt?: unknown }): number {
  const { expireAt } = params;
  if (expireAt === undefined) throw badRequest('field expireAt is required');
  if (typeof expireAt !== 'number' || !Number.isFinite(expireAt) || expireAt <= 0)
    throw badRequest(`field expireAt must be a positive number of seconds since the epoch, got ${typeName(expireAt)}`);
  return expireAt;
}

function reasonField(params: Record<string, unknown>): string | undefined {
  const reason = optionalString(params, 'reason');
  if (reason !== undefined && Buffer.byteLength(reason) > MAX_REASON_BYTES)
    throw badRequest(`field reason must be at most ${MAX_REASON_BYTES} bytes of UTF-8 (a WebSocket close reason)`);
  return reason;
}

export function clusterMethods(ctx: ApiContext): Record<string, ApiMethod> {
  return {
    async send_user(raw) {
      const params = paramsOf('send_user', raw, ['user', 'data']);
      const user = requiredString(params, 'user');
      return { delivered: await sum(ctx, CLUSTER_COMMANDS.sendUser, { user, data: dataField(params, ctx.maxDataDepth) }) };
    },
    async send_all(raw) {
      const params = paramsOf('send_all', raw, ['data']);
      return { delivered: await sum(ctx, CLUSTER_COMMANDS.sendAll, { data: dataField(params, ctx.maxDataDepth) }) };
    },
    async subscribe(raw) {
      const params = paramsOf('subscribe', raw, ['user', 'client', 'channel', 'data']);
      const target = targetField(params);
      const channel = channelField(params);
      rulesOf(ctx, channel);
      const body: Record<string, unknown> = { target, channel };
      if ('data' in params) body.data = dataField(params, ctx.maxDataDepth);
      return { subscribed: await sum(ctx, CLUSTER_COMMANDS.subscribe, body) };
    },
    async unsubscribe(raw) {
      const params = paramsOf('unsubscribe', raw, ['user', 'client', 'channel']);
      const target = targetField(params);
      return { unsubscribed: await sum(ctx, CLUSTER_COMMANDS.unsubscribe, { target, channel: channelField(params) }) };
    },
    async disconnect(raw) {
      const params = paramsOf('disconnect', raw, ['user', 'client', 'code', 'reason']);
      const target = targetField(params);
      const code = optionalInteger(params, 'code', 3000, 4999) ?? DISCONNECT_CODES.FORCE_DISCONNECT;
      if (!isDisconnectCode(code)) throw badRequest('field code must be a disconnect code, 3000–4999');
      const body: Record<string, unknown> = { target, code };
      const reason = reasonField(params);
      if (reason !== undefined) body.reason = reason;
      return { disconnected: await sum(ctx, CLUSTER_COMMANDS.disconnect, body) };
    },
    async refresh(raw) {
      const params = paramsOf('refresh', raw, ['user', 'expireAt']);
      const user = requiredString(params, 'user');
      return { refreshed: await sum(ctx, CLUSTER_COMMANDS.refresh, { user, expireAt: expireAtField(params) }) };
    },
    async channels(raw) {
      const params = paramsOf('channels', raw, ['pattern']);
      const pattern = optionalString(params, 'pattern');
      // No prototype: a channel may be named __proto__.
      const channels = Object.create(null) as Record<string, { subscribers: number }>;
      for (const counts of await onEveryNode(ctx, CLUSTER_COMMANDS.channels, pattern === undefined ? {} : { pattern })) {
        if (!Array.isArray(counts)) throw new ApiError(ERROR_CODES.INTERNAL, 'a node answered channels with something else than a list');
        for (const [channel, count] of counts as ChannelCount[]) {
          const entry = (channels[channel] ??= { subscribers: 0 });
          entry.subscribers += count;
        }
      }
      return { channels };
    },
  };
}
