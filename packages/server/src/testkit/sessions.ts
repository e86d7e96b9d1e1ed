/**
 * @module testkit/sessions
 * Sessions without sockets: a node accepts a FakeTransport, commands are fed to the session
 * as one inbound message, and the test reads what the transport recorded.
 */
import type { Relais } from '../node.js';
import type { Session } from '../session.js';
import { FakeTransport, flushMicrotasks } from './fake-transport.js';

/** A connection `relais` accepted over a FakeTransport. */
export interface OpenedSession {
  readonly transport: FakeTransport;
  readonly session: Session;
}

/** Feeds `commands` to `session` as one inbound message, encoded with the session's codec. */
export function sendCommands(session: Session, ...commands: unknown[]): void {
  const { codec } = session;
  session.handleMessage(commands.length === 1 ? codec.encode(commands[0]) : codec.join(commands.map((command) => codec.encode(command))));
}

/** A new connection of `relais` over `transport`; throws when the node refused it. */
export function openSession(relais: Relais, transport = new FakeTransport()): OpenedSession {
  const session = relais.accept(transport);
  if (!session) throw new Error(`the node refused the connection: ${JSON.stringify(transport.closed)}`);
  return { transport, session };
}

/** `openSession`, then a `connect` command (id 1) and its reply (node without async hooks). */
export async function connectSession(relais: Relais, transport = new FakeTransport()): Promise<OpenedSession> {
  const opened = openSession(relais, transport);
  sendCommands(opened.session, { id: 1, method: 'connect' });
  await flushMicrotasks();
  return opened;
}
