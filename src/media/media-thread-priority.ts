/**
 * Scheduling priority of a media thread (the thread that runs a `MediaEngine`'s 20 ms scheduler): a nice value,
 * or the real-time round-robin policy.
 *
 * Why: the send interval of every call is the tick's punctuality, and on a shared machine any other runnable
 * thread (a log shipper, a backup, the load generator of a benchmark, the IVR's own main thread) can hold the core
 * when the tick is due. A lower nice value only weights the fair scheduler (CFS/EEVDF) in the media thread's
 * favour; `SCHED_RR` (sched(7)) preempts every normal thread as soon as the tick's timer fires, which is what
 * telephony media engines do (FreeSWITCH `-rp`, Asterisk `-p`). A media thread sleeps most of each tick, and the
 * kernel's real-time throttling (`/proc/sys/kernel/sched_rt_runtime_us`, 95% by default) keeps a runaway real-time
 * thread from locking a core.
 *
 * Both calls take pid 0, which on Linux means the calling thread only (setpriority(2) and sched_setscheduler(2)
 * act on a thread id): each worker sets its own priority, and the main thread sets its own when it is the media
 * thread. Both need root or CAP_SYS_NICE (and, for real time, an RLIMIT_RTPRIO at least the priority asked);
 * without them the thread keeps its inherited priority and the caller logs why.
 */
import { setPriority } from 'node:os';
import koffi from 'koffi';
import { libcBinding } from './libc-binding.js';

/** sched(7) policy number of round-robin real time (Linux uapi `linux/sched.h`). */
const SCHED_RR = 2;
/** errno of a refused change. */
const EPERM = 1;

export interface MediaThreadPriority {
  /** Nice value, -20..19; null leaves it inherited. Ignored when `realtime` is set. */
  readonly nice: number | null;
  /** SCHED_RR priority, 1..99; null keeps the normal policy. */
  readonly realtime: number | null;
}

/** What was applied, for the log. */
export interface MediaThreadPriorityResult {
  readonly applied: boolean;
  /** `SCHED_RR 10`, `nice -10`, or `inherited`. */
  readonly priority: string;
  /** The thread now runs under SCHED_RR: the kernel wakes it on time, so the scheduler may sleep to a tick. */
  readonly realtime: boolean;
  /** Why not, when `applied` is false. */
  readonly reason?: string;
}

interface SchedulerCalls {
  setscheduler(policy: number, priority: number): number;
  getscheduler(): number;
  errno(): number;
}

/** libc's sched_setscheduler/sched_getscheduler, loaded once per thread; undefined off glibc Linux. */
const loadSchedulerCalls = libcBinding((libc): SchedulerCalls => {
  // struct sched_param { int sched_priority; }: passed as the 4 bytes of a Buffer.
  const setscheduler = libc.func('int sched_setscheduler(int pid, int policy, void *param)') as (
    pid: number,
    policy: number,
    param: Buffer,
  ) => number;
  const getscheduler = libc.func('int sched_getscheduler(int pid)') as (pid: number) => number;
  return {
    setscheduler: (policy, priority) => {
      const param = Buffer.alloc(4);
      param.writeInt32LE(priority, 0);
      return setscheduler(0, policy, param);
    },
    getscheduler: () => getscheduler(0),
    errno: () => koffi.errno(),
  };
});

/** Checks a priority setting; throws RangeError with the reason. */
export function validateMediaThreadPriority(priority: MediaThreadPriority): void {
  const { nice, realtime } = priority;
  if (nice !== null && (!Number.isInteger(nice) || nice < -20 || nice > 19)) {
    throw new RangeError(`media thread nice ${nice} is outside -20..19`);
  }
  if (realtime !== null && (!Number.isInteger(realtime) || realtime < 1 || realtime > 99)) {
    throw new RangeError(`media thread real-time priority ${realtime} is outside 1..99 (sched(7))`);
  }
}

/** Gives the calling thread `priority`; never throws (a refusal is reported in the result). */
export function applyMediaThreadPriority(priority: MediaThreadPriority): MediaThreadPriorityResult {
  validateMediaThreadPriority(priority);
  if (priority.realtime !== null) {
    const calls = loadSchedulerCalls();
    if (calls === undefined) {
      return {
        applied: false,
        priority: 'inherited',
        realtime: false,
        reason: 'sched_setscheduler is not reachable here',
      };
    }
    if (calls.setscheduler(SCHED_RR, priority.realtime) !== 0) {
      const errno = calls.errno();
      return {
        applied: false,
        priority: 'inherited',
        realtime: false,
        reason:
          errno === EPERM
            ? 'not permitted: needs root or CAP_SYS_NICE, and RLIMIT_RTPRIO ≥ the priority'
            : `sched_setscheduler failed (errno ${errno})`,
      };
    }
    return calls.getscheduler() === SCHED_RR
      ? { applied: true, priority: `SCHED_RR ${priority.realtime}`, realtime: true }
      : { applied: false, priority: 'inherited', realtime: false, reason: 'the policy did not change' };
  }
  if (priority.nice !== null) {
    try {
      setPriority(0, priority.nice);
      return { applied: true, priority: `nice ${priority.nice}`, realtime: false };
    } catch (err) {
      return {
        applied: false,
        priority: 'inherited',
        realtime: false,
        reason: `${(err as Error).message} (a lower nice value needs root or CAP_SYS_NICE)`,
      };
    }
  }
  return { applied: true, priority: 'inherited', realtime: false };
}
