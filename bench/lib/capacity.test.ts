/**
 * The idle-capacity layout (clients per load generator and per source address), the parsing of
 * /proc limits and sysctls, on fixed inputs: no process is started.
 */
import { describe, expect, it } from 'vitest';
import { FD_RESERVE, PORT_SHARE, capacityLayout, fdLimit, kernelLimits, sourceAddress } from './capacity.mjs';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                65536                files
Max locked memory         8388608              8388608              bytes
`;

const total = (shards: { clients: number }[][]) => shards.flat().reduce((sum, batch) => sum + batch.clients, 0);

describe('capacityLayout', () => {
  it('opens every requested client when the limits allow, one address below the port range', () => {
    const layout = capacityLayout({ requested: 5_000, serverFds: 1_048_576, loadFds: 1_048_576, ports: 28_232 });
    expect(layout).toEqual({ clients: 5_000, limitedBy: undefined, shards: [[{ address: '127.0.0.2', clients: 5_000 }]] });
  });

  it('spreads 100,000 clients over source addresses of a share of the ports each', () => {
    const ports = 28_232;
    const layout = capacityLayout({ requested: 100_000, serverFds: 1_048_576, loadFds: 1_048_576, ports });
    expect(layout.clients).toBe(100_000);
    expect(layout.shards).toHaveLength(1);
    const perAddress = new Map<string, number>();
    for (const batch of layout.shards.flat()) perAddress.set(batch.address, (perAddress.get(batch.address) ?? 0) + batch.clients);
    expect(perAddress.size).toBe(Math.ceil(100_000 / Math.floor(ports * PORT_SHARE)));
    expect([...perAddress.keys()].slice(0, 3)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    for (const count of perAddress.values()) expect(count).toBeLessThanOrEqual(ports * PORT_SHARE);
    expect(total(layout.shards)).toBe(100_000);
  });

  it('uses a load generator per open-file limit, continuing the same address across them', () => {
    const layout = capacityLayout({ requested: 30_000, serverFds: 1_048_576, loadFds: 10_200, ports: 28_232 });
    expect(layout.shards.map(total)).toEqual([10_000, 10_000, 10_000]);
    // 7,058 clients per address (a quarter of 28,232 ports).
    expect(layout.shards[0]).toEqual([
      { address: '127.0.0.2', clients: 7_058 },
      { address: '127.0.0.3', clients: 10_000 - 7_058 },
    ]);
    expect(layout.shards[1]).toEqual([
      { address: '127.0.0.3', clients: 2 * 7_058 - 10_000 },
      { address: '127.0.0.4', clients: 20_000 - 2 * 7_058 },
    ]);
  });

  it('starts at the given source address', () => {
    const layout = capacityLayout({ requested: 5_000, serverFds: 1_048_576, loadFds: 1_048_576, ports: 28_232, firstAddress: 3 });
    expect(layout.shards).toEqual([[{ address: '127.0.0.5', clients: 5_000 }]]);
  });

  it("caps the count at the server's open-file limit and says so", () => {
    const layout = capacityLayout({ requested: 100_000, serverFds: 20_000, loadFds: 20_000, ports: 28_232 });
    expect(layout.clients).toBe(20_000 - FD_RESERVE);
    expect(layout.limitedBy).toBe("the server's open-file limit (RLIMIT_NOFILE 20000)");
    expect(total(layout.shards)).toBe(layout.clients);
  });

  it('refuses inputs that leave no room', () => {
    expect(() => capacityLayout({ requested: 10, serverFds: FD_RESERVE, loadFds: 20_000, ports: 28_232 })).toThrow(/no room/);
    expect(() => capacityLayout({ requested: 0, serverFds: 20_000, loadFds: 20_000, ports: 28_232 })).toThrow(/requested/);
  });
});

describe('sourceAddress', () => {
  it('counts up from 127.0.0.2 across octets', () => {
    expect(sourceAddress(0)).toBe('127.0.0.2');
    expect(sourceAddress(253)).toBe('127.0.0.255');
    expect(sourceAddress(254)).toBe('127.0.1.0');
    expect(() => sourceAddress(-1)).toThrow(/non-negative/);
  });
});

describe('limits', () => {
  it('reads soft and hard open-file limits from /proc/<pid>/limits', () => {
    expect(fdLimit(42, () => LIMITS)).toEqual({ soft: 20_000, hard: 65_536 });
    expect(fdLimit(42, () => LIMITS.replace('20000                65536', 'unlimited            unlimited'))).toEqual({
      soft: Infinity,
      hard: Infinity,
    });
    expect(() => fdLimit(42, () => 'nothing')).toThrow(/Max open files/);
  });

  it('reads the kernel settings, undefined where a file is missing', () => {
    const files: Record<string, string> = {
      '/proc/sys/net/ipv4/ip_local_port_range': '32768\t60999\n',
      '/proc/sys/fs/nr_open': '1048576\n',
      '/proc/sys/net/core/somaxconn': '4096\n',
    };
    const read = (path: string) => {
      if (!(path in files)) throw new Error('ENOENT');
      return files[path];
    };
    expect(kernelLimits(read)).toEqual({
      ephemeralPorts: 28_232,
      portRange: '32768–60999',
      nrOpen: 1_048_576,
      fileMax: undefined,
      somaxconn: 4_096,
      conntrackMax: undefined,
    });
  });
});
