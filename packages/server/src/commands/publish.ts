/**
 * @module commands/publish
 * `publish`: namespace rules (102, 103), data size (106), onPublish hooks (which may replace
 * the data), then the broker. The reply waits for the broker to accept the publication.
 * The publisher does not need to be subscribed. On a namespace with history the publication
 * gets an offset and is kept, unless `ephemeral` (typing indicators: delivered live only).
 */
import { ERROR_CODES, ReplyError, type ClientInfo } from '@relais/protocol';
import type { BrokerPublishOptions, Publication } from '../broker.js';
import type { PublishEvent } from '../events.js';
import { frameBytes } from '../transport.js';
import type { CommandHandler } from './context.js';

export const handlePublish: CommandHandler<'publish'> = async (session, params, node) => {
  const { channel } = params;
  const rules = node.channels.resolve(channel);
  if (!rules.clientPublish) throw new ReplyError(ERROR_CODES.PERMISSION_DENIED);
  if (rules.maxDataBytes !== undefined) {
    const bytes = frameBytes(session.codec.encode(params.data));
    if (bytes > rules.maxDataBytes) {
      throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `data is ${bytes} bytes, at most ${rules.maxDataBytes} allowed`);
    }
  }

  const event: PublishEvent = { client: session.details(), channel, data: params.data };
  if (params.event !== undefined) event.event = params.event;
  for (const hook of node.hooks.publish.list()) {
    const answer = await hook(event);
    if (answer && 'data' in answer) event.data = answer.data;
  }

  const info: ClientInfo = { client: session.client, user: session.user };
  if (session.info !== undefined) info.info = session.info;
  const pub: Publication = { channel, data: event.data, info };
  if (params.event !== undefined) pub.event = params.event;
  if (params.excludeSelf) pub.excludeClient = session.client;
  const options: BrokerPublishOptions = { idempotencyKey: params.idempotencyKey, idempotencyTtlMs: node.options.idempotencyTtlMs };
  if (rules.history && !params.ephemeral) options.history = rules.history;
  const result = await node.broker.publish(pub, options);
  return { result };
};
