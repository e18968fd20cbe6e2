/**
 * The recognizer server's URL: checked once at `init()`, and shown in logs and errors without what may be secret in
 * it (user info, query string: a token is often passed there when the server sits behind a proxy).
 */
import { AigError } from '../../../errors/aig-error.js';

/** Throws `AIG_ERR_ASR_NOT_CONFIGURED` unless `url` is a `ws://` or `wss://` URL. */
export function checkServerUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AigError('AIG_ERR_ASR_NOT_CONFIGURED', `websocket recognizer URL is not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new AigError(
      'AIG_ERR_ASR_NOT_CONFIGURED',
      `websocket recognizer URL must be ws:// or wss://, got ${parsed.protocol}//`,
    );
  }
}

/** `ws://host:port/path`, without credentials or query. */
export function redactServerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
