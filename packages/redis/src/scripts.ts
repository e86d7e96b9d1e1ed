/**
 * @module scripts
 * Lua scripts run atomically on a shard, and the EVALSHA-then-EVAL call that runs them.
 */
import { createHash } from 'node:crypto';
import { ReplyError as RedisReplyError, type Redis } from 'ioredis';

export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/**
 * `refusedWhenFull`: the script starts with a `#!lua` shebang (Redis 7+), so a Redis that is out
 * of memory under `noeviction` refuses it before it runs (OOM, which the broker answers with 115)
 * instead of letting it write: without a shebang Redis checks memory only at a script's first
 * write command that may grow memory, and lets every write after one that cannot (a trim, a DEL)
 * through, so a full Redis would keep storing publications.
 */
export function script(name: string, body: string, { refusedWhenFull = false } = {}): LuaScript {
  const lua = refusedWhenFull ? `#!lua\n${body}` : body;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Lua: records idempotency key `key` in the list of its owner (the connection that published)
 * and deletes the owner's oldest keys past `max`, so one connection cannot fill Redis with keys.
 */
const OWN_KEY = `local function own_key(list, key, max, ttl)
  redis.call('RPUSH', list, key)
  redis.call('PEXPIRE', list, ttl)
  while redis.call('LLEN', list) > max do
    redis.call('DEL', redis.call('LPOP', list))
  end
end`;

/**
 * Publishes once per idempotency key. KEYS[1] = idempotency key, KEYS[2] (optional) = its
 * owner's key list; ARGV = Redis channel, payload, TTL in ms, result to remember, the owner's
 * most keys. Returns the remembered result of an earlier publish with the same key, or nil
 * after publishing. Atomic: two nodes publishing with the same key at the same time deliver once.
 */
export const PUBLISH_ONCE = script(
  'publish-once',
  `${OWN_KEY}
if redis.call('SET', KEYS[1], ARGV[4], 'NX', 'PX', ARGV[3]) then
  if #KEYS == 2 then own_key(KEYS[2], KEYS[1], tonumber(ARGV[5]), ARGV[3]) end
  redis.call('PUBLISH', ARGV[1], ARGV[2])
  return false
end
return redis.call('GET', KEYS[1])`,
  { refusedWhenFull: true },
);

/** Lua: the server's clock in ms (the same for every node, whatever their clocks say). */
const NOW_MS = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/**
 * Lua: a stream entry's field (entries hold `m` the message, `x` its expiry time in ms and
 * `n` the length of its publication body in bytes).
 */
const ENTRY_FIELD = `local function entry_field(entry, name)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
  return nil
end
-- Entries written before byte accounting have no 'n': they were never counted, so count 0.
local function entry_bytes(entry)
  return tonumber(entry_field(entry, 'n')) or 0
end`;

/**
 * Lua: drops the stream entries whose expiry time (field `x`) passed, and takes their bytes off
 * the meta hash's `bytes`. Entries are in offset order and a channel's TTL is one namespace
 * setting, so the expired ones are at the front.
 */
const TRIM_EXPIRED = `local function trim_expired(stream, meta, now)
  -- Usually the oldest entry is alive: one look and done.
  local batch = 1
  local freed = 0
  while true do
    local entries = redis.call('XRANGE', stream, '-', '+', 'COUNT', batch)
    local alive = nil
    for i, entry in ipairs(entries) do
      local expires = tonumber(entry_field(entry, 'x'))
      if expires == nil or expires > now then alive = i; break end
      freed = freed + entry_bytes(entry)
    end
    if alive == nil and #entries > 0 then
      -- Every entry of the batch expired: keep from the next offset (ids are '<offset>-0').
      local last = tonumber(string.match(entries[#entries][1], '^(%d+)'))
      redis.call('XTRIM', stream, 'MINID', (last + 1) .. '-0')
      batch = 100
    else
      if alive ~= nil and alive > 1 then redis.call('XTRIM', stream, 'MINID', entries[alive][1]) end
      if freed > 0 then redis.call('HINCRBY', meta, 'bytes', -freed) end
      return
    end
  end
end`;

/**
 * Lua: drops the oldest entries while the stream's `count` entries are more than `size` or their
 * `bytes` exceed `max_bytes` (nil: no byte bound), keeping the meta hash's `bytes` right. The newest entry
 * goes too when it alone exceeds `max_bytes`: the stream then keeps nothing, never a hole.
 */
const TRIM_FRONT = `local function trim_front(stream, meta, size, max_bytes, count, bytes)
  while count > 0 and (count > size or (max_bytes and bytes > max_bytes)) do
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    redis.call('XDEL', stream, oldest[1])
    bytes = redis.call('HINCRBY', meta, 'bytes', -entry_bytes(oldest))
    count = count - 1
  end
end`;

/**
 * Lua: the channel's epoch, creating the stream's metadata (and dropping entries of a former
 * epoch) when Redis does not have it.
 */
const ENSURE_META = `local function ensure_meta(stream, meta, candidate, meta_ttl)
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    epoch = candidate
    redis.call('DEL', stream)
    redis.call('HSET', meta, 'epoch', epoch, 'top', 0)
    redis.call('PEXPIRE', meta, meta_ttl)
  end
  return epoch
end`;

/**
 * Publishes with the channel's next offset and keeps the publication. KEYS[1] = stream,
 * KEYS[2] = meta, KEYS[3] (optional) = idempotency key, KEYS[4] (optional) = its owner's key
 * list. ARGV = Redis channel, body, size, TTL ms, meta TTL ms, epoch candidate, idempotency
 * TTL ms, max bytes ('' = no byte bound), the owner's most keys.
 * Returns {offset, epoch}, or the remembered result (a JSON string) of an earlier publish with
 * the same idempotency key. Numbering, storing and publishing happen in one atomic step, so
 * offsets follow the order in which every node receives the publications.
 *
 * The meta hash's `bytes` is the total body length of the stream's entries (each entry's `n`):
 * every trim here subtracts what it drops, and an empty or vanished stream (its key expired
 * before the meta, or removeHistory deleted it) resets it to 0, so it cannot drift.
 */
export const PUBLISH_HISTORY = script(
  'publish-history',
  `${NOW_MS}
${ENTRY_FIELD}
${TRIM_EXPIRED}
${TRIM_FRONT}
${ENSURE_META}
${OWN_KEY}
if #KEYS >= 3 then
  local previous = redis.call('GET', KEYS[3])
  if previous then return previous end
end
local ttl = tonumber(ARGV[4])
local epoch = ensure_meta(KEYS[1], KEYS[2], ARGV[6], ARGV[5])
local top = redis.call('HINCRBY', KEYS[2], 'top', 1)
local message = 'p|' .. top .. '|' .. epoch .. '|' .. ARGV[2]
local now = now_ms()
trim_expired(KEYS[1], KEYS[2], now)
local count = redis.call('XLEN', KEYS[1]) + 1
redis.call('XADD', KEYS[1], top .. '-0', 'm', message, 'x', now + ttl, 'n', #ARGV[2])
local bytes = #ARGV[2]
-- Alone in the stream: whatever the total said (a vanished stream), it is this entry's bytes.
if count == 1 then redis.call('HSET', KEYS[2], 'bytes', bytes)
else bytes = redis.call('HINCRBY', KEYS[2], 'bytes', bytes) end
trim_front(KEYS[1], KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[8]), count, bytes)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], math.max(tonumber(ARGV[5]), ttl))
redis.call('PUBLISH', ARGV[1], message)
if #KEYS >= 3 then
  redis.call('SET', KEYS[3], '{"offset":' .. top .. ',"epoch":"' .. epoch .. '"}', 'PX', ARGV[7])
  if #KEYS == 4 then own_key(KEYS[4], KEYS[3], tonumber(ARGV[9]), ARGV[7]) end
end
return {top, epoch}`,
  { refusedWhenFull: true },
);

/**
 * Reads a channel's kept publications. KEYS[1] = stream, KEYS[2] = meta. ARGV = epoch
 * candidate, meta TTL ms, since offset ('' = none), since epoch, limit ('' = all), reverse
 * ('1' or '0'). Returns {top, epoch, message...}.
 */
export const READ_HISTORY = script(
  'read-history',
  `${NOW_MS}
${ENTRY_FIELD}
${TRIM_EXPIRED}
${ENSURE_META}
local epoch = ensure_meta(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
local top = tonumber(redis.call('HGET', KEYS[2], 'top'))
trim_expired(KEYS[1], KEYS[2], now_ms())
local result = {top, epoch}
local limit = ARGV[5]
if limit == '0' or (ARGV[3] ~= '' and ARGV[4] ~= epoch) then return result end
local from = '-'
if ARGV[3] ~= '' then from = (tonumber(ARGV[3]) + 1) .. '-0' end
local entries
if ARGV[6] == '1' then
  if limit == '' then entries = redis.call('XREVRANGE', KEYS[1], '+', from)
  else entries = redis.call('XREVRANGE', KEYS[1], '+', from, 'COUNT', limit) end
else
  if limit == '' then entries = redis.call('XRANGE', KEYS[1], from, '+')
  else entries = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', limit) end
end
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'm' then result[#result + 1] = fields[i + 1] end
  end
end
return result`,
);

/**
 * Runs `script` by its SHA1 and sends its source only when Redis does not know it (first use,
 * or after a Redis restart emptied the script cache).
 */
/** ioredis has `*Buffer` variants of every command at runtime; its typings omit the eval ones. */
interface EvalCommands {
  evalsha(...args: (string | Buffer | number)[]): Promise<unknown>;
  eval(...args: (string | Buffer | number)[]): Promise<unknown>;
  evalshaBuffer(...args: (string | Buffer | number)[]): Promise<unknown>;
  evalBuffer(...args: (string | Buffer | number)[]): Promise<unknown>;
}

export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
  { buffers = false }: { buffers?: boolean } = {},
): Promise<unknown> {
  // With `buffers`, bulk strings come back as Buffers (binary publications stay intact).
  const commands = redis as unknown as EvalCommands;
  const rest = [keys.length, ...keys, ...args];
  try {
    return await (buffers ? commands.evalshaBuffer(script.sha, ...rest) : commands.evalsha(script.sha, ...rest));
  } catch (error) {
    if (!(error instanceof RedisReplyError) || !(error as Error).message.startsWith('NOSCRIPT')) throw error;
    return await (buffers ? commands.evalBuffer(script.lua, ...rest) : commands.eval(script.lua, ...rest));
  }
}
