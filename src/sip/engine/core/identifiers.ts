/** Random protocol identifiers: branches (RFC 3261 §8.1.1.7 magic cookie), tags (§19.3), Call-IDs (§8.1.1.4). */
import { randomBytes, randomUUID } from 'node:crypto';

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** Random hex from a pooled buffer: one randomBytes call per ~500 identifiers on the hot path. */
function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

export const newBranch = (): string => `z9hG4bK${randomHex(12)}`;
export const newTag = (): string => randomHex(6);
export const newCallId = (): string => randomUUID();
/** drachtio transaction ids are UUIDs (protocol doc §1.5). */
export const newTransactionId = (): string => randomUUID();
/** RFC 3261 §8.1.1.5: CSeq starts anywhere below 2^31. */
export const initialCSeq = (): number => 1 + Math.floor(Math.random() * 0x3fffffff);
