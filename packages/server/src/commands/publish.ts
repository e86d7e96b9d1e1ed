/**
 * @module commands/publish
 * `publish`: namespace access (102, 103), publish rate limits (111, or 3013 for a flood), data
 * size (106), the contract's schema of the namespace (107, see contract/), onPublish hooks
 * (which may replace the data), then the broker. The reply waits
 * for the broker to accept the publication. The publisher does not need to be subscribed
 * unless the namespace's publishAccess is 'subscribers'. On a namespace with history the
 * publication gets an offset and is kept, unless `ephemeral` (typing indicators: live only).
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError } from '@relais/protocol';
import { accessRules, checkAccess } from '../auth/permissions.js';
import type { BrokerPublishOptions, Publication } from '../broker.js';
import { validateData } from '../contract/contract-checks.js';
import { checkData } from '../data-checks.js';
import type { PublishEvent } from '../events.js';
import { frameBytes } from '../transport.js';
import type { CommandHandler } from './context.js';

export const handlePublish: CommandHandler<'publish'> = async (session, params, node) => {
  const { channel } = params;
  // Decided without a promise unless a subscription token must be verified.
  const granted = accessRules(node, session, channel, 'publish');
  const rules = granted === 'token' ? (await checkAccess(node, session, channel, 'publish')).rules : granted;
  const verdict = session.limiter.publish(session.user, rules.namespace, rules.publishRate);
  if (verdict === 'flood') throw new Disconnect(DISCONNECT_CODES.FLOOD);
  if (verdict === 'limited') throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS);
  if (rules.maxDataBytes !== undefined) {
    const bytes = frameBytes(session.codec.encode(params.data));
    if (bytes > rules.maxDataBytes) {
      throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `data is ${bytes} bytes, at most ${rules.maxDataBytes} allowed`);
    }
  }

  // The contract's schema first: onPublish hooks see data of the declared shape.
  const schema = node.options.contract.publication(channel, params.event);
  if (schema instanceof ReplyError) throw schema;
  let data = schema === undefined ? params.data : await validateData(schema, params.data, 'publication data');
  const hooks = node.hooks.publish.list();
  // The event (and the client's details in it) is made only for hooks to see.
  if (hooks.length > 0) {
    const event: PublishEvent = { client: session.details(), channel, data };
    if (params.event !== undefined) event.event = params.event;
    if (params.ephemeral) event.ephemeral = true;
    for (const hook of hooks) {
      const answer = await hook(event);
      if (answer && 'data' in answer) event.data = answer.data;
    }
    data = event.data;
  }
  // The client's data was checked when parsed; a hook may have replaced it or changed it in
  // place. A hook bug is a TypeError: logged, and 100 for the client.
  if (hooks.length > 0 || schema !== undefined) {
    const who = hooks.length > 0 ? 'onPublish hook' : 'contract schema';
    checkData(`${who} left data that cannot be published`, data, node.options.maxDataDepth, true);
  }

  const pub: Publication = { channel, data };
  if (rules.publisherInfo) pub.info = session.clientInfo();
  if (params.event !== undefined) pub.event = params.event;
  if (params.excludeSelf) pub.excludeClient = session.client;
  const options: BrokerPublishOptions = { idempotencyKey: params.idempotencyKey, idempotencyTtlMs: node.options.idempotencyTtlMs };
  if (params.idempotencyKey !== undefined) {
    options.idempotencyOwner = { id: session.client, maxKeys: node.options.limits.maxIdempotencyKeysPerConnection };
  }
  if (rules.history && !params.ephemeral) options.history = rules.history;
  const result = await node.broker.publish(pub, options);
  node.metrics.published(channel, 'client');
  return { result };
};
