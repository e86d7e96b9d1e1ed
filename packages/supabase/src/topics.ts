/**
 * @module topics
 * Supabase topics ↔ relais channels: `realtime:<name>` joined with `private: false` is
 * `<namespace>:<name>`, with `private: true` it is `<privateNamespace>:<name>`.
 */
import { channelError } from '@relais/protocol';

export const TOPIC_PREFIX = 'realtime:';

/** Where a topic's messages and presence live. */
export interface TopicNamespaces {
  namespace: string;
  privateNamespace: string;
}

/** The relais channel of `topic`, or an error message for a topic that has none. */
export function channelOfTopic(topic: string, isPrivate: boolean, namespaces: TopicNamespaces): { channel: string } | { error: string } {
  if (!topic.startsWith(TOPIC_PREFIX)) return { error: `unknown topic ${JSON.stringify(topic)}: topics are realtime:<name>` };
  const name = topic.slice(TOPIC_PREFIX.length);
  if (name === '') return { error: 'the topic needs a name after realtime:' };
  const channel = `${isPrivate ? namespaces.privateNamespace : namespaces.namespace}:${name}`;
  const problem = channelError(channel);
  return problem ? { error: `topic ${JSON.stringify(topic)} has no channel: ${problem}` } : { channel };
}

/** The Supabase topic (without its `realtime:` prefix) of a channel name given to the REST endpoint. */
export function subTopicOf(topic: string): string {
  return topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic;
}
