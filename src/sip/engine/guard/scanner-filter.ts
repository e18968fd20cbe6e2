/**
 * Known SIP scanners announce themselves in User-Agent (SIPVicious sends `friendly-scanner`, and so on).
 * Dropping their requests without an answer gives them nothing to map.
 */

/** True when `userAgent` contains one of `patterns`, ignoring case. A missing User-Agent is not a scanner. */
export function isScanner(userAgent: string | undefined, patterns: readonly string[]): boolean {
  if (userAgent === undefined || userAgent === '') {
    return false;
  }
  const value = userAgent.toLowerCase();
  return patterns.some((pattern) => pattern !== '' && value.includes(pattern.toLowerCase()));
}
