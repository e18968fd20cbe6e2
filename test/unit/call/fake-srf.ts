/**
 * In-memory stand-ins for the drachtio-srf objects the SIP app uses, recording what the app sends. They follow
 * drachtio-srf's behaviour where the app depends on it: `createUAS` calls back with a dialog once the 200 is out
 * and fails with a SipError-like `{ status: 487 }` when the caller cancels first.
 */
import { EventEmitter } from 'node:events';
import type {
  SrfApp,
  SrfCreateUasOptions,
  SrfDialog,
  SrfFinalResponse,
  SrfHeaders,
  SrfRequest,
  SrfRequestHandler,
  SrfResponse,
} from '../../../src/sip/call/srf-types.js';

export class FakeRequest extends EventEmitter implements SrfRequest {
  readonly method: string;
  readonly uri: string;
  readonly body: string | undefined;
  readonly callingNumber: string;
  readonly payload: { type: string | null; content?: string }[] | undefined;
  private readonly headers: Map<string, string>;

  constructor(init: {
    method?: string;
    uri: string;
    body?: string;
    headers?: SrfHeaders;
    callingNumber?: string;
    payload?: { type: string | null; content?: string }[];
  }) {
    super();
    this.method = init.method ?? 'INVITE';
    this.uri = init.uri;
    this.body = init.body;
    this.callingNumber = init.callingNumber ?? '0612345678';
    this.payload = init.payload;
    const defaults: SrfHeaders = {
      'Call-ID': `call-${Math.random().toString(16).slice(2)}@192.0.2.1`,
      From: '<sip:0612345678@192.0.2.1>;tag=abc',
      To: `<${init.uri}>`,
      Contact: '<sip:0612345678@192.0.2.1:5070>',
    };
    if (init.body !== undefined && init.body !== '') {
      defaults['Content-Type'] = 'application/sdp';
    }
    this.headers = new Map(
      Object.entries({ ...defaults, ...init.headers })
        .filter(([, v]) => v !== '')
        .map(([k, v]) => [k.toLowerCase(), v]),
    );
  }

  get(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }

  /** What drachtio-srf does when a CANCEL matches this INVITE. */
  cancel(): void {
    this.emit('cancel');
  }
}

export interface SentResponse {
  status: number;
  reason: string | undefined;
  headers: SrfHeaders;
  body: string | undefined;
}

export class FakeResponse implements SrfResponse {
  readonly sent: SentResponse[] = [];
  finalResponseSent = false;

  send(
    status: number,
    reason: string | undefined,
    opts: { headers?: SrfHeaders; body?: string },
    callback?: (err: Error | null | undefined) => void,
  ): void {
    this.sent.push({ status, reason, headers: { ...opts.headers }, body: opts.body });
    if (status >= 200) {
      this.finalResponseSent = true;
    }
    callback?.(null);
  }

  get final(): SentResponse | undefined {
    return this.sent.find((r) => r.status >= 200);
  }
}

export class FakeDialog extends EventEmitter implements SrfDialog {
  readonly id = `dialog-${Math.random().toString(16).slice(2)}`;
  readonly byes: SrfHeaders[] = [];
  failBye = false;

  destroy(opts?: { headers?: SrfHeaders }): Promise<unknown> {
    this.byes.push({ ...opts?.headers });
    return this.failBye ? Promise.reject(new Error('ENODIALOG')) : Promise.resolve({});
  }

  /** The peer's BYE (source `network`), as drachtio-srf reports it. */
  remoteBye(reason = 'normal release'): void {
    this.emit('destroy', { method: 'BYE', source: 'network' }, reason);
  }

  /** A BYE the server sent on its own and reported as "unsolicited" (source `application`). */
  serverBye(reason: string): void {
    this.emit('destroy', { method: 'BYE', source: 'application' }, reason);
  }

  ack(body?: string): void {
    this.emit('ack', { body });
  }

  /** Requests the app sent inside the dialog (REFER...); answered `requestStatus`. */
  readonly requests: { method: string; headers: SrfHeaders }[] = [];
  requestStatus = 202;

  request(opts: { method: string; headers?: SrfHeaders; body?: string }): Promise<SrfFinalResponse> {
    this.requests.push({ method: opts.method, headers: { ...opts.headers } });
    const status = this.requestStatus;
    return Promise.resolve({ status, get: () => undefined });
  }
}

interface PendingUas {
  req: SrfRequest;
  res: SrfResponse;
  opts: SrfCreateUasOptions;
  resolve: (dialog: SrfDialog) => void;
  reject: (err: unknown) => void;
}

export class FakeSrf implements SrfApp {
  inviteHandler: SrfRequestHandler | undefined;
  optionsHandler: SrfRequestHandler | undefined;
  readonly uas: PendingUas[] = [];
  readonly dialogs: FakeDialog[] = [];
  /** When true, createUAS waits for `completeUas`/`failUas`; otherwise it answers at once. */
  holdUas = false;

  invite(handler: SrfRequestHandler): void {
    this.inviteHandler = handler;
  }

  options(handler: SrfRequestHandler): void {
    this.optionsHandler = handler;
  }

  createUAS(
    req: SrfRequest,
    res: SrfResponse,
    opts: SrfCreateUasOptions,
    callback: (err: unknown, dialog?: SrfDialog) => void,
  ): void {
    // Like drachtio-srf: the callback runs once, synchronously with the echo of our 200 (or the failure).
    let done = false;
    const once =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A): void => {
        if (!done) {
          done = true;
          fn(...args);
        }
      };
    const pending: PendingUas = {
      req,
      res,
      opts,
      resolve: once((dialog: SrfDialog) => callback(null, dialog)),
      reject: once((err: unknown) => callback(err)),
    };
    this.uas.push(pending);
    // Like drachtio-srf: a CANCEL before the 200 makes createUAS fail with 487.
    (req as FakeRequest).once('cancel', () =>
      pending.reject(Object.assign(new Error('Sip non-success response: 487'), { status: 487 })),
    );
    if (!this.holdUas) {
      this.completeUas(pending);
    }
  }

  completeUas(pending: PendingUas | undefined = this.uas.at(-1)): FakeDialog {
    if (pending === undefined) {
      throw new Error('no createUAS in progress');
    }
    pending.res.send(200, 'OK', { headers: pending.opts.headers ?? {}, body: pending.opts.localSdp });
    const dialog = new FakeDialog();
    this.dialogs.push(dialog);
    pending.resolve(dialog);
    return dialog;
  }

  failUas(err: unknown, pending: PendingUas | undefined = this.uas.at(-1)): void {
    pending?.reject(err);
  }

  /** Delivers a request as the server would, and returns the response object to inspect. */
  deliverInvite(req: FakeRequest): FakeResponse {
    const res = new FakeResponse();
    this.inviteHandler?.(req, res);
    return res;
  }

  deliverOptions(req: FakeRequest): FakeResponse {
    const res = new FakeResponse();
    this.optionsHandler?.(req, res);
    return res;
  }
}

/** Lets pending promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}
