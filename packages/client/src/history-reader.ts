/**
 * @module history-reader
 * `sub.history()` over a server that pages (HistoryResult.more): reads on from the last
 * publication received until `limit` or the end, and hands back one result as if it had come
 * in one reply. Older servers never set `more`: their one reply is the result.
 */
import { ERROR_CODES, type HistoryParams, type HistoryResult, type PublicationData } from '@relais/protocol';
import { ServerError } from './errors.js';

/** Where pages come from. */
export interface PageReader {
  read(params: HistoryParams): Promise<HistoryResult>;
  /**
   * Resolves when a page may be asked for again after one that came back empty with `more`:
   * the server's queue for this connection was too full to carry a publication.
   */
  wait(attempt: number): Promise<void>;
}

/** Whole reads started over because the stream's epoch changed between their pages. */
const MAX_EPOCH_RESTARTS = 3;

/** One page that carries a publication, or the last page. */
export async function readPage(reader: PageReader, params: HistoryParams): Promise<HistoryResult> {
  for (let attempt = 0; ; attempt++) {
    const page = await reader.read(params);
    if (page.more !== true || page.publications.length > 0) return page;
    await reader.wait(attempt);
  }
}

/**
 * Reads `params` to the end, page by page; publications come oldest first unless `reverse`,
 * each once, and the result carries the position of the first reply. Every page belongs to one
 * epoch: when the epoch changes meanwhile, the read starts over (a `since` of the old epoch
 * then returns nothing, as it would have in one reply), at most three times.
 */
export async function readHistory(reader: PageReader, params: HistoryParams): Promise<HistoryResult> {
  for (let restart = 0; restart <= MAX_EPOCH_RESTARTS; restart++) {
    const result = await readOnce(reader, params);
    if (result) return result;
  }
  throw new ServerError({
    code: ERROR_CODES.UNRECOVERABLE_POSITION,
    message: `the epoch of ${params.channel} kept changing while its history was read`,
    temporary: true,
  });
}

async function readOnce(reader: PageReader, params: HistoryParams): Promise<HistoryResult | undefined> {
  const first = await readPage(reader, params);
  const { publications, offset, epoch } = first;
  if (first.more !== true) return first;
  const rest =
    params.reverse === true
      ? await readOlder(reader, params, first)
      : await readAfter(reader, params.channel, lastOffset(publications), epoch, left(params, publications));
  if (!rest) return undefined;
  return { publications: [...publications, ...rest], offset, epoch };
}

/** Forward pages after `from`, up to `limit` publications (all: undefined); undefined on another epoch. */
async function readAfter(
  reader: PageReader,
  channel: string,
  from: number,
  epoch: string,
  limit: number | undefined,
): Promise<PublicationData[] | undefined> {
  const out: PublicationData[] = [];
  let since = from;
  while (limit === undefined || out.length < limit) {
    const params: HistoryParams = { channel, since: { offset: since, epoch } };
    if (limit !== undefined) params.limit = limit - out.length;
    const page = await readPage(reader, params);
    if (page.epoch !== epoch) return undefined;
    out.push(...page.publications);
    if (page.more !== true) break;
    since = lastOffset(page.publications);
  }
  return out;
}

/**
 * Newest first, older than the first page: offsets are consecutive, so the publications below
 * offset L are those after L - 1 - n, read forward and turned around, n at a time.
 */
async function readOlder(reader: PageReader, params: HistoryParams, first: HistoryResult): Promise<PublicationData[] | undefined> {
  const out: PublicationData[] = [];
  const floor = params.since?.offset ?? 0;
  let lowest = lastOffset(first.publications);
  for (;;) {
    const wanted = left(params, [...first.publications, ...out]) ?? Number.MAX_SAFE_INTEGER;
    const count = Math.min(wanted, lowest - 1 - floor);
    if (count <= 0) return out;
    const from = lowest - 1 - count;
    const chunk = await readAfter(reader, params.channel, from, first.epoch, count);
    if (!chunk) return undefined;
    // Nothing older is kept when the chunk starts above its first offset (trimmed): it then
    // reaches into what was already read, which is left out.
    const oldest = chunk[0]?.offset;
    out.push(...chunk.filter((pub) => (pub.offset ?? 0) < lowest).reverse());
    if (oldest === undefined || oldest > from + 1) return out;
    lowest = oldest;
  }
}

function left(params: HistoryParams, received: readonly PublicationData[]): number | undefined {
  return params.limit === undefined ? undefined : params.limit - received.length;
}

function lastOffset(publications: readonly PublicationData[]): number {
  return publications.at(-1)?.offset ?? 0;
}
