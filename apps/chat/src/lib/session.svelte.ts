/**
 * @module chat/lib/session
 * One chat session of this tab: the relais client (connected with the display name), the room
 * list, the joined rooms and the active one, and the numbers of the stats panel.
 */
import { Client, typed, type ClientStats, type Disposer, type Subscription, type TransportKind } from '@relais/client';
import { fallbacks } from '@relais/client/fallback';
import { connectionState, type ConnectionStateValue } from '@relais/svelte';
import type { Readable } from 'svelte/store';
import { errorText, normalizeRoomName } from './format.js';
import { CREATE_ROOM_RPC, ROOMS_CHANNEL, ROOMS_RPC, ROOM_NAME_PATTERN, chatContract, roomsOf } from '../../shared/protocol.js';
import { Room } from './room.svelte.js';

/** How often the stats panel and the retry countdown refresh, in ms. */
const TICK_MS = 500;

/** The WebSocket endpoint of the server that served this page. */
export function serverUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/connection/websocket`;
}

export class ChatSession {
  readonly name: string;
  readonly client: Client;
  readonly connection: Readable<ConnectionStateValue>;
  rooms = $state<string[]>([]);
  joined = $state<Record<string, Room>>({});
  activeName = $state<string | undefined>(undefined);
  stats = $state<ClientStats | undefined>(undefined);
  /** The transport the connection runs on (websocket, or an HTTP fallback). */
  transport = $state<TransportKind | undefined>(undefined);
  /** Clock for the retry countdown, refreshed every TICK_MS. */
  now = $state(Date.now());
  /** True once a first connection succeeded: later ones are reconnections. */
  wasConnected = $state(false);
  roomsError = $state<string | undefined>(undefined);
  readonly #mine = new Set<string>();
  readonly #initialRoom: string | undefined;
  #roomsSub: Subscription | undefined;
  #disposers: Disposer[] = [];
  #tick: ReturnType<typeof setInterval> | undefined;

  constructor(name: string, { url = serverUrl(), initialRoom }: { url?: string; initialRoom?: string } = {}) {
    this.name = name;
    this.#initialRoom = initialRoom && ROOM_NAME_PATTERN.test(initialRoom) ? initialRoom : undefined;
    // The HTTP fallbacks too: the chat stays usable behind proxies that break WebSockets.
    this.client = new Client(url, { name: 'relais-chat', data: { name }, transports: fallbacks });
    this.connection = connectionState(this.client);
  }

  get active(): Room | undefined {
    return this.activeName === undefined ? undefined : this.joined[this.activeName];
  }

  start(): void {
    this.#roomsSub = this.client.subscribe(ROOMS_CHANNEL);
    this.#disposers = [
      this.#roomsSub.on('publication', (pub) => this.#addRooms(roomsOf(pub.data))),
      this.client.on('connected', () => {
        this.wasConnected = true;
        void this.#loadRooms();
      }),
    ];
    this.#tick = setInterval(() => {
      this.now = Date.now();
      this.stats = this.client.stats();
      this.transport = this.client.transport;
    }, TICK_MS);
    this.stats = this.client.stats();
    this.transport = this.client.transport;
    this.client.connect();
  }

  /** Joins a room (subscribes once) and makes it the active one. */
  join(name: string): void {
    if (!ROOM_NAME_PATTERN.test(name)) return;
    if (this.active) this.active.active = false;
    let room = this.joined[name];
    if (!room) {
      room = new Room(this.client, name, this.#mine);
      this.joined[name] = room;
    }
    room.active = true;
    room.unread = 0;
    this.activeName = name;
    this.#addRooms([name]);
  }

  /** Creates a room (or finds it) and joins it; resolves with an error sentence or undefined. */
  async createRoom(input: string): Promise<string | undefined> {
    const name = normalizeRoomName(input);
    if (!ROOM_NAME_PATTERN.test(name)) return 'Room names use letters, digits, "-" and "_".';
    try {
      // Typed by the contract: `{ name }` in, `{ room, created }` out.
      const result = await typed(this.client, chatContract).rpc(CREATE_ROOM_RPC, { name });
      this.join(result.room);
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }

  /** Skips the backoff wait and reconnects now. */
  reconnectNow(): void {
    if (this.client.state === 'disconnected') this.client.connect();
  }

  close(): void {
    clearInterval(this.#tick);
    for (const dispose of this.#disposers) dispose();
    for (const room of Object.values(this.joined)) room.leave();
    this.client.close();
  }

  async #loadRooms(): Promise<void> {
    try {
      this.#addRooms(roomsOf(await this.client.rpc(ROOMS_RPC)));
      this.roomsError = undefined;
    } catch (error) {
      this.roomsError = errorText(error);
    }
    if (this.activeName === undefined) {
      const first = this.#initialRoom ?? this.rooms[0];
      if (first !== undefined) this.join(first);
    }
  }

  #addRooms(names: readonly string[]): void {
    const fresh = names.filter((name) => !this.rooms.includes(name));
    if (fresh.length > 0) this.rooms = [...this.rooms, ...fresh];
  }
}
