/**
 * Every RTP send and receive of a tick in one system call: an io_uring per media thread (Linux 5.6+, through
 * koffi on libc's `syscall`, no native addon).
 *
 * Why: with polled sockets (`socket-syscalls.ts`) a call still costs three system calls per tick: `send` of the
 * IVR's packet, `recv` of the caller's and the `recv` that finds the socket empty. On the 2-vCPU VM where the
 * capacity target is measured a system call's entry and exit alone cost about a microsecond (a C micro-benchmark
 * of 500 connected loopback sockets: `send` 4.0 µs per packet, `recv` with data plus the empty one 2.7 µs per
 * socket; the same operations as io_uring SEND/RECV submitted 500 at a time: 2.3 and 0.4 µs, see
 * docs/media-capacity.md). An io_uring takes a batch of operations written into memory shared with the kernel and
 * runs them all in one `io_uring_enter`.
 *
 * How it is used: the scheduler's send phase (`media-scheduler.ts`) opens a batch (`hold`); each session's
 * `transmit` copies its packet into a slot of native memory and queues a SEND (`send`); at the end of the phase
 * `flush` queues a RECV for every registered socket behind the sends and submits everything at once. The kernel
 * runs them in order, so every packet of the tick leaves before any socket is read. Long send phases are submitted
 * in chunks of `sendChunk` as they are built (8 submissions for 500 calls at the default). Sockets that returned a
 * datagram are read again (their next packet may be waiting), until a round finds every socket empty or
 * `maxReadRounds` rounds have run, like the per-socket `recv` loop it replaces.
 *
 * Every operation carries MSG_DONTWAIT, so the kernel completes it during the submission (a full socket buffer
 * answers EAGAIN, as `send(2)` on a non-blocking socket does) and its completion is in the completion ring when
 * `io_uring_enter` returns. The ring is submitted without waiting (min_complete 0), so the event loop never blocks
 * on it; each submission tags its operations, so a completion that came late (never seen) is counted
 * (`incomplete`) and never taken for a later operation.
 *
 * Where io_uring is refused (kernel.io_uring_disabled, a seccomp profile such as Docker's default, a kernel before
 * 5.6, not Linux) `RtpIoRing.open` throws `RtpIoRingUnavailableError` with the reason, and the caller stays on one
 * system call per packet.
 *
 * Memory layout (include/uapi/linux/io_uring.h): `struct io_uring_params` is 120 octets, the submission queue
 * entry 64, the completion queue entry 16. The SQ ring's index array is filled once with the identity (entry i
 * at position i), so submitting is writing entries and then the tail.
 */
import koffi from 'koffi';
import { libcBinding } from '../libc-binding.js';

const SYS_IO_URING_SETUP = 425;
const SYS_IO_URING_ENTER = 426;
const IORING_OP_SEND = 26;
const IORING_OP_RECV = 27;
const IORING_FEAT_SINGLE_MMAP = 1;
const IORING_OFF_SQ_RING = 0;
const IORING_OFF_CQ_RING = 0x8000000;
const IORING_OFF_SQES = 0x10000000;
const PROT_READ_WRITE = 0x3;
const MAP_SHARED_POPULATE = 0x1 | 0x8000;
/** recv/send flags: never block; MSG_TRUNC makes a read answer the datagram's real length. */
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
const EINTR = 4;

/** Octets per slot: a packet queued for sending, or a datagram read; the largest on a 1,500-octet MTU path. */
export const RTP_IO_SLOT_BYTES = 1536;
const SQE_WORDS = 16;
const CQE_WORDS = 4;

/** A connected UDP socket the ring reads and writes (one per latched RTP session). */
export interface RtpIoSocket {
  /** Its descriptor; the socket is read only while registered. */
  readonly fd: number;
  /**
   * A datagram read from the socket: `length` octets of `bytes`, which is reused once this returns. A datagram
   * longer than `RTP_IO_SLOT_BYTES` arrives truncated, with its real `length` (larger than `bytes`). `atMs` is
   * when the kernel read it (`performance.now()` at the submission, the same for every datagram of it).
   */
  onDatagram(bytes: Buffer, length: number, atMs: number): void;
  /** A read or send failed with this errno (not EAGAIN on a read, which only means "empty"). */
  onSocketError(errno: number): void;
}

export interface RtpIoRingOptions {
  /** Operations per submission (rounded up to a power of two by the kernel); more are submitted in chunks. @default 2048 */
  entries?: number;
  /** Most datagrams read per socket per flush: bounds a tick's work if a peer floods. @default 32 */
  maxReadRounds?: number;
  /**
   * While a batch is held, queued sends are submitted every this many, so that a call's packet leaves after the
   * packets of the calls before it are ready, not after every call of the thread is (the send phase's JavaScript,
   * ≈ 4 µs per call, varies from tick to tick; in one submission that variation would reach every call). @default 64
   */
  sendChunk?: number;
}

export interface RtpIoRingStats {
  /** `io_uring_enter` calls. */
  submissions: number;
  /** Packets handed to the kernel, and those it refused (errno other than success). */
  sends: number;
  sendErrors: number;
  /** Reads submitted, and the datagrams they returned. */
  reads: number;
  datagrams: number;
  /** Operations whose completion was not in the ring after their submission (never expected; see the header). */
  incomplete: number;
  registered: number;
}

/** io_uring could not be set up here; `reason` says why (errno name or the missing piece). */
export class RtpIoRingUnavailableError extends Error {
  readonly code = 'AIG_ERR_IO_URING_UNAVAILABLE';
  constructor(readonly reason: string) {
    super(`io_uring unavailable: ${reason}`);
    this.name = 'RtpIoRingUnavailableError';
  }
}

type Syscall = (...args: unknown[]) => number | bigint;
type Mmap = (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;

interface Libc {
  syscall: Syscall;
  enter: (
    nr: number,
    fd: number,
    toSubmit: number,
    minComplete: number,
    flags: number,
    sig: null,
    size: number,
  ) => number;
  mmap: Mmap;
  munmap: (addr: unknown, length: number) => number;
  close: (fd: number) => number;
}

const libc = libcBinding((lib): Libc => ({
  syscall: lib.func('long syscall(long number, ...)') as Syscall,
  // syscall(2) with io_uring_enter's arguments spelt out: no variadic type parsing on the hot path.
  enter: lib.func(
    'long syscall(long nr, int fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags, void *sig, size_t size)',
  ) as Libc['enter'],
  mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as Mmap,
  munmap: lib.func('int munmap(void *addr, size_t length)') as Libc['munmap'],
  close: lib.func('int close(int fd)') as Libc['close'],
}));

/** mmap's MAP_FAILED is (void *) -1. */
function mapped(pointer: unknown): boolean {
  return pointer !== null && koffi.address(pointer) !== 0xffffffffffffffffn;
}

interface Mapping {
  pointer: unknown;
  length: number;
}

export class RtpIoRing {
  /** Sets up a ring; throws `RtpIoRingUnavailableError` where the kernel or platform refuses. */
  static open(options: RtpIoRingOptions = {}): RtpIoRing {
    const entries = options.entries ?? 2048;
    if (!Number.isInteger(entries) || entries < 2 || entries > 32768) {
      throw new RangeError(`entries must be an integer in 2..32768, got ${entries}`);
    }
    const sendChunk = options.sendChunk ?? 64;
    if (!Number.isInteger(sendChunk) || sendChunk < 1) {
      throw new RangeError(`sendChunk must be a positive integer, got ${sendChunk}`);
    }
    const c = libc();
    if (c === undefined) {
      throw new RtpIoRingUnavailableError(
        process.platform === 'linux' ? 'libc.so.6 not loadable' : 'not Linux',
      );
    }
    const params = Buffer.alloc(120);
    const fd = Number(c.syscall(SYS_IO_URING_SETUP, 'uint32_t', entries, 'void *', params));
    if (fd < 0) {
      throw new RtpIoRingUnavailableError(`io_uring_setup failed (errno ${koffi.errno()})`);
    }
    try {
      return new RtpIoRing(c, fd, params, options.maxReadRounds ?? 32, sendChunk);
    } catch (err) {
      c.close(fd);
      throw err;
    }
  }

  private readonly c: Libc;
  private readonly fd: number;
  private readonly mappings: Mapping[] = [];
  private readonly slab: unknown;
  private readonly capacity: number;
  private readonly maxReadRounds: number;
  private readonly sendChunk: number;
  /** The SQ ring's tail and mask; the CQ ring's head, tail and mask (views of the shared pages). */
  private readonly sqTail: Uint32Array;
  private readonly sqMask: number;
  private readonly cqHead: Uint32Array;
  private readonly cqTail: Uint32Array;
  private readonly cqMask: number;
  private readonly sqes: Uint32Array;
  private readonly cqes: Int32Array;
  /** Each slot's native address, low and high 32 bits, and a Buffer over it. */
  private readonly slotLow: Uint32Array;
  private readonly slotHigh: Uint32Array;
  private readonly slots: Buffer[];
  /** The batch being built: its operations' sockets and kinds (slot i holds operation i). */
  private readonly batchSockets: (RtpIoSocket | undefined)[];
  private readonly batchIsRead: Uint8Array;
  private batchLength = 0;
  /** Operations before this index were submitted; those from it on wait for the next submission. */
  private pendingFrom = 0;
  /** Tags each submission's user_data (high word) so a late completion is never taken for a later operation. */
  private generation = 0;
  private reaping = false;
  private tail = 0;
  private holding = 0;
  private flushing = false;
  private closed = false;
  /** Registered sockets, and each one's index in that array (removal swaps the last one in). */
  private readonly sockets: RtpIoSocket[] = [];
  private readonly socketIndex = new Map<RtpIoSocket, number>();
  /** The sockets read in the current round, and those that returned something: read again in the next round. */
  private round: RtpIoSocket[] = [];
  private roundLength = 0;
  private again: RtpIoSocket[] = [];
  private againLength = 0;
  /** When the last submission was made (its datagrams' arrival time for the statistics). */
  private submittedAt = 0;
  private readonly counters = {
    submissions: 0,
    sends: 0,
    sendErrors: 0,
    reads: 0,
    datagrams: 0,
    incomplete: 0,
  };

  private constructor(c: Libc, fd: number, params: Buffer, maxReadRounds: number, sendChunk: number) {
    this.c = c;
    this.fd = fd;
    this.maxReadRounds = maxReadRounds;
    this.sendChunk = sendChunk;
    const u32 = (offset: number): number => params.readUInt32LE(offset);
    const sqEntries = u32(0);
    const cqEntries = u32(4);
    const features = u32(20);
    // struct io_sqring_offsets at 40: head, tail, ring_mask, ring_entries, flags, dropped, array;
    // struct io_cqring_offsets at 80: head, tail, ring_mask, ring_entries, overflow, cqes.
    const sqOff = { tail: u32(44), mask: u32(48), array: u32(64) };
    const cqOff = { head: u32(80), tail: u32(84), mask: u32(88), cqes: u32(100) };
    const sqRingBytes = sqOff.array + sqEntries * 4;
    const cqRingBytes = cqOff.cqes + cqEntries * 16;
    const single = (features & IORING_FEAT_SINGLE_MMAP) !== 0;
    const sqRing = this.map(single ? Math.max(sqRingBytes, cqRingBytes) : sqRingBytes, IORING_OFF_SQ_RING);
    const cqRing = single ? sqRing : this.map(cqRingBytes, IORING_OFF_CQ_RING);
    const sqeMap = this.map(sqEntries * SQE_WORDS * 4, IORING_OFF_SQES);
    const sqView = koffi.view(sqRing.pointer, sqRing.length);
    const cqView = cqRing === sqRing ? sqView : koffi.view(cqRing.pointer, cqRing.length);
    this.sqTail = new Uint32Array(sqView, sqOff.tail, 1);
    this.sqMask = new Uint32Array(sqView, sqOff.mask, 1)[0]!;
    this.tail = this.sqTail[0]!;
    const array = new Uint32Array(sqView, sqOff.array, sqEntries);
    for (let i = 0; i < sqEntries; i++) {
      array[i] = i;
    }
    this.cqHead = new Uint32Array(cqView, cqOff.head, 1);
    this.cqTail = new Uint32Array(cqView, cqOff.tail, 1);
    this.cqMask = new Uint32Array(cqView, cqOff.mask, 1)[0]!;
    this.cqes = new Int32Array(cqView, cqOff.cqes, cqEntries * CQE_WORDS);
    this.sqes = new Uint32Array(koffi.view(sqeMap.pointer, sqeMap.length));
    // Never more operations in flight than completions the CQ ring can hold.
    this.capacity = Math.min(sqEntries, cqEntries);
    this.slab = koffi.alloc('uint8_t', this.capacity * RTP_IO_SLOT_BYTES);
    const slabView = koffi.view(this.slab, this.capacity * RTP_IO_SLOT_BYTES);
    const base = koffi.address(this.slab);
    this.slotLow = new Uint32Array(this.capacity);
    this.slotHigh = new Uint32Array(this.capacity);
    this.slots = [];
    for (let i = 0; i < this.capacity; i++) {
      const address = base + BigInt(i * RTP_IO_SLOT_BYTES);
      this.slotLow[i] = Number(address & 0xffffffffn);
      this.slotHigh[i] = Number(address >> 32n);
      this.slots.push(Buffer.from(slabView, i * RTP_IO_SLOT_BYTES, RTP_IO_SLOT_BYTES));
    }
    this.batchSockets = new Array<RtpIoSocket | undefined>(this.capacity).fill(undefined);
    this.batchIsRead = new Uint8Array(this.capacity);
  }

  private map(length: number, offset: number): Mapping {
    const pointer = this.c.mmap(null, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, this.fd, offset);
    if (!mapped(pointer)) {
      this.release();
      throw new RtpIoRingUnavailableError(`mmap of the ring failed (errno ${koffi.errno()})`);
    }
    const mapping = { pointer, length };
    this.mappings.push(mapping);
    return mapping;
  }

  /** Reads `socket` in every `flush` from now on. */
  register(socket: RtpIoSocket): void {
    if (!this.socketIndex.has(socket)) {
      this.socketIndex.set(socket, this.sockets.length);
      this.sockets.push(socket);
    }
  }

  unregister(socket: RtpIoSocket): void {
    const index = this.socketIndex.get(socket);
    if (index === undefined) {
      return;
    }
    this.socketIndex.delete(socket);
    const last = this.sockets.pop()!;
    if (last !== socket) {
      this.sockets[index] = last;
      this.socketIndex.set(last, index);
    }
  }

  /** Queues sends until `flush` (the scheduler's send phase); nests. */
  hold(): void {
    this.holding++;
  }

  /**
   * Sends `packet` on `socket`: queued while a batch is held or being flushed, else submitted at once. False when
   * the ring cannot take it (closed, or a packet over `RTP_IO_SLOT_BYTES`): the caller sends it itself.
   */
  send(socket: RtpIoSocket, packet: Uint8Array): boolean {
    if (this.closed || packet.length > RTP_IO_SLOT_BYTES) {
      return false;
    }
    if (this.batchLength === this.capacity) {
      if (this.reaping) {
        return false; // every slot holds an operation being completed
      }
      this.submit();
    }
    const slot = this.batchLength;
    this.slots[slot]!.set(packet);
    this.queue(IORING_OP_SEND, socket, slot, packet.length, MSG_DONTWAIT, 0);
    this.counters.sends++;
    const held = this.holding > 0 || this.flushing;
    if (!held || (!this.reaping && this.batchLength - this.pendingFrom >= this.sendChunk)) {
      this.submit();
    }
    return true;
  }

  /**
   * Ends a held batch: submits the queued sends, then reads every registered socket until each is empty (or
   * `maxReadRounds` datagrams were read from it), delivering datagrams through `onDatagram`.
   */
  flush(): void {
    if (this.holding > 0) {
      this.holding--;
    }
    if (this.closed || this.flushing) {
      return;
    }
    this.flushing = true;
    try {
      // Round 1 reads every registered socket (a copy: listeners may register or unregister sockets meanwhile).
      const sockets = this.sockets;
      for (let i = 0; i < sockets.length; i++) {
        this.round[i] = sockets[i]!;
      }
      this.roundLength = sockets.length;
      for (let r = 0; r < this.maxReadRounds && this.roundLength > 0; r++) {
        this.againLength = 0;
        for (let i = 0; i < this.roundLength; i++) {
          if (this.batchLength === this.capacity) {
            this.submit();
          }
          const socket = this.round[i]!;
          this.queue(
            IORING_OP_RECV,
            socket,
            this.batchLength,
            RTP_IO_SLOT_BYTES,
            MSG_DONTWAIT | MSG_TRUNC,
            1,
          );
          this.counters.reads++;
        }
        this.submit();
        // The sockets that returned something are the next round.
        const next = this.again;
        this.again = this.round;
        this.round = next;
        this.roundLength = this.againLength;
      }
      // Sends queued by a listener while datagrams were delivered.
      if (this.batchLength > 0) {
        this.submit();
      }
    } finally {
      this.flushing = false;
    }
  }

  stats(): RtpIoRingStats {
    return { ...this.counters, registered: this.sockets.length };
  }

  /** Closes the ring and frees its memory; later sends answer false. Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.sockets.length = 0;
    this.socketIndex.clear();
    this.release();
    koffi.free(this.slab);
  }

  private release(): void {
    for (const mapping of this.mappings.splice(0)) {
      this.c.munmap(mapping.pointer, mapping.length);
    }
    this.c.close(this.fd);
  }

  private queue(
    opcode: number,
    socket: RtpIoSocket,
    slot: number,
    length: number,
    msgFlags: number,
    isRead: number,
  ): void {
    const sqes = this.sqes;
    const at = (this.tail & this.sqMask) * SQE_WORDS;
    // Words 2-3 (off), 10-15 (buf_index, personality, splice_fd_in, addr3) stay 0 as mapped: never written.
    sqes[at] = opcode; // opcode, flags 0, ioprio 0
    sqes[at + 1] = socket.fd;
    sqes[at + 4] = this.slotLow[slot]!;
    sqes[at + 5] = this.slotHigh[slot]!;
    sqes[at + 6] = length;
    sqes[at + 7] = msgFlags;
    sqes[at + 8] = slot; // user_data: the slot, and the submission it belongs to
    sqes[at + 9] = this.generation;
    this.tail = (this.tail + 1) >>> 0;
    this.batchSockets[slot] = socket;
    this.batchIsRead[slot] = isRead;
    this.batchLength++;
  }

  /**
   * Hands the operations queued since the last submission to the kernel, without waiting (min_complete 0: with
   * MSG_DONTWAIT each completes during the submission, and its completion is in the ring on return), then handles
   * every completion. Operations queued by listeners meanwhile go with the next submission.
   */
  private submit(): void {
    const from = this.pendingFrom;
    const count = this.batchLength - from;
    if (count === 0) {
      return;
    }
    this.sqTail[0] = this.tail;
    this.submittedAt = performance.now();
    let submitted = -1;
    let errno = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      submitted = this.c.enter(SYS_IO_URING_ENTER, this.fd, count, 0, 0, null, 0);
      errno = submitted < 0 ? koffi.errno() : 0;
      if (submitted >= 0 || errno !== EINTR) {
        break;
      }
    }
    this.counters.submissions++;
    if (submitted < 0) {
      // The kernel took none of them (EAGAIN or EBUSY: out of resources): the sends failed, the reads found nothing.
      this.sqTail[0] = this.tail = (this.tail - count) >>> 0;
      for (let slot = from; slot < from + count; slot++) {
        const socket = this.batchSockets[slot]!;
        this.batchSockets[slot] = undefined;
        if (this.batchIsRead[slot] === 0) {
          this.counters.sendErrors++;
          socket.onSocketError(errno);
        }
      }
    } else {
      this.reaping = true;
      try {
        this.reap();
      } finally {
        this.reaping = false;
      }
      // Anything not completed by now would complete into a slot that is about to be reused: counted, ignored.
      for (let slot = from; slot < from + count; slot++) {
        if (this.batchSockets[slot] !== undefined) {
          this.batchSockets[slot] = undefined;
          this.counters.incomplete++;
        }
      }
    }
    this.generation = (this.generation + 1) >>> 0;
    this.pendingFrom = from + count;
    if (this.pendingFrom === this.batchLength) {
      this.pendingFrom = this.batchLength = 0;
    }
  }

  private reap(): void {
    const cqes = this.cqes;
    let head = this.cqHead[0]!;
    const tail = this.cqTail[0]!;
    while (head !== tail) {
      const at = (head & this.cqMask) * CQE_WORDS;
      const slot = cqes[at]!;
      const generation = cqes[at + 1]! >>> 0;
      const result = cqes[at + 2]!;
      head = (head + 1) >>> 0;
      this.cqHead[0] = head;
      if (generation !== this.generation || slot < 0 || slot >= this.capacity) {
        this.counters.incomplete++;
        continue; // a completion of an earlier submission that came late
      }
      const socket = this.batchSockets[slot];
      this.batchSockets[slot] = undefined;
      if (socket === undefined) {
        continue;
      }
      if (this.batchIsRead[slot] === 0) {
        if (result < 0) {
          this.counters.sendErrors++;
          socket.onSocketError(-result);
        }
        continue;
      }
      if (!this.socketIndex.has(socket)) {
        continue; // unregistered (closed, moved) by a listener of an earlier datagram
      }
      if (result >= 0) {
        this.counters.datagrams++;
        this.again[this.againLength++] = socket;
        socket.onDatagram(this.slots[slot]!, result, this.submittedAt);
      } else if (-result !== EAGAIN) {
        // A pending ICMP error is reported once by a read; the datagrams behind it are still there.
        this.again[this.againLength++] = socket;
        socket.onSocketError(-result);
      }
    }
  }
}
