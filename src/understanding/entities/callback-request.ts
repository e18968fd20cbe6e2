/**
 * A caller asking to be called back ("rappelez-moi", "je préfère qu'on me rappelle", "can you call me back"): the
 * flow then books a callback with the group routing chose instead of queueing the call. Phrase based, both
 * languages whatever the line's (callers switch); a negated request ("ne me rappelez pas", "don't call me back")
 * does not count.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import { foldForVulnerability } from './vulnerability.js';

const REQUEST: readonly RegExp[] = [
  /\b(rappelez moi|rappeler moi|rappelle moi|me rappeler|me rappelle|me rappeliez|etre rappelee?s?|un rappel|contre appel)\b/,
  /\b(call me back|call back|ring me back|phone me back|callback|return my call)\b/,
];

const NEGATED: readonly RegExp[] = [
  /\b(ne me rappelez pas|ne pas me rappeler|pas besoin de me rappeler|pas de rappel)\b/,
  /\b(don t call me back|do not call me back|no callback|no need to call me back)\b/,
];

export function asksForCallback(text: string, _language: ConversationLanguage): boolean {
  const folded = foldForVulnerability(text);
  if (folded === '' || NEGATED.some((pattern) => pattern.test(folded))) {
    return false;
  }
  return REQUEST.some((pattern) => pattern.test(folded));
}
