/**
 * @module cluster/control-link
 * The ControlLink role: carries control messages between the nodes of a cluster (server API
 * calls that target another node's connections, node heartbeats, questions to every node).
 * Publications do not travel here: the Broker carries them.
 *
 * An engine provides one through `Broker.controlLink()` (the memory engine over its MemoryBus,
 * the Redis engine over Redis pub/sub); a node whose broker has none is a cluster of one.
 */

/**
 * Contract for implementers:
 * - `send(undefined, m)` delivers `m` once to every started link of the cluster, the sender's
 *   included; `send(id, m)` delivers it once to the link started with node id `id`, or nowhere.
 * - Messages from one link to one target arrive in the order sent. Delivery is at most once:
 *   a message sent while the backend is unreachable may be lost (control messages are answered
 *   or time out; nothing relies on them for data).
 * - `send` resolves once the backend took the message, and rejects when it could not.
 * - `close` stops delivery; it is idempotent. `send` after close rejects.
 */
export interface ControlLink {
  /** Starts delivering to `onMessage` what is sent to `nodeId` or to every node. Called once. */
  start(nodeId: string, onMessage: (message: string) => void): Promise<void>;
  /** Sends `message` to node `to`, or to every node when `to` is undefined. */
  send(to: string | undefined, message: string): Promise<void>;
  close(): Promise<void>;
}
