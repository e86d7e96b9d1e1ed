/**
 * @module cluster-broadcast
 * Broadcasts that a channel cannot carry (the whole namespace, several rooms, excepted rooms,
 * binary data) go to every node of the cluster (this one too) as a control message, and each
 * node writes the packet to its own sockets that match, as socket.io's adapters do.
 */
import type { Relais } from '@relais/server';

/** One broadcast between nodes: the encoded packet and whom it is for. */
export interface BroadcastMessage {
  /** Unique in the cluster (`<node>:<n>`): a socket handed over between nodes gets it once. */
  id: string;
  nsp: string;
  rooms: string[];
  except: string[];
  text: string;
  /** Attachments, base64. */
  attachments: string[];
}

export type LocalBroadcast = (
  nsp: string,
  encoded: [string, ...Buffer[]],
  rooms: ReadonlySet<string>,
  except: ReadonlySet<string>,
  key: string,
) => void;

export class ClusterBroadcast {
  readonly #relais: Relais;
  readonly #type: string;
  readonly #dispose: () => void;
  #sent = 0;

  /** Handles the broadcasts of the Socket.IO server on `path` (one handler per path and node). */
  constructor(relais: Relais, path: string, deliver: LocalBroadcast) {
    this.#relais = relais;
    this.#type = `socketio.broadcast:${path}`;
    this.#dispose = relais.cluster.handle(this.#type, (body) => {
      const message = body as BroadcastMessage;
      const attachments = message.attachments.map((item) => Buffer.from(item, 'base64'));
      deliver(message.nsp, [message.text, ...attachments], new Set(message.rooms), new Set(message.except), `b:${message.id}`);
    });
  }

  /** Sends the packet to every node; resolves once handed to the engine. */
  send(nsp: string, encoded: readonly [string, ...Buffer[]], rooms: ReadonlySet<string>, except: ReadonlySet<string>): Promise<void> {
    const [text, ...attachments] = encoded;
    const message: BroadcastMessage = {
      id: `${this.#relais.cluster.nodeId}:${this.#sent++}`,
      nsp,
      rooms: [...rooms],
      except: [...except],
      text,
      attachments: attachments.map((item) => item.toString('base64')),
    };
    return this.#relais.cluster.send(undefined, this.#type, message);
  }

  close(): void {
    this.#dispose();
  }
}
