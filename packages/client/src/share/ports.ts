/**
 * @module share/ports
 * The channels tabs talk over: a BroadcastChannel, or a SharedWorker's port made to look like one.
 */
import type { ChannelLike } from './messages.js';
import type { MessagePortLike } from './shared-worker.js';

/** A SharedWorker's port as a channel: messages to and from the worker only. */
export function portChannel(port: MessagePortLike): ChannelLike {
  const channel: ChannelLike = {
    postMessage: (message) => port.postMessage(message),
    onmessage: null,
    close: () => port.close(),
  };
  port.onmessage = (event) => channel.onmessage?.(event);
  port.start?.();
  return channel;
}

export function defaultChannel(): ((name: string) => ChannelLike) | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? (name) => new Channel(name) : undefined;
}
