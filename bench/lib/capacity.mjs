/**
 * @module bench/lib/capacity
 * What the idle-capacity scenario needs from the machine, and how it spreads its clients:
 * - the kernel settings that bound how many loopback connections can exist (ephemeral ports per
 *   source address, the per-process open-file ceiling, the listen backlog, conntrack), read from
 *   /proc/sys;
 * - a process's open-file limit (RLIMIT_NOFILE, /proc/<pid>/limits): a server holds one file
 *   descriptor per connection, so its hard limit caps the count unless the harness may raise it;
 * - `capacityLayout`: how many clients a run can open, and how they are spread over load
 *   generator processes (each below its own open-file limit) and loopback source addresses
 *   (127.0.0.2, 127.0.0.3 …, each given a quarter of the ephemeral port range: the server
 *   listens on 127.0.0.1, and one source address reaches one listening address through at most
 *   that many ports, see PORT_SHARE).
 * No side effects: bench/capacity.mjs runs the scenario.
 */
import { readFileSync } from 'node:fs';

/** File descriptors a process keeps for itself besides its connections (IPC, stdio, epoll, the listener…). */
export const FD_RESERVE = 200;
/**
 * The share of the ephemeral port range one source address is given. Node binds a client with
 * a localAddress before connecting, and Linux's bind() to port 0 walks the range (even ports
 * first) from a random point until a port free on that address: the fuller the address, the
 * longer every bind walks (at 19,800 clients on one address of 28,232 ports a run opened 73
 * connections/s instead of thousands). A quarter keeps the walk short.
 */
export const PORT_SHARE = 0.25;
/** The first source address; 127.0.0.1 is the server's, and every 127/8 address is local on Linux. */
export const FIRST_SOURCE = [127, 0, 0, 2];

/** The text of /proc/sys/<name with dots as slashes>, or undefined where it cannot be read. */
export function sysctl(name, read = readFileSync) {
  try {
    return String(read(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** The kernel settings that bound loopback connections, as numbers (undefined: unreadable). */
export function kernelLimits(read = readFileSync) {
  const number = (name) => {
    const text = sysctl(name, read);
    return text === undefined ? undefined : Number(text.split(/\s+/)[0]);
  };
  const range = sysctl('net.ipv4.ip_local_port_range', read)?.split(/\s+/).map(Number);
  return {
    ephemeralPorts: range ? range[1] - range[0] + 1 : undefined,
    portRange: range ? `${range[0]}–${range[1]}` : undefined,
    nrOpen: number('fs.nr_open'),
    fileMax: number('fs.file-max'),
    somaxconn: number('net.core.somaxconn'),
    conntrackMax: number('net.netfilter.nf_conntrack_max'),
  };
}

/** `{soft, hard}` open-file limit of `pid` ('self' by default), from /proc/<pid>/limits; Infinity for "unlimited". */
export function fdLimit(pid = 'self', read = readFileSync) {
  const text = String(read(`/proc/${pid}/limits`, 'utf8'));
  const line = text.split('\n').find((row) => row.startsWith('Max open files'));
  if (!line) throw new Error(`/proc/${pid}/limits has no "Max open files" line`);
  const [soft, hard] = line
    .slice('Max open files'.length)
    .trim()
    .split(/\s+/)
    .map((value) => (value === 'unlimited' ? Infinity : Number(value)));
  return { soft, hard };
}

/** The `index`-th loopback source address from FIRST_SOURCE (127.0.0.2, …, 127.0.0.255, 127.0.1.0, …). */
export function sourceAddress(index) {
  if (!Number.isInteger(index) || index < 0) throw new Error(`source address index must be a non-negative integer, got ${index}`);
  const value = FIRST_SOURCE[1] * 65_536 + FIRST_SOURCE[2] * 256 + FIRST_SOURCE[3] + index;
  if (value >= 2 ** 24 - 1) throw new Error(`source address index ${index} leaves 127/8`);
  return `127.${value >> 16}.${(value >> 8) & 0xff}.${value & 0xff}`;
}

/**
 * How `requested` clients fit this machine. `serverFds`: the server process's open-file limit
 * (after the harness raised it as far as allowed); `loadFds`: a load generator's; `ports`: the
 * ephemeral ports of one source address. Returns the clients to open, what capped them below
 * `requested` (undefined when nothing did), and `shards`: one per load generator process, each
 * a list of `{address, clients}` batches.
 */
export function capacityLayout({ requested, serverFds, loadFds, ports, firstAddress = 0 }) {
  for (const [name, value] of Object.entries({ requested, serverFds, loadFds, ports }))
    if (!(value > 0)) throw new Error(`capacityLayout: ${name} must be a positive number, got ${value}`);
  const serverRoom = serverFds - FD_RESERVE;
  const perShard = Math.min(loadFds - FD_RESERVE, requested);
  const perAddress = Math.floor(ports * PORT_SHARE);
  if (serverRoom <= 0 || perShard <= 0 || perAddress <= 0)
    throw new Error(`capacityLayout: no room for clients (server fds ${serverFds}, load fds ${loadFds}, ports ${ports})`);
  const clients = Math.min(requested, serverRoom);
  const limitedBy = clients < requested ? `the server's open-file limit (RLIMIT_NOFILE ${serverFds})` : undefined;
  const shards = [];
  let address = firstAddress;
  let usedOnAddress = 0;
  for (let left = clients; left > 0;) {
    const shard = [];
    for (let room = Math.min(perShard, left); room > 0;) {
      const batch = Math.min(room, perAddress - usedOnAddress);
      shard.push({ address: sourceAddress(address), clients: batch });
      room -= batch;
      left -= batch;
      usedOnAddress += batch;
      if (usedOnAddress === perAddress) {
        address++;
        usedOnAddress = 0;
      }
    }
    shards.push(shard);
  }
  return { clients, limitedBy, shards };
}
